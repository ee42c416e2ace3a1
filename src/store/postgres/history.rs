//! A number's record and history, for `didhub number show`.

use deadpool_postgres::GenericClient;

use crate::domain::did_requests::{NumberEvent, NumberRecord};
use crate::store::StoreResult;
use crate::store::rules::stored_status;

pub(super) async fn number_record(
    c: &impl GenericClient,
    e164: &str,
) -> StoreResult<Option<NumberRecord>> {
    let query = c
        .prepare_cached(
            "SELECT e164, area_id, did_type, state, account_number, rate_plan_id, monthly100,
                    title, call_forward_type, call_forward_to, sms_url, sms_email, sms_phone,
                    release_at, channels_limit, channels_ondemand, assigned_at, paid_until,
                    periods_paid, suspended_at
             FROM numbers WHERE e164 = $1",
        )
        .await?;
    let Some(r) = c.query_opt(&query, &[&e164]).await? else {
        return Ok(None);
    };
    let mut record = NumberRecord {
        e164: r.try_get(0)?,
        area_id: r.try_get(1)?,
        did_type: r.try_get(2)?,
        state: r.try_get(3)?,
        account_number: r.try_get(4)?,
        rate_plan_id: r.try_get(5)?,
        monthly100: r.try_get(6)?,
        title: r.try_get(7)?,
        call_forward_type: r.try_get(8)?,
        call_forward_to: r.try_get(9)?,
        sms_url: r.try_get(10)?,
        sms_email: r.try_get(11)?,
        sms_phone: r.try_get(12)?,
        release_at: r.try_get(13)?,
        channels_limit: r.try_get(14)?,
        channels_ondemand: r.try_get(15)?,
        status: stored_status(
            &r.try_get::<_, String>(3)?,
            r.try_get::<_, Option<i64>>(19)?,
        ),
        anchor: r.try_get(16)?,
        paid_until: r.try_get(17)?,
        periods_paid: r.try_get(18)?,
        suspended_at: r.try_get(19)?,
        history: Vec::new(),
    };
    let events = c
        .prepare_cached(
            "SELECT at, event, account_number, order_id, request_id, detail
             FROM number_events WHERE e164 = $1 ORDER BY event_id",
        )
        .await?;
    for r in c.query(&events, &[&e164]).await? {
        record.history.push(NumberEvent {
            at: r.try_get(0)?,
            event: r.try_get(1)?,
            account_number: r.try_get(2)?,
            order_id: r.try_get(3)?,
            request_id: r.try_get(4)?,
            detail: r.try_get(5)?,
        });
    }
    Ok(Some(record))
}
