//! Group commit with real orders: orders queued while the writer is busy are committed
//! in one batch (without savepoints: every failure is found before an order writes) and
//! each gets its own answer.

use super::test_fixture::{buyer, hold_writer, order, store_with_stock};
use crate::domain::DomainError;
use crate::store::{StoreError, StoreOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_of_orders_mixing_successes_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_stock(dir.path(), StoreOptions::default(), 5).await;
    let rich = buyer(&store, "rich@x.example", 100_000).await;
    let poor = buyer(&store, "poor@x.example", 100).await;

    // Hold the writer inside one command while the orders queue up behind it.
    let (release, blocker) = hold_writer(&store).await;
    // In queue order: 2 numbers (ok), a poor buyer (no funds), 2 more (ok), 2 more than
    // the 1 left (not enough stock), 1 (ok, the last one).
    let requests = [
        order(&rich, 2),
        order(&poor, 1),
        order(&rich, 2),
        order(&rich, 2),
        order(&rich, 1),
    ];
    let mut answers = Vec::new();
    for request in requests {
        let store = store.clone();
        answers.push(tokio::spawn(async move {
            use crate::store::Orders;
            store.place_order(request).await
        }));
        // Keep the queue order deterministic.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    release.send(()).unwrap();
    blocker.await.unwrap().unwrap();
    let mut outcomes = Vec::new();
    for answer in answers {
        outcomes.push(answer.await.unwrap());
    }
    let sold: Vec<usize> = outcomes
        .iter()
        .map(|o| o.as_ref().map_or(0, |r| r.dids.len()))
        .collect();
    assert_eq!(sold, [2, 0, 2, 0, 1]);
    assert!(matches!(
        outcomes[1],
        Err(StoreError::Domain(DomainError::InsufficientFunds { .. }))
    ));
    assert!(matches!(
        outcomes[3],
        Err(StoreError::Domain(DomainError::NotEnoughStock {
            available: 1,
            ..
        }))
    ));
    use crate::store::Audit;
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.orders, counts.order_lines, counts.numbers_available),
        (3, 5, 0),
        "the failed orders left nothing behind"
    );
    assert_eq!(store.audit().await.unwrap(), vec![]);
}
