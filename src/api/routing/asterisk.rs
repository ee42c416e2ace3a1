//! The Asterisk rendering (`GET /route/asterisk?did=E164`, for `CURL()` in the
//! dialplan): the Dial strings of the routes joined with `^` in failover order, which
//! the shipped dialplan walks one by one; `SUSPENDED` for a Suspended number,
//! `UNROUTABLE` for a held number that cannot be routed (no CALL_FORWARD_TYPE, a
//! CALLFLOW, a setting missing), and nothing at all for a number not found.

use crate::domain::routing_lookup::{RouteAnswer, Unroutable};

pub fn render(answer: &RouteAnswer, endpoint: &str) -> String {
    match answer.reason {
        None => answer
            .routes
            .iter()
            .map(|r| format!("PJSIP/{endpoint}/{}", r.uri))
            .collect::<Vec<_>>()
            .join("^"),
        Some(Unroutable::NotFound) => String::new(),
        Some(Unroutable::Suspended) => "SUSPENDED".into(),
        Some(_) => "UNROUTABLE".into(),
    }
}
