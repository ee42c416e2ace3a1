//! The operator's routing settings (the config file's `[routing]` table, env
//! `DIDHUB_ROUTING_...`): where PHONE and SIP_REGISTERED numbers go, the trunks, the
//! ring timeout and the names the FreeSWITCH and Asterisk renderings use.

use std::collections::BTreeMap;

/// The PJSIP endpoint Asterisk Dial strings name when none is set.
pub const DEFAULT_ASTERISK_ENDPOINT: &str = "didhub";
/// The sofia profile FreeSWITCH bridge legs name when none is set.
pub const DEFAULT_FREESWITCH_PROFILE: &str = "external";
/// How long a route rings before the next is tried, when not set.
pub const DEFAULT_RING_TIMEOUT_SECS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSettings {
    /// `host[:port]` PHONE numbers are sent to; `None`: PHONE does not route.
    pub pstn_gateway: Option<String>,
    /// `host[:port]` of the registrar SIP_REGISTERED numbers are sent to.
    pub registrar: Option<String>,
    /// Trunk id to its SIP URIs, in failover order.
    pub trunks: BTreeMap<String, Vec<String>>,
    pub ring_timeout_secs: u64,
    pub asterisk_endpoint: String,
    pub freeswitch_profile: String,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        RoutingSettings {
            pstn_gateway: None,
            registrar: None,
            trunks: BTreeMap::new(),
            ring_timeout_secs: DEFAULT_RING_TIMEOUT_SECS,
            asterisk_endpoint: DEFAULT_ASTERISK_ENDPOINT.into(),
            freeswitch_profile: DEFAULT_FREESWITCH_PROFILE.into(),
        }
    }
}

impl RoutingSettings {
    /// Reads `DIDHUB_ROUTING_TRUNKS`: `ID=URI,URI;ID=URI` (trunks separated by `;`, a
    /// trunk's URIs by `,`).
    pub fn parse_trunks(text: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
        let mut trunks = BTreeMap::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((id, uris)) = entry.split_once('=') else {
                return Err(format!("routing trunk '{entry}': expected ID=URI[,URI...]"));
            };
            let uris: Vec<String> = uris
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(String::from)
                .collect();
            trunks.insert(id.trim().to_owned(), uris);
        }
        Ok(trunks)
    }

    /// Checks the settings once, at start-up, so a lookup never meets a bad one.
    pub fn check(&self) -> Result<(), String> {
        if self.ring_timeout_secs == 0 {
            return Err("routing.ring_timeout_secs must be at least 1".into());
        }
        for (name, value) in [
            ("routing.pstn_gateway", &self.pstn_gateway),
            ("routing.registrar", &self.registrar),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.is_empty() || v.contains(char::is_whitespace))
            {
                return Err(format!("{name} must be a host[:port] without spaces"));
            }
        }
        for (id, uris) in &self.trunks {
            let valid = super::super::routing::validate_call_forward_to(
                crate::domain::CallForwardType::Trunk,
                id,
            );
            if valid.is_err() {
                return Err(format!(
                    "routing.trunks: '{id}' is not a trunk id (1 to 64 letters, digits, '_' or '-')"
                ));
            }
            if uris.is_empty() || uris.iter().any(|u| !u.contains('@')) {
                return Err(format!(
                    "routing.trunks.{id}: expected one or more SIP URIs user@host[:port]"
                ));
            }
        }
        for (name, value) in [
            ("routing.asterisk_endpoint", &self.asterisk_endpoint),
            ("routing.freeswitch_profile", &self.freeswitch_profile),
        ] {
            if value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            {
                return Err(format!("{name} must be letters, digits, '_', '-' or '.'"));
            }
        }
        Ok(())
    }
}
