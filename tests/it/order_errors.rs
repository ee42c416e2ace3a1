//! Every way a DID.ORDER can be refused: the stable code, a message, and nothing changed.

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::api::ApiPolicy;
use didhub::domain::{DidType, Money};

use crate::support::{Backend, TestApp};

on_both_backends!(
    each_bad_parameter_has_its_code_and_changes_nothing,
    not_enough_stock_says_how_many_are_available,
    a_title_of_255_characters_is_accepted,
    a_sub_account_cannot_order_for_its_main_account,
    insufficient_funds_buys_nothing,
    a_total_beyond_what_money_can_hold_fails_and_changes_nothing,
    the_quantity_limit_is_configurable
);

/// Changes to the valid parameters: (name, Some(value)) sets, (name, None) removes.
type Change<'a> = Vec<(&'a str, Option<&'a str>)>;

/// Valid parameters, with `change` applied: (name, Some(value)) sets, (name, None) removes.
fn order_params<'a>(change: &[(&'a str, Option<&'a str>)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")];
    for (name, value) in change {
        params.retain(|(n, _)| n != name);
        if let Some(value) = value {
            params.push((name, value));
        }
    }
    params
}

async fn each_bad_parameter_has_its_code_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 10).await;
    let title_256 = "t".repeat(256);
    let other = app.other.account.account_number.to_string();
    let cases: Vec<(&str, Change, &str)> = vec![
        ("no DID_TYPE", vec![("DID_TYPE", None)], "MISSING_PARAMETER"),
        (
            "empty DID_TYPE",
            vec![("DID_TYPE", Some(""))],
            "MISSING_PARAMETER",
        ),
        (
            "unknown DID_TYPE",
            vec![("DID_TYPE", Some("PIGEON"))],
            "INVALID_PARAMETER",
        ),
        ("no AREA_ID", vec![("AREA_ID", None)], "MISSING_PARAMETER"),
        (
            "unknown AREA_ID",
            vec![("AREA_ID", Some("1.999"))],
            "AREA_NOT_FOUND",
        ),
        (
            "malformed AREA_ID",
            vec![("AREA_ID", Some("12 12"))],
            "INVALID_PARAMETER",
        ),
        (
            "type not sold there",
            vec![("DID_TYPE", Some("TOLLFREE"))],
            "DID_TYPE_NOT_OFFERED",
        ),
        (
            "unknown plan",
            vec![("RATE_PLAN_ID", Some("NOPE"))],
            "RATE_PLAN_NOT_FOUND",
        ),
        (
            "malformed plan",
            vec![("RATE_PLAN_ID", Some("S U"))],
            "INVALID_PARAMETER",
        ),
        (
            "empty QUANTITY",
            vec![("QUANTITY", Some(""))],
            "INVALID_PARAMETER",
        ),
        (
            "zero QUANTITY",
            vec![("QUANTITY", Some("0"))],
            "INVALID_PARAMETER",
        ),
        (
            "negative QUANTITY",
            vec![("QUANTITY", Some("-1"))],
            "INVALID_PARAMETER",
        ),
        (
            "non-numeric QUANTITY",
            vec![("QUANTITY", Some("two"))],
            "INVALID_PARAMETER",
        ),
        (
            "fractional QUANTITY",
            vec![("QUANTITY", Some("1.5"))],
            "INVALID_PARAMETER",
        ),
        (
            "QUANTITY over the maximum",
            vec![("QUANTITY", Some("101"))],
            "INVALID_PARAMETER",
        ),
        (
            "huge QUANTITY",
            vec![("QUANTITY", Some("99999999999999999999"))],
            "INVALID_PARAMETER",
        ),
        (
            "TITLE of 256 characters",
            vec![("TITLE", Some(&title_256))],
            "INVALID_PARAMETER",
        ),
        (
            "another customer's account",
            vec![("ACCOUNT_NUMBER", Some(&other))],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            "an account that does not exist",
            vec![("ACCOUNT_NUMBER", Some("9999999999"))],
            "ACCOUNT_NOT_FOUND",
        ),
        (
            "a malformed account",
            vec![("ACCOUNT_NUMBER", Some("12ab"))],
            "INVALID_PARAMETER",
        ),
        (
            "bad TEST flag",
            vec![("TEST", Some("MAYBE"))],
            "INVALID_PARAMETER",
        ),
        (
            "more than in stock",
            vec![("QUANTITY", Some("11"))],
            "NOT_ENOUGH_STOCK",
        ),
    ];
    let before = app.snapshot().await;
    for (what, change, code) in cases {
        let reply = app.main_v3("DID.ORDER", &order_params(&change)).await;
        assert_eq!(reply.code(), code, "{what}:\n{}", reply.raw);
        reply.assert_error(code);
        assert_eq!(app.snapshot().await, before, "{what} changed something");
    }
}

async fn not_enough_stock_says_how_many_are_available(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 4).await;
    let reply = app
        .main_v3("DID.ORDER", &order_params(&[("QUANTITY", Some("5"))]))
        .await;
    reply.assert_error("NOT_ENOUGH_STOCK");
    assert!(
        reply
            .error_message
            .as_deref()
            .unwrap()
            .contains("4 available"),
        "{}",
        reply.raw
    );
}

async fn a_title_of_255_characters_is_accepted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let title = "é".repeat(255);
    let reply = app
        .main_v3("DID.ORDER", &order_params(&[("TITLE", Some(&title))]))
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("TITLE"), [title]);
}

async fn a_sub_account_cannot_order_for_its_main_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let main = app.main.account.account_number.to_string();
    let before = app.snapshot().await;
    let reply = app
        .v3_as(
            &app.sub,
            "DID.ORDER",
            &order_params(&[("ACCOUNT_NUMBER", Some(&main))]),
        )
        .await;
    reply.assert_error("ACCOUNT_NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
}

/// A price so high that setup plus first month overflows the 64-bit minor units: the
/// order fails as an internal error (it is the operator's price list, not the customer's
/// request, that is wrong) and changes nothing.
async fn a_total_beyond_what_money_can_hold_fails_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let prices = ",,1.212,SU,90000000000000000.00,90000000000000000.00\n";
    didhub::admin::prices::import_prices_csv(app.store.as_ref(), prices.as_bytes())
        .await
        .unwrap();
    let before = app.snapshot().await;
    let reply = app.main_v3("DID.ORDER", &order_params(&[])).await;
    reply.assert_error("INTERNAL_ERROR");
    assert_eq!(app.snapshot().await, before);
}

async fn insufficient_funds_buys_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let poor = create_account(
        app.store.as_ref(),
        AccountSpec {
            email: "poor@customer.example".into(),
            credit: Money(500),
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap();
    let before = app.snapshot().await;
    let reply = app
        .v3_as(
            &poor,
            "DID.ORDER",
            &order_params(&[("QUANTITY", Some("2"))]),
        )
        .await;
    reply.assert_error("INSUFFICIENT_FUNDS");
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.balance(&poor).await, Money(500));
    // One number (3.98) is affordable.
    app.v3_as(&poor, "DID.ORDER", &order_params(&[]))
        .await
        .assert_success();
    assert_eq!(app.balance(&poor).await, Money(500 - 398));
}

async fn the_quantity_limit_is_configurable(backend: Backend) {
    let policy = ApiPolicy {
        max_quantity: 3,
        ..ApiPolicy::default()
    };
    let app = TestApp::spawn_with(backend, policy).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    let before = app.snapshot().await;
    let reply = app
        .main_v3("DID.ORDER", &order_params(&[("QUANTITY", Some("4"))]))
        .await;
    reply.assert_error("INVALID_PARAMETER");
    assert!(
        reply.error_message.as_deref().unwrap().contains("1 to 3"),
        "{}",
        reply.raw
    );
    assert_eq!(app.snapshot().await, before);
    app.main_v3("DID.ORDER", &order_params(&[("QUANTITY", Some("3"))]))
        .await
        .assert_success();
}
