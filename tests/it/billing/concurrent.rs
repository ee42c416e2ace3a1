//! Billing under concurrency and faults: two runs at once over 1,000 due numbers (on
//! PostgreSQL through two pools, on SQLite through two writers on one file), three
//! `serve` processes sweeping one PostgreSQL database, and a `didhub billing run`
//! killed with SIGKILL half way and run again, which must end where one clean run ends.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use didhub::admin::accounts::CreatedAccount;
use didhub::admin::billing;
use didhub::domain::billing::BillingPolicy;
use didhub::domain::{DidType, E164, Money};
use didhub::store::Store;

use super::{MONTHLY, SETUP, account_with, assert_clean, at, set_clock};
use crate::multi_process::ServeProcess;
use crate::support::backend::POSTGRES_VARIABLE;
use crate::support::{Backend, TestApp, open_store};

on_both_backends!(
    two_runs_at_once_over_a_thousand_due_numbers_charge_every_period_once,
    a_run_killed_half_way_and_run_again_ends_as_one_clean_run,
);
on_postgres!(multi_thread: three_serve_processes_share_the_sweep_of_a_thousand_due_numbers);

/// `accounts` accounts holding `per_account` numbers of 1.312 each, ordered now, each
/// left with the money for `periods` monthly periods in all.
async fn holders(
    app: &TestApp,
    accounts: usize,
    per_account: u32,
    periods: i64,
) -> Vec<CreatedAccount> {
    app.stock(
        "1.312",
        DidType::Geographic,
        accounts * per_account as usize,
    )
    .await;
    let mut holders = Vec::new();
    for i in 0..accounts {
        let n = i64::from(per_account);
        let credit = n * (SETUP + MONTHLY) + periods * MONTHLY;
        let holder = account_with(app, &format!("holder{i}@billing.test"), credit).await;
        let mut left = per_account;
        while left > 0 {
            let quantity = left.min(100);
            app.order(&holder, "1.312", quantity).await;
            left -= quantity;
        }
        holders.push(holder);
    }
    holders
}

async fn renewal_rows(store: &dyn Store, holders: &[CreatedAccount]) -> usize {
    let mut rows = 0;
    for holder in holders {
        let statement = store
            .statement(&holder.account.account_number, None, None)
            .await
            .unwrap();
        rows += statement
            .lines
            .iter()
            .filter(|l| l.kind == "renewal")
            .count();
    }
    rows
}

async fn two_runs_at_once_over_a_thousand_due_numbers_charge_every_period_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let holders = holders(&app, 4, 250, 250 * 5).await;
    let due = at("2026-02-01T00:00:00Z");
    let other = open_store(&app.database.url, app.clock.clone()).await;
    let policy = BillingPolicy::default();
    let (first, second) = tokio::join!(
        billing::run(app.store.as_ref(), due, policy),
        billing::run(other.as_ref(), due, policy)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.renewed + second.renewed,
        1_000,
        "{first:?} {second:?}"
    );
    assert_eq!(first.suspended + second.suspended, 0);
    assert_eq!(first.charged100 + second.charged100, 1_000 * MONTHLY);
    assert_eq!(renewal_rows(app.store.as_ref(), &holders).await, 1_000);
    for holder in &holders {
        assert_eq!(app.balance(holder).await, Money(250 * 4 * MONTHLY));
    }
    other.close().await;
    assert_clean(&app).await;
}

/// What a run leaves: every holder's balance and its numbers' (status, PAID_UNTIL) in
/// E164 order (the numbers themselves are drawn at random for each database).
async fn outcome(app: &TestApp, holders: &[CreatedAccount]) -> Vec<(Money, Vec<(String, String)>)> {
    let mut outcome = Vec::new();
    for holder in holders {
        let numbers = super::statuses(app, holder).await.into_values().collect();
        outcome.push((app.balance(holder).await, numbers));
    }
    outcome
}

fn billing_run(url: &str, as_of: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_didhub"));
    command
        .args([
            "--database",
            url,
            "billing",
            "run",
            "--as-of",
            as_of,
            "--json",
        ])
        .env_remove("DIDHUB_DATABASE")
        .env_remove(POSTGRES_VARIABLE)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

async fn a_run_killed_half_way_and_run_again_ends_as_one_clean_run(backend: Backend) {
    // Enough periods that the run is still going when it is killed: every number owes
    // many months, and the money runs out half way through each account.
    let (accounts, per_account, months) = match backend {
        Backend::Sqlite => (4, 250, 24),
        Backend::Postgres => (4, 100, 12),
    };
    let as_of = format!("{}-01-01T00:00:00Z", 2026 + months / 12);
    // Money for half the periods and half a month more: every number is renewed month
    // by month until, half way, the money runs out in the middle of a month's visits.
    let periods = i64::from(per_account) * (months as i64 / 2) + i64::from(per_account) / 2;
    let clean = TestApp::spawn(backend).await;
    let clean_holders = holders(&clean, accounts, per_account, periods).await;
    let killed = TestApp::spawn(backend).await;
    let killed_holders = holders(&killed, accounts, per_account, periods).await;

    let status = billing_run(&clean.database.url, &as_of).status().unwrap();
    assert!(status.success());
    let expected = outcome(&clean, &clean_holders).await;
    let total = renewal_rows(clean.store.as_ref(), &clean_holders).await;

    let mut child = billing_run(&killed.database.url, &as_of).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let done = renewal_rows(killed.store.as_ref(), &killed_holders).await;
        if done > 0 {
            assert!(
                done < total && child.try_wait().unwrap().is_none(),
                "the run ended ({done} of {total} periods) before it could be killed"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the run never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let interrupted = renewal_rows(killed.store.as_ref(), &killed_holders).await;
    assert!(
        interrupted < total,
        "killed half way: {interrupted} of {total}"
    );
    assert_clean(&killed).await;

    assert!(
        billing_run(&killed.database.url, &as_of)
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(outcome(&killed, &killed_holders).await, expected);
    assert_eq!(
        renewal_rows(killed.store.as_ref(), &killed_holders).await,
        total
    );
    assert_clean(&killed).await;
    assert_clean(&clean).await;
}

async fn three_serve_processes_share_the_sweep_of_a_thousand_due_numbers() {
    let app = TestApp::spawn(Backend::Postgres).await;
    // The processes bill by the wall clock: order about 40 days ago, so one period is
    // due now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    set_clock(&app, now - 40 * 86_400);
    let holders = holders(&app, 10, 100, 100 * 3).await;
    let sweep = [("DIDHUB_BILLING_SWEEP_SECS", "1")];
    let starting: Vec<_> = (0..3)
        .map(|_| ServeProcess::spawn_with(&app.database.url, &sweep))
        .collect();
    let servers: Vec<_> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while renewal_rows(app.store.as_ref(), &holders).await < 1_000 {
        assert!(
            Instant::now() < deadline,
            "the sweep did not renew every number"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A few more sweeps run: nothing is charged twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for server in servers {
        assert!(server.stop().success(), "a clean shutdown");
    }
    assert_eq!(renewal_rows(app.store.as_ref(), &holders).await, 1_000);
    for holder in &holders {
        assert_eq!(app.balance(holder).await, Money(100 * 2 * MONTHLY));
        for (e164, (status, _)) in super::statuses(&app, holder).await {
            assert_eq!(status, "Active");
            let record = app
                .store
                .number_record(&E164::parse("e164", &e164).unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(record.periods_paid, Some(2), "{e164}");
        }
    }
    assert_clean(&app).await;
}
