//! Who may ask: a routing token, presented as `Authorization: Bearer TOKEN`, as the
//! password of HTTP Basic (any user name; `mod_xml_curl`'s `gateway-credentials`), or
//! as `?token=TOKEN`. Customer API keys are not routing tokens, and the customer rate
//! limits do not apply. Anything else is 401.

use axum::http::{HeaderMap, header};
use base64::Engine;

use super::RoutingState;
use crate::api::form::decoded_pairs;
use crate::domain::credentials::secret_hash;
use crate::store::Store;

/// The longest query string the route endpoints read.
const MAX_QUERY_BYTES: usize = 4096;

/// The token a request presents, if any: the Authorization header first, then the query.
pub fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            return Some(rest.to_owned());
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (_, password) = text.split_once(':')?;
            return (!password.is_empty()).then(|| password.to_owned());
        }
        return None;
    }
    query_value(query, "token")
}

/// One value of the query string.
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    decoded_pairs(query?, "query string", MAX_QUERY_BYTES)
        .ok()?
        .into_iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// Whether the token is an unrevoked routing token (remembered once it was).
/// `Err` when the store could not say.
pub async fn token_is_valid(
    routing: &RoutingState,
    store: &dyn Store,
    token: &str,
) -> Result<bool, crate::store::StoreError> {
    let hash = secret_hash(token);
    if routing.cache.token(&hash).is_some() {
        return Ok(true);
    }
    let started = routing.cache.generation();
    match store.routing_token_name(&hash).await? {
        Some(name) => {
            routing.cache.remember_token(started, hash, name);
            Ok(true)
        }
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn tokens_come_from_bearer_basic_or_the_query() {
        assert_eq!(
            presented_token(&with_auth("Bearer rt_1"), None).as_deref(),
            Some("rt_1")
        );
        // "fs:rt_2"
        assert_eq!(
            presented_token(&with_auth("Basic ZnM6cnRfMg=="), None).as_deref(),
            Some("rt_2")
        );
        assert_eq!(
            presented_token(&HeaderMap::new(), Some("did=1&token=rt_3")).as_deref(),
            Some("rt_3")
        );
        assert_eq!(presented_token(&HeaderMap::new(), Some("did=1")), None);
        assert_eq!(presented_token(&with_auth("Basic !!!"), None), None);
        assert_eq!(
            presented_token(&with_auth("Digest x"), Some("token=rt_3")),
            None
        );
    }
}
