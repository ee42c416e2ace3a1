//! The delivery queue in PostgreSQL, shared by every `serve` process: a claim leases due
//! rows picked with `FOR UPDATE SKIP LOCKED` (rows another process is claiming are
//! skipped, not waited for), and only the holder of the lease token records the
//! attempt. A crashed process's leases simply run out.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::events::{EVENT_COLUMNS, event_from_row};
use super::{PostgresStore, begin, finish};
use crate::domain::delivery::{
    AttemptRecord, Channel, ClaimedDelivery, DeliveryClaim, DeliveryRecord, DeliveryState,
    WebhookTarget,
};
use crate::store::sms::check_kannel_retry;
use crate::store::{Deliveries, StoreError, StoreResult};

/// Leases up to `$4` due rows not to a target in `$5`, and reads them with their event
/// and webhook, in one statement.
const CLAIM: &str = "
    WITH due AS (
        SELECT delivery_id FROM deliveries
        WHERE state = 'pending' AND due_at_ms <= $1
          AND (lease_until_ms IS NULL OR lease_until_ms <= $1)
          AND NOT (target = ANY($5))
        ORDER BY due_at_ms, delivery_id LIMIT $4
        FOR UPDATE SKIP LOCKED),
    claimed AS (
        UPDATE deliveries d SET lease_until_ms = $2, lease_token = $3,
               first_attempt_at_ms = COALESCE(d.first_attempt_at_ms, $1)
        FROM due WHERE d.delivery_id = due.delivery_id
        RETURNING d.delivery_id, d.channel, d.target, d.attempts, d.first_attempt_at_ms,
                  d.lease_token, d.event_id)
    SELECT c.delivery_id, c.channel, c.target, c.attempts, c.first_attempt_at_ms,
           c.lease_token, w.url, w.secret, EVENT_COLUMNS
    FROM claimed c JOIN events e ON e.event_id = c.event_id
    LEFT JOIN webhooks w ON c.channel = 'webhook' AND w.webhook_id = c.target
    ORDER BY c.delivery_id";

#[async_trait]
impl Deliveries for PostgresStore {
    async fn claim_deliveries(&self, claim: DeliveryClaim) -> StoreResult<Vec<ClaimedDelivery>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(&CLAIM.replace("EVENT_COLUMNS", EVENT_COLUMNS))
            .await?;
        let rows = client
            .query(
                &query,
                &[
                    &claim.now_ms,
                    &claim.lease_until_ms,
                    &claim.lease_token,
                    &i64::from(claim.limit),
                    &claim.skip_targets,
                ],
            )
            .await?;
        rows.iter().map(claimed_from_row).collect()
    }

    async fn release_deliveries(&self, ids: Vec<i64>, lease_token: &str) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE deliveries SET lease_until_ms = NULL, lease_token = NULL
                 WHERE delivery_id = ANY($1) AND lease_token = $2",
                &[&ids, &lease_token],
            )
            .await?;
        Ok(())
    }

    async fn record_attempt(&self, record: AttemptRecord) -> StoreResult<bool> {
        let mut client = self.client().await?;
        let Some(smsid) = record.refused_sms else {
            // The common case is one statement, no transaction of its own.
            return mark_attempt(&client, &record).await;
        };
        // Kannel finally refused an SMS: the record, the failure and the refund together.
        let now = self.clock.now();
        let tx = begin(&mut client).await?;
        let outcome = async {
            let changed = mark_attempt(&tx, &record).await?;
            if changed {
                super::sms::refuse(&tx, smsid, &record.error, now).await?;
            }
            Ok(changed)
        }
        .await;
        finish(tx, outcome).await
    }

    async fn list_deliveries(
        &self,
        failed_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let client = self.client().await?;
        let only = if failed_only {
            "WHERE d.state = 'failed'"
        } else {
            ""
        };
        let rows = client
            .query(
                &format!("{RECORD_SELECT} {only} ORDER BY d.delivery_id DESC LIMIT $1"),
                &[&i64::from(limit)],
            )
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn retry_delivery(&self, delivery_id: i64) -> StoreResult<DeliveryRecord> {
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = retry(&tx, delivery_id).await;
        finish(tx, outcome).await
    }
}

async fn retry(c: &impl GenericClient, delivery_id: i64) -> StoreResult<DeliveryRecord> {
    let locked = format!("{RECORD_SELECT} WHERE d.delivery_id = $1 FOR UPDATE OF d");
    let record = match c.query_opt(&locked, &[&delivery_id]).await? {
        Some(row) => record_from_row(&row)?,
        None => return Err(StoreError::Rejected(format!("no delivery {delivery_id}"))),
    };
    record
        .state
        .check_retry(delivery_id)
        .map_err(StoreError::Rejected)?;
    if record.channel == Channel::Kannel.as_str() {
        let message = c
            .query_opt(
                "SELECT state FROM sms_messages WHERE sms_id = $1::text::bigint",
                &[&record.target],
            )
            .await?;
        let state: Option<String> = message.map(|r| r.try_get(0)).transpose()?;
        check_kannel_retry(delivery_id, state.as_deref())?;
    }
    c.execute(
        "UPDATE deliveries SET state = 'pending', due_at_ms = 0, first_attempt_at_ms = NULL,
           lease_until_ms = NULL, lease_token = NULL
         WHERE delivery_id = $1",
        &[&delivery_id],
    )
    .await?;
    let row = c
        .query_one(
            &format!("{RECORD_SELECT} WHERE d.delivery_id = $1"),
            &[&delivery_id],
        )
        .await?;
    record_from_row(&row)
}

/// Writes the attempt if the lease is still `record`'s; whether it was.
async fn mark_attempt(c: &impl GenericClient, record: &AttemptRecord) -> StoreResult<bool> {
    let update = c
        .prepare_cached(
            "UPDATE deliveries SET state = $3, attempts = attempts + 1, due_at_ms = $4,
               last_attempt_at_ms = $5, last_error = $6,
               lease_until_ms = NULL, lease_token = NULL
             WHERE delivery_id = $1 AND lease_token = $2",
        )
        .await?;
    let changed = c
        .execute(
            &update,
            &[
                &record.delivery_id,
                &record.lease_token,
                &record.state.as_str(),
                &record.due_at_ms,
                &record.attempted_at_ms,
                &record.error,
            ],
        )
        .await?;
    Ok(changed == 1)
}

fn claimed_from_row(row: &Row) -> StoreResult<ClaimedDelivery> {
    let channel: String = row.try_get(1)?;
    let channel = Channel::parse(&channel)
        .ok_or_else(|| StoreError::Backend(format!("unknown channel {channel}")))?;
    let url: Option<String> = row.try_get(6)?;
    let secret: Option<String> = row.try_get(7)?;
    Ok(ClaimedDelivery {
        delivery_id: row.try_get(0)?,
        channel,
        target: row.try_get(2)?,
        attempts: count(row.try_get(3)?)?,
        first_attempt_at_ms: row.try_get::<_, Option<i64>>(4)?.unwrap_or(0),
        lease_token: row.try_get(5)?,
        webhook: url
            .zip(secret)
            .map(|(url, secret)| WebhookTarget { url, secret }),
        event: event_from_row(row, 8)?,
    })
}

fn count(stored: i64) -> StoreResult<u32> {
    u32::try_from(stored).map_err(|_| StoreError::Backend(format!("stored attempts {stored}")))
}

const RECORD_SELECT: &str = "SELECT d.delivery_id, d.channel, d.target, d.event_id,
       e.event_type, e.account_number, d.state, d.attempts, d.due_at_ms,
       d.last_attempt_at_ms, d.last_error
     FROM deliveries d JOIN events e ON e.event_id = d.event_id";

fn record_from_row(row: &Row) -> StoreResult<DeliveryRecord> {
    let state: String = row.try_get(6)?;
    Ok(DeliveryRecord {
        delivery_id: row.try_get(0)?,
        channel: row.try_get(1)?,
        target: row.try_get(2)?,
        event_id: row.try_get(3)?,
        event_type: row.try_get(4)?,
        account_number: row.try_get(5)?,
        state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Failed),
        attempts: count(row.try_get(7)?)?,
        due_at_ms: row.try_get(8)?,
        last_attempt_at_ms: row.try_get(9)?,
        last_error: row.try_get(10)?,
    })
}
