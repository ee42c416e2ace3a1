//! The Kamailio rendering (`POST /route/kamailio`): the `rtjson` module's routing
//! document (serial, one route per destination, `fr_inv_timer` in milliseconds) beside
//! the lookup's JSON under `didhub`; `{"success": false}` when not routable.

use serde::{Deserialize, Serialize};

use super::json::JsonAnswer;

/// What Kamailio's `http_client` posts: at least one of these, tried in this order
/// (`e164`, `ruri_user`, `to_uri`).
#[derive(Debug, Default, Deserialize)]
pub struct KamailioQuery {
    pub e164: Option<String>,
    pub ruri_user: Option<String>,
    pub to_uri: Option<String>,
}

impl KamailioQuery {
    /// The texts naming the called number, in the order they are tried.
    pub fn candidates(&self) -> impl Iterator<Item = &str> {
        [&self.e164, &self.ruri_user, &self.to_uri]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|t| !t.trim().is_empty())
    }
}

#[derive(Serialize)]
struct RtRoute<'a> {
    uri: &'a str,
    fr_inv_timer: u64,
}

#[derive(Serialize)]
#[serde(untagged)]
enum RtJson<'a> {
    Routes {
        version: &'static str,
        routing: &'static str,
        routes: Vec<RtRoute<'a>>,
    },
    Failure {
        success: bool,
    },
}

#[derive(Serialize)]
struct Document<'a> {
    rtjson: RtJson<'a>,
    didhub: &'a JsonAnswer<'a>,
}

pub fn render(answer: &JsonAnswer<'_>) -> String {
    let rtjson = if answer.routable {
        RtJson::Routes {
            version: "1.0",
            routing: "serial",
            routes: answer
                .routes
                .iter()
                .map(|r| RtRoute {
                    uri: r.uri,
                    fr_inv_timer: r.timeout_ms,
                })
                .collect(),
        }
    } else {
        RtJson::Failure { success: false }
    };
    serde_json::to_string(&Document {
        rtjson,
        didhub: answer,
    })
    .expect("a lookup answer serializes")
}
