//! The FreeSWITCH rendering (`POST /route/freeswitch`, `mod_xml_curl`'s dialplan
//! binding): one extension for the number in the requested context, or the "not found"
//! result that makes FreeSWITCH fall back to its other dialplan sources.

use quick_xml::escape::escape;

use crate::domain::routing_lookup::{RouteAnswer, Unroutable};

/// The context an extension is put in when the request names none.
pub const DEFAULT_CONTEXT: &str = "public";

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";

/// What FreeSWITCH asked for, from the form fields it posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialplanQuery {
    pub section: String,
    /// `Hunt-Destination-Number`, else `Caller-Destination-Number`.
    pub destination: Option<String>,
    /// `Hunt-Context`, else `Caller-Context`, else [`DEFAULT_CONTEXT`].
    pub context: String,
}

impl DialplanQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> DialplanQuery {
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        DialplanQuery {
            section: field("section").unwrap_or_default(),
            destination: field("Hunt-Destination-Number")
                .or_else(|| field("Caller-Destination-Number")),
            context: field("Hunt-Context")
                .or_else(|| field("Caller-Context"))
                .unwrap_or_else(|| DEFAULT_CONTEXT.into()),
        }
    }
}

/// The answer that makes FreeSWITCH look elsewhere.
pub fn not_found() -> String {
    format!(
        "{HEAD}<document type=\"freeswitch/xml\">\n  <section name=\"result\">\n    \
         <result status=\"not found\"/>\n  </section>\n</document>\n"
    )
}

/// The dialplan document for a found number: bridge to its routes (serial failover),
/// or `respond 480` when it is Suspended or cannot be routed.
pub fn render(answer: &RouteAnswer, context: &str, profile: &str) -> String {
    if answer.reason == Some(Unroutable::NotFound) {
        return not_found();
    }
    let did = answer.did.as_str();
    let mut actions = Vec::new();
    if let Some(account) = &answer.account_number {
        actions.push(("set", format!("didhub_account={account}")));
    }
    if answer.routable() {
        if let Some(limit) = answer.channels_limit {
            actions.push(("limit", format!("hash didhub {did} {limit} !USER_BUSY")));
        }
        let timeout_secs = answer.routes.first().map_or(0, |r| r.timeout_ms / 1000);
        actions.push(("set", format!("call_timeout={timeout_secs}")));
        let legs: Vec<String> = answer
            .routes
            .iter()
            .map(|r| format!("sofia/{profile}/{}", r.uri.trim_start_matches("sip:")))
            .collect();
        actions.push(("bridge", legs.join("|")));
    } else {
        actions.push(("respond", "480".into()));
    }
    let mut xml = format!(
        "{HEAD}<document type=\"freeswitch/xml\">\n  <section name=\"dialplan\" description=\"didhub\">\n    \
         <context name=\"{}\">\n      <extension name=\"didhub_{did}\">\n        \
         <condition field=\"destination_number\" expression=\"^\\+?{did}$\">\n",
        escape(context)
    );
    for (application, data) in actions {
        xml.push_str(&format!(
            "          <action application=\"{application}\" data=\"{}\"/>\n",
            escape(&data)
        ));
    }
    xml.push_str(
        "        </condition>\n      </extension>\n    </context>\n  </section>\n</document>\n",
    );
    xml
}
