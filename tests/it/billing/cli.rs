//! The operator's billing commands: `billing preview` and `billing run --as-of`,
//! `account statement` (whole and windowed), `number show`'s billing lines, and their
//! refusals of bad input, which change nothing.

use didhub::domain::Money;

use super::{MONTHLY, five_numbers_paying_for_three};
use crate::support::{Backend, TestApp};

on_both_backends!(
    the_cli_runs_previews_and_states_the_ledger,
    bad_billing_input_is_refused_and_changes_nothing,
);

async fn the_cli_runs_previews_and_states_the_ledger(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (who, _) = five_numbers_paying_for_three(&app).await;
    let url = &app.database.url;
    let (ok, preview) = crate::cli::didhub_json(
        &app.database,
        &["billing", "preview", "--as-of", "2027-02-10"],
    );
    assert!(ok, "{preview}");
    assert_eq!(
        (preview["renewed"].as_u64(), preview["suspended"].as_u64()),
        (Some(3), Some(2))
    );
    assert!(app.store.audit().await.unwrap().is_empty());
    assert_eq!(
        app.balance(&who).await,
        Money(3 * MONTHLY),
        "a preview changes nothing"
    );
    let (ok, run) = crate::cli::didhub_json(
        &app.database,
        &["billing", "run", "--as-of", "2027-02-10T00:00:00Z"],
    );
    assert!(ok, "{run}");
    assert_eq!(run["renewed"], 3);
    assert_eq!(run["suspended"], 2);
    assert_eq!(run["charged100"], 3 * MONTHLY);
    let account = who.account.account_number.to_string();
    let (ok, statement) =
        crate::cli::didhub_json(&app.database, &["account", "statement", &account]);
    assert!(ok, "{statement}");
    let lines = statement["lines"].as_array().unwrap();
    let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["credit", "order", "renewal", "renewal", "renewal"]);
    assert_eq!(lines[2]["amount100"], -MONTHLY);
    assert!(lines[2]["e164"].is_string());
    assert_eq!(statement["closing_balance100"], 0);
    assert_eq!(
        statement["closing_balance100"].as_i64(),
        Some(app.balance(&who).await.minor()),
        "the last balance is ACCOUNT.GETBALANCE's"
    );
    let (ok, window) = crate::cli::didhub_json(
        &app.database,
        &[
            "account",
            "statement",
            &account,
            "--from",
            "2027-02-01",
            "--to",
            "2027-02-28",
        ],
    );
    assert!(ok, "{window}");
    assert_eq!(window["lines"].as_array().unwrap().len(), 3);
    assert_eq!(window["opening_balance100"], 3 * MONTHLY);
    let e164 = lines[2]["e164"].as_str().unwrap();
    let shown = crate::cli::didhub(url, &["number", "show", e164]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("status Active"), "{text}");
    assert!(
        text.contains("paid until 2027-03-10  periods paid 2"),
        "{text}"
    );
    assert!(text.contains("renewed"), "{text}");
}

async fn bad_billing_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (who, _) = five_numbers_paying_for_three(&app).await;
    let before = app.snapshot().await;
    for args in [
        &["billing", "run", "--as-of", "next tuesday"][..],
        &["billing", "preview", "--as-of", "2027-02-30"],
        &["account", "statement", "not-an-account"],
        &[
            "account",
            "statement",
            &who.account.account_number.to_string(),
            "--from",
            "soon",
        ],
    ] {
        let (ok, answer) = crate::cli::didhub_json(&app.database, args);
        assert!(!ok, "{args:?}: {answer}");
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{answer}"
        );
    }
    let (ok, answer) =
        crate::cli::didhub_json(&app.database, &["account", "statement", "999999999"]);
    assert!(!ok);
    assert!(
        answer["error"].as_str().unwrap().contains("999999999"),
        "{answer}"
    );
    let sub = app.sub.account.account_number.to_string();
    let (ok, answer) = crate::cli::didhub_json(&app.database, &["account", "statement", &sub]);
    assert!(!ok);
    assert!(
        answer["error"].as_str().unwrap().contains("sub-account"),
        "{answer}"
    );
    let reply = app
        .v3_as(&who, "DID.LIST", &[("FILTER.STATUS", "Paused")])
        .await;
    reply.assert_error("INVALID_PARAMETER");
    let message = reply.error_message.clone().unwrap_or_default();
    assert!(message.contains("FILTER.STATUS"), "{message}");
    assert_eq!(app.snapshot().await, before);
}
