//! Monthly billing's rules (`billing.md`): the periods of a held number, computed from its
//! anchor and never from a previous due date, and what a renewal attempt does with a
//! number: renew it, suspend it, leave it suspended, or release it as unpaid.
//!
//! The backends only carry these decisions out inside their transactions; the order in
//! which numbers are visited, (`PAID_UNTIL`, `E164`), is the sweep's index order.

use serde::Serialize;
use time::{Date, Month, OffsetDateTime, Time};

use super::{DomainError, Timestamp};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Default days a number stays Suspended before it is released.
pub const DEFAULT_GRACE_DAYS: u32 = 14;

/// How the renewal run treats numbers that cannot be paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPolicy {
    /// Days a number stays Suspended after its unpaid period was due before it is
    /// released (reason `unpaid`).
    pub grace_days: u32,
    /// How long a released number ages before it returns to stock (as after DID.CANCEL).
    pub aging_seconds: i64,
}

impl Default for BillingPolicy {
    fn default() -> Self {
        BillingPolicy {
            grace_days: DEFAULT_GRACE_DAYS,
            aging_seconds: 90 * DAY,
        }
    }
}

impl BillingPolicy {
    /// The policy of a credit's reactivations: they renew what the credit pays for and
    /// never suspend or release anything (the renewal run does that).
    pub fn reactivation_only(self) -> BillingPolicy {
        BillingPolicy {
            grace_days: u32::MAX,
            ..self
        }
    }

    /// The instant from which a number whose unpaid period started at `due` is released.
    pub fn release_from(self, due: Timestamp) -> Timestamp {
        due.saturating_add(i64::from(self.grace_days) * DAY)
    }
}

fn calendar_date(at: Timestamp) -> Date {
    OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .date()
}

/// The start of period `n` of a number anchored at `anchor` (the instant of the order
/// that gave it to its holder): 00:00 UTC of the anchor's month plus `n` months, on the
/// anchor's day of month or the month's last day when it is shorter. Period 0 starts on
/// the anchor's own date; the order paid it.
pub fn due(anchor: Timestamp, n: u32) -> Timestamp {
    let date = calendar_date(anchor);
    let months = i64::from(date.year()) * 12 + i64::from(u8::from(date.month()) - 1) + i64::from(n);
    let year = i32::try_from(months.div_euclid(12)).unwrap_or(i32::MAX);
    let month = Month::try_from(months.rem_euclid(12) as u8 + 1).unwrap_or(Month::January);
    let day = date.day().min(time::util::days_in_month(month, year));
    Date::from_calendar_date(year, month, day)
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
        .unwrap_or(i64::MAX)
}

/// Period `n` of a number: `[starts_at, ends_at)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub number: u32,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
}

impl Period {
    pub fn of(anchor: Timestamp, n: u32) -> Period {
        Period {
            number: n,
            starts_at: due(anchor, n),
            ends_at: due(anchor, n + 1),
        }
    }
}

/// `YYYY-MM-DD` of an instant, in UTC (`PAID_UNTIL`).
pub fn utc_date(at: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// Reads an instant for `--as-of`: RFC 3339 (`2027-01-31T00:00:00Z`) or a bare UTC date
/// (`2027-01-31`, its midnight).
pub fn parse_instant(name: &str, text: &str) -> Result<Timestamp, DomainError> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at.unix_timestamp());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format)
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp())
        .map_err(|_| {
            DomainError::invalid(
                name,
                text,
                "expected an RFC 3339 instant (2027-01-31T00:00:00Z) or a date (2027-01-31)",
            )
        })
}

/// A held number as a renewal attempt finds it, under its row lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueNumber {
    /// The order that gave the number to its holder: `assigned_at`.
    pub anchor: Timestamp,
    /// Periods paid so far (the order paid period 0, so at least 1).
    pub periods_paid: u32,
    /// Set while the number is Suspended.
    pub suspended_at: Option<Timestamp>,
}

impl DueNumber {
    /// The first unpaid period: the one an attempt charges.
    pub fn unpaid_period(&self) -> Period {
        Period::of(self.anchor, self.periods_paid)
    }

    /// `PAID_UNTIL`: the first day of the first unpaid period.
    pub fn paid_until(&self) -> Timestamp {
        due(self.anchor, self.periods_paid)
    }

    /// Whether a run as of `as_of` should attempt this number at all.
    pub fn is_due(&self, as_of: Timestamp) -> bool {
        self.paid_until() <= as_of
    }
}

/// What to do with a due number, once the conditional debit of its unpaid period has
/// succeeded (`paid`) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// The period was charged; the number stays (or becomes again) Active when nothing
    /// else is due. `reactivated` when it was Suspended and is now paid up.
    Renewed { period: Period, reactivated: bool },
    /// Not paid: the number becomes Suspended now.
    Suspend { period: Period },
    /// Not paid and already Suspended, within its grace days: nothing changes.
    StaySuspended,
    /// Not paid, already Suspended, and `grace_days` have passed since the period was
    /// due (or since the suspension, when that came later): released as unpaid. A
    /// number is always Suspended `grace_days` before it is released, so its holder is
    /// warned by `did.suspended` even when no run happened for weeks, and a run killed
    /// and run again as of the same instant releases nothing the first one suspended.
    Release { period: Period },
}

/// The decision for `number`, attempted as of `as_of`, given whether its unpaid
/// period's debit went through.
pub fn decide(number: &DueNumber, paid: bool, as_of: Timestamp, policy: BillingPolicy) -> Renewal {
    let period = number.unpaid_period();
    if paid {
        let after = DueNumber {
            periods_paid: number.periods_paid + 1,
            ..*number
        };
        return Renewal::Renewed {
            period,
            reactivated: number.suspended_at.is_some() && !after.is_due(as_of),
        };
    }
    match number.suspended_at {
        None => Renewal::Suspend { period },
        Some(since) if as_of >= policy.release_from(period.starts_at.max(since)) => {
            Renewal::Release { period }
        }
        Some(_) => Renewal::StaySuspended,
    }
}

impl DueNumber {
    /// Whether a run should attempt the number, knowing its price and (as last read) its
    /// payer's balance: always when it is not Suspended; a Suspended one only when the
    /// balance now covers a period or its grace days are over, so a sweep does not
    /// re-try every unpaid number every minute. (A credit reactivates at once anyway.)
    pub fn worth_attempting(
        &self,
        price: i64,
        balance: i64,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> bool {
        match self.suspended_at {
            None => true,
            Some(since) => {
                balance >= price || as_of >= policy.release_from(self.paid_until().max(since))
            }
        }
    }

    /// What attempting the first unpaid period as of `as_of` against `balance` would
    /// do, done to this copy: the balance lowered by a charge, the period counted paid,
    /// the suspension noted. A preview is this, number by number in the run's order.
    pub fn attempt_simulated(
        &mut self,
        price: i64,
        balance: &mut i64,
        as_of: Timestamp,
        policy: BillingPolicy,
    ) -> Renewal {
        let paid = *balance >= price;
        let renewal = decide(self, paid, as_of, policy);
        match renewal {
            Renewal::Renewed { reactivated, .. } => {
                *balance -= price;
                self.periods_paid += 1;
                if reactivated {
                    self.suspended_at = None;
                }
            }
            Renewal::Suspend { .. } => self.suspended_at = Some(as_of),
            Renewal::StaySuspended | Renewal::Release { .. } => {}
        }
        renewal
    }
}

/// What a renewal run did (or, for a preview, would do).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BillingSummary {
    /// Periods charged.
    pub renewed: u64,
    /// Numbers back to Active after being Suspended.
    pub reactivated: u64,
    /// Numbers that became Suspended.
    pub suspended: u64,
    /// Numbers released as unpaid.
    pub released: u64,
    /// The sum of the periods charged, in minor units.
    pub charged100: i64,
}

impl BillingSummary {
    /// Counts one attempt's outcome; `price` is what the period cost (charged or not).
    pub fn add(&mut self, renewal: Renewal, price: i64) {
        match renewal {
            Renewal::Renewed { reactivated, .. } => {
                self.renewed += 1;
                self.charged100 += price;
                self.reactivated += u64::from(reactivated);
            }
            Renewal::Suspend { .. } => self.suspended += 1,
            Renewal::Release { .. } => self.released += 1,
            Renewal::StaySuspended => {}
        }
    }

    pub fn merge(&mut self, other: BillingSummary) {
        self.renewed += other.renewed;
        self.reactivated += other.reactivated;
        self.suspended += other.suspended;
        self.released += other.released;
        self.charged100 += other.charged100;
    }

    /// Whether the run changed anything.
    pub fn is_empty(&self) -> bool {
        *self == BillingSummary::default()
    }
}

#[cfg(test)]
mod tests;
