//! The SMS settings (`sms.md`): Kannel's `sendsms` interface and the inbound token (the
//! `[kannel]` table, env `DIDHUB_KANNEL_*`), the SMTP relay for `SMS_EMAIL`
//! (`smtp_url`, `smtp_from`), `SMS_URL`'s retry policy (`sms_url_attempts`,
//! `sms_url_retry_secs`: Anveo's 5 attempts, 5 minutes apart) and the price per part of
//! a country without its own (`sms_default_price`, 0.01). Secrets are redacted in
//! `Debug`.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::config::FileConfig;
use crate::domain::Money;
use crate::domain::delivery::RetrySchedule;
use crate::domain::sms::DEFAULT_SMS_PRICE;

/// The `[kannel]` table of the config file (and its `DIDHUB_KANNEL_*` overrides).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KannelFile {
    pub sendsms_url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub inbound_token: Option<String>,
    pub dlr_url: Option<String>,
}

/// How didhub reaches Kannel's `sendsms`, and how Kannel's delivery reports reach didhub.
#[derive(Clone, PartialEq, Eq)]
pub struct KannelSendsms {
    pub url: url::Url,
    pub username: String,
    pub password: String,
    /// `/sms/kannel/dlr` as Kannel reaches it (default: on `listen`).
    pub dlr_url: url::Url,
}

/// An SMTP relay (lettre's URL form: `smtp://host:port`, `smtps://user:pass@host`, ...).
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpRelay {
    pub url: String,
    pub from: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmsSettings {
    /// `None`: the v1 gateway answers SMS_NOT_CONFIGURED.
    pub sendsms: Option<KannelSendsms>,
    /// What Kannel's get-url and dlr-url carry as `token`; `None` refuses every call.
    pub inbound_token: Option<String>,
    /// `None`: `SMS_EMAIL` deliveries fail with that reason.
    pub smtp: Option<SmtpRelay>,
    pub sms_url_retry: RetrySchedule,
    pub default_price: Money,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            sendsms: None,
            inbound_token: None,
            smtp: None,
            sms_url_retry: RetrySchedule::attempts(5, Duration::from_secs(300)),
            default_price: DEFAULT_SMS_PRICE,
        }
    }
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings")
            .field(
                "sendsms_url",
                &self.sendsms.as_ref().map(|k| k.url.as_str()),
            )
            .field("inbound_token", &self.inbound_token.as_ref().map(|_| "***"))
            .field(
                "smtp",
                &self
                    .smtp
                    .as_ref()
                    .map(|s| (crate::config::redact_url(&s.url), s.from.as_str())),
            )
            .field("sms_url_retry", &self.sms_url_retry)
            .field("default_price", &self.default_price.to_string())
            .finish()
    }
}

/// Kannel reads `%` in a get-url as an escape: the token is URL-safe characters only.
fn check_token(token: &str) -> Result<(), String> {
    let safe = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if safe {
        Ok(())
    } else {
        Err("kannel.inbound_token must be letters, digits, '-', '.', '_' or '~'".into())
    }
}

/// The settings from `file` and `overrides` (env and flags), in rising priority;
/// `listen` is where the delivery-report URL points by default.
pub fn resolve(
    file: &FileConfig,
    overrides: &FileConfig,
    listen: &str,
) -> Result<SmsSettings, String> {
    let defaults = SmsSettings::default();
    let none = KannelFile::default();
    let (kf, ko) = (
        file.kannel.as_ref().unwrap_or(&none),
        overrides.kannel.as_ref().unwrap_or(&none),
    );
    let pick = |o: &Option<String>, f: &Option<String>| {
        o.clone()
            .or_else(|| f.clone())
            .filter(|v| !v.trim().is_empty())
    };
    let inbound_token = pick(&ko.inbound_token, &kf.inbound_token);
    if let Some(token) = &inbound_token {
        check_token(token)?;
    }
    let sendsms = match pick(&ko.sendsms_url, &kf.sendsms_url) {
        None => None,
        Some(text) => {
            let url =
                url::Url::parse(&text).map_err(|e| format!("kannel.sendsms_url '{text}': {e}"))?;
            let dlr_text = pick(&ko.dlr_url, &kf.dlr_url)
                .unwrap_or_else(|| format!("http://{listen}/sms/kannel/dlr"));
            let dlr_url = url::Url::parse(&dlr_text)
                .map_err(|e| format!("kannel.dlr_url '{dlr_text}': {e}"))?;
            if inbound_token.is_none() {
                return Err(
                    "kannel.sendsms_url needs kannel.inbound_token: delivery reports carry it"
                        .into(),
                );
            }
            Some(KannelSendsms {
                url,
                username: pick(&ko.username, &kf.username).unwrap_or_default(),
                password: pick(&ko.password, &kf.password).unwrap_or_default(),
                dlr_url,
            })
        }
    };
    let smtp = match pick(&overrides.smtp_url, &file.smtp_url) {
        None => None,
        Some(url) => Some(SmtpRelay {
            from: pick(&overrides.smtp_from, &file.smtp_from)
                .ok_or("smtp_url needs smtp_from (the sender address of SMS e-mails)")?,
            url,
        }),
    };
    let attempts = overrides
        .sms_url_attempts
        .or(file.sms_url_attempts)
        .unwrap_or(5);
    if attempts == 0 {
        return Err("sms_url_attempts must be at least 1".into());
    }
    let every = overrides
        .sms_url_retry_secs
        .or(file.sms_url_retry_secs)
        .unwrap_or(300);
    let default_price = match pick(&overrides.sms_default_price, &file.sms_default_price) {
        Some(text) => Money::parse_decimal(&text)
            .ok()
            .filter(|m| m.minor() >= 0)
            .ok_or_else(|| format!("sms_default_price '{text}' is not an amount such as 0.01"))?,
        None => defaults.default_price,
    };
    Ok(SmsSettings {
        sendsms,
        inbound_token,
        smtp,
        sms_url_retry: RetrySchedule::attempts(attempts, Duration::from_secs(every)),
        default_price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_settings_layer_and_are_checked() {
        let file = FileConfig {
            kannel: Some(KannelFile {
                sendsms_url: Some("http://127.0.0.1:13013/cgi-bin/sendsms".into()),
                username: Some("didhub".into()),
                password: Some("secret".into()),
                inbound_token: Some("tok-1".into()),
                dlr_url: None,
            }),
            sms_url_attempts: Some(3),
            ..FileConfig::default()
        };
        let env = FileConfig {
            kannel: Some(KannelFile {
                password: Some("from-env".into()),
                ..KannelFile::default()
            }),
            sms_default_price: Some("0.05".into()),
            ..FileConfig::default()
        };
        let settings = resolve(&file, &env, "127.0.0.1:8080").unwrap();
        let sendsms = settings.sendsms.as_ref().unwrap();
        assert_eq!(sendsms.password, "from-env");
        assert_eq!(
            sendsms.dlr_url.as_str(),
            "http://127.0.0.1:8080/sms/kannel/dlr"
        );
        assert_eq!(settings.sms_url_retry.max_attempts, Some(3));
        assert_eq!(settings.default_price, Money(5));
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("secret") && !shown.contains("from-env") && !shown.contains("tok-1")
        );

        let defaults = resolve(&FileConfig::default(), &FileConfig::default(), "x:1").unwrap();
        assert_eq!(defaults, SmsSettings::default());
        assert_eq!(defaults.sms_url_retry.max_attempts, Some(5));
        assert_eq!(
            defaults.sms_url_retry.delays,
            vec![Duration::from_secs(300)]
        );
    }

    #[test]
    fn the_file_has_a_kannel_table() {
        let file: FileConfig = toml::from_str(
            "smtp_url = \"smtp://127.0.0.1:25\"\nsmtp_from = \"sms@didhub.example\"\n\
             [kannel]\nsendsms_url = \"http://127.0.0.1:13013/cgi-bin/sendsms\"\n\
             inbound_token = \"t0k\"\n",
        )
        .unwrap();
        let settings = resolve(&file, &FileConfig::default(), "0.0.0.0:8080").unwrap();
        assert_eq!(settings.inbound_token.as_deref(), Some("t0k"));
        assert_eq!(settings.smtp.unwrap().from, "sms@didhub.example");
        assert!(toml::from_str::<FileConfig>("[kannel]\nsendsms = \"x\"\n").is_err());
    }

    #[test]
    fn bad_sms_settings_are_refused() {
        let bad = |f: FileConfig| resolve(&f, &FileConfig::default(), "x:1").unwrap_err();
        let token = bad(FileConfig {
            kannel: Some(KannelFile {
                inbound_token: Some("a%b".into()),
                ..KannelFile::default()
            }),
            ..FileConfig::default()
        });
        assert!(token.contains("inbound_token"), "{token}");
        let no_token = bad(FileConfig {
            kannel: Some(KannelFile {
                sendsms_url: Some("http://127.0.0.1:13013/cgi-bin/sendsms".into()),
                ..KannelFile::default()
            }),
            ..FileConfig::default()
        });
        assert!(no_token.contains("inbound_token"), "{no_token}");
        let no_from = bad(FileConfig {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            ..FileConfig::default()
        });
        assert!(no_from.contains("smtp_from"), "{no_from}");
        let price = bad(FileConfig {
            sms_default_price: Some("-1".into()),
            ..FileConfig::default()
        });
        assert!(price.contains("sms_default_price"), "{price}");
    }
}
