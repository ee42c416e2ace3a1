//! ANVEO.COUNTRIES.LIST, STATES.LIST, AREAS.LIST (§4.6) and ACCOUNT.GETBALANCE (§4.7).

use didhub::domain::DidType;

use crate::support::{Backend, Params, TestApp, xml::get};

on_both_backends!(
    listings_have_the_spec_shapes_and_follow_the_stock,
    listing_errors_have_their_codes,
    the_balance_is_the_main_accounts_with_two_decimals
);

fn attrs_of<'r>(reply: &'r crate::support::Reply, element: &str) -> Vec<&'r Vec<(String, String)>> {
    reply
        .elements
        .iter()
        .filter(|(n, _)| n == element)
        .map(|(_, a)| a)
        .collect()
}

async fn listings_have_the_spec_shapes_and_follow_the_stock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 7).await;
    app.stock("1.416", DidType::Geographic, 2).await;
    app.stock("44.7", DidType::Mobile, 3).await;

    let all = app.v3_as(&app.other, "ANVEO.COUNTRIES.LIST", &[]).await;
    let ids: Vec<String> = attrs_of(&all, "COUNTRY")
        .iter()
        .filter_map(|a| get(a, "COUNTRY_ID"))
        .collect();
    assert_eq!(ids, ["CA", "GB", "US"]);
    let names: Vec<&str> = attrs_of(&all, "COUNTRY")[0]
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "COUNTRY_ID",
            "COUNTRY_NAME",
            "HAS_STATES",
            "IS_SMS",
            "IS_FAX"
        ]
    );
    let mobile = app
        .v3_as(
            &app.other,
            "ANVEO.COUNTRIES.LIST",
            &[("DID_TYPE", "MOBILE")],
        )
        .await;
    let ids: Vec<String> = attrs_of(&mobile, "COUNTRY")
        .iter()
        .filter_map(|a| get(a, "COUNTRY_ID"))
        .collect();
    assert_eq!(ids, ["GB"]);
    let gb = attrs_of(&mobile, "COUNTRY")[0];
    assert_eq!(get(gb, "COUNTRY_NAME").unwrap(), "UNITED KINGDOM");

    let states = app
        .v3_as(&app.other, "ANVEO.STATES.LIST", &[("COUNTRY_ID", "ca")])
        .await;
    let state = attrs_of(&states, "STATE")[0];
    let names: Vec<&str> = state.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["STATE_ID", "STATE_NAME", "STATE_CODE"]);
    assert_eq!(get(state, "STATE_CODE").unwrap(), "ON");

    let areas = app
        .v3_as(
            &app.other,
            "ANVEO.AREAS.LIST",
            &[("DID_TYPE", "GEOGRAPHIC"), ("COUNTRY_ID", "US")],
        )
        .await;
    let area = attrs_of(&areas, "AREA")[0];
    let names: Vec<&str> = area.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["AREA_ID", "AREA_NAME", "AREA_CODE", "STOCK"]);
    assert_eq!(get(area, "AREA_ID").unwrap(), "1.212");
    assert_eq!(get(area, "STOCK").unwrap(), "7");
    let plans = attrs_of(&areas, "RATE_PLAN");
    let su = plans
        .iter()
        .find(|p| get(p, "RATE_PLAN_ID").as_deref() == Some("SU"))
        .unwrap();
    assert_eq!(get(su, "RATE_PLAN_NAME").unwrap(), "Service Unlimited");
    assert_eq!(get(su, "MONTHLY100").unwrap(), "149");
    assert_eq!(get(su, "SETUP100").unwrap(), "249");

    // STOCK drops by exactly the quantity ordered.
    app.order(&app.other, "1.212", 3).await;
    let areas = app
        .v3_as(
            &app.other,
            "ANVEO.AREAS.LIST",
            &[("DID_TYPE", "GEOGRAPHIC"), ("STATE_ID", "US-NY")],
        )
        .await;
    assert_eq!(get(attrs_of(&areas, "AREA")[0], "STOCK").unwrap(), "4");
    // Areas of another type are not listed.
    let tollfree = app
        .v3_as(
            &app.other,
            "ANVEO.AREAS.LIST",
            &[("DID_TYPE", "TOLLFREE"), ("COUNTRY_ID", "US")],
        )
        .await;
    assert!(attrs_of(&tollfree, "AREA").is_empty(), "{}", tollfree.raw);
}

async fn listing_errors_have_their_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let cases: Vec<(&str, Params, &str)> = vec![
        (
            "ANVEO.COUNTRIES.LIST",
            vec![("DID_TYPE", "PIGEON")],
            "INVALID_PARAMETER",
        ),
        ("ANVEO.STATES.LIST", vec![], "MISSING_PARAMETER"),
        (
            "ANVEO.STATES.LIST",
            vec![("COUNTRY_ID", "ZZ")],
            "COUNTRY_NOT_FOUND",
        ),
        (
            "ANVEO.STATES.LIST",
            vec![("COUNTRY_ID", "USA")],
            "INVALID_PARAMETER",
        ),
        (
            "ANVEO.AREAS.LIST",
            vec![("COUNTRY_ID", "US")],
            "MISSING_PARAMETER",
        ),
        (
            "ANVEO.AREAS.LIST",
            vec![("DID_TYPE", "GEOGRAPHIC")],
            "MISSING_PARAMETER",
        ),
        (
            "ANVEO.AREAS.LIST",
            vec![("DID_TYPE", "GEOGRAPHIC"), ("STATE_ID", "US-ZZ")],
            "STATE_NOT_FOUND",
        ),
        (
            "ANVEO.AREAS.LIST",
            vec![
                ("DID_TYPE", "GEOGRAPHIC"),
                ("COUNTRY_ID", "GB"),
                ("STATE_ID", "US-NY"),
            ],
            "INVALID_PARAMETER",
        ),
        (
            "ACCOUNT.GETBALANCE",
            vec![("ACCOUNT_NUMBER", "9999999999")],
            "ACCOUNT_NOT_FOUND",
        ),
    ];
    let before = app.snapshot().await;
    for (action, params, code) in cases {
        let reply = app.v3_as(&app.other, action, &params).await;
        assert_eq!(reply.code(), code, "{action} {params:?}:\n{}", reply.raw);
        reply.assert_error(code);
    }
    let main = app.main.account.account_number.to_string();
    app.v3_as(
        &app.other,
        "ACCOUNT.GETBALANCE",
        &[("ACCOUNT_NUMBER", &main)],
    )
    .await
    .assert_error("ACCOUNT_NOT_FOUND");
    assert_eq!(app.snapshot().await, before);
}

async fn the_balance_is_the_main_accounts_with_two_decimals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app.main_v3("ACCOUNT.GETBALANCE", &[]).await;
    assert_eq!(reply.assert_success().result, "1000.00");
    let sub = app.sub.account.account_number.to_string();
    let reply = app
        .main_v3("ACCOUNT.GETBALANCE", &[("ACCOUNT_NUMBER", &sub)])
        .await;
    assert_eq!(reply.result, "1000.00");
}
