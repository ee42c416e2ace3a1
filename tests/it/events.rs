//! The event log: every change writes its event in the same transaction, with the DID
//! as the API shows it; failed requests write none; `didhub events list` reads them.

use didhub::domain::events::{EventQuery, EventType};
use didhub::domain::{DidType, Money};
use serde_json::Value;

use crate::cli::didhub_json;
use crate::support::{Backend, TestApp};

on_both_backends!(
    every_change_writes_one_event_with_the_did_as_the_api_shows_it,
    a_failed_request_writes_no_event,
);

fn data(event: &didhub::domain::events::Event) -> Value {
    serde_json::from_str(&event.data).unwrap()
}

async fn every_change_writes_one_event_with_the_did_as_the_api_shows_it(backend: Backend) {
    let mut app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let main = app.main.account.account_number.clone();
    let sub = app.sub.account.account_number.to_string();
    let before = app.store.list_events(EventQuery {
        limit: 100,
        ..EventQuery::default()
    });
    let opening = before.await.unwrap();
    assert_eq!(
        opening.iter().map(|e| e.event_type).collect::<Vec<_>>(),
        vec![EventType::AccountCredited, EventType::AccountCredited],
        "the two main accounts' opening credits"
    );

    let ordered = app
        .main_v3(
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "2"),
                ("ACCOUNT_NUMBER", &sub),
            ],
        )
        .await;
    ordered.assert_success();
    let numbers = ordered.did_attr("E164");
    let (first, second) = (numbers[0].clone(), numbers[1].clone());
    app.main_v3(
        "DID.UPDATE",
        &[
            ("ACCOUNT_NUMBER", &sub),
            ("FILTER.E164", &first),
            ("TITLE", "front desk"),
            ("CHANNELS_LIMIT", "3"),
        ],
    )
    .await
    .assert_success();
    let main_text = main.to_string();
    app.main_v3(
        "DID.MOVE",
        &[
            ("E164", &second),
            ("ACCOUNT_NUMBER", &sub),
            ("TO_ACCOUNT_NUMBER", &main_text),
        ],
    )
    .await
    .assert_success();
    app.main_v3("DID.CANCEL", &[("E164", &second)])
        .await
        .assert_success();
    app.store.credit(&main, Money(500), "top-up").await.unwrap();
    app.clock.advance(91 * 86_400);
    let mut released = Vec::new();
    for _ in 0..500 {
        let query = EventQuery {
            event_type: Some(EventType::DidReleased),
            limit: 10,
            ..EventQuery::default()
        };
        released = app.store.list_events(query).await.unwrap();
        if !released.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(released.len(), 1, "the sweep released the canceled number");

    let events = app
        .store
        .list_events(EventQuery {
            account: Some(main.clone()),
            after: Some(opening[0].id.clone()),
            limit: 100,
            ..EventQuery::default()
        })
        .await
        .unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "did.ordered",
            "did.ordered",
            "did.updated",
            "did.moved",
            "did.canceled",
            "account.credited",
            "did.released"
        ]
    );
    assert!(
        events.iter().all(|e| e.account_number == main),
        "the main account's events"
    );
    let ids: std::collections::HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), events.len(), "ids are unique");

    // The DID as DID.ORDER showed it, attribute for attribute, plus the order id.
    let first_ordered = data(&events[0]);
    for (name, value) in &ordered.dids[0] {
        let json = &first_ordered[name.as_str()];
        let shown = match json {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        assert_eq!(&shown, value, "{name}");
    }
    assert_eq!(
        first_ordered.as_object().unwrap().len(),
        ordered.dids[0].len() + 1
    );
    assert!(first_ordered["ORDER_ID"].is_i64());
    assert_eq!(first_ordered["ACCOUNT_NUMBER"], sub.as_str());
    let updated = data(&events[2]);
    assert_eq!(
        (
            updated["TITLE"].as_str(),
            updated["CHANNELS_LIMIT"].as_i64()
        ),
        (Some("front desk"), Some(3))
    );
    let moved = data(&events[3]);
    assert_eq!(moved["FROM_ACCOUNT_NUMBER"], sub.as_str());
    assert_eq!(moved["ACCOUNT_NUMBER"], main_text.as_str());
    assert_eq!(data(&events[4])["STATUS"], "Canceled");
    let credited = data(&events[5]);
    assert_eq!(
        (credited["AMOUNT100"].as_i64(), credited["MEMO"].as_str()),
        (Some(500), Some("top-up"))
    );
    assert_eq!(data(&events[6])["E164"], second.as_str());

    app.stop().await;
    let (ok, listed) = didhub_json(
        &app.database,
        &[
            "events",
            "list",
            "--account",
            &main_text,
            "--type",
            "did.ordered",
        ],
    );
    assert!(ok, "{listed}");
    let listed = listed["events"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], events[0].id.as_str());
    assert_eq!(listed[0]["occurred_at"], "2026-01-01T00:00:00Z");
    assert_eq!(listed[0]["data"]["E164"], first.as_str());
    // --after pages on from an event; an id that names none is refused, not read as
    // "from the start".
    let (ok, after_first) = didhub_json(
        &app.database,
        &["events", "list", "--after", events[0].id.as_str()],
    );
    assert!(ok, "{after_first}");
    let after_first = after_first["events"].as_array().unwrap().clone();
    assert_eq!(after_first.len(), events.len() - 1);
    assert_eq!(after_first[0]["id"], events[1].id.as_str());
    let (ok, unknown) = didhub_json(
        &app.database,
        &[
            "events",
            "list",
            "--after",
            "evt_0000000000000000000000000000",
        ],
    );
    assert!(!ok, "{unknown}");
    assert!(
        unknown["error"]
            .as_str()
            .unwrap()
            .contains("no event has the id"),
        "{unknown}"
    );
}

async fn a_failed_request_writes_no_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let before = app.snapshot().await;
    app.main_v3(
        "DID.ORDER",
        &[
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", "1.212"),
            ("QUANTITY", "2"),
        ],
    )
    .await
    .assert_error("NOT_ENOUGH_STOCK");
    app.main_v3("DID.CANCEL", &[("E164", "12125550000")])
        .await
        .assert_error("DID_NOT_FOUND");
    assert_eq!(app.snapshot().await, before, "no event, nothing else");
}
