//! The store's side of routing: a number's row for the lookup, the routing version the
//! servers' caches watch, and the routing tokens.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::routing_lookup::RouteRecord;
use crate::domain::routing_lookup::tokens::RoutingToken;
use crate::domain::{E164, Timestamp};

#[async_trait]
pub trait Routes: Send + Sync {
    /// The number's row, in any state; `None` when the store does not know it.
    async fn route_record(&self, e164: &E164) -> StoreResult<Option<RouteRecord>>;
    /// A version that moves (by triggers) whenever a held number or a routing token
    /// changes, by any process or code path: remembered lookups are stale once it moves.
    async fn routing_version(&self) -> StoreResult<i64>;
    /// Stores a new token's hash under `name`; `Rejected` when an unrevoked token has
    /// that name already.
    async fn create_routing_token(
        &self,
        name: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<RoutingToken>;
    /// The unrevoked tokens, by name.
    async fn routing_tokens(&self) -> StoreResult<Vec<RoutingToken>>;
    /// Revokes the unrevoked token named `name`; `Rejected` when there is none.
    async fn revoke_routing_token(&self, name: &str, now: Timestamp) -> StoreResult<()>;
    /// The name of the unrevoked token with this hash.
    async fn routing_token_name(&self, token_hash: &str) -> StoreResult<Option<String>>;
}

/// The operator's error for a name already taken.
pub fn token_name_taken(name: &str) -> super::StoreError {
    super::StoreError::Rejected(format!(
        "a routing token named '{name}' exists; revoke it first or choose another name"
    ))
}

/// The operator's error for a name with no token.
pub fn no_such_token(name: &str) -> super::StoreError {
    super::StoreError::Rejected(format!("no routing token named '{name}'"))
}
