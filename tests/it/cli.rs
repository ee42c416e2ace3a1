//! The operator CLI, run as the real binary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Runs `didhub --database sqlite://DB ARGS...`.
pub fn didhub(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_didhub"))
        .arg("--database")
        .arg(format!("sqlite://{}", db.display()))
        .args(args)
        .env_remove("DIDHUB_DATABASE")
        .output()
        .expect("run didhub")
}

/// Runs with `--json` and parses the one JSON object it prints.
pub fn didhub_json(db: &Path, args: &[&str]) -> (bool, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = didhub(db, &all);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let json: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("one JSON object expected ({e}):\n{stdout}"));
    (out.status.success(), json)
}

pub fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    (dir, db)
}

#[test]
fn accounts_are_created_and_credited() {
    let (_dir, db) = temp_db();
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
    assert!(didhub(&db, &["check"]).status.success());
}

#[test]
fn inventory_is_generated_and_imported() {
    let (dir, db) = temp_db();
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
    assert!(didhub(&db, &["check"]).status.success());
}

#[test]
fn check_names_each_violation() {
    let (_dir, db) = temp_db();
    let (ok, main) = didhub_json(
        &db,
        &[
            "account",
            "create",
            "--email",
            "a@example.com",
            "--credit",
            "5",
        ],
    );
    assert!(ok);
    let (ok, clean) = didhub_json(&db, &["check"]);
    assert!(ok && clean["ok"] == true, "{clean}");
    // Tamper with a balance behind the ledger's back.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE accounts SET balance100 = balance100 + 1", [])
        .unwrap();
    drop(conn);
    let out = didhub(&db, &["check"]);
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("balance_matches_ledger"), "{text}");
    assert!(
        text.contains(main["account_number"].as_str().unwrap()),
        "{text}"
    );
}

#[test]
fn serve_demo_prints_a_curl_that_orders_a_number() {
    let (_dir, db) = temp_db();
    let mut server = Command::new(env!("CARGO_BIN_EXE_didhub"))
        .args(["--database", &format!("sqlite://{}", db.display())])
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let startup: Value = serde_json::from_str(&first_line).unwrap();
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
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(server.wait().unwrap().success());
    let (ok, check) = didhub_json(&db, &["check"]);
    assert!(ok, "{check}");
    assert_eq!(check["counts"]["orders"], 2);

    // --demo on a database that is not empty changes nothing.
    let mut again = Command::new(env!("CARGO_BIN_EXE_didhub"))
        .args(["--database", &format!("sqlite://{}", db.display())])
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(again.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let startup: Value = serde_json::from_str(&line).unwrap();
    assert!(startup["demo"].is_null(), "{startup}");
    Command::new("kill")
        .args(["-TERM", &again.id().to_string()])
        .status()
        .unwrap();
    assert!(again.wait().unwrap().success());
    let (_, check) = didhub_json(&db, &["check"]);
    assert_eq!(check["counts"]["accounts"], 2, "no second demo account");
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
