//! Several `didhub serve` processes on one PostgreSQL database (PostgreSQL only): no
//! number is sold twice across processes, money and ledger stay exact, and processes
//! that start together on an empty database migrate it once and all come up.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::admin::generate::generate_stock;
use didhub::bundled::bundled_catalog;
use didhub::domain::{AreaId, DidType, Money};
use didhub::store::{self, Cell, Store, StoreOptions, transfer};

use crate::support::{Backend, backend::POSTGRES_VARIABLE};
use crate::support::{CREDIT, Reply, TestDatabase, request_xml};

on_postgres!(
    multi_thread: three_processes_sell_two_hundred_numbers_to_three_hundred_orders_exactly_once,
    sweepers_in_several_processes_release_each_number_once,
);
on_postgres!(sync: processes_starting_together_on_an_empty_database_migrate_once_and_all_come_up);

/// One number in 1.312 under SU: SETUP100 249 + MONTHLY100 149.
const PRICE: i64 = 398;

/// A `didhub serve` child process on port 0; killed if the test ends without stopping
/// it (a failing test leaves no server behind).
pub struct ServeProcess {
    child: Child,
    pub base_url: String,
    log: tempfile::NamedTempFile,
}

impl ServeProcess {
    /// Starts the process; [`ServeProcess::wait_until_listening`] before using it.
    pub fn spawn(database: &str) -> ServeProcess {
        ServeProcess::spawn_with(database, &[])
    }

    /// Starts the process with these extra environment variables.
    pub fn spawn_with(database: &str, env: &[(&str, &str)]) -> ServeProcess {
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_didhub"))
            .args(["--database", database])
            .args(["serve", "--listen", "127.0.0.1:0", "--json"])
            .envs(env.iter().copied())
            .env_remove("DIDHUB_DATABASE")
            .env_remove(POSTGRES_VARIABLE)
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("spawn didhub serve");
        ServeProcess {
            child,
            base_url: String::new(),
            log,
        }
    }

    /// Reads the startup line: the process has migrated, opened its pool and listens.
    pub fn wait_until_listening(mut self) -> ServeProcess {
        let mut line = String::new();
        BufReader::new(self.child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let startup: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| {
            panic!(
                "didhub serve did not come up:\n{}",
                std::fs::read_to_string(self.log.path()).unwrap_or_default()
            )
        });
        self.base_url = startup["listening"].as_str().unwrap().to_owned();
        self
    }

    /// SIGKILL: no draining, no goodbye.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: drain and exit.
    pub fn stop(mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn open(url: &str) -> std::sync::Arc<dyn Store> {
    store::open(url, StoreOptions::default())
        .await
        .expect("open store")
}

async fn three_processes_sell_two_hundred_numbers_to_three_hundred_orders_exactly_once() {
    let database = TestDatabase::create(Backend::Postgres);
    let store = open(&database.url).await;
    store.load_catalog(bundled_catalog()).await.unwrap();
    let area = AreaId::parse("area", "1.312").unwrap();
    let stock: HashSet<String> =
        generate_stock(store.as_ref(), &area, DidType::Geographic, 200, None)
            .await
            .unwrap()
            .iter()
            .map(|e| e.to_string())
            .collect();
    let mut buyers: Vec<CreatedAccount> = Vec::new();
    for i in 0..4 {
        let spec = AccountSpec {
            email: format!("buyer{i}@customer.example"),
            credit: CREDIT,
            ..AccountSpec::default()
        };
        buyers.push(create_account(store.as_ref(), spec).await.unwrap());
    }

    let starting: Vec<_> = (0..3).map(|_| ServeProcess::spawn(&database.url)).collect();
    let servers: Vec<ServeProcess> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();
    let client = reqwest::Client::new();
    let requests = (0..300).map(|i| {
        let url = format!("{}/api/v3.asp", servers[i % 3].base_url);
        let buyer = i % buyers.len();
        let body = request_xml(
            &buyers[buyer].userkey,
            "DID.ORDER",
            &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
        );
        let client = &client;
        async move {
            let response = client.post(url).body(body).send().await.expect("order");
            (buyer, Reply::parse(&response.text().await.unwrap()))
        }
    });
    let replies = futures_util::future::join_all(requests).await;

    let mut sold = Vec::new();
    let mut bought_by = [0i64; 4];
    let mut refused = 0;
    for (buyer, reply) in replies {
        if reply.result == "SUCCESS" {
            sold.extend(reply.did_attr("E164"));
            bought_by[buyer] += 1;
        } else {
            reply.assert_error("NOT_ENOUGH_STOCK");
            refused += 1;
        }
    }
    assert_eq!(sold.len(), 200, "exactly the stock is sold");
    assert_eq!(refused, 100);
    let distinct: HashSet<String> = sold.into_iter().collect();
    assert_eq!(distinct.len(), 200, "no number is sold twice");
    assert_eq!(distinct, stock, "every stocked number is sold");

    for server in servers {
        assert!(server.stop().success(), "a clean shutdown");
    }
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.orders, counts.order_lines, counts.numbers_assigned),
        (200, 200, 200)
    );
    assert_eq!(counts.numbers_available, 0);
    assert_eq!(
        counts.ledger_rows,
        4 + 200,
        "an opening credit and a debit per order"
    );
    let ledger = store
        .export_tables(vec![transfer::table("ledger").unwrap()])
        .await
        .unwrap()
        .remove(0);
    for (buyer, bought) in buyers.iter().zip(bought_by) {
        let number = buyer.account.account_number.as_str();
        let rows: Vec<&Cell> = ledger
            .column("account_number")
            .unwrap()
            .zip(ledger.column("amount100").unwrap())
            .filter(|(account, _)| account.as_text() == Some(number))
            .map(|(_, amount)| amount)
            .collect();
        let debits = rows.iter().filter(|a| **a == &Cell::Int(-PRICE)).count();
        assert_eq!(debits as i64, bought, "one debit per order of {number}");
        assert_eq!(rows.len() as i64, 1 + bought);
        let balance = store
            .account(&buyer.account.account_number)
            .await
            .unwrap()
            .unwrap()
            .balance;
        assert_eq!(balance, Money(CREDIT.0 - bought * PRICE));
    }
    assert_eq!(store.audit().await.unwrap(), vec![]);
    store.close().await;
    crate::cli::assert_check_clean(&database.url);
}

fn processes_starting_together_on_an_empty_database_migrate_once_and_all_come_up() {
    let database = TestDatabase::create(Backend::Postgres);
    // Spawned back to back: all of them reach the migrations at about the same moment.
    let starting: Vec<_> = (0..3).map(|_| ServeProcess::spawn(&database.url)).collect();
    let migrating: Vec<_> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_didhub"))
                .args(["--database", &database.url, "migrate", "--json"])
                .env_remove("DIDHUB_DATABASE")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let servers: Vec<ServeProcess> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();
    for migrate in migrating {
        let out = migrate.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        for server in &servers {
            let health = reqwest::get(format!("{}/health", server.base_url))
                .await
                .unwrap();
            assert_eq!(health.text().await.unwrap().trim(), "OK");
        }
        let store = open(&database.url).await;
        // The latest version (versions are assigned per feature, so there may be gaps).
        let latest = std::fs::read_dir("src/store/postgres/migrations")
            .unwrap()
            .filter_map(|entry| {
                let name = entry.unwrap().file_name().into_string().unwrap();
                name.strip_prefix('V')?
                    .split("__")
                    .next()?
                    .parse::<i64>()
                    .ok()
            })
            .max()
            .unwrap();
        assert_eq!(
            store.schema_version().await.unwrap(),
            latest,
            "every migration applied"
        );
        let mut expected: Vec<&str> = transfer::TABLES.iter().map(|t| t.name).collect();
        expected.extend(transfer::DERIVED_TABLES);
        expected.sort();
        assert_eq!(store.table_names().await.unwrap(), expected);
        store.close().await;
    });
    for server in servers {
        assert!(server.stop().success());
    }
}

/// Every process sweeps aged numbers: three sweepers at once (the test server's own and
/// two more stores on the same database) still release each number exactly once.
async fn sweepers_in_several_processes_release_each_number_once() {
    let app = crate::support::TestApp::spawn(Backend::Postgres).await;
    app.stock("1.212", DidType::Geographic, 30).await;
    let numbers = app.order(&app.other, "1.212", 30).await;
    for e164 in &numbers {
        app.v3_as(&app.other, "DID.CANCEL", &[("E164", e164)])
            .await
            .assert_success();
    }
    let second = crate::support::open_store(&app.database.url, app.clock.clone()).await;
    let third = crate::support::open_store(&app.database.url, app.clock.clone()).await;
    app.clock.advance(91 * 86_400);
    let (a, b) = tokio::join!(second.release_aged(), third.release_aged());
    assert!(a.unwrap() + b.unwrap() <= 30);
    // A sweeper skips numbers another one is releasing at that instant; keep sweeping
    // until the others have committed too.
    let mut rounds = 0;
    while app.store.counts().await.unwrap().numbers_available < 30 {
        assert!(rounds < 200, "the numbers were not all released");
        second.release_aged().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        rounds += 1;
    }
    let events = app
        .store
        .export_tables(vec![transfer::table("number_events").unwrap()])
        .await
        .unwrap()
        .remove(0);
    let released = events
        .column("event")
        .unwrap()
        .filter(|e| e.as_text() == Some("released"))
        .count();
    assert_eq!(released, 30, "one release per number");
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
    second.close().await;
    third.close().await;
}
