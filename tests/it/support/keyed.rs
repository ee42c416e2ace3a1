//! Requests with an `Idempotency-Key` header, answered with the replay header too.

use super::{CreatedAccount, Reply, TestApp, request_xml};

/// An answer and whether it was a replay (`Idempotent-Replayed: true`).
#[derive(Debug, Clone)]
pub struct KeyedReply {
    pub reply: Reply,
    pub replayed: bool,
}

impl TestApp {
    /// A v3 request as `who` with `key` in the `Idempotency-Key` header (if any).
    pub async fn keyed_v3(
        &self,
        who: &CreatedAccount,
        key: Option<&str>,
        action: &str,
        params: &[(&str, &str)],
    ) -> KeyedReply {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if let Some(signature) = &who.signature {
            all.push(("SIGNATURE", signature));
        }
        all.extend_from_slice(params);
        let mut request = self
            .client
            .post(format!("{}/api/v3.asp", self.base_url))
            .body(request_xml(&who.userkey, action, &all));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.expect("v3 request");
        let replayed = response
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        KeyedReply {
            reply: super::calls::read_reply(response).await,
            replayed,
        }
    }
}
