//! The `didhub` command line: one file per subcommand group. Each command returns a
//! [`output::Report`] that is printed as text or, with `--json`, as exactly one JSON
//! object on stdout.

mod account;
mod billing;
mod catalog;
mod check;
mod deliveries;
mod events;
mod inventory;
mod number;
mod output;
mod progress;
mod routing;
mod serve;
mod sms;
mod store;
mod webhook;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::config::{Config, FileConfig};
use crate::store::{Store, StoreOptions};
use output::Report;

/// didhub: an open DID inventory and ordering server with an Anveo-compatible API.
#[derive(Debug, Parser)]
#[command(name = "didhub", version, about)]
pub struct Cli {
    /// Database URL: sqlite://didhub.db (the default) or postgres://USER@HOST/DATABASE;
    /// created (SQLite) and migrated on first use.
    #[arg(long, global = true, env = "DIDHUB_DATABASE")]
    database: Option<String>,
    /// A TOML configuration file (see docs/CONFIGURATION.md).
    #[arg(long, global = true, env = "DIDHUB_CONFIG")]
    config: Option<PathBuf>,
    /// Print exactly one JSON object on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Let webhooks target loopback, private, link-local and unique-local addresses
    /// (tests, private deployments); refused by default.
    #[arg(long, global = true, env = "DIDHUB_ALLOW_PRIVATE_TARGETS")]
    allow_private_targets: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server.
    Serve(Box<serve::ServeArgs>),
    /// Create accounts and credit balances.
    #[command(subcommand)]
    Account(account::AccountCommand),
    /// Monthly renewals: run them once, or preview a run.
    #[command(subcommand)]
    Billing(billing::BillingCommand),
    /// Add numbers to stock.
    #[command(subcommand)]
    Inventory(inventory::InventoryCommand),
    /// Look at one number and its history.
    #[command(subcommand)]
    Number(number::NumberCommand),
    /// Load the catalog of countries, areas, plans and prices.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Audit the database's invariants; exits non-zero naming each violation.
    Check,
    /// Create or migrate the database, then exit.
    Migrate,
    /// Whole-database operations: copy between backends.
    #[command(subcommand)]
    Store(store::StoreCommand),
    /// Read the event log.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Manage customers' webhooks.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Look at and retry webhook deliveries.
    #[command(subcommand)]
    Deliveries(deliveries::DeliveriesCommand),
    /// Routing tokens for the switches' lookups.
    #[command(subcommand)]
    Routing(routing::RoutingCommand),
    /// SMS: messages both ways, and the SMS price list.
    #[command(subcommand)]
    Sms(sms::SmsCommand),
}

/// Parses the command line, runs the command, prints its report.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return output::print_error(json, &anyhow::anyhow!(e)),
    };
    match runtime.block_on(execute(cli)) {
        Ok(report) => report.print(json),
        Err(e) => output::print_error(json, &e),
    }
}

async fn execute(cli: Cli) -> anyhow::Result<Report> {
    let serve_overrides = match &cli.command {
        Command::Serve(args) => args.overrides()?,
        Command::Billing(command) => command.overrides(),
        _ => FileConfig::default(),
    };
    let _logs = init_logging(matches!(cli.command, Command::Serve(_)));
    let file = match &cli.config {
        Some(path) => FileConfig::load(path).map_err(anyhow::Error::msg)?,
        None => FileConfig::default(),
    };
    let overrides = FileConfig {
        database: cli.database.clone(),
        allow_private_targets: cli.allow_private_targets,
        ..serve_overrides
    };
    let config = Config::resolve(file, overrides).map_err(anyhow::Error::msg)?;
    match cli.command {
        // `store copy` names its own two databases; it must not create the default one.
        Command::Store(command) => store::run(command, config.pool_size).await,
        command => run_on_store(command, &config, cli.json).await,
    }
}

/// Runs a command against the configured database.
async fn run_on_store(command: Command, config: &Config, json: bool) -> anyhow::Result<Report> {
    let store = open_store(config).await?;
    let report = match command {
        Command::Serve(args) => serve::run(*args, config, store.clone(), json).await,
        Command::Account(command) => account::run(command, store.as_ref()).await,
        Command::Billing(command) => billing::run(command, store.as_ref(), config.billing).await,
        Command::Inventory(command) => inventory::run(command, store.as_ref()).await,
        Command::Catalog(command) => catalog::run(command, store.as_ref()).await,
        Command::Number(command) => number::run(command, store.as_ref()).await,
        Command::Check => check::run(store.as_ref()).await,
        Command::Events(command) => events::run(command, store.as_ref()).await,
        Command::Webhook(command) => {
            let allow_private = config.outbound.allow_private_targets;
            webhook::run(command, store.as_ref(), allow_private).await
        }
        Command::Deliveries(command) => deliveries::run(command, store.as_ref()).await,
        Command::Routing(command) => routing::run(command, store.as_ref()).await,
        Command::Sms(command) => sms::run(command, store.as_ref()).await,
        Command::Migrate => Ok(Report::ok(
            serde_json::json!({ "migrated": true }),
            "database is migrated".into(),
        )),
        Command::Store(_) => Err(anyhow::anyhow!(
            "store commands name their own databases with --from and --to"
        )),
    };
    store.close().await;
    report
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let options = StoreOptions {
        pool_size: config.pool_size,
        durable: config.durable,
        ..StoreOptions::default()
    };
    crate::store::open(&config.database, options)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Logs go to stderr: `info` for the server, warnings only for admin commands, unless
/// `DIDHUB_LOG` (an `EnvFilter` directive such as `debug`) says otherwise.
///
/// Lines are handed to a background thread that writes them (tracing-appender), so a
/// request never waits on stderr; the returned guard flushes what is queued when it is
/// dropped at exit.
fn init_logging(serving: bool) -> tracing_appender::non_blocking::WorkerGuard {
    let default = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DIDHUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    guard
}
