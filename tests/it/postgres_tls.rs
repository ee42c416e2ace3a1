//! TLS to PostgreSQL (`store::postgres::tls`), against the test server when it offers
//! TLS (the tests say they were skipped when it does not): `sslmode=require` encrypts
//! every connection of the store (the server's `pg_stat_ssl` says so), `verify-ca`
//! checks the chain against `sslrootcert`, and `verify-full` against the system roots
//! refuses the test server's self-signed certificate. The URL handling itself is unit
//! tested beside the code.

use std::sync::Arc;

use didhub::store::{self, StoreOptions};
use tokio_postgres::NoTls;

use crate::support::{Backend, TestDatabase};

on_postgres!(
    multi_thread:
    require_encrypts_the_stores_connections,
    verify_ca_checks_the_chain_and_verify_full_the_system_roots
);

/// Runs one query on the test database, in plain TCP; its first column, as text.
async fn query(url: &str, sql: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("connect");
    tokio::spawn(connection);
    let rows = client.simple_query(sql).await.expect("query");
    rows.iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// The database, or `None` (said) when the server does not offer TLS.
async fn database_with_tls(test: &str) -> Option<Arc<TestDatabase>> {
    let database = Arc::new(TestDatabase::create(Backend::Postgres));
    if query(&database.url, "SHOW ssl").await != ["on"] {
        eprintln!("{test}: skipped, the PostgreSQL server does not offer TLS");
        return None;
    }
    Some(database)
}

fn with_sslmode(url: &str, params: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}

async fn require_encrypts_the_stores_connections() {
    let Some(database) = database_with_tls("require_encrypts_the_stores_connections").await else {
        return;
    };
    let url = with_sslmode(&database.url, "sslmode=require");
    let store = store::open(&url, StoreOptions::default())
        .await
        .expect("open over TLS");
    store.counts().await.expect("a query over TLS");
    let name = database
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let encrypted = query(
        &database.url,
        &format!(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
             WHERE ssl AND datname = '{name}'"
        ),
    )
    .await;
    assert_ne!(encrypted, ["0"], "no TLS connection from the store");
    store.close().await;
}

async fn verify_ca_checks_the_chain_and_verify_full_the_system_roots() {
    let test = "verify_ca_checks_the_chain_and_verify_full_the_system_roots";
    let Some(database) = database_with_tls(test).await else {
        return;
    };
    let verify_full = with_sslmode(&database.url, "sslmode=verify-full");
    let refused = store::open(&verify_full, StoreOptions::default()).await;
    let error = refused
        .err()
        .expect("a self-signed certificate is not trusted")
        .to_string();
    assert!(error.to_lowercase().contains("certificate"), "{error}");
    let cert_file = query(&database.url, "SHOW ssl_cert_file").await.join("");
    if std::fs::read(&cert_file).is_err() {
        eprintln!("{test}: verify-ca skipped, cannot read the server's certificate {cert_file}");
        return;
    }
    let verify_ca = with_sslmode(
        &database.url,
        &format!("sslmode=verify-ca&sslrootcert={cert_file}"),
    );
    let store = store::open(&verify_ca, StoreOptions::default())
        .await
        .expect("the server's own certificate as the root");
    store.counts().await.expect("a query over verified TLS");
    store.close().await;
}
