//! Monthly renewals on PostgreSQL (`billing.md`), shared by every `serve` process.
//!
//! - An account's due numbers are handled by one process at a time: the process holds a
//!   session-level advisory lock on the paying account while it goes through them, so
//!   within an account numbers are always processed in (`PAID_UNTIL`, `E164`) order,
//!   each debit seeing the live balance. Other processes skip a locked account and take
//!   the next one.
//! - Every period is one transaction: it locks the paying account's row (as every
//!   balance change does, so credits and orders wait for it, never the reverse), then
//!   claims the number with `FOR UPDATE SKIP LOCKED`, reads it again, and does nothing
//!   unless the period is still its first unpaid one. The primary key of
//!   `billing_periods` makes a second charge of a period impossible even so.

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio_postgres::Row;

use super::dids::{stored_account_number, stored_e164};
use super::events::record_events;
use super::ledger::{LedgerEntry, LedgerKind, apply_ledger_entry};
use super::lifecycle::{reload, retire};
use super::{PostgresStore, begin, begin_snapshot, finish};
use crate::domain::billing::{BillingPolicy, BillingSummary, DueNumber, Renewal, decide};
use crate::domain::events::{Event, EventType};
use crate::domain::{AccountNumber, Money, Timestamp};
use crate::store::billing::{
    DUE_SELECT, DueCandidate, DueCursor, DueQueue, Statement, period_detail,
};
use crate::store::rules::Retirement;
use crate::store::{Billing, StoreError, StoreResult};

/// The first key of the advisory locks billing takes (the second is the account's).
const BILLING_LOCK_CLASS: i32 = 0x6469_6462; // "didb"
/// Accounts one process renews at once.
const ACCOUNTS_AT_ONCE: usize = 4;

fn due_candidate(row: &Row) -> StoreResult<DueCandidate> {
    let count = |value: i64| {
        u32::try_from(value).map_err(|_| StoreError::Backend(format!("stored count {value}")))
    };
    Ok(DueCandidate {
        e164: stored_e164(row.try_get(0)?)?,
        order_id: row.try_get(1)?,
        payer: stored_account_number(row.try_get(2)?)?,
        number: DueNumber {
            anchor: row.try_get(3)?,
            periods_paid: count(row.try_get(4)?)?,
            suspended_at: row.try_get(5)?,
        },
        price: Money(row.try_get(6)?),
        balance: Money(row.try_get(7)?),
    })
}

#[async_trait]
impl Billing for PostgresStore {
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
        let client = self.client().await?;
        let query = client
            .prepare_cached(&format!(
                "{DUE_SELECT} WHERE n.state = 'active' AND n.paid_until <= $1
                   AND (n.paid_until, n.e164) > ($2, $3)
                 ORDER BY n.paid_until, n.e164 LIMIT $4"
            ))
            .await?;
        let rows = client
            .query(
                &query,
                &[&as_of, &after.paid_until, &after.e164, &i64::from(limit)],
            )
            .await?;
        rows.iter().map(due_candidate).collect()
    }

    async fn renew_numbers(
        &self,
        numbers: Vec<DueCandidate>,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> StoreResult<BillingSummary> {
        // Group by paying account, keeping each account's numbers in the page's order.
        let mut order: Vec<AccountNumber> = Vec::new();
        let mut groups: HashMap<AccountNumber, Vec<DueCandidate>> = HashMap::new();
        for candidate in numbers {
            let group = groups.entry(candidate.payer.clone()).or_insert_with(|| {
                order.push(candidate.payer.clone());
                Vec::new()
            });
            group.push(candidate);
        }
        let summaries: Vec<BillingSummary> = stream::iter(order)
            .map(|payer| {
                let group = groups.remove(&payer).unwrap_or_default();
                self.renew_account(payer, group, as_of, policy)
            })
            .buffer_unordered(ACCOUNTS_AT_ONCE)
            .try_collect()
            .await?;
        let mut summary = BillingSummary::default();
        for part in summaries {
            summary.merge(part);
        }
        Ok(summary)
    }

    async fn statement(
        &self,
        account: &AccountNumber,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> StoreResult<Statement> {
        let mut client = self.client().await?;
        let tx = begin_snapshot(&mut client).await?;
        let outcome = super::statement::statement(&tx, account.as_str(), from, to).await;
        finish(tx, outcome).await
    }
}

impl PostgresStore {
    /// One account's due numbers, in order, while this process holds the account's
    /// billing lock; nothing when another process holds it.
    async fn renew_account(
        &self,
        payer: AccountNumber,
        numbers: Vec<DueCandidate>,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> StoreResult<BillingSummary> {
        let mut client = self.client().await?;
        let lock = client
            .prepare_cached("SELECT pg_try_advisory_lock($1, hashtext($2))")
            .await?;
        let locked: bool = client
            .query_one(&lock, &[&BILLING_LOCK_CLASS, &payer.as_str()])
            .await?
            .try_get(0)?;
        if !locked {
            return Ok(BillingSummary::default());
        }
        let outcome = renew_locked(&mut client, &numbers, as_of, policy).await;
        let unlock = client
            .query_one(
                "SELECT pg_advisory_unlock($1, hashtext($2))",
                &[&BILLING_LOCK_CLASS, &payer.as_str()],
            )
            .await;
        if outcome.is_err() || unlock.is_err() {
            // Closing the connection ends its session and with it the lock, wherever
            // the failure left it.
            drop(Object::take(client));
        }
        outcome
    }
}

async fn renew_locked(
    client: &mut Object,
    numbers: &[DueCandidate],
    as_of: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<BillingSummary> {
    let mut summary = BillingSummary::default();
    for candidate in numbers {
        let n = candidate.number.periods_paid;
        let tx = begin(client).await?;
        let outcome = attempt_period(&tx, candidate, n, as_of, policy).await;
        if let Some((renewal, price)) = finish(tx, outcome).await? {
            summary.add(renewal, price.minor());
        }
    }
    Ok(summary)
}

/// Attempts period `n` of the candidate's number, in the caller's transaction; `None`
/// when that is no longer its first unpaid period (or it is not held under that order
/// any more, not due, or another transaction holds it).
async fn attempt_period(
    c: &impl GenericClient,
    candidate: &DueCandidate,
    n: u32,
    as_of: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<Option<(Renewal, Money)>> {
    let lock_payer = c
        .prepare_cached("SELECT 1 FROM accounts WHERE account_number = $1 FOR NO KEY UPDATE")
        .await?;
    c.query_opt(&lock_payer, &[&candidate.payer.as_str()])
        .await?;
    let claim = c
        .prepare_cached(&format!(
            "{DUE_SELECT} WHERE n.e164 = $1 AND n.state = 'active' AND n.order_id = $2
             FOR UPDATE OF n SKIP LOCKED"
        ))
        .await?;
    let e164 = candidate.e164.as_str();
    let Some(row) = c.query_opt(&claim, &[&e164, &candidate.order_id]).await? else {
        return Ok(None);
    };
    let fresh = due_candidate(&row)?;
    let number = fresh.number;
    if number.periods_paid != n || !number.is_due(as_of) || fresh.payer != candidate.payer {
        return Ok(None);
    }
    let holder: String = c
        .query_one(
            "SELECT account_number FROM numbers WHERE e164 = $1",
            &[&e164],
        )
        .await?
        .try_get(0)?;
    let order_id = fresh.order_id;
    let period = number.unpaid_period();
    let detail = period_detail(&period, fresh.price);
    let memo = format!("renewal of {e164}, {detail}");
    let applied = apply_ledger_entry(
        c,
        &LedgerEntry {
            account: fresh.payer.as_str(),
            amount: Money(-fresh.price.minor()),
            kind: LedgerKind::Renewal,
            order_id: Some(order_id),
            e164: Some(e164),
            memo: &memo,
            at: as_of,
        },
    )
    .await?;
    let renewal = decide(&number, applied.is_some(), as_of, policy);
    let event = |event_type, did: &crate::domain::Did| {
        Event::did_period(
            event_type,
            did,
            &fresh.payer,
            order_id,
            &period,
            fresh.price,
            as_of,
        )
    };
    match renewal {
        Renewal::Renewed { reactivated, .. } => {
            let entry_id = applied.map(|a| a.entry_id).ok_or_else(|| {
                StoreError::Backend("a renewal was decided without its debit".into())
            })?;
            let insert = c
                .prepare_cached(
                    "INSERT INTO billing_periods (order_id, e164, starts_at, period, ends_at,
                       account_number, amount100, entry_id, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .await?;
            c.execute(
                &insert,
                &[
                    &order_id,
                    &e164,
                    &period.starts_at,
                    &i64::from(period.number),
                    &period.ends_at,
                    &fresh.payer.as_str(),
                    &fresh.price.minor(),
                    &entry_id,
                    &as_of,
                ],
            )
            .await?;
            let update = c
                .prepare_cached(
                    "UPDATE numbers SET periods_paid = $2, paid_until = $3,
                       suspended_at = CASE WHEN $4 THEN NULL ELSE suspended_at END
                     WHERE e164 = $1",
                )
                .await?;
            c.execute(
                &update,
                &[&e164, &i64::from(n + 1), &period.ends_at, &reactivated],
            )
            .await?;
            history_row(c, e164, "renewed", &holder, order_id, &detail, as_of).await?;
            let did = reload(c, &candidate.e164).await?;
            let mut events = vec![event(EventType::DidRenewed, &did)];
            if reactivated {
                history_row(c, e164, "reactivated", &holder, order_id, &detail, as_of).await?;
                events.push(event(EventType::DidReactivated, &did));
            }
            record_events(c, &events).await?;
        }
        Renewal::Suspend { .. } => {
            c.execute(
                "UPDATE numbers SET suspended_at = $2 WHERE e164 = $1",
                &[&e164, &as_of],
            )
            .await?;
            let detail = format!("unpaid {detail}; balance {}", fresh.balance.minor());
            history_row(c, e164, "suspended", &holder, order_id, &detail, as_of).await?;
            let did = reload(c, &candidate.e164).await?;
            record_events(c, &[event(EventType::DidSuspended, &did)]).await?;
        }
        Renewal::StaySuspended => {}
        Renewal::Release { .. } => {
            // The event shows the number as its holder last saw it.
            let did = reload(c, &candidate.e164).await?;
            let retirement = Retirement {
                e164,
                holder: &holder,
                request_id: None,
                history_event: "canceled",
                reason: Some(format!("unpaid {detail}")),
                at: as_of,
                release_at: as_of.saturating_add(policy.aging_seconds),
            };
            retire(c, &retirement).await?;
            record_events(c, &[event(EventType::DidReleased, &did)]).await?;
        }
    }
    Ok(Some((renewal, fresh.price)))
}

/// A row of the number's history that names its order.
async fn history_row(
    c: &impl GenericClient,
    e164: &str,
    event: &str,
    holder: &str,
    order_id: i64,
    detail: &str,
    at: Timestamp,
) -> StoreResult<()> {
    let insert = c
        .prepare_cached(
            "INSERT INTO number_events (e164, event, account_number, order_id, detail, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .await?;
    c.execute(&insert, &[&e164, &event, &holder, &order_id, &detail, &at])
        .await?;
    Ok(())
}

/// Renews the Suspended numbers of `payer` that its balance now pays for, a period at a
/// time in the run's (`PAID_UNTIL`, `E164`) order, so the oldest owed period is always
/// charged first: a credit's reactivations, in the credit's transaction (which already
/// holds the account's row). Numbers another
/// transaction holds are left to the renewal run. Suspends and releases nothing.
pub(super) async fn reactivate_suspended(
    c: &impl GenericClient,
    payer: &str,
    now: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<BillingSummary> {
    let query = c
        .prepare_cached(&format!(
            "{DUE_SELECT} WHERE p.account_number = $1 AND n.state = 'active'
               AND n.suspended_at IS NOT NULL
             ORDER BY n.paid_until, n.e164"
        ))
        .await?;
    let suspended = c.query(&query, &[&payer]).await?;
    let policy = policy.reactivation_only();
    let mut summary = BillingSummary::default();
    let mut queue: DueQueue = suspended
        .iter()
        .map(due_candidate)
        .collect::<StoreResult<_>>()?;
    while let Some(mut candidate) = queue.pop() {
        if !candidate.number.is_due(now) {
            continue;
        }
        let n = candidate.number.periods_paid;
        if let Some((renewal @ Renewal::Renewed { .. }, price)) =
            attempt_period(c, &candidate, n, now, policy).await?
        {
            summary.add(renewal, price.minor());
            candidate.number.periods_paid += 1;
            queue.push(candidate);
        }
    }
    Ok(summary)
}
