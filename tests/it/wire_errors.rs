//! Authentication and hostile or malformed requests (`anveo-api.md` §1–§2): each gets an
//! error response with its code, and nothing is written.

use didhub::domain::DidType;

use crate::support::{Backend, TestApp, request_xml};

on_both_backends!(
    keys_and_signatures_are_checked,
    hostile_and_malformed_xml_is_rejected_without_effect,
    unknown_actions_are_refused,
    malformed_query_strings_are_rejected,
    health_answers_without_the_api
);

const ORDER: [(&str, &str); 2] = [("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")];

async fn app_with_stock(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    app
}

async fn keys_and_signatures_are_checked(backend: Backend) {
    let app = app_with_stock(backend).await;
    let signature = app.main.signature.clone().unwrap();
    let wrong_signature = "0".repeat(40);
    let before = app.snapshot().await;
    let with_sig = |sig: &str| {
        let mut params = ORDER.to_vec();
        params.push(("SIGNATURE", sig));
        params
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect::<Vec<_>>()
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown key",
            request_xml(&"a".repeat(40), "DID.ORDER", &ORDER),
            "AUTH_FAILED",
        ),
        (
            "empty key",
            request_xml("", "DID.ORDER", &ORDER),
            "AUTH_FAILED",
        ),
        (
            "no signature",
            request_xml(&app.main.userkey, "DID.ORDER", &ORDER),
            "SIGNATURE_INVALID",
        ),
        (
            "wrong signature",
            xml_of(&app.main.userkey, &with_sig(&wrong_signature)),
            "SIGNATURE_INVALID",
        ),
        (
            "truncated signature",
            xml_of(&app.main.userkey, &with_sig(&signature[..39])),
            "SIGNATURE_INVALID",
        ),
    ];
    for (what, body, code) in cases {
        let reply = app.v3(body).await;
        assert_eq!(reply.code(), code, "{what}:\n{}", reply.raw);
        reply.assert_error(code);
        assert_eq!(app.snapshot().await, before, "{what} changed something");
    }
    // Hex case does not matter.
    app.v3(xml_of(
        &app.main.userkey,
        &with_sig(&signature.to_uppercase()),
    ))
    .await
    .assert_success();
    // An account without a secure phrase ignores SIGNATURE.
    app.v3(xml_of(&app.other.userkey, &with_sig(&wrong_signature)))
        .await
        .assert_success();
}

fn xml_of(userkey: &str, params: &[(String, String)]) -> String {
    let refs: Vec<(&str, &str)> = params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    request_xml(userkey, "DID.ORDER", &refs)
}

async fn hostile_and_malformed_xml_is_rejected_without_effect(backend: Backend) {
    let app = app_with_stock(backend).await;
    let key = app.other.userkey.clone();
    let valid = request_xml(&key, "DID.ORDER", &ORDER);
    let order_body = "<ACTION NAME=\"DID.ORDER\"><PARAMETER NAME=\"DID_TYPE\">GEOGRAPHIC</PARAMETER>\
                      <PARAMETER NAME=\"AREA_ID\">1.212</PARAMETER></ACTION>";
    let token = format!("<USERTOKEN><USERKEY>{key}</USERKEY></USERTOKEN>");
    let huge_title = "x".repeat(70 * 1024);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not XML", b"hello".to_vec()),
        ("empty body", Vec::new()),
        ("unclosed", format!("<REQUEST>{token}{order_body}").into_bytes()),
        (
            "billion laughs",
            format!(
                "<?xml version=\"1.0\"?><!DOCTYPE REQUEST [<!ENTITY lol \"lol\">\
                 <!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><REQUEST>{token}{order_body}</REQUEST>"
            )
            .into_bytes(),
        ),
        (
            "external entity",
            format!(
                "<!DOCTYPE REQUEST [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
                 <REQUEST>{token}<ACTION NAME=\"DID.ORDER\"><PARAMETER NAME=\"TITLE\">&xxe;</PARAMETER>\
                 </ACTION></REQUEST>"
            )
            .into_bytes(),
        ),
        (
            "undeclared entity",
            valid.replace("GEOGRAPHIC", "&geo;").into_bytes(),
        ),
        ("over 64 KiB", request_xml(&key, "DID.ORDER", &[("TITLE", &huge_title)]).into_bytes()),
        ("lower-case root", valid.replace("REQUEST>", "request>").into_bytes()),
        ("wrong root", valid.replace("REQUEST>", "ORDER>").into_bytes()),
        ("mixed-case PARAMETER", valid.replace("PARAMETER", "Parameter").into_bytes()),
        ("no ACTION", format!("<REQUEST>{token}</REQUEST>").into_bytes()),
        ("no USERTOKEN", format!("<REQUEST>{order_body}</REQUEST>").into_bytes()),
        ("two ACTIONs", format!("<REQUEST>{token}{order_body}{order_body}</REQUEST>").into_bytes()),
        ("invalid UTF-8", {
            let mut body = valid.clone().into_bytes();
            let at = body.len() - 30;
            body.insert(at, 0xFF);
            body
        }),
    ];
    let before = app.snapshot().await;
    for (what, body) in cases {
        let reply = app.v3(body).await;
        assert_eq!(reply.code(), "MALFORMED_REQUEST", "{what}:\n{}", reply.raw);
        reply.assert_error("MALFORMED_REQUEST");
        assert!(!reply.raw.contains("root:"), "{what}: nothing was expanded");
        assert_eq!(app.snapshot().await, before, "{what} changed something");
    }
    app.v3(valid).await.assert_success();
}

async fn unknown_actions_are_refused(backend: Backend) {
    let app = app_with_stock(backend).await;
    let before = app.snapshot().await;
    for action in ["DID.TELEPORT", "did.order", "", "DIAL.CALL"] {
        let reply = app.v3_as(&app.other, action, &ORDER).await;
        let code = if action.is_empty() {
            "MALFORMED_REQUEST"
        } else {
            "UNKNOWN_ACTION"
        };
        assert_eq!(reply.code(), code, "{action}:\n{}", reply.raw);
        reply.assert_error(code);
    }
    assert_eq!(app.snapshot().await, before);
}

async fn malformed_query_strings_are_rejected(backend: Backend) {
    let app = app_with_stock(backend).await;
    let key = app.other.userkey.clone();
    let cases = [
        (
            "no action",
            format!("userkey={key}&param[DID_TYPE]=GEOGRAPHIC"),
        ),
        (
            "invalid UTF-8",
            format!("userkey={key}&action=DID.ORDER&param[TITLE]=%FF"),
        ),
        (
            "broken param key",
            format!("userkey={key}&action=DID.ORDER&param[DID_TYPE=X"),
        ),
        (
            "duplicate param",
            format!("userkey={key}&action=DID.ORDER&param[QUANTITY]=1&param[QUANTITY]=2"),
        ),
    ];
    let before = app.snapshot().await;
    for (what, query) in cases {
        let reply = app.v2(&query).await;
        assert_eq!(reply.code(), "MALFORMED_REQUEST", "{what}:\n{}", reply.raw);
        assert_eq!(app.snapshot().await, before, "{what} changed something");
    }
    let reply = app.v2("action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC").await;
    reply.assert_error("AUTH_FAILED");
    // Upper-case USERKEY/ACTION keys, as real clients send them, work.
    let ok =
        format!("USERKEY={key}&ACTION=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[AREA_ID]=1.212");
    app.v2(&ok).await.assert_success();
}

async fn health_answers_without_the_api(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = reqwest::get(format!("{}/health", app.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body.trim(), "OK");
}
