//! Lookups and routing tokens, remembered in memory so a switch's lookup does not go to
//! the store.
//!
//! The store keeps a routing version that triggers move on every change to a held number
//! or a routing token, whatever made it (an API request, billing, the CLI, another
//! process, plain SQL; `Routes::routing_version`). [`keep_fresh`] reads it every
//! [`REFRESH_INTERVAL`] and empties the cache when it moved; this process's own changes
//! through the API also empty it at once ([`RoutingCache::invalidate`]). Until the first
//! version is read, and after a failed read, nothing is remembered.
//!
//! Every answer is remembered, found or not (a switch asks about the same numbers over
//! and over), up to [`MAX_ENTRIES`]; only tokens that authenticated are remembered, so
//! guessing tokens cannot fill memory.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::domain::E164;
use crate::domain::routing_lookup::RouteAnswer;
use crate::store::Store;

/// How often the routing version is read: a change made elsewhere is seen within it.
pub const REFRESH_INTERVAL: Duration = Duration::from_millis(250);
/// Most answers (and, apart, tokens) held; the cache starts over when it is full.
pub const MAX_ENTRIES: usize = 100_000;

/// What a lookup started under; see [`RoutingCache::remember_answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    version: Option<i64>,
    local: u64,
}

#[derive(Default)]
struct Entries {
    /// The store's routing version the entries are valid for; `None` disables caching.
    version: Option<i64>,
    /// Moves with every invalidation in this process.
    local: u64,
    answers: HashMap<E164, Arc<RouteAnswer>>,
    /// Token hash to the token's name.
    tokens: HashMap<String, String>,
}

impl Entries {
    fn generation(&self) -> Generation {
        Generation {
            version: self.version,
            local: self.local,
        }
    }

    fn clear(&mut self) {
        self.answers.clear();
        self.tokens.clear();
        self.local += 1;
    }
}

#[derive(Default)]
pub struct RoutingCache {
    entries: RwLock<Entries>,
}

impl RoutingCache {
    pub fn new() -> RoutingCache {
        RoutingCache::default()
    }

    // The maps are consistent after every statement, so a poisoned lock is still usable.
    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Taken before asking the store, and handed back with the answer.
    pub fn generation(&self) -> Generation {
        self.read().generation()
    }

    pub fn answer(&self, e164: &E164) -> Option<Arc<RouteAnswer>> {
        self.read().answers.get(e164).cloned()
    }

    /// Remembers a lookup's answer, unless something changed since it started.
    pub fn remember_answer(&self, started: Generation, answer: Arc<RouteAnswer>) {
        let mut entries = self.write();
        if started.version.is_none() || entries.generation() != started {
            return;
        }
        if entries.answers.len() >= MAX_ENTRIES {
            entries.answers.clear();
        }
        entries.answers.insert(answer.did.clone(), answer);
    }

    /// The name of a remembered token, by its hash.
    pub fn token(&self, token_hash: &str) -> Option<String> {
        self.read().tokens.get(token_hash).cloned()
    }

    pub fn remember_token(&self, started: Generation, token_hash: String, name: String) {
        let mut entries = self.write();
        if started.version.is_none() || entries.generation() != started {
            return;
        }
        if entries.tokens.len() >= MAX_ENTRIES {
            entries.tokens.clear();
        }
        entries.tokens.insert(token_hash, name);
    }

    /// Forgets everything: a number changed in this process.
    pub fn invalidate(&self) {
        self.write().clear();
    }

    /// Records the store's routing version: when it moved, everything is forgotten.
    /// `None` (the version could not be read) turns caching off.
    pub fn observe(&self, version: Option<i64>) {
        if self.read().version == version && version.is_some() {
            return;
        }
        let mut entries = self.write();
        entries.clear();
        entries.version = version;
    }

    pub fn len(&self) -> usize {
        self.read().answers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads the routing version every `interval`, forever.
pub async fn keep_fresh(cache: Arc<RoutingCache>, store: Arc<dyn Store>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.routing_version().await {
            Ok(version) => cache.observe(Some(version)),
            Err(e) => {
                tracing::warn!(error = %e, "reading the routing version failed; not caching lookups");
                cache.observe(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routing_lookup::{RoutingSettings, lookup};

    fn answer(number: &str) -> Arc<RouteAnswer> {
        let e164 = E164::parse("e164", number).unwrap();
        Arc::new(lookup(e164, None, &RoutingSettings::default()))
    }

    fn e164(number: &str) -> E164 {
        E164::parse("e164", number).unwrap()
    }

    #[test]
    fn nothing_is_remembered_before_a_version_is_known() {
        let cache = RoutingCache::new();
        cache.remember_answer(cache.generation(), answer("12125550123"));
        cache.remember_token(cache.generation(), "h".into(), "n".into());
        assert!(cache.answer(&e164("12125550123")).is_none());
        assert!(cache.token("h").is_none());
    }

    #[test]
    fn answers_are_served_until_the_version_moves_or_a_local_change() {
        let cache = RoutingCache::new();
        cache.observe(Some(3));
        cache.remember_answer(cache.generation(), answer("12125550123"));
        cache.remember_token(cache.generation(), "h".into(), "n".into());
        assert!(cache.answer(&e164("12125550123")).is_some());
        assert_eq!(cache.token("h").as_deref(), Some("n"));
        cache.observe(Some(3));
        assert_eq!(cache.len(), 1);
        cache.observe(Some(4));
        assert!(cache.is_empty() && cache.token("h").is_none());
        cache.remember_answer(cache.generation(), answer("12125550123"));
        cache.invalidate();
        assert!(cache.is_empty());
    }

    #[test]
    fn an_answer_from_before_a_change_is_not_remembered() {
        let cache = RoutingCache::new();
        cache.observe(Some(1));
        let started = cache.generation();
        cache.invalidate();
        cache.remember_answer(started, answer("12125550123"));
        assert!(cache.is_empty());
        let started = cache.generation();
        cache.observe(Some(2));
        cache.remember_answer(started, answer("12125550123"));
        assert!(cache.is_empty());
    }

    #[test]
    fn a_failed_refresh_turns_caching_off_and_a_full_cache_starts_over() {
        let cache = RoutingCache::new();
        cache.observe(Some(1));
        cache.remember_answer(cache.generation(), answer("12125550123"));
        cache.observe(None);
        assert!(cache.is_empty());
        cache.remember_answer(cache.generation(), answer("12125550123"));
        assert!(cache.is_empty());
        cache.observe(Some(1));
        for i in 0..MAX_ENTRIES as u64 {
            cache.remember_answer(
                cache.generation(),
                answer(&(10_000_000_000 + i).to_string()),
            );
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        cache.remember_answer(cache.generation(), answer("12125550123"));
        assert_eq!(cache.len(), 1);
    }
}
