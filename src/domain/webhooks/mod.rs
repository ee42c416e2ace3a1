//! Webhooks: a main account's HTTP endpoints that receive its events, the secret each
//! delivery is signed with ([`signing`]), and the rule for which targets may be called
//! at all ([`targets`]).

pub mod signing;
pub mod targets;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use super::events::{EventFilter, new_id};
use super::{AccountNumber, DomainError, Timestamp};

/// Longest URL a webhook may have.
pub const MAX_URL_CHARS: usize = 2048;

/// Random bytes in a secret (Standard Webhooks asks for at least 24).
const SECRET_BYTES: usize = 32;

/// The prefix of every secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A fresh webhook id: `wh_` and a UUIDv7.
pub fn new_webhook_id() -> String {
    new_id("wh_")
}

/// Whether `text` could be a webhook id (so a malformed one is INVALID_PARAMETER, not a
/// search).
pub fn validate_webhook_id(name: &str, text: &str) -> Result<(), DomainError> {
    let well_formed = text
        .strip_prefix("wh_")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if well_formed {
        Ok(())
    } else {
        Err(DomainError::invalid(
            name,
            text,
            "expected a WEBHOOK_ID from WEBHOOK.ADD",
        ))
    }
}

/// A new signing secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// Reads an endpoint URL: absolute `http` or `https` with a host, no user name or
/// password, at most [`MAX_URL_CHARS`]. Whether its address may be called is
/// [`targets`]' rule, checked separately (it needs DNS).
pub fn parse_target_url(name: &str, text: &str) -> Result<url::Url, DomainError> {
    if text.chars().count() > MAX_URL_CHARS {
        return Err(DomainError::invalid(
            name,
            text,
            format!("longer than {MAX_URL_CHARS} characters"),
        ));
    }
    let url = url::Url::parse(text)
        .map_err(|e| DomainError::invalid(name, text, format!("not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DomainError::invalid(
            name,
            text,
            "expected an http or https URL",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(DomainError::invalid(name, text, "the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DomainError::invalid(
            name,
            text,
            "a user name or password in the URL is not accepted",
        ));
    }
    Ok(url)
}

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub webhook_id: String,
    /// The main account whose events it receives.
    pub account_number: AccountNumber,
    pub url: String,
    pub events: EventFilter,
    /// `whsec_...`; never shown by WEBHOOK.LIST.
    pub secret: String,
    pub created_at: Timestamp,
}

impl Webhook {
    /// A new endpoint with a fresh id and secret.
    pub fn new(
        account_number: AccountNumber,
        url: &url::Url,
        events: EventFilter,
        at: Timestamp,
    ) -> Webhook {
        Webhook {
            webhook_id: new_webhook_id(),
            account_number,
            url: url.to_string(),
            events,
            secret: new_secret(),
            created_at: at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_secrets_have_their_shapes() {
        let id = new_webhook_id();
        assert!(validate_webhook_id("WEBHOOK_ID", &id).is_ok(), "{id}");
        for bad in ["", "wh_", "evt_0190", "wh_xyz"] {
            assert!(validate_webhook_id("WEBHOOK_ID", bad).is_err(), "{bad}");
        }
        let secret = new_secret();
        let key = STANDARD
            .decode(secret.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn target_urls_are_absolute_http() {
        assert!(parse_target_url("URL", "https://hooks.example.com/didhub?x=1").is_ok());
        assert!(parse_target_url("URL", "http://127.0.0.1:8080/in").is_ok());
        for bad in [
            "",
            "hooks.example.com/in",
            "ftp://hooks.example.com/",
            "https://user:pw@hooks.example.com/",
            "mailto:ops@example.com",
        ] {
            assert!(parse_target_url("URL", bad).is_err(), "{bad}");
        }
    }
}
