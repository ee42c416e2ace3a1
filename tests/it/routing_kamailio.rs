//! The end-to-end proof of `shared/spec/routing.md`: Debian's Kamailio, started with
//! `contrib/kamailio/kamailio.cfg`, asks didhub about each INVITE that `sipsak` sends and
//! relays it to the number's SIP_URI (a SIP listener of this test), fails over to the
//! backup URI when the first does not answer, rejects a Suspended number with a 4xx and
//! an unknown one with 404.
//!
//! Needs `kamailio` (with `kamailio-utils-modules` for http_client and
//! `kamailio-json-modules` for json) and `sipsak`: skipped with a message when they are
//! missing, a failure when `CI=true` (`.ci/run` installs them).

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use didhub::domain::DidType;

use crate::routing::{routing_policy, routing_token};
use crate::support::{Backend, START, TestApp};

const MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules";
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/kamailio/kamailio.cfg");

/// Whether the components are here; a missing one skips the test, or fails it on CI.
fn components_present() -> bool {
    let mut missing = Vec::new();
    for command in ["kamailio", "sipsak"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {command}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            missing.push(command.to_owned());
        }
    }
    for module in ["http_client.so", "json.so", "rtjson.so", "tm.so"] {
        if !Path::new(MODULES).join(module).exists() {
            missing.push(format!("kamailio module {module}"));
        }
    }
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true and {what} missing: .ci/run installs kamailio, kamailio-utils-modules, kamailio-json-modules and sipsak"
        );
    }
    eprintln!(
        "routing_kamailio skipped: {what} not installed (apt-get install kamailio \
         kamailio-utils-modules kamailio-json-modules sipsak)"
    );
    false
}

/// A SIP endpoint of the test: records every request, and answers INVITEs with
/// `486 Busy Here` unless it is silent.
struct SipListener {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl SipListener {
    fn start(answers: bool) -> SipListener {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = socket.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = received.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65_535];
            while let Ok((n, from)) = socket.recv_from(&mut buf) {
                let message = String::from_utf8_lossy(&buf[..n]).into_owned();
                let invite = message.starts_with("INVITE ");
                seen.lock().unwrap().push(message.clone());
                if invite && answers {
                    let _ = socket.send_to(busy_reply(&message).as_bytes(), from);
                }
            }
        });
        SipListener { port, received }
    }

    /// The Request-URIs of the INVITEs received so far.
    fn invites(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.starts_with("INVITE "))
            .map(|m| {
                m.lines()
                    .next()
                    .unwrap()
                    .split(' ')
                    .nth(1)
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }
}

/// `486 Busy Here` to `request`: its Via, From, Call-ID and CSeq, and a To with a tag.
fn busy_reply(request: &str) -> String {
    let mut reply = String::from("SIP/2.0 486 Busy Here\r\n");
    for line in request.lines() {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "via" | "v" | "from" | "f" | "call-id" | "i" | "cseq" => {
                reply.push_str(line.trim_end());
                reply.push_str("\r\n");
            }
            "to" | "t" => {
                reply.push_str(line.trim_end());
                reply.push_str(";tag=didhubtest\r\n");
            }
            _ => {}
        }
    }
    reply.push_str("Content-Length: 0\r\n\r\n");
    reply
}

/// A free UDP port on the loopback (free when this returns).
fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kamailio in the foreground on `port`, killed when dropped.
struct Kamailio {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
    _dir: tempfile::TempDir,
}

impl Kamailio {
    fn start(didhub_url: &str) -> Kamailio {
        let dir = tempfile::tempdir().unwrap();
        let log = tempfile::NamedTempFile::new().unwrap();
        let port = free_udp_port();
        let child = Command::new("kamailio")
            .args(["-f", CONFIG, "-DD", "-E", "-m", "32", "-M", "8"])
            .arg("-Y")
            .arg(dir.path())
            .arg("-P")
            .arg(dir.path().join("kamailio.pid"))
            .arg("-A")
            .arg(format!("DIDHUB_URL=\"{didhub_url}\""))
            .arg("-A")
            .arg(format!("LISTEN=udp:127.0.0.1:{port}"))
            .arg("-A")
            .arg("FR_TIMER=1000")
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("start kamailio");
        let kamailio = Kamailio {
            child,
            port,
            log,
            _dir: dir,
        };
        kamailio.wait_until_answering();
        kamailio
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// An OPTIONS request is answered (405 by this configuration) once it is up.
    fn wait_until_answering(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let local = socket.local_addr().unwrap().port();
        let options = format!(
            "OPTIONS sip:probe@127.0.0.1:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKprobe\r\n\
             Max-Forwards: 5\r\nFrom: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\n\
             Call-ID: probe@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
            port = self.port
        );
        let mut buf = [0u8; 4096];
        for _ in 0..100 {
            socket
                .send_to(options.as_bytes(), ("127.0.0.1", self.port))
                .unwrap();
            if socket.recv_from(&mut buf).is_ok() {
                return;
            }
        }
        panic!("kamailio did not come up:\n{}", self.log());
    }

    /// Sends an INVITE to `number` through Kamailio with sipsak; its output.
    fn invite(&self, number: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("invite.sip");
        std::fs::write(
            &file,
            "INVITE sip:$user$@$dsthost$ SIP/2.0\n\
             From: <sip:caller@$srchost$:$port$>;tag=sipsak1\n\
             To: <sip:$user$@$dsthost$>\n\
             Call-ID: $port$.didhub-test@$srchost$\n\
             CSeq: 1 INVITE\n\
             Contact: <sip:caller@$srchost$:$port$>\n\
             Max-Forwards: 10\n\
             Content-Length: 0\n\n",
        )
        .unwrap();
        let out = Command::new("sipsak")
            .arg("-vv")
            .arg("-G")
            .arg("-f")
            .arg(&file)
            .arg("-s")
            .arg(format!("sip:{number}@127.0.0.1:{}", self.port))
            .output()
            .expect("run sipsak");
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The final status line sipsak printed.
fn final_status(output: &str) -> String {
    output
        .lines()
        .rfind(|l| l.starts_with("SIP/2.0 ") && !l.starts_with("SIP/2.0 1"))
        .unwrap_or_else(|| panic!("no final answer in sipsak's output:\n{output}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kamailio_routes_fails_over_and_rejects_with_didhub_answering() {
    if !components_present() {
        return;
    }
    let app = TestApp::spawn_with(Backend::Sqlite, routing_policy()).await;
    app.stock("1.212", DidType::Geographic, 3).await;
    let numbers = app.order(&app.main, "1.212", 3).await;
    let token = routing_token(&app, "kamailio").await;
    let primary = SipListener::start(true);
    let silent = SipListener::start(false);
    let backup = SipListener::start(true);
    let forward = |e164: &str, to: String| {
        let app = &app;
        let e164 = e164.to_owned();
        async move {
            app.main_v3(
                "DID.UPDATE",
                &[
                    ("FILTER.E164", &e164),
                    ("CALL_FORWARD_TYPE", "SIP_URI"),
                    ("CALL_FORWARD_TO", &to),
                ],
            )
            .await
            .assert_success();
        }
    };
    let (routed, failing_over, suspended) = (&numbers[0], &numbers[1], &numbers[2]);
    forward(
        routed,
        format!(
            "$[E164]$@127.0.0.1:{},backup@127.0.0.1:{}",
            primary.port, backup.port
        ),
    )
    .await;
    forward(
        failing_over,
        format!(
            "$[E164]$@127.0.0.1:{},backup-$[E164]$@127.0.0.1:{}",
            silent.port, backup.port
        ),
    )
    .await;
    forward(suspended, format!("$[E164]$@127.0.0.1:{}", primary.port)).await;
    app.database.execute(&format!(
        "UPDATE numbers SET suspended_at = {START} WHERE e164 = '{suspended}'"
    ));

    let url = format!("{}/route/kamailio?token={token}", app.base_url);
    let kamailio = Kamailio::start(&url);
    let run = |number: String| {
        let kamailio = &kamailio;
        tokio::task::block_in_place(|| kamailio.invite(&number))
    };

    // Routed: the INVITE arrives at the SIP_URI with the number in the Request-URI, and
    // the listener's answer comes back; a busy is not failed over.
    let out = run(routed.clone());
    assert!(
        final_status(&out).contains("486"),
        "{out}\n{}",
        kamailio.log()
    );
    assert_eq!(
        primary.invites().first().map(String::as_str),
        Some(format!("sip:{routed}@127.0.0.1:{}", primary.port).as_str())
    );
    assert!(backup.invites().is_empty(), "no failover after an answer");

    // The first route does not answer: the backup gets it.
    let out = run(failing_over.clone());
    assert!(
        final_status(&out).contains("486"),
        "{out}\n{}",
        kamailio.log()
    );
    assert!(
        silent
            .invites()
            .iter()
            .any(|u| u.contains(failing_over.as_str())),
        "the first route was tried"
    );
    assert_eq!(
        backup.invites(),
        [format!(
            "sip:backup-{failing_over}@127.0.0.1:{}",
            backup.port
        )]
    );

    // Suspended is rejected (4xx) and goes nowhere; unknown is 404.
    let before = primary.invites().len();
    let out = run(suspended.clone());
    let status = final_status(&out);
    assert!(status.starts_with("SIP/2.0 4"), "{out}\n{}", kamailio.log());
    assert!(status.contains("480 Suspended"), "{status}");
    let out = run("19995550000".into());
    assert!(final_status(&out).contains("404"), "{out}");
    assert_eq!(
        primary.invites().len(),
        before,
        "rejected calls reach no one"
    );
}
