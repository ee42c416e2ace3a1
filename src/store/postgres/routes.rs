//! Routing in PostgreSQL: a number's row for the lookup, the routing version (the sum of
//! V11's per-connection counters) and the routing tokens.

use async_trait::async_trait;

use super::PostgresStore;
use super::dids::stored_account_number;
use crate::domain::routing_lookup::RouteRecord;
use crate::domain::routing_lookup::tokens::RoutingToken;
use crate::domain::{E164, Timestamp};
use crate::store::routes::{no_such_token, token_name_taken};
use crate::store::{Routes, StoreError, StoreResult};

#[async_trait]
impl Routes for PostgresStore {
    async fn route_record(&self, e164: &E164) -> StoreResult<Option<RouteRecord>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(
                "SELECT state, suspended_at IS NOT NULL, account_number,
                        call_forward_type, call_forward_to, channels_limit
                 FROM numbers WHERE e164 = $1",
            )
            .await?;
        let Some(row) = client.query_opt(&query, &[&e164.as_str()]).await? else {
            return Ok(None);
        };
        let holder: Option<String> = row.try_get(2)?;
        let limit: Option<i64> = row.try_get(5)?;
        Ok(Some(RouteRecord {
            e164: e164.clone(),
            state: row.try_get(0)?,
            suspended: row.try_get(1)?,
            account_number: holder.map(stored_account_number).transpose()?,
            call_forward_type: row.try_get(3)?,
            call_forward_to: row.try_get(4)?,
            channels_limit: limit
                .map(|c| {
                    u32::try_from(c).map_err(|_| StoreError::Backend(format!("stored count {c}")))
                })
                .transpose()?,
        }))
    }

    async fn routing_version(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        let query = client
            .prepare_cached("SELECT COALESCE(SUM(version), 0)::BIGINT FROM routing_version")
            .await?;
        Ok(client.query_one(&query, &[]).await?.try_get(0)?)
    }

    async fn create_routing_token(
        &self,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<RoutingToken> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO routing_tokens (token_hash, name, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
                &[&token_hash, &name, &now],
            )
            .await?;
        if inserted == 0 {
            return Err(token_name_taken(name));
        }
        Ok(RoutingToken {
            name: name.to_owned(),
            created_at: now,
        })
    }

    async fn routing_tokens(&self) -> StoreResult<Vec<RoutingToken>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, created_at FROM routing_tokens
                 WHERE revoked_at IS NULL ORDER BY name",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RoutingToken {
                    name: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                })
            })
            .collect()
    }

    async fn revoke_routing_token(&self, name: &str, now: Timestamp) -> StoreResult<()> {
        let client = self.client().await?;
        let revoked = client
            .execute(
                "UPDATE routing_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &now],
            )
            .await?;
        if revoked == 0 {
            return Err(no_such_token(name));
        }
        Ok(())
    }

    async fn routing_token_name(&self, token_hash: &str) -> StoreResult<Option<String>> {
        let client = self.client().await?;
        let query = client
            .prepare_cached(
                "SELECT name FROM routing_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .await?;
        Ok(client
            .query_opt(&query, &[&token_hash])
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }
}
