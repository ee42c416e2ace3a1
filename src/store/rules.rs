//! Rules both backends apply the same way inside their transactions: who may open an
//! account under whom, and the kinds of ledger rows.

use super::{StoreError, StoreResult};
use crate::domain::account::{Account, NewAccount};
use crate::domain::{DomainError, Money};

/// Why a ledger row was written (the `ledger.kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerKind {
    Credit,
    Order,
}

impl LedgerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerKind::Credit => "credit",
            LedgerKind::Order => "order",
        }
    }
}

/// Checks a new account against its parent as stored (`parent_account` is the account
/// `new.parent` names, if it exists): a sub-account belongs to a main account and has
/// no balance of its own; an opening credit is never negative.
pub fn check_new_account(new: &NewAccount, parent_account: Option<&Account>) -> StoreResult<()> {
    if let Some(parent) = &new.parent {
        let parent_account =
            parent_account.ok_or_else(|| DomainError::AccountNotFound(parent.to_string()))?;
        if parent_account.parent.is_some() {
            return Err(StoreError::Rejected(format!(
                "account {parent} is itself a sub-account; sub-accounts belong to a main account"
            )));
        }
        if new.credit != Money::ZERO {
            return Err(StoreError::Rejected(
                "a sub-account has no balance of its own; credit its main account".into(),
            ));
        }
    }
    if new.credit.minor() < 0 {
        return Err(StoreError::Rejected(
            "the opening credit must not be negative".into(),
        ));
    }
    Ok(())
}
