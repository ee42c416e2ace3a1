//! `didhub check`, run as the real binary: it names each violation it finds, here a
//! balance that left its ledger and a stock count out of step with the numbers.

use crate::cli::{didhub, didhub_json};
use crate::support::{Backend, TestDatabase};

on_both_backends!(
    sync: check_names_each_violation,
    check_finds_a_stock_count_out_of_step,
);

fn check_names_each_violation(backend: Backend) {
    let db = TestDatabase::create(backend);
    let (ok, main) = didhub_json(
        &db,
        &[
            "account",
            "create",
            "--email",
            "a@example.com",
            "--credit",
            "5",
        ],
    );
    assert!(ok);
    let (ok, clean) = didhub_json(&db, &["check"]);
    assert!(ok && clean["ok"] == true, "{clean}");
    // Tamper with a balance behind the ledger's back.
    db.execute("UPDATE accounts SET balance100 = balance100 + 1");
    let out = didhub(&db.url, &["check"]);
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("balance_matches_ledger"), "{text}");
    assert!(
        text.contains(main["account_number"].as_str().unwrap()),
        "{text}"
    );
}

fn check_finds_a_stock_count_out_of_step(backend: Backend) {
    let db = TestDatabase::create(backend);
    assert!(didhub_json(&db, &["catalog", "load"]).0);
    let generate = [
        "inventory",
        "generate",
        "--area",
        "1.212",
        "--type",
        "GEOGRAPHIC",
        "--count",
        "1",
    ];
    let (ok, generated) = didhub_json(&db, &generate);
    assert!(ok && generated["added"] == 1, "{generated}");
    let (ok, clean) = didhub_json(&db, &["check"]);
    assert!(ok && clean["ok"] == true, "{clean}");
    // A counter that no longer agrees with the numbers it counts.
    db.execute("UPDATE stock_counts SET n = n + 2 WHERE area_id = '1.212'");
    let out = didhub(&db.url, &["check"]);
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("stock_counts_match_numbers"), "{text}");
    assert!(
        text.contains("1.212 GEOGRAPHIC available: stock_counts says 3 but numbers hold 1"),
        "{text}"
    );
}
