//! Account storage: accounts and sub-accounts, API keys, credits (through the ledger,
//! see [`super::ledger`]).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::billing::reactivate_suspended;
use super::dids::stored_account_number;
use super::events::record_events;
use super::ledger::apply_ledger_entry;
use super::{PostgresStore, begin, finish};
use crate::domain::account::{Account, NewAccount};
use crate::domain::billing::BillingPolicy;
use crate::domain::events::Event;
use crate::domain::{AccountNumber, Caller, DomainError, Money, Routing, Timestamp};
use crate::store::rules::{check_new_account, credit_entry};
use crate::store::{Accounts, StoreError, StoreResult};

#[async_trait]
impl Accounts for PostgresStore {
    async fn create_account(&self, new: NewAccount) -> StoreResult<Account> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = insert_account(&tx, &new, now).await;
        finish(tx, outcome).await
    }

    async fn account(&self, account_number: &AccountNumber) -> StoreResult<Option<Account>> {
        let client = self.client().await?;
        load_account(&client, account_number.as_str()).await
    }

    async fn caller_by_key_hash(&self, key_hash: &str) -> StoreResult<Option<Caller>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(
                "SELECT a.account_number, a.parent_account_number, a.signature_hash
                 FROM api_keys k JOIN accounts a ON a.account_number = k.account_number
                 WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
            )
            .await?;
        let Some(row) = client.query_opt(&query, &[&key_hash]).await? else {
            return Ok(None);
        };
        let parent: Option<String> = row.try_get(1)?;
        Ok(Some(Caller {
            account_number: stored_account_number(row.try_get(0)?)?,
            parent: parent.map(stored_account_number).transpose()?,
            signature_hash: row.try_get(2)?,
        }))
    }

    async fn credentials_version(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        let query = client
            .prepare_cached("SELECT version FROM credentials_version WHERE id = 1")
            .await?;
        Ok(client.query_one(&query, &[]).await?.try_get(0)?)
    }

    async fn credit(
        &self,
        account_number: &AccountNumber,
        amount: Money,
        memo: &str,
    ) -> StoreResult<Money> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = credit(&tx, account_number.as_str(), amount, memo, now).await;
        finish(tx, outcome).await
    }
}

async fn credit(
    c: &impl GenericClient,
    number: &str,
    amount: Money,
    memo: &str,
    now: Timestamp,
) -> StoreResult<Money> {
    let account = load_account(c, number)
        .await?
        .ok_or_else(|| DomainError::AccountNotFound(number.to_owned()))?;
    if account.parent.is_some() {
        return Err(StoreError::Rejected(format!(
            "account {number} is a sub-account; credit its main account {}",
            account.payer()
        )));
    }
    if amount == Money::ZERO {
        return Err(StoreError::Rejected("the amount must not be zero".into()));
    }
    if let Some(applied) = apply_ledger_entry(c, &credit_entry(number, amount, memo, now)).await? {
        let balance = applied.balance;
        let event = Event::credit(&account.account_number, amount, balance, memo, now);
        record_events(c, &[event]).await?;
        if amount.minor() > 0 {
            // A credit renews the Suspended numbers it now pays for, at once.
            reactivate_suspended(c, number, now, BillingPolicy::default()).await?;
            return Ok(load_account(c, number)
                .await?
                .map_or(balance, |a| a.balance));
        }
        return Ok(balance);
    }
    // Name the balance the guard saw, which a concurrent order may have lowered.
    let balance = load_account(c, number)
        .await?
        .map_or(account.balance, |a| a.balance);
    Err(StoreError::Rejected(format!(
        "a change of {amount} would take the balance of {number} below zero (it is {balance})"
    )))
}

async fn insert_account(
    c: &impl GenericClient,
    new: &NewAccount,
    now: Timestamp,
) -> StoreResult<Account> {
    let parent_account = match &new.parent {
        Some(parent) => load_account(c, parent.as_str()).await?,
        None => None,
    };
    check_new_account(new, parent_account.as_ref())?;
    let account_number = insert_with_fresh_number(c, new, now).await?;
    let insert_key = c
        .prepare_cached(
            "INSERT INTO api_keys (key_hash, account_number, created_at) VALUES ($1, $2, $3)",
        )
        .await?;
    c.execute(
        &insert_key,
        &[&new.key_hash, &account_number.as_str(), &now],
    )
    .await?;
    if new.credit != Money::ZERO {
        let memo = "opening credit";
        let entry = credit_entry(account_number.as_str(), new.credit, memo, now);
        let balance = apply_ledger_entry(c, &entry)
            .await?
            .map_or(new.credit, |a| a.balance);
        let event = Event::credit(&account_number, new.credit, balance, memo, now);
        record_events(c, &[event]).await?;
    }
    load_account(c, account_number.as_str())
        .await?
        .ok_or_else(|| StoreError::Backend("the new account vanished".into()))
}

/// Inserts the account under a random number no other account has; another process
/// taking the same number at the same moment only makes this try the next one.
async fn insert_with_fresh_number(
    c: &impl GenericClient,
    new: &NewAccount,
    now: Timestamp,
) -> StoreResult<AccountNumber> {
    let insert = c
        .prepare_cached(
            "INSERT INTO accounts (account_number, parent_account_number, email, signature_hash,
               sms_url, sms_email, sms_phone, call_forward_type, call_forward_to, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (account_number) DO NOTHING",
        )
        .await?;
    let r = &new.default_routing;
    let parent = new.parent.as_ref().map(|p| p.as_str());
    for _ in 0..100 {
        let candidate = AccountNumber::random();
        let inserted = c
            .execute(
                &insert,
                &[
                    &candidate.as_str(),
                    &parent,
                    &new.email,
                    &new.signature_hash,
                    &r.sms_url,
                    &r.sms_email,
                    &r.sms_phone,
                    &r.call_forward_type,
                    &r.call_forward_to,
                    &now,
                ],
            )
            .await?;
        if inserted == 1 {
            return Ok(candidate);
        }
    }
    Err(StoreError::Backend("no free account number found".into()))
}

/// The account `number`, if the caller may act for it; otherwise ACCOUNT_NOT_FOUND,
/// whether or not it exists.
pub(super) async fn account_in_tree(
    c: &impl GenericClient,
    caller: &Caller,
    number: &AccountNumber,
) -> StoreResult<Account> {
    load_account(c, number.as_str())
        .await?
        .filter(|account| caller.may_act_for(account))
        .ok_or_else(|| DomainError::AccountNotFound(number.to_string()).into())
}

/// The main account of `number` (itself when it is one).
pub(super) async fn main_account_of(
    c: &impl GenericClient,
    number: &str,
) -> StoreResult<AccountNumber> {
    let query = c
        .prepare_cached(
            "SELECT COALESCE(parent_account_number, account_number) FROM accounts
             WHERE account_number = $1",
        )
        .await?;
    stored_account_number(c.query_one(&query, &[&number]).await?.try_get(0)?)
}

/// Loads an account; a sub-account's balance is its main account's.
pub(super) async fn load_account(
    c: &impl GenericClient,
    number: &str,
) -> StoreResult<Option<Account>> {
    let query = c
        .prepare_cached(
            "SELECT a.account_number, a.parent_account_number, a.email,
                    a.signature_hash IS NOT NULL, COALESCE(p.balance100, a.balance100),
                    a.sms_url, a.sms_email, a.sms_phone, a.call_forward_type,
                    a.call_forward_to, a.created_at
             FROM accounts a LEFT JOIN accounts p ON p.account_number = a.parent_account_number
             WHERE a.account_number = $1",
        )
        .await?;
    c.query_opt(&query, &[&number])
        .await?
        .map(|row| account_from_row(&row))
        .transpose()
}

fn account_from_row(row: &Row) -> StoreResult<Account> {
    let parent: Option<String> = row.try_get(1)?;
    Ok(Account {
        account_number: stored_account_number(row.try_get(0)?)?,
        parent: parent.map(stored_account_number).transpose()?,
        email: row.try_get(2)?,
        requires_signature: row.try_get(3)?,
        balance: Money(row.try_get(4)?),
        default_routing: Routing {
            sms_url: row.try_get(5)?,
            sms_email: row.try_get(6)?,
            sms_phone: row.try_get(7)?,
            call_forward_type: row.try_get(8)?,
            call_forward_to: row.try_get(9)?,
        },
        created_at: row.try_get(10)?,
    })
}
