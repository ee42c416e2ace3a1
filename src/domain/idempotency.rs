//! Idempotent requests (`events.md`): a client's key, the fingerprint of the request it
//! was first used with, and the answer stored for replays.
//!
//! Keys are per main account and live 24 hours. The fingerprint covers the action, the
//! calling account and every parameter and variable except the key itself and
//! SIGNATURE, so the same key with anything else different is IDEMPOTENCY_KEY_REUSED.

use sha2::{Digest, Sha256};

use super::{AccountNumber, DomainError, Timestamp};

/// Longest key, in characters.
pub const MAX_KEY_CHARS: usize = 64;

/// How long a key and its answer are kept.
pub const KEY_LIFETIME_SECS: i64 = 24 * 3600;

/// A client's idempotency key: 1 to 64 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(name: &str, text: &str) -> Result<IdempotencyKey, DomainError> {
        let printable = text.bytes().all(|b| (0x20..=0x7e).contains(&b));
        if text.is_empty() || text.len() > MAX_KEY_CHARS || !printable {
            return Err(DomainError::invalid(
                name,
                text,
                format!("expected 1 to {MAX_KEY_CHARS} printable ASCII characters"),
            ));
        }
        Ok(IdempotencyKey(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The key given as the `Idempotency-Key` header and/or the `IDEMPOTENCY_KEY` parameter:
/// either alone, or both when they agree.
pub fn key_of_request(
    header: Option<&str>,
    parameter: Option<&str>,
) -> Result<Option<IdempotencyKey>, DomainError> {
    match (header, parameter.filter(|p| !p.is_empty())) {
        (None, None) => Ok(None),
        (Some(h), Some(p)) if h != p => Err(DomainError::invalid(
            "IDEMPOTENCY_KEY",
            p,
            "differs from the Idempotency-Key header",
        )),
        (Some(key), _) => IdempotencyKey::parse("Idempotency-Key", key).map(Some),
        (None, Some(key)) => IdempotencyKey::parse("IDEMPOTENCY_KEY", key).map(Some),
    }
}

/// Parameter names the fingerprint leaves out.
const NOT_FINGERPRINTED: [&str; 2] = ["IDEMPOTENCY_KEY", "SIGNATURE"];

/// SHA-256 (hex) of the action, the calling account, and the parameters and variables
/// (each in name order, each name and value length-prefixed so no two requests collide).
pub fn fingerprint<'a>(
    action: &str,
    caller: &AccountNumber,
    params: impl Iterator<Item = (&'a str, &'a str)>,
    variables: impl Iterator<Item = (&'a str, &'a str)>,
) -> String {
    let mut hash = Sha256::new();
    let mut field = |text: &str| {
        hash.update((text.len() as u64).to_be_bytes());
        hash.update(text.as_bytes());
    };
    field(action);
    field(caller.as_str());
    for (name, value) in params.filter(|(name, _)| !NOT_FINGERPRINTED.contains(name)) {
        field("P");
        field(name);
        field(value);
    }
    for (name, value) in variables {
        field("V");
        field(name);
        field(value);
    }
    hex::encode(hash.finalize())
}

/// An answer kept for replays: the body byte for byte and the error code it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub body: Vec<u8>,
    /// The `X-Didhub-Error-Code` of an error answer; `None` for a success.
    pub error_code: Option<String>,
}

/// A request taking a key: the first one with the key (or the first after it expired or
/// its holder vanished) reserves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyReservation {
    pub main_account: AccountNumber,
    pub key: IdempotencyKey,
    pub fingerprint: String,
    /// Proves the reservation when its answer is stored.
    pub token: String,
    /// A reservation still running this long after it was made is abandoned (its
    /// process died): it is never run again, only answered as interrupted.
    pub abandon_after_secs: i64,
}

impl KeyReservation {
    /// A reservation with a fresh token.
    pub fn new(
        main_account: AccountNumber,
        key: IdempotencyKey,
        fingerprint: String,
        abandon_after_secs: i64,
    ) -> KeyReservation {
        KeyReservation {
            main_account,
            key,
            fingerprint,
            token: super::events::new_id(""),
            abandon_after_secs,
        }
    }

    /// At `now`: a key made before the first instant has expired (and may be reserved
    /// anew), and a running reservation made before the second is abandoned.
    pub fn limits(&self, now: Timestamp) -> (Timestamp, Timestamp) {
        (expired_before(now), now - self.abandon_after_secs)
    }
}

/// Keys made before this instant have expired (and are purged).
pub fn expired_before(now: Timestamp) -> Timestamp {
    now - KEY_LIFETIME_SECS
}

/// What a key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// This request reserved the key: run it and store its answer.
    Reserved,
    /// Another request with the key is running.
    Running { fingerprint: String },
    /// The key's request finished with this answer.
    Answered {
        fingerprint: String,
        answer: StoredAnswer,
    },
    /// The key's first request, with this fingerprint, was reserved by a process that
    /// died before it stored an answer; this request now holds the reservation (under its
    /// own token) only to store the answer that says so. The first request may or may
    /// not have changed something, so it is never run again.
    Abandoned,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_ascii() {
        assert!(IdempotencyKey::parse("K", "order-2026-01-01 #1").is_ok());
        assert!(IdempotencyKey::parse("K", &"k".repeat(64)).is_ok());
        for bad in ["", &"k".repeat(65), "tab\there", "é"] {
            assert!(IdempotencyKey::parse("K", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_and_parameter_must_agree() {
        assert_eq!(key_of_request(None, None), Ok(None));
        assert_eq!(key_of_request(None, Some("")), Ok(None));
        let a = Some(IdempotencyKey("a".into()));
        assert_eq!(key_of_request(Some("a"), None), Ok(a.clone()));
        assert_eq!(key_of_request(None, Some("a")), Ok(a.clone()));
        assert_eq!(key_of_request(Some("a"), Some("a")), Ok(a));
        assert!(key_of_request(Some("a"), Some("b")).is_err());
    }

    #[test]
    fn fingerprints_ignore_the_key_and_signature_only() {
        let caller = AccountNumber::parse("A", "1234567895").unwrap();
        let other = AccountNumber::parse("A", "2234567895").unwrap();
        let print = |action: &str, who: &AccountNumber, params: &[(&str, &str)]| {
            fingerprint(action, who, params.iter().copied(), std::iter::empty())
        };
        let base = print(
            "DID.ORDER",
            &caller,
            &[("AREA_ID", "1.212"), ("QUANTITY", "1")],
        );
        let same = print(
            "DID.ORDER",
            &caller,
            &[
                ("AREA_ID", "1.212"),
                ("IDEMPOTENCY_KEY", "k"),
                ("QUANTITY", "1"),
                ("SIGNATURE", "s"),
            ],
        );
        assert_eq!(base, same);
        assert_ne!(
            base,
            print(
                "DID.ORDER",
                &caller,
                &[("AREA_ID", "1.212"), ("QUANTITY", "2")]
            )
        );
        assert_ne!(
            base,
            print(
                "DID.LIST",
                &caller,
                &[("AREA_ID", "1.212"), ("QUANTITY", "1")]
            )
        );
        assert_ne!(
            base,
            print(
                "DID.ORDER",
                &other,
                &[("AREA_ID", "1.212"), ("QUANTITY", "1")]
            )
        );
        assert_ne!(
            print("X", &caller, &[("AB", "C")]),
            print("X", &caller, &[("A", "BC")])
        );
    }
}
