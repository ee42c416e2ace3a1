//! Idempotent requests (`events.md`): DID.ORDER, DID.UPDATE, DID.MOVE, DID.CANCEL and the
//! WEBHOOK actions accept a key (header `Idempotency-Key` or parameter
//! `IDEMPOTENCY_KEY`). The first request with a key, per main account, reserves it in
//! the store and runs; its answer is stored, unless it is one a retry should not see
//! (INTERNAL_ERROR, SERVICE_UNAVAILABLE, RATE_LIMITED), in which case the key is released.
//! A later request with the key and the same fingerprint gets the stored answer byte for
//! byte; with another fingerprint, IDEMPOTENCY_KEY_REUSED. A request that finds the key
//! reserved by one still running waits for its answer. The reservation is a row with a
//! unique key, so of any number of requests in any number of processes exactly one runs.
//!
//! The reserved request runs in a task of its own: a client that hangs up, or the
//! request timeout, cannot leave a change made and its answer unstored. A process that
//! dies holding a reservation can (between the change's commit and the answer's), so a
//! reservation left running past [`ABANDON_AFTER_SECS`] is never run again: its retries
//! are answered IDEMPOTENT_REQUEST_INTERRUPTED, stored under the key like any answer.

use std::time::{Duration, Instant};

use crate::api::AppState;
use crate::domain::idempotency::{
    IdempotencyKey, KeyReservation, KeyState, StoredAnswer, fingerprint, key_of_request,
};
use crate::domain::{AccountNumber, ErrorCode};

use super::answer::Rendered;
use super::dispatch::{RequestContext, dispatch};
use super::error::ApiError;
use super::params::dry_run;
use super::request::ApiRequest;

/// The request header carrying a key.
pub const KEY_HEADER: &str = "idempotency-key";

/// Actions that take a key.
pub const IDEMPOTENT_ACTIONS: [&str; 7] = [
    "DID.ORDER",
    "DID.UPDATE",
    "DID.MOVE",
    "DID.CANCEL",
    "WEBHOOK.ADD",
    "WEBHOOK.LIST",
    "WEBHOOK.REMOVE",
];

/// Answers that are never stored: retrying them must run again.
const NOT_STORED: [ErrorCode; 3] = [
    ErrorCode::InternalError,
    ErrorCode::ServiceUnavailable,
    ErrorCode::RateLimited,
];

/// A reservation still running after this long belongs to a process that died; a retry
/// then gets IDEMPOTENT_REQUEST_INTERRUPTED, never a second run.
const ABANDON_AFTER_SECS: i64 = 120;

/// How long a request waits for the answer of another with its key.
const WAIT_LIMIT: Duration = Duration::from_secs(25);

/// How often a waiting request looks again.
const WAIT_STEP: Duration = Duration::from_millis(20);

/// Runs the request, with its idempotency key when it has one.
pub async fn run(
    app: &AppState,
    context: RequestContext,
    request: ApiRequest,
    header_key: Option<&str>,
) -> Rendered {
    if !IDEMPOTENT_ACTIONS.contains(&request.action.as_str()) {
        return Rendered::of(&dispatch(app, &context, &request).await);
    }
    let key = match key_of_request(header_key, request.param("IDEMPOTENCY_KEY")) {
        Ok(key) => key,
        Err(e) => return Rendered::of(&Err(e.into())),
    };
    // A dry run neither uses nor stores a key.
    let Some(key) = key.filter(|_| !matches!(dry_run(&request), Ok(true))) else {
        return Rendered::of(&dispatch(app, &context, &request).await);
    };
    let main = context.caller.main_account().clone();
    let print = fingerprint(
        &request.action,
        &context.caller.account_number,
        request.params(),
        request.variables(),
    );
    let started = Instant::now();
    loop {
        let reservation =
            KeyReservation::new(main.clone(), key.clone(), print.clone(), ABANDON_AFTER_SECS);
        let token = reservation.token.clone();
        let state = match app.store.reserve_key(reservation).await {
            Ok(KeyState::Reserved) => {
                return run_reserved(app, context, request, main, key, token).await;
            }
            Ok(KeyState::Abandoned) => return answer_interrupted(app, &main, &key, &token).await,
            Ok(state) => state,
            Err(e) => return Rendered::of(&Err(e.into())),
        };
        match wait_for_answer(app, &main, &key, &print, state, started).await {
            Waited::Answer(rendered) => return rendered,
            // The request holding the key gave it back: take it.
            Waited::Released => continue,
        }
    }
}

enum Waited {
    Answer(Rendered),
    Released,
}

async fn wait_for_answer(
    app: &AppState,
    main: &AccountNumber,
    key: &IdempotencyKey,
    print: &str,
    mut state: KeyState,
    started: Instant,
) -> Waited {
    loop {
        match state {
            KeyState::Answered {
                fingerprint,
                answer,
            } if fingerprint == print => {
                return Waited::Answer(Rendered {
                    body: answer.body,
                    error_code: answer.error_code,
                    retry_after: None,
                    replayed: true,
                });
            }
            KeyState::Answered { .. } => return Waited::Answer(reused(key)),
            KeyState::Running { fingerprint }
                if !fingerprint.is_empty() && fingerprint != print =>
            {
                return Waited::Answer(reused(key));
            }
            KeyState::Running { .. } | KeyState::Reserved | KeyState::Abandoned => {}
        }
        if started.elapsed() > WAIT_LIMIT {
            return Waited::Answer(Rendered::of(&Err(ApiError::new(
                ErrorCode::ServiceUnavailable,
                "a request with this IDEMPOTENCY_KEY is still running; retry later",
            ))));
        }
        tokio::time::sleep(WAIT_STEP).await;
        state = match app.store.key_state(main, key).await {
            Ok(Some(state)) => state,
            Ok(None) => return Waited::Released,
            Err(e) => return Waited::Answer(Rendered::of(&Err(e.into()))),
        };
    }
}

/// The answer to a retry of a request whose process died holding its key, before it
/// stored an answer: the request may have changed something (its commit may have come
/// just before the failure), so it is never run a second time. The answer is stored
/// under the key like any other, so every later retry gets it too.
async fn answer_interrupted(
    app: &AppState,
    main: &AccountNumber,
    key: &IdempotencyKey,
    token: &str,
) -> Rendered {
    let rendered = Rendered::of(&Err(ApiError::new(
        ErrorCode::IdempotentRequestInterrupted,
        format!(
            "the first request with IDEMPOTENCY_KEY '{}' was cut off by a server failure \
             before its answer was stored, and may or may not have been carried out; \
             check (DID.LIST, ACCOUNT.GETBALANCE) and send it again with a new key",
            key.as_str()
        ),
    )));
    let stored = StoredAnswer {
        body: rendered.body.clone(),
        error_code: rendered.error_code.clone(),
    };
    if let Err(e) = app.store.finish_key(main, key, token, Some(stored)).await {
        tracing::error!(error = %e, "storing an idempotent answer failed");
    }
    rendered
}

fn reused(key: &IdempotencyKey) -> Rendered {
    Rendered::of(&Err(ApiError::new(
        ErrorCode::IdempotencyKeyReused,
        format!(
            "IDEMPOTENCY_KEY '{}' was first used with another action or other parameters",
            key.as_str()
        ),
    )))
}

/// Runs the request that holds the key and stores its answer (or releases the key), in
/// a task that outlives the HTTP request.
async fn run_reserved(
    app: &AppState,
    context: RequestContext,
    request: ApiRequest,
    main: AccountNumber,
    key: IdempotencyKey,
    token: String,
) -> Rendered {
    let app = app.clone();
    let task = tokio::spawn(async move {
        let rendered = Rendered::of(&dispatch(&app, &context, &request).await);
        let stored = match &rendered.error_code {
            Some(code) if NOT_STORED.iter().any(|c| c.as_str() == code) => None,
            _ => Some(StoredAnswer {
                body: rendered.body.clone(),
                error_code: rendered.error_code.clone(),
            }),
        };
        if let Err(e) = app.store.finish_key(&main, &key, &token, stored).await {
            tracing::error!(error = %e, "storing an idempotent answer failed");
        }
        rendered
    });
    task.await.unwrap_or_else(|_| {
        Rendered::of(&Err(ApiError::new(
            ErrorCode::InternalError,
            "internal error; the request changed nothing",
        )))
    })
}
