//! The whole customer flow of `anveo-api.md` §4, end to end, over v3 and over v2:
//! countries → states → areas → order → update → list → move → cancel, and the balance.

use didhub::admin::accounts::CreatedAccount;
use didhub::domain::DidType;

use crate::support::{Backend, CREDIT, Reply, TestApp, xml::get};

on_both_backends!(the_customer_flow_over_v3, the_customer_flow_over_v2);

#[derive(Clone, Copy)]
enum Transport {
    V3,
    V2,
}

async fn call(
    app: &TestApp,
    transport: Transport,
    who: &CreatedAccount,
    action: &str,
    params: &[(&str, &str)],
) -> Reply {
    let reply = match transport {
        Transport::V3 => app.v3_as(who, action, params).await,
        Transport::V2 => app.v2_as(who, action, params).await,
    };
    reply.assert_success();
    reply
}

async fn customer_flow(backend: Backend, transport: Transport) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 10).await;
    app.stock("1.800", DidType::TollFree, 3).await;
    let main = &app.main;

    let countries = call(
        &app,
        transport,
        main,
        "ANVEO.COUNTRIES.LIST",
        &[("DID_TYPE", "GEOGRAPHIC")],
    )
    .await;
    let us = countries
        .elements
        .iter()
        .find(|(name, a)| name == "COUNTRY" && get(a, "COUNTRY_ID").as_deref() == Some("US"))
        .expect("US has stock");
    assert_eq!(get(&us.1, "COUNTRY_NAME").unwrap(), "UNITED STATES");
    assert_eq!(get(&us.1, "HAS_STATES").unwrap(), "true");
    assert_eq!(
        countries.elements.len(),
        1,
        "only countries with stock: {}",
        countries.raw
    );

    let states = call(
        &app,
        transport,
        main,
        "ANVEO.STATES.LIST",
        &[("COUNTRY_ID", "US")],
    )
    .await;
    let names: Vec<String> = states
        .elements
        .iter()
        .filter_map(|(_, a)| get(a, "STATE_CODE"))
        .collect();
    assert_eq!(names, ["NY"], "only states with stock: {}", states.raw);
    let state_id = get(&states.elements[0].1, "STATE_ID").unwrap();

    let areas = call(
        &app,
        transport,
        main,
        "ANVEO.AREAS.LIST",
        &[("DID_TYPE", "GEOGRAPHIC"), ("STATE_ID", &state_id)],
    )
    .await;
    let area = areas.elements.iter().find(|(n, _)| n == "AREA").unwrap();
    assert_eq!(get(&area.1, "AREA_NAME").unwrap(), "New York");
    assert_eq!(get(&area.1, "STOCK").unwrap(), "10");
    let area_id = get(&area.1, "AREA_ID").unwrap();

    let order = call(
        &app,
        transport,
        main,
        "DID.ORDER",
        &[
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", &area_id),
            ("QUANTITY", "2"),
            ("TITLE", "front desk"),
        ],
    )
    .await;
    let numbers = order.did_attr("E164");

    let update = call(
        &app,
        transport,
        main,
        "DID.UPDATE",
        &[
            ("FILTER.E164", &numbers[0]),
            ("CALL_FORWARD_TYPE", "SIP_URI"),
            ("CALL_FORWARD_TO", "$[E164]$@pbx.customer.example"),
            ("SMS_EMAIL", "sms@customer.example"),
        ],
    )
    .await;
    assert_eq!(update.did_attr("CALL_FORWARD_TYPE"), ["SIP_URI"]);

    let list = call(&app, transport, main, "DID.LIST", &[]).await;
    assert_eq!(list.value("TOTAL"), Some("2"));
    assert_eq!(list.did_attr("E164"), numbers);
    assert_eq!(list.did_attr("SMS_EMAIL"), ["sms@customer.example", ""]);
    assert_eq!(list.did_attr("TITLE"), ["front desk", "front desk"]);

    let sub = app.sub.account.account_number.to_string();
    let moved = call(
        &app,
        transport,
        main,
        "DID.MOVE",
        &[("E164", &numbers[1]), ("TO_ACCOUNT_NUMBER", &sub)],
    )
    .await;
    assert_eq!(moved.did_attr("ACCOUNT_NUMBER"), [sub.as_str()]);

    call(
        &app,
        transport,
        main,
        "DID.CANCEL",
        &[("E164", &numbers[0])],
    )
    .await;
    let list = call(&app, transport, main, "DID.LIST", &[]).await;
    assert_eq!(list.did_attr("STATUS"), ["Canceled"]);

    let balance = call(&app, transport, main, "ACCOUNT.GETBALANCE", &[]).await;
    let expected = didhub::domain::Money(CREDIT.0 - 2 * 398).to_string();
    assert_eq!(balance.result, expected);
    let sub_balance = call(&app, transport, &app.sub, "ACCOUNT.GETBALANCE", &[]).await;
    assert_eq!(
        sub_balance.result, expected,
        "a sub-account shares the main balance"
    );
    assert!(app.store.audit().await.unwrap().is_empty());
}

async fn the_customer_flow_over_v3(backend: Backend) {
    customer_flow(backend, Transport::V3).await;
}

async fn the_customer_flow_over_v2(backend: Backend) {
    customer_flow(backend, Transport::V2).await;
}
