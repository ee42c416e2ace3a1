//! An account's statement on SQLite: its ledger rows between two instants with the
//! running balance (`didhub account statement`), in one read transaction.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::{DomainError, Timestamp};
use crate::store::billing::{Statement, StatementLine};
use crate::store::{StoreError, StoreResult};

pub(super) fn statement(
    conn: &Connection,
    number: &str,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> StoreResult<Statement> {
    let parent: Option<Option<String>> = conn
        .prepare_cached("SELECT parent_account_number FROM accounts WHERE account_number = ?1")?
        .query_row([number], |r| r.get(0))
        .optional()?;
    match parent {
        None => return Err(DomainError::AccountNotFound(number.to_owned()).into()),
        Some(Some(main)) => {
            return Err(StoreError::Rejected(format!(
                "account {number} is a sub-account; its ledger is its main account {main}'s"
            )));
        }
        Some(None) => {}
    }
    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
    let opening: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(amount100), 0) FROM ledger
             WHERE account_number = ?1 AND created_at < ?2",
        )?
        .query_row(params![number, from], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT entry_id, created_at, kind, amount100, order_id, e164, memo FROM ledger
         WHERE account_number = ?1 AND created_at >= ?2 AND created_at <= ?3
         ORDER BY entry_id",
    )?;
    let rows = stmt
        .query_map(params![number, from, to], |r| {
            Ok(StatementLine {
                entry_id: r.get(0)?,
                at: r.get(1)?,
                kind: r.get(2)?,
                amount100: r.get(3)?,
                balance100: 0,
                order_id: r.get(4)?,
                e164: r.get(5)?,
                memo: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Statement::from_lines(number, opening, rows))
}
