//! An order's `did.ordered` events as webhooks receive them: each DID exactly as the
//! order answered it, to the webhooks whose patterns take the event and no other (on
//! PostgreSQL the order's function writes them, so this pins it to the domain's event).

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::domain::{DidType, Money, Routing};
use serde_json::Value;

use crate::support::receiver::{Behaviour, Receiver};
use crate::support::{Backend, TestApp};

on_both_backends!(an_order_delivers_each_did_as_answered_to_the_webhooks_that_take_it);

/// An order for an account with default routing and an awkward title: each number's
/// `did.ordered` carries the DID exactly as DID.ORDER answered it (routing, area, price
/// and title included) plus its order id, and goes to the webhooks whose patterns take
/// it (`did.*`), not to the others (`sms.*`). On PostgreSQL the order's function writes
/// these, so this is what pins it to the domain's event.
async fn an_order_delivers_each_did_as_answered_to_the_webhooks_that_take_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    let routed = create_account(
        app.store.as_ref(),
        AccountSpec {
            email: "routed@customer.example".into(),
            credit: Money(100_000),
            default_routing: Routing {
                sms_url: "https://sms.example.com/in?a=1&b=\"x\"".into(),
                sms_email: "in@customer.example".into(),
                sms_phone: "14155550100".into(),
                call_forward_type: "SIP_URI".into(),
                call_forward_to: "$[E164]$@pbx.example.com".into(),
            },
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap();
    let receiver = Receiver::start(Behaviour::Accept).await;
    for events in ["did.*", "sms.*"] {
        app.v3_as(
            &routed,
            "WEBHOOK.ADD",
            &[("URL", &receiver.url), ("EVENTS", events)],
        )
        .await
        .assert_success();
    }
    let title = "Ünïcode \"quoted\" <tag> & \\ more";
    let reply = app
        .v3_as(
            &routed,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "3"),
                ("TITLE", title),
            ],
        )
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("SMS_EMAIL"), ["in@customer.example"; 3]);
    assert_eq!(reply.did_attr("TITLE"), [title; 3]);
    receiver.wait_until("three orders", |r| r.len() >= 3).await;

    let mut delivered = Vec::new();
    for delivery in receiver.received() {
        let body: Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(body["type"], "did.ordered");
        delivered.push(body["data"].clone());
    }
    delivered.sort_by_key(|data| data["E164"].as_str().unwrap().to_owned());
    assert_eq!(delivered.len(), 3);
    let order_ids: std::collections::HashSet<String> = delivered
        .iter()
        .map(|d| d["ORDER_ID"].to_string())
        .collect();
    assert_eq!(order_ids.len(), 1, "one order: {order_ids:?}");
    for (did, data) in reply.dids.iter().zip(&delivered) {
        let data = data.as_object().unwrap();
        assert_eq!(
            data.len(),
            did.len() + 1,
            "the DID's attributes and ORDER_ID"
        );
        for (name, value) in did {
            let shown = match &data[name.as_str()] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            assert_eq!(&shown, value, "{name}");
        }
    }
    let deliveries = app.store.list_deliveries(false, 100).await.unwrap();
    assert_eq!(
        deliveries.len(),
        3,
        "none for the sms.* webhook: {deliveries:#?}"
    );
}
