//! The ledger: every balance change goes through [`apply_ledger_entry`], which changes
//! the balance and writes the ledger row in the same transaction.

use deadpool_postgres::GenericClient;

use crate::domain::Money;
use crate::store::StoreResult;
pub(super) use crate::store::rules::{AppliedEntry, LedgerEntry, LedgerKind};

/// Changes a main account's balance by `amount` and writes the ledger row, together.
/// Returns the new balance and the row's id, or `None` (and writes nothing) when the balance would go
/// below zero or the account does not exist.
///
/// The guard is re-evaluated by PostgreSQL against the latest committed balance when a
/// concurrent transaction changed the row first (READ COMMITTED), so two debits racing
/// for the last money cannot both pass.
pub(super) async fn apply_ledger_entry(
    c: &impl GenericClient,
    entry: &LedgerEntry<'_>,
) -> StoreResult<Option<AppliedEntry>> {
    let update = c
        .prepare_cached(
            "UPDATE accounts SET balance100 = balance100 + $2
             WHERE account_number = $1 AND balance100 + $2 >= 0
             RETURNING balance100",
        )
        .await?;
    let Some(row) = c
        .query_opt(&update, &[&entry.account, &entry.amount.minor()])
        .await?
    else {
        return Ok(None);
    };
    let insert = c
        .prepare_cached(
            "INSERT INTO ledger (account_number, amount100, kind, order_id, e164, memo, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING entry_id",
        )
        .await?;
    let entry_id: i64 = c
        .query_one(
            &insert,
            &[
                &entry.account,
                &entry.amount.minor(),
                &entry.kind.as_str(),
                &entry.order_id,
                &entry.e164,
                &entry.memo,
                &entry.at,
            ],
        )
        .await?
        .try_get(0)?;
    Ok(Some(AppliedEntry {
        balance: Money(row.try_get(0)?),
        entry_id,
    }))
}
