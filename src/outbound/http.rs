//! The HTTP client for outbound calls: rustls, a timeout on every call, no redirects
//! (a redirect could point anywhere), no proxy from the environment, and a DNS resolver
//! that drops private addresses unless they are allowed, so the private-target rule
//! holds for the address actually connected to, not one looked up earlier.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::OutboundPolicy;
use crate::domain::webhooks::targets::is_private_address;

/// A client for `policy`.
pub fn client(policy: &OutboundPolicy) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .connect_timeout(policy.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicResolver {
            allow_private: policy.allow_private_targets,
        }))
        .user_agent(concat!("didhub/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))
}

/// The system resolver, keeping only public addresses unless private ones are allowed.
struct PublicResolver {
    allow_private: bool,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| allow_private || !is_private_address(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    format!("{host} has no public address (private targets are refused)").into(),
                );
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}
