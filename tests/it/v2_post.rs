//! `POST /api/v2.asp` (§1): the XML REQUEST document served exactly as v3, and the v2 keys
//! as a form, alone or with more keys in the query string; conflicts and oversized input
//! are MALFORMED_REQUEST in the XML envelope, and change nothing.

use didhub::domain::DidType;

use crate::support::{Backend, TestApp, percent_encode, request_xml};

on_both_backends!(
    an_xml_document_posted_to_v2_is_served_as_v3,
    a_form_posted_to_v2_is_served_as_the_query,
    a_form_and_its_query_string_are_read_together,
    conflicting_or_oversized_v2_input_is_refused_in_the_envelope,
    a_query_longer_than_the_http_layer_reads_is_malformed_request_in_the_envelope
);

const FORM: &str = "application/x-www-form-urlencoded";

async fn app_with_stock(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    app
}

fn order_xml(app: &TestApp) -> String {
    request_xml(
        &app.main.userkey,
        "DID.ORDER",
        &[
            ("SIGNATURE", app.main.signature.as_deref().unwrap()),
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", "1.212"),
            ("TITLE", "posted to v2"),
        ],
    )
}

async fn an_xml_document_posted_to_v2_is_served_as_v3(backend: Backend) {
    let app = app_with_stock(backend).await;
    // With an XML type, with a form type (some clients send that), and with none.
    for content_type in [Some("text/xml"), Some(FORM), None] {
        let reply = app
            .post_for_reply("/api/v2.asp", content_type, order_xml(&app))
            .await;
        reply.assert_success();
        assert_eq!(
            reply.did_attr("TITLE"),
            ["posted to v2"],
            "{content_type:?}"
        );
    }
    // The same document answers the same on v3 (the numbers differ: the next one is sold).
    let v2 = app
        .post_for_reply("/api/v2.asp", Some("application/xml"), order_xml(&app))
        .await;
    let v3 = app.v3(order_xml(&app)).await;
    let shape = |raw: &str, e164: &str| raw.replace(e164, "E164");
    assert_eq!(
        shape(&v2.raw, &v2.did_attr("E164")[0]),
        shape(&v3.raw, &v3.did_attr("E164")[0])
    );
    // A broken document is the v3 error, in the envelope.
    let before = app.snapshot().await;
    let reply = app
        .post_for_reply("/api/v2.asp", Some("text/xml"), "<REQUEST><USERTOKEN>")
        .await;
    reply.assert_error("MALFORMED_REQUEST");
    assert_eq!(app.snapshot().await, before);
}

async fn a_form_posted_to_v2_is_served_as_the_query(backend: Backend) {
    let app = app_with_stock(backend).await;
    let form = format!(
        "USERKEY={}&action=DID.ORDER&param[SIGNATURE]={}&param[DID_TYPE]=GEOGRAPHIC\
         &param[AREA_ID]=1.212&param[TITLE]={}",
        app.main.userkey,
        app.main.signature.as_deref().unwrap(),
        percent_encode("a form & more")
    );
    let reply = app.post_for_reply("/api/v2.asp", Some(FORM), form).await;
    reply.assert_success();
    assert_eq!(reply.did_attr("TITLE"), ["a form & more"]);
    assert_eq!(app.store.counts().await.unwrap().orders, 1);
}

async fn a_form_and_its_query_string_are_read_together(backend: Backend) {
    let app = app_with_stock(backend).await;
    let path = format!(
        "/api/v2.asp?action=DID.LIST&userkey={}&param[SIGNATURE]={}",
        app.main.userkey,
        app.main.signature.as_deref().unwrap()
    );
    app.order(&app.main, "1.212", 2).await;
    // The form repeats one key with the same value and adds one.
    let form = format!("userkey={}&param[LIMIT]=1", app.main.userkey);
    let reply = app.post_for_reply(&path, Some(FORM), form).await;
    reply.assert_success();
    assert_eq!(reply.dids.len(), 1, "LIMIT came from the form");
    assert_eq!(reply.value("TOTAL"), Some("2"));
}

async fn conflicting_or_oversized_v2_input_is_refused_in_the_envelope(backend: Backend) {
    let app = app_with_stock(backend).await;
    let before = app.snapshot().await;
    let order = format!(
        "action=DID.ORDER&userkey={}&param[SIGNATURE]={}&param[DID_TYPE]=GEOGRAPHIC\
         &param[AREA_ID]=1.212",
        app.main.userkey,
        app.main.signature.as_deref().unwrap()
    );
    let conflicting = app
        .post_for_reply(
            &format!("/api/v2.asp?{order}&param[QUANTITY]=1"),
            Some(FORM),
            "param[QUANTITY]=2",
        )
        .await;
    conflicting.assert_error("MALFORMED_REQUEST");
    assert!(
        conflicting
            .error_message
            .as_deref()
            .unwrap()
            .contains("different values"),
        "{}",
        conflicting.raw
    );
    let padding = "x".repeat(70 * 1024);
    let oversized_form = app
        .post_for_reply(
            "/api/v2.asp",
            Some(FORM),
            format!("{order}&param[TITLE]={padding}"),
        )
        .await;
    oversized_form.assert_error("MALFORMED_REQUEST");
    let oversized_xml = app
        .post_for_reply(
            "/api/v2.asp",
            Some("text/xml"),
            format!("<REQUEST>{padding}</REQUEST>"),
        )
        .await;
    oversized_xml.assert_error("MALFORMED_REQUEST");
    let invalid_utf8 = app
        .raw(
            reqwest::Method::POST,
            "/api/v2.asp",
            Some(FORM),
            b"action=DID.LIST&userkey=\xff".to_vec(),
        )
        .await;
    assert_eq!(invalid_utf8.status, 200);
    assert_eq!(
        invalid_utf8.error_code.as_deref(),
        Some("MALFORMED_REQUEST")
    );
    assert_eq!(app.snapshot().await, before, "nothing was bought");
}

async fn a_query_longer_than_the_http_layer_reads_is_malformed_request_in_the_envelope(
    backend: Backend,
) {
    let app = app_with_stock(backend).await;
    let before = app.snapshot().await;
    let padding = "x".repeat(70 * 1024);
    // No HTTP client builds such a URL (the same 65,534-byte limit), so it goes raw.
    let target = format!(
        "/api/v2.asp?userkey={}&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC\
         &param[AREA_ID]=1.212&param[TITLE]={padding}",
        app.other.userkey
    );
    let answer = raw_get(&app, &target).await;
    let (head, body) = answer.split_once("\r\n\r\n").expect("a whole answer");
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.contains("content-type: application/xml; charset=UTF-8"),
        "{head}"
    );
    assert!(
        head.contains("x-didhub-error-code: MALFORMED_REQUEST"),
        "{head}"
    );
    crate::support::Reply::parse(body).assert_error("MALFORMED_REQUEST");
    // The v1 gateway answers in its own form.
    let answer = raw_get(
        &app,
        &format!("/api/v1.asp?apikey=k&action=sms&message={padding}"),
    )
    .await;
    let body = answer.split_once("\r\n\r\n").expect("a whole answer").1;
    assert!(
        body.starts_with("result=error^error=MALFORMED_REQUEST: "),
        "{body}"
    );
    assert_eq!(app.snapshot().await, before);
    // The server goes on serving.
    app.v2_as(&app.other, "DID.LIST", &[])
        .await
        .assert_success();
}

/// A GET of `target` written straight to the socket; the whole answer as text.
async fn raw_get(app: &TestApp, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nhost: {address}\r\n\r\n");
    // The server may answer (and stop reading) before the whole line is sent.
    let _ = stream.write_all(request.as_bytes()).await;
    let _ = stream.shutdown().await;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8(answer).unwrap()
}
