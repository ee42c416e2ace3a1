//! The store's side of monthly billing (`billing.md`): finding due numbers in the
//! sweep's order, charging their periods one transaction each, and an account's
//! statement. What a renewal attempt decides is `domain::billing`; the run that pages
//! through due numbers is `admin::billing`.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use async_trait::async_trait;
use serde::Serialize;

use super::StoreResult;
use crate::domain::billing::{BillingPolicy, BillingSummary, DueNumber};
use crate::domain::{AccountNumber, E164, Money, Timestamp};

/// A held number whose `PAID_UNTIL` is at or before the run's instant, as the run's
/// page read it (the attempt reads it again under its lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCandidate {
    pub e164: E164,
    /// The holder's order of the number: with the period's start, the key that makes a
    /// period chargeable once only.
    pub order_id: i64,
    /// The main account that pays.
    pub payer: AccountNumber,
    pub number: DueNumber,
    /// The renewal price now: the plan's MONTHLY100 in the number's area, else the
    /// country default, else (a plan no longer priced) what the number was sold at.
    pub price: Money,
    /// The payer's balance when the page was read.
    pub balance: Money,
}

impl DueCandidate {
    /// Where the next page starts.
    pub fn cursor(&self) -> DueCursor {
        DueCursor {
            paid_until: self.number.paid_until(),
            e164: self.e164.as_str().to_owned(),
        }
    }
}

impl DueCandidate {
    /// Where the number stands in a run's order: (`PAID_UNTIL`, `E164`).
    pub fn visit_key(&self) -> (Timestamp, &str) {
        (self.number.paid_until(), self.e164.as_str())
    }
}

/// Numbers waiting for a visit, the first in the run's order first: a number renewed
/// and still due goes back in with its new `PAID_UNTIL` (a preview's replay, a credit's
/// reactivations).
#[derive(Default)]
pub struct DueQueue(BinaryHeap<Reverse<Queued>>);

struct Queued(DueCandidate);

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.0.visit_key() == other.0.visit_key()
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.visit_key().cmp(&other.0.visit_key())
    }
}

impl DueQueue {
    pub fn push(&mut self, candidate: DueCandidate) {
        self.0.push(Reverse(Queued(candidate)));
    }

    pub fn peek(&self) -> Option<&DueCandidate> {
        self.0.peek().map(|Reverse(q)| &q.0)
    }

    pub fn pop(&mut self) -> Option<DueCandidate> {
        self.0.pop().map(|Reverse(q)| q.0)
    }
}

impl FromIterator<DueCandidate> for DueQueue {
    fn from_iter<I: IntoIterator<Item = DueCandidate>>(iter: I) -> Self {
        DueQueue(iter.into_iter().map(|c| Reverse(Queued(c))).collect())
    }
}

/// A position in the sweep's order, (`PAID_UNTIL`, `E164`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCursor {
    pub paid_until: Timestamp,
    pub e164: String,
}

/// One ledger row of a statement, with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    pub entry_id: i64,
    pub at: Timestamp,
    /// `credit`, `order`, `renewal`, `sms` or `refund`.
    pub kind: String,
    pub amount100: i64,
    pub balance100: i64,
    pub order_id: Option<i64>,
    pub e164: Option<String>,
    pub memo: String,
}

/// A main account's ledger between two instants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub account_number: String,
    /// The balance before the first line.
    pub opening_balance100: i64,
    pub lines: Vec<StatementLine>,
    /// The balance after the last line (with no `--to`, the balance now).
    pub closing_balance100: i64,
}

impl Statement {
    /// The statement of `account` from its opening balance and its rows (in the order
    /// they were written), with each row's running balance filled in.
    pub fn from_lines(
        account: &str,
        opening_balance100: i64,
        mut lines: Vec<StatementLine>,
    ) -> Statement {
        let mut balance = opening_balance100;
        for line in &mut lines {
            balance += line.amount100;
            line.balance100 = balance;
        }
        Statement {
            account_number: account.to_owned(),
            opening_balance100,
            lines,
            closing_balance100: balance,
        }
    }
}

/// Monthly renewals.
#[async_trait]
pub trait Billing: Send + Sync {
    /// Up to `limit` held numbers whose `PAID_UNTIL` is at or before `as_of`, in
    /// (`PAID_UNTIL`, `E164`) order, after `after`.
    async fn due_numbers(
        &self,
        as_of: Timestamp,
        after: Option<DueCursor>,
        limit: u32,
    ) -> StoreResult<Vec<DueCandidate>>;

    /// Attempts every due period of `numbers` as of `as_of`, in the order given, each
    /// period in its own transaction: a number's periods oldest first until it is paid
    /// up, Suspended or released. A number that changed since it was read (renewed by
    /// another run, canceled, moved to another order) is left alone, so running this
    /// twice, or in several processes at once, charges every period once.
    async fn renew_numbers(
        &self,
        numbers: Vec<DueCandidate>,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> StoreResult<BillingSummary>;

    /// Every ledger row of a main account from `from` to `to` (inclusive; either open),
    /// oldest first, with the running balance.
    async fn statement(
        &self,
        account: &AccountNumber,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> StoreResult<Statement>;
}

/// The columns of a due number (read by `due_number_from` in each backend), from
/// `numbers n` with its holder, payer and current price, in both backends' SQL.
pub const DUE_SELECT: &str = "SELECT n.e164, n.order_id, p.account_number, n.assigned_at, \
     n.periods_paid, n.suspended_at, \
     COALESCE(ap.monthly100, cp.monthly100, n.monthly100, 0), p.balance100 \
     FROM numbers n \
     JOIN accounts h ON h.account_number = n.account_number \
     JOIN accounts p ON p.account_number = COALESCE(h.parent_account_number, h.account_number) \
     JOIN areas a ON a.area_id = n.area_id \
     LEFT JOIN area_prices ap ON ap.area_id = n.area_id AND ap.rate_plan_id = n.rate_plan_id \
     LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = n.did_type \
     AND cp.rate_plan_id = n.rate_plan_id";

/// A history row's detail for a period: `period 3, 2027-03-31 to 2027-04-30, 150`.
pub fn period_detail(period: &crate::domain::billing::Period, price: Money) -> String {
    use crate::domain::billing::utc_date;
    format!(
        "period {}, {} to {}, {}",
        period.number,
        utc_date(period.starts_at),
        utc_date(period.ends_at),
        price.minor()
    )
}
