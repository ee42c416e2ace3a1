//! Idempotency keys in SQLite: a reservation is one UPSERT through the writer that
//! succeeds only for a new key or an expired one; a reservation its process abandoned is
//! taken (a new token, still running) only to store the answer that says so; the answer
//! is stored (or the key released) by the reservation's holder alone.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use crate::domain::AccountNumber;
use crate::domain::idempotency::{
    IdempotencyKey, KeyReservation, KeyState, StoredAnswer, expired_before,
};
use crate::store::{Idempotency, StoreResult};

#[async_trait]
impl Idempotency for SqliteStore {
    async fn reserve_key(&self, reservation: KeyReservation) -> StoreResult<KeyState> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| {
                let r = &reservation;
                let (expired_before, abandoned_before) = r.limits(now);
                let token: Option<String> = conn
                    .prepare_cached(
                        "INSERT INTO idempotency_keys (account_number, idempotency_key,
                           fingerprint, state, token, created_at)
                         VALUES (?1, ?2, ?3, 'running', ?4, ?5)
                         ON CONFLICT (account_number, idempotency_key) DO UPDATE SET
                           fingerprint = excluded.fingerprint, state = 'running',
                           token = excluded.token, body = NULL, error_code = NULL,
                           created_at = excluded.created_at
                         WHERE idempotency_keys.created_at < ?6
                         RETURNING token",
                    )?
                    .query_row(
                        params![
                            r.main_account.as_str(),
                            r.key.as_str(),
                            r.fingerprint,
                            r.token,
                            now,
                            expired_before
                        ],
                        |row| row.get(0),
                    )
                    .optional()?;
                if token.as_deref() == Some(r.token.as_str()) {
                    return Ok(KeyState::Reserved);
                }
                // A reservation of this request's that its process left running: take
                // it, only to store the answer that says so.
                let settled = conn
                    .prepare_cached(
                        "UPDATE idempotency_keys SET token = ?4
                         WHERE account_number = ?1 AND idempotency_key = ?2
                           AND fingerprint = ?3 AND state = 'running' AND created_at < ?5",
                    )?
                    .execute(params![
                        r.main_account.as_str(),
                        r.key.as_str(),
                        r.fingerprint,
                        r.token,
                        abandoned_before
                    ])?;
                if settled == 1 {
                    return Ok(KeyState::Abandoned);
                }
                Ok(
                    key_state(conn, r.main_account.as_str(), r.key.as_str())?.unwrap_or(
                        KeyState::Running {
                            fingerprint: String::new(),
                        },
                    ),
                )
            })
            .await
    }

    async fn key_state(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<KeyState>> {
        let (account, key) = (main_account.to_string(), key.as_str().to_owned());
        self.reads
            .read(move |conn| key_state(conn, &account, &key))
            .await
    }

    async fn finish_key(
        &self,
        main_account: &AccountNumber,
        key: &IdempotencyKey,
        token: &str,
        answer: Option<StoredAnswer>,
    ) -> StoreResult<()> {
        let (account, key, token) = (
            main_account.to_string(),
            key.as_str().to_owned(),
            token.to_owned(),
        );
        self.writer
            .write(move |conn| {
                match answer {
                    Some(answer) => conn
                        .prepare_cached(
                            "UPDATE idempotency_keys SET state = 'answered', body = ?4,
                               error_code = ?5
                             WHERE account_number = ?1 AND idempotency_key = ?2 AND token = ?3",
                        )?
                        .execute(params![
                            account,
                            key,
                            token,
                            String::from_utf8_lossy(&answer.body),
                            answer.error_code
                        ])?,
                    None => conn
                        .prepare_cached(
                            "DELETE FROM idempotency_keys
                             WHERE account_number = ?1 AND idempotency_key = ?2 AND token = ?3",
                        )?
                        .execute(params![account, key, token])?,
                };
                Ok(())
            })
            .await
    }

    async fn purge_keys(&self) -> StoreResult<u64> {
        let before = expired_before(self.clock.now());
        self.writer
            .write(move |conn| {
                Ok(conn
                    .prepare_cached("DELETE FROM idempotency_keys WHERE created_at < ?1")?
                    .execute([before])? as u64)
            })
            .await
    }
}

fn key_state(conn: &Connection, account: &str, key: &str) -> StoreResult<Option<KeyState>> {
    let row = conn
        .prepare_cached(
            "SELECT state, fingerprint, body, error_code FROM idempotency_keys
             WHERE account_number = ?1 AND idempotency_key = ?2",
        )?
        .query_row(params![account, key], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    Ok(row.map(
        |(state, fingerprint, body, error_code)| match (state.as_str(), body) {
            ("answered", Some(body)) => KeyState::Answered {
                fingerprint,
                answer: StoredAnswer {
                    body: body.into_bytes(),
                    error_code,
                },
            },
            _ => KeyState::Running { fingerprint },
        },
    ))
}
