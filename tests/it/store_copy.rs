//! `didhub store copy`: a populated SQLite database copied into an empty database of the
//! variant's backend (PostgreSQL: the operator's upgrade path) serves byte-for-byte the
//! same responses, balances and histories, and goes on behaving the same; refused copies
//! change nothing.

use std::process::Command;
use std::sync::Arc;

use didhub::domain::{AreaId, DidType, E164, Money};
use didhub::store::transfer::TABLES;
use serde_json::Value;

use crate::support::{Backend, TestApp, TestDatabase};

on_both_backends!(
    a_populated_database_copies_to_one_that_answers_identically,
    refused_copies_change_nothing,
);

const DAY: i64 = 86_400;

/// Runs `didhub store copy --from FROM --to TO --json`.
fn store_copy(from: &str, to: &str) -> (bool, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_didhub"))
        .args(["store", "copy", "--from", from, "--to", to, "--json"])
        .env_remove("DIDHUB_DATABASE")
        .output()
        .expect("run didhub");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON object expected ({e}):\n{stdout}"));
    (out.status.success(), json)
}

/// Orders, routing, a move, a cancel, a release and a resale, credits and odd titles.
async fn populate(app: &TestApp) {
    app.stock("1.212", DidType::Geographic, 10).await;
    app.stock("1.312", DidType::Geographic, 5).await;
    app.stock("1.800", DidType::TollFree, 3).await;
    app.stock("44.20", DidType::Geographic, 2).await;
    let title = r#"Sales & "Support" <London> 'desk' ✆ é"#;
    let ny = app
        .main_v3(
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "3"),
                ("TITLE", title),
            ],
        )
        .await;
    let ny = ny.assert_success().did_attr("E164");
    app.order(&app.sub, "1.312", 2).await;
    app.main_v3(
        "DID.ORDER",
        &[("DID_TYPE", "TOLLFREE"), ("AREA_ID", "1.800")],
    )
    .await
    .assert_success();
    app.order(&app.other, "44.20", 1).await;
    app.main_v3(
        "DID.UPDATE",
        &[
            ("FILTER.E164", &ny[0]),
            ("CALL_FORWARD_TYPE", "SIP_URI"),
            ("CALL_FORWARD_TO", "$[E164]$@pbx.customer.example"),
            ("SMS_EMAIL", "sms@customer.example"),
        ],
    )
    .await
    .assert_success();
    let sub = app.sub.account.account_number.to_string();
    app.main_v3("DID.MOVE", &[("E164", &ny[1]), ("TO_ACCOUNT_NUMBER", &sub)])
        .await
        .assert_success();
    app.main_v3("DID.CANCEL", &[("E164", &ny[2])])
        .await
        .assert_success();
    // One number goes all the way round: canceled, aged, released, sold again.
    let again = app.order(&app.other, "1.312", 1).await.remove(0);
    app.v3_as(&app.other, "DID.CANCEL", &[("E164", &again)])
        .await
        .assert_success();
    app.clock.advance(91 * DAY);
    while app.store.release_aged().await.unwrap() > 0 {}
    assert_eq!(app.order(&app.main, "1.312", 2).await.len(), 2);
    app.store
        .credit(&app.other.account.account_number, Money(1234), "goodwill")
        .await
        .unwrap();
    // SMS: a price, a message in (to the number with SMS_EMAIL) and one out.
    use didhub::domain::sms::{InboundSms, OutboundSms, SmsPrice, count_parts};
    app.store
        .import_sms_prices(vec![SmsPrice {
            country_id: "GB".into(),
            price: Money(3),
        }])
        .await
        .unwrap();
    let to = didhub::domain::E164::parse("to", &ny[0]).unwrap();
    app.store
        .receive_sms(InboundSms {
            from: "447700900123".into(),
            to_raw: ny[0].clone(),
            to: Some(to.clone()),
            text: title.into(),
            smsc: "fake".into(),
            kannel_id: "k-1".into(),
            default_price: Money(1),
        })
        .await
        .unwrap();
    let inbound = app.store.list_sms(None, 1).await.unwrap()[0].smsid;
    let outbound = app
        .store
        .send_sms(OutboundSms {
            caller: didhub::domain::Caller {
                account_number: app.main.account.account_number.clone(),
                parent: None,
                signature_hash: None,
            },
            from: to,
            to: didhub::domain::E164::parse("to", "447700900123").unwrap(),
            text: "ж".repeat(80),
            parts: count_parts(&"ж".repeat(80)),
            default_price: Money(1),
        })
        .await
        .unwrap()
        .smsid;
    // Both settle before the copy: no relay fails the e-mail, no Kannel fails (and
    // refunds) the outbound message.
    crate::sms::wait_for_state(app, inbound, "failed").await;
    crate::sms::wait_for_state(app, outbound, "failed").await;
}

/// The same request, as main (0), sub (1) or other (2), to both servers: answered byte
/// for byte the same. Returns the answer.
async fn same_answer(
    a: &TestApp,
    b: &TestApp,
    who: usize,
    action: &str,
    params: &[(&str, &str)],
) -> crate::support::Reply {
    let account = |app: &TestApp| [&app.main, &app.sub, &app.other][who].clone();
    let left = a.v3_as(&account(a), action, params).await;
    let right = b.v3_as(&account(b), action, params).await;
    assert_eq!(left.raw, right.raw, "{action} {params:?} differs");
    left
}

async fn a_populated_database_copies_to_one_that_answers_identically(backend: Backend) {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    populate(&app).await;
    app.stop().await;
    let target = Arc::new(TestDatabase::create(backend));
    let (ok, report) = store_copy(&app.database.url, &target.url);
    assert!(ok, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["tables"]["numbers"], 20, "{report}");
    assert_eq!(report["counts"]["orders"], 6, "{report}");

    let source = app.serve_database(app.database.clone()).await;
    let copy = app.serve_database(target.clone()).await;
    let sub = app.sub.account.account_number.to_string();
    for who in 0..3 {
        same_answer(&source, &copy, who, "DID.LIST", &[]).await;
        same_answer(&source, &copy, who, "ACCOUNT.GETBALANCE", &[]).await;
        same_answer(&source, &copy, who, "ANVEO.COUNTRIES.LIST", &[]).await;
        let areas = [("DID_TYPE", "GEOGRAPHIC"), ("COUNTRY_ID", "US")];
        same_answer(&source, &copy, who, "ANVEO.AREAS.LIST", &areas).await;
    }
    same_answer(&source, &copy, 0, "DID.LIST", &[("ACCOUNT_NUMBER", &sub)]).await;
    let main_list = source.main_v3("DID.LIST", &[]).await;
    assert_eq!(main_list.value("TOTAL"), Some("4"), "{}", main_list.raw);

    // Every number's history, and every table, value by value.
    let numbers = crate::support::numbers_digest(source.store.as_ref()).await;
    assert_eq!(
        numbers,
        crate::support::numbers_digest(copy.store.as_ref()).await
    );
    for line in numbers.lines().filter(|l| l.contains('|')) {
        let e164 = E164::parse("e164", line.split('|').next().unwrap()).unwrap();
        let before = source.store.number_record(&e164).await.unwrap();
        assert_eq!(before, copy.store.number_record(&e164).await.unwrap());
    }
    let tables: Vec<_> = TABLES.iter().collect();
    let dump = source.store.export_tables(tables.clone()).await.unwrap();
    assert_eq!(
        dump,
        copy.store.export_tables(tables.clone()).await.unwrap()
    );

    // Both go on alike: the next order buys the same numbers under the same order id.
    // It buys all the area has left, since which of them an order gets is the backend's
    // own rule (docs/API.md, "Which numbers an order gets").
    let left = source
        .store
        .available_count(
            &AreaId::parse("area", "1.212").unwrap(),
            DidType::Geographic,
            None,
        )
        .await
        .unwrap()
        .to_string();
    assert!(left.parse::<u64>().unwrap() >= 2, "{left} left");
    let order = [
        ("DID_TYPE", "GEOGRAPHIC"),
        ("AREA_ID", "1.212"),
        ("QUANTITY", left.as_str()),
    ];
    let bought = same_answer(&source, &copy, 0, "DID.ORDER", &order).await;
    for e164 in bought.assert_success().did_attr("E164") {
        let e164 = E164::parse("e164", &e164).unwrap();
        assert_eq!(
            source.store.number_record(&e164).await.unwrap(),
            copy.store.number_record(&e164).await.unwrap(),
            "the same history, order id included"
        );
    }
    assert_eq!(copy.store.audit().await.unwrap(), vec![]);

    if backend == Backend::Postgres {
        // And back: PostgreSQL to a new SQLite file gives the same tables again.
        let back = TestDatabase::create(Backend::Sqlite);
        let (ok, report) = store_copy(&target.url, &back.url);
        assert!(ok, "{report}");
        let returned = copy.serve_database(Arc::new(back)).await;
        assert_eq!(
            copy.store.export_tables(tables.clone()).await.unwrap(),
            returned.store.export_tables(tables).await.unwrap()
        );
    }
}

async fn refused_copies_change_nothing(backend: Backend) {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    app.order(&app.main, "1.212", 1).await;
    app.stop().await;
    let source = app.database.url.clone();
    let tables: Vec<_> = TABLES.iter().collect();

    // A table the copy does not know: refused before anything is written.
    let stray = Arc::new(TestDatabase::create(backend));
    let stray_app = app.serve_database(stray.clone()).await;
    stray.execute("CREATE TABLE stray_notes (note TEXT)");
    let (ok, error) = store_copy(&source, &stray.url);
    assert!(!ok);
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("stray_notes"), "{error}");
    for table in &tables {
        assert_eq!(stray_app.store.row_count(table).await.unwrap(), 0);
    }

    // Into an empty database it works once; then every refusal leaves it as it is.
    let target = Arc::new(TestDatabase::create(backend));
    let (ok, report) = store_copy(&source, &target.url);
    assert!(ok, "{report}");
    let copied = app.serve_database(target.clone()).await;
    let before = copied.store.export_tables(tables.clone()).await.unwrap();
    let cases = [
        (source.as_str(), target.url.as_str(), "not empty"),
        (target.url.as_str(), target.url.as_str(), "same database"),
        (
            source.as_str(),
            "mysql://db/didhub",
            "unsupported database URL",
        ),
        (source.as_str(), "didhub.db", "unsupported database URL"),
    ];
    for (from, to, expected) in cases {
        let (ok, error) = store_copy(from, to);
        assert!(!ok, "{from} -> {to} must fail");
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(expected), "{error}");
        assert_eq!(
            copied.store.export_tables(tables.clone()).await.unwrap(),
            before,
            "a refused copy changed the target"
        );
    }
}
