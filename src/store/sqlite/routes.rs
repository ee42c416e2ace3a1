//! Routing in SQLite: a number's row for the lookup, the routing version (V11's
//! triggers) and the routing tokens.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::dids::stored_account_number;
use crate::domain::routing_lookup::RouteRecord;
use crate::domain::routing_lookup::tokens::RoutingToken;
use crate::domain::{E164, Timestamp};
use crate::store::routes::{no_such_token, token_name_taken};
use crate::store::{Routes, StoreError, StoreResult};

#[async_trait]
impl Routes for SqliteStore {
    async fn route_record(&self, e164: &E164) -> StoreResult<Option<RouteRecord>> {
        let e164 = e164.clone();
        self.reads
            .read(move |conn| {
                let row = conn
                    .prepare_cached(
                        "SELECT state, suspended_at IS NOT NULL, account_number,
                                call_forward_type, call_forward_to, channels_limit
                         FROM numbers WHERE e164 = ?1",
                    )?
                    .query_row([e164.as_str()], |r| {
                        let holder: Option<String> = r.get(2)?;
                        Ok(RouteRecord {
                            e164: e164.clone(),
                            state: r.get(0)?,
                            suspended: r.get(1)?,
                            account_number: holder.map(stored_account_number).transpose()?,
                            call_forward_type: r.get(3)?,
                            call_forward_to: r.get(4)?,
                            channels_limit: r.get(5)?,
                        })
                    })
                    .optional()?;
                Ok(row)
            })
            .await
    }

    async fn routing_version(&self) -> StoreResult<i64> {
        self.reads
            .read(|conn| {
                Ok(conn
                    .prepare_cached("SELECT version FROM routing_version WHERE id = 1")?
                    .query_row([], |r| r.get(0))?)
            })
            .await
    }

    async fn create_routing_token(
        &self,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<RoutingToken> {
        let (name, token_hash) = (name.to_owned(), token_hash.to_owned());
        self.writer
            .write(move |conn| {
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO routing_tokens (token_hash, name, created_at)
                         VALUES (?1, ?2, ?3)
                         ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING",
                    )?
                    .execute(params![token_hash, name, now])?;
                if inserted == 0 {
                    return Err(token_name_taken(&name));
                }
                Ok(RoutingToken {
                    name,
                    created_at: now,
                })
            })
            .await
    }

    async fn routing_tokens(&self) -> StoreResult<Vec<RoutingToken>> {
        self.reads
            .read(|conn| {
                let rows = conn
                    .prepare_cached(
                        "SELECT name, created_at FROM routing_tokens
                         WHERE revoked_at IS NULL ORDER BY name",
                    )?
                    .query_map([], |r| {
                        Ok(RoutingToken {
                            name: r.get(0)?,
                            created_at: r.get(1)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows)
            })
            .await
    }

    async fn revoke_routing_token(&self, name: &str, now: Timestamp) -> StoreResult<()> {
        let name = name.to_owned();
        self.writer
            .write(move |conn| {
                let revoked = conn
                    .prepare_cached(
                        "UPDATE routing_tokens SET revoked_at = ?2
                         WHERE name = ?1 AND revoked_at IS NULL",
                    )?
                    .execute(params![name, now])?;
                if revoked == 0 {
                    return Err::<(), StoreError>(no_such_token(&name));
                }
                Ok(())
            })
            .await
    }

    async fn routing_token_name(&self, token_hash: &str) -> StoreResult<Option<String>> {
        let token_hash = token_hash.to_owned();
        self.reads
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(
                        "SELECT name FROM routing_tokens
                         WHERE token_hash = ?1 AND revoked_at IS NULL",
                    )?
                    .query_row([&token_hash], |r| r.get(0))
                    .optional()?)
            })
            .await
    }
}
