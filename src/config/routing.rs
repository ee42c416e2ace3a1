//! The `[routing]` table of the config file and its `DIDHUB_ROUTING_...` variables
//! (flags of `serve`), resolved into the domain's [`RoutingSettings`].

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::routing_lookup::RoutingSettings;

/// `[routing]`: every key optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    pub pstn_gateway: Option<String>,
    pub registrar: Option<String>,
    /// `[routing.trunks]`: `ID = ["sip:...", ...]`.
    pub trunks: Option<BTreeMap<String, Vec<String>>>,
    pub ring_timeout_secs: Option<u64>,
    pub asterisk_endpoint: Option<String>,
    pub freeswitch_profile: Option<String>,
}

/// `overrides` (flags and environment) win over `file`, key by key, over the defaults.
pub fn resolve(
    file: Option<&RoutingFile>,
    overrides: Option<&RoutingFile>,
) -> Result<RoutingSettings, String> {
    let empty = RoutingFile::default();
    let (file, overrides) = (file.unwrap_or(&empty), overrides.unwrap_or(&empty));
    macro_rules! pick {
        ($field:ident) => {
            overrides.$field.clone().or_else(|| file.$field.clone())
        };
    }
    let defaults = RoutingSettings::default();
    let settings = RoutingSettings {
        pstn_gateway: pick!(pstn_gateway).filter(|v| !v.is_empty()),
        registrar: pick!(registrar).filter(|v| !v.is_empty()),
        trunks: pick!(trunks).unwrap_or_default(),
        ring_timeout_secs: pick!(ring_timeout_secs).unwrap_or(defaults.ring_timeout_secs),
        asterisk_endpoint: pick!(asterisk_endpoint).unwrap_or(defaults.asterisk_endpoint),
        freeswitch_profile: pick!(freeswitch_profile).unwrap_or(defaults.freeswitch_profile),
    };
    settings.check()?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_and_flags_win_key_by_key() {
        let file: crate::config::FileConfig = toml::from_str(
            r#"
            [routing]
            pstn_gateway = "gw.example.net"
            registrar = "reg.example.net:5070"
            ring_timeout_secs = 25
            [routing.trunks]
            east = ["sip:a@t1.example.net", "b@t2.example.net"]
            "#,
        )
        .unwrap();
        let flags = RoutingFile {
            registrar: Some("reg2.example.net".into()),
            ..RoutingFile::default()
        };
        let settings = resolve(file.routing.as_ref(), Some(&flags)).unwrap();
        assert_eq!(settings.pstn_gateway.as_deref(), Some("gw.example.net"));
        assert_eq!(settings.registrar.as_deref(), Some("reg2.example.net"));
        assert_eq!(settings.ring_timeout_secs, 25);
        assert_eq!(settings.trunks["east"].len(), 2);
        assert_eq!(settings.asterisk_endpoint, "didhub");
        assert_eq!(settings.freeswitch_profile, "external");
    }

    #[test]
    fn bad_settings_and_unknown_keys_are_refused() {
        assert!(toml::from_str::<crate::config::FileConfig>("[routing]\npstn = \"x\"").is_err());
        let zero = RoutingFile {
            ring_timeout_secs: Some(0),
            ..RoutingFile::default()
        };
        assert!(resolve(None, Some(&zero)).is_err());
    }
}
