//! A number's record and history, for `didhub number show`.

use rusqlite::{Connection, OptionalExtension};

use crate::domain::did_requests::{NumberEvent, NumberRecord};
use crate::store::StoreResult;
use crate::store::rules::stored_status;

pub(super) fn number_record(conn: &Connection, e164: &str) -> StoreResult<Option<NumberRecord>> {
    let record = conn
        .prepare_cached(
            "SELECT e164, area_id, did_type, state, account_number, rate_plan_id, monthly100,
                    title, call_forward_type, call_forward_to, sms_url, sms_email, sms_phone,
                    release_at, channels_limit, channels_ondemand, assigned_at, paid_until,
                    periods_paid, suspended_at
             FROM numbers WHERE e164 = ?1",
        )?
        .query_row([e164], |r| {
            Ok(NumberRecord {
                e164: r.get(0)?,
                area_id: r.get(1)?,
                did_type: r.get(2)?,
                state: r.get(3)?,
                account_number: r.get(4)?,
                rate_plan_id: r.get(5)?,
                monthly100: r.get(6)?,
                title: r.get(7)?,
                call_forward_type: r.get(8)?,
                call_forward_to: r.get(9)?,
                sms_url: r.get(10)?,
                sms_email: r.get(11)?,
                sms_phone: r.get(12)?,
                release_at: r.get(13)?,
                channels_limit: r.get(14)?,
                channels_ondemand: r.get(15)?,
                status: stored_status(&r.get::<_, String>(3)?, r.get::<_, Option<i64>>(19)?),
                anchor: r.get(16)?,
                paid_until: r.get(17)?,
                periods_paid: r.get(18)?,
                suspended_at: r.get(19)?,
                history: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut record) = record else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT at, event, account_number, order_id, request_id, detail
         FROM number_events WHERE e164 = ?1 ORDER BY event_id",
    )?;
    record.history = stmt
        .query_map([e164], |r| {
            Ok(NumberEvent {
                at: r.get(0)?,
                event: r.get(1)?,
                account_number: r.get(2)?,
                order_id: r.get(3)?,
                request_id: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(record))
}
