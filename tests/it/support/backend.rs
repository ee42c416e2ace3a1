//! The two backends every behaviour test runs on, and a fresh database per test.
//!
//! [`on_both_backends!`] turns each `async fn NAME(backend: Backend)` into a module
//! `NAME` with two tests, `sqlite` and `postgres`, so the test list shows both variants
//! of every test and `cargo test --test it postgres` selects one backend; tests that
//! only make sense on PostgreSQL are declared with [`on_postgres!`] as `NAME::postgres`. The PostgreSQL
//! variant runs when `DIDHUB_TEST_POSTGRES` names a server (any database on it, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); without it, it says it was skipped.
//!
//! A [`TestDatabase`] is a new SQLite file in a temporary directory, or a new uniquely
//! named PostgreSQL database on that server, dropped (with its connections) when the
//! test ends, whether it passed or panicked.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Names the server PostgreSQL tests create their databases on.
pub const POSTGRES_VARIABLE: &str = "DIDHUB_TEST_POSTGRES";

/// The server URL from `DIDHUB_TEST_POSTGRES`, if set.
pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_VARIABLE)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// Whether a PostgreSQL test must be skipped here; says so when it is.
pub fn skip_postgres(test: &str) -> bool {
    if postgres_server().is_some() {
        return false;
    }
    // Captured, shown with --nocapture or when something else fails.
    eprintln!("{test}: skipped, {POSTGRES_VARIABLE} is not set");
    // Once per test binary, past the capture, so a plain `cargo test` says it too.
    static NOTICE: std::sync::Once = std::sync::Once::new();
    NOTICE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "note: the PostgreSQL variants of the tests are skipped: set {POSTGRES_VARIABLE} \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run them"
        );
    });
    true
}

/// Declares a `sqlite` and a `postgres` test for each `async fn NAME(backend: Backend)`.
/// `multi_thread:` runs them on a 4-thread runtime; `sync:` takes plain `fn`s.
macro_rules! on_both_backends {
    (sync: $($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[test]
                fn sqlite() {
                    super::$test($crate::support::Backend::Sqlite);
                }

                #[test]
                fn postgres() {
                    if $crate::support::skip_postgres(concat!(module_path!(), "::postgres")) {
                        return;
                    }
                    super::$test($crate::support::Backend::Postgres);
                }
            }
        )+
    };
    (multi_thread: $($test:ident),+ $(,)?) => {
        $( on_both_backends!(@async $test, flavor = "multi_thread", worker_threads = 4); )+
    };
    (@async $test:ident, $($runtime:tt)*) => {
        mod $test {
            #[tokio::test($($runtime)*)]
            async fn sqlite() {
                super::$test($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test($($runtime)*)]
            async fn postgres() {
                if $crate::support::skip_postgres(concat!(module_path!(), "::postgres")) {
                    return;
                }
                super::$test($crate::support::Backend::Postgres).await;
            }
        }
    };
    ($($test:ident),+ $(,)?) => {
        $( on_both_backends!(@async $test,); )+
    };
}

/// Declares only a `postgres` test for each `async fn NAME()` that needs PostgreSQL
/// itself (several processes, row locks), named `NAME::postgres` like the rest.
macro_rules! on_postgres {
    (sync: $($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[test]
                fn postgres() {
                    if $crate::support::skip_postgres(concat!(module_path!(), "::postgres")) {
                        return;
                    }
                    super::$test();
                }
            }
        )+
    };
    (multi_thread: $($test:ident),+ $(,)?) => {
        $(
            mod $test {
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn postgres() {
                    if $crate::support::skip_postgres(concat!(module_path!(), "::postgres")) {
                        return;
                    }
                    super::$test().await;
                }
            }
        )+
    };
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub backend: Backend,
    /// What `--database` and `store::open` take.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The server's admin URL and the database's name, to drop it afterwards.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// A new, empty database (not yet migrated: opening a store does that).
    pub fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("didhub.db").display());
                TestDatabase {
                    backend,
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let server = postgres_server().expect("DIDHUB_TEST_POSTGRES names a server");
                static SWEPT: std::sync::Once = std::sync::Once::new();
                SWEPT.call_once(|| drop_databases_of_dead_runs(&server));
                let name = unique_database_name();
                run_on_server(&server, &format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| panic!("creating the test database: {e}"));
                let mut url = url::Url::parse(&server).expect("DIDHUB_TEST_POSTGRES is a URL");
                url.set_path(&name);
                TestDatabase {
                    backend,
                    url: url.to_string(),
                    _dir: None,
                    postgres: Some((server, name)),
                }
            }
        }
    }

    /// A new SQLite database file in `dir`, which the test owns (e.g. a small
    /// filesystem it mounted).
    pub fn sqlite_in(dir: &std::path::Path) -> TestDatabase {
        TestDatabase {
            backend: Backend::Sqlite,
            url: format!("sqlite://{}", dir.join("didhub.db").display()),
            _dir: None,
            postgres: None,
        }
    }

    /// The SQLite database's file.
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        let path = self
            .url
            .strip_prefix("sqlite://")
            .expect("a SQLite database");
        std::path::PathBuf::from(path)
    }

    /// Runs SQL straight on the database, behind the store's back (to tamper in tests).
    pub fn execute(&self, sql: &str) {
        match self.backend {
            Backend::Sqlite => {
                let path = self.url.strip_prefix("sqlite://").unwrap();
                let conn = rusqlite::Connection::open(path).expect("open the test database");
                conn.execute_batch(sql).expect("tamper");
            }
            Backend::Postgres => run_on_server(&self.url, sql).expect("tamper"),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = self.postgres.take() {
            // Never panic here: this may run while a failed test unwinds.
            if let Err(e) = drop_database(&server, &name) {
                eprintln!("could not drop the test database {name}: {e}");
            }
        }
    }
}

/// Drops a test database even while a pool of the test (or a server it started) is still
/// connected: new connections are refused first, then the open ones are terminated.
fn drop_database(server: &str, name: &str) -> Result<(), String> {
    run_on_server(
        server,
        &format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"),
    )?;
    run_on_server(
        server,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
}

/// Drops the databases that test runs killed before they could clean up left behind
/// (their names carry the process id of the run).
fn drop_databases_of_dead_runs(server: &str) {
    let names = query_on_server(
        server,
        "SELECT datname FROM pg_database WHERE datname LIKE 'didhub\\_test\\_%'",
    )
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).unwrap_or_default();
        let alive = std::path::Path::new("/proc").join(pid).exists();
        if !alive && !pid.is_empty() {
            let _ = drop_database(server, &name);
        }
    }
}

fn unique_database_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "didhub_test_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `sql` on the database `url` names.
fn run_on_server(url: &str, sql: &str) -> Result<(), String> {
    query_on_server(url, sql).map(|_| ())
}

/// Runs `sql` on the database `url` names, on a thread of its own (so it works from
/// synchronous tests, async tests and `Drop` alike); the first column of each row.
fn query_on_server(url: &str, sql: &str) -> Result<Vec<String>, String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async {
            let (client, connection) =
                tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| format!("cannot connect to the test server: {e:?}"))?;
            let driver = tokio::spawn(connection);
            let done = client
                .simple_query(&sql)
                .await
                .map_err(|e| format!("{sql}: {e:?}"))
                .map(|messages| {
                    messages
                        .iter()
                        .filter_map(|m| match m {
                            tokio_postgres::SimpleQueryMessage::Row(row) => {
                                row.get(0).map(str::to_owned)
                            }
                            _ => None,
                        })
                        .collect()
                });
            drop(client);
            let _ = driver.await;
            done
        })
    })
    .join()
    .map_err(|_| "the PostgreSQL helper thread panicked".to_owned())?
}
