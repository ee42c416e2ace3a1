//! The ledger: every balance change goes through [`apply_ledger_entry`], which changes
//! the balance and writes the ledger row in the same transaction.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::Money;
use crate::store::StoreResult;
pub(super) use crate::store::rules::{AppliedEntry, LedgerEntry, LedgerKind};

/// Changes a main account's balance by `entry.amount` and writes the ledger row,
/// together. Returns the new balance and the row's id, or `None` (and writes nothing)
/// when the balance would go below zero or the account does not exist.
pub(super) fn apply_ledger_entry(
    conn: &Connection,
    entry: &LedgerEntry<'_>,
) -> StoreResult<Option<AppliedEntry>> {
    let new_balance: Option<i64> = conn
        .prepare_cached(
            "UPDATE accounts SET balance100 = balance100 + ?2
             WHERE account_number = ?1 AND balance100 + ?2 >= 0
             RETURNING balance100",
        )?
        .query_row(params![entry.account, entry.amount.minor()], |r| r.get(0))
        .optional()?;
    let Some(new_balance) = new_balance else {
        return Ok(None);
    };
    conn.prepare_cached(
        "INSERT INTO ledger (account_number, amount100, kind, order_id, e164, memo, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        entry.account,
        entry.amount.minor(),
        entry.kind.as_str(),
        entry.order_id,
        entry.e164,
        entry.memo,
        entry.at
    ])?;
    Ok(Some(AppliedEntry {
        balance: Money(new_balance),
        entry_id: conn.last_insert_rowid(),
    }))
}
