//! The v3 reader: every accepted form, and every refusal with the reason it gives.

use super::super::{ApiRequest, MAX_BODY_BYTES};
use super::parse_v3;

/// The request of `anveo-api.md` §1, verbatim.
const SPEC_EXAMPLE: &str = r#"<?xml version="1.0" standalone="no" ?>
<REQUEST>
  <USERTOKEN><USERKEY>api key</USERKEY></USERTOKEN>
  <ACTION NAME="DID.ORDER">
    <PARAMETER NAME="SIGNATURE">40 hex chars</PARAMETER>
    <PARAMETER NAME="TEST">TRUE</PARAMETER>
    <PARAMETER NAME="DID_TYPE">GEOGRAPHIC</PARAMETER>
    <PARAMETER NAME="VARIABLE" VARIABLENAME="X">value</PARAMETER>
  </ACTION>
</REQUEST>
"#;

fn parse(body: &str) -> ApiRequest {
    parse_v3(body.as_bytes()).unwrap_or_else(|e| panic!("refused: {e}\n{body}"))
}

/// A request with the given ACTION content (one USERKEY `k`, action `A`).
fn with_action_content(content: &str) -> String {
    format!(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A">{content}</ACTION></REQUEST>"#
    )
}

/// The value of parameter `P` when its element content is `content`.
fn param_value(content: &str) -> String {
    let body = with_action_content(&format!(r#"<PARAMETER NAME="P">{content}</PARAMETER>"#));
    parse(&body).param("P").expect("P is read").to_owned()
}

/// Asserts that `body` is refused with a sentence containing `phrase`.
#[track_caller]
fn assert_refused(body: impl AsRef<[u8]>, phrase: &str) {
    match parse_v3(body.as_ref()) {
        Ok(request) => panic!("accepted {request:?}, expected a refusal naming '{phrase}'"),
        Err(e) => assert!(
            e.0.contains(phrase),
            "reason '{}' does not name '{phrase}'",
            e.0
        ),
    }
}

mod accepted;
mod refused;
