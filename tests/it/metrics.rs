//! `GET /metrics` (`api::metrics_endpoint`): behind the token on the API port, open on
//! a listener of its own, absent without either; the scrape parses as Prometheus text
//! and its series move with the requests. The recorder is process-wide and tests run
//! in parallel, so a series is checked to have moved by at least this test's share.

use std::collections::HashMap;

use didhub::domain::DidType;

use crate::support::{Backend, MetricsSetup, ServerSetup, TestApp};

on_both_backends!(
    the_scrape_needs_the_token_on_the_api_port,
    series_move_with_requests,
    a_metrics_listener_of_its_own_serves_without_a_token,
    without_metrics_settings_there_is_no_metrics_page
);

const TOKEN: &str = "scrape-secret";

async fn app_with(backend: Backend, metrics: Option<MetricsSetup>) -> TestApp {
    let setup = ServerSetup {
        metrics,
        ..ServerSetup::default()
    };
    let app = TestApp::spawn_with(backend, setup).await;
    app.stock("1.212", DidType::Geographic, 10).await;
    app
}

/// The scrape at `url` with `token`: its HTTP status and, on 200, its series.
async fn scrape(app: &TestApp, url: &str, token: Option<&str>) -> (u16, Series) {
    let mut request = app.client().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status != 200 {
        return (status, Series::default());
    }
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    (status, Series::parse(&response.text().await.unwrap()))
}

/// Prometheus text: every sample line, by its name and labels as written.
#[derive(Debug, Default)]
struct Series(HashMap<String, f64>);

impl Series {
    fn parse(text: &str) -> Series {
        let mut samples = HashMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (series, value) = line.rsplit_once(' ').expect("a sample is `series value`");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            samples.insert(series.to_owned(), value);
        }
        Series(samples)
    }

    /// The sum over the series named `name` whose labels include all of `labels`.
    fn sum(&self, name: &str, labels: &[&str]) -> f64 {
        self.0
            .iter()
            .filter(|(series, _)| {
                let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
                series_name == name && labels.iter().all(|l| rest.contains(l))
            })
            .map(|(_, value)| value)
            .sum()
    }

    fn has(&self, name: &str) -> bool {
        self.0.keys().any(|s| s.split('{').next() == Some(name))
    }
}

async fn the_scrape_needs_the_token_on_the_api_port(backend: Backend) {
    let app = app_with(backend, Some(MetricsSetup::ApiPortWithToken(TOKEN.into()))).await;
    let url = format!("{}/metrics", app.base_url);
    assert_eq!(scrape(&app, &url, None).await.0, 401);
    assert_eq!(scrape(&app, &url, Some("scrape-secreT")).await.0, 401);
    assert_eq!(scrape(&app, &url, Some(TOKEN)).await.0, 200);
}

async fn series_move_with_requests(backend: Backend) {
    let app = app_with(backend, Some(MetricsSetup::ApiPortWithToken(TOKEN.into()))).await;
    let url = format!("{}/metrics", app.base_url);
    let ordered = [
        "didhub_api_requests_total",
        "action=\"DID.ORDER\"",
        "result=\"SUCCESS\"",
    ];
    let (_, before) = scrape(&app, &url, Some(TOKEN)).await;
    app.order(&app.other, "1.212", 2).await;
    app.v3_as(&app.other, "DID.TELEPORT", &[])
        .await
        .assert_error("UNKNOWN_ACTION");
    let (_, after) = scrape(&app, &url, Some(TOKEN)).await;
    let moved = |name: &str, labels: &[&str]| after.sum(name, labels) - before.sum(name, labels);
    assert!(moved(ordered[0], &ordered[1..]) >= 1.0);
    let unknown = ["action=\"other\"", "result=\"UNKNOWN_ACTION\""];
    assert!(moved("didhub_api_requests_total", &unknown) >= 1.0);
    assert!(moved("didhub_orders_total", &[]) >= 1.0);
    assert!(moved("didhub_numbers_sold_total", &[]) >= 2.0);
    let latency = "didhub_api_request_duration_seconds_count";
    assert!(moved(latency, &["action=\"DID.ORDER\""]) >= 1.0);
    assert!(after.has("didhub_api_request_duration_seconds_bucket"));
    assert!(after.sum("didhub_http_connections_open", &[]) >= 1.0);
    match backend {
        Backend::Sqlite => assert!(after.has("didhub_sqlite_writer_batch_size_count")),
        Backend::Postgres => {
            assert!(after.sum("didhub_store_pool_connections", &["pool=\"postgres\""]) >= 1.0)
        }
    }
}

async fn a_metrics_listener_of_its_own_serves_without_a_token(backend: Backend) {
    let app = app_with(backend, Some(MetricsSetup::OwnListener)).await;
    let url = app.metrics_url.clone().unwrap();
    let (status, series) = scrape(&app, &url, None).await;
    assert_eq!(status, 200);
    assert!(series.has("didhub_http_connections_open"));
    let on_api_port = format!("{}/metrics", app.base_url);
    assert_eq!(scrape(&app, &on_api_port, Some(TOKEN)).await.0, 404);
}

async fn without_metrics_settings_there_is_no_metrics_page(backend: Backend) {
    let app = app_with(backend, None).await;
    let url = format!("{}/metrics", app.base_url);
    assert_eq!(scrape(&app, &url, Some(TOKEN)).await.0, 404);
}
