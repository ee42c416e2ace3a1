//! Storage under stress and faults: the WAL stays bounded under mixed load
//! ([`wal_bound`]), a full filesystem ([`full_disk`]), database files deleted under the
//! server ([`deleted_files`]), and `GET /ready` with PostgreSQL cut off or dropped
//! ([`readiness`]). Every refused write is `SERVICE_UNAVAILABLE` and leaves nothing
//! behind; every acknowledged one is kept; the server recovers by itself.
//!
//! [`OrderLoad`] is the concurrent load the fault tests run under.

mod deleted_files;
mod full_disk;
mod proxy;
mod readiness;
mod wal_bound;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::domain::{DidType, Money};

use crate::support::{Reply, TestApp, request_xml};

/// The area the storage tests stock and order from.
pub const AREA: &str = "1.312";

/// An account with credit for every order a test can place (1,000,000.00).
pub async fn rich_buyer(app: &TestApp) -> CreatedAccount {
    create_account(
        app.store.as_ref(),
        AccountSpec {
            email: "buyer@storage.example".into(),
            credit: Money(100_000_000),
            ..AccountSpec::default()
        },
    )
    .await
    .expect("buyer account")
}

/// What the clients of an [`OrderLoad`] were answered.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The numbers sold, in the order the answers came.
    pub sold: Vec<String>,
    /// How many answers carried each error code.
    pub refused: BTreeMap<String, usize>,
}

impl Tally {
    pub fn refused_with(&self, code: &str) -> usize {
        self.refused.get(code).copied().unwrap_or(0)
    }

    /// Every refusal was one of `codes`.
    #[track_caller]
    pub fn assert_only_refused_with(&self, codes: &[&str]) {
        for code in self.refused.keys() {
            assert!(
                codes.contains(&code.as_str()),
                "unexpected refusals: {self:?}"
            );
        }
    }
}

/// Clients ordering one number each, again and again, until stopped.
pub struct OrderLoad {
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl OrderLoad {
    /// Starts `clients` clients ordering as `buyer` from [`AREA`] on `app`.
    pub fn start(app: &TestApp, buyer: &CreatedAccount, clients: usize) -> OrderLoad {
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let body = request_xml(
            &buyer.userkey,
            "DID.ORDER",
            &[
                ("DID_TYPE", DidType::Geographic.as_str()),
                ("AREA_ID", AREA),
            ],
        );
        let url = format!("{}/api/v3.asp", app.base_url);
        let clients = (0..clients)
            .map(|_| {
                let (stop, tally) = (stop.clone(), tally.clone());
                let (url, body, http) = (url.clone(), body.clone(), reqwest::Client::new());
                tokio::spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let response = http.post(&url).body(body.clone()).send().await;
                        let reply = Reply::parse(&response.unwrap().text().await.unwrap());
                        let mut tally = tally.lock().unwrap();
                        match reply.error_code.clone() {
                            None => tally.sold.extend(reply.did_attr("E164")),
                            Some(code) => {
                                reply.assert_error(&code);
                                *tally.refused.entry(code).or_default() += 1
                            }
                        }
                    }
                })
            })
            .collect();
        OrderLoad {
            stop,
            tally,
            clients,
        }
    }

    pub fn tally(&self) -> Tally {
        self.tally.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the answers so far; panics with `what` if that
    /// takes longer than a minute (a hung server, not a slow one).
    pub async fn wait_for(&self, what: &str, done: impl Fn(&Tally) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(&self.tally()) {
            assert!(
                Instant::now() < deadline,
                "never saw {what}: {:?}",
                self.tally()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the clients once their requests in flight are answered.
    pub async fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        for client in self.clients {
            client.await.unwrap();
        }
        self.tally.lock().unwrap().clone()
    }
}

/// Asserts that the store holds every number `tally` says was sold, for `buyer`, and
/// passes its audit.
pub async fn assert_every_sale_kept(app: &TestApp, buyer: &CreatedAccount, tally: &Tally) {
    let held = held_numbers(app, buyer).await;
    for e164 in &tally.sold {
        assert!(held.contains(e164), "sold {e164} was lost");
    }
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}

/// The numbers `buyer` holds, read through the store.
pub async fn held_numbers(
    app: &TestApp,
    buyer: &CreatedAccount,
) -> std::collections::HashSet<String> {
    let numbers = didhub::store::transfer::table("numbers").unwrap();
    let dump = app
        .store
        .export_tables(vec![numbers])
        .await
        .unwrap()
        .remove(0);
    let text = |cell: &didhub::store::Cell| match cell {
        didhub::store::Cell::Text(t) => t.clone(),
        _ => String::new(),
    };
    let e164: Vec<String> = dump.column("e164").unwrap().map(text).collect();
    let holder: Vec<String> = dump.column("account_number").unwrap().map(text).collect();
    let buyer = buyer.account.account_number.to_string();
    e164.into_iter()
        .zip(holder)
        .filter(|(_, holder)| *holder == buyer)
        .map(|(e164, _)| e164)
        .collect()
}
