//! `didhub routing token create --name NAME | list | revoke NAME`: the tokens switches
//! present to the route endpoints. A new token is printed once; only its hash is kept.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::domain::credentials::secret_hash;
use crate::domain::routing_lookup::tokens::{generate_token, validate_token_name};
use crate::domain::utc_date_time;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum RoutingCommand {
    /// Routing tokens for switches.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and cannot be shown again.
    Create {
        /// A name for the switch it is for (1 to 64 letters, digits, '_', '-', '.').
        #[arg(long)]
        name: String,
    },
    /// List the tokens in force (names and creation times, never the tokens).
    List,
    /// Revoke a token; every server refuses it within a second.
    Revoke { name: String },
}

pub async fn run(command: RoutingCommand, store: &dyn Store) -> anyhow::Result<Report> {
    let RoutingCommand::Token(command) = command;
    match command {
        TokenCommand::Create { name } => {
            validate_token_name(&name)?;
            let token = generate_token();
            store
                .create_routing_token(&name, &secret_hash(&token), store.now())
                .await?;
            Ok(Report::ok(
                json!({ "name": name, "token": token }),
                format!("routing token {name} (shown only now):\n{token}\n"),
            ))
        }
        TokenCommand::List => {
            let tokens = store.routing_tokens().await?;
            let mut text = String::new();
            let rows: Vec<_> = tokens
                .iter()
                .map(|t| {
                    text.push_str(&format!(
                        "{}  created {}\n",
                        t.name,
                        utc_date_time(t.created_at)
                    ));
                    json!({ "name": t.name, "created": utc_date_time(t.created_at) })
                })
                .collect();
            if rows.is_empty() {
                text.push_str("no routing tokens\n");
            }
            Ok(Report::ok(json!({ "tokens": rows }), text))
        }
        TokenCommand::Revoke { name } => {
            store.revoke_routing_token(&name, store.now()).await?;
            Ok(Report::ok(
                json!({ "revoked": name }),
                format!("routing token {name} revoked"),
            ))
        }
    }
}
