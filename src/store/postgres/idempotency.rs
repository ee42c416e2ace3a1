//! Idempotency keys in PostgreSQL: a reservation is one UPSERT that succeeds only for a
//! new key or an expired one, so of several processes taking the same key at once
//! exactly one gets it; a reservation its process abandoned is taken (a new token, still
//! running) only to store the answer that says so; the answer is stored (or the key
//! released) by the reservation's holder alone.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::PostgresStore;
use crate::domain::AccountNumber;
use crate::domain::idempotency::{
    IdempotencyKey, KeyReservation, KeyState, StoredAnswer, expired_before,
};
use crate::store::{Idempotency, StoreResult};

#[async_trait]
impl Idempotency for PostgresStore {
    async fn reserve_key(&self, r: KeyReservation) -> StoreResult<KeyState> {
        let now = self.clock.now();
        let (expired_before, abandoned_before) = r.limits(now);
        let client = self.client().await?;
        let upsert = client
            .prepare_cached(
                "INSERT INTO idempotency_keys (account_number, idempotency_key, fingerprint,
                   state, token, created_at)
                 VALUES ($1, $2, $3, 'running', $4, $5)
                 ON CONFLICT (account_number, idempotency_key) DO UPDATE SET
                   fingerprint = excluded.fingerprint, state = 'running', token = excluded.token,
                   body = NULL, error_code = NULL, created_at = excluded.created_at
                 WHERE idempotency_keys.created_at < $6
                 RETURNING token",
            )
            .await?;
        let reserved = client
            .query_opt(
                &upsert,
                &[
                    &r.main_account.as_str(),
                    &r.key.as_str(),
                    &r.fingerprint,
                    &r.token,
                    &now,
                    &expired_before,
                ],
            )
            .await?;
        if reserved.is_some() {
            return Ok(KeyState::Reserved);
        }
        // A reservation of this request's that its process left running: take it, only
        // to store the answer that says so (the row lock lets one taker win).
        let settle = client
            .prepare_cached(
                "UPDATE idempotency_keys SET token = $4
                 WHERE account_number = $1 AND idempotency_key = $2 AND fingerprint = $3
                   AND state = 'running' AND created_at < $5",
            )
            .await?;
        let settled = client
            .execute(
                &settle,
                &[
                    &r.main_account.as_str(),
                    &r.key.as_str(),
                    &r.fingerprint,
                    &r.token,
                    &abandoned_before,
                ],
            )
            .await?;
        if settled == 1 {
            return Ok(KeyState::Abandoned);
        }
        Ok(key_state(&client, r.main_account.as_str(), r.key.as_str())
            .await?
            .unwrap_or(KeyState::Running {
                fingerprint: String::new(),
            }))
    }

    async fn key_state(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<KeyState>> {
        let client = self.client().await?;
        key_state(&client, main_account.as_str(), key.as_str()).await
    }

    async fn finish_key(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
        token: &str,
        answer: Option<StoredAnswer>,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        let (account, key) = (main_account.as_str(), key.as_str());
        match answer {
            Some(answer) => {
                let body = String::from_utf8_lossy(&answer.body).into_owned();
                client
                    .execute(
                        "UPDATE idempotency_keys SET state = 'answered', body = $4, error_code = $5
                         WHERE account_number = $1 AND idempotency_key = $2 AND token = $3",
                        &[&account, &key, &token, &body, &answer.error_code],
                    )
                    .await?
            }
            None => {
                client
                    .execute(
                        "DELETE FROM idempotency_keys
                         WHERE account_number = $1 AND idempotency_key = $2 AND token = $3",
                        &[&account, &key, &token],
                    )
                    .await?
            }
        };
        Ok(())
    }

    async fn purge_keys(&self) -> StoreResult<u64> {
        let before = expired_before(self.clock.now());
        let client = self.client().await?;
        Ok(client
            .execute(
                "DELETE FROM idempotency_keys WHERE created_at < $1",
                &[&before],
            )
            .await?)
    }
}

async fn key_state(
    c: &impl GenericClient,
    account: &str,
    key: &str,
) -> StoreResult<Option<KeyState>> {
    let query = c
        .prepare_cached(
            "SELECT state, fingerprint, body, error_code FROM idempotency_keys
             WHERE account_number = $1 AND idempotency_key = $2",
        )
        .await?;
    let Some(row) = c.query_opt(&query, &[&account, &key]).await? else {
        return Ok(None);
    };
    let (state, fingerprint): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let body: Option<String> = row.try_get(2)?;
    Ok(Some(match (state.as_str(), body) {
        ("answered", Some(body)) => KeyState::Answered {
            fingerprint,
            answer: StoredAnswer {
                body: body.into_bytes(),
                error_code: row.try_get(3)?,
            },
        },
        _ => KeyState::Running { fingerprint },
    }))
}
