//! The operator CLI, run as the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::{Backend, TestDatabase};

on_both_backends!(
    sync: accounts_are_created_and_credited,
    inventory_is_generated_and_imported,
    serve_demo_prints_a_curl_that_orders_a_number,
    the_documented_customer_flow_runs_against_the_demo,
);

/// Runs `didhub --database URL ARGS...`.
pub fn didhub(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_didhub"))
        .arg("--database")
        .arg(url)
        .args(args)
        .env_remove("DIDHUB_DATABASE")
        .output()
        .expect("run didhub")
}

/// Runs with `--json` and parses the one JSON object it prints.
pub fn didhub_json(db: &TestDatabase, args: &[&str]) -> (bool, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = didhub(&db.url, &all);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON object expected ({e}):\n{stdout}"));
    (out.status.success(), json)
}

fn accounts_are_created_and_credited(backend: Backend) {
    let db = TestDatabase::create(backend);
    let (ok, main) = didhub_json(
        &db,
        &[
            "account",
            "create",
            "--email",
            "ops@example.com",
            "--secure-phrase",
            "s3cret",
            "--credit",
            "25.00",
        ],
    );
    assert!(ok, "{main}");
    let number = main["account_number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 10);
    assert_eq!(main["userkey"].as_str().unwrap().len(), 40);
    assert_eq!(
        main["signature"].as_str().unwrap(),
        didhub::domain::credentials::signature("s3cret", "ops@example.com")
    );
    assert_eq!(main["balance"], "25.00");

    let (ok, credited) = didhub_json(&db, &["account", "credit", &number, "10.50"]);
    assert!(ok, "{credited}");
    assert_eq!(credited["balance"], "35.50");

    let (ok, sub) = didhub_json(
        &db,
        &[
            "account",
            "create",
            "--email",
            "sub@example.com",
            "--parent",
            &number,
        ],
    );
    assert!(ok, "{sub}");
    assert_eq!(sub["parent"], number.as_str());
    assert!(sub["signature"].is_null());

    // Errors: a clear message, a failing status, and nothing changed.
    for args in [
        vec!["account", "credit", &number, "1.234"],
        vec!["account", "credit", &number, "-100.00"],
        vec!["account", "credit", "9999999999", "1.00"],
        vec![
            "account",
            "credit",
            sub["account_number"].as_str().unwrap(),
            "1.00",
        ],
        vec!["account", "create", "--email", "not-an-email"],
        vec![
            "account",
            "create",
            "--email",
            "x@example.com",
            "--parent",
            "9999999999",
        ],
    ] {
        let (ok, error) = didhub_json(&db, &args);
        assert!(!ok, "{args:?} should fail");
        assert!(
            error["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{error}"
        );
    }
    let (_, balance) = didhub_json(&db, &["account", "credit", &number, "0.01"]);
    assert_eq!(
        balance["balance"], "35.51",
        "failed commands changed nothing"
    );
    assert!(didhub(&db.url, &["check"]).status.success());
}

fn inventory_is_generated_and_imported(backend: Backend) {
    let db = TestDatabase::create(backend);
    let dir = tempfile::tempdir().unwrap();
    let (ok, _) = didhub_json(&db, &["catalog", "load"]);
    assert!(ok);
    let (ok, generated) = didhub_json(
        &db,
        &[
            "inventory",
            "generate",
            "--area",
            "1.212",
            "--type",
            "GEOGRAPHIC",
            "--count",
            "50",
        ],
    );
    assert!(ok, "{generated}");
    assert_eq!(generated["added"], 50);
    let (ok, error) = didhub_json(
        &db,
        &[
            "inventory",
            "generate",
            "--area",
            "1.212",
            "--type",
            "TOLLFREE",
            "--count",
            "5",
        ],
    );
    assert!(
        !ok && error["error"].as_str().unwrap().contains("does not sell"),
        "{error}"
    );

    let csv = dir.path().join("numbers.csv");
    std::fs::write(
        &csv,
        "e164,did_type,area_id\n\
         12125550100,GEOGRAPHIC,1.212\n\
         12125550101,GEOGRAPHIC,1.212\n\
         12125550100,GEOGRAPHIC,1.212\n\
         13125550100,GEOGRAPHIC,1.212\n\
         18005550100,GEOGRAPHIC,1.212\n\
         not-a-number,GEOGRAPHIC,1.212\n\
         12125550102,GEOGRAPHIC\n\
         442079460000,GEOGRAPHIC,44.20\n",
    )
    .unwrap();
    let (ok, report) = didhub_json(&db, &["inventory", "import", csv.to_str().unwrap()]);
    assert!(ok, "{report}");
    assert_eq!(report["added"], 3, "{report}");
    let lines: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            (4, "duplicate_in_file"),
            (5, "outside_area"),
            (6, "outside_area"),
            (7, "malformed_value"),
            (8, "malformed_line"),
        ]
    );
    // Importing again: every good row is now already in stock, and nothing is added.
    let (_, again) = didhub_json(&db, &["inventory", "import", csv.to_str().unwrap()]);
    assert_eq!(again["added"], 0);
    assert_eq!(
        again["rejected_by_reason"]["already_in_stock"], 3,
        "{again}"
    );
    assert!(didhub(&db.url, &["check"]).status.success());
}

fn serve_demo_prints_a_curl_that_orders_a_number(backend: Backend) {
    let db = TestDatabase::create(backend);
    let (server, startup) = start_demo(&db.url);
    let demo = &startup["demo"];
    // 300 numbers in each of the eleven demo areas, none elsewhere in the world.
    assert_eq!(demo["numbers"], 3300, "{startup}");
    let curl = demo["curl"].as_str().unwrap();
    let reply = run_printed_command(curl);
    let reply = crate::support::Reply::parse(&reply);
    reply.assert_success();
    assert_eq!(reply.did_attr("AREA_NAME"), ["New York"]);
    let curl_v2 = demo["curl_v2"].as_str().unwrap();
    let reply = crate::support::Reply::parse(&run_printed_command(curl_v2));
    reply.assert_success();
    assert_eq!(
        reply.did_attr("ACCOUNT_NUMBER"),
        [demo["sub_account"]["account_number"].as_str().unwrap()]
    );

    // SIGTERM: a graceful stop with status 0.
    stop_gracefully(server);
    let (ok, check) = didhub_json(&db, &["check"]);
    assert!(ok, "{check}");
    assert_eq!(check["counts"]["orders"], 2);

    // --demo on a database that is not empty changes nothing.
    let (again, startup) = start_demo(&db.url);
    assert!(startup["demo"].is_null(), "{startup}");
    stop_gracefully(again);
    let (_, check) = didhub_json(&db, &["check"]);
    assert_eq!(check["counts"]["accounts"], 2, "no second demo account");
}

/// Starts `didhub serve --demo --json` on a free port; returns it and its startup object.
fn start_demo(url: &str) -> (std::process::Child, Value) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_didhub"))
        .args(["--database", url])
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let startup = serde_json::from_str(&first_line).unwrap();
    (server, startup)
}

/// Sends SIGTERM and asserts a graceful exit with status 0.
fn stop_gracefully(mut server: std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().unwrap().success(), "a graceful stop exits 0");
}

/// Runs a printed curl command through the shell, exactly as an operator would paste it
/// (`.ci/run` makes sure curl is installed).
fn run_printed_command(command: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{command} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The customer flow the README documents (`docs/customer-flow.sh`), run against a real
/// `serve --demo`.
fn the_documented_customer_flow_runs_against_the_demo(backend: Backend) {
    let db = TestDatabase::create(backend);
    let (server, startup) = start_demo(&db.url);
    let main = &startup["demo"]["main_account"];
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/customer-flow.sh");
    let out = Command::new("bash")
        .arg(script)
        .env("BASE", startup["listening"].as_str().unwrap())
        .env("KEY", main["userkey"].as_str().unwrap())
        .env("SIG", main["signature"].as_str().unwrap())
        .output()
        .unwrap();
    stop_gracefully(server);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("<ERROR"), "{stdout}");
    assert_eq!(
        stdout.matches("<RESULT>SUCCESS</RESULT>").count(),
        8,
        "{stdout}"
    );
    assert!(stdout.contains("STATUS=\"Canceled\""), "{stdout}");
    assert!(stdout.contains("<RESULT>992.04</RESULT>"), "{stdout}");
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains("docs/customer-flow.sh"),
        "the README points at the script"
    );
}

/// A database URL that cannot be used is a clear error that never shows the password.
#[test]
fn bad_database_urls_are_clear_errors_without_the_password() {
    for (url, expected) in [
        (
            "postgres://didhub:s3cret@127.0.0.1:1/didhub",
            "connecting to PostgreSQL",
        ),
        (
            "postgres://didhub:s3cret@127.0.0.1/didhub?sslmode=bogus",
            "invalid PostgreSQL URL",
        ),
        ("postgresql://", "connecting to PostgreSQL"),
        (
            "mysql://didhub:s3cret@db/didhub",
            "unsupported database URL",
        ),
        ("didhub.db", "unsupported database URL"),
    ] {
        let out = didhub(url, &["migrate", "--json"]);
        assert!(!out.status.success(), "{url}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let error: Value = serde_json::from_str(stdout.trim()).unwrap();
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(expected), "{url}: {message}");
        assert!(!message.contains("s3cret"), "{url}: {message}");
    }
}

/// Runs `didhub check` on the database at `url` and asserts it finds nothing wrong.
pub fn assert_check_clean(url: &str) {
    let check = didhub(url, &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}
