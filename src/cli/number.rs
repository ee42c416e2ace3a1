//! `didhub number show E164`: a number's state and its whole history.

use clap::Subcommand;

use super::output::Report;
use crate::domain::billing::utc_date;
use crate::domain::did_requests::NumberRecord;
use crate::domain::{E164, utc_date_time};
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub enum NumberCommand {
    /// Print a number with its billing state (status, anchor, PAID_UNTIL, periods paid)
    /// and its history (ordered, updated, moved, canceled, renewed, suspended, ...).
    Show { e164: String },
}

pub async fn run(command: NumberCommand, store: &dyn Store) -> anyhow::Result<Report> {
    match command {
        NumberCommand::Show { e164 } => {
            let e164 = E164::parse("E164", &e164)?;
            let record = store
                .number_record(&e164)
                .await?
                .ok_or_else(|| anyhow::anyhow!("number {e164} is not in the inventory"))?;
            Ok(Report::ok(
                serde_json::to_value(&record)?,
                describe(&record),
            ))
        }
    }
}

fn describe(r: &NumberRecord) -> String {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut text = format!(
        "{}  {} in area {}  state {}\nholder {}  plan {}  monthly100 {}  title {:?}\n\
         call forward {} {}  sms url {:?} email {:?} phone {:?}\n\
         channels limit {}  on demand {}\n",
        r.e164,
        r.did_type,
        r.area_id,
        r.state,
        or_dash(&r.account_number),
        or_dash(&r.rate_plan_id),
        r.monthly100.map_or("-".into(), |m| m.to_string()),
        r.title,
        r.call_forward_type,
        r.call_forward_to,
        r.sms_url,
        r.sms_email,
        r.sms_phone,
        r.channels_limit.map_or("-".into(), |c| c.to_string()),
        r.channels_ondemand.map_or("-".into(), |c| c.to_string()),
    );
    if let Some(status) = &r.status {
        let date = |at: Option<i64>| at.map_or("-".into(), utc_date);
        text.push_str(&format!(
            "status {status}  anchor {}  paid until {}  periods paid {}\n",
            date(r.anchor),
            date(r.paid_until),
            r.periods_paid.map_or("-".into(), |p| p.to_string()),
        ));
        if let Some(at) = r.suspended_at {
            text.push_str(&format!("suspended since {}\n", utc_date_time(at)));
        }
    }
    if let Some(release_at) = r.release_at {
        text.push_str(&format!("returns to stock at {release_at} (unix time)\n"));
    }
    text.push_str("history:\n");
    for e in &r.history {
        text.push_str(&format!(
            "  {}  {:<8}  account {}  order {}  request {}  {}\n",
            e.at,
            e.event,
            or_dash(&e.account_number),
            e.order_id.map_or("-".into(), |o| o.to_string()),
            or_dash(&e.request_id),
            e.detail
        ));
    }
    text
}
