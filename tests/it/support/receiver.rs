//! A real HTTP receiver for webhook tests, started on a loopback port 0 and stopped when
//! dropped. It records every request, answers as told ([`Behaviour`]), and verifies
//! signatures with the Standard Webhooks algorithm written here independently of
//! didhub's own code. It also takes `GET /sms` (an `SMS_URL`, the event id from
//! `X-Didhub-Event-Id`) and `GET /cgi-bin/sendsms` (a stand-in for Kannel's), recording
//! the query string as the body.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// 204 to everything.
    Accept,
    /// 500 to the first N requests, then 204.
    FailFirst(usize),
    /// 503 to everything.
    FailAll,
    /// Never answers.
    Hang,
    /// 403 to everything (Kannel refusing a message).
    Refuse,
}

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub content_type: String,
    pub body: String,
    /// Whether the receiver answered it with a 2xx.
    pub accepted: bool,
}

#[derive(Default)]
struct Log {
    behaviour: Option<Behaviour>,
    received: Vec<Received>,
}

pub struct Receiver {
    pub url: String,
    log: Arc<Mutex<Log>>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Receiver {
        let log = Arc::new(Mutex::new(Log {
            behaviour: Some(behaviour),
            received: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/hook", post(receive))
            .route("/sms", axum::routing::get(receive_get))
            .route("/cgi-bin/sendsms", axum::routing::get(receive_get))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, log, server }
    }

    /// The receiver's base URL (`http://ADDR`).
    pub fn base(&self) -> &str {
        self.url.strip_suffix("/hook").unwrap_or(&self.url)
    }

    pub fn set(&self, behaviour: Behaviour) {
        self.log.lock().unwrap().behaviour = Some(behaviour);
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().received.clone()
    }

    /// The requests it accepted (answered 2xx).
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }

    /// Waits (up to a minute) until `done` holds for what was received.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) {
        for _ in 0..3000 {
            if done(&self.received()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the receiver never saw {what}: {:#?}", self.received());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A `GET`: recorded with its query string as the body and `X-Didhub-Event-Id` as the id.
async fn receive_get(
    State(log): State<Arc<Mutex<Log>>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    mut headers: HeaderMap,
) -> StatusCode {
    if let Some(id) = headers.get("x-didhub-event-id").cloned() {
        headers.insert("webhook-id", id);
    }
    receive(State(log), headers, Bytes::from(query.unwrap_or_default())).await
}

async fn receive(
    State(log): State<Arc<Mutex<Log>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (answer, hang) = {
        let mut log = log.lock().unwrap();
        let seen = log.received.len();
        let (answer, hang) = match log.behaviour.unwrap_or(Behaviour::Accept) {
            Behaviour::Accept => (StatusCode::NO_CONTENT, false),
            Behaviour::FailFirst(n) if seen < n => (StatusCode::INTERNAL_SERVER_ERROR, false),
            Behaviour::FailFirst(_) => (StatusCode::NO_CONTENT, false),
            Behaviour::FailAll => (StatusCode::SERVICE_UNAVAILABLE, false),
            Behaviour::Hang => (StatusCode::NO_CONTENT, true),
            Behaviour::Refuse => (StatusCode::FORBIDDEN, false),
        };
        log.received.push(Received {
            id: header("webhook-id"),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            content_type: header("content-type"),
            body: String::from_utf8(body.to_vec()).unwrap(),
            accepted: !hang && answer.is_success(),
        });
        (answer, hang)
    };
    if hang {
        std::future::pending::<()>().await;
    }
    answer
}

impl Received {
    /// The decoded query parameters of a `GET` (its body).
    pub fn query(&self) -> std::collections::HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// Standard Webhooks verification: the base64 of HMAC-SHA256 keyed with the bytes of
/// the secret after `whsec_`, over `id.timestamp.body`, among the space-separated
/// `v1,` signatures.
pub fn signature_is_valid(secret: &str, received: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    received
        .signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}
