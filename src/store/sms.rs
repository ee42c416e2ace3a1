//! The store's side of SMS (`sms.md`): storing inbound messages with their deliveries,
//! paying for and queueing outbound ones, delivery reports, the SMS price list, and
//! `sms list`. One implementation per backend (`sqlite/sms.rs`, `postgres/sms.rs`);
//! every decision they apply is `domain::sms`'s, and the rules below.

use async_trait::async_trait;

use super::{StoreError, StoreResult};
use crate::domain::did::DidStatus;
use crate::domain::sms::{
    DeliveryReport, InboundReceipt, InboundSms, OutboundSms, SmsPrice, SmsReceipt, SmsRecord,
};
use crate::domain::{AccountNumber, DomainError};

/// The most messages one `sms list` returns.
pub const MAX_SMS_PAGE: u32 = 10_000;

#[async_trait]
pub trait Sms: Send + Sync {
    /// Stores a message Kannel handed over and, when its number is Active, queues a
    /// delivery per channel, all in one transaction (with `sms.received`, and for
    /// `SMS_PHONE` the paid forward with its `sms.sent`).
    async fn receive_sms(&self, message: InboundSms) -> StoreResult<InboundReceipt>;
    /// Checks the sender, debits the fee and queues the message for Kannel, in one
    /// transaction with `sms.sent`; nothing when any check fails.
    async fn send_sms(&self, message: OutboundSms) -> StoreResult<SmsReceipt>;
    /// Applies a Kannel delivery report (with `sms.status`, and the refund of a reject);
    /// `false` when the message is unknown or the report changes nothing.
    async fn report_sms(&self, report: DeliveryReport) -> StoreResult<bool>;
    /// Messages, newest first: every account's, or one main account's (and its
    /// sub-accounts').
    async fn list_sms(
        &self,
        account: Option<AccountNumber>,
        limit: u32,
    ) -> StoreResult<Vec<SmsRecord>>;
    /// Sets the price of each country named (others keep theirs); how many rows.
    async fn import_sms_prices(&self, prices: Vec<SmsPrice>) -> StoreResult<usize>;
    /// The price list, by country.
    async fn sms_prices(&self) -> StoreResult<Vec<SmsPrice>>;
}

/// Whether `caller` may send from a number held by `holder` (whose main account is
/// `holder_main`) in `status`: its own number, or as a main account one of its
/// sub-accounts'; and only while Active. DID_NOT_FOUND hides other customers' numbers.
pub fn check_sender(
    message: &OutboundSms,
    held: Option<(&AccountNumber, &AccountNumber, DidStatus)>,
) -> StoreResult<()> {
    let caller = &message.caller;
    let e164 = message.from.to_string();
    let Some((holder, holder_main, status)) = held else {
        return Err(DomainError::DidNotFound(e164).into());
    };
    let mine = holder == &caller.account_number
        || (caller.is_main() && holder_main == &caller.account_number);
    if !mine || status == DidStatus::Canceled {
        return Err(DomainError::DidNotFound(e164).into());
    }
    if status != DidStatus::Active {
        return Err(DomainError::DidNotActive {
            e164,
            status: status.as_str().to_owned(),
        }
        .into());
    }
    Ok(())
}

/// SMS_NOT_OFFERED unless the sender's country offers SMS.
pub fn check_sms_country(message: &OutboundSms, country: &str, is_sms: bool) -> StoreResult<()> {
    if is_sms {
        Ok(())
    } else {
        Err(DomainError::SmsNotOffered {
            e164: message.from.to_string(),
            country: country.to_owned(),
        }
        .into())
    }
}

/// `deliveries retry` of a `kannel` delivery: refused once its message failed (it was
/// refunded, or never paid), so nothing is sent unpaid; `message_state` is the message's.
pub fn check_kannel_retry(delivery_id: i64, message_state: Option<&str>) -> StoreResult<()> {
    if message_state == Some("failed") {
        return Err(StoreError::Rejected(format!(
            "delivery {delivery_id} carries an SMS that failed (refunded or never paid); \
             send it again instead"
        )));
    }
    Ok(())
}

/// A price list row naming a country the catalog does not have.
pub fn unknown_country(country_id: &str) -> StoreError {
    StoreError::Rejected(format!(
        "country '{country_id}' is not in the catalog; load it first"
    ))
}
