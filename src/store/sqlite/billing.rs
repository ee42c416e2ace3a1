//! Monthly renewals on SQLite (`billing.md`): every period is one write command, so it
//! commits on its own or not at all, and the writer runs the commands of a page in the
//! order they were queued, which is the run's (`PAID_UNTIL`, `E164`) order. Each
//! command first reads the number again and does nothing unless the period it was
//! queued for is still the number's first unpaid one; with the primary key of
//! `billing_periods`, no period can be charged twice.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::dids::stored_account_number;
use super::events::record_events;
use super::ledger::{LedgerEntry, LedgerKind, apply_ledger_entry};
use super::lifecycle::{reload, retire};
use crate::domain::billing::{BillingPolicy, BillingSummary, DueNumber, Renewal, decide};
use crate::domain::events::{Event, EventType};
use crate::domain::{AccountNumber, E164, Money, Timestamp};
use crate::store::billing::{
    DUE_SELECT, DueCandidate, DueCursor, DueQueue, Statement, period_detail,
};
use crate::store::rules::Retirement;
use crate::store::{Billing, StoreError, StoreResult};

fn stored_count(value: i64) -> rusqlite::Result<u32> {
    u32::try_from(value).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(4, value))
}

/// A row of [`DUE_SELECT`].
fn due_candidate(row: &Row<'_>) -> rusqlite::Result<DueCandidate> {
    let e164: String = row.get(0)?;
    Ok(DueCandidate {
        e164: E164::parse("stored e164", &e164).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
        })?,
        order_id: row.get(1)?,
        payer: stored_account_number(row.get(2)?)?,
        number: DueNumber {
            anchor: row.get(3)?,
            periods_paid: stored_count(row.get(4)?)?,
            suspended_at: row.get(5)?,
        },
        price: Money(row.get(6)?),
        balance: Money(row.get(7)?),
    })
}

#[async_trait]
impl Billing for SqliteStore {
    async fn due_numbers(
        &self,
        as_of: Timestamp,
        after: Option<DueCursor>,
        limit: u32,
    ) -> StoreResult<Vec<DueCandidate>> {
        let after = after.unwrap_or(DueCursor {
            paid_until: i64::MIN,
            e164: String::new(),
        });
        self.reads
            .read(move |conn| {
                let mut stmt = conn.prepare_cached(&format!(
                    "{DUE_SELECT} WHERE n.state = 'active' AND n.paid_until <= ?1
                       AND (n.paid_until, n.e164) > (?2, ?3)
                     ORDER BY n.paid_until, n.e164 LIMIT CAST(?4 AS INTEGER)"
                ))?;
                let rows = stmt
                    .query_map(
                        params![as_of, after.paid_until, after.e164, limit],
                        due_candidate,
                    )?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
    }

    /// One period of each number, each its own write command.
    async fn renew_numbers(
        &self,
        numbers: Vec<DueCandidate>,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> StoreResult<BillingSummary> {
        // Every attempt of the page is queued before any is awaited, so they run in the
        // page's order and share group commits.
        let attempts: Vec<_> = numbers
            .into_iter()
            .map(|candidate| {
                let n = candidate.number.periods_paid;
                let (e164, order_id) = (candidate.e164.as_str().to_owned(), candidate.order_id);
                self.writer.write_queued(move |conn| {
                    attempt_period(conn, &e164, order_id, n, as_of, policy)
                })
            })
            .collect();
        let mut summary = BillingSummary::default();
        for attempt in attempts {
            if let Some((renewal, price)) = attempt.await? {
                summary.add(renewal, price.minor());
            }
        }
        Ok(summary)
    }

    async fn statement(
        &self,
        account: &AccountNumber,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> StoreResult<Statement> {
        let number = account.as_str().to_owned();
        self.reads
            .read(move |conn| super::statement::statement(conn, &number, from, to))
            .await
    }
}

/// Attempts period `n` of `e164` under its order `order_id`, as of `as_of`; `None`
/// when that is no longer the number's first unpaid period (or it is not held under
/// that order any more, or not due).
pub(super) fn attempt_period(
    conn: &Connection,
    e164: &str,
    order_id: i64,
    n: u32,
    as_of: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<Option<(Renewal, Money)>> {
    let candidate = conn
        .prepare_cached(&format!(
            "{DUE_SELECT} WHERE n.e164 = ?1 AND n.state = 'active' AND n.order_id = ?2"
        ))?
        .query_row(params![e164, order_id], due_candidate)
        .optional()?;
    let Some(candidate) = candidate else {
        return Ok(None);
    };
    let number = candidate.number;
    if number.periods_paid != n || !number.is_due(as_of) {
        return Ok(None);
    }
    let holder: String = conn
        .prepare_cached("SELECT account_number FROM numbers WHERE e164 = ?1")?
        .query_row([e164], |r| r.get(0))?;
    let period = number.unpaid_period();
    let detail = period_detail(&period, candidate.price);
    let memo = format!("renewal of {e164}, {detail}");
    let applied = apply_ledger_entry(
        conn,
        &LedgerEntry {
            account: candidate.payer.as_str(),
            amount: Money(-candidate.price.minor()),
            kind: LedgerKind::Renewal,
            order_id: Some(order_id),
            e164: Some(e164),
            memo: &memo,
            at: as_of,
        },
    )?;
    let renewal = decide(&number, applied.is_some(), as_of, policy);
    let history = |event: &str, detail: &str| {
        history_row(conn, e164, event, &holder, order_id, detail, as_of)
    };
    let event = |event_type, did: &crate::domain::Did| {
        Event::did_period(
            event_type,
            did,
            &candidate.payer,
            order_id,
            &period,
            candidate.price,
            as_of,
        )
    };
    match renewal {
        Renewal::Renewed { reactivated, .. } => {
            let entry_id = applied.map(|a| a.entry_id).ok_or_else(|| {
                StoreError::Backend("a renewal was decided without its debit".into())
            })?;
            conn.prepare_cached(
                "INSERT INTO billing_periods (order_id, e164, starts_at, period, ends_at,
                   account_number, amount100, entry_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                order_id,
                e164,
                period.starts_at,
                period.number,
                period.ends_at,
                candidate.payer.as_str(),
                candidate.price.minor(),
                entry_id,
                as_of
            ])?;
            conn.prepare_cached(
                "UPDATE numbers SET periods_paid = ?2, paid_until = ?3,
                   suspended_at = CASE WHEN ?4 THEN NULL ELSE suspended_at END
                 WHERE e164 = ?1",
            )?
            .execute(params![e164, n + 1, period.ends_at, reactivated])?;
            history("renewed", &detail)?;
            let did = reload(conn, &candidate.e164)?;
            let mut events = vec![event(EventType::DidRenewed, &did)];
            if reactivated {
                history("reactivated", &detail)?;
                events.push(event(EventType::DidReactivated, &did));
            }
            record_events(conn, &events)?;
        }
        Renewal::Suspend { .. } => {
            conn.prepare_cached("UPDATE numbers SET suspended_at = ?2 WHERE e164 = ?1")?
                .execute(params![e164, as_of])?;
            history(
                "suspended",
                &format!("unpaid {detail}; balance {}", candidate.balance.minor()),
            )?;
            let did = reload(conn, &candidate.e164)?;
            record_events(conn, &[event(EventType::DidSuspended, &did)])?;
        }
        Renewal::StaySuspended => {}
        Renewal::Release { .. } => {
            // The event shows the number as its holder last saw it.
            let did = reload(conn, &candidate.e164)?;
            retire(
                conn,
                &Retirement {
                    e164,
                    holder: &holder,
                    request_id: None,
                    history_event: "canceled",
                    reason: Some(format!("unpaid {detail}")),
                    at: as_of,
                    release_at: as_of.saturating_add(policy.aging_seconds),
                },
            )?;
            record_events(conn, &[event(EventType::DidReleased, &did)])?;
        }
    }
    Ok(Some((renewal, candidate.price)))
}

/// A row of the number's history that names its order.
fn history_row(
    conn: &Connection,
    e164: &str,
    event: &str,
    holder: &str,
    order_id: i64,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO number_events (e164, event, account_number, order_id, detail, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![e164, event, holder, order_id, detail, at])?;
    Ok(())
}

/// Renews the Suspended numbers of `payer` that its balance now pays for, a period at a
/// time in the run's (`PAID_UNTIL`, `E164`) order, so the oldest owed period is always
/// charged first: a credit's reactivations, in the credit's own transaction. Suspends
/// and releases nothing.
pub(super) fn reactivate_suspended(
    conn: &Connection,
    payer: &str,
    now: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<BillingSummary> {
    let suspended = conn
        .prepare_cached(&format!(
            "{DUE_SELECT} WHERE p.account_number = ?1 AND n.state = 'active'
               AND n.suspended_at IS NOT NULL
             ORDER BY n.paid_until, n.e164"
        ))?
        .query_map([payer], due_candidate)?
        .collect::<Result<Vec<_>, _>>()?;
    let policy = policy.reactivation_only();
    let mut summary = BillingSummary::default();
    let mut queue: DueQueue = suspended.into_iter().collect();
    while let Some(mut candidate) = queue.pop() {
        if !candidate.number.is_due(now) {
            continue;
        }
        let n = candidate.number.periods_paid;
        let e164 = candidate.e164.as_str().to_owned();
        if let Some((renewal @ Renewal::Renewed { .. }, price)) =
            attempt_period(conn, &e164, candidate.order_id, n, now, policy)?
        {
            summary.add(renewal, price.minor());
            candidate.number.periods_paid += 1;
            queue.push(candidate);
        }
    }
    Ok(summary)
}
