//! DID.MOVE (§4.3): within an account tree in every direction, never outside it.

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::domain::DidType;

use crate::support::{Backend, Params, TestApp};

on_both_backends!(
    numbers_move_within_the_tree_with_routing_unchanged,
    moves_outside_the_tree_fail_and_change_nothing
);

async fn numbers_move_within_the_tree_with_routing_unchanged(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let numbers = app.order(&app.main, "1.212", 1).await;
    let e164 = numbers[0].as_str();
    app.main_v3(
        "DID.UPDATE",
        &[
            ("FILTER.E164", e164),
            ("CALL_FORWARD_TYPE", "PHONE"),
            ("CALL_FORWARD_TO", "12125550100"),
        ],
    )
    .await
    .assert_success();
    let second_sub = create_account(
        app.store.as_ref(),
        AccountSpec {
            email: "second@customer.example".into(),
            parent: Some(app.main.account.account_number.clone()),
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap();
    let main = app.main.account.account_number.to_string();
    let sub = app.sub.account.account_number.to_string();
    let second = second_sub.account.account_number.to_string();
    // main → sub → second sub → main.
    for (from, to) in [(&main, &sub), (&sub, &second), (&second, &main)] {
        let reply = app
            .main_v3(
                "DID.MOVE",
                &[
                    ("E164", e164),
                    ("ACCOUNT_NUMBER", from),
                    ("TO_ACCOUNT_NUMBER", to),
                ],
            )
            .await;
        reply.assert_success();
        assert_eq!(reply.did_attr("ACCOUNT_NUMBER"), [to.as_str()]);
        assert_eq!(reply.did_attr("CALL_FORWARD_TO"), ["12125550100"]);
    }
    let history = app
        .store
        .number_record(&didhub::domain::E164::parse("e", e164).unwrap())
        .await;
    let events: Vec<String> = history
        .unwrap()
        .unwrap()
        .history
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["ordered", "updated", "moved", "moved", "moved"]);
    assert!(app.store.audit().await.unwrap().is_empty());
}

async fn moves_outside_the_tree_fail_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 4).await;
    let mine = app.order(&app.main, "1.212", 1).await.remove(0);
    let theirs = app.order(&app.other, "1.212", 1).await.remove(0);
    let main = app.main.account.account_number.to_string();
    let sub = app.sub.account.account_number.to_string();
    let other = app.other.account.account_number.to_string();
    let before = app.snapshot().await;
    let cases: Vec<(&CreatedAccount, Params, &str)> = vec![
        (
            &app.main,
            vec![("E164", &mine), ("TO_ACCOUNT_NUMBER", &other)],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            &app.main,
            vec![
                ("E164", &theirs),
                ("ACCOUNT_NUMBER", &other),
                ("TO_ACCOUNT_NUMBER", &main),
            ],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            &app.main,
            vec![("E164", &theirs), ("TO_ACCOUNT_NUMBER", &sub)],
            "DID_NOT_FOUND",
        ),
        (
            &app.other,
            vec![("E164", &theirs), ("TO_ACCOUNT_NUMBER", &sub)],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            &app.sub,
            vec![
                ("E164", &mine),
                ("ACCOUNT_NUMBER", &main),
                ("TO_ACCOUNT_NUMBER", &sub),
            ],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            &app.main,
            vec![("TO_ACCOUNT_NUMBER", &sub)],
            "MISSING_PARAMETER",
        ),
        (&app.main, vec![("E164", &mine)], "MISSING_PARAMETER"),
        (
            &app.main,
            vec![("E164", "12"), ("TO_ACCOUNT_NUMBER", &sub)],
            "INVALID_PARAMETER",
        ),
        (
            &app.main,
            vec![("E164", &mine), ("TO_ACCOUNT_NUMBER", "abc")],
            "INVALID_PARAMETER",
        ),
        (
            &app.main,
            vec![("E164", "12125550000"), ("TO_ACCOUNT_NUMBER", &sub)],
            "DID_NOT_FOUND",
        ),
    ];
    for (who, params, code) in cases {
        let reply = app.v3_as(who, "DID.MOVE", &params).await;
        assert_eq!(reply.code(), code, "{params:?}:\n{}", reply.raw);
        reply.assert_error(code);
        assert_eq!(app.snapshot().await, before, "{params:?} changed something");
    }
}
