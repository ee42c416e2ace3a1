//! Debian's Kannel for the SMS end-to-end tests: `bearerbox` and `smsbox` run with the
//! shipped `contrib/kannel/kannel.conf` (its ports moved to free loopback ports, its
//! get-url pointed at the test server, its secrets the tests'), and `fakesmsc` as the
//! SMSC, each a child process stopped when dropped, with its output in a temporary
//! directory. Where Kannel is not installed the tests say they were skipped; with
//! `CI=true` that is a failure instead (`.ci/run` installs `kannel` and `kannel-extras`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::KANNEL_TOKEN;

pub const BEARERBOX: &str = "/usr/sbin/bearerbox";
pub const SMSBOX: &str = "/usr/sbin/smsbox";
pub const FAKESMSC: &str = "/usr/lib/kannel/test/fakesmsc";

/// Whether Kannel is here; says it was skipped when not, and fails under `CI=true`.
pub fn installed(test: &str) -> bool {
    let missing: Vec<&str> = [BEARERBOX, SMSBOX, FAKESMSC]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let what = format!(
        "{test}: Kannel is not installed ({} missing; apt-get install kannel kannel-extras)",
        missing.join(", ")
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{what}; CI must run this test");
    }
    eprintln!("{what}: skipped");
    false
}

/// Free loopback ports, by binding port 0 and letting go.
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap().port())
}

fn wait_for_port(port: u16, what: &str, logs: &Path) {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(logs).unwrap_or_default();
    panic!("{what} never listened on {port}:\n{log}");
}

/// A running bearerbox and smsbox.
pub struct Kannel {
    pub sendsms_url: String,
    admin: u16,
    smsbox: u16,
    sendsms: u16,
    fake: u16,
    dir: tempfile::TempDir,
    children: Vec<Child>,
}

impl Kannel {
    /// Ports for a Kannel not yet started (didhub must know `sendsms_url` first).
    pub fn prepare() -> Kannel {
        let [admin, smsbox, sendsms, fake] = free_ports::<4>();
        Kannel {
            sendsms_url: format!("http://127.0.0.1:{sendsms}/cgi-bin/sendsms"),
            admin,
            smsbox,
            sendsms,
            fake,
            dir: tempfile::tempdir().unwrap(),
            children: Vec::new(),
        }
    }

    /// The shipped configuration, for this Kannel and the didhub at `didhub_base`.
    fn config(&self, didhub_base: &str) -> String {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/kannel/kannel.conf");
        let mut text = std::fs::read_to_string(&shipped).unwrap();
        let replacements = [
            ("admin-port = 13000", format!("admin-port = {}", self.admin)),
            (
                "smsbox-port = 13001",
                format!("smsbox-port = {}", self.smsbox),
            ),
            (
                "bearerbox-port = 13001",
                format!("bearerbox-port = {}", self.smsbox),
            ),
            (
                "sendsms-port = 13013",
                format!("sendsms-port = {}", self.sendsms),
            ),
            ("\nport = 10000", format!("\nport = {}", self.fake)),
            ("http://127.0.0.1:8080", didhub_base.to_owned()),
            ("token=change-me", format!("token={KANNEL_TOKEN}")),
            (
                "password = change-me",
                "password = kannel-password".to_owned(),
            ),
        ];
        for (shipped_text, ours) in replacements {
            assert!(
                text.contains(shipped_text),
                "contrib/kannel/kannel.conf no longer has '{shipped_text}'"
            );
            text = text.replace(shipped_text, &ours);
        }
        text
    }

    fn spawn(&mut self, program: &str, args: &[&str], log: &str) -> PathBuf {
        let path = self.dir.path().join(log);
        let out = std::fs::File::create(&path).unwrap();
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {program}: {e}"));
        self.children.push(child);
        path
    }

    /// Starts bearerbox, then smsbox, and waits until sendsms listens.
    pub fn start(&mut self, didhub_base: &str) {
        let conf = self.dir.path().join("kannel.conf");
        std::fs::write(&conf, self.config(didhub_base)).unwrap();
        let conf = conf.to_str().unwrap().to_owned();
        let bearerbox = self.spawn(BEARERBOX, &[&conf], "bearerbox.log");
        wait_for_port(self.smsbox, "bearerbox", &bearerbox);
        let smsbox = self.spawn(SMSBOX, &[&conf], "smsbox.log");
        wait_for_port(self.sendsms, "smsbox", &smsbox);
    }

    /// Starts fakesmsc, which sends `messages` (fakesmsc's "from to type text" form) to
    /// bearerbox, one each, and then stays connected, printing what it is sent.
    pub fn fakesmsc(&mut self, messages: &[&str]) -> FakeSmsc {
        let port = self.fake.to_string();
        let count = messages.len().to_string();
        let mut args = vec!["-H", "127.0.0.1", "-r", &port, "-i", "0.2", "-m", &count];
        args.extend_from_slice(messages);
        let log = self.spawn(FAKESMSC, &args, "fakesmsc.log");
        FakeSmsc { log }
    }

    /// The logs, for a failure message.
    pub fn logs(&self) -> String {
        ["bearerbox.log", "smsbox.log", "fakesmsc.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                format!(
                    "== {name}\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect()
    }
}

impl Drop for Kannel {
    fn drop(&mut self) {
        for child in self.children.iter_mut().rev() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What fakesmsc printed.
pub struct FakeSmsc {
    log: PathBuf,
}

impl FakeSmsc {
    /// The messages it was sent, as `from to type text`.
    pub fn received(&self) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once("Got message ").map(|(_, rest)| rest))
            .filter_map(|rest| rest.split_once(": <").map(|(_, m)| m))
            .map(|m| m.strip_suffix('>').unwrap_or(m).to_owned())
            .collect()
    }

    /// Waits (up to a minute) until it has been sent `count` messages.
    pub async fn wait_for(&self, count: usize, kannel: &Kannel) -> Vec<String> {
        for _ in 0..3000 {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "fakesmsc got {:?}, not {count} messages\n{}",
            self.received(),
            kannel.logs()
        );
    }
}
