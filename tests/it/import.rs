//! `inventory import` and `inventory stock` at scale, run as the real binary (beside a
//! running server where the test needs one).

use std::fmt::Write as _;

use serde_json::Value;

use crate::cli::{didhub, didhub_json};
use crate::support::{Backend, TestApp, TestDatabase};

on_both_backends!(
    a_hundred_thousand_imported_numbers_sell_and_audit_clean,
    stock_is_reported_per_area_and_type_with_filters,
    an_import_whose_number_entered_stock_meanwhile_adds_nothing
);

on_both_backends!(
    sync:
    import_reports_every_rejection_by_line_and_reason,
    an_import_that_cannot_start_changes_nothing
);

fn rejected_lines(report: &Value) -> Vec<(u64, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let line = r["line"].as_u64().unwrap();
            (line, r["reason"].as_str().unwrap().to_owned())
        })
        .collect()
}

fn import_reports_every_rejection_by_line_and_reason(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend);
    assert!(didhub_json(&db, &["catalog", "load"]).0);
    let first = dir.path().join("first.csv");
    std::fs::write(&first, "12127362000,GEOGRAPHIC,1.212\n").unwrap();
    let (ok, report) = didhub_json(&db, &["inventory", "import", first.to_str().unwrap()]);
    assert!(ok && report["added"] == 1, "{report}");

    let csv = dir.path().join("numbers.csv");
    std::fs::write(
        &csv,
        "e164,did_type,area_id\n\
         12127362001,GEOGRAPHIC,1.212\n\
         12127362002,GEOGRAPHIC,1.212\n\
         12127362001,GEOGRAPHIC,1.212\n\
         12127362000,GEOGRAPHIC,1.212\n\
         13127440000,GEOGRAPHIC,1.212\n\
         18002752273,TOLLFREE,1.800\n\
         18002752274,GEOGRAPHIC,1.800\n\
         447000000000,MOBILE,44.7\n\
         12127362003,GEOGRAPHIC\n\
         12127362004,GEOGRAPHIC,1.212,extra\n\
         +12127362005,geographic,1.212.\n\
         12127362002,GEOGRAPHIC,1.212\n\
         1212736200,GEOGRAPHIC,1.212\n\
         12121230000,GEOGRAPHIC,1.212\n\
         447911123456,MOBILE,44.7\n\
         390612345678,GEOGRAPHIC,39.06\n\
         12127362006,PIGEON,1.212\n",
    )
    .unwrap();
    let rejects = dir.path().join("rejects.csv");
    let (ok, report) = didhub_json(
        &db,
        &[
            "inventory",
            "import",
            csv.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(ok, "{report}");
    assert_eq!(report["rows"], 17, "{report}");
    assert_eq!(report["added"], 5, "{report}");
    assert_eq!(report["duplicates"], 3, "{report}");
    assert_eq!(report["rejected_total"], 12, "{report}");
    let expected = [
        (4, "duplicate_in_file"),
        (5, "already_in_stock"),
        (6, "outside_area"),
        (8, "area_not_sold"),
        (9, "wrong_type"),
        (10, "malformed_line"),
        (11, "malformed_line"),
        (13, "duplicate_in_file"),
        (14, "wrong_length"),
        (15, "invalid_number"),
        (16, "not_in_country"),
        (18, "malformed_value"),
    ];
    let expected: Vec<(u64, String)> = expected
        .iter()
        .map(|(line, reason)| (*line, reason.to_string()))
        .collect();
    assert_eq!(rejected_lines(&report), expected);
    let by_reason = &report["rejected_by_reason"];
    assert_eq!(by_reason["duplicate_in_file"], 2);
    assert_eq!(by_reason["malformed_line"], 2);
    assert_eq!(by_reason["already_in_stock"], 1);
    let first_duplicate = &report["rejected"][0]["detail"];
    assert!(
        first_duplicate.as_str().unwrap().contains("line 2"),
        "{first_duplicate}"
    );

    // The rejects file lists the same rows, with a header.
    let written = std::fs::read_to_string(&rejects).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[0], "line,reason,detail");
    assert_eq!(lines.len(), 1 + expected.len());
    assert!(lines[1].starts_with("4,duplicate_in_file,"), "{written}");

    // Text mode ends with the summary.
    let out = didhub(&db.url, &["inventory", "import", csv.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with("read 17 rows: added 0, duplicates 8, rejected 17"),
        "{text}"
    );
    assert!(didhub(&db.url, &["check"]).status.success());
}

fn an_import_that_cannot_start_changes_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(backend);
    assert!(didhub_json(&db, &["catalog", "load"]).0);
    let csv = dir.path().join("numbers.csv");
    std::fs::write(&csv, "12127362001,GEOGRAPHIC,1.212\n").unwrap();
    let missing = dir.path().join("missing.csv");
    let bad_rejects = dir.path().join("no-such-dir").join("rejects.csv");
    for args in [
        vec!["inventory", "import", missing.to_str().unwrap()],
        vec![
            "inventory",
            "import",
            csv.to_str().unwrap(),
            "--rejects",
            bad_rejects.to_str().unwrap(),
        ],
    ] {
        let (ok, error) = didhub_json(&db, &args);
        assert!(!ok, "{args:?}");
        assert!(
            error["error"].as_str().unwrap().contains("cannot"),
            "{error}"
        );
    }
    let (ok, stock) = didhub_json(&db, &["inventory", "stock"]);
    assert!(ok);
    assert_eq!(
        stock["stock"],
        serde_json::json!([]),
        "nothing was imported"
    );
}

async fn a_hundred_thousand_imported_numbers_sell_and_audit_clean(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("block.csv");
    let mut text = String::from("e164,did_type,area_id\n");
    for n in 0..100_000u64 {
        writeln!(text, "1212{},GEOGRAPHIC,1.212", 2_000_000 + n).unwrap();
    }
    std::fs::write(&csv, text).unwrap();
    let db = app.database.clone();
    let csv_arg = csv.to_str().unwrap().to_owned();
    let (ok, report) =
        tokio::task::spawn_blocking(move || didhub_json(&db, &["inventory", "import", &csv_arg]))
            .await
            .unwrap();
    assert!(ok, "{report}");
    assert_eq!(report["added"], 100_000);
    assert_eq!(report["rejected_total"], 0);

    let reply = app
        .main_v3(
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("QUANTITY", "100"),
            ],
        )
        .await;
    reply.assert_success();
    let numbers = reply.did_attr("E164");
    assert_eq!(numbers.len(), 100);
    let imported: Vec<String> = (0..100_000u64)
        .map(|n| format!("1212{}", 2_000_000 + n))
        .collect();
    crate::support::assert_picked(backend, &numbers, &imported);

    let db = app.database.clone();
    let (check, stock) = tokio::task::spawn_blocking(move || {
        let check = didhub(&db.url, &["check"]);
        (
            check,
            didhub_json(&db, &["inventory", "stock", "--country", "us"]),
        )
    })
    .await
    .unwrap();
    assert!(check.status.success(), "{check:?}");
    let (ok, stock) = stock;
    assert!(ok, "{stock}");
    let levels = stock["stock"].as_array().unwrap();
    assert_eq!(levels.len(), 1, "{stock}");
    assert_eq!(levels[0]["area_id"], "1.212");
    assert_eq!(levels[0]["area_name"], "New York");
    assert_eq!(levels[0]["available"], 99_900);
    assert_eq!(levels[0]["active"], 100);
}

async fn stock_is_reported_per_area_and_type_with_filters(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", didhub::domain::DidType::Geographic, 3)
        .await;
    app.stock("1.800", didhub::domain::DidType::TollFree, 2)
        .await;
    app.stock("44.20", didhub::domain::DidType::Geographic, 4)
        .await;
    let db = app.database.clone();
    let runs = tokio::task::spawn_blocking(move || {
        let areas = |args: &[&str]| {
            let mut all = vec!["inventory", "stock"];
            all.extend_from_slice(args);
            let (ok, json) = didhub_json(&db, &all);
            assert!(ok, "{args:?}: {json}");
            json["stock"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| format!("{} {} {}", l["area_id"], l["did_type"], l["available"]))
                .collect::<Vec<_>>()
                .join(", ")
                .replace('"', "")
        };
        let all = areas(&[]);
        let us = areas(&["--country", "US"]);
        let toll_free = areas(&["--type", "tollfree"]);
        let text = didhub(&db.url, &["inventory", "stock", "--country", "GB"]);
        let errors: Vec<(bool, Value)> = [
            vec!["inventory", "stock", "--country", "ZZ"],
            vec!["inventory", "stock", "--country", "USA"],
            vec!["inventory", "stock", "--type", "PIGEON"],
        ]
        .iter()
        .map(|args| didhub_json(&db, args))
        .collect();
        (all, us, toll_free, text, errors)
    })
    .await
    .unwrap();
    let (all, us, toll_free, text, errors) = runs;
    assert_eq!(
        all,
        "1.212 GEOGRAPHIC 3, 1.800 TOLLFREE 2, 44.20 GEOGRAPHIC 4"
    );
    assert_eq!(us, "1.212 GEOGRAPHIC 3, 1.800 TOLLFREE 2");
    assert_eq!(toll_free, "1.800 TOLLFREE 2");
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("44.20") && text.contains("London"), "{text}");
    assert!(!text.contains("1.212"), "{text}");
    for (ok, error) in errors {
        assert!(!ok && error["error"].as_str().is_some(), "{error}");
    }
}

async fn an_import_whose_number_entered_stock_meanwhile_adds_nothing(backend: Backend) {
    use didhub::domain::{AreaId, E164};
    use didhub::store::{NewNumber, StagedOutcome, StagedRow};

    let app = TestApp::spawn(backend).await;
    let number = |e164: &str| NewNumber {
        e164: E164::parse("e164", e164).unwrap(),
        area_id: AreaId::parse("area_id", "1.212").unwrap(),
        did_type: didhub::domain::DidType::Geographic,
        rate_plan_id: None,
    };
    let rows = ["12127362001", "12127362002"]
        .iter()
        .enumerate()
        .map(|(i, e164)| StagedRow {
            line: i as u64 + 1,
            number: number(e164),
        })
        .collect();
    let import = app.store.begin_import().await.unwrap();
    let outcomes = app.store.stage_rows(import, rows).await.unwrap();
    assert_eq!(outcomes, [StagedOutcome::Fresh, StagedOutcome::Fresh]);
    // Another command stocks one of the staged numbers before the commit.
    app.store
        .add_numbers(vec![number("12127362002")])
        .await
        .unwrap();
    let before = app.snapshot().await;
    let error = app.store.commit_import(import).await.unwrap_err();
    assert!(error.to_string().contains("nothing was added"), "{error}");
    assert_eq!(app.snapshot().await, before);
    app.store.abandon_import(import).await.unwrap();
}
