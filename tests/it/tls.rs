//! TLS termination (`server::tls`): a certificate generated here, real HTTPS with
//! reqwest (rustls) for the API, and what a client that does not speak TLS, or does not
//! trust the certificate, gets.

use didhub::domain::DidType;
use didhub::server::tls::acceptor;

use crate::support::{Backend, ServerSetup, TestApp};

on_both_backends!(the_api_speaks_https_with_the_configured_certificate);

/// An acceptor for a new self-signed certificate for localhost and 127.0.0.1, and that
/// certificate for the client to trust.
fn generated_tls() -> (tokio_rustls::TlsAcceptor, reqwest::Certificate) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let generated = rcgen::generate_simple_self_signed(names).expect("certificate");
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let root = reqwest::Certificate::from_pem(generated.cert.pem().as_bytes()).unwrap();
    (acceptor(&cert, &key).expect("acceptor"), root)
}

async fn the_api_speaks_https_with_the_configured_certificate(backend: Backend) {
    let setup = ServerSetup {
        tls: Some(generated_tls()),
        ..ServerSetup::default()
    };
    let app = TestApp::spawn_with(backend, setup).await;
    assert!(app.base_url.starts_with("https://127.0.0.1:"));
    app.stock("1.212", DidType::Geographic, 2).await;
    let bought = app.order(&app.other, "1.212", 1).await;
    assert_eq!(bought.len(), 1);
    // Plain HTTP on the TLS port gets no answer.
    let plain = app.base_url.replace("https://", "http://");
    assert!(reqwest::get(format!("{plain}/health")).await.is_err());
    // A client that does not trust the certificate refuses the server.
    let stranger = reqwest::Client::new();
    assert!(
        stranger
            .get(format!("{}/health", app.base_url))
            .send()
            .await
            .is_err()
    );
    // The server still serves (the failed handshakes took nothing with them).
    let health = app.client().get(format!("{}/health", app.base_url)).send();
    assert_eq!(health.await.unwrap().status(), 200);
}
