//! Rate limits (governor's keyed GCRA token buckets), kept in this process's memory:
//!
//! - **per API key**: every request of an authenticated key takes a token from its
//!   bucket (`rate_limit_per_key` a second, `rate_limit_burst` at once);
//! - **failed authentications per client address**: each AUTH_FAILED or
//!   SIGNATURE_INVALID takes one of `auth_failures_per_minute`; an address that has none
//!   left is refused everything, before its request is authenticated, until a token
//!   comes back. IPv6 addresses count per /64, the block one subscriber usually holds.
//!
//! A refusal says how long to wait ([`Refusal::retry_after`]). 0 turns a limit off.
//! Several processes (PostgreSQL) each limit what they see: a client spread over N
//! processes by a load balancer gets up to N times the limit.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Default requests a second per API key.
pub const DEFAULT_PER_KEY: u32 = 100;
/// Default burst per API key.
pub const DEFAULT_BURST: u32 = 200;
/// Default failed authentications a minute per client address.
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 20;

/// The limits, as configured; 0 turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub per_key_per_second: u32,
    /// Requests a key may send at once; 0 means as many as `per_key_per_second`.
    pub per_key_burst: u32,
    pub auth_failures_per_minute: u32,
}

impl RateLimitSettings {
    pub const OFF: RateLimitSettings = RateLimitSettings {
        per_key_per_second: 0,
        per_key_burst: 0,
        auth_failures_per_minute: 0,
    };
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            per_key_per_second: DEFAULT_PER_KEY,
            per_key_burst: DEFAULT_BURST,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
        }
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    PerKey,
    AuthFailures,
}

impl Limit {
    /// The `limit` label of the refusals metric.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::PerKey => "per_key",
            Limit::AuthFailures => "auth_failures",
        }
    }
}

/// A request refused by a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub limit: Limit,
    /// When a retry can succeed, rounded up to whole seconds (at least 1).
    pub retry_after: Duration,
}

impl Refusal {
    fn new(limit: Limit, wait: Duration) -> Refusal {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        metrics::counter!(crate::telemetry::names::RATE_LIMITED, "limit" => limit.as_str())
            .increment(1);
        Refusal {
            limit,
            retry_after: Duration::from_secs(seconds.max(1)),
        }
    }
}

/// The client address of a request, when the server knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(ClientAddr(address.map(|ConnectInfo(a)| a.ip())))
    }
}

/// The limiters of one server process.
pub struct RateLimits {
    per_key: Option<DefaultKeyedRateLimiter<u64>>,
    /// Keys are kept as seeded 64-bit hashes, never as the key itself.
    key_hasher: RandomState,
    auth_failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses out of failed authentications, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    /// `blocked.len()`, read without the lock on every request.
    blocked_count: AtomicUsize,
}

impl RateLimits {
    pub fn new(settings: RateLimitSettings) -> RateLimits {
        let per_key = NonZeroU32::new(settings.per_key_per_second).map(|rate| {
            let burst = NonZeroU32::new(settings.per_key_burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        let auth_failures = NonZeroU32::new(settings.auth_failures_per_minute)
            .map(|rate| RateLimiter::keyed(Quota::per_minute(rate)));
        RateLimits {
            per_key,
            key_hasher: RandomState::new(),
            auth_failures,
            blocked: Mutex::new(HashMap::new()),
            blocked_count: AtomicUsize::new(0),
        }
    }

    pub fn off() -> RateLimits {
        RateLimits::new(RateLimitSettings::OFF)
    }

    fn lock_blocked(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Instant>> {
        self.blocked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses a client address that has used up its failed authentications.
    pub fn check_address(&self, client: ClientAddr) -> Result<(), Refusal> {
        let Some(address) = client.0 else {
            return Ok(());
        };
        if self.blocked_count.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        let mut blocked = self.lock_blocked();
        let now = Instant::now();
        match blocked.get(&address_block(address)) {
            Some(until) if *until > now => Err(Refusal::new(Limit::AuthFailures, *until - now)),
            Some(_) => {
                blocked.remove(&address_block(address));
                self.blocked_count.store(blocked.len(), Ordering::Relaxed);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Counts a failed authentication of `client`; a refusal when it had none left
    /// (the address is then refused everything until a token comes back).
    pub fn note_auth_failure(&self, client: ClientAddr) -> Result<(), Refusal> {
        let (Some(limiter), Some(address)) = (&self.auth_failures, client.0) else {
            return Ok(());
        };
        let block = address_block(address);
        let Err(not_until) = limiter.check_key(&block) else {
            return Ok(());
        };
        let wait = not_until.wait_time_from(limiter.clock().now());
        let mut blocked = self.lock_blocked();
        blocked.insert(block, Instant::now() + wait);
        self.blocked_count.store(blocked.len(), Ordering::Relaxed);
        Err(Refusal::new(Limit::AuthFailures, wait))
    }

    /// Takes a token from the bucket of an authenticated `userkey`.
    pub fn check_key(&self, userkey: &str) -> Result<(), Refusal> {
        let Some(limiter) = &self.per_key else {
            return Ok(());
        };
        let key = self.key_hasher.hash_one(userkey);
        limiter.check_key(&key).map_err(|not_until| {
            Refusal::new(
                Limit::PerKey,
                not_until.wait_time_from(limiter.clock().now()),
            )
        })
    }

    /// Forgets buckets that are full again and blocks that are over, so memory follows
    /// the clients seen lately, not all clients ever seen.
    pub fn forget_stale(&self) {
        if let Some(limiter) = &self.auth_failures {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.per_key {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let mut blocked = self.lock_blocked();
        let now = Instant::now();
        blocked.retain(|_, until| *until > now);
        self.blocked_count.store(blocked.len(), Ordering::Relaxed);
    }
}

/// The address a limit counts: IPv4 as it is, IPv6 by its /64.
fn address_block(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(text: &str) -> ClientAddr {
        ClientAddr(Some(text.parse().unwrap()))
    }

    #[test]
    fn a_key_has_its_burst_then_is_refused_with_a_wait() {
        let limits = RateLimits::new(RateLimitSettings {
            per_key_per_second: 1,
            per_key_burst: 3,
            auth_failures_per_minute: 0,
        });
        for _ in 0..3 {
            assert!(limits.check_key("key-a").is_ok());
        }
        let refusal = limits.check_key("key-a").unwrap_err();
        assert_eq!(refusal.limit, Limit::PerKey);
        assert_eq!(refusal.retry_after, Duration::from_secs(1));
        assert!(
            limits.check_key("key-b").is_ok(),
            "each key has its own bucket"
        );
    }

    #[test]
    fn an_address_out_of_failures_is_refused_everything() {
        let limits = RateLimits::new(RateLimitSettings {
            auth_failures_per_minute: 2,
            ..RateLimitSettings::OFF
        });
        let attacker = client("192.0.2.7");
        assert!(limits.check_address(attacker).is_ok());
        assert!(limits.note_auth_failure(attacker).is_ok());
        assert!(limits.note_auth_failure(attacker).is_ok());
        let refusal = limits.note_auth_failure(attacker).unwrap_err();
        assert_eq!(refusal.limit, Limit::AuthFailures);
        assert!(refusal.retry_after >= Duration::from_secs(1));
        assert!(limits.check_address(attacker).is_err());
        assert!(limits.check_address(client("192.0.2.8")).is_ok());
        assert!(limits.check_address(ClientAddr(None)).is_ok());
    }

    #[test]
    fn ipv6_addresses_count_per_64() {
        let limits = RateLimits::new(RateLimitSettings {
            auth_failures_per_minute: 1,
            ..RateLimitSettings::OFF
        });
        assert!(limits.note_auth_failure(client("2001:db8::1")).is_ok());
        assert!(limits.note_auth_failure(client("2001:db8::2")).is_err());
        assert!(limits.check_address(client("2001:db8:0:1::1")).is_ok());
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = RateLimits::off();
        for _ in 0..1000 {
            assert!(limits.check_key("k").is_ok());
            assert!(limits.note_auth_failure(client("192.0.2.1")).is_ok());
        }
        limits.forget_stale();
    }
}
