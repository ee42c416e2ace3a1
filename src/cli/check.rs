//! `didhub check`: runs the store's invariant audit.

use serde_json::json;

use super::output::Report;
use crate::store::Store;

pub async fn run(store: &dyn Store) -> anyhow::Result<Report> {
    let violations = store.audit().await?;
    let counts = store.counts().await?;
    let mut text = String::new();
    for v in &violations {
        text.push_str(&format!("VIOLATION {}: {}\n", v.rule, v.detail));
    }
    if violations.is_empty() {
        text.push_str(&format!(
            "ok: {} accounts, {} numbers held, {} in stock, {} orders, {} ledger rows\n",
            counts.accounts,
            counts.numbers_assigned,
            counts.numbers_available,
            counts.orders,
            counts.ledger_rows
        ));
    } else {
        text.push_str(&format!("{} violations\n", violations.len()));
    }
    Ok(Report {
        json: json!({ "ok": violations.is_empty(), "violations": violations, "counts": counts }),
        text,
        success: violations.is_empty(),
    })
}
