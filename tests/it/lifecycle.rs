//! DID.CANCEL (§4.4) and aging: a canceled number is listed as Canceled, is not in stock
//! and cannot be ordered, returns to stock after the aging period (injected clock, the
//! server's own sweep), and its history shows the whole path.

use std::time::Duration;

use didhub::domain::{DidType, E164};

use crate::support::{Backend, TestApp};

on_both_backends!(
    a_canceled_number_ages_then_returns_to_stock_for_someone_else,
    cancel_errors_change_nothing,
    the_cli_shows_a_number_with_its_history_and_releases_aged_numbers
);

const DAY: i64 = 86_400;

async fn stock_of(app: &TestApp, area: &str) -> String {
    let reply = app
        .v3_as(
            &app.other,
            "ANVEO.AREAS.LIST",
            &[("DID_TYPE", "GEOGRAPHIC"), ("COUNTRY_ID", "US")],
        )
        .await;
    reply.assert_success();
    reply
        .elements
        .iter()
        .find(|(n, a)| {
            n == "AREA" && crate::support::xml::get(a, "AREA_ID").as_deref() == Some(area)
        })
        .and_then(|(_, a)| crate::support::xml::get(a, "STOCK"))
        .unwrap_or_else(|| "0".into())
}

async fn a_canceled_number_ages_then_returns_to_stock_for_someone_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.312", DidType::Geographic, 1).await;
    let e164 = app.order(&app.main, "1.312", 1).await.remove(0);
    let balance = app.balance(&app.main).await;

    let cancel = app.main_v3("DID.CANCEL", &[("E164", &e164)]).await;
    cancel.assert_success();
    assert_eq!(cancel.did_attr("STATUS"), ["Canceled"]);
    assert_eq!(app.balance(&app.main).await, balance, "no refund");
    let list = app.main_v3("DID.LIST", &[]).await;
    assert_eq!(
        list.did_attr("STATUS"),
        ["Canceled"],
        "still listed for its former holder"
    );
    assert_eq!(stock_of(&app, "1.312").await, "0", "not in STOCK");
    app.v3_as(
        &app.other,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.312")],
    )
    .await
    .assert_error("NOT_ENOUGH_STOCK");
    // Canceled numbers are neither updated nor canceled again.
    let update = app.main_v3("DID.UPDATE", &[("TITLE", "again")]).await;
    assert_eq!(update.assert_success().dids.len(), 0);
    app.main_v3("DID.CANCEL", &[("E164", &e164)])
        .await
        .assert_error("DID_NOT_FOUND");

    // One day short of 90: still aging.
    app.clock.advance(89 * DAY);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.store.release_aged().await.unwrap(), 0);
    assert_eq!(stock_of(&app, "1.312").await, "0");

    // Past the aging period the server's sweep returns it to stock.
    app.clock.advance(DAY);
    let mut waited = 0;
    while stock_of(&app, "1.312").await != "1" {
        assert!(waited < 100, "the sweep did not release the number");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    assert_eq!(app.main_v3("DID.LIST", &[]).await.value("TOTAL"), Some("0"));
    let bought = app.order(&app.other, "1.312", 1).await;
    assert_eq!(
        bought,
        [e164.as_str()],
        "orderable again, by another account"
    );

    let record = app
        .store
        .number_record(&E164::parse("e", &e164).unwrap())
        .await
        .unwrap()
        .unwrap();
    let path: Vec<(&str, Option<&str>)> = record
        .history
        .iter()
        .map(|e| (e.event.as_str(), e.account_number.as_deref()))
        .collect();
    let main = app.main.account.account_number.as_str();
    let other = app.other.account.account_number.as_str();
    assert_eq!(
        path,
        [
            ("ordered", Some(main)),
            ("canceled", Some(main)),
            ("released", Some(main)),
            ("ordered", Some(other))
        ]
    );
    assert!(
        record.history[1].request_id.is_some(),
        "the cancel names its request"
    );
    assert!(record.history[0].order_id.is_some() && record.history[3].order_id.is_some());
    assert!(app.store.audit().await.unwrap().is_empty());
}

async fn cancel_errors_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    let mine = app.order(&app.main, "1.212", 1).await.remove(0);
    let theirs = app.order(&app.other, "1.212", 1).await.remove(0);
    let other = app.other.account.account_number.to_string();
    let before = app.snapshot().await;
    for (params, code) in [
        (vec![], "MISSING_PARAMETER"),
        (vec![("E164", "abc")], "INVALID_PARAMETER"),
        (vec![("E164", theirs.as_str())], "DID_NOT_FOUND"),
        (
            vec![
                ("E164", theirs.as_str()),
                ("ACCOUNT_NUMBER", other.as_str()),
            ],
            "ACCOUNT_NOT_FOUND",
        ),
    ] {
        let reply = app.main_v3("DID.CANCEL", &params).await;
        assert_eq!(reply.code(), code, "{params:?}:\n{}", reply.raw);
        assert_eq!(app.snapshot().await, before);
    }
    app.v3_as(&app.sub, "DID.CANCEL", &[("E164", &mine)])
        .await
        .assert_error("DID_NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
}

async fn the_cli_shows_a_number_with_its_history_and_releases_aged_numbers(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let e164 = app.order(&app.main, "1.212", 1).await.remove(0);
    app.main_v3("DID.CANCEL", &[("E164", &e164)])
        .await
        .assert_success();
    app.stop().await;
    let out = crate::cli::didhub(&app.database.url, &["number", "show", &e164, "--json"]);
    assert!(out.status.success());
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["state"], "aging");
    assert_eq!(record["history"][0]["event"], "ordered");
    assert_eq!(record["history"][1]["event"], "canceled");
    let text = crate::cli::didhub(&app.database.url, &["number", "show", &e164]);
    assert!(String::from_utf8(text.stdout).unwrap().contains("canceled"));
    let missing = crate::cli::didhub(&app.database.url, &["number", "show", "12125550000"]);
    assert!(!missing.status.success());
    // The aging period (90 days from the test clock's 2026-01-01) is long over in real
    // time, so the operator's command releases the number.
    let out = crate::cli::didhub(&app.database.url, &["inventory", "release-aged", "--json"]);
    let released: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(released["released"], 1);
    assert!(
        crate::cli::didhub(&app.database.url, &["check"])
            .status
            .success()
    );
}
