//! SMS in PostgreSQL (`store::sms`): each write is one transaction, so a message, its
//! fee's ledger row, its events and its deliveries commit together or not at all. The
//! fee is taken with the guarded debit of every balance change, which PostgreSQL
//! re-evaluates against the latest committed balance, so two messages racing for the
//! last money cannot both be paid.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::events::record_events;
use super::ledger::{LedgerEntry, apply_ledger_entry};
use super::{PostgresStore, begin, finish};
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
impl Sms for PostgresStore {
    async fn receive_sms(&self, message: InboundSms) -> StoreResult<InboundReceipt> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = receive(&tx, &message, now).await;
        finish(tx, outcome).await
    }

    async fn send_sms(&self, message: OutboundSms) -> StoreResult<SmsReceipt> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = send(&tx, &message, now).await;
        finish(tx, outcome).await
    }

    async fn report_sms(&self, report: DeliveryReport) -> StoreResult<bool> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = async {
            let Some(state) = outbound_state(&tx, report.smsid, true).await? else {
                return Ok(false);
            };
            match state.after_report(report.dlr_type) {
                Some(change) => apply_change(&tx, report.smsid, &change, now)
                    .await
                    .map(|()| true),
                None => Ok(false),
            }
        }
        .await;
        finish(tx, outcome).await
    }

    async fn list_sms(
        &self,
        account: Option<AccountNumber>,
        limit: u32,
    ) -> StoreResult<Vec<SmsRecord>> {
        let client = self.client().await?;
        list(&client, account.as_ref(), limit).await
    }

    async fn import_sms_prices(&self, prices: Vec<SmsPrice>) -> StoreResult<usize> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = async {
            for price in &prices {
                let known = tx
                    .query_opt(
                        "SELECT 1 FROM countries WHERE country_id = $1",
                        &[&price.country_id],
                    )
                    .await?;
                if known.is_none() {
                    return Err(unknown_country(&price.country_id));
                }
                tx.execute(
                    "INSERT INTO sms_prices (country_id, price100) VALUES ($1, $2)
                     ON CONFLICT (country_id) DO UPDATE SET price100 = excluded.price100",
                    &[&price.country_id, &price.price.minor()],
                )
                .await?;
            }
            Ok(prices.len())
        }
        .await;
        finish(tx, outcome).await
    }

    async fn sms_prices(&self) -> StoreResult<Vec<SmsPrice>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT country_id, price100 FROM sms_prices ORDER BY country_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SmsPrice {
                    country_id: r.try_get(0)?,
                    price: Money(r.try_get(1)?),
                })
            })
            .collect()
    }
}

fn stored_account(text: &str) -> StoreResult<AccountNumber> {
    AccountNumber::parse("stored account", text).map_err(|e| StoreError::Backend(e.to_string()))
}

/// The number a message is to, if it is held or aging.
async fn receiving_number(
    c: &impl GenericClient,
    e164: &E164,
) -> StoreResult<Option<ReceivingNumber>> {
    let query = c
        .prepare_cached(
            "SELECT n.state, n.suspended_at IS NOT NULL, n.account_number,
                    COALESCE(a.parent_account_number, a.account_number),
                    n.sms_url, n.sms_email, n.sms_phone
             FROM numbers n JOIN accounts a ON a.account_number = n.account_number
             WHERE n.e164 = $1 AND n.state IN ('active', 'aging')",
        )
        .await?;
    let Some(r) = c.query_opt(&query, &[&e164.as_str()]).await? else {
        return Ok(None);
    };
    let state: String = r.try_get(0)?;
    Ok(Some(ReceivingNumber {
        e164: e164.clone(),
        status: DidStatus::from_stored(&state, r.try_get(1)?),
        holder: stored_account(r.try_get(2)?)?,
        main_account: stored_account(r.try_get(3)?)?,
        sms_url: r.try_get(4)?,
        sms_email: r.try_get(5)?,
        sms_phone: r.try_get(6)?,
    }))
}

/// The price per part to `to`: its country's row, or `default`.
async fn price_to(c: &impl GenericClient, to: &E164, default: Money) -> StoreResult<Money> {
    let Some(country) = destination_country(to) else {
        return Ok(default);
    };
    let row = c
        .query_opt(
            "SELECT price100 FROM sms_prices WHERE country_id = $1",
            &[&country.as_str()],
        )
        .await?;
    Ok(match row {
        Some(r) => Money(r.try_get(0)?),
        None => default,
    })
}

/// Changes a main account's balance by `amount` with a ledger row naming the number;
/// the row's id, or `None` when the balance would go below zero.
async fn ledger_entry(
    c: &impl GenericClient,
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
    Ok(apply_ledger_entry(c, &entry)
        .await?
        .map(|applied| applied.entry_id))
}

async fn balance(c: &impl GenericClient, account: &AccountNumber) -> StoreResult<Money> {
    let row = c
        .query_opt(
            "SELECT balance100 FROM accounts WHERE account_number = $1",
            &[&account.as_str()],
        )
        .await?;
    Ok(match row {
        Some(r) => Money(r.try_get(0)?),
        None => Money::ZERO,
    })
}

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
async fn write_outbound(
    c: &impl GenericClient,
    m: &NewOutbound<'_>,
    default_price: Money,
    keep_unpaid: bool,
    now: Timestamp,
) -> StoreResult<(i64, Money, Result<(), String>)> {
    let parts = count_parts(m.text);
    let price = price_to(c, m.to, default_price).await?;
    let fee = fee(parts.count, price).ok_or_else(|| StoreError::Backend("fee overflows".into()))?;
    let memo = format!("SMS to {}", m.to);
    let (debit, paid) = if fee == Money::ZERO {
        (None, Ok(()))
    } else {
        let debit = Money(-fee.minor());
        match ledger_entry(
            c,
            m.account,
            debit,
            LedgerKind::Sms,
            m.from.as_str(),
            &memo,
            now,
        )
        .await?
        {
            Some(entry) => (Some(entry), Ok(())),
            None => {
                let refusal = insufficient_funds(fee, balance(c, m.account).await?);
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
    let row = c
        .query_one(
            "INSERT INTO sms_messages (direction, account_number, e164, from_addr, to_addr, body,
               coding, parts, fee100, state, reason, forwarded_from, debit_entry_id,
               created_at, updated_at)
             VALUES ('out', $1, $2, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             RETURNING sms_id",
            &[
                &m.account.as_str(),
                &m.from.as_str(),
                &m.to.as_str(),
                &m.text,
                &parts.coding.as_str(),
                &i64::from(parts.count),
                &fee_kept.minor(),
                &state.as_str(),
                &reason,
                &m.forwarded_from,
                &debit,
                &now,
            ],
        )
        .await?;
    Ok((row.try_get(0)?, fee_kept, paid))
}

async fn set_event(c: &impl GenericClient, sms_id: i64, event_id: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE sms_messages SET event_id = $2 WHERE sms_id = $1",
        &[&sms_id, &event_id],
    )
    .await?;
    Ok(())
}

async fn deliver(
    c: &impl GenericClient,
    event_id: &str,
    channel: Channel,
    target: &str,
    failed: Option<&str>,
) -> StoreResult<()> {
    let state = if failed.is_some() {
        "failed"
    } else {
        "pending"
    };
    c.execute(
        "INSERT INTO deliveries (event_id, channel, target, state, due_at_ms, last_error)
         VALUES ($1, $2, $3, $4, 0, $5)",
        &[
            &event_id,
            &channel.as_str(),
            &target,
            &state,
            &failed.unwrap_or(""),
        ],
    )
    .await?;
    Ok(())
}

async fn receive(
    c: &impl GenericClient,
    m: &InboundSms,
    now: Timestamp,
) -> StoreResult<InboundReceipt> {
    let number = match &m.to {
        Some(to) => receiving_number(c, to).await?,
        None => None,
    };
    let plan = plan_inbound(number.as_ref(), &m.from, &m.text);
    let parts = count_parts(&m.text);
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
    let row = c
        .query_one(
            "INSERT INTO sms_messages (direction, account_number, e164, from_addr, to_addr, body,
               coding, parts, state, reason, smsc, kannel_id, created_at, updated_at)
             VALUES ('in', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             RETURNING sms_id",
            &[
                &owner.as_ref().map(AccountNumber::as_str),
                &m.to.as_ref().map(E164::as_str),
                &m.from,
                &m.to.as_ref().map_or(m.to_raw.as_str(), E164::as_str),
                &m.text,
                &parts.coding.as_str(),
                &i64::from(parts.count),
                &state.as_str(),
                &undeliverable.as_deref().unwrap_or(""),
                &m.smsc,
                &m.kannel_id,
                &now,
            ],
        )
        .await?;
    let smsid: i64 = row.try_get(0)?;
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
        let (forward_id, fee, paid) =
            write_outbound(c, &outbound, m.default_price, true, now).await?;
        let channel_state = if paid.is_ok() { "pending" } else { "failed" };
        states.push((channel_name(Channel::Kannel), channel_state.to_owned()));
        if paid.is_ok() {
            sent_event = Some(Event::sms_sent(
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
            ));
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
    record_events(c, &events).await?;
    set_event(c, smsid, &received.id).await?;
    if let (Some(sent), Some((forward_id, _))) = (&sent_event, &forward) {
        set_event(c, *forward_id, &sent.id).await?;
    }
    for (channel, target) in &channels {
        deliver(c, &received.id, *channel, target, None).await?;
    }
    if let Some((forward_id, paid)) = &forward {
        let failed = paid.as_ref().err().map(String::as_str);
        deliver(
            c,
            &received.id,
            Channel::Kannel,
            &forward_id.to_string(),
            failed,
        )
        .await?;
    }
    Ok(receipt)
}

async fn send(c: &impl GenericClient, m: &OutboundSms, now: Timestamp) -> StoreResult<SmsReceipt> {
    let row = c
        .query_opt(
            "SELECT n.account_number, COALESCE(a.parent_account_number, a.account_number),
                    n.state, n.suspended_at IS NOT NULL, c.country_id, c.is_sms
             FROM numbers n JOIN accounts a ON a.account_number = n.account_number
             JOIN areas ar ON ar.area_id = n.area_id
             JOIN countries c ON c.country_id = ar.country_id
             WHERE n.e164 = $1 AND n.state IN ('active', 'aging')",
            &[&m.from.as_str()],
        )
        .await?;
    let held = match &row {
        Some(r) => {
            let state: String = r.try_get(2)?;
            Some((
                stored_account(r.try_get(0)?)?,
                stored_account(r.try_get(1)?)?,
                DidStatus::from_stored(&state, r.try_get(3)?),
            ))
        }
        None => None,
    };
    check_sender(m, held.as_ref().map(|(h, main, s)| (h, main, *s)))?;
    let row = row.expect("checked above");
    let country: String = row.try_get(4)?;
    check_sms_country(m, &country, row.try_get(5)?)?;
    let payer = m.caller.main_account().clone();
    let outbound = NewOutbound {
        account: &payer,
        from: &m.from,
        to: &m.to,
        text: &m.text,
        forwarded_from: None,
    };
    let (smsid, fee, _) = write_outbound(c, &outbound, m.default_price, false, now).await?;
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
    record_events(c, std::slice::from_ref(&sent)).await?;
    set_event(c, smsid, &sent.id).await?;
    deliver(c, &sent.id, Channel::Kannel, &smsid.to_string(), None).await?;
    Ok(SmsReceipt {
        smsid,
        parts: m.parts.count,
        fee,
    })
}

/// An outbound message's state, its row locked when `lock` (reports and refusals of
/// one message then apply one after the other).
async fn outbound_state(
    c: &impl GenericClient,
    smsid: i64,
    lock: bool,
) -> StoreResult<Option<OutboundState>> {
    let query = if lock {
        "SELECT state FROM sms_messages WHERE sms_id = $1 AND direction = 'out' FOR UPDATE"
    } else {
        "SELECT state FROM sms_messages WHERE sms_id = $1 AND direction = 'out'"
    };
    let Some(row) = c.query_opt(query, &[&smsid]).await? else {
        return Ok(None);
    };
    let state: String = row.try_get(0)?;
    OutboundState::parse(&state)
        .map(Some)
        .ok_or_else(|| StoreError::Backend(format!("stored SMS state {state}")))
}

/// Kannel finally refused the message `smsid`: it fails and is refunded (once).
pub(super) async fn refuse(
    c: &impl GenericClient,
    smsid: i64,
    why: &str,
    now: Timestamp,
) -> StoreResult<()> {
    if let Some(change) = outbound_state(c, smsid, true)
        .await?
        .and_then(|s| s.after_refusal(why))
    {
        apply_change(c, smsid, &change, now).await?;
    }
    Ok(())
}

/// Writes a state change of an outbound message, its refund when due, and `sms.status`.
async fn apply_change(
    c: &impl GenericClient,
    smsid: i64,
    change: &Change,
    now: Timestamp,
) -> StoreResult<()> {
    let row = c
        .query_one(
            "SELECT account_number, e164, fee100, refund_entry_id FROM sms_messages
             WHERE sms_id = $1",
            &[&smsid],
        )
        .await?;
    let account = stored_account(row.try_get(0)?)?;
    let e164: String = row.try_get(1)?;
    let fee: i64 = row.try_get(2)?;
    let refunded_before: Option<i64> = row.try_get(3)?;
    let mut refunded = Money::ZERO;
    if change.refund && fee > 0 && refunded_before.is_none() {
        let memo = format!("refund of SMS {smsid}");
        let entry = ledger_entry(
            c,
            &account,
            Money(fee),
            LedgerKind::Refund,
            &e164,
            &memo,
            now,
        )
        .await?
        .ok_or_else(|| StoreError::Backend("a refund cannot lower a balance".into()))?;
        c.execute(
            "UPDATE sms_messages SET refund_entry_id = $2 WHERE sms_id = $1",
            &[&smsid, &entry],
        )
        .await?;
        refunded = Money(fee);
    }
    c.execute(
        "UPDATE sms_messages SET state = $2, reason = $3, updated_at = $4 WHERE sms_id = $1",
        &[&smsid, &change.state.as_str(), &change.reason, &now],
    )
    .await?;
    let event = Event::sms_status(smsid, change.state, &change.reason, refunded, &account, now);
    record_events(c, &[event]).await
}

async fn list(
    c: &impl GenericClient,
    account: Option<&AccountNumber>,
    limit: u32,
) -> StoreResult<Vec<SmsRecord>> {
    let main: Option<String> = match account {
        Some(account) => {
            let row = c
                .query_opt(
                    "SELECT COALESCE(parent_account_number, account_number) FROM accounts
                     WHERE account_number = $1",
                    &[&account.as_str()],
                )
                .await?
                .ok_or_else(|| DomainError::AccountNotFound(account.to_string()))?;
            Some(row.try_get(0)?)
        }
        None => None,
    };
    let rows = c
        .query(
            "SELECT m.sms_id, m.direction, m.account_number, m.from_addr, m.to_addr, m.parts,
                    m.fee100, m.state, m.reason, m.created_at,
                    count(*) FILTER (WHERE d.state = 'pending'),
                    count(*) FILTER (WHERE d.state = 'delivered'),
                    count(*) FILTER (WHERE d.state = 'failed')
             FROM sms_messages m
             LEFT JOIN deliveries d ON m.direction = 'in' AND d.event_id = m.event_id
                  AND d.channel <> 'webhook'
             WHERE $1::text IS NULL OR m.account_number = $1
             GROUP BY m.sms_id ORDER BY m.sms_id DESC LIMIT $2",
            &[&main, &i64::from(limit.clamp(1, MAX_SMS_PAGE))],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let direction: String = r.try_get(1)?;
            let stored: String = r.try_get(7)?;
            let count =
                |i: usize| -> StoreResult<u64> { Ok(r.try_get::<_, i64>(i)?.max(0) as u64) };
            let state = if direction == "in" {
                InboundState::from_channels(
                    stored == "undeliverable",
                    count(10)?,
                    count(11)?,
                    count(12)?,
                )
                .as_str()
                .to_owned()
            } else {
                stored
            };
            Ok(SmsRecord {
                smsid: r.try_get(0)?,
                direction,
                account_number: r.try_get(2)?,
                from: r.try_get(3)?,
                to: r.try_get(4)?,
                parts: u32::try_from(r.try_get::<_, i64>(5)?).unwrap_or(u32::MAX),
                fee: Money(r.try_get(6)?).to_string(),
                state,
                reason: r.try_get(8)?,
                created_at: r.try_get(9)?,
            })
        })
        .collect()
}
