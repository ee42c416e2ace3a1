//! `didhub sms list` and `didhub sms prices import|export`, run as the real binary.

use didhub::domain::DidType;

use crate::cli::{didhub, didhub_json};
use crate::sms::deliver_in;
use crate::support::{Backend, TestApp, TestDatabase, sms_policy};

on_both_backends!(sync: sms_prices_import_all_or_nothing_and_export);
on_both_backends!(sms_list_shows_both_directions);

fn sms_prices_import_all_or_nothing_and_export(backend: Backend) {
    let db = TestDatabase::create(backend);
    assert!(didhub_json(&db, &["catalog", "load"]).0);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("prices.csv");
    std::fs::write(&good, "country_id,price\nGB,0.05\nus,0.02\n").unwrap();
    let (ok, summary) = didhub_json(&db, &["sms", "prices", "import", good.to_str().unwrap()]);
    assert!(ok, "{summary}");
    assert_eq!(summary["countries"], 2);
    let (ok, exported) = didhub_json(&db, &["sms", "prices", "export"]);
    assert!(ok);
    assert_eq!(
        exported["prices"],
        serde_json::json!([
            {"country_id": "GB", "price": "0.05"},
            {"country_id": "US", "price": "0.02"}
        ])
    );
    let csv = didhub(&db.url, &["sms", "prices", "export"]);
    assert_eq!(
        String::from_utf8(csv.stdout).unwrap().trim(),
        "country_id,price\nGB,0.05\nUS,0.02"
    );
    // Any bad line fails the whole file, naming each; nothing changes.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "GB,0.01\nDE,abc\nGB,0.03\nXX1,0.01\nFR\n").unwrap();
    let out = didhub(&db.url, &["sms", "prices", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let error = String::from_utf8(out.stderr).unwrap() + &String::from_utf8(out.stdout).unwrap();
    for line in ["line 2", "line 3", "line 4", "line 5"] {
        assert!(error.contains(line), "{line}: {error}");
    }
    let unknown = dir.path().join("unknown.csv");
    std::fs::write(&unknown, "ZZ,0.01\n").unwrap();
    let out = didhub(
        &db.url,
        &["sms", "prices", "import", unknown.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let error = String::from_utf8(out.stderr).unwrap() + &String::from_utf8(out.stdout).unwrap();
    assert!(error.contains("ZZ"), "{error}");
    assert_eq!(didhub_json(&db, &["sms", "prices", "export"]).1, exported);
}

async fn sms_list_shows_both_directions(backend: Backend) {
    let mut app = TestApp::spawn_with(backend, sms_policy(None, None)).await;
    app.stock("1.212", DidType::Geographic, 1).await;
    let number = app.order(&app.main, "1.212", 1).await.remove(0);
    deliver_in(&app, "447700900123", &number, "hello").await;
    deliver_in(&app, "447700900123", "12125550199", "nobody").await;
    app.stop().await;
    let main = app.main.account.account_number.to_string();
    let (ok, listed) = didhub_json(&app.database, &["sms", "list", "--account", &main]);
    assert!(ok, "{listed}");
    let messages = listed["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{listed}");
    let m = &messages[0];
    assert_eq!(m["direction"], "in");
    assert_eq!(m["from"], "447700900123");
    assert_eq!(m["to"], number);
    assert_eq!(m["parts"], 1);
    assert_eq!(m["fee"], "0.00");
    assert_eq!(m["state"], "stored", "no channel: stored");
    assert!(m["smsid"].is_i64() && m["created_at"].is_i64(), "{m}");
    let (ok, all) = didhub_json(&app.database, &["sms", "list"]);
    assert!(ok);
    assert_eq!(all["messages"].as_array().unwrap().len(), 2);
    assert_eq!(all["messages"][0]["state"], "undeliverable");
    let (ok, _) = didhub_json(&app.database, &["sms", "list", "--account", "1999999999"]);
    assert!(!ok, "an unknown account is refused");
}
