//! `didhub account create|credit|statement`.

use clap::Subcommand;
use serde_json::json;

use super::output::Report;
use crate::admin::accounts::{AccountSpec, create_account};
use crate::domain::billing::parse_instant;
use crate::domain::{AccountNumber, Money, utc_date_time};
use crate::store::Statement;
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
    /// Every ledger row of a main account (orders, renewals, credits, refunds) with the
    /// running balance; without --to the last balance is ACCOUNT.GETBALANCE's.
    Statement {
        account_number: String,
        /// From this instant (RFC 3339, or a date for its 00:00 UTC).
        #[arg(long)]
        from: Option<String>,
        /// Up to this instant, inclusive (RFC 3339, or a date).
        #[arg(long)]
        to: Option<String>,
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
        AccountCommand::Statement {
            account_number,
            from,
            to,
        } => {
            let account = AccountNumber::parse("ACCOUNT_NUMBER", &account_number)?;
            let instant = |name: &str, text: Option<String>| {
                text.map(|t| parse_instant(name, &t)).transpose()
            };
            let (from, to) = (instant("--from", from)?, instant("--to", to)?);
            let statement = store.statement(&account, from, to).await?;
            Ok(Report::ok(
                serde_json::to_value(&statement)?,
                describe_statement(&statement),
            ))
        }
    }
}

fn describe_statement(s: &Statement) -> String {
    let mut text = format!(
        "statement of {}\n{:<19}  {:<8}  {:>12}  {:>12}  about\n{:<19}  {:<8}  {:>12}  {:>12}\n",
        s.account_number,
        "at (UTC)",
        "kind",
        "amount",
        "balance",
        "",
        "opening",
        "",
        Money(s.opening_balance100),
    );
    for line in &s.lines {
        let about = match (&line.e164, line.order_id) {
            (Some(e164), _) => format!("{e164}  {}", line.memo),
            (None, Some(order)) => format!("order {order}  {}", line.memo),
            (None, None) => line.memo.clone(),
        };
        text.push_str(&format!(
            "{:<19}  {:<8}  {:>12}  {:>12}  {about}\n",
            utc_date_time(line.at),
            line.kind,
            Money(line.amount100).to_string(),
            Money(line.balance100).to_string(),
        ));
    }
    text.push_str(&format!(
        "{:<19}  {:<8}  {:>12}  {:>12}\n",
        "",
        "closing",
        "",
        Money(s.closing_balance100).to_string()
    ));
    text
}
