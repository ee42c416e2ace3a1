//! Authentication under the rate limits ([`crate::api::rate_limit`]): a client address
//! out of failed authentications is refused before its key is looked at, a failed
//! authentication is counted against its address, and an authenticated key takes a
//! token from its bucket. A refusal is RATE_LIMITED with the wait in `Retry-After`, and
//! like every error it changes nothing.

use crate::api::AppState;
use crate::api::rate_limit::{ClientAddr, Limit, Refusal};
use crate::domain::{Caller, ErrorCode};

use super::auth;
use super::error::ApiError;
use super::request::ApiRequest;

/// The caller of `request`, or why it is refused.
pub async fn admit(
    app: &AppState,
    client: ClientAddr,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    app.limits.check_address(client).map_err(rate_limited)?;
    let caller = match auth::authenticate(app.store.as_ref(), &app.auth, request).await {
        Ok(caller) => caller,
        Err(e) if matches!(e.code, ErrorCode::AuthFailed | ErrorCode::SignatureInvalid) => {
            app.limits.note_auth_failure(client).map_err(rate_limited)?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    app.limits
        .check_key(&request.userkey)
        .map_err(rate_limited)?;
    Ok(caller)
}

fn rate_limited(refusal: Refusal) -> ApiError {
    let seconds = refusal.retry_after.as_secs();
    let message = match refusal.limit {
        Limit::PerKey => format!(
            "too many requests for this USERKEY; retry in {seconds} s; the request changed nothing"
        ),
        Limit::AuthFailures => format!(
            "too many failed authentications from this address; retry in {seconds} s; \
             the request changed nothing"
        ),
    };
    ApiError::new(ErrorCode::RateLimited, message).retry_after(refusal.retry_after)
}
