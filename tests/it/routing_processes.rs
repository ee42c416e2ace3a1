//! Routing across processes, and the routing token commands: a token made by the CLI
//! works at once, a lookup answered from one `serve` process's memory follows a change
//! made through another process (or by SQL) on the same PostgreSQL database, and a token
//! revoked by the CLI stops working in every process.

use std::time::Duration;

use didhub::admin::accounts::{AccountSpec, create_account};
use didhub::admin::generate::generate_stock;
use didhub::bundled::{DEMO_AREAS, bundled_subset};
use didhub::domain::{AreaId, DidType};
use didhub::store::{self, StoreOptions};
use serde_json::Value;

use crate::cli::{didhub, didhub_json};
use crate::multi_process::ServeProcess;
use crate::support::{Backend, CREDIT, Reply, TestDatabase, request_xml};

on_both_backends!(sync: routing_tokens_are_created_listed_and_revoked_by_the_cli);
on_postgres!(multi_thread: a_change_through_one_process_is_seen_by_the_lookups_of_another);

fn routing_tokens_are_created_listed_and_revoked_by_the_cli(backend: Backend) {
    let db = TestDatabase::create(backend);
    let (ok, created) = didhub_json(&db, &["routing", "token", "create", "--name", "kamailio-1"]);
    assert!(ok, "{created}");
    assert_eq!(created["name"], "kamailio-1");
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("rt_") && token.len() == 43, "{token}");

    let (ok, again) = didhub_json(&db, &["routing", "token", "create", "--name", "kamailio-1"]);
    assert!(!ok, "a name in use is refused: {again}");
    let (ok, bad) = didhub_json(&db, &["routing", "token", "create", "--name", "bad name"]);
    assert!(!ok, "{bad}");

    let (ok, list) = didhub_json(&db, &["routing", "token", "list"]);
    assert!(ok);
    let names: Vec<&str> = list["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kamailio-1"]);
    assert!(
        !list.to_string().contains(token),
        "the token itself is never listed"
    );

    let out = didhub(&db.url, &["routing", "token", "revoke", "kamailio-1"]);
    assert!(out.status.success());
    let out = didhub(&db.url, &["routing", "token", "revoke", "kamailio-1"]);
    assert!(!out.status.success(), "nothing left to revoke");
    let (_, list) = didhub_json(&db, &["routing", "token", "list"]);
    assert_eq!(list["tokens"], serde_json::json!([]));
}

/// Asks `server` until `done` holds; a change elsewhere is seen within about a second.
async fn until(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    done: impl Fn(u16, &Value) -> bool,
) -> (u16, Value) {
    let mut last = None;
    for _ in 0..200 {
        let response = client.get(url).bearer_auth(token).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let answer = serde_json::from_str(&text).unwrap_or(Value::Null);
        if done(status, &answer) {
            return (status, answer);
        }
        last = Some((status, text));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} never changed: {last:?}");
}

async fn a_change_through_one_process_is_seen_by_the_lookups_of_another() {
    let database = TestDatabase::create(Backend::Postgres);
    let store = store::open(&database.url, StoreOptions::default())
        .await
        .unwrap();
    store
        .load_catalog(bundled_subset(&DEMO_AREAS))
        .await
        .unwrap();
    let area = AreaId::parse("area", "1.212").unwrap();
    generate_stock(store.as_ref(), &area, DidType::Geographic, 1, None)
        .await
        .unwrap();
    let spec = AccountSpec {
        email: "holder@customer.example".into(),
        credit: CREDIT,
        ..AccountSpec::default()
    };
    let holder = create_account(store.as_ref(), spec).await.unwrap();
    let (ok, created) = didhub_json(&database, &["routing", "token", "create", "--name", "sbc"]);
    assert!(ok, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();

    let one = ServeProcess::spawn(&database.url).wait_until_listening();
    let two = ServeProcess::spawn(&database.url).wait_until_listening();
    let client = reqwest::Client::new();
    let v3 = |server: &ServeProcess, action: &str, params: &[(&str, &str)]| {
        let body = request_xml(&holder.userkey, action, params);
        let url = format!("{}/api/v3.asp", server.base_url);
        let client = client.clone();
        async move {
            let text = client
                .post(url)
                .body(body)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            Reply::parse(&text)
        }
    };
    let reply = v3(
        &one,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")],
    )
    .await;
    reply.assert_success();
    let e164 = reply.did_attr("E164").remove(0);
    let forward = |to: &'static str| {
        [
            ("FILTER.E164", e164.clone()),
            ("CALL_FORWARD_TYPE", "SIP_URI".to_owned()),
            ("CALL_FORWARD_TO", to.to_owned()),
        ]
    };
    let params = forward("first@pbx.example.com");
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v3(&one, "DID.UPDATE", &params).await.assert_success();

    let url = format!("{}/route/{e164}", two.base_url);
    let first = |_: u16, a: &Value| a["routes"][0]["uri"] == "sip:first@pbx.example.com";
    until(&client, &url, &token, first).await;
    // Answered from process two's memory now; the update goes through process one.
    let params = forward("second@pbx.example.com");
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    v3(&one, "DID.UPDATE", &params).await.assert_success();
    until(&client, &url, &token, |_, a| {
        a["routes"][0]["uri"] == "sip:second@pbx.example.com"
    })
    .await;
    // Billing's way: the row itself, by SQL, seen by both processes.
    database.execute(&format!(
        "UPDATE numbers SET suspended_at = 1767225600 WHERE e164 = '{e164}'"
    ));
    for server in [&one, &two] {
        let url = format!("{}/route/{e164}", server.base_url);
        until(&client, &url, &token, |_, a| a["reason"] == "suspended").await;
    }
    // A cancel through process two is seen by process one.
    database.execute(&format!(
        "UPDATE numbers SET suspended_at = NULL WHERE e164 = '{e164}'"
    ));
    let url_one = format!("{}/route/{e164}", one.base_url);
    until(&client, &url_one, &token, |_, a| a["routable"] == true).await;
    v3(&two, "DID.CANCEL", &[("E164", &e164)])
        .await
        .assert_success();
    until(&client, &url_one, &token, |status, _| status == 404).await;
    // A token revoked by the CLI stops working in both.
    let out = didhub(&database.url, &["routing", "token", "revoke", "sbc"]);
    assert!(out.status.success());
    for server in [&one, &two] {
        let url = format!("{}/route/{e164}", server.base_url);
        until(&client, &url, &token, |status, _| status == 401).await;
    }
    assert!(one.stop().success());
    assert!(two.stop().success());
}
