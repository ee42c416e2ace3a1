//! `/api/v1.asp`, Anveo's plain-text SMS gateway (`sms.md`): every answer is HTTP 200
//! `text/plain` in `result=error^error=...` form, never a 404 or an empty body (which
//! public clients read as a sent message), and a failed call changes nothing.

use didhub::domain::DidType;

use crate::support::{Backend, RawAnswer, TestApp};

on_both_backends!(
    every_v1_failure_is_a_plain_text_error_line,
    v1_checks_the_key_and_signature_like_the_xml_api,
    v1_accepts_a_form_post_and_keys_in_any_case
);

const SMS: &str = "action=sms&from=12125550100&destination=12125550111&message=Hello+there";

/// Asserts the v1 error form with this code, and returns the error text after the code.
#[track_caller]
fn assert_v1_error(answer: &RawAnswer, code: &str) -> String {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(
        answer.content_type, "text/plain; charset=UTF-8",
        "{answer:?}"
    );
    assert_eq!(answer.error_code.as_deref(), Some(code), "{answer:?}");
    let text = answer
        .body
        .strip_prefix("result=error^error=")
        .unwrap_or_else(|| panic!("not a v1 error line: {answer:?}"));
    assert!(!text.contains('^') && !text.contains('\n'), "{answer:?}");
    let message = text
        .strip_prefix(&format!("{code}: "))
        .unwrap_or_else(|| panic!("the text does not start with {code}: {answer:?}"));
    assert!(!message.is_empty(), "{answer:?}");
    message.to_owned()
}

async fn get(app: &TestApp, query: &str) -> RawAnswer {
    app.raw(
        reqwest::Method::GET,
        &format!("/api/v1.asp?{query}"),
        None,
        "",
    )
    .await
}

async fn every_v1_failure_is_a_plain_text_error_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let before = app.snapshot().await;
    let other = &app.other.userkey;
    let cases = [
        (String::new(), "AUTH_FAILED"),
        (format!("apikey={}&{SMS}", "f".repeat(40)), "AUTH_FAILED"),
        (SMS.to_owned(), "AUTH_FAILED"),
        (format!("apikey={other}"), "UNKNOWN_ACTION"),
        (format!("apikey={other}&action=fax"), "UNKNOWN_ACTION"),
        (format!("apikey={other}&{SMS}"), "SMS_NOT_CONFIGURED"),
        (
            format!("apikey={other}&action=sms&message=%FF"),
            "MALFORMED_REQUEST",
        ),
    ];
    for (query, code) in cases {
        let message = assert_v1_error(&get(&app, &query).await, code);
        if code == "SMS_NOT_CONFIGURED" {
            assert!(message.contains("not configured"), "{message}");
        }
    }
    assert_eq!(app.snapshot().await, before);
}

async fn v1_checks_the_key_and_signature_like_the_xml_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let main = &app.main.userkey;
    let signature = app.main.signature.as_deref().unwrap();
    assert_v1_error(
        &get(&app, &format!("apikey={main}&{SMS}")).await,
        "SIGNATURE_INVALID",
    );
    assert_v1_error(
        &get(
            &app,
            &format!("apikey={main}&signature={}&{SMS}", "0".repeat(40)),
        )
        .await,
        "SIGNATURE_INVALID",
    );
    // With its signature the caller is known; only the missing gateway is left.
    assert_v1_error(
        &get(&app, &format!("apikey={main}&signature={signature}&{SMS}")).await,
        "SMS_NOT_CONFIGURED",
    );
}

async fn v1_accepts_a_form_post_and_keys_in_any_case(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = format!(
        "APIKEY={}&Action=SMS&from=12125550100&message=hi",
        app.other.userkey
    );
    let answer = app
        .raw(
            reqwest::Method::POST,
            "/api/v1.asp",
            Some("application/x-www-form-urlencoded"),
            form,
        )
        .await;
    assert_v1_error(&answer, "SMS_NOT_CONFIGURED");
    // A key in the query string and in the form with different values is refused.
    let answer = app
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1.asp?apikey={}", app.other.userkey),
            Some("application/x-www-form-urlencoded"),
            format!("apikey={}&action=sms", app.main.userkey),
        )
        .await;
    assert_v1_error(&answer, "MALFORMED_REQUEST");
}
