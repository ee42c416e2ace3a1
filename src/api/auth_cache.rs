//! Authenticated API keys, remembered in memory so a request does not go to the store to
//! find out who it is from.
//!
//! The store keeps a credentials version that triggers move on every change to an API
//! key or to what authentication reads of an account (`Accounts::credentials_version`).
//! [`keep_fresh`] reads it every [`REFRESH_INTERVAL`] and empties the cache when it has
//! moved, so a key revoked by the CLI, by another process or by plain SQL stops working
//! within that interval. Until the first version is read, and after a failed read,
//! nothing is cached and every request asks the store.
//!
//! Only keys that authenticated are cached (an unknown key always asks the store, so
//! guessing keys cannot fill memory), and at most [`MAX_ENTRIES`] of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::domain::Caller;
use crate::store::Store;

/// How often the credentials version is read.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);
/// Most keys held; the cache starts over when it is full.
pub const MAX_ENTRIES: usize = 100_000;

/// The credentials version a lookup started under; see [`AuthCache::remember`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation(Option<i64>);

#[derive(Default)]
struct Entries {
    /// The store's credentials version the entries are valid for; `None` disables caching.
    version: Option<i64>,
    callers: HashMap<String, Caller>,
}

/// Callers by the SHA-256 of their API key.
#[derive(Default)]
pub struct AuthCache {
    entries: Mutex<Entries>,
}

impl AuthCache {
    pub fn new() -> AuthCache {
        AuthCache::default()
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // The map is consistent after every statement, so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached caller of a key hash, if any.
    pub fn get(&self, key_hash: &str) -> Option<Caller> {
        self.lock().callers.get(key_hash).cloned()
    }

    /// Taken before asking the store, and handed to [`AuthCache::remember`] with the
    /// answer.
    pub fn generation(&self) -> Generation {
        Generation(self.lock().version)
    }

    /// Caches a caller the store returned, unless the credentials changed since the
    /// lookup started (the answer may predate the change) or caching is off.
    pub fn remember(&self, started: Generation, key_hash: String, caller: Caller) {
        let mut entries = self.lock();
        if started.0.is_none() || entries.version != started.0 {
            return;
        }
        if entries.callers.len() >= MAX_ENTRIES {
            entries.callers.clear();
        }
        entries.callers.insert(key_hash, caller);
    }

    /// Records the store's current credentials version: when it moved, every cached
    /// caller is dropped. `None` (the version could not be read) turns caching off.
    pub fn observe(&self, version: Option<i64>) {
        let mut entries = self.lock();
        if entries.version != version || version.is_none() {
            entries.callers.clear();
            entries.version = version;
        }
    }

    pub fn len(&self) -> usize {
        self.lock().callers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Reads the credentials version every `interval`, forever, and lets the cache drop what
/// it no longer knows to be true.
pub async fn keep_fresh(cache: Arc<AuthCache>, store: Arc<dyn Store>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.credentials_version().await {
            Ok(version) => cache.observe(Some(version)),
            Err(e) => {
                tracing::warn!(error = %e, "reading the credentials version failed; not caching keys");
                cache.observe(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountNumber;

    fn caller(number: &str) -> Caller {
        Caller {
            account_number: AccountNumber::parse("ACCOUNT_NUMBER", number).unwrap(),
            parent: None,
            signature_hash: None,
        }
    }

    #[test]
    fn nothing_is_cached_before_a_version_is_known() {
        let cache = AuthCache::new();
        cache.remember(cache.generation(), "k".into(), caller("1000000001"));
        assert!(cache.get("k").is_none());
    }

    #[test]
    fn a_caller_is_served_until_the_version_moves() {
        let cache = AuthCache::new();
        cache.observe(Some(7));
        cache.remember(cache.generation(), "k".into(), caller("1000000001"));
        assert_eq!(cache.get("k"), Some(caller("1000000001")));
        cache.observe(Some(7));
        assert_eq!(cache.len(), 1, "the same version keeps the entries");
        cache.observe(Some(8));
        assert!(cache.get("k").is_none());
    }

    #[test]
    fn an_answer_from_before_a_change_is_not_cached() {
        let cache = AuthCache::new();
        cache.observe(Some(1));
        let started = cache.generation();
        // The key is revoked while the lookup is under way; the refresh sees it first.
        cache.observe(Some(2));
        cache.remember(started, "k".into(), caller("1000000001"));
        assert!(cache.is_empty());
    }

    #[test]
    fn a_failed_refresh_turns_caching_off() {
        let cache = AuthCache::new();
        cache.observe(Some(1));
        cache.remember(cache.generation(), "k".into(), caller("1000000001"));
        cache.observe(None);
        assert!(cache.is_empty());
        cache.remember(cache.generation(), "k".into(), caller("1000000001"));
        assert!(cache.is_empty());
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = AuthCache::new();
        cache.observe(Some(1));
        for i in 0..MAX_ENTRIES {
            cache.remember(cache.generation(), format!("k{i}"), caller("1000000001"));
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        cache.remember(cache.generation(), "last".into(), caller("1000000002"));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get("last"), Some(caller("1000000002")));
    }
}
