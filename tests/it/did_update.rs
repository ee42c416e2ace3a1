//! DID.UPDATE (§4.2): CALL_FORWARD_TO per type, SMS settings, patch semantics, and
//! failures that change nothing.

use crate::support::{Backend, Params, TestApp};

on_both_backends!(
    every_call_forward_type_accepts_valid_and_refuses_invalid_targets,
    patch_semantics_keep_absent_settings_and_clear_empty_ones,
    one_invalid_setting_fails_the_whole_request
);

async fn every_call_forward_type_accepts_valid_and_refuses_invalid_targets(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 2).await;
    let cases = [
        (
            "SIP_URI",
            "$[E164]$@pbx.example.com:5060,backup@10.1.2.3",
            "pbx.example.com",
        ),
        (
            "CALLFLOW",
            "8c25e06faf2b98erts3gdtb83df91b307ff287f1",
            "flow_1",
        ),
        ("PHONE", "442079460123", "+44 20"),
        ("SIP_REGISTERED", "ACCOUNT", "USER"),
        ("TRUNK", "trunk-7", "trunk 7"),
    ];
    for (kind, valid, invalid) in cases {
        let before = app.snapshot().await;
        let reply = app
            .main_v3(
                "DID.UPDATE",
                &[
                    ("FILTER.E164", &numbers[0]),
                    ("CALL_FORWARD_TYPE", kind),
                    ("CALL_FORWARD_TO", invalid),
                ],
            )
            .await;
        reply.assert_error("INVALID_PARAMETER");
        assert!(
            reply
                .error_message
                .as_deref()
                .unwrap()
                .contains("CALL_FORWARD_TO"),
            "{}",
            reply.raw
        );
        assert_eq!(
            app.snapshot().await,
            before,
            "{kind} {invalid} changed something"
        );
        let reply = app
            .main_v3(
                "DID.UPDATE",
                &[
                    ("FILTER.E164", &numbers[0]),
                    ("CALL_FORWARD_TYPE", kind),
                    ("CALL_FORWARD_TO", valid),
                ],
            )
            .await;
        reply.assert_success();
        assert_eq!(reply.did_attr("CALL_FORWARD_TYPE"), [kind]);
        assert_eq!(reply.did_attr("CALL_FORWARD_TO"), [valid]);
    }
    let reply = app
        .main_v3("DID.LIST", &[("FILTER.E164", &numbers[1])])
        .await;
    assert_eq!(
        reply.did_attr("CALL_FORWARD_TYPE"),
        [""],
        "the other number is untouched"
    );
}

async fn patch_semantics_keep_absent_settings_and_clear_empty_ones(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 3).await;
    app.main_v3(
        "DID.UPDATE",
        &[
            ("SMS_URL", "https://hooks.example.com/in"),
            ("SMS_EMAIL", "sms@example.com"),
            ("SMS_PHONE", "12125550100"),
        ],
    )
    .await
    .assert_success();
    // Changing call routing leaves SMS settings as they were.
    let reply = app
        .main_v3(
            "DID.UPDATE",
            &[
                ("CALL_FORWARD_TYPE", "CALLFLOW"),
                ("CALL_FORWARD_TO", "abc123"),
            ],
        )
        .await;
    reply.assert_success();
    assert_eq!(
        reply.dids.len(),
        3,
        "no filter means every DID of the account"
    );
    assert_eq!(
        reply.did_attr("SMS_URL"),
        ["https://hooks.example.com/in"; 3]
    );
    assert_eq!(reply.did_attr("SMS_EMAIL"), ["sms@example.com"; 3]);
    // An empty value clears; an empty CALL_FORWARD_TYPE clears the destination too.
    let reply = app
        .main_v3(
            "DID.UPDATE",
            &[
                ("FILTER.E164", &numbers[1]),
                ("SMS_URL", ""),
                ("CALL_FORWARD_TYPE", ""),
            ],
        )
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("SMS_URL"), [""]);
    assert_eq!(reply.did_attr("CALL_FORWARD_TYPE"), [""]);
    assert_eq!(reply.did_attr("CALL_FORWARD_TO"), [""]);
    assert_eq!(reply.did_attr("SMS_EMAIL"), ["sms@example.com"]);
    let title = app
        .main_v3(
            "DID.UPDATE",
            &[("FILTER.E164", &numbers[2]), ("TITLE", "lobby")],
        )
        .await;
    assert_eq!(title.assert_success().did_attr("TITLE"), ["lobby"]);
    assert_eq!(title.did_attr("CALL_FORWARD_TO"), ["abc123"]);
}

async fn one_invalid_setting_fails_the_whole_request(backend: Backend) {
    let (app, numbers) = TestApp::with_numbers(backend, 2).await;
    let long_title = "x".repeat(256);
    let sub = app.sub.account.account_number.to_string();
    let other = app.other.account.account_number.to_string();
    let cases: Vec<(Params, &str)> = vec![
        (
            vec![("SMS_URL", "ftp://x.example.com"), ("TITLE", "fine")],
            "INVALID_PARAMETER",
        ),
        (
            vec![("SMS_EMAIL", "nobody"), ("TITLE", "fine")],
            "INVALID_PARAMETER",
        ),
        (vec![("SMS_PHONE", "call me")], "INVALID_PARAMETER"),
        (vec![("TITLE", &long_title)], "INVALID_PARAMETER"),
        (
            vec![("CALL_FORWARD_TYPE", "FAX"), ("CALL_FORWARD_TO", "1")],
            "INVALID_PARAMETER",
        ),
        (vec![("CALL_FORWARD_TYPE", "PHONE")], "MISSING_PARAMETER"),
        (
            vec![("CALL_FORWARD_TO", "12125550100")],
            "MISSING_PARAMETER",
        ),
        (
            vec![
                ("CALL_FORWARD_TYPE", ""),
                ("CALL_FORWARD_TO", "12125550100"),
            ],
            "INVALID_PARAMETER",
        ),
        (vec![("FILTER.E164", &numbers[0])], "MISSING_PARAMETER"),
        (
            vec![("ACCOUNT_NUMBER", &other), ("TITLE", "x")],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            vec![("FILTER.DID_TYPE", "PIGEON"), ("TITLE", "x")],
            "INVALID_PARAMETER",
        ),
    ];
    let before = app.snapshot().await;
    for (params, code) in cases {
        let reply = app.main_v3("DID.UPDATE", &params).await;
        assert_eq!(reply.code(), code, "{params:?}:\n{}", reply.raw);
        reply.assert_error(code);
        assert_eq!(app.snapshot().await, before, "{params:?} changed something");
    }
    // The sub-account's own key cannot touch the main account's numbers: none match.
    let reply = app
        .v3_as(
            &app.sub,
            "DID.UPDATE",
            &[("FILTER.E164", &numbers[0]), ("TITLE", "mine")],
        )
        .await;
    assert_eq!(reply.assert_success().dids.len(), 0);
    let reply = app
        .main_v3("DID.UPDATE", &[("ACCOUNT_NUMBER", &sub), ("TITLE", "x")])
        .await;
    assert_eq!(
        reply.assert_success().dids.len(),
        0,
        "the sub-account holds nothing yet"
    );
    assert_eq!(app.snapshot().await, before);
}
