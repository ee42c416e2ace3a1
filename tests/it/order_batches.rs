//! PostgreSQL places the orders that arrive together in one batch (one statement, one
//! commit; `store/postgres/order_queue.rs`). Each order of a batch still stands on its
//! own: its customer error is its own, a failure of its writes is its own, and money a
//! concurrent transaction spent while the batch ran is never spent twice.
//!
//! The tests gather a batch deterministically: a transaction of the test's own locks the
//! main account's balance row, so the first order (a batch of one) waits at its debit
//! while the orders sent next queue behind it; releasing the row lets the first finish
//! and the others go as the next batch.

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::domain::{DidType, Money};
use futures_util::future::join_all;
use tokio_postgres::{Client, NoTls};

use crate::support::{Backend, CREDIT, Reply, TestApp, wait_until_an_order_waits_for_a_lock};

on_postgres!(
    multi_thread: orders_arriving_together_are_placed_together_each_on_its_own_merits,
    money_spent_while_a_batch_ran_is_not_spent_again,
    an_order_whose_writes_fail_leaves_the_rest_of_its_batch_placed,
);

/// What one test order asks: who orders, and the parameters.
type Ask<'a> = (&'a CreatedAccount, Vec<(&'a str, &'a str)>);

fn buy<'a>(who: &'a CreatedAccount, area: &'a str, quantity: &'a str) -> Ask<'a> {
    (
        who,
        vec![
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", area),
            ("QUANTITY", quantity),
        ],
    )
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Sends `first`, holds the main account's balance row until it waits there, then sends
/// `rest` and lets everything go; every answer, `first`'s first.
async fn in_one_batch<'a>(app: &'a TestApp, first: Ask<'a>, rest: Vec<Ask<'a>>) -> Vec<Reply> {
    let mut holder = connect(&app.database.url).await;
    let lock = holder.transaction().await.unwrap();
    lock.execute(
        "SELECT 1 FROM accounts WHERE account_number = $1 FOR NO KEY UPDATE",
        &[&app.main.account.account_number.as_str()],
    )
    .await
    .unwrap();
    let send = |(who, params): Ask<'a>| async move { app.v3_as(who, "DID.ORDER", &params).await };
    let first = async {
        let reply = send(first).await;
        vec![reply]
    };
    let rest = async {
        wait_until_an_order_waits_for_a_lock(&app.database.url).await;
        join_all(rest.into_iter().map(send)).await
    };
    let release = async {
        wait_until_an_order_waits_for_a_lock(&app.database.url).await;
        // The rest are sent by now and wait in the queue for the batch under way.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        lock.commit().await.unwrap();
    };
    let (mut replies, rest, ()) = tokio::join!(first, rest, release);
    replies.extend(rest);
    replies
}

async fn account_with(app: &TestApp, email: &str, credit: Money) -> CreatedAccount {
    let spec = AccountSpec {
        email: email.into(),
        credit,
        ..AccountSpec::default()
    };
    create_account(app.store.as_ref(), spec).await.unwrap()
}

/// One price of a number of 1.312 (setup and first month).
const PRICE_1312: Money = Money(398);

async fn orders_arriving_together_are_placed_together_each_on_its_own_merits() {
    let app = TestApp::spawn(Backend::Postgres).await;
    app.stock("1.212", DidType::Geographic, 10).await;
    app.stock("1.312", DidType::Geographic, 5).await;
    let thrifty = account_with(&app, "thrifty@customer.example", PRICE_1312).await;
    let stranger = app.other.account.account_number.to_string();
    let main = &app.main;
    let mut rest = vec![
        buy(main, "1.212", "1"),
        buy(main, "1.212", "1"),
        buy(main, "1.999", "1"),
        buy(main, "1.212", "1"),
        buy(&thrifty, "1.312", "1"),
        buy(main, "1.212", "10"),
        buy(&thrifty, "1.312", "1"),
        buy(main, "1.212", "1"),
    ];
    let mut not_mine = buy(main, "1.212", "1");
    not_mine.1.push(("ACCOUNT_NUMBER", &stranger));
    rest.push(not_mine);
    let before_other = app.balance(&app.other).await;

    let replies = in_one_batch(&app, buy(main, "1.212", "1"), rest).await;

    let code = |r: &Reply| r.error_code.clone().unwrap_or_else(|| r.result.clone());
    let codes: Vec<String> = replies.iter().map(code).collect();
    let expected_main = [0, 1, 2, 4, 8];
    for i in expected_main {
        assert_eq!(codes[i], "SUCCESS", "order {i}: {}", replies[i].raw);
    }
    assert_eq!(codes[3], "AREA_NOT_FOUND");
    assert_eq!(codes[6], "NOT_ENOUGH_STOCK", "ten wanted of nine at most");
    assert_eq!(codes[9], "ACCOUNT_NOT_FOUND");
    let mut thrifty_codes = vec![codes[5].clone(), codes[7].clone()];
    thrifty_codes.sort();
    assert_eq!(
        thrifty_codes,
        ["INSUFFICIENT_FUNDS", "SUCCESS"],
        "money for one: the batch's first of the two buys, the second sees what is left"
    );

    let mut sold: Vec<String> = replies.iter().flat_map(|r| r.did_attr("E164")).collect();
    assert_eq!(sold.len(), 6);
    sold.sort();
    sold.dedup();
    assert_eq!(sold.len(), 6, "no number sold twice");
    assert_eq!(
        app.balance(main).await,
        Money(CREDIT.0 - 5 * app_price_1212(&app).await.0)
    );
    assert_eq!(app.balance(&thrifty).await, Money::ZERO);
    assert_eq!(app.balance(&app.other).await, before_other);
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.orders, counts.numbers_assigned), (6, 6));
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}

/// What one number of 1.212 cost the main account, from its orders of one.
async fn app_price_1212(app: &TestApp) -> Money {
    let db = connect(&app.database.url).await;
    let total: i64 = db
        .query_one(
            "SELECT total100 FROM orders WHERE area_id = '1.212' AND quantity = 1 LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    Money(total)
}

/// The batch reads the balance without a lock and debits at the end; a transaction that
/// spends the money in between (here an operator's adjustment, committed while the
/// order waits for the balance row) makes the debit's guard fail, and the order is placed
/// again with the balance locked first: INSUFFICIENT_FUNDS, and nothing sold or charged.
async fn money_spent_while_a_batch_ran_is_not_spent_again() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let stock = app.stock("1.312", DidType::Geographic, 3).await;
    let payer = account_with(&app, "payer@customer.example", Money(PRICE_1312.0 * 2)).await;
    let number = payer.account.account_number.to_string();
    let mut spender = connect(&app.database.url).await;
    let spend = spender.transaction().await.unwrap();
    let adjustment = PRICE_1312.0 * 2 - 100;
    spend
        .execute(
            "UPDATE accounts SET balance100 = balance100 - $2 WHERE account_number = $1",
            &[&number, &adjustment],
        )
        .await
        .unwrap();
    spend
        .execute(
            "INSERT INTO ledger (account_number, amount100, kind, memo, created_at)
             VALUES ($1, -$2::BIGINT, 'credit', 'adjustment', 0)",
            &[&number, &adjustment],
        )
        .await
        .unwrap();
    let before = app.store.counts().await.unwrap();

    let order = app.v3_as(
        &payer,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
    );
    let commit = async {
        wait_until_an_order_waits_for_a_lock(&app.database.url).await;
        spend.commit().await.unwrap();
    };
    let (reply, ()) = tokio::join!(order, commit);

    reply.assert_error("INSUFFICIENT_FUNDS");
    assert!(
        reply.error_message.as_deref().unwrap().contains("1.00"),
        "the balance left after the adjustment: {}",
        reply.raw
    );
    assert_eq!(app.balance(&payer).await, Money(100));
    let after = app.store.counts().await.unwrap();
    assert_eq!(
        (after.orders, after.numbers_assigned),
        (before.orders, before.numbers_assigned)
    );
    let db = connect(&app.database.url).await;
    let available: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM numbers WHERE state = 'available' AND e164 = ANY ($1)",
            &[&stock.iter().map(|e| e.to_string()).collect::<Vec<_>>()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(available, 3, "nothing sold");
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}

/// A failure of the writes (here a trigger of the test's that refuses one order's row)
/// fails the batch's statement as a whole; the orders are then placed again one by one,
/// so only that order fails, with INTERNAL_ERROR and nothing changed.
async fn an_order_whose_writes_fail_leaves_the_rest_of_its_batch_placed() {
    let app = TestApp::spawn(Backend::Postgres).await;
    app.stock("1.212", DidType::Geographic, 10).await;
    let db = connect(&app.database.url).await;
    db.batch_execute(
        "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'the test refuses this order'; END $$;
         CREATE TRIGGER refuse_boom BEFORE INSERT ON orders FOR EACH ROW
         WHEN (NEW.title = 'boom') EXECUTE FUNCTION refuse_boom();",
    )
    .await
    .unwrap();
    let main = &app.main;
    let mut boom = buy(main, "1.212", "2");
    boom.1.push(("TITLE", "boom"));
    let rest = vec![buy(main, "1.212", "1"), boom, buy(main, "1.212", "3")];

    let replies = in_one_batch(&app, buy(main, "1.212", "1"), rest).await;

    replies[0].assert_success();
    replies[1].assert_success();
    replies[2].assert_error("INTERNAL_ERROR");
    replies[3].assert_success();
    let counts = app.store.counts().await.unwrap();
    assert_eq!((counts.orders, counts.numbers_assigned), (3, 5));
    db.batch_execute("DROP TRIGGER refuse_boom ON orders")
        .await
        .unwrap();
    assert_eq!(app.store.audit().await.unwrap(), vec![]);
}
