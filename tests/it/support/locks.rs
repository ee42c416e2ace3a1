//! Waiting, in PostgreSQL tests, until an order of the server waits for a row lock that
//! the test's own transaction holds.

/// Polls PostgreSQL until a didhub connection of this database waits for a row lock.
pub async fn wait_until_an_order_waits_for_a_lock(url: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    for _ in 0..500 {
        let waiting: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND application_name = 'didhub'
                   AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            drop(client);
            let _ = driver.await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no order waited for a lock");
}
