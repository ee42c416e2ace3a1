//! Standard Webhooks signatures (standardwebhooks.com): `webhook-signature` is `v1,` and
//! the base64 of HMAC-SHA256 over `"{webhook-id}.{webhook-timestamp}.{body}"`, keyed
//! with the bytes the secret's base64 (after `whsec_`) encodes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::SECRET_PREFIX;

/// Why a secret cannot sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the webhook secret is not whsec_ followed by base64")]
pub struct BadSecret;

/// The `webhook-signature` header value for one attempt.
pub fn sign(
    secret: &str,
    webhook_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, BadSecret> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).map_err(|_| BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(webhook_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries.
    #[test]
    fn signs_the_reference_example() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert_eq!(sign("whsec_not base64!", "id", 1, b""), Err(BadSecret));
    }
}
