//! API keys and signatures.
//!
//! * An API key (USERKEY) is 40 random lower-case hex characters. Only its SHA-256 is
//!   stored, so a stolen database does not hand out working keys.
//! * SIGNATURE is `hex(HMAC-SHA1(key = secure phrase, message = e-mail))`. It depends on
//!   nothing in the request, so didhub computes it once when the phrase is set and stores
//!   only its SHA-256: the phrase itself is never stored, and checking a request costs
//!   one SHA-256 and a constant-time comparison instead of an HMAC.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A new random API key (40 lower-case hex characters).
pub fn generate_api_key() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a secret, lower-case hex: what the store keeps of keys and signatures.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The SIGNATURE an account with this e-mail and secure phrase must send.
pub fn signature(secure_phrase: &str, email: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secure_phrase.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(email.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `presented` (hex, any case) is the signature whose hash is `expected_hash`.
/// The comparison takes the same time wherever the hashes differ.
pub fn signature_matches(presented: &str, expected_hash: &str) -> bool {
    let presented_hash = secret_hash(&presented.to_ascii_lowercase());
    presented_hash
        .as_bytes()
        .ct_eq(expected_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_40_lower_hex() {
        let key = generate_api_key();
        assert_eq!(key.len(), 40);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(key, generate_api_key());
    }

    #[test]
    fn signature_is_hmac_sha1_of_email_keyed_by_phrase() {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn signature_check_ignores_hex_case_only() {
        let sig = signature("phrase", "ops@example.com");
        let hash = secret_hash(&sig);
        assert!(signature_matches(&sig, &hash));
        assert!(signature_matches(&sig.to_ascii_uppercase(), &hash));
        assert!(!signature_matches(&sig[1..], &hash));
        assert!(!signature_matches("", &hash));
    }
}
