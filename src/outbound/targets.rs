//! The private-target rule at registration: a webhook URL whose host is, or resolves
//! to, a loopback, private, link-local or unique-local address is refused unless
//! `allow_private_targets` is set. The rule is checked again at delivery, on the
//! addresses DNS gives then ([`super::http`]).

use std::time::Duration;

use url::Host;

use crate::domain::DomainError;
use crate::domain::webhooks::targets::is_private_address;

/// How long a registration waits for DNS.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// INVALID_PARAMETER (naming `name`) when `url` may not be called.
pub async fn check_target(
    name: &str,
    url: &url::Url,
    allow_private: bool,
) -> Result<(), DomainError> {
    if allow_private {
        return Ok(());
    }
    let refused = || {
        DomainError::invalid(
            name,
            url.as_str(),
            "targets in loopback, private, link-local and unique-local networks are refused",
        )
    };
    match url.host() {
        Some(Host::Ipv4(ip)) if is_private_address(ip.into()) => Err(refused()),
        Some(Host::Ipv6(ip)) if is_private_address(ip.into()) => Err(refused()),
        Some(Host::Domain(domain)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let lookup = tokio::net::lookup_host((domain, port));
            let addresses = match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.collect::<Vec<_>>(),
                _ => {
                    return Err(DomainError::invalid(
                        name,
                        url.as_str(),
                        "the host does not resolve",
                    ));
                }
            };
            if addresses.is_empty() || addresses.iter().any(|a| is_private_address(a.ip())) {
                return Err(refused());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
