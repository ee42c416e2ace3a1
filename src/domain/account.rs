//! Accounts: main accounts hold a balance; sub-accounts hold numbers and share their
//! main account's balance. A [`Caller`] is the account an API key authenticated as.

use std::fmt;

use super::{DomainError, Money, Routing, Timestamp};

/// An account number: 10 digits, the first not `0` (`1234567895`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(name: &str, text: &str) -> Result<AccountNumber, DomainError> {
        let well_formed =
            text.len() == 10 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
        if !well_formed {
            return Err(DomainError::invalid(
                name,
                text,
                "expected an account number of 10 digits",
            ));
        }
        Ok(AccountNumber(text.to_owned()))
    }

    /// A fresh random account number.
    pub fn random() -> AccountNumber {
        use rand::Rng;
        let n: u64 = rand::rng().random_range(1_000_000_000..10_000_000_000);
        AccountNumber(n.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest e-mail address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// A plausible e-mail address: `local@domain`, no spaces or control characters, the
/// domain with a dot. (Deliverability is not didhub's to judge.)
pub fn validate_email(name: &str, text: &str) -> Result<(), DomainError> {
    let plausible = text.chars().count() <= MAX_EMAIL_CHARS
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && match text.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if plausible {
        Ok(())
    } else {
        Err(DomainError::invalid(
            name,
            text,
            "expected an e-mail address",
        ))
    }
}

/// An account as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account_number: AccountNumber,
    /// The main account of a sub-account; `None` for a main account.
    pub parent: Option<AccountNumber>,
    pub email: String,
    /// Whether requests must carry a SIGNATURE.
    pub requires_signature: bool,
    /// The balance of the main account (a sub-account shows its main account's).
    pub balance: Money,
    /// Routing given to numbers this account orders.
    pub default_routing: Routing,
    pub created_at: Timestamp,
}

impl Account {
    /// The account that pays: itself, or the main account of a sub-account.
    pub fn payer(&self) -> &AccountNumber {
        self.parent.as_ref().unwrap_or(&self.account_number)
    }
}

/// The account an API request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account_number: AccountNumber,
    /// `None` when the caller is a main account.
    pub parent: Option<AccountNumber>,
    /// SHA-256 (hex) of the expected SIGNATURE, when the account has a secure phrase.
    pub signature_hash: Option<String>,
}

impl Caller {
    pub fn is_main(&self) -> bool {
        self.parent.is_none()
    }

    /// The main account of the caller's tree (itself when it is a main account).
    pub fn main_account(&self) -> &AccountNumber {
        self.parent.as_ref().unwrap_or(&self.account_number)
    }

    /// Whether the caller may act for `account`: its own, or (for a main account) one
    /// of its sub-accounts. Anything else must look exactly like a missing account.
    pub fn may_act_for(&self, account: &Account) -> bool {
        self.may_act_for_number(&account.account_number, account.parent.as_ref())
    }

    /// [`Caller::may_act_for`] the account `number`, whose main account is `parent`
    /// (`None` for a main account).
    pub fn may_act_for_number(
        &self,
        number: &AccountNumber,
        parent: Option<&AccountNumber>,
    ) -> bool {
        *number == self.account_number || (self.is_main() && parent == Some(&self.account_number))
    }
}

/// What the operator gives to create an account.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    /// SHA-256 of the expected SIGNATURE; see [`super::credentials`].
    pub signature_hash: Option<String>,
    pub parent: Option<AccountNumber>,
    /// Opening credit of a main account (a ledger row), zero for none.
    pub credit: Money,
    pub default_routing: Routing,
    /// SHA-256 of the account's first API key.
    pub key_hash: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_are_ten_digits() {
        assert!(AccountNumber::parse("A", "1234567895").is_ok());
        for bad in ["", "123456789", "0123456789", "12345678901", "12345abcde"] {
            assert!(AccountNumber::parse("A", bad).is_err(), "{bad}");
        }
        assert_eq!(AccountNumber::random().as_str().len(), 10);
    }

    #[test]
    fn emails_are_plausible() {
        assert!(validate_email("E", "ops@example.com").is_ok());
        for bad in [
            "",
            "ops",
            "ops@",
            "@example.com",
            "ops@example",
            "o ps@example.com",
            "a@b@c.d",
        ] {
            assert!(validate_email("E", bad).is_err(), "{bad}");
        }
    }
}
