//! SMS through the real Kannel (`sms.md`, "What proves it"): Debian's bearerbox and
//! smsbox with the shipped `contrib/kannel/kannel.conf` and fakesmsc as the SMSC, on
//! loopback ports. A message injected at fakesmsc reaches the number's `SMS_URL` with
//! its numbers and text (non-ASCII and `&` included); a message sent with the v1
//! gateway comes out at fakesmsc, is charged once, and its delivery report marks it
//! delivered; an account that cannot pay gets `result=error` and fakesmsc sees nothing.

use didhub::domain::{DidType, Money};

use crate::sms::{messages, set, v1, v1_success, wait_for_state};
use crate::support::kannel::{self, Kannel};
use crate::support::receiver::{Behaviour, Receiver};
use crate::support::{Backend, TestApp, sms_policy};

on_both_backends!(kannel_carries_sms_both_ways);

/// `text` as fakesmsc's `ucs2` message data: UTF-16BE, URL-encoded.
fn ucs2(text: &str) -> String {
    text.encode_utf16()
        .flat_map(u16::to_be_bytes)
        .map(|b| format!("%{b:02X}"))
        .collect()
}

async fn kannel_carries_sms_both_ways(backend: Backend) {
    if !kannel::installed(concat!(module_path!(), "::kannel_carries_sms_both_ways")) {
        return;
    }
    let mut kannel = Kannel::prepare();
    let app = TestApp::spawn_with(backend, sms_policy(Some(&kannel.sendsms_url), None)).await;
    kannel.start(&app.base_url);
    app.stock("1.212", DidType::Geographic, 2).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    let unpaid = app.order(&app.other, "1.212", 1).await.remove(0);
    let balance = app.balance(&app.other).await;
    app.store
        .credit(
            &app.other.account.account_number,
            Money(-balance.minor()),
            "drain",
        )
        .await
        .unwrap();
    let receiver = Receiver::start(Behaviour::Accept).await;
    let template = format!(
        "{}/sms?from=$[from]$&to=$[to]$&text=$[message]$",
        receiver.base()
    );
    set(&app, &number, "SMS_URL", &template).await;

    // Inbound: fakesmsc -> bearerbox -> smsbox -> didhub -> SMS_URL.
    let text = "Grüße & Привет";
    let fake = kannel.fakesmsc(&[&format!("+447700900123 {number} ucs2 {}", ucs2(text))]);
    receiver
        .wait_until("the inbound message", |r| !r.is_empty())
        .await;
    let query = receiver.received()[0].query();
    assert_eq!(query["from"], "447700900123", "{}", kannel.logs());
    assert_eq!(query["to"], number);
    assert_eq!(query["text"], text);

    // An account that cannot pay: an error line, nothing queued.
    let body = v1(
        &app,
        &app.other,
        &[
            ("from", &unpaid),
            ("destination", "447700900123"),
            ("message", "unpaid"),
        ],
    )
    .await;
    assert!(
        body.starts_with("result=error^error=INSUFFICIENT_FUNDS: "),
        "{body}"
    );

    // Outbound: v1 -> didhub -> sendsms -> bearerbox -> fakesmsc, and the reports back.
    let before = app.balance(&app.main).await;
    let fields = v1_success(
        &v1(
            &app,
            &app.main,
            &[
                ("from", &number),
                ("destination", "+447700900123"),
                ("message", "Grüße & €"),
            ],
        )
        .await,
    );
    assert_eq!(
        (fields["parts"].as_str(), fields["fee"].as_str()),
        ("1", "0.01")
    );
    let smsid: i64 = fields["smsid"].parse().unwrap();
    let got = fake.wait_for(1, &kannel).await;
    assert_eq!(got, vec![format!("{number} 447700900123 text Grüße & €")]);
    let delivered = wait_for_state(&app, smsid, "delivered").await;
    assert_eq!(delivered.fee, "0.01");
    assert_eq!(
        app.balance(&app.main).await,
        Money(before.minor() - 1),
        "charged once"
    );
    // Only the paid message ever reached the SMSC, and only main's is listed as sent.
    assert_eq!(fake.received().len(), 1);
    let sent: Vec<_> = messages(&app)
        .await
        .into_iter()
        .filter(|m| m.direction == "out")
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
}
