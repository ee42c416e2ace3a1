//! TLS to PostgreSQL with rustls, chosen by the URL's `sslmode` as libpq reads it:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! |---|---|---|
//! | absent, `disable`, `allow` | no | |
//! | `prefer` | if the server offers TLS | no |
//! | `require` | yes | no (chain checked, name not, when `sslrootcert` is given, as libpq does) |
//! | `verify-ca` | yes | chain against the roots |
//! | `verify-full` | yes | chain against the roots, and the host name |
//!
//! The roots are the PEM file `sslrootcert` names, else (or with `sslrootcert=system`)
//! the system's store (rustls-native-certs). tokio-postgres knows only `disable`,
//! `prefer` and `require` and no `sslrootcert`, so [`parse_url`] takes both out of the
//! URL and hands tokio-postgres the rest. Unlike libpq, an absent `sslmode` means plain
//! TCP, as it always has for didhub.

mod verifiers;

use std::path::PathBuf;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use rustls::ClientConfig;
use rustls::client::danger::ServerCertVerifier;
use tokio_postgres::{Client, NoTls};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::{StoreError, StoreResult};
use verifiers::{AnyCertificate, AnyName, chain_verifier};

/// What the URL asks of the connection's security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Where the roots come from, for the modes that check a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    System,
    File(PathBuf),
}

/// A URL split into what tokio-postgres reads and what this module does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsUrl {
    /// The URL with `sslmode` set to what tokio-postgres understands and no `sslrootcert`.
    pub url: String,
    pub mode: TlsMode,
    /// `sslrootcert`, when given.
    pub root_file: Option<Roots>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgres://` URL.
pub fn parse_url(url: &str) -> StoreResult<TlsUrl> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (mut mode, mut root_file, mut kept) = (TlsMode::Disable, None, Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode_str(value).decode_utf8_lossy();
        match key {
            "sslmode" => mode = parse_mode(&value)?,
            "sslrootcert" if value == "system" => root_file = Some(Roots::System),
            "sslrootcert" => root_file = Some(Roots::File(PathBuf::from(value.as_ref()))),
            _ => kept.push(pair),
        }
    }
    kept.push(match mode {
        TlsMode::Disable => "sslmode=disable",
        TlsMode::Prefer => "sslmode=prefer",
        _ => "sslmode=require",
    });
    Ok(TlsUrl {
        url: format!("{base}?{}", kept.join("&")),
        mode,
        root_file,
    })
}

fn parse_mode(value: &str) -> StoreResult<TlsMode> {
    Ok(match value {
        "disable" | "allow" => TlsMode::Disable,
        "prefer" => TlsMode::Prefer,
        "require" => TlsMode::Require,
        "verify-ca" => TlsMode::VerifyCa,
        "verify-full" => TlsMode::VerifyFull,
        other => {
            return Err(StoreError::Rejected(format!(
                "invalid PostgreSQL URL: sslmode '{other}' is not disable, allow, prefer, require, \
                 verify-ca or verify-full"
            )));
        }
    })
}

/// How connections are made: plain, or through rustls.
#[derive(Clone)]
pub enum Connector {
    Plain,
    Tls(MakeRustlsConnect),
}

impl Connector {
    /// The connector `url`'s mode asks for.
    pub fn for_url(url: &TlsUrl) -> StoreResult<Connector> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match (&url.mode, &url.root_file) {
            (TlsMode::Disable, _) => return Ok(Connector::Plain),
            (TlsMode::Prefer | TlsMode::Require, None) => {
                Arc::new(AnyCertificate(provider.clone()))
            }
            (TlsMode::Prefer | TlsMode::Require | TlsMode::VerifyCa, roots) => {
                Arc::new(AnyName(chain_verifier(roots.as_ref(), provider.clone())?))
            }
            (TlsMode::VerifyFull, roots) => chain_verifier(roots.as_ref(), provider.clone())?,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Rejected(format!("TLS to PostgreSQL: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Connector::Tls(MakeRustlsConnect::new(config)))
    }

    /// One connection outside the pool (migrations), driven by a task of its own.
    pub async fn connect(
        &self,
        config: &tokio_postgres::Config,
    ) -> Result<(Client, tokio::task::JoinHandle<()>), tokio_postgres::Error> {
        Ok(match self {
            Connector::Plain => {
                let (client, connection) = config.connect(NoTls).await?;
                (client, tokio::spawn(async move { drop(connection.await) }))
            }
            Connector::Tls(tls) => {
                let (client, connection) = config.connect(tls.clone()).await?;
                (client, tokio::spawn(async move { drop(connection.await) }))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let parsed = parse_url(
            "postgres://u:p@db/didhub?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        )
        .unwrap();
        assert_eq!(parsed.mode, TlsMode::VerifyFull);
        assert_eq!(parsed.root_file, Some(Roots::File("/etc/ca.pem".into())));
        assert_eq!(
            parsed.url,
            "postgres://u:p@db/didhub?application_name=x&sslmode=require"
        );
        let plain = parse_url("postgres://u@db/didhub").unwrap();
        assert_eq!(plain.mode, TlsMode::Disable);
        assert_eq!(plain.url, "postgres://u@db/didhub?sslmode=disable");
        assert!(parse_url("postgres://u@db/d?sslmode=verify-everything").is_err());
    }

    #[test]
    fn each_mode_gets_its_connector() {
        let connector = |url: &str| Connector::for_url(&parse_url(url).unwrap());
        assert!(matches!(
            connector("postgres://u@db/d"),
            Ok(Connector::Plain)
        ));
        assert!(matches!(
            connector("postgres://u@db/d?sslmode=allow"),
            Ok(Connector::Plain)
        ));
        for mode in ["prefer", "require"] {
            let url = format!("postgres://u@db/d?sslmode={mode}");
            assert!(matches!(connector(&url), Ok(Connector::Tls(_))), "{mode}");
        }
        let missing = "postgres://u@db/d?sslmode=verify-full&sslrootcert=/nonexistent.pem";
        let error = connector(missing).err().unwrap().to_string();
        assert!(error.contains("/nonexistent.pem"), "{error}");
    }
}
