//! Connections (`server::limits`): the cap with idle connections pushed out for a normal
//! client, the header read timeout against a slowloris, the keep-alive timeout kept
//! apart from it, conflicting lengths answered 400, oversized header fields 431, and a
//! v2 query as long as HTTP allows still answered by the API. Raw TCP where the test
//! needs to control the bytes. No test asserts how long anything took.

use std::time::Duration;

use didhub::server::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Backend, ServerSetup, TestApp};

on_both_backends!(
    idle_connections_past_the_cap_do_not_shut_a_client_out,
    a_slowloris_connection_is_closed_after_the_header_timeout,
    an_idle_keep_alive_connection_outlives_the_header_timeout,
    conflicting_lengths_are_answered_400_and_change_nothing,
    oversized_header_fields_are_answered_431,
    a_v2_query_as_long_as_http_allows_reaches_the_api
);

fn limits(max_connections: usize, header_read_timeout: Duration) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout,
        keep_alive_timeout: Duration::from_secs(60),
        max_connections,
        ..ConnectionLimits::with_defaults()
    }
}

async fn app_with(backend: Backend, limits: ConnectionLimits) -> TestApp {
    let setup = ServerSetup {
        connections: Some(limits),
        ..ServerSetup::default()
    };
    TestApp::spawn_with(backend, setup).await
}

fn address(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_owned()
}

/// Sends `request` on a new connection and reads until the server closes it.
async fn exchange(app: &TestApp, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address(app)).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether the server has closed `stream` (a read sees its end or an error).
async fn closed_by_server(stream: &mut TcpStream, patience: Duration) -> bool {
    let mut byte = [0u8; 1024];
    loop {
        match tokio::time::timeout(patience, stream.read(&mut byte)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue, // an error answer before the close
            Err(_) => return false,
        }
    }
}

async fn idle_connections_past_the_cap_do_not_shut_a_client_out(backend: Backend) {
    // A header timeout far longer than the test: only the cap's own rule can help.
    let app = app_with(backend, limits(4, Duration::from_secs(600))).await;
    let mut idle = Vec::new();
    for _ in 0..12 {
        idle.push(TcpStream::connect(address(&app)).await.unwrap());
    }
    let health = app
        .client()
        .get(format!("{}/health", app.base_url))
        .send()
        .await
        .expect("a normal client is served");
    assert_eq!(health.status(), 200);
    let mut pushed_out = 0;
    for stream in &mut idle {
        if closed_by_server(stream, Duration::from_millis(200)).await {
            pushed_out += 1;
        }
    }
    assert!(
        pushed_out >= 8,
        "only {pushed_out} of the idle connections were closed"
    );
}

async fn a_slowloris_connection_is_closed_after_the_header_timeout(backend: Backend) {
    let app = app_with(backend, limits(64, Duration::from_millis(500))).await;
    // A fresh connection, and one whose first request was served (its next head is
    // timed from its first byte).
    for served_first in [false, true] {
        let mut stream = TcpStream::connect(address(&app)).await.unwrap();
        if served_first {
            stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
                .await
                .unwrap();
            let mut answer = [0u8; 512];
            assert!(stream.read(&mut answer).await.unwrap() > 0);
        }
        stream.write_all(b"GET /health HTTP/1.1\r\n").await.unwrap();
        let mut closed = false;
        // At most 20 s of dribbling, a header line's byte every 100 ms.
        for byte in b"X-Slow: ".iter().cycle().take(200) {
            if stream.write_all(&[*byte]).await.is_err()
                || closed_by_server(&mut stream, Duration::from_millis(100)).await
            {
                closed = true;
                break;
            }
        }
        assert!(
            closed,
            "served first: {served_first}: a head that never ended was kept"
        );
    }
    let health = app.client().get(format!("{}/health", app.base_url)).send();
    assert_eq!(health.await.unwrap().status(), 200);
}

async fn an_idle_keep_alive_connection_outlives_the_header_timeout(backend: Backend) {
    let app = app_with(backend, limits(64, Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    let request = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n";
    for round in 0..2 {
        stream.write_all(request).await.unwrap();
        let mut answer = [0u8; 512];
        let read = stream.read(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer[..read]);
        assert!(text.starts_with("HTTP/1.1 200"), "round {round}: {text}");
        // Idle for longer than a head may take, well within the keep-alive timeout.
        tokio::time::sleep(Duration::from_millis(900)).await;
    }
}

async fn conflicting_lengths_are_answered_400_and_change_nothing(backend: Backend) {
    let app = app_with(backend, ConnectionLimits::with_defaults()).await;
    app.stock("1.212", didhub::domain::DidType::Geographic, 3)
        .await;
    let before = app.snapshot().await;
    let order = crate::support::request_xml(
        &app.other.userkey,
        "DID.ORDER",
        &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")],
    );
    let chunked = format!("{:x}\r\n{order}\r\n0\r\n\r\n", order.len());
    for headers in [
        format!(
            "Content-Length: {}\r\nTransfer-Encoding: chunked",
            order.len()
        ),
        format!(
            "Transfer-Encoding: chunked\r\nContent-Length: {}",
            order.len()
        ),
    ] {
        let request = format!("POST /api/v3.asp HTTP/1.1\r\nHost: t\r\n{headers}\r\n\r\n{chunked}");
        let answer = exchange(&app, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{headers}:\n{answer}");
        assert!(
            answer.to_lowercase().contains("connection: close"),
            "{answer}"
        );
    }
    assert_eq!(app.snapshot().await, before);
    // A chunked request alone is served, and its connection closed after it.
    let request = format!(
        "POST /api/v3.asp HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}"
    );
    let answer = exchange(&app, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<RESULT>SUCCESS</RESULT>"), "{answer}");
}

async fn oversized_header_fields_are_answered_431(backend: Backend) {
    let app = app_with(backend, ConnectionLimits::with_defaults()).await;
    let line = |bytes: usize| format!("X-Big: {}\r\n", "a".repeat(bytes));
    for (what, headers) in [
        ("one 64 KiB line", line(64 * 1024)),
        ("twenty 1 KiB lines", line(1024).repeat(20)),
    ] {
        let request = format!("GET /health HTTP/1.1\r\nHost: t\r\n{headers}\r\n");
        let answer = exchange(&app, request.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{what}:\n{answer}");
    }
    let fits = format!(
        "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{}\r\n",
        line(8 * 1024)
    );
    assert!(
        exchange(&app, fits.as_bytes())
            .await
            .starts_with("HTTP/1.1 200")
    );
}

async fn a_v2_query_as_long_as_http_allows_reaches_the_api(backend: Backend) {
    let app = app_with(backend, ConnectionLimits::with_defaults()).await;
    let prefix = format!(
        "/api/v2.asp?userkey={}&action=DID.LIST&param[TITLE]=",
        app.other.userkey
    );
    // The http crate's limit on a request target is 65,534 bytes.
    let target = format!("{prefix}{}", "x".repeat(65_534 - prefix.len()));
    let request = format!("GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let answer = exchange(&app, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains("<RESPONSE>"), "the API answered in XML");
    // One byte more and hyper cannot read the target: the API's own error answers it
    // (`api::long_target`), not a bare 414.
    let too_long = format!("{target}x");
    let request = format!("GET {too_long} HTTP/1.1\r\nHost: t\r\n\r\n");
    let answer = exchange(&app, request.as_bytes()).await;
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(
        answer.contains("<ERROR>MALFORMED_REQUEST: "),
        "{}",
        &answer[..answer.len().min(300)]
    );
}
