//! Routing rules: what a valid CALL_FORWARD_TO looks like for each CALL_FORWARD_TYPE
//! (`anveo-api.md` §4.2), and the SMS targets.

use super::account::validate_email;
use super::{CallForwardType, DomainError, E164};

/// Longest SMS_URL accepted.
pub const MAX_URL_CHARS: usize = 1024;
/// The placeholder a SIP URI's user part may carry; replaced by the called number.
pub const E164_PLACEHOLDER: &str = "$[E164]$";

/// Checks CALL_FORWARD_TO against its type.
pub fn validate_call_forward_to(kind: CallForwardType, to: &str) -> Result<(), DomainError> {
    const NAME: &str = "CALL_FORWARD_TO";
    let invalid = |reason: &str| Err(DomainError::invalid(NAME, to, reason));
    match kind {
        CallForwardType::SipUri => {
            let uris: Vec<&str> = to.split(',').map(str::trim).collect();
            if uris.len() > 2 {
                return invalid(
                    "expected one SIP URI, or a primary and a backup separated by a comma",
                );
            }
            match uris.iter().find(|uri| !is_sip_uri(uri)) {
                Some(_) => invalid("expected SIP URIs of the form [sip:]user@host[:port]"),
                None => Ok(()),
            }
        }
        CallForwardType::CallFlow => {
            if is_token(to, 64, |c| c.is_ascii_alphanumeric()) {
                Ok(())
            } else {
                invalid("expected a call-flow key of 1 to 64 letters and digits")
            }
        }
        CallForwardType::Phone => E164::parse(NAME, to).map(|_| ()),
        CallForwardType::SipRegistered => {
            if to == "ACCOUNT" || to == "E164" {
                Ok(())
            } else {
                invalid("expected ACCOUNT or E164")
            }
        }
        CallForwardType::Trunk => {
            if is_token(to, 64, |c| {
                c.is_ascii_alphanumeric() || c == '_' || c == '-'
            }) {
                Ok(())
            } else {
                invalid("expected a trunk id of 1 to 64 letters, digits, '_' or '-'")
            }
        }
    }
}

/// An inbound-SMS webhook: an absolute http or https URL with a host.
pub fn validate_sms_url(text: &str) -> Result<(), DomainError> {
    let ok = text.chars().count() <= MAX_URL_CHARS
        && url::Url::parse(text).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "SMS_URL",
            text,
            "expected an http or https URL",
        ))
    }
}

pub fn validate_sms_email(text: &str) -> Result<(), DomainError> {
    validate_email("SMS_EMAIL", text)
}

/// SMS forwarding to a phone: E.164 digits.
pub fn validate_sms_phone(text: &str) -> Result<(), DomainError> {
    E164::parse("SMS_PHONE", text).map(|_| ())
}

fn is_token(text: &str, max: usize, allowed: impl Fn(char) -> bool) -> bool {
    (1..=max).contains(&text.len()) && text.chars().all(allowed)
}

/// `[sip:]user@host[:port]`; the user part may be or contain `$[E164]$`.
fn is_sip_uri(uri: &str) -> bool {
    let uri = uri.strip_prefix("sip:").unwrap_or(uri);
    let Some((user, host_port)) = uri.split_once('@') else {
        return false;
    };
    let user_ok = {
        let plain = user.replace(E164_PLACEHOLDER, "0");
        is_token(&plain, 64, |c| {
            c.is_ascii_alphanumeric() || "._~+-*#".contains(c)
        })
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0) && !p.starts_with('0'));
    user_ok && port_ok && is_hostname(host)
}

fn is_hostname(host: &str) -> bool {
    (1..=253).contains(&host.len())
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallForwardType::*;

    #[test]
    fn each_type_accepts_its_own_format() {
        for (kind, to) in [
            (SipUri, "1000@pbx.example.com"),
            (SipUri, "sip:$[E164]$@pbx.example.com:5060"),
            (SipUri, "a@10.0.0.1, b@backup.example.com:5080"),
            (CallFlow, "8c25e06faf2b98erts3gdtb83df91b307ff287f1"),
            (Phone, "12125550123"),
            (SipRegistered, "ACCOUNT"),
            (SipRegistered, "E164"),
            (Trunk, "trunk_01-east"),
        ] {
            assert!(validate_call_forward_to(kind, to).is_ok(), "{kind:?} {to}");
        }
    }

    #[test]
    fn each_type_refuses_other_formats() {
        for (kind, to) in [
            (SipUri, ""),
            (SipUri, "pbx.example.com"),
            (SipUri, "a@b.example.com,c@d.example.com,e@f.example.com"),
            (SipUri, "a@host:99999"),
            (SipUri, "a b@host"),
            (SipUri, "a@-host.example.com"),
            (CallFlow, "flow-1"),
            (CallFlow, &"a".repeat(65)),
            (Phone, "+1 212 555"),
            (SipRegistered, "account"),
            (Trunk, "trunk 1"),
        ] {
            assert!(validate_call_forward_to(kind, to).is_err(), "{kind:?} {to}");
        }
    }

    #[test]
    fn sms_targets() {
        assert!(validate_sms_url("https://hooks.example.com/sms?x=1").is_ok());
        assert!(validate_sms_url("ftp://example.com").is_err());
        assert!(validate_sms_url("not a url").is_err());
        assert!(validate_sms_email("sms@example.com").is_ok());
        assert!(validate_sms_email("sms").is_err());
        assert!(validate_sms_phone("447700900123").is_ok());
        assert!(validate_sms_phone("07700 900123").is_err());
    }
}
