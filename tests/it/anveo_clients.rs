//! didhub read the way public Anveo client code reads it (issue: "real Anveo client code
//! must work unchanged"): regular expressions over the raw text for `RESULT`, `ERROR` and
//! each `<DID .../>` element (a TypeScript provisioning service), a PHP portal that sends
//! `USERKEY=` upper case with values it never URL-encodes and turns every element with
//! attributes into a row (`xml_parse_into_struct`), and the plans those clients order.
//! Nothing here uses didhub's own reply parser.

use std::collections::BTreeMap;

use didhub::domain::DidType;
use quick_xml::Reader;
use quick_xml::events::Event;
use regex::Regex;

use crate::support::{Backend, TestApp, request_xml};

on_both_backends!(
    a_regex_client_sees_every_error,
    a_regex_client_reads_every_did_attribute,
    a_php_portal_sees_no_row_on_an_error_and_one_per_did,
    unencoded_values_and_an_upper_case_userkey_work
);

/// `/<RESULT>(.*?)<\/RESULT>/` and `/<ERROR>(.*?)<\/ERROR>/`, as the clients write them.
fn result_and_error(raw: &str) -> (Option<String>, Option<String>) {
    let first = |pattern: &str| {
        Regex::new(pattern)
            .unwrap()
            .captures(raw)
            .map(|c| c[1].to_owned())
    };
    (
        first(r"<RESULT>(.*?)</RESULT>"),
        first(r"<ERROR>(.*?)</ERROR>"),
    )
}

/// Every `<DID .../>` element's attributes, read with regular expressions.
fn did_elements(raw: &str) -> Vec<BTreeMap<String, String>> {
    let element = Regex::new(r"<DID ([^>]*)/>").unwrap();
    let attribute = Regex::new(r#"([A-Z0-9_]+)="([^"]*)""#).unwrap();
    element
        .captures_iter(raw)
        .map(|did| {
            attribute
                .captures_iter(&did[1])
                .map(|a| (a[1].to_owned(), a[2].to_owned()))
                .collect()
        })
        .collect()
}

/// What PHP's `xml_parse_into_struct` walk of a portal makes of a document: one row per
/// element that has attributes, named by its tag.
fn php_rows(raw: &str) -> Vec<(String, usize)> {
    let mut reader = Reader::from_str(raw);
    let mut rows = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attributes = e.attributes().count();
                if attributes > 0 {
                    let name = e.name().as_ref().to_owned();
                    rows.push((name, attributes));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    rows
}

async fn post_v3(
    app: &TestApp,
    who_key: &str,
    signature: Option<&str>,
    action: &str,
    params: &[(&str, &str)],
) -> String {
    let mut all: Vec<(&str, &str)> = signature.map(|s| ("SIGNATURE", s)).into_iter().collect();
    all.extend_from_slice(params);
    app.raw(
        reqwest::Method::POST,
        "/api/v3.asp",
        Some("text/xml"),
        request_xml(who_key, action, &all),
    )
    .await
    .body
}

async fn a_regex_client_sees_every_error(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let key = app.other.userkey.clone();
    let failures = [
        (
            "DID.ORDER",
            vec![("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "9.999")],
            "AREA_NOT_FOUND",
        ),
        (
            "DID.ORDER",
            vec![
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "5"),
            ],
            "NOT_ENOUGH_STOCK",
        ),
        ("DID.CANCEL", vec![("E164", "12125550100")], "DID_NOT_FOUND"),
        (
            "DID.UPDATE",
            vec![("CALL_FORWARD_TYPE", "PIGEON"), ("CALL_FORWARD_TO", "x")],
            "INVALID_PARAMETER",
        ),
        (
            "DID.UPDATE",
            vec![("CHANNELS_LIMIT", "-2")],
            "INVALID_PARAMETER",
        ),
        ("DID.DIAL", vec![], "UNKNOWN_ACTION"),
    ];
    for (action, params, code) in failures {
        let raw = post_v3(&app, &key, None, action, &params).await;
        let (result, error) = result_and_error(&raw);
        assert_eq!(result.as_deref(), Some("ERROR"), "{action}: {raw}");
        let error = error.unwrap_or_else(|| panic!("{action}: no <ERROR>text</ERROR> in {raw}"));
        assert!(error.starts_with(&format!("{code}: ")), "{action}: {error}");
        assert!(did_elements(&raw).is_empty(), "{action}: {raw}");
    }
    // A wrong key, too, and over v2.
    let raw = app
        .raw(
            reqwest::Method::GET,
            "/api/v2.asp?userkey=nope&action=DID.LIST",
            None,
            "",
        )
        .await
        .body;
    let (result, error) = result_and_error(&raw);
    assert_eq!(result.as_deref(), Some("ERROR"));
    assert!(error.unwrap().starts_with("AUTH_FAILED: "));
    // And a success has no ERROR at all.
    let raw = post_v3(&app, &key, None, "ACCOUNT.GETBALANCE", &[]).await;
    let (result, error) = result_and_error(&raw);
    assert_eq!(error, None);
    let balance: f64 = result
        .unwrap()
        .parse()
        .expect("a balance a client can parse");
    assert_eq!(balance, 1000.0);
}

async fn a_regex_client_reads_every_did_attribute(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    // The TypeScript service orders with Anveo Direct's plan.
    let raw = post_v3(
        &app,
        &app.other.userkey,
        None,
        "DID.ORDER",
        &[
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", "1.212"),
            ("RATE_PLAN_ID", "DIRECTVALUE"),
            ("QUANTITY", "2"),
        ],
    )
    .await;
    assert_eq!(
        result_and_error(&raw),
        (Some("SUCCESS".into()), None),
        "{raw}"
    );
    let dids = did_elements(&raw);
    assert_eq!(dids.len(), 2, "{raw}");
    for did in &dids {
        assert_eq!(did["RATE_PLAN_ID"], "DIRECTVALUE");
        assert_eq!(did["STATUS"], "Active");
        assert_eq!(did["ORDER_DATE"], "2026-01-01 00:00:00");
        assert_eq!(did["E164"].len(), 11);
        assert_eq!(
            did["PAID_UNTIL"], "2026-02-01",
            "the order paid the first month"
        );
        for name in ["CHANNELS_LIMIT", "CHANNELS_ONDEMAND", "TITLE"] {
            assert_eq!(did[name], "", "{name}");
        }
        assert_eq!(did.len(), 18);
    }
    // It then sets the channels it sells and reads them back.
    let raw = post_v3(
        &app,
        &app.other.userkey,
        None,
        "DID.UPDATE",
        &[
            ("FILTER.E164", &dids[0]["E164"]),
            ("CHANNELS_LIMIT", "2"),
            ("CHANNELS_ONDEMAND", "3"),
        ],
    )
    .await;
    assert_eq!(result_and_error(&raw).1, None, "{raw}");
    let updated = did_elements(&raw);
    assert_eq!(
        (
            updated[0]["CHANNELS_LIMIT"].as_str(),
            updated[0]["CHANNELS_ONDEMAND"].as_str()
        ),
        ("2", "3")
    );
}

async fn a_php_portal_sees_no_row_on_an_error_and_one_per_did(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let key = &app.other.userkey;
    let get = |query: String| {
        let app = &app;
        async move {
            app.raw(
                reqwest::Method::GET,
                &format!("/api/v2.asp?{query}"),
                None,
                "",
            )
            .await
            .body
        }
    };
    let failed = get(format!(
        "USERKEY={key}&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[AREA_ID]=1.999"
    ))
    .await;
    assert_eq!(php_rows(&failed), [], "{failed}");
    let ordered = get(format!("USERKEY={key}&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[AREA_ID]=1.212&param[QUANTITY]=3")).await;
    assert_eq!(
        php_rows(&ordered),
        vec![("DID".to_owned(), 18); 3],
        "{ordered}"
    );
    let listed = get(format!("USERKEY={key}&action=DID.LIST")).await;
    let rows = php_rows(&listed);
    assert_eq!(
        rows.iter().filter(|(n, _)| n == "DID").count(),
        3,
        "{listed}"
    );
    assert!(
        rows.iter().all(|(n, _)| n == "DID" || n == "VALUE"),
        "{rows:?}"
    );
}

async fn unencoded_values_and_an_upper_case_userkey_work(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let key = &app.other.userkey;
    // A PHP portal concatenates values into the query string without urlencode().
    let order = format!(
        "/api/v2.asp?USERKEY={key}&ACTION=DID.ORDER&param[DID_TYPE]=geographic\
         &param[AREA_ID]=1.212.&param[TITLE]=Front:Desk/1@HQ(main);100%"
    );
    let raw = app.raw(reqwest::Method::GET, &order, None, "").await.body;
    assert_eq!(
        result_and_error(&raw),
        (Some("SUCCESS".into()), None),
        "{raw}"
    );
    let did = &did_elements(&raw)[0];
    assert_eq!(did["TITLE"], "Front:Desk/1@HQ(main);100%");
    assert_eq!(did["DID_TYPE"], "GEOGRAPHIC");
    let update = format!(
        "/api/v2.asp?USERKEY={key}&action=DID.UPDATE&param[FILTER.E164]={}\
         &param[SMS_URL]=https://hooks.example.com/sms/$[from]$/$[to]$?text=$[message]$",
        did["E164"]
    );
    let raw = app.raw(reqwest::Method::GET, &update, None, "").await.body;
    assert_eq!(result_and_error(&raw).1, None, "{raw}");
    assert_eq!(
        did_elements(&raw)[0]["SMS_URL"],
        "https://hooks.example.com/sms/$[from]$/$[to]$?text=$[message]$"
    );
}
