//! Account storage: accounts and sub-accounts, API keys, and credits (every balance
//! change goes through `ledger::apply_ledger_entry`).

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::billing::reactivate_suspended;
use super::dids::stored_account_number;
use super::events::record_events;
use super::ledger::apply_ledger_entry;
use crate::domain::account::{Account, NewAccount};
use crate::domain::billing::BillingPolicy;
use crate::domain::events::Event;
use crate::domain::{AccountNumber, Caller, DomainError, Money, Routing, Timestamp};
use crate::store::rules::{check_new_account, credit_entry};
use crate::store::{Accounts, StoreError, StoreResult};

#[async_trait]
impl Accounts for SqliteStore {
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| insert_account(conn, &new, now))
            .await
    }

    async fn account(&self, account_number: &AccountNumber) -> StoreResult<Option<Account>> {
        let number = account_number.as_str().to_owned();
        self.reads
            .read(move |conn| load_account(conn, &number))
            .await
    }

    async fn caller_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Caller>> {
        let key_hash = key_hash.to_owned();
        self.reads
            .read(move |conn| {
                let caller = conn
                    .prepare_cached(
                        "SELECT a.account_number, a.parent_account_number, a.signature_hash
                         FROM api_keys k JOIN accounts a ON a.account_number = k.account_number
                         WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
                    )?
                    .query_row([&key_hash], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get(2)?,
                        ))
                    })
                    .optional()?;
                let Some((account, parent, signature_hash)) = caller else {
                    return Ok(None);
                };
                Ok(Some(Caller {
                    account_number: stored_account_number(account)?,
                    parent: parent.map(stored_account_number).transpose()?,
                    signature_hash,
                }))
            })
            .await
    }

    async fn credentials_version(&self) -> StoreResult<i64> {
        self.reads
            .read(|conn| {
                Ok(conn
                    .prepare_cached("SELECT version FROM credentials_version WHERE id = 1")?
                    .query_row([], |r| r.get(0))?)
            })
            .await
    }

    async fn credit(
        &self,
        account_number: &AccountNumber,
        amount: Money,
        memo: &str,
    ) -> StoreResult<Money> {
        let number = account_number.as_str().to_owned();
        let memo = memo.to_owned();
        let now = self.clock.now();
        self.writer
            .write(move |conn| {
                let account = load_account(conn, &number)?
                    .ok_or_else(|| DomainError::AccountNotFound(number.clone()))?;
                if account.parent.is_some() {
                    return Err(StoreError::Rejected(format!(
                        "account {number} is a sub-account; credit its main account {}",
                        account.payer()
                    )));
                }
                if amount == Money::ZERO {
                    return Err(StoreError::Rejected("the amount must not be zero".into()));
                }
                let entry = credit_entry(&number, amount, &memo, now);
                let balance = apply_ledger_entry(conn, &entry)?
                        .map(|applied| applied.balance)
                        .ok_or_else(|| {
                            StoreError::Rejected(format!(
                                "a change of {amount} would take the balance of {number} below zero (it is {})",
                                account.balance
                            ))
                        })?;
                let event = Event::credit(&account.account_number, amount, balance, &memo, now);
                record_events(conn, &[event])?;
                if amount.minor() > 0 {
                    // A credit renews the Suspended numbers it now pays for, at once.
                    reactivate_suspended(conn, &number, now, BillingPolicy::default())?;
                    return Ok(load_account(conn, &number)?.map_or(balance, |a| a.balance));
                }
                Ok(balance)
            })
            .await
    }
}

fn insert_account(conn: &Connection, new: &NewAccount, now: Timestamp) -> StoreResult<Account> {
    let parent_account = match &new.parent {
        Some(parent) => load_account(conn, parent.as_str())?,
        None => None,
    };
    check_new_account(new, parent_account.as_ref())?;
    let account_number = fresh_account_number(conn)?;
    let r = &new.default_routing;
    conn.execute(
        "INSERT INTO accounts (account_number, parent_account_number, email, signature_hash,
           sms_url, sms_email, sms_phone, call_forward_type, call_forward_to, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            account_number.as_str(),
            new.parent.as_ref().map(|p| p.as_str()),
            new.email,
            new.signature_hash,
            r.sms_url,
            r.sms_email,
            r.sms_phone,
            r.call_forward_type,
            r.call_forward_to,
            now
        ],
    )?;
    conn.execute(
        "INSERT INTO api_keys (key_hash, account_number, created_at) VALUES (?1, ?2, ?3)",
        params![new.key_hash, account_number.as_str(), now],
    )?;
    if new.credit != Money::ZERO {
        let memo = "opening credit";
        let entry = credit_entry(account_number.as_str(), new.credit, memo, now);
        let balance = apply_ledger_entry(conn, &entry)?.map_or(new.credit, |a| a.balance);
        let event = Event::credit(&account_number, new.credit, balance, memo, now);
        record_events(conn, &[event])?;
    }
    load_account(conn, account_number.as_str())?
        .ok_or_else(|| StoreError::Backend("the new account vanished".into()))
}

fn fresh_account_number(conn: &Connection) -> StoreResult<AccountNumber> {
    let mut exists = conn.prepare_cached("SELECT 1 FROM accounts WHERE account_number = ?1")?;
    for _ in 0..100 {
        let candidate = AccountNumber::random();
        if !exists.exists([candidate.as_str()])? {
            return Ok(candidate);
        }
    }
    Err(StoreError::Backend("no free account number found".into()))
}

/// The account `number`, if the caller may act for it; otherwise ACCOUNT_NOT_FOUND,
/// whether or not it exists.
pub(super) fn account_in_tree(
    conn: &Connection,
    caller: &Caller,
    number: &AccountNumber,
) -> StoreResult<Account> {
    load_account(conn, number.as_str())?
        .filter(|account| caller.may_act_for(account))
        .ok_or_else(|| DomainError::AccountNotFound(number.to_string()).into())
}

/// The main account of `number` (itself when it is one).
pub(super) fn main_account_of(conn: &Connection, number: &str) -> StoreResult<AccountNumber> {
    let main: String = conn
        .prepare_cached(
            "SELECT COALESCE(parent_account_number, account_number) FROM accounts
             WHERE account_number = ?1",
        )?
        .query_row([number], |r| r.get(0))?;
    Ok(stored_account_number(main)?)
}

/// Loads an account; a sub-account's balance is its main account's.
pub(super) fn load_account(conn: &Connection, number: &str) -> StoreResult<Option<Account>> {
    Ok(conn
        .prepare_cached(
            "SELECT a.account_number, a.parent_account_number, a.email,
                    a.signature_hash IS NOT NULL, COALESCE(p.balance100, a.balance100),
                    a.sms_url, a.sms_email, a.sms_phone, a.call_forward_type,
                    a.call_forward_to, a.created_at
             FROM accounts a LEFT JOIN accounts p ON p.account_number = a.parent_account_number
             WHERE a.account_number = ?1",
        )?
        .query_row([number], account_from_row)
        .optional()?)
}

fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let parent: Option<String> = row.get(1)?;
    Ok(Account {
        account_number: stored_account_number(row.get(0)?)?,
        parent: parent.map(stored_account_number).transpose()?,
        email: row.get(2)?,
        requires_signature: row.get(3)?,
        balance: Money(row.get(4)?),
        default_routing: Routing {
            sms_url: row.get(5)?,
            sms_email: row.get(6)?,
            sms_phone: row.get(7)?,
            call_forward_type: row.get(8)?,
            call_forward_to: row.get(9)?,
        },
        created_at: row.get(10)?,
    })
}
