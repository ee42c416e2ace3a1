//! The test harness: [`TestApp`] starts the real server on port 0 with a fresh SQLite
//! database holding the demo areas of the bundled catalog (the whole world takes about
//! a second to load in a debug build; `spawn_with_catalog` loads it) and three accounts,
//! and talks real HTTP.

pub mod xml;

use std::sync::Arc;

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::admin::generate::generate_stock;
use didhub::api::{ApiLimits, AppState};
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::domain::catalog::CatalogData;
use didhub::domain::clock::ManualClock;
use didhub::domain::{AccountNumber, AreaId, DidType, E164, Money};
use didhub::store::{self, Store, StoreCounts, StoreOptions};
use tokio::sync::oneshot;

pub use xml::Reply;

/// Opening credit of the main test accounts: 1,000.00.
pub const CREDIT: Money = Money(100_000);
pub const MAIN_EMAIL: &str = "main@customer.example";
pub const MAIN_PHRASE: &str = "main secure phrase";
/// The clock's start: 2026-01-01T00:00:00Z.
pub const START: i64 = 1_767_225_600;

pub struct TestApp {
    pub base_url: String,
    pub store: Arc<dyn Store>,
    /// A main account with a secure phrase (SIGNATURE required) and CREDIT.
    pub main: CreatedAccount,
    /// A sub-account of `main`, without a secure phrase.
    pub sub: CreatedAccount,
    /// Another customer's main account, without a secure phrase, with CREDIT.
    pub other: CreatedAccount,
    pub db_path: std::path::PathBuf,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(ApiLimits::default()).await
    }

    pub async fn spawn_with(limits: ApiLimits) -> TestApp {
        TestApp::spawn_with_catalog(bundled_subset(&DEMO_AREAS), limits).await
    }

    pub async fn spawn_with_catalog(catalog: CatalogData, limits: ApiLimits) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("didhub.db");
        let clock = Arc::new(ManualClock::new(START));
        let options = StoreOptions {
            clock,
            durable: false,
            ..StoreOptions::default()
        };
        let url = format!("sqlite://{}", db_path.display());
        let store = store::open(&url, options).await.expect("open store");
        store.load_catalog(catalog).await.expect("catalog");
        let account =
            |email: &str, phrase: Option<&str>, parent: Option<AccountNumber>| AccountSpec {
                email: email.into(),
                secure_phrase: phrase.map(String::from),
                credit: if parent.is_some() {
                    Money::ZERO
                } else {
                    CREDIT
                },
                parent,
                ..AccountSpec::default()
            };
        let main = create_account(store.as_ref(), account(MAIN_EMAIL, Some(MAIN_PHRASE), None))
            .await
            .expect("main account");
        let parent = Some(main.account.account_number.clone());
        let sub = create_account(
            store.as_ref(),
            account("sub@customer.example", None, parent),
        )
        .await
        .expect("sub-account");
        let other = create_account(store.as_ref(), account("other@rival.example", None, None))
            .await
            .expect("other account");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let state = AppState {
            store: store.clone(),
            limits,
        };
        let server = tokio::spawn(didhub::server::serve(listener, state, async {
            let _ = stop.await;
        }));
        TestApp {
            base_url,
            store,
            main,
            sub,
            other,
            db_path,
            client: reqwest::Client::new(),
            shutdown: Some(shutdown),
            server: Some(server),
            _dir: dir,
        }
    }

    /// Adds `count` generated numbers of `did_type` to an area's stock.
    pub async fn stock(&self, area: &str, did_type: DidType, count: usize) -> Vec<E164> {
        let area = AreaId::parse("area", area).unwrap();
        generate_stock(self.store.as_ref(), &area, did_type, count, None)
            .await
            .expect("generate stock")
    }

    /// POSTs a v3 XML body.
    pub async fn v3(&self, body: impl Into<reqwest::Body>) -> Reply {
        let response = self
            .client
            .post(format!("{}/api/v3.asp", self.base_url))
            .body(body)
            .send()
            .await
            .expect("v3 request");
        read_reply(response).await
    }

    /// GETs `/api/v2.asp?{query}`.
    pub async fn v2(&self, query: &str) -> Reply {
        let response = self
            .client
            .get(format!("{}/api/v2.asp?{query}", self.base_url))
            .send()
            .await
            .expect("v2 request");
        read_reply(response).await
    }

    /// A v3 request as the main account (with its SIGNATURE).
    pub async fn main_v3(&self, action: &str, params: &[(&str, &str)]) -> Reply {
        let mut all = vec![("SIGNATURE", self.main.signature.as_deref().unwrap())];
        all.extend_from_slice(params);
        self.v3(request_xml(&self.main.userkey, action, &all)).await
    }

    /// A v3 request with another account's key (no signature).
    pub async fn v3_as(
        &self,
        who: &CreatedAccount,
        action: &str,
        params: &[(&str, &str)],
    ) -> Reply {
        self.v3(request_xml(&who.userkey, action, params)).await
    }

    pub async fn balance(&self, who: &CreatedAccount) -> Money {
        self.store
            .account(&who.account.account_number)
            .await
            .unwrap()
            .unwrap()
            .balance
    }

    /// Everything a failed request must leave as it was.
    pub async fn snapshot(&self) -> Snapshot {
        Snapshot {
            counts: self.store.counts().await.unwrap(),
            main_balance: self.balance(&self.main).await,
            other_balance: self.balance(&self.other).await,
        }
    }

    /// Stops the server and closes the store (the writer commits what it acknowledged).
    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

/// Counts and balances, compared before and after a request that must change nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub counts: StoreCounts,
    pub main_balance: Money,
    pub other_balance: Money,
}

/// A v3 REQUEST document.
pub fn request_xml(userkey: &str, action: &str, params: &[(&str, &str)]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" standalone=\"no\" ?>\n<REQUEST>\n  <USERTOKEN>\n    \
         <USERKEY>{userkey}</USERKEY>\n  </USERTOKEN>\n  <ACTION NAME=\"{action}\">\n"
    );
    for (name, value) in params {
        let value = value
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        xml.push_str(&format!(
            "    <PARAMETER NAME=\"{name}\">{value}</PARAMETER>\n"
        ));
    }
    xml.push_str("  </ACTION>\n</REQUEST>\n");
    xml
}

async fn read_reply(response: reqwest::Response) -> Reply {
    assert_eq!(response.status(), 200, "every API answer is HTTP 200");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/xml; charset=UTF-8");
    Reply::parse(&response.text().await.expect("body"))
}
