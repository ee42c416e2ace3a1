//! Creating accounts with their first API key (and, with a secure phrase, the SIGNATURE
//! they must send).

use crate::domain::account::{Account, NewAccount, validate_email};
use crate::domain::credentials::{generate_api_key, secret_hash, signature};
use crate::domain::{AccountNumber, Money, Routing};
use crate::store::Store;

use super::AdminError;

/// What an operator asks for.
#[derive(Debug, Clone, Default)]
pub struct AccountSpec {
    pub email: String,
    pub secure_phrase: Option<String>,
    pub parent: Option<AccountNumber>,
    pub credit: Money,
    pub default_routing: Routing,
}

/// A new account and the secrets shown once to the operator.
#[derive(Debug, Clone)]
pub struct CreatedAccount {
    pub account: Account,
    /// The API key; only its hash is stored.
    pub userkey: String,
    /// The SIGNATURE requests must carry, when a secure phrase was set.
    pub signature: Option<String>,
}

pub async fn create_account(
    store: &dyn Store,
    spec: AccountSpec,
) -> Result<CreatedAccount, AdminError> {
    validate_email("email", &spec.email)?;
    let signature = match spec.secure_phrase.as_deref() {
        Some("") => {
            return Err(AdminError::Invalid(
                "the secure phrase must not be empty".into(),
            ));
        }
        Some(phrase) => Some(signature(phrase, &spec.email)),
        None => None,
    };
    let userkey = generate_api_key();
    let account = store
        .create_account(NewAccount {
            email: spec.email,
            signature_hash: signature.as_deref().map(secret_hash),
            parent: spec.parent,
            credit: spec.credit,
            default_routing: spec.default_routing,
            key_hash: secret_hash(&userkey),
        })
        .await?;
    Ok(CreatedAccount {
        account,
        userkey,
        signature,
    })
}
