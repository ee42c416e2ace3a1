//! Authentication of API requests (`anveo-api.md` §2): the USERKEY names an account, and
//! an account with a secure phrase must also send a matching SIGNATURE.

use crate::api::auth_cache::AuthCache;
use crate::domain::credentials::{secret_hash, signature_matches};
use crate::domain::{Caller, ErrorCode};
use crate::store::Store;

use super::error::ApiError;
use super::request::ApiRequest;

/// The account the request acts as, or AUTH_FAILED / SIGNATURE_INVALID. A key seen
/// recently is answered from `cache` (see [`AuthCache`] for how it stays true).
pub async fn authenticate(
    store: &dyn Store,
    cache: &AuthCache,
    request: &ApiRequest,
) -> Result<Caller, ApiError> {
    if request.userkey.is_empty() {
        return Err(ApiError::new(ErrorCode::AuthFailed, "USERKEY is missing"));
    }
    let key_hash = secret_hash(&request.userkey);
    let caller = match cache.get(&key_hash) {
        Some(caller) => caller,
        None => {
            let started = cache.generation();
            let caller = store.caller_by_key_hash(&key_hash).await?.ok_or_else(|| {
                ApiError::new(ErrorCode::AuthFailed, "USERKEY is not a valid API key")
            })?;
            cache.remember(started, key_hash, caller.clone());
            caller
        }
    };
    if let Some(expected) = &caller.signature_hash {
        match request.param("SIGNATURE") {
            None | Some("") => {
                return Err(ApiError::new(
                    ErrorCode::SignatureInvalid,
                    "parameter SIGNATURE is required for this account",
                ));
            }
            Some(presented) if !signature_matches(presented, expected) => {
                return Err(ApiError::new(
                    ErrorCode::SignatureInvalid,
                    "parameter SIGNATURE does not match this account",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(caller)
}
