//! Rate limits (`api::rate_limit`): a key past its burst, and an address past its failed
//! authentications, are answered RATE_LIMITED with `Retry-After`, and the refused
//! request changes nothing. Buckets are set small so no test waits for a refill.

use didhub::api::rate_limit::RateLimitSettings;
use didhub::domain::DidType;

use crate::support::{Backend, Reply, ServerSetup, TestApp, request_xml};

on_both_backends!(
    a_key_past_its_burst_is_rate_limited_and_nothing_changes,
    an_address_past_its_failed_authentications_is_refused_everything
);

const ORDER: [(&str, &str); 2] = [("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")];

async fn app_with(backend: Backend, limits: RateLimitSettings) -> TestApp {
    let setup = ServerSetup {
        rate_limits: Some(limits),
        ..ServerSetup::default()
    };
    let app = TestApp::spawn_with(backend, setup).await;
    app.stock("1.212", DidType::Geographic, 20).await;
    app
}

/// POSTs a v3 body; the reply and its `Retry-After` header.
async fn post(app: &TestApp, body: String) -> (Reply, Option<u64>) {
    let response = app
        .client()
        .post(format!("{}/api/v3.asp", app.base_url))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "RATE_LIMITED is an API answer");
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().parse::<u64>().expect("whole seconds"));
    (Reply::parse(&response.text().await.unwrap()), retry_after)
}

async fn a_key_past_its_burst_is_rate_limited_and_nothing_changes(backend: Backend) {
    let app = app_with(
        backend,
        RateLimitSettings {
            per_key_per_second: 1,
            per_key_burst: 3,
            auth_failures_per_minute: 0,
        },
    )
    .await;
    // The bucket refills a token a second: order until it is empty (at most 50 tries).
    let order = request_xml(&app.other.userkey, "DID.ORDER", &ORDER);
    let mut served = 0;
    let (refused, retry_after) = loop {
        let before = app.snapshot().await;
        let (reply, retry_after) = post(&app, order.clone()).await;
        if reply.result == "ERROR" {
            assert_eq!(
                app.snapshot().await,
                before,
                "a refused order changed something"
            );
            break (reply, retry_after);
        }
        assert_eq!(retry_after, None, "only a refusal says when to retry");
        served += 1;
        assert!(served < 50, "the key was never limited");
    };
    refused.assert_error("RATE_LIMITED");
    assert!(served >= 3, "the burst of 3 was not granted: {served}");
    assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
    // Another key has a bucket of its own.
    app.order(&app.main, "1.212", 1).await;
}

async fn an_address_past_its_failed_authentications_is_refused_everything(backend: Backend) {
    let app = app_with(
        backend,
        RateLimitSettings {
            auth_failures_per_minute: 3,
            ..RateLimitSettings::OFF
        },
    )
    .await;
    let mut wrong = ORDER.to_vec();
    wrong.push(("SIGNATURE", "0000000000000000000000000000000000000000"));
    let before = app.snapshot().await;
    for _ in 0..3 {
        let (reply, _) = post(&app, request_xml(&app.main.userkey, "DID.ORDER", &wrong)).await;
        reply.assert_error("SIGNATURE_INVALID");
    }
    let (reply, retry_after) = post(&app, request_xml(&"f".repeat(40), "DID.ORDER", &ORDER)).await;
    reply.assert_error("RATE_LIMITED");
    assert!(retry_after.is_some_and(|s| s >= 1), "{retry_after:?}");
    // Now even a good request from the address waits: guessing cannot go on.
    let signature = app.main.signature.clone().unwrap();
    let mut right = ORDER.to_vec();
    right.push(("SIGNATURE", &signature));
    let (reply, retry_after) =
        post(&app, request_xml(&app.main.userkey, "DID.ORDER", &right)).await;
    reply.assert_error("RATE_LIMITED");
    assert!(retry_after.is_some());
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused request changed something"
    );
}
