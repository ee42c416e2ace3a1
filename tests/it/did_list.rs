//! DID.LIST (§4.5): every filter on a mixed set of numbers, paging, and who sees what.

use didhub::domain::DidType;

use crate::support::{Backend, Params, TestApp};

on_both_backends!(
    each_filter_selects_exactly_its_matches,
    paging_covers_every_number_exactly_once,
    each_key_sees_only_its_own_tree
);

/// main holds 3 numbers in 1.212 and 2 in 1.312 with mixed routing; sub holds 2 in 1.213.
async fn mixed_app(backend: Backend) -> (TestApp, Vec<String>, Vec<String>) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    app.stock("1.312", DidType::Geographic, 5).await;
    app.stock("1.213", DidType::Geographic, 5).await;
    app.stock("1.800", DidType::TollFree, 2).await;
    let mut ny = app.order(&app.main, "1.212", 3).await;
    let chicago = app.order(&app.main, "1.312", 2).await;
    let tollfree = app
        .main_v3(
            "DID.ORDER",
            &[("DID_TYPE", "TOLLFREE"), ("AREA_ID", "1.800")],
        )
        .await;
    ny.extend(tollfree.assert_success().did_attr("E164"));
    let sub = app.order(&app.sub, "1.213", 2).await;
    let settings: [(&str, &[(&str, &str)]); 3] = [
        (
            &ny[0],
            &[
                ("CALL_FORWARD_TYPE", "PHONE"),
                ("CALL_FORWARD_TO", "12125550199"),
                ("TITLE", "a"),
            ],
        ),
        (
            &ny[1],
            &[("SMS_URL", "https://hooks.example.com/sms"), ("TITLE", "b")],
        ),
        (
            &chicago[0],
            &[
                ("SMS_EMAIL", "sms@example.com"),
                ("CALL_FORWARD_TYPE", "CALLFLOW"),
                ("CALL_FORWARD_TO", "flow1"),
                ("TITLE", "a"),
            ],
        ),
    ];
    for (e164, patch) in settings {
        let mut params = vec![("FILTER.E164", e164)];
        params.extend_from_slice(patch);
        app.main_v3("DID.UPDATE", &params).await.assert_success();
    }
    let mut main_numbers = ny;
    main_numbers.extend(chicago);
    main_numbers.sort();
    (app, main_numbers, sub)
}

async fn each_filter_selects_exactly_its_matches(backend: Backend) {
    let (app, numbers, _) = mixed_app(backend).await;
    let cases: Vec<(Params, usize)> = vec![
        (vec![], 6),
        (vec![("FILTER.DID_TYPE", "TOLLFREE")], 1),
        (vec![("FILTER.DID_TYPE", "geographic")], 5),
        (vec![("FILTER.E164", &numbers[2])], 1),
        (vec![("FILTER.SMS_EMAIL", "sms@example.com")], 1),
        (vec![("FILTER.SMS_URL", "https://hooks.example.com/sms")], 1),
        (vec![("FILTER.CALL_FORWARD_TYPE", "PHONE")], 1),
        (
            vec![
                ("FILTER.CALL_FORWARD_TYPE", "CALLFLOW"),
                ("FILTER.CALL_FORWARD_TO", "flow1"),
            ],
            1,
        ),
        (vec![("FILTER.CALL_FORWARD_TO", "12125550199")], 1),
        (vec![("FILTER.TITLE", "a")], 2),
        (
            vec![("FILTER.TITLE", "a"), ("FILTER.CALL_FORWARD_TYPE", "PHONE")],
            1,
        ),
        (vec![("FILTER.TITLE", "")], 3),
        (vec![("FILTER.TITLE", "nobody")], 0),
    ];
    for (filter, expected) in cases {
        let reply = app.main_v3("DID.LIST", &filter).await;
        reply.assert_success();
        assert_eq!(reply.dids.len(), expected, "{filter:?}:\n{}", reply.raw);
        assert_eq!(reply.value("TOTAL"), Some(expected.to_string().as_str()));
        let listed = reply.did_attr("E164");
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(listed, sorted, "ascending E164");
    }
}

async fn paging_covers_every_number_exactly_once(backend: Backend) {
    let (app, numbers, _) = mixed_app(backend).await;
    let mut seen = Vec::new();
    for offset in (0..8).step_by(4) {
        let offset = offset.to_string();
        let reply = app
            .main_v3("DID.LIST", &[("LIMIT", "4"), ("OFFSET", &offset)])
            .await;
        reply.assert_success();
        assert_eq!(reply.value("TOTAL"), Some("6"));
        seen.extend(reply.did_attr("E164"));
    }
    assert_eq!(seen, numbers);
    let before = app.snapshot().await;
    for (name, value) in [
        ("LIMIT", "0"),
        ("LIMIT", "-1"),
        ("LIMIT", "x"),
        ("OFFSET", "-1"),
        ("OFFSET", "1.5"),
    ] {
        let reply = app.main_v3("DID.LIST", &[(name, value)]).await;
        reply.assert_error("INVALID_PARAMETER");
    }
    for (name, value) in [
        ("FILTER.DID_TYPE", "PIGEON"),
        ("FILTER.E164", "12"),
        ("FILTER.CALL_FORWARD_TYPE", "FAX"),
    ] {
        app.main_v3("DID.LIST", &[(name, value)])
            .await
            .assert_error("INVALID_PARAMETER");
    }
    assert_eq!(app.snapshot().await, before);
}

async fn each_key_sees_only_its_own_tree(backend: Backend) {
    let (app, main_numbers, sub_numbers) = mixed_app(backend).await;
    let sub = app.sub.account.account_number.to_string();
    let main = app.main.account.account_number.to_string();
    // A main account's key lists its own numbers by default...
    let own = app.main_v3("DID.LIST", &[]).await;
    assert_eq!(own.did_attr("E164"), main_numbers);
    // ...and a sub-account's only when ACCOUNT_NUMBER names it.
    let subs = app.main_v3("DID.LIST", &[("ACCOUNT_NUMBER", &sub)]).await;
    assert_eq!(subs.did_attr("E164"), sub_numbers);
    // A sub-account's key sees only its own numbers.
    let as_sub = app.v3_as(&app.sub, "DID.LIST", &[]).await;
    assert_eq!(as_sub.did_attr("E164"), sub_numbers);
    app.v3_as(&app.sub, "DID.LIST", &[("ACCOUNT_NUMBER", &main)])
        .await
        .assert_error("ACCOUNT_NOT_FOUND");
    // Another customer sees nothing of this tree.
    app.v3_as(&app.other, "DID.LIST", &[("ACCOUNT_NUMBER", &sub)])
        .await
        .assert_error("ACCOUNT_NOT_FOUND");
    let others = app.v3_as(&app.other, "DID.LIST", &[]).await;
    assert_eq!(others.value("TOTAL"), Some("0"));
}
