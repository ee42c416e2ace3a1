//! The delivery queue in SQLite. Claims go through the writer like every write (a read
//! first checks that anything is due, so an idle queue costs the writer nothing); the
//! lease and token make a claim exclusive until it is recorded or its lease runs out.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use super::events::{EVENT_COLUMNS, event_from_row};
use crate::domain::delivery::{
    AttemptRecord, Channel, ClaimedDelivery, DeliveryClaim, DeliveryRecord, DeliveryState,
    WebhookTarget,
};
use crate::store::sms::check_kannel_retry;
use crate::store::{Deliveries, StoreError, StoreResult};

/// Due and not leased at `?1`, not to a target of the JSON array `?2`.
const DUE: &str = "FROM deliveries WHERE state = 'pending' AND due_at_ms <= ?1
      AND (lease_until_ms IS NULL OR lease_until_ms <= ?1)
      AND target NOT IN (SELECT value FROM json_each(?2))";

fn skip_list(claim: &DeliveryClaim) -> String {
    serde_json::Value::from(claim.skip_targets.clone()).to_string()
}

#[async_trait]
impl Deliveries for SqliteStore {
    async fn claim_deliveries(&self, claim: DeliveryClaim) -> StoreResult<Vec<ClaimedDelivery>> {
        let probe = claim.clone();
        let any_due: bool = self
            .reads
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(&format!("SELECT EXISTS (SELECT 1 {DUE})"))?
                    .query_row(params![probe.now_ms, skip_list(&probe)], |r| r.get(0))?)
            })
            .await?;
        if !any_due {
            return Ok(Vec::new());
        }
        self.writer.write(move |conn| claim_due(conn, &claim)).await
    }

    async fn release_deliveries(&self, ids: Vec<i64>, lease_token: &str) -> StoreResult<()> {
        let token = lease_token.to_owned();
        self.writer
            .write(move |conn| {
                let mut release = conn.prepare_cached(
                    "UPDATE deliveries SET lease_until_ms = NULL, lease_token = NULL
                     WHERE delivery_id = ?1 AND lease_token = ?2",
                )?;
                for id in ids {
                    release.execute(params![id, token])?;
                }
                Ok(())
            })
            .await
    }

    async fn record_attempt(&self, record: AttemptRecord) -> StoreResult<bool> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| {
                let changed = conn
                    .prepare_cached(
                        "UPDATE deliveries SET state = ?3, attempts = attempts + 1,
                           due_at_ms = ?4, last_attempt_at_ms = ?5, last_error = ?6,
                           lease_until_ms = NULL, lease_token = NULL
                         WHERE delivery_id = ?1 AND lease_token = ?2",
                    )?
                    .execute(params![
                        record.delivery_id,
                        record.lease_token,
                        record.state.as_str(),
                        record.due_at_ms,
                        record.attempted_at_ms,
                        record.error
                    ])?;
                if changed == 1
                    && let Some(smsid) = record.refused_sms
                {
                    super::sms::refuse(conn, smsid, &record.error, now)?;
                }
                Ok(changed == 1)
            })
            .await
    }

    async fn list_deliveries(
        &self,
        failed_only: bool,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        self.reads
            .read(move |conn| {
                let only = if failed_only {
                    "WHERE d.state = 'failed'"
                } else {
                    ""
                };
                let mut stmt = conn.prepare_cached(&format!(
                    "{RECORD_SELECT} {only} ORDER BY d.delivery_id DESC LIMIT CAST(?1 AS INTEGER)"
                ))?;
                let records = stmt
                    .query_map([limit], record_from_row)?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(records)
            })
            .await
    }

    async fn retry_delivery(&self, delivery_id: i64) -> StoreResult<DeliveryRecord> {
        self.writer
            .write(move |conn| {
                let record = load_record(conn, delivery_id)?
                    .ok_or_else(|| StoreError::Rejected(format!("no delivery {delivery_id}")))?;
                record
                    .state
                    .check_retry(delivery_id)
                    .map_err(StoreError::Rejected)?;
                if record.channel == Channel::Kannel.as_str() {
                    let message: Option<String> = conn
                        .prepare_cached(
                            "SELECT state FROM sms_messages WHERE sms_id = CAST(?1 AS INTEGER)",
                        )?
                        .query_row([&record.target], |r| r.get(0))
                        .optional()?;
                    check_kannel_retry(delivery_id, message.as_deref())?;
                }
                conn.prepare_cached(
                    "UPDATE deliveries SET state = 'pending', due_at_ms = 0,
                       first_attempt_at_ms = NULL, lease_until_ms = NULL, lease_token = NULL
                     WHERE delivery_id = ?1",
                )?
                .execute([delivery_id])?;
                load_record(conn, delivery_id)?
                    .ok_or_else(|| StoreError::Backend("the delivery vanished".into()))
            })
            .await
    }
}

fn claim_due(conn: &Connection, claim: &DeliveryClaim) -> StoreResult<Vec<ClaimedDelivery>> {
    let ids = conn
        .prepare_cached(&format!(
            "SELECT delivery_id {DUE} ORDER BY due_at_ms, delivery_id LIMIT CAST(?3 AS INTEGER)"
        ))?
        .query_map(params![claim.now_ms, skip_list(claim), claim.limit], |r| {
            r.get::<_, i64>(0)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lease = conn.prepare_cached(
        "UPDATE deliveries SET lease_until_ms = ?2, lease_token = ?3,
           first_attempt_at_ms = COALESCE(first_attempt_at_ms, ?4)
         WHERE delivery_id = ?1",
    )?;
    let mut load = conn.prepare_cached(&format!(
        "SELECT d.delivery_id, d.channel, d.target, d.attempts, d.first_attempt_at_ms,
                d.lease_token, w.url, w.secret, {EVENT_COLUMNS}
         FROM deliveries d JOIN events e ON e.event_id = d.event_id
         LEFT JOIN webhooks w ON d.channel = 'webhook' AND w.webhook_id = d.target
         WHERE d.delivery_id = ?1"
    ))?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        lease.execute(params![
            id,
            claim.lease_until_ms,
            claim.lease_token,
            claim.now_ms
        ])?;
        claimed.push(load.query_row([id], claimed_from_row)??);
    }
    Ok(claimed)
}

fn claimed_from_row(row: &Row<'_>) -> rusqlite::Result<StoreResult<ClaimedDelivery>> {
    let channel: String = row.get(1)?;
    let Some(channel) = Channel::parse(&channel) else {
        return Ok(Err(StoreError::Backend(format!(
            "unknown channel {channel}"
        ))));
    };
    let url: Option<String> = row.get(6)?;
    let secret: Option<String> = row.get(7)?;
    Ok(Ok(ClaimedDelivery {
        delivery_id: row.get(0)?,
        channel,
        target: row.get(2)?,
        attempts: row.get(3)?,
        first_attempt_at_ms: row.get::<_, Option<i64>>(4)?.unwrap_or(0),
        lease_token: row.get(5)?,
        webhook: url
            .zip(secret)
            .map(|(url, secret)| WebhookTarget { url, secret }),
        event: event_from_row(row, 8)?,
    }))
}

const RECORD_SELECT: &str = "SELECT d.delivery_id, d.channel, d.target, d.event_id,
       e.event_type, e.account_number, d.state, d.attempts, d.due_at_ms,
       d.last_attempt_at_ms, d.last_error
     FROM deliveries d JOIN events e ON e.event_id = d.event_id";

fn load_record(conn: &Connection, delivery_id: i64) -> StoreResult<Option<DeliveryRecord>> {
    Ok(conn
        .prepare_cached(&format!("{RECORD_SELECT} WHERE d.delivery_id = ?1"))?
        .query_row([delivery_id], record_from_row)
        .optional()?)
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    let state: String = row.get(6)?;
    Ok(DeliveryRecord {
        delivery_id: row.get(0)?,
        channel: row.get(1)?,
        target: row.get(2)?,
        event_id: row.get(3)?,
        event_type: row.get(4)?,
        account_number: row.get(5)?,
        state: DeliveryState::parse(&state).unwrap_or(DeliveryState::Failed),
        attempts: row.get(7)?,
        due_at_ms: row.get(8)?,
        last_attempt_at_ms: row.get(9)?,
        last_error: row.get(10)?,
    })
}
