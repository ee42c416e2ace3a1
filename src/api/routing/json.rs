//! The JSON rendering of a lookup (`GET /route/{e164}`, and the `didhub` part of the
//! Kamailio answer), keys in the spec's order.

use serde::Serialize;

use crate::domain::routing_lookup::RouteAnswer;

#[derive(Debug, Serialize)]
pub struct JsonRoute<'a> {
    pub uri: &'a str,
    pub timeout_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct JsonAnswer<'a> {
    pub did: &'a str,
    pub status: Option<&'static str>,
    pub account_number: Option<&'a str>,
    pub channels_limit: Option<u32>,
    pub routable: bool,
    pub reason: Option<&'static str>,
    pub routes: Vec<JsonRoute<'a>>,
}

impl<'a> JsonAnswer<'a> {
    pub fn of(answer: &'a RouteAnswer) -> JsonAnswer<'a> {
        JsonAnswer {
            did: answer.did.as_str(),
            status: answer.status.map(|s| s.as_str()),
            account_number: answer.account_number.as_ref().map(|a| a.as_str()),
            channels_limit: answer.channels_limit,
            routable: answer.routable(),
            reason: answer.reason.map(|r| r.as_str()),
            routes: answer
                .routes
                .iter()
                .map(|r| JsonRoute {
                    uri: &r.uri,
                    timeout_ms: r.timeout_ms,
                })
                .collect(),
        }
    }

    /// The answer for a called number that is not an E.164 number at all.
    pub fn not_a_number(did: &'a str) -> JsonAnswer<'a> {
        JsonAnswer {
            did,
            status: None,
            account_number: None,
            channels_limit: None,
            routable: false,
            reason: Some("not_found"),
            routes: Vec::new(),
        }
    }
}

pub fn render(answer: &JsonAnswer<'_>) -> String {
    serde_json::to_string(answer).expect("a lookup answer serializes")
}
