//! CHANNELS_LIMIT and CHANNELS_ONDEMAND (§4.2) and didhub's four DID attributes (§3.1):
//! stored with patch semantics, validated, filtered on, returned on every DID element,
//! kept across a move, and cleared when the number returns to stock.

use didhub::domain::E164;

use crate::support::{Backend, Reply, TestApp};

on_both_backends!(
    channel_settings_are_stored_with_patch_semantics,
    channel_filters_select_exactly_their_matches,
    invalid_channel_settings_fail_and_change_nothing,
    order_date_and_channels_survive_a_move_and_clear_on_release
);

/// CHANNELS_LIMIT and CHANNELS_ONDEMAND of each DID in a reply.
fn channels(reply: &Reply) -> Vec<(String, String)> {
    reply
        .did_attr("CHANNELS_LIMIT")
        .into_iter()
        .zip(reply.did_attr("CHANNELS_ONDEMAND"))
        .collect()
}

fn pair(limit: &str, ondemand: &str) -> (String, String) {
    (limit.to_owned(), ondemand.to_owned())
}

async fn channel_settings_are_stored_with_patch_semantics(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 2).await;
    let first = [("FILTER.E164", numbers[0].as_str())];
    let update = |settings: Vec<(&'static str, &'static str)>| {
        let mut params = first.to_vec();
        params.extend(settings);
        let app = &app;
        async move { app.main_v3("DID.UPDATE", &params).await }
    };
    let reply = update(vec![("CHANNELS_LIMIT", "4"), ("CHANNELS_ONDEMAND", "2")]).await;
    assert_eq!(channels(reply.assert_success()), [pair("4", "2")]);
    // Absent: unchanged (a routing change keeps them).
    let reply = update(vec![("TITLE", "front desk")]).await;
    assert_eq!(channels(reply.assert_success()), [pair("4", "2")]);
    let reply = update(vec![("CHANNELS_LIMIT", "0")]).await;
    assert_eq!(channels(reply.assert_success()), [pair("0", "2")]);
    // Present and empty: cleared.
    let reply = update(vec![("CHANNELS_ONDEMAND", "")]).await;
    assert_eq!(channels(reply.assert_success()), [pair("0", "")]);
    // DID.LIST returns what was stored; the other number was never touched.
    let list = app.main_v3("DID.LIST", &[]).await;
    assert_eq!(
        channels(list.assert_success()),
        [pair("0", ""), pair("", "")]
    );
    let v2 = app.v2_as(&app.main, "DID.LIST", &[]).await;
    assert_eq!(channels(&v2), channels(&list), "v2 answers the same");
    let record = app
        .store
        .number_record(&E164::parse("e164", &numbers[0]).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.channels_limit, record.channels_ondemand),
        (Some(0), None)
    );
    assert!(
        record
            .history
            .iter()
            .any(|e| e.detail.contains("CHANNELS_LIMIT"))
    );
}

async fn channel_filters_select_exactly_their_matches(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 3).await;
    for (e164, limit) in [(&numbers[0], "2"), (&numbers[1], "10")] {
        app.main_v3(
            "DID.UPDATE",
            &[("FILTER.E164", e164), ("CHANNELS_LIMIT", limit)],
        )
        .await
        .assert_success();
    }
    let listed = |filter: &'static str, value: &'static str| {
        let app = &app;
        async move {
            let reply = app.main_v3("DID.LIST", &[(filter, value)]).await;
            reply.assert_success().did_attr("E164")
        }
    };
    assert_eq!(
        listed("FILTER.CHANNELS_LIMIT", "2").await,
        [numbers[0].clone()]
    );
    assert_eq!(
        listed("FILTER.CHANNELS_LIMIT", "10").await,
        [numbers[1].clone()]
    );
    assert!(listed("FILTER.CHANNELS_LIMIT", "3").await.is_empty());
    // Present and empty matches the numbers where it is unset.
    assert_eq!(
        listed("FILTER.CHANNELS_LIMIT", "").await,
        [numbers[2].clone()]
    );
    assert_eq!(listed("FILTER.CHANNELS_ONDEMAND", "").await, numbers);
    // DID.UPDATE filters the same way.
    let reply = app
        .main_v3(
            "DID.UPDATE",
            &[("FILTER.CHANNELS_LIMIT", ""), ("CHANNELS_ONDEMAND", "1")],
        )
        .await;
    assert_eq!(
        reply.assert_success().did_attr("E164"),
        [numbers[2].clone()]
    );
}

async fn invalid_channel_settings_fail_and_change_nothing(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 1).await;
    let before = app.snapshot().await;
    for (name, value) in [
        ("CHANNELS_LIMIT", "-1"),
        ("CHANNELS_LIMIT", "two"),
        ("CHANNELS_LIMIT", "1.5"),
        ("CHANNELS_ONDEMAND", "100001"),
        ("CHANNELS_ONDEMAND", "99999999999999999999"),
        ("FILTER.CHANNELS_LIMIT", "x"),
    ] {
        let mut params = vec![("FILTER.E164", numbers[0].as_str()), (name, value)];
        if name.starts_with("FILTER.") {
            params.push(("TITLE", "x"));
        }
        let reply = app.main_v3("DID.UPDATE", &params).await;
        reply.assert_error("INVALID_PARAMETER");
        assert!(
            reply.error_message.as_deref().unwrap().contains(name),
            "{name}: {}",
            reply.raw
        );
        let list = app.main_v3("DID.LIST", &[(name, value)]).await;
        if name.starts_with("FILTER.") {
            list.assert_error("INVALID_PARAMETER");
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "{name}={value} changed something"
        );
    }
    // One valid and one invalid setting: neither is stored.
    let reply = app
        .main_v3(
            "DID.UPDATE",
            &[("CHANNELS_LIMIT", "3"), ("CHANNELS_ONDEMAND", "many")],
        )
        .await;
    reply.assert_error("INVALID_PARAMETER");
    assert_eq!(app.snapshot().await, before);
}

async fn order_date_and_channels_survive_a_move_and_clear_on_release(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 1).await;
    let e164 = numbers[0].as_str();
    app.main_v3(
        "DID.UPDATE",
        &[("CHANNELS_LIMIT", "5"), ("CHANNELS_ONDEMAND", "1")],
    )
    .await
    .assert_success();
    let ordered = app.main_v3("DID.LIST", &[]).await.did_attr("ORDER_DATE");
    assert_eq!(ordered, ["2026-01-01 00:00:00"]);
    app.clock.advance(3_600);
    let sub = app.sub.account.account_number.to_string();
    let moved = app
        .main_v3("DID.MOVE", &[("E164", e164), ("TO_ACCOUNT_NUMBER", &sub)])
        .await;
    moved.assert_success();
    assert_eq!(
        moved.did_attr("ORDER_DATE"),
        ordered,
        "a move is not an order"
    );
    assert_eq!(channels(&moved), [pair("5", "1")]);
    let canceled = app.v3_as(&app.sub, "DID.CANCEL", &[("E164", e164)]).await;
    assert_eq!(canceled.assert_success().did_attr("STATUS"), ["Canceled"]);
    app.clock.advance(91 * 86_400);
    assert_eq!(app.store.release_aged().await.unwrap(), 1);
    let record = app
        .store
        .number_record(&E164::parse("e164", e164).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, "available");
    assert_eq!(
        (record.channels_limit, record.channels_ondemand),
        (None, None)
    );
    // The next buyer gets a number with nothing set, ordered now.
    let bought = app
        .v3_as(
            &app.other,
            "DID.ORDER",
            &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")],
        )
        .await;
    bought.assert_success();
    assert_eq!(channels(&bought), [pair("", "")]);
    assert_eq!(bought.did_attr("ORDER_DATE"), ["2026-04-02 01:00:00"]);
}
