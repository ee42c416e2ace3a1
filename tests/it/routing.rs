//! Routing (`shared/spec/routing.md`): every CALL_FORWARD_TYPE through the lookup, every
//! state, each endpoint's format over HTTP, the routing tokens, and the memory of
//! lookups being forgotten at every change to a number.

use std::time::Duration;

use didhub::api::ApiPolicy;
use didhub::domain::credentials::secret_hash;
use didhub::domain::routing_lookup::RoutingSettings;
use didhub::domain::routing_lookup::tokens::generate_token;
use serde_json::Value;

use crate::support::{Backend, START, TestApp, test_policy};

on_both_backends!(
    every_call_forward_type_routes_as_the_spec_maps_it,
    only_active_numbers_route_and_suspended_ones_are_rejected,
    a_change_to_a_number_is_seen_by_the_next_lookup,
    a_suspension_made_behind_the_servers_back_is_seen_within_a_second,
    tokens_are_accepted_three_ways_and_nothing_else_is,
    a_revoked_token_stops_working,
    kamailio_answers_rtjson_for_each_way_of_naming_the_number,
    freeswitch_answers_the_dialplan_of_the_requested_context,
    asterisk_answers_dial_strings,
    answers_carry_cache_control,
);

/// The routing settings of these tests.
pub fn routing_settings() -> RoutingSettings {
    RoutingSettings {
        pstn_gateway: Some("gw.example.net:5070".into()),
        registrar: Some("reg.example.net".into()),
        trunks: RoutingSettings::parse_trunks(
            "east=sip:t1@trunk1.example.net,t2@trunk2.example.net",
        )
        .unwrap(),
        ring_timeout_secs: 20,
        ..RoutingSettings::default()
    }
}

pub fn routing_policy() -> ApiPolicy {
    ApiPolicy {
        routing: routing_settings(),
        ..test_policy()
    }
}

/// A new routing token stored under `name`.
pub async fn routing_token(app: &TestApp, name: &str) -> String {
    let token = generate_token();
    app.store
        .create_routing_token(name, &secret_hash(&token), START)
        .await
        .unwrap();
    token
}

/// An app holding `count` numbers of the main account, and a routing token.
async fn routing_app(backend: Backend, count: u32) -> (TestApp, Vec<String>, String) {
    let app = TestApp::spawn_with(backend, routing_policy()).await;
    app.stock("1.212", didhub::domain::DidType::Geographic, count as usize)
        .await;
    let numbers = app.order(&app.main, "1.212", count).await;
    let token = routing_token(&app, "switch").await;
    (app, numbers, token)
}

async fn set_forward(app: &TestApp, e164: &str, kind: &str, to: &str) {
    app.main_v3(
        "DID.UPDATE",
        &[
            ("FILTER.E164", e164),
            ("CALL_FORWARD_TYPE", kind),
            ("CALL_FORWARD_TO", to),
        ],
    )
    .await
    .assert_success();
}

/// `GET /route/{e164}` with the token as a bearer: status and JSON.
async fn route(app: &TestApp, token: &str, number: &str) -> (u16, Value) {
    let response = app
        .client()
        .get(format!("{}/route/{number}", app.base_url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        serde_json::from_str(&response.text().await.unwrap()).unwrap(),
    )
}

fn uris(answer: &Value) -> Vec<String> {
    answer["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap().to_owned())
        .collect()
}

/// Asks until `done` holds (a change made elsewhere is seen within a second).
async fn eventually(
    app: &TestApp,
    token: &str,
    number: &str,
    done: impl Fn(u16, &Value) -> bool,
) -> (u16, Value) {
    let mut last = None;
    for _ in 0..100 {
        let (status, answer) = route(app, token, number).await;
        if done(status, &answer) {
            return (status, answer);
        }
        last = Some((status, answer));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the lookup never changed: {last:?}");
}

async fn every_call_forward_type_routes_as_the_spec_maps_it(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    let n = &numbers[0];
    let account = app.main.account.account_number.as_str();
    let cases: [(&str, &str, Vec<String>, Option<&str>); 7] = [
        (
            "SIP_URI",
            "$[E164]$@pbx.example.com:5060,backup@10.1.2.3",
            vec![
                format!("sip:{n}@pbx.example.com:5060"),
                "sip:backup@10.1.2.3".into(),
            ],
            None,
        ),
        (
            "PHONE",
            "442079460123",
            vec!["sip:442079460123@gw.example.net:5070".into()],
            None,
        ),
        (
            "SIP_REGISTERED",
            "ACCOUNT",
            vec![format!("sip:{account}@reg.example.net")],
            None,
        ),
        (
            "SIP_REGISTERED",
            "E164",
            vec![format!("sip:{n}@reg.example.net")],
            None,
        ),
        (
            "TRUNK",
            "east",
            vec![
                "sip:t1@trunk1.example.net".into(),
                "sip:t2@trunk2.example.net".into(),
            ],
            None,
        ),
        ("TRUNK", "west", vec![], Some("unknown_trunk")),
        ("CALLFLOW", "flow1", vec![], Some("callflow_unsupported")),
    ];
    for (kind, to, expected, reason) in cases {
        set_forward(&app, n, kind, to).await;
        let (status, answer) = route(&app, &token, n).await;
        assert_eq!(status, 200, "{kind} {to}: {answer}");
        assert_eq!(uris(&answer), expected, "{kind} {to}");
        assert_eq!(answer["reason"].as_str(), reason, "{kind} {to}");
        assert_eq!(answer["routable"], reason.is_none(), "{kind} {to}");
        assert_eq!(answer["status"], "Active");
        assert_eq!(answer["account_number"], account);
        assert_eq!(answer["did"].as_str(), Some(n.as_str()));
        for r in answer["routes"].as_array().unwrap() {
            assert_eq!(r["timeout_ms"], 20_000);
        }
    }
    // PHONE and SIP_REGISTERED without their settings.
    let bare = TestApp::spawn(backend).await;
    bare.stock("1.212", didhub::domain::DidType::Geographic, 2)
        .await;
    let held = bare.order(&bare.main, "1.212", 2).await;
    let token = routing_token(&bare, "bare").await;
    set_forward(&bare, &held[0], "PHONE", "442079460123").await;
    set_forward(&bare, &held[1], "SIP_REGISTERED", "E164").await;
    assert_eq!(
        route(&bare, &token, &held[0]).await.1["reason"],
        "no_pstn_gateway"
    );
    assert_eq!(
        route(&bare, &token, &held[1]).await.1["reason"],
        "no_registrar"
    );
}

async fn only_active_numbers_route_and_suspended_ones_are_rejected(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 3).await;
    for n in &numbers {
        set_forward(&app, n, "SIP_URI", "a@pbx.example.com").await;
    }
    app.main_v3(
        "DID.UPDATE",
        &[("FILTER.E164", &numbers[0]), ("CHANNELS_LIMIT", "2")],
    )
    .await
    .assert_success();
    let (status, active) = route(&app, &token, &numbers[0]).await;
    assert_eq!((status, active["routable"].as_bool()), (200, Some(true)));
    assert_eq!(active["channels_limit"], 2);
    assert_eq!(
        route(&app, &token, &numbers[1]).await.1["channels_limit"],
        Value::Null
    );

    // Suspended: set as billing sets it.
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{}'",
        numbers[1]
    ));
    let (status, suspended) =
        eventually(&app, &token, &numbers[1], |_, a| a["status"] == "Suspended").await;
    assert_eq!(status, 200);
    assert_eq!(suspended["reason"], "suspended");
    assert_eq!(suspended["routable"], false);
    assert_eq!(suspended["routes"], serde_json::json!([]));

    // Canceled (aging): not found.
    app.main_v3("DID.CANCEL", &[("E164", &numbers[2])])
        .await
        .assert_success();
    let (status, canceled) = route(&app, &token, &numbers[2]).await;
    assert_eq!(status, 404);
    assert_eq!(canceled["reason"], "not_found");
    assert_eq!(canceled["routable"], false);
    assert_eq!(canceled["status"], Value::Null);
    assert_eq!(canceled["account_number"], Value::Null);

    // In stock, unknown, not a number: not found.
    let stock = app
        .stock("1.212", didhub::domain::DidType::Geographic, 1)
        .await;
    assert_eq!(route(&app, &token, stock[0].as_str()).await.0, 404);
    assert_eq!(route(&app, &token, "19995550000").await.0, 404);
    let (status, junk) = route(&app, &token, "alice").await;
    assert_eq!((status, junk["reason"].as_str()), (404, Some("not_found")));

    // Released after aging: still not found.
    app.clock.advance(91 * 86_400);
    eventually(&app, &token, &numbers[2], |status, _| status == 404).await;
    // The number's forms: +E164 and inside a SIP URI.
    let plus = format!("+{}", numbers[0]);
    assert_eq!(route(&app, &token, &plus).await.0, 200);
    let uri = format!("sip:%2B{}@host;user=phone", numbers[0]);
    assert_eq!(route(&app, &token, &uri).await.0, 200);
}

async fn a_change_to_a_number_is_seen_by_the_next_lookup(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 2).await;
    let n = &numbers[0];
    set_forward(&app, n, "SIP_URI", "first@pbx.example.com").await;
    assert_eq!(
        uris(&route(&app, &token, n).await.1),
        ["sip:first@pbx.example.com"]
    );
    set_forward(&app, n, "SIP_URI", "second@pbx.example.com").await;
    assert_eq!(
        uris(&route(&app, &token, n).await.1),
        ["sip:second@pbx.example.com"]
    );
    // A move keeps the routing but changes the holder.
    app.main_v3(
        "DID.MOVE",
        &[
            ("E164", n),
            ("TO_ACCOUNT_NUMBER", app.sub.account.account_number.as_str()),
        ],
    )
    .await
    .assert_success();
    assert_eq!(
        route(&app, &token, n).await.1["account_number"],
        app.sub.account.account_number.as_str()
    );
    // An order of a number that was not found.
    let more = app
        .stock("1.212", didhub::domain::DidType::Geographic, 1)
        .await;
    assert_eq!(route(&app, &token, more[0].as_str()).await.0, 404);
    app.order(&app.main, "1.212", 1).await;
    assert_eq!(route(&app, &token, more[0].as_str()).await.0, 200);
    // A cancel.
    app.main_v3("DID.CANCEL", &[("E164", &numbers[1])])
        .await
        .assert_success();
    assert_eq!(route(&app, &token, &numbers[1]).await.0, 404);
}

async fn a_suspension_made_behind_the_servers_back_is_seen_within_a_second(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    let n = &numbers[0];
    set_forward(&app, n, "SIP_URI", "a@pbx.example.com").await;
    assert_eq!(route(&app, &token, n).await.1["routable"], true);
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{n}'"
    ));
    eventually(&app, &token, n, |_, a| a["reason"] == "suspended").await;
    // Reactivated: routes again.
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = NULL WHERE e164 = '{n}'"
    ));
    eventually(&app, &token, n, |_, a| a["routable"] == true).await;
}

async fn tokens_are_accepted_three_ways_and_nothing_else_is(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    let url = format!("{}/route/{}", app.base_url, numbers[0]);
    let client = app.client();
    let ok = [
        client.get(&url).bearer_auth(&token),
        client.get(&url).basic_auth("freeswitch", Some(&token)),
        client.get(format!("{url}?token={token}")),
    ];
    for request in ok {
        assert_eq!(request.send().await.unwrap().status(), 200);
    }
    let refused = [
        client.get(&url),
        client.get(&url).bearer_auth("rt_wrong"),
        client.get(&url).bearer_auth(&app.other.userkey),
        client.get(&url).basic_auth(&token, None::<&str>),
        client.get(format!("{url}?token=")),
    ];
    for request in refused {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.text().await.unwrap(),
            "",
            "a refusal says nothing else"
        );
    }
    for (method, path) in [
        (reqwest::Method::POST, "/route/kamailio"),
        (reqwest::Method::POST, "/route/freeswitch"),
        (reqwest::Method::GET, "/route/asterisk?did=12125550123"),
    ] {
        let response = client
            .request(method, format!("{}{path}", app.base_url))
            .bearer_auth("rt_wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
}

async fn a_revoked_token_stops_working(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    assert_eq!(route(&app, &token, &numbers[0]).await.0, 200);
    app.store
        .revoke_routing_token("switch", START)
        .await
        .unwrap();
    let url = format!("{}/route/{}", app.base_url, numbers[0]);
    let mut status = 200;
    for _ in 0..100 {
        status = app
            .client()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 401);
    // The name is free again; a revoked name is refused a second revocation.
    let again = routing_token(&app, "switch").await;
    assert_eq!(route(&app, &again, &numbers[0]).await.0, 200);
    assert!(
        app.store
            .revoke_routing_token("nobody", START)
            .await
            .is_err()
    );
    assert!(
        app.store
            .create_routing_token("switch", &secret_hash("x"), START)
            .await
            .is_err(),
        "an unrevoked name is taken"
    );
}

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: String,
) -> (u16, String) {
    let response = app
        .client()
        .post(format!("{}{path}", app.base_url))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn kamailio_answers_rtjson_for_each_way_of_naming_the_number(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 2).await;
    let n = &numbers[0];
    set_forward(
        &app,
        n,
        "SIP_URI",
        "$[E164]$@pbx.example.com,backup@10.1.2.3",
    )
    .await;
    let expected = serde_json::json!({
        "version": "1.0",
        "routing": "serial",
        "routes": [
            {"uri": format!("sip:{n}@pbx.example.com"), "fr_inv_timer": 20000},
            {"uri": "sip:backup@10.1.2.3", "fr_inv_timer": 20000},
        ],
    });
    for body in [
        serde_json::json!({ "ruri_user": n }),
        serde_json::json!({ "ruri_user": format!("+{n}") }),
        serde_json::json!({ "to_uri": format!("sip:+{n}@didhub.example;user=phone") }),
        serde_json::json!({ "e164": n, "ruri_user": "s" }),
    ] {
        let (status, text) = post(
            &app,
            &token,
            "/route/kamailio",
            "application/json",
            body.to_string(),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["rtjson"], expected, "{body}");
        assert_eq!(answer["didhub"]["did"].as_str(), Some(n.as_str()));
    }
    // Suspended and unknown: rtjson fails, didhub says why; still 200.
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{}'",
        numbers[1]
    ));
    for (number, reason) in [
        (numbers[1].as_str(), "suspended"),
        ("19995550000", "not_found"),
        ("alice", "not_found"),
    ] {
        let mut answer = Value::Null;
        for _ in 0..100 {
            let body = serde_json::json!({ "ruri_user": number }).to_string();
            let (status, text) =
                post(&app, &token, "/route/kamailio", "application/json", body).await;
            assert_eq!(status, 200, "{text}");
            answer = serde_json::from_str(&text).unwrap();
            if answer["didhub"]["reason"] == reason {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            answer["rtjson"],
            serde_json::json!({ "success": false }),
            "{number}"
        );
        assert_eq!(answer["didhub"]["reason"], reason, "{number}");
    }
    // A body that is not JSON, or names no number: 400, nothing looked up.
    for body in ["ruri_user=1", "{}", "[1]"] {
        let (status, _) = post(
            &app,
            &token,
            "/route/kamailio",
            "application/json",
            body.into(),
        )
        .await;
        assert_eq!(status, 400, "{body}");
    }
}

async fn freeswitch_answers_the_dialplan_of_the_requested_context(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    let n = &numbers[0];
    set_forward(&app, n, "SIP_URI", "a@pbx.example.com:5080,b@10.1.2.3").await;
    app.main_v3("DID.UPDATE", &[("FILTER.E164", n), ("CHANNELS_LIMIT", "5")])
        .await
        .assert_success();
    let form = |number: &str, section: &str| {
        format!(
            "section={section}&tag_name=&key_name=&key_value=&Caller-Context=public&Hunt-Context=from-didhub\
             &Caller-Destination-Number=%2B{number}&Hunt-Destination-Number=%2B{number}"
        )
    };
    let (status, xml) = post(
        &app,
        &token,
        "/route/freeswitch",
        "application/x-www-form-urlencoded",
        form(n, "dialplan"),
    )
    .await;
    assert_eq!(status, 200);
    let account = app.main.account.account_number.as_str();
    for line in [
        "<document type=\"freeswitch/xml\">".to_owned(),
        "<section name=\"dialplan\" description=\"didhub\">".into(),
        "<context name=\"from-didhub\">".into(),
        format!("<action application=\"set\" data=\"didhub_account={account}\"/>"),
        format!("<action application=\"limit\" data=\"hash didhub {n} 5 !USER_BUSY\"/>"),
        "<action application=\"bridge\" data=\"sofia/external/a@pbx.example.com:5080|sofia/external/b@10.1.2.3\"/>".into(),
    ] {
        assert!(xml.contains(&line), "{line} missing from {xml}");
    }
    let not_found = "<result status=\"not found\"/>";
    let (_, xml) = post(
        &app,
        &token,
        "/route/freeswitch",
        "application/x-www-form-urlencoded",
        form("19995550000", "dialplan"),
    )
    .await;
    assert!(xml.contains(not_found), "{xml}");
    let (_, xml) = post(
        &app,
        &token,
        "/route/freeswitch",
        "application/x-www-form-urlencoded",
        form(n, "directory"),
    )
    .await;
    assert!(xml.contains(not_found), "{xml}");
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{n}'"
    ));
    let mut xml = String::new();
    for _ in 0..100 {
        xml = post(
            &app,
            &token,
            "/route/freeswitch",
            "application/x-www-form-urlencoded",
            form(n, "dialplan"),
        )
        .await
        .1;
        if xml.contains("respond") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        xml.contains("<action application=\"respond\" data=\"480\"/>"),
        "{xml}"
    );
    assert!(!xml.contains("bridge"), "{xml}");
}

async fn asterisk(app: &TestApp, token: &str, number: &str) -> String {
    let url = format!("{}/route/asterisk?did={number}&token={token}", app.base_url);
    let response = app.client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

async fn asterisk_answers_dial_strings(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 2).await;
    set_forward(&app, &numbers[0], "SIP_URI", "a@pbx.example.com,b@10.1.2.3").await;
    set_forward(&app, &numbers[1], "CALLFLOW", "flow1").await;
    assert_eq!(
        asterisk(&app, &token, &numbers[0]).await,
        "PJSIP/didhub/sip:a@pbx.example.com^PJSIP/didhub/sip:b@10.1.2.3"
    );
    assert_eq!(
        asterisk(&app, &token, &format!("%2B{}", numbers[0]))
            .await
            .split('^')
            .count(),
        2
    );
    assert_eq!(asterisk(&app, &token, &numbers[1]).await, "UNROUTABLE");
    assert_eq!(asterisk(&app, &token, "19995550000").await, "");
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{}'",
        numbers[0]
    ));
    let mut body = String::new();
    for _ in 0..100 {
        body = asterisk(&app, &token, &numbers[0]).await;
        if body == "SUSPENDED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(body, "SUSPENDED");
}

async fn answers_carry_cache_control(backend: Backend) {
    let (app, numbers, token) = routing_app(backend, 1).await;
    for url in [
        format!("{}/route/{}", app.base_url, numbers[0]),
        format!("{}/route/19995550000", app.base_url),
        format!("{}/route/asterisk?did={}", app.base_url, numbers[0]),
    ] {
        let response = app
            .client()
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["cache-control"], "max-age=5", "{url}");
    }
}
