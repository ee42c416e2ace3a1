//! The cache of authenticated keys (`api::auth_cache`): a key is answered from memory
//! once seen, and a change behind the server's back (here plain SQL, as the CLI or
//! another process would make) is honoured once the server sees the credentials version
//! move; orders and credits never move it.

use std::time::{Duration, Instant};

use didhub::domain::Money;
use didhub::domain::credentials::secret_hash;

use crate::support::{Backend, TestApp};

on_both_backends!(
    a_revoked_key_stops_working_once_the_server_sees_the_change,
    the_credentials_version_moves_on_key_and_account_changes_only
);

/// Longest the tests wait for the server's once-a-second refresh.
const PATIENCE: Duration = Duration::from_secs(15);

async fn a_revoked_key_stops_working_once_the_server_sees_the_change(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let account = app.other.account.account_number.to_string();
    let key_hash = secret_hash(&app.other.userkey);
    let started = Instant::now();
    while app.auth.get(&key_hash).is_none() {
        assert!(started.elapsed() < PATIENCE, "the key was never cached");
        app.v3_as(&app.other, "ACCOUNT.GETBALANCE", &[])
            .await
            .assert_success();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.database.execute(&format!(
        "UPDATE api_keys SET revoked_at = 1 WHERE account_number = '{account}'"
    ));
    let started = Instant::now();
    loop {
        let reply = app.v3_as(&app.other, "ACCOUNT.GETBALANCE", &[]).await;
        if reply.result == "ERROR" {
            reply.assert_error("AUTH_FAILED");
            break;
        }
        assert!(started.elapsed() < PATIENCE, "the revoked key kept working");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(app.auth.get(&key_hash).is_none());
    // Other accounts' keys still work (from the store, then cached again).
    app.v3_as(&app.sub, "ACCOUNT.GETBALANCE", &[])
        .await
        .assert_success();
}

async fn the_credentials_version_moves_on_key_and_account_changes_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let version = || async { app.store.credentials_version().await.unwrap() };
    let before = version().await;
    // Money and numbers do not touch credentials.
    app.store
        .credit(&app.other.account.account_number, Money(100), "top-up")
        .await
        .unwrap();
    app.stock("1.312", didhub::domain::DidType::Geographic, 1)
        .await;
    app.v3_as(
        &app.other,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
    )
    .await
    .assert_success();
    assert_eq!(version().await, before);
    // A changed signature, a new key and a deleted key each move it.
    let account = app.other.account.account_number.to_string();
    app.database.execute(&format!(
        "UPDATE accounts SET signature_hash = 'x' WHERE account_number = '{account}'"
    ));
    let after_signature = version().await;
    assert!(after_signature > before);
    app.database.execute(&format!(
        "INSERT INTO api_keys (key_hash, account_number, created_at) VALUES ('h', '{account}', 1)"
    ));
    let after_insert = version().await;
    assert!(after_insert > after_signature);
    app.database
        .execute("DELETE FROM api_keys WHERE key_hash = 'h'");
    assert!(version().await > after_insert);
}
