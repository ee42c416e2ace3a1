//! The renewal run (`billing.md`), as `serve`'s sweep and `didhub billing run` do it,
//! and its preview.
//!
//! A run visits due numbers in (`PAID_UNTIL`, `E164`) order, charging one period per
//! visit: a number renewed and still due comes round again when its new `PAID_UNTIL`
//! is reached, so a number a year behind is caught up month by month beside the
//! others, and the order depends only on what is stored. That makes a run that was
//! killed and is run again continue exactly where one clean run would have gone. Each
//! page holds numbers of one `PAID_UNTIL` only, so every number renewed in a page lands
//! after the page, in its turn; memory stays bounded by the page.

use std::collections::{HashMap, VecDeque};

use crate::domain::billing::{BillingPolicy, BillingSummary};
use crate::domain::{AccountNumber, Timestamp};
use crate::store::billing::DueQueue;
use crate::store::{DueCandidate, DueCursor, Store, StoreResult};

/// Due numbers read and renewed at a time.
pub const PAGE: u32 = 512;

/// Renews, suspends and releases every number due as of `as_of`; what it did. Safe to
/// run while another run (in this or another process) is under way.
pub async fn run(
    store: &dyn Store,
    as_of: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<BillingSummary> {
    run_while(store, as_of, policy, || true).await
}

/// [`run`], stopping between two pages once `keep_going` says no (a shutdown); what
/// is left is due at the next run.
pub async fn run_while(
    store: &dyn Store,
    as_of: Timestamp,
    policy: BillingPolicy,
    keep_going: impl Fn() -> bool,
) -> StoreResult<BillingSummary> {
    let mut summary = BillingSummary::default();
    let mut after = None;
    while keep_going() {
        let mut page = store.due_numbers(as_of, after.clone(), PAGE).await?;
        let Some(first) = page.first() else {
            break;
        };
        let paid_until = first.number.paid_until();
        page.retain(|c| c.number.paid_until() == paid_until);
        after = page.last().map(DueCandidate::cursor);
        page.retain(|c| {
            c.number
                .worth_attempting(c.price.minor(), c.balance.minor(), as_of, policy)
        });
        if !page.is_empty() {
            summary.merge(store.renew_numbers(page, as_of, policy).await?);
        }
    }
    Ok(summary)
}

/// What [`run`] would do as of `as_of`, changing nothing: the run's visits replayed in
/// memory against each account's balance as read, numbers renewed in the replay coming
/// round again in their turn.
pub async fn preview(
    store: &dyn Store,
    as_of: Timestamp,
    policy: BillingPolicy,
) -> StoreResult<BillingSummary> {
    let mut summary = BillingSummary::default();
    let mut balances: HashMap<AccountNumber, i64> = HashMap::new();
    let mut again = DueQueue::default();
    let mut stored: VecDeque<DueCandidate> = VecDeque::new();
    let mut after: Option<DueCursor> = None;
    let mut exhausted = false;
    loop {
        if stored.is_empty() && !exhausted {
            let page = store.due_numbers(as_of, after.clone(), PAGE).await?;
            exhausted = page.len() < PAGE as usize;
            after = page.last().map(DueCandidate::cursor);
            stored.extend(page);
        }
        let from_store = match (stored.front(), again.peek()) {
            (Some(s), Some(a)) => s.visit_key() <= a.visit_key(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return Ok(summary),
        };
        let mut candidate = if from_store {
            stored.pop_front().expect("peeked")
        } else {
            again.pop().expect("peeked")
        };
        let balance = balances
            .entry(candidate.payer.clone())
            .or_insert(candidate.balance.minor());
        let price = candidate.price.minor();
        let renewal = candidate
            .number
            .attempt_simulated(price, balance, as_of, policy);
        summary.add(renewal, price);
        if matches!(renewal, crate::domain::billing::Renewal::Renewed { .. })
            && candidate.number.is_due(as_of)
        {
            again.push(candidate);
        }
    }
}
