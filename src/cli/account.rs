//! `didhub account create|credit`.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::admin::accounts::{AccountSpec, create_account};
use crate::domain::{AccountNumber, Money};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a main account (or, with --parent, a sub-account) and its API key.
    Create {
        /// The account's e-mail address (the message SIGNATURE is computed over).
        #[arg(long)]
        email: String,
        /// Require every request to carry SIGNATURE = HMAC-SHA1(phrase, email).
        #[arg(long)]
        secure_phrase: Option<String>,
        /// Make this a sub-account of that main account.
        #[arg(long)]
        parent: Option<String>,
        /// Opening credit of a main account, e.g. 25.00.
        #[arg(long, allow_hyphen_values = true)]
        credit: Option<String>,
    },
    /// Add AMOUNT (negative to correct downwards) to a main account's balance.
    Credit {
        account_number: String,
        #[arg(allow_hyphen_values = true)]
        amount: String,
        /// Why, recorded on the ledger row.
        #[arg(long, default_value = "operator credit")]
        memo: String,
    },
}

pub async fn run(command: AccountCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        AccountCommand::Create {
            email,
            secure_phrase,
            parent,
            credit,
        } => {
            let parent = parent
                .map(|p| AccountNumber::parse("--parent", &p))
                .transpose()?;
            let credit = match credit {
                Some(c) => Money::parse_decimal(&c).map_err(anyhow::Error::msg)?,
                None => Money::ZERO,
            };
            let created = create_account(
                store,
                AccountSpec {
                    email,
                    secure_phrase,
                    parent,
                    credit,
                    ..AccountSpec::default()
                },
            )
            .await?;
            let account = &created.account;
            let mut text = format!(
                "account_number {}\nuserkey        {}\n",
                account.account_number, created.userkey
            );
            if let Some(sig) = &created.signature {
                text.push_str(&format!("signature      {sig}\n"));
            }
            text.push_str(&format!("balance        {}\n", account.balance));
            Ok(Report::ok(
                json!({
                    "account_number": account.account_number.as_str(),
                    "parent": account.parent.as_ref().map(|p| p.as_str()),
                    "email": account.email,
                    "userkey": created.userkey,
                    "signature": created.signature,
                    "balance": account.balance.to_string(),
                }),
                text,
            ))
        }
        AccountCommand::Credit {
            account_number,
            amount,
            memo,
        } => {
            let account = AccountNumber::parse("ACCOUNT_NUMBER", &account_number)?;
            let amount = Money::parse_decimal(&amount).map_err(anyhow::Error::msg)?;
            let balance = store.credit(&account, amount, &memo).await?;
            Ok(Report::ok(
                json!({ "account_number": account.as_str(), "balance": balance.to_string() }),
                format!("balance of {account} is now {balance}"),
            ))
        }
    }
}
