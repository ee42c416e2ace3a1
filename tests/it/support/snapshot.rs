//! What a request that must change nothing is checked against: counts, balances, and a
//! digest of every number, read through the store so it works on both backends.

use didhub::domain::Money;
use didhub::store::{Cell, Store, StoreCounts, transfer};

/// Counts and balances, compared before and after a request that must change nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub counts: StoreCounts,
    pub main_balance: Money,
    pub other_balance: Money,
    /// Every column of every number, and the number of history rows.
    pub numbers: String,
}

/// Every number's state, holder and routing, one line each in E164 order, and the number
/// of history rows, read through the store's table export (the same on both backends).
pub async fn numbers_digest(store: &dyn Store) -> String {
    let numbers = transfer::table("numbers").unwrap();
    let dump = store.export_tables(vec![numbers]).await.unwrap().remove(0);
    let text = |cell: &Cell| match cell {
        Cell::Null => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Text(t) => t.clone(),
    };
    let columns: Vec<Vec<String>> = [
        "e164",
        "state",
        "account_number",
        "title",
        "sms_url",
        "sms_email",
        "sms_phone",
        "call_forward_type",
        "call_forward_to",
        "release_at",
    ]
    .iter()
    .map(|name| dump.column(name).unwrap().map(text).collect())
    .collect();
    let rows: Vec<String> = (0..dump.rows.len())
        .map(|i| {
            columns
                .iter()
                .map(|column| column[i].as_str())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    let events = store
        .row_count(transfer::table("number_events").unwrap())
        .await
        .unwrap();
    format!("{}\nevents {events}", rows.join("\n"))
}
