//! SMS (`sms.md`) without Kannel: inbound messages handed over at
//! `/sms/kannel/inbound` as Kannel's smsbox does, their delivery to `SMS_URL`,
//! `SMS_EMAIL` (a local SMTP server) and `SMS_PHONE`, and the v1 gateway sending through
//! a stand-in for Kannel's `sendsms`, with delivery reports, fees and refunds. The same
//! with the real Kannel is in `kannel.rs`.

use std::collections::HashMap;

use didhub::domain::sms::SmsRecord;
use didhub::domain::{DidType, Money};

use crate::support::receiver::{Behaviour, Receiver};
use crate::support::smtp::SmtpServer;
use didhub::admin::accounts::CreatedAccount;

use crate::support::{Backend, KANNEL_TOKEN, Params, TestApp, percent_encode, sms_policy};

on_both_backends!(
    an_inbound_message_reaches_sms_url_with_its_numbers_and_text,
    inbound_calls_need_the_token,
    messages_to_numbers_not_active_are_stored_undeliverable,
    sms_url_is_tried_as_often_as_configured_then_failed,
    sms_url_follows_the_private_target_rule,
    sms_email_goes_out_through_the_smtp_relay,
    sms_phone_forwards_a_paid_message,
    the_v1_gateway_sends_charges_once_and_follows_reports,
    the_v1_gateway_refuses_and_changes_nothing,
    a_message_kannel_refuses_is_refunded
);

/// A GET of the inbound endpoint with these (unencoded) parameters.
async fn inbound(app: &TestApp, params: &[(&str, &str)]) -> (u16, String) {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    app.get(&format!("/sms/kannel/inbound?{}", query.join("&")))
        .await
}

pub(crate) async fn deliver_in(app: &TestApp, from: &str, to: &str, text: &str) {
    let answer = inbound(
        app,
        &[
            ("token", KANNEL_TOKEN),
            ("from", from),
            ("to", to),
            ("text", text),
            ("charset", "UTF-8"),
        ],
    )
    .await;
    assert_eq!(answer, (200, String::new()));
}

pub(crate) async fn set(app: &TestApp, e164: &str, setting: &str, value: &str) {
    app.main_v3("DID.UPDATE", &[("FILTER.E164", e164), (setting, value)])
        .await
        .assert_success();
}

pub(crate) async fn messages(app: &TestApp) -> Vec<SmsRecord> {
    app.store.list_sms(None, 100).await.unwrap()
}

/// Waits (up to a minute) until the message is in `state`.
pub(crate) async fn wait_for_state(app: &TestApp, smsid: i64, state: &str) -> SmsRecord {
    for _ in 0..3000 {
        if let Some(m) = messages(app).await.into_iter().find(|m| m.smsid == smsid)
            && m.state == state
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "message {smsid} never became {state}: {:#?}",
        messages(app).await
    );
}

/// The fields of a v1 answer line, after checking it is a success.
pub(crate) fn v1_success(body: &str) -> HashMap<String, String> {
    assert!(body.starts_with("result=success^error=^"), "{body}");
    body.split('^')
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

pub(crate) async fn v1(app: &TestApp, who: &CreatedAccount, params: &[(&str, &str)]) -> String {
    let mut query = format!("apikey={}&action=sms", who.userkey);
    if let Some(signature) = &who.signature {
        query.push_str(&format!("&signature={signature}"));
    }
    for (k, v) in params {
        query.push_str(&format!("&{k}={}", percent_encode(v)));
    }
    let (status, body) = app.get(&format!("/api/v1.asp?{query}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn an_inbound_message_reaches_sms_url_with_its_numbers_and_text(backend: Backend) {
    let app = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let receiver = Receiver::start(Behaviour::Accept).await;
    let template = format!("{}/sms?f=$[from]$&t=$[TO]$&m=$[message]$", receiver.base());
    set(&app, &number, "SMS_URL", &template).await;
    let text = "Grüße & Привет + 100%";
    deliver_in(&app, "+447700900123", &number, text).await;
    receiver.wait_until("the message", |r| r.len() == 1).await;
    let got = &receiver.received()[0];
    let query = got.query();
    assert_eq!(query["f"], "447700900123");
    assert_eq!(query["t"], number);
    assert_eq!(query["m"], text);
    assert!(got.id.starts_with("evt_"), "{got:?}");
    // Kannel's UTF-16BE form of a UCS-2 message is decoded too.
    let utf16: String = "Ωmega"
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .map(|b| format!("%{b:02X}"))
        .collect();
    let (status, _) = app
        .get(&format!(
            "/sms/kannel/inbound?token={KANNEL_TOKEN}&from=MyBank&to={number}&text={utf16}\
             &coding=2&charset=UTF-16BE"
        ))
        .await;
    assert_eq!(status, 200);
    receiver
        .wait_until("the second message", |r| r.len() == 2)
        .await;
    let query = receiver.received()[1].query();
    assert_eq!(
        (query["f"].as_str(), query["m"].as_str()),
        ("MyBank", "Ωmega")
    );
    let listed = messages(&app).await;
    assert_eq!(listed.len(), 2);
    let first = wait_for_state(&app, listed[1].smsid, "delivered").await;
    assert_eq!(first.direction, "in");
    assert_eq!(
        (first.from.as_str(), first.to.as_str()),
        ("447700900123", number.as_str())
    );
    assert_eq!(
        first.account_number.as_deref(),
        Some(app.main.account.account_number.as_str())
    );
    let events = app
        .store
        .list_events(didhub::domain::events::EventQuery {
            event_type: Some(didhub::domain::events::EventType::SmsReceived),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let data: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(data["MESSAGE"], text);
    assert_eq!(data["CHANNELS"]["SMS_URL"], "pending");
    assert_eq!(events[0].id, got.id);
}

async fn inbound_calls_need_the_token(backend: Backend) {
    let app = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    let message = [
        ("from", "447700900123"),
        ("to", "12125550100"),
        ("text", "hi"),
    ];
    for token in [None, Some("wrong"), Some("")] {
        let mut params = message.to_vec();
        if let Some(token) = token {
            params.push(("token", token));
        }
        assert_eq!(inbound(&app, &params).await.0, 401, "{token:?}");
        let dlr = format!(
            "/sms/kannel/dlr?smsid=1&type=1&token={}",
            token.unwrap_or("")
        );
        assert_eq!(app.get(&dlr).await.0, 401);
    }
    assert!(messages(&app).await.is_empty());
    // A server with no token configured refuses every call.
    let closed = TestApp::spawn(backend).await;
    let mut params = message.to_vec();
    params.push(("token", KANNEL_TOKEN));
    assert_eq!(inbound(&closed, &params).await.0, 401);
    // Without the message's parts: 400, nothing stored.
    let (status, body) = inbound(&app, &[("token", KANNEL_TOKEN), ("from", "1")]).await;
    assert_eq!(status, 400, "{body}");
    assert!(messages(&app).await.is_empty());
}

async fn messages_to_numbers_not_active_are_stored_undeliverable(backend: Backend) {
    let app = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    let numbers = app.order(&app.main, "1.212", 1).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    set(
        &app,
        &numbers[0],
        "SMS_URL",
        &format!("{}/sms", receiver.base()),
    )
    .await;
    app.main_v3("DID.CANCEL", &[("E164", &numbers[0])])
        .await
        .assert_success();
    deliver_in(&app, "447700900123", &numbers[0], "to a canceled number").await;
    deliver_in(&app, "447700900123", "12125550199", "to nobody's number").await;
    deliver_in(&app, "447700900123", "short", "to no number at all").await;
    let listed = messages(&app).await;
    assert_eq!(listed.len(), 3);
    for (message, says) in listed
        .iter()
        .zip(["not in service", "not in service", "canceled"])
    {
        assert_eq!(message.state, "undeliverable", "{message:?}");
        assert!(message.reason.contains(says), "{message:?}");
        assert_eq!(message.account_number, None);
    }
    assert_eq!(listed[0].to, "short");
    // A Suspended number (billing could not renew it) is still its holder's: the message
    // is stored for it, undeliverable, with an event, and not forwarded.
    let suspended = app.order(&app.main, "1.212", 1).await.remove(0);
    set(
        &app,
        &suspended,
        "SMS_URL",
        &format!("{}/sms", receiver.base()),
    )
    .await;
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {} WHERE e164 = '{suspended}'",
        crate::support::START
    ));
    deliver_in(&app, "447700900123", &suspended, "to a suspended number").await;
    let message = messages(&app).await.remove(0);
    assert_eq!(message.state, "undeliverable");
    assert!(message.reason.contains("suspended"), "{message:?}");
    assert_eq!(
        message.account_number.as_deref(),
        Some(app.main.account.account_number.as_str())
    );
    let events = app
        .store
        .list_events(didhub::domain::events::EventQuery {
            event_type: Some(didhub::domain::events::EventType::SmsReceived),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        events.len(),
        1,
        "only the held number's message has an event"
    );
    let data: serde_json::Value = serde_json::from_str(&events[0].data).unwrap();
    assert_eq!(data["STATE"], "undeliverable");
    assert!(receiver.received().is_empty());
}

async fn sms_url_is_tried_as_often_as_configured_then_failed(backend: Backend) {
    let app = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let receiver = Receiver::start(Behaviour::FailAll).await;
    set(
        &app,
        &number,
        "SMS_URL",
        &format!("{}/sms", receiver.base()),
    )
    .await;
    deliver_in(&app, "447700900123", &number, "retry me").await;
    let smsid = messages(&app).await[0].smsid;
    wait_for_state(&app, smsid, "failed").await;
    // sms_policy: 3 attempts; a URL without placeholders gets the parameters appended.
    let got = receiver.received();
    assert_eq!(got.len(), 3, "{got:#?}");
    assert_eq!(got[0].query()["message"], "retry me");
    assert_eq!(got[0].query()["to"], number);
    assert!(
        got.iter().all(|r| r.id == got[0].id),
        "one event id for every attempt"
    );
}

async fn sms_url_follows_the_private_target_rule(backend: Backend) {
    let mut policy = sms_policy(None, None);
    policy.outbound.allow_private_targets = false;
    let app = TestApp::spawn_with(backend, policy).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let receiver = Receiver::start(Behaviour::Accept).await;
    set(
        &app,
        &number,
        "SMS_URL",
        &format!("{}/sms", receiver.base()),
    )
    .await;
    deliver_in(&app, "447700900123", &number, "to the operator's network").await;
    wait_for_state(&app, messages(&app).await[0].smsid, "failed").await;
    let failed = app.store.list_deliveries(true, 10).await.unwrap();
    assert_eq!(failed[0].channel, "sms_url");
    assert!(failed[0].last_error.contains("private"), "{failed:?}");
    assert_eq!(failed[0].attempts, 1, "a refused target is not retried");
    assert!(receiver.received().is_empty());
}

async fn sms_email_goes_out_through_the_smtp_relay(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn_with(backend, sms_policy(None, Some(&smtp.url))).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    set(&app, &number, "SMS_EMAIL", "me@customer.example").await;
    deliver_in(&app, "447700900123", &number, "Grüße, per e-mail").await;
    let mail = smtp.wait_for(1).await.remove(0);
    assert_eq!(mail.from, "sms@didhub.example");
    assert_eq!(mail.to, vec!["me@customer.example".to_owned()]);
    let subject = mail.header("Subject").unwrap();
    assert!(
        subject.contains("447700900123") && subject.contains(&number),
        "{subject}"
    );
    assert!(
        mail.header("Message-ID").unwrap().contains("evt_"),
        "{mail:?}"
    );
    let body = mail.body();
    assert!(
        body.contains("Grüße, per e-mail") || body.contains("Gr=C3=BC=C3=9Fe"),
        "{body}"
    );
    wait_for_state(&app, messages(&app).await[0].smsid, "delivered").await;

    // Without a relay the channel fails, saying why.
    let bare = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    bare.stock("1.212", DidType::Geographic, 1).await;
    let number = bare.order(&bare.main, "1.212", 1).await.remove(0);
    set(&bare, &number, "SMS_EMAIL", "me@customer.example").await;
    deliver_in(&bare, "447700900123", &number, "lost").await;
    wait_for_state(&bare, messages(&bare).await[0].smsid, "failed").await;
    let failed = bare.store.list_deliveries(true, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].channel, "sms_email");
    assert!(failed[0].last_error.contains("no SMTP relay"), "{failed:?}");
}

async fn sms_phone_forwards_a_paid_message(backend: Backend) {
    let kannel = Receiver::start(Behaviour::Accept).await;
    let sendsms = format!("{}/cgi-bin/sendsms", kannel.base());
    let app = TestApp::spawn_with(backend, sms_policy(Some(&sendsms), None)).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    set(&app, &number, "SMS_PHONE", "447700900123").await;
    let before = app.balance(&app.main).await;
    deliver_in(&app, "12125550123", &number, "forward me").await;
    kannel.wait_until("the forward", |r| r.len() == 1).await;
    let query = kannel.received()[0].query();
    assert_eq!(
        (
            query["from"].as_str(),
            query["to"].as_str(),
            query["text"].as_str()
        ),
        (number.as_str(), "447700900123", "forward me")
    );
    assert_eq!(app.balance(&app.main).await, Money(before.minor() - 1));
    let listed = messages(&app).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(
        (listed[0].direction.as_str(), listed[0].fee.as_str()),
        ("out", "0.01")
    );
    wait_for_state(&app, listed[1].smsid, "delivered").await;

    // An account that cannot pay: the forward fails, the message is still stored.
    let balance = app.balance(&app.main).await;
    app.store
        .credit(
            &app.main.account.account_number,
            Money(-balance.minor()),
            "drain",
        )
        .await
        .unwrap();
    deliver_in(&app, "12125550123", &number, "no money").await;
    let listed = messages(&app).await;
    assert_eq!(listed[0].state, "failed");
    assert!(
        listed[0].reason.contains("insufficient funds"),
        "{:?}",
        listed[0]
    );
    wait_for_state(&app, listed[1].smsid, "failed").await;
    assert_eq!(kannel.received().len(), 1, "nothing more was sent");
}

async fn the_v1_gateway_sends_charges_once_and_follows_reports(backend: Backend) {
    let kannel = Receiver::start(Behaviour::Accept).await;
    let sendsms = format!("{}/cgi-bin/sendsms", kannel.base());
    let app = TestApp::spawn_with(backend, sms_policy(Some(&sendsms), None)).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let before = app.balance(&app.main).await;
    let ledger_before = app.store.counts().await.unwrap().ledger_rows;
    let body = v1(
        &app,
        &app.main,
        &[
            ("from", &format!("+{number}")),
            ("destination", "00447700900123"),
            ("message", "Hello & €"),
        ],
    )
    .await;
    let fields = v1_success(&body);
    assert_eq!(
        (fields["parts"].as_str(), fields["fee"].as_str()),
        ("1", "0.01")
    );
    let smsid: i64 = fields["smsid"].parse().unwrap();
    kannel.wait_until("the message", |r| r.len() == 1).await;
    let query = kannel.received()[0].query();
    assert_eq!(query["from"], number);
    assert_eq!(query["to"], "447700900123");
    assert_eq!(query["text"], "Hello & €");
    assert_eq!(
        (query["username"].as_str(), query["password"].as_str()),
        ("didhub", "kannel-password")
    );
    assert_eq!(query["dlr-mask"], "31");
    assert_eq!(app.balance(&app.main).await, Money(before.minor() - 1));
    assert_eq!(
        app.store.counts().await.unwrap().ledger_rows,
        ledger_before + 1
    );
    // The delivery report URL Kannel was given, as Kannel calls it.
    let dlr = url::Url::parse(&query["dlr-url"]).unwrap();
    let report = |kind: &str| {
        format!("{}?{}", dlr.path(), dlr.query().unwrap())
            .replace("%25d", kind)
            .replace("%d", kind)
            .replace("%25A", "ok")
            .replace("%A", "ok")
    };
    wait_for_state(&app, smsid, "queued").await;
    assert_eq!(app.get(&report("8")).await.0, 200);
    wait_for_state(&app, smsid, "sent").await;
    assert_eq!(app.get(&report("1")).await.0, 200);
    let delivered = wait_for_state(&app, smsid, "delivered").await;
    assert_eq!((delivered.direction.as_str(), delivered.parts), ("out", 1));
    // A late or repeated report changes nothing.
    assert_eq!(app.get(&report("16")).await.0, 200);
    wait_for_state(&app, smsid, "delivered").await;
    assert_eq!(app.balance(&app.main).await, Money(before.minor() - 1));

    // 161 GSM characters are two parts; a UCS-2 text of 71 is two as well.
    for text in ["a".repeat(161), "ж".repeat(71)] {
        let fields = v1_success(
            &v1(
                &app,
                &app.main,
                &[
                    ("from", &number),
                    ("destination", "12125550123"),
                    ("message", &text),
                ],
            )
            .await,
        );
        assert_eq!(
            (fields["parts"].as_str(), fields["fee"].as_str()),
            ("2", "0.02")
        );
    }
    // A main account may send from its sub-account's number, and pays.
    let sub_number = app.order(&app.sub, "1.212", 1).await.remove(0);
    let before = app.balance(&app.main).await;
    v1_success(
        &v1(
            &app,
            &app.main,
            &[
                ("from", &sub_number),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
        )
        .await,
    );
    v1_success(
        &v1(
            &app,
            &app.sub,
            &[
                ("from", &sub_number),
                ("destination", "12125550123"),
                ("message", "y"),
            ],
        )
        .await,
    );
    assert_eq!(app.balance(&app.main).await, Money(before.minor() - 2));
    let types: Vec<String> = app
        .store
        .list_events(didhub::domain::events::EventQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type.to_string())
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "sms.sent").count(), 5);
    assert_eq!(types.iter().filter(|t| *t == "sms.status").count(), 2);
}

async fn the_v1_gateway_refuses_and_changes_nothing(backend: Backend) {
    let kannel = Receiver::start(Behaviour::Accept).await;
    let sendsms = format!("{}/cgi-bin/sendsms", kannel.base());
    let app = TestApp::spawn_with(backend, sms_policy(Some(&sendsms), None)).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    app.stock("44.20", DidType::Geographic, 1).await;
    let mine = app.order(&app.main, "1.212", 1).await.remove(0);
    let theirs = app.order(&app.other, "1.212", 1).await.remove(0);
    let london = app.order(&app.main, "44.20", 1).await.remove(0);
    let suspended = app.order(&app.main, "1.212", 1).await.remove(0);
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = 1 WHERE e164 = '{suspended}'"
    ));
    let drained = app.balance(&app.other).await;
    app.store
        .credit(
            &app.other.account.account_number,
            Money(-drained.minor()),
            "drain",
        )
        .await
        .unwrap();
    let before = app.snapshot().await;
    let long = "a".repeat(1531);
    let cases: Vec<(&CreatedAccount, Params, &str)> = vec![
        (
            &app.main,
            vec![
                ("from", &theirs),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "DID_NOT_FOUND",
        ),
        (
            &app.main,
            vec![
                ("from", "12125550000"),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "DID_NOT_FOUND",
        ),
        (
            &app.sub,
            vec![
                ("from", &mine),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "DID_NOT_FOUND",
        ),
        (
            &app.main,
            vec![
                ("from", &suspended),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "DID_NOT_ACTIVE",
        ),
        (
            &app.main,
            vec![
                ("from", &london),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "SMS_NOT_OFFERED",
        ),
        (
            &app.other,
            vec![
                ("from", &theirs),
                ("destination", "12125550123"),
                ("message", "x"),
            ],
            "INSUFFICIENT_FUNDS",
        ),
        (
            &app.main,
            vec![
                ("from", &mine),
                ("destination", "12125550123"),
                ("message", &long),
            ],
            "INVALID_PARAMETER",
        ),
        (
            &app.main,
            vec![("from", &mine), ("destination", "555"), ("message", "x")],
            "INVALID_PARAMETER",
        ),
        (
            &app.main,
            vec![("from", &mine), ("message", "x")],
            "MISSING_PARAMETER",
        ),
        (
            &app.main,
            vec![("from", &mine), ("destination", "12125550123")],
            "MISSING_PARAMETER",
        ),
    ];
    for (who, params, code) in cases {
        let body = v1(&app, who, &params).await;
        assert!(
            body.starts_with(&format!("result=error^error={code}: ")),
            "{code}: {body}"
        );
    }
    assert_eq!(app.snapshot().await, before);
    assert!(messages(&app).await.is_empty());
    assert!(kannel.received().is_empty());
}

async fn a_message_kannel_refuses_is_refunded(backend: Backend) {
    let kannel = Receiver::start(Behaviour::Refuse).await;
    let sendsms = format!("{}/cgi-bin/sendsms", kannel.base());
    let app = TestApp::spawn_with(backend, sms_policy(Some(&sendsms), None)).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let before = app.balance(&app.main).await;
    let fields = v1_success(
        &v1(
            &app,
            &app.main,
            &[
                ("from", &number),
                ("destination", "12125550123"),
                ("message", &"b".repeat(200)),
            ],
        )
        .await,
    );
    let smsid: i64 = fields["smsid"].parse().unwrap();
    let failed = wait_for_state(&app, smsid, "failed").await;
    assert!(failed.reason.contains("HTTP 403"), "{failed:?}");
    assert_eq!(app.balance(&app.main).await, before, "the fee came back");
    let statuses = app
        .store
        .list_events(didhub::domain::events::EventQuery {
            event_type: Some(didhub::domain::events::EventType::SmsStatus),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(statuses.len(), 1);
    let data: serde_json::Value = serde_json::from_str(&statuses[0].data).unwrap();
    assert_eq!(
        (data["STATE"].as_str(), data["REFUNDED"].as_str()),
        (Some("failed"), Some("0.02"))
    );
    assert_eq!(kannel.received().len(), 1, "a refusal is not retried");
    // Nor can the operator send it again unpaid.
    let failed = app.store.list_deliveries(true, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    let refused = app.store.retry_delivery(failed[0].delivery_id).await;
    assert!(
        matches!(&refused, Err(didhub::store::StoreError::Rejected(why)) if why.contains("refunded")),
        "{refused:?}"
    );
    let violations = app.store.audit().await.unwrap();
    assert!(violations.is_empty(), "{violations:?}");
}
