//! SMS in SQLite (`store::sms`): every write is one writer command, so a message, its
//! fee's ledger row, its events and its deliveries commit together or not at all.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::events::record_events;
use super::ledger::{LedgerEntry, apply_ledger_entry};
use crate::domain::delivery::Channel;
use crate::domain::events::Event;
use crate::domain::events::sms::{Received, Sent};
use crate::domain::sms::address::destination_country;
use crate::domain::sms::{
    Change, DeliveryReport, InboundPlan, InboundReceipt, InboundSms, InboundState, OutboundSms,
    OutboundState, ReceivingNumber, SmsPrice, SmsReceipt, SmsRecord, channel_name, count_parts,
    fee, plan_inbound,
};
use crate::domain::{AccountNumber, DidStatus, DomainError, E164, Money, Timestamp};
use crate::store::rules::{LedgerKind, insufficient_funds};
use crate::store::sms::{MAX_SMS_PAGE, Sms, check_sender, check_sms_country, unknown_country};
use crate::store::{StoreError, StoreResult};

#[async_trait]
impl Sms for SqliteStore {
    async fn receive_sms(&self, message: InboundSms) -> StoreResult<InboundReceipt> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| receive(conn, &message, now))
            .await
    }

    async fn send_sms(&self, message: OutboundSms) -> StoreResult<SmsReceipt> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| send(conn, &message, now))
            .await
    }

    async fn report_sms(&self, report: DeliveryReport) -> StoreResult<bool> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| {
                let Some(state) = outbound_state(conn, report.smsid)? else {
                    return Ok(false);
                };
                match state.after_report(report.dlr_type) {
                    Some(change) => apply_change(conn, report.smsid, &change, now).map(|()| true),
                    None => Ok(false),
                }
            })
            .await
    }

    async fn list_sms(
        &self,
        account: Option<AccountNumber>,
        limit: u32,
    ) -> StoreResult<Vec<SmsRecord>> {
        self.reads
            .read(move |conn| list(conn, account.as_ref(), limit))
            .await
    }

    async fn import_sms_prices(&self, prices: Vec<SmsPrice>) -> StoreResult<usize> {
        self.writer
            .write(move |conn| {
                let mut known =
                    conn.prepare_cached("SELECT 1 FROM countries WHERE country_id = ?1")?;
                let mut upsert = conn.prepare_cached(
                    "INSERT INTO sms_prices (country_id, price100) VALUES (?1, ?2)
                     ON CONFLICT (country_id) DO UPDATE SET price100 = excluded.price100",
                )?;
                for price in &prices {
                    if !known.exists([&price.country_id])? {
                        return Err(unknown_country(&price.country_id));
                    }
                    upsert.execute(params![price.country_id, price.price.minor()])?;
                }
                Ok(prices.len())
            })
            .await
    }

    async fn sms_prices(&self) -> StoreResult<Vec<SmsPrice>> {
        self.reads
            .read(|conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT country_id, price100 FROM sms_prices ORDER BY country_id",
                )?;
                let prices = stmt
                    .query_map([], |r| {
                        Ok(SmsPrice {
                            country_id: r.get(0)?,
                            price: Money(r.get(1)?),
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(prices)
            })
            .await
    }
}

/// The number a message is to, if it is held or aging.
fn receiving_number(conn: &Connection, e164: &E164) -> StoreResult<Option<ReceivingNumber>> {
    let found = conn
        .prepare_cached(
            "SELECT n.state, n.suspended_at IS NOT NULL, n.account_number,
                    COALESCE(a.parent_account_number, a.account_number),
                    n.sms_url, n.sms_email, n.sms_phone
             FROM numbers n JOIN accounts a ON a.account_number = n.account_number
             WHERE n.e164 = ?1 AND n.state IN ('active', 'aging')",
        )?
        .query_row([e164.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    let Some((state, suspended, holder, main, sms_url, sms_email, sms_phone)) = found else {
        return Ok(None);
    };
    Ok(Some(ReceivingNumber {
        e164: e164.clone(),
        status: DidStatus::from_stored(&state, suspended),
        holder: stored_account(&holder)?,
        main_account: stored_account(&main)?,
        sms_url,
        sms_email,
        sms_phone,
    }))
}

fn stored_account(text: &str) -> StoreResult<AccountNumber> {
    AccountNumber::parse("stored account", text).map_err(|e| StoreError::Backend(e.to_string()))
}

/// The price per part to `to`: its country's row, or `default`.
fn price_to(conn: &Connection, to: &E164, default: Money) -> StoreResult<Money> {
    let Some(country) = destination_country(to) else {
        return Ok(default);
    };
    let price: Option<i64> = conn
        .prepare_cached("SELECT price100 FROM sms_prices WHERE country_id = ?1")?
        .query_row([country.as_str()], |r| r.get(0))
        .optional()?;
    Ok(price.map_or(default, Money))
}

/// Changes a main account's balance by `amount` with a ledger row naming the number;
/// the row's id, or `None` when the balance would go below zero.
fn ledger_entry(
    conn: &Connection,
    account: &AccountNumber,
    amount: Money,
    kind: LedgerKind,
    e164: &str,
    memo: &str,
    at: Timestamp,
) -> StoreResult<Option<i64>> {
    let entry = LedgerEntry {
        account: account.as_str(),
        amount,
        kind,
        order_id: None,
        e164: Some(e164),
        memo,
        at,
    };
    Ok(apply_ledger_entry(conn, &entry)?.map(|applied| applied.entry_id))
}

fn balance(conn: &Connection, account: &AccountNumber) -> StoreResult<Money> {
    Ok(Money(
        conn.prepare_cached("SELECT balance100 FROM accounts WHERE account_number = ?1")?
            .query_row([account.as_str()], |r| r.get(0))
            .optional()?
            .unwrap_or(0),
    ))
}

/// An outbound message to write.
struct NewOutbound<'a> {
    account: &'a AccountNumber,
    from: &'a E164,
    to: &'a E164,
    text: &'a str,
    forwarded_from: Option<i64>,
}

/// Debits and writes an outbound message (state queued), or, when the account cannot
/// pay and `keep_unpaid`, writes it failed with the reason. Its id, fee and whether it
/// was paid; INSUFFICIENT_FUNDS when it cannot be paid and is not kept.
fn write_outbound(
    conn: &Connection,
    m: &NewOutbound<'_>,
    default_price: Money,
    keep_unpaid: bool,
    now: Timestamp,
) -> StoreResult<(i64, Money, Result<(), String>)> {
    let parts = count_parts(m.text);
    let price = price_to(conn, m.to, default_price)?;
    let fee = fee(parts.count, price).ok_or_else(|| StoreError::Backend("fee overflows".into()))?;
    let memo = format!("SMS to {}", m.to);
    let (debit, paid) = if fee == Money::ZERO {
        (None, Ok(()))
    } else {
        let debit = Money(-fee.minor());
        match ledger_entry(
            conn,
            m.account,
            debit,
            LedgerKind::Sms,
            m.from.as_str(),
            &memo,
            now,
        )? {
            Some(entry) => (Some(entry), Ok(())),
            None => {
                let refusal = insufficient_funds(fee, balance(conn, m.account)?);
                if !keep_unpaid {
                    return Err(refusal);
                }
                (None, Err(refusal.to_string()))
            }
        }
    };
    let (state, fee_kept, reason) = match &paid {
        Ok(()) => (OutboundState::Queued, fee, String::new()),
        Err(why) => (OutboundState::Failed, Money::ZERO, why.clone()),
    };
    conn.prepare_cached(
        "INSERT INTO sms_messages (direction, account_number, e164, from_addr, to_addr, body,
           coding, parts, fee100, state, reason, forwarded_from, debit_entry_id,
           created_at, updated_at)
         VALUES ('out', ?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        m.account.as_str(),
        m.from.as_str(),
        m.to.as_str(),
        m.text,
        parts.coding.as_str(),
        parts.count,
        fee_kept.minor(),
        state.as_str(),
        reason,
        m.forwarded_from,
        debit,
        now
    ])?;
    Ok((conn.last_insert_rowid(), fee_kept, paid))
}

fn set_event(conn: &Connection, sms_id: i64, event_id: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sms_messages SET event_id = ?2 WHERE sms_id = ?1")?
        .execute(params![sms_id, event_id])?;
    Ok(())
}

fn deliver(
    conn: &Connection,
    event_id: &str,
    channel: Channel,
    target: &str,
    failed: Option<&str>,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO deliveries (event_id, channel, target, state, due_at_ms, last_error)
         VALUES (?1, ?2, ?3, ?4, 0, ?5)",
    )?
    .execute(params![
        event_id,
        channel.as_str(),
        target,
        if failed.is_some() {
            "failed"
        } else {
            "pending"
        },
        failed.unwrap_or("")
    ])?;
    Ok(())
}

fn receive(conn: &Connection, m: &InboundSms, now: Timestamp) -> StoreResult<InboundReceipt> {
    let number = match &m.to {
        Some(to) => receiving_number(conn, to)?,
        None => None,
    };
    let plan = plan_inbound(number.as_ref(), &m.from, &m.text);
    let parts = count_parts(&m.text);
    // A message belongs to the number's holder while it is held (Active or Suspended).
    let owner = number
        .as_ref()
        .filter(|n| n.status != DidStatus::Canceled)
        .map(|n| n.main_account.clone());
    let undeliverable = match &plan {
        InboundPlan::Undeliverable(reason) => Some(reason.clone()),
        InboundPlan::Deliver { .. } => None,
    };
    let state = if undeliverable.is_some() {
        InboundState::Undeliverable
    } else {
        InboundState::Stored
    };
    conn.prepare_cached(
        "INSERT INTO sms_messages (direction, account_number, e164, from_addr, to_addr, body,
           coding, parts, state, reason, smsc, kannel_id, created_at, updated_at)
         VALUES ('in', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        owner.as_ref().map(AccountNumber::as_str),
        m.to.as_ref().map(E164::as_str),
        m.from,
        m.to.as_ref().map_or(m.to_raw.as_str(), E164::as_str),
        m.text,
        parts.coding.as_str(),
        parts.count,
        state.as_str(),
        undeliverable.as_deref().unwrap_or(""),
        m.smsc,
        m.kannel_id,
        now
    ])?;
    let smsid = conn.last_insert_rowid();
    let receipt = InboundReceipt {
        smsid,
        undeliverable: undeliverable.clone(),
    };
    let (Some(owner), Some(number)) = (owner, number) else {
        return Ok(receipt);
    };
    let (channels, forward_to) = match plan {
        InboundPlan::Deliver {
            channels,
            forward_to,
        } => (channels, forward_to),
        InboundPlan::Undeliverable(_) => (Vec::new(), None),
    };
    let mut states: Vec<(&'static str, String)> = channels
        .iter()
        .map(|(channel, _)| (channel_name(*channel), "pending".to_owned()))
        .collect();
    let mut forward = None;
    let mut sent_event = None;
    if let Some(to) = &forward_to {
        let outbound = NewOutbound {
            account: &owner,
            from: &number.e164,
            to,
            text: &m.text,
            forwarded_from: Some(smsid),
        };
        let (forward_id, fee, paid) = write_outbound(conn, &outbound, m.default_price, true, now)?;
        states.push((
            channel_name(Channel::Kannel),
            match &paid {
                Ok(()) => "pending".to_owned(),
                Err(_) => "failed".to_owned(),
            },
        ));
        if paid.is_ok() {
            let sent = Event::sms_sent(
                &Sent {
                    smsid: forward_id,
                    from: number.e164.as_str(),
                    to: to.as_str(),
                    text: &m.text,
                    parts: parts.count,
                    fee,
                    forwarded_from: Some(smsid),
                },
                &owner,
                now,
            );
            sent_event = Some(sent);
        }
        forward = Some((forward_id, paid));
    }
    let received = Event::sms_received(
        &Received {
            smsid,
            from: &m.from,
            to: number.e164.as_str(),
            text: &m.text,
            undeliverable: undeliverable.as_deref(),
            channels: states,
            forward: forward
                .as_ref()
                .zip(forward_to.as_ref())
                .map(|((id, _), to)| (*id, number.e164.as_str(), to.as_str())),
        },
        &owner,
        now,
    );
    let mut events = vec![received.clone()];
    events.extend(sent_event.clone());
    record_events(conn, &events)?;
    set_event(conn, smsid, &received.id)?;
    if let (Some(sent), Some((forward_id, _))) = (&sent_event, &forward) {
        set_event(conn, *forward_id, &sent.id)?;
    }
    for (channel, target) in &channels {
        deliver(conn, &received.id, *channel, target, None)?;
    }
    if let Some((forward_id, paid)) = &forward {
        let failed = paid.as_ref().err().map(String::as_str);
        deliver(
            conn,
            &received.id,
            Channel::Kannel,
            &forward_id.to_string(),
            failed,
        )?;
    }
    Ok(receipt)
}

/// The sending number's holder, its main account, status, and its country's id and
/// whether it offers SMS.
type SenderRow = (String, String, DidStatus, String, bool);

fn sender_row(conn: &Connection, e164: &E164) -> StoreResult<Option<SenderRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT n.account_number, COALESCE(a.parent_account_number, a.account_number),
                    n.state, n.suspended_at IS NOT NULL, c.country_id, c.is_sms
             FROM numbers n JOIN accounts a ON a.account_number = n.account_number
             JOIN areas ar ON ar.area_id = n.area_id
             JOIN countries c ON c.country_id = ar.country_id
             WHERE n.e164 = ?1 AND n.state IN ('active', 'aging')",
        )?
        .query_row([e164.as_str()], |r| {
            let state: String = r.get(2)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                DidStatus::from_stored(&state, r.get(3)?),
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?)
}

fn send(conn: &Connection, m: &OutboundSms, now: Timestamp) -> StoreResult<SmsReceipt> {
    let row = sender_row(conn, &m.from)?;
    let held = row
        .as_ref()
        .map(|(holder, main, status, _, _)| {
            Ok::<_, StoreError>((stored_account(holder)?, stored_account(main)?, *status))
        })
        .transpose()?;
    check_sender(m, held.as_ref().map(|(h, main, s)| (h, main, *s)))?;
    let (_, _, _, country, is_sms) = row.expect("checked above");
    check_sms_country(m, &country, is_sms)?;
    let payer = m.caller.main_account().clone();
    let outbound = NewOutbound {
        account: &payer,
        from: &m.from,
        to: &m.to,
        text: &m.text,
        forwarded_from: None,
    };
    let (smsid, fee, _) = write_outbound(conn, &outbound, m.default_price, false, now)?;
    let sent = Event::sms_sent(
        &Sent {
            smsid,
            from: m.from.as_str(),
            to: m.to.as_str(),
            text: &m.text,
            parts: m.parts.count,
            fee,
            forwarded_from: None,
        },
        &payer,
        now,
    );
    record_events(conn, std::slice::from_ref(&sent))?;
    set_event(conn, smsid, &sent.id)?;
    deliver(conn, &sent.id, Channel::Kannel, &smsid.to_string(), None)?;
    Ok(SmsReceipt {
        smsid,
        parts: m.parts.count,
        fee,
    })
}

fn outbound_state(conn: &Connection, smsid: i64) -> StoreResult<Option<OutboundState>> {
    let state: Option<String> = conn
        .prepare_cached("SELECT state FROM sms_messages WHERE sms_id = ?1 AND direction = 'out'")?
        .query_row([smsid], |r| r.get(0))
        .optional()?;
    state
        .map(|s| {
            OutboundState::parse(&s)
                .ok_or_else(|| StoreError::Backend(format!("stored SMS state {s}")))
        })
        .transpose()
}

/// Kannel finally refused the message `smsid`: it fails and is refunded (once).
pub(super) fn refuse(conn: &Connection, smsid: i64, why: &str, now: Timestamp) -> StoreResult<()> {
    if let Some(change) = outbound_state(conn, smsid)?.and_then(|s| s.after_refusal(why)) {
        apply_change(conn, smsid, &change, now)?;
    }
    Ok(())
}

/// Writes a state change of an outbound message, its refund when due, and `sms.status`.
fn apply_change(conn: &Connection, smsid: i64, change: &Change, now: Timestamp) -> StoreResult<()> {
    let (account, e164, fee, refunded_before): (String, String, i64, Option<i64>) = conn
        .prepare_cached(
            "SELECT account_number, e164, fee100, refund_entry_id FROM sms_messages
             WHERE sms_id = ?1",
        )?
        .query_row([smsid], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let account = stored_account(&account)?;
    let mut refunded = Money::ZERO;
    if change.refund && fee > 0 && refunded_before.is_none() {
        let memo = format!("refund of SMS {smsid}");
        let entry = ledger_entry(
            conn,
            &account,
            Money(fee),
            LedgerKind::Refund,
            &e164,
            &memo,
            now,
        )?
        .ok_or_else(|| StoreError::Backend("a refund cannot lower a balance".into()))?;
        conn.prepare_cached("UPDATE sms_messages SET refund_entry_id = ?2 WHERE sms_id = ?1")?
            .execute(params![smsid, entry])?;
        refunded = Money(fee);
    }
    conn.prepare_cached(
        "UPDATE sms_messages SET state = ?2, reason = ?3, updated_at = ?4 WHERE sms_id = ?1",
    )?
    .execute(params![smsid, change.state.as_str(), change.reason, now])?;
    let event = Event::sms_status(smsid, change.state, &change.reason, refunded, &account, now);
    record_events(conn, &[event])
}

fn list(
    conn: &Connection,
    account: Option<&AccountNumber>,
    limit: u32,
) -> StoreResult<Vec<SmsRecord>> {
    let main = match account {
        Some(account) => Some(
            conn.prepare_cached(
                "SELECT COALESCE(parent_account_number, account_number) FROM accounts
                 WHERE account_number = ?1",
            )?
            .query_row([account.as_str()], |r| r.get::<_, String>(0))
            .optional()?
            .ok_or_else(|| DomainError::AccountNotFound(account.to_string()))?,
        ),
        None => None,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT m.sms_id, m.direction, m.account_number, m.from_addr, m.to_addr, m.parts,
                m.fee100, m.state, m.reason, m.created_at,
                COALESCE(SUM(d.state = 'pending'), 0), COALESCE(SUM(d.state = 'delivered'), 0),
                COALESCE(SUM(d.state = 'failed'), 0)
         FROM sms_messages m
         LEFT JOIN deliveries d ON m.direction = 'in' AND d.event_id = m.event_id
              AND d.channel <> 'webhook'
         WHERE ?1 IS NULL OR m.account_number = ?1
         GROUP BY m.sms_id ORDER BY m.sms_id DESC LIMIT CAST(?2 AS INTEGER)",
    )?;
    let records = stmt
        .query_map(params![main, limit.clamp(1, MAX_SMS_PAGE)], |r| {
            let direction: String = r.get(1)?;
            let stored: String = r.get(7)?;
            let state = if direction == "in" {
                InboundState::from_channels(
                    stored == "undeliverable",
                    r.get::<_, i64>(10)?.max(0) as u64,
                    r.get::<_, i64>(11)?.max(0) as u64,
                    r.get::<_, i64>(12)?.max(0) as u64,
                )
                .as_str()
                .to_owned()
            } else {
                stored
            };
            Ok(SmsRecord {
                smsid: r.get(0)?,
                direction,
                account_number: r.get(2)?,
                from: r.get(3)?,
                to: r.get(4)?,
                parts: r.get(5)?,
                fee: Money(r.get(6)?).to_string(),
                state,
                reason: r.get(8)?,
                created_at: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(records)
}
