//! The world catalog, the operator's prices, and catalog changes that never orphan stock.

use didhub::api::ApiPolicy;
use didhub::bundled::{DEMO_AREAS, bundled_catalog, bundled_subset};
use didhub::domain::catalog::CatalogData;
use didhub::domain::{AreaId, DidType, Money};
use serde_json::Value;

use crate::cli::{didhub, didhub_json};
use crate::support::{Backend, CREDIT, TestApp};

on_both_backends!(
    numbers_sell_in_countries_all_over_the_world,
    imported_prices_are_what_orders_charge,
    a_bad_price_list_names_each_bad_line_and_changes_nothing,
    catalog_changes_never_orphan_stock
);

/// Runs the CLI against the app's database, off the async runtime.
async fn cli(app: &TestApp, args: &[&str]) -> (bool, Value) {
    let db = app.database.clone();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        didhub_json(&db, &args)
    })
    .await
    .unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

async fn numbers_sell_in_countries_all_over_the_world(backend: Backend) {
    let app = TestApp::spawn_with_catalog(backend, bundled_catalog(), ApiPolicy::default()).await;
    let cases = [
        ("39.06", DidType::Geographic, "ITALY", "Rome"),
        ("49.30", DidType::Geographic, "GERMANY", "Berlin"),
        ("81.3", DidType::Geographic, "JAPAN", "Tokyo"),
        ("86.10", DidType::Geographic, "CHINA", "Beijing"),
        ("55.11", DidType::Geographic, "BRAZIL", "São Paulo - SP"),
        ("1.2464", DidType::Geographic, "BARBADOS", "Barbados"),
        ("370.800", DidType::TollFree, "LITHUANIA", "Toll-free 800"),
        ("44.7", DidType::Mobile, "UNITED KINGDOM", "Mobile 7"),
    ];
    for (area_id, did_type, country, area_name) in cases {
        app.stock(area_id, did_type, 2).await;
        let reply = app
            .v3_as(
                &app.other,
                "DID.ORDER",
                &[("DID_TYPE", did_type.as_str()), ("AREA_ID", area_id)],
            )
            .await;
        reply.assert_success();
        assert_eq!(reply.did_attr("COUNTRY_NAME"), [country], "{area_id}");
        assert_eq!(reply.did_attr("AREA_NAME"), [area_name], "{area_id}");
    }
}

async fn imported_prices_are_what_orders_charge(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.312", DidType::Geographic, 1).await;
    app.stock("1.213", DidType::Geographic, 1).await;
    let dir = tempfile::tempdir().unwrap();
    let prices = write(
        &dir,
        "prices.csv",
        "country_id,did_type,area_id,rate_plan_id,monthly,setup\n\
         US,GEOGRAPHIC,,SU,2.00,3.50\n\
         ,,1.213,VALUE,0.50,0\n",
    );
    let (ok, summary) = cli(&app, &["catalog", "prices", "import", &prices]).await;
    assert!(ok, "{summary}");
    assert_eq!(
        (
            summary["country_prices"].clone(),
            summary["area_prices"].clone()
        ),
        (1.into(), 1.into())
    );

    let shared = &app;
    let order = |area: &'static str, plan: &'static str| async move {
        let params = [
            ("DID_TYPE", "GEOGRAPHIC"),
            ("AREA_ID", area),
            ("RATE_PLAN_ID", plan),
        ];
        shared.v3_as(&shared.other, "DID.ORDER", &params).await
    };
    let reply = order("1.312", "SU").await;
    reply.assert_success();
    assert_eq!(reply.did_attr("MONTHLY100"), ["200"]);
    assert_eq!(app.balance(&app.other).await, Money(CREDIT.0 - 550));
    let reply = order("1.213", "VALUE").await;
    reply.assert_success();
    assert_eq!(reply.did_attr("MONTHLY100"), ["50"]);
    assert_eq!(app.balance(&app.other).await, Money(CREDIT.0 - 600));

    // The store lists an area's plans with the prices they charge.
    let plans = app
        .store
        .area_plans(&AreaId::parse("a", "1.213").unwrap(), DidType::Geographic)
        .await
        .unwrap();
    let plans: Vec<(&str, i64, i64)> = plans
        .iter()
        .map(|p| (p.rate_plan_id.as_str(), p.monthly100, p.setup100))
        .collect();
    // SU from the imported country price, VALUE from the imported area price; the others
    // keep the bundled catalog's US defaults.
    assert_eq!(
        plans,
        [
            ("DIRECTVALUE", 69, 0),
            ("OU", 249, 249),
            ("PU", 49, 0),
            ("SU", 200, 350),
            ("VALUE", 50, 0)
        ]
    );
    let none = app
        .store
        .area_plans(&AreaId::parse("a", "1.213").unwrap(), DidType::TollFree)
        .await
        .unwrap();
    assert!(none.is_empty(), "1.213 sells no toll-free numbers");

    // Export, then import the export: the same price list.
    let db = app.database.clone();
    let exported =
        tokio::task::spawn_blocking(move || didhub(&db.url, &["catalog", "prices", "export"]))
            .await
            .unwrap();
    let exported = String::from_utf8(exported.stdout).unwrap();
    assert!(exported.starts_with("country_id,did_type,area_id,rate_plan_id,monthly,setup\n"));
    assert!(
        exported.contains("US,GEOGRAPHIC,,SU,2.00,3.50\n"),
        "{exported}"
    );
    assert!(exported.contains(",,1.213,VALUE,0.50,0.00\n"), "{exported}");
    let (_, before) = cli(&app, &["catalog", "prices", "export"]).await;
    let again = write(&dir, "again.csv", &exported);
    assert!(cli(&app, &["catalog", "prices", "import", &again]).await.0);
    let (_, after) = cli(&app, &["catalog", "prices", "export"]).await;
    assert_eq!(before, after);
}

async fn a_bad_price_list_names_each_bad_line_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, before) = cli(&app, &["catalog", "prices", "export"]).await;
    let prices = write(
        &dir,
        "prices.csv",
        "US,GEOGRAPHIC,,SU,1.00,1.00\n\
         ZZ,GEOGRAPHIC,,SU,1.00,1.00\n\
         ,,1.999,SU,1.00,1.00\n\
         US,GEOGRAPHIC,,NOPE,1.00,1.00\n\
         US,TOLLFREE,,SU,-1.00,1.00\n\
         US,MOBILE,,SU,1.005,1.00\n\
         US,GEOGRAPHIC,1.212,SU,1.00,1.00\n\
         US,GEOGRAPHIC,,SU,2.00,2.00\n\
         US,GEOGRAPHIC,,SU\n\
         US,PIGEON,,SU,1.00,1.00\n",
    );
    let (ok, error) = cli(&app, &["catalog", "prices", "import", &prices]).await;
    assert!(!ok);
    let message = error["error"].as_str().unwrap();
    assert!(
        message.starts_with("9 bad lines; no price was changed"),
        "{message}"
    );
    for line in 2..=10 {
        assert!(
            message.contains(&format!("line {line}: ")),
            "line {line}: {message}"
        );
    }
    assert!(!message.contains("line 1: "), "{message}");
    assert!(
        message.contains("repeats the price set on line 1"),
        "{message}"
    );
    let (_, after) = cli(&app, &["catalog", "prices", "export"]).await;
    assert_eq!(before, after);
    for bad in [
        "",
        "country_id,did_type,area_id,rate_plan_id,monthly,setup\n",
    ] {
        let empty = write(&dir, "empty.csv", bad);
        let (ok, error) = cli(&app, &["catalog", "prices", "import", &empty]).await;
        assert!(
            !ok && error["error"].as_str().unwrap().contains("no price"),
            "{error}"
        );
    }
    let missing = dir.path().join("missing.csv");
    let (ok, _) = cli(
        &app,
        &["catalog", "prices", "import", missing.to_str().unwrap()],
    )
    .await;
    assert!(!ok);
}

/// The test catalog with one change to area 1.212.
fn with_new_york(change: impl Fn(&mut didhub::domain::catalog::Area)) -> CatalogData {
    let mut catalog = bundled_subset(&DEMO_AREAS);
    let new_york = catalog
        .areas
        .iter_mut()
        .find(|a| a.area_id == "1.212")
        .unwrap();
    change(new_york);
    catalog
}

fn without(area_id: &str) -> CatalogData {
    let mut catalog = bundled_subset(&DEMO_AREAS);
    catalog.areas.retain(|a| a.area_id != area_id);
    catalog.prices.retain(|p| p.area_id != area_id);
    catalog
}

async fn catalog_changes_never_orphan_stock(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, catalog: &CatalogData| {
        write(&dir, name, &serde_json::to_string(catalog).unwrap())
    };
    let moved = file(
        "moved.json",
        &with_new_york(|a| a.area_code = "2125".into()),
    );
    let retyped = file(
        "retyped.json",
        &with_new_york(|a| a.did_types = vec!["MOBILE".into()]),
    );
    let no_new_york = file("no-new-york.json", &without("1.212"));
    let no_la = file("no-la.json", &without("1.213"));
    let renamed = file(
        "renamed.json",
        &with_new_york(|a| a.name = "Manhattan".into()),
    );
    let new_york = AreaId::parse("a", "1.212").unwrap();
    let area = |id: &'static str| {
        let store = app.store.clone();
        async move { store.area(&AreaId::parse("a", id).unwrap()).await.unwrap() }
    };
    let before = area("1.212").await.unwrap();

    let refusals = [
        (vec!["catalog", "load", &moved], "prefix"),
        (vec!["catalog", "load", &moved, "--replace"], "prefix"),
        (
            vec!["catalog", "load", &retyped, "--replace"],
            "keep selling GEOGRAPHIC",
        ),
        (
            vec!["catalog", "load", &no_new_york, "--replace"],
            "cannot be removed",
        ),
    ];
    for (args, why) in refusals {
        let (ok, error) = cli(&app, &args).await;
        let message = error["error"].as_str().unwrap_or_default();
        assert!(!ok, "{args:?}");
        assert!(
            message.contains("area 1.212 (New York) holds 5 GEOGRAPHIC numbers"),
            "{message}"
        );
        assert!(
            message.contains(why) && message.contains("nothing was changed"),
            "{message}"
        );
        assert_eq!(
            area("1.212").await.unwrap(),
            before,
            "{args:?} changed nothing"
        );
        assert!(area("1.213").await.is_some(), "{args:?} changed nothing");
    }

    // Without --replace a file that leaves areas out removes nothing.
    assert!(cli(&app, &["catalog", "load", &no_new_york]).await.0);
    assert!(area("1.212").await.is_some());
    // An area without numbers may go; a stocked one may change its AREA_NAME.
    let (ok, summary) = cli(&app, &["catalog", "load", &no_la, "--replace"]).await;
    assert!(ok, "{summary}");
    assert_eq!(summary["removed_areas"], 1);
    assert!(area("1.213").await.is_none());
    assert!(cli(&app, &["catalog", "load", &renamed]).await.0);
    assert_eq!(
        app.store.area(&new_york).await.unwrap().unwrap().name,
        "Manhattan"
    );
    let reply = app
        .v3_as(
            &app.other,
            "DID.ORDER",
            &[("DID_TYPE", "GEOGRAPHIC"), ("AREA_ID", "1.212")],
        )
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("AREA_NAME"), ["Manhattan"]);
}
