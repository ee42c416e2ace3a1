//! An account's statement on PostgreSQL: its ledger rows between two instants with the
//! running balance (`didhub account statement`), read from one snapshot.

use deadpool_postgres::GenericClient;

use crate::domain::{DomainError, Timestamp};
use crate::store::billing::{Statement, StatementLine};
use crate::store::{StoreError, StoreResult};

pub(super) async fn statement(
    c: &impl GenericClient,
    number: &str,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> StoreResult<Statement> {
    let parent = c
        .query_opt(
            "SELECT parent_account_number FROM accounts WHERE account_number = $1",
            &[&number],
        )
        .await?;
    let Some(parent) = parent else {
        return Err(DomainError::AccountNotFound(number.to_owned()).into());
    };
    if let Some(main) = parent.try_get::<_, Option<String>>(0)? {
        return Err(StoreError::Rejected(format!(
            "account {number} is a sub-account; its ledger is its main account {main}'s"
        )));
    }
    let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
    let opening: i64 = c
        .query_one(
            "SELECT COALESCE(SUM(amount100), 0)::bigint FROM ledger
             WHERE account_number = $1 AND created_at < $2",
            &[&number, &from],
        )
        .await?
        .try_get(0)?;
    let rows = c
        .query(
            "SELECT entry_id, created_at, kind, amount100, order_id, e164, memo FROM ledger
             WHERE account_number = $1 AND created_at >= $2 AND created_at <= $3
             ORDER BY entry_id",
            &[&number, &from, &to],
        )
        .await?;
    let lines = rows
        .iter()
        .map(|r| {
            Ok(StatementLine {
                entry_id: r.try_get(0)?,
                at: r.try_get(1)?,
                kind: r.try_get(2)?,
                amount100: r.try_get(3)?,
                balance100: 0,
                order_id: r.try_get(4)?,
                e164: r.try_get(5)?,
                memo: r.try_get(6)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Statement::from_lines(number, opening, lines))
}
