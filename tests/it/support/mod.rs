//! The test harness: [`TestApp`] starts the real server on port 0 with a fresh database
//! (SQLite or PostgreSQL, see [`backend`]) holding the demo areas of the bundled catalog
//! (the whole world takes about a second to load in a debug build; `spawn_with_catalog`
//! loads it) and three accounts, and talks real HTTP.

#[macro_use]
pub mod backend;
mod calls;
pub mod kannel;
pub mod keyed;
mod locks;
mod pick;
pub mod raw;
pub mod receiver;
mod setup;
pub mod smtp;
mod snapshot;
pub mod xml;

use std::sync::Arc;

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::admin::generate::generate_stock;
use didhub::api::auth_cache::AuthCache;
use didhub::api::metrics_endpoint::MetricsAccess;
use didhub::api::{ApiPolicy, AppState};
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::config::billing::BillingSettings;
use didhub::domain::catalog::CatalogData;
use didhub::domain::clock::ManualClock;
use didhub::domain::delivery::RetrySchedule;
use didhub::domain::{AccountNumber, AreaId, DidType, E164, Money};
use didhub::outbound::OutboundPolicy;
use didhub::server::ServeOptions;
use didhub::store::{self, Store, StoreOptions};
use tokio::sync::oneshot;

pub use backend::{Backend, TestDatabase, postgres_server, skip_postgres};
pub use calls::{percent_encode, request_xml};
pub use locks::wait_until_an_order_waits_for_a_lock;
pub use pick::assert_picked;
pub use raw::RawAnswer;
pub use setup::{MetricsSetup, ServerSetup};
pub use snapshot::{Snapshot, numbers_digest};
pub use xml::Reply;

/// Request parameters, in order.
pub type Params<'a> = Vec<(&'a str, &'a str)>;

/// Opening credit of the main test accounts: 1,000.00.
pub const CREDIT: Money = Money(100_000);
pub const MAIN_EMAIL: &str = "main@customer.example";
pub const MAIN_PHRASE: &str = "main secure phrase";
/// How often the test server's aging sweep runs.
pub const SWEEP: std::time::Duration = std::time::Duration::from_millis(50);
/// The clock's start: 2026-01-01T00:00:00Z.
pub const START: i64 = 1_767_225_600;

pub struct TestApp {
    pub base_url: String,
    /// `http://ADDR/metrics` of a metrics listener of its own, when set up.
    pub metrics_url: Option<String>,
    pub store: Arc<dyn Store>,
    /// The store's clock; advance it to move past the aging period.
    pub clock: Arc<ManualClock>,
    /// A main account with a secure phrase (SIGNATURE required) and CREDIT.
    pub main: CreatedAccount,
    /// A sub-account of `main`, without a secure phrase.
    pub sub: CreatedAccount,
    /// Another customer's main account, without a secure phrase, with CREDIT.
    pub other: CreatedAccount,
    /// The test's own database; dropped when the last app serving it is.
    pub database: Arc<TestDatabase>,
    /// The server's cache of authenticated keys.
    pub auth: Arc<AuthCache>,
    setup: ServerSetup,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// The API policy of test servers: webhooks may target the test's loopback receivers,
/// and deliveries are retried and polled quickly so tests run fast (they never assert
/// timings).
pub fn test_policy() -> ApiPolicy {
    ApiPolicy {
        outbound: OutboundPolicy {
            allow_private_targets: true,
            timeout: std::time::Duration::from_millis(1500),
            retry: RetrySchedule::parse("50ms", "10m").unwrap(),
            poll: std::time::Duration::from_millis(20),
            ..OutboundPolicy::default()
        },
        // Tests move the clock by months; they run billing themselves when they mean to.
        billing: BillingSettings {
            renewals: false,
            ..BillingSettings::default()
        },
        ..ApiPolicy::default()
    }
}

/// The token of test servers' Kannel endpoints.
pub const KANNEL_TOKEN: &str = "kannel-test-token";
/// A `dlr_url` host that [`TestApp`] replaces with its own address.
const SELF_HOST: &str = "didhub.invalid";

/// [`test_policy`] with SMS: sending through `sendsms_url` (a test receiver's
/// `/cgi-bin/sendsms` or a real Kannel), delivery reports to the test server itself,
/// `SMS_URL` tried 3 times 50 ms apart, and `smtp_url` as the relay when given.
pub fn sms_policy(sendsms_url: Option<&str>, smtp_url: Option<&str>) -> ApiPolicy {
    use didhub::outbound::sms_settings::{KannelSendsms, SmtpRelay};
    let mut policy = test_policy();
    let sms = &mut policy.outbound.sms;
    sms.inbound_token = Some(KANNEL_TOKEN.into());
    sms.sendsms = sendsms_url.map(|url| KannelSendsms {
        url: url.parse().unwrap(),
        username: "didhub".into(),
        password: "kannel-password".into(),
        dlr_url: format!("http://{SELF_HOST}/sms/kannel/dlr")
            .parse()
            .unwrap(),
    });
    sms.smtp = smtp_url.map(|url| SmtpRelay {
        url: url.into(),
        from: "sms@didhub.example".into(),
    });
    sms.sms_url_retry = RetrySchedule::attempts(3, std::time::Duration::from_millis(50));
    policy
}

/// Opens (and migrates) a store on `url` with the test clock.
pub async fn open_store(url: &str, clock: Arc<ManualClock>) -> Arc<dyn Store> {
    open_store_with(url, clock, StoreOptions::default()).await
}

/// Opens a store on `url` with `options`, but the test clock and `durable = false`.
pub async fn open_store_with(
    url: &str,
    clock: Arc<ManualClock>,
    options: StoreOptions,
) -> Arc<dyn Store> {
    let options = StoreOptions {
        clock,
        durable: false,
        ..options
    };
    store::open(url, options).await.expect("open store")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, test_policy()).await
    }

    pub async fn spawn_with(backend: Backend, setup: impl Into<ServerSetup>) -> TestApp {
        TestApp::spawn_with_catalog(backend, bundled_subset(&DEMO_AREAS), setup).await
    }

    /// A TestApp on `catalog` (the whole world takes about a second to load in a debug
    /// build, so the others load only the demo areas).
    pub async fn spawn_with_catalog(
        backend: Backend,
        catalog: CatalogData,
        setup: impl Into<ServerSetup>,
    ) -> TestApp {
        let database = TestDatabase::create(backend);
        TestApp::spawn_on(database, StoreOptions::default(), catalog, setup).await
    }

    /// A TestApp on `database` (made by the test, e.g. on a small filesystem), its store
    /// opened with `options` (e.g. a small WAL limit).
    pub async fn spawn_on(
        database: TestDatabase,
        options: StoreOptions,
        catalog: CatalogData,
        setup: impl Into<ServerSetup>,
    ) -> TestApp {
        let setup = setup.into();
        // Server logs go to the test's captured output (warnings and errors by default).
        let filter = tracing_subscriber::EnvFilter::try_from_env("DIDHUB_LOG")
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
        let database = Arc::new(database);
        let clock = Arc::new(ManualClock::new(START));
        let store = open_store_with(&database.url, clock.clone(), options).await;
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
        let accounts = [main, sub, other];
        TestApp::serve(database, store, clock, accounts, setup).await
    }

    /// Serves `store` (on `database`), whose data holds these three accounts.
    async fn serve(
        database: Arc<TestDatabase>,
        store: Arc<dyn Store>,
        clock: Arc<ManualClock>,
        [main, sub, other]: [CreatedAccount; 3],
        setup: ServerSetup,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let scheme = if setup.tls.is_some() { "https" } else { "http" };
        let base_url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        let mut policy = setup.policy.clone();
        // Kannel's delivery reports come back to this server (see `sms_policy`).
        if let Some(sendsms) = &mut policy.outbound.sms.sendsms
            && sendsms.dlr_url.host_str() == Some(SELF_HOST)
        {
            sendsms.dlr_url = format!("{base_url}/sms/kannel/dlr").parse().unwrap();
        }
        let mut state = AppState::new(store.clone(), policy);
        if let Some(limits) = setup.rate_limits {
            state = state.with_rate_limits(limits);
        }
        let mut options = ServeOptions::new(SWEEP);
        let mut metrics_url = None;
        if let Some(metrics) = &setup.metrics {
            let handle = didhub::telemetry::exporter::install().expect("metrics recorder");
            let (token, on_api_port) = match metrics {
                MetricsSetup::ApiPortWithToken(token) => (Some(token.clone()), true),
                MetricsSetup::OwnListener => {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind metrics");
                    metrics_url =
                        Some(format!("http://{}/metrics", listener.local_addr().unwrap()));
                    options.metrics_listener = Some(listener);
                    (None, false)
                }
            };
            state = state.with_metrics(MetricsAccess {
                handle,
                token,
                on_api_port,
            });
        }
        if let Some(connections) = &setup.connections {
            options.connections = connections.clone();
        }
        let mut client = reqwest::Client::builder();
        if let Some((acceptor, root)) = &setup.tls {
            options.tls = Some(acceptor.clone());
            client = client.add_root_certificate(root.clone());
        }
        let auth = state.auth.clone();
        let server = tokio::spawn(didhub::server::serve(listener, state, options, async {
            let _ = stop.await;
        }));
        TestApp {
            base_url,
            metrics_url,
            store,
            clock,
            main,
            sub,
            other,
            database,
            setup,
            auth,
            client: client.build().expect("HTTP client"),
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Another server, with a store of its own, on `database`: for a copy of this app's
    /// data (same accounts, keys and clock) on another backend, or this one reopened.
    pub async fn serve_database(&self, database: Arc<TestDatabase>) -> TestApp {
        let store = open_store(&database.url, self.clock.clone()).await;
        let accounts = [self.main.clone(), self.sub.clone(), self.other.clone()];
        TestApp::serve(
            database,
            store,
            self.clock.clone(),
            accounts,
            self.setup.clone(),
        )
        .await
    }

    /// Another server on this app's database, reached through `url` (e.g. a proxy the
    /// test can cut), with the same accounts and clock.
    pub async fn serve_through(&self, url: &str) -> TestApp {
        let store = open_store(url, self.clock.clone()).await;
        let accounts = [self.main.clone(), self.sub.clone(), self.other.clone()];
        TestApp::serve(
            self.database.clone(),
            store,
            self.clock.clone(),
            accounts,
            self.setup.clone(),
        )
        .await
    }

    /// Adds `count` generated numbers of `did_type` to an area's stock.
    pub async fn stock(&self, area: &str, did_type: DidType, count: usize) -> Vec<E164> {
        let area = AreaId::parse("area", area).unwrap();
        generate_stock(self.store.as_ref(), &area, did_type, count, None)
            .await
            .expect("generate stock")
    }

    /// The test's HTTP client (trusting the test certificate when TLS is set up).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A TestApp whose main account holds `count` numbers of 1.212, and their E164s.
    pub async fn with_numbers(backend: Backend, count: u32) -> (TestApp, Vec<String>) {
        let app = TestApp::spawn(backend).await;
        app.stock("1.212", DidType::Geographic, count as usize)
            .await;
        let numbers = app.order(&app.main, "1.212", count).await;
        (app, numbers)
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
            numbers: numbers_digest(self.store.as_ref()).await,
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
