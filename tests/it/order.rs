//! DID.ORDER's successful paths (`anveo-api.md` §4.1).

use didhub::domain::{DidType, Money};

use crate::support::{Backend, TestApp, request_xml};

on_both_backends!(
    the_seed_request_buys_one_complete_did,
    v2_orders_for_a_sub_account_paid_by_the_main_account,
    a_sub_account_orders_for_itself_with_its_own_key,
    quantity_five_buys_five_distinct_numbers_in_ascending_order,
    a_dry_run_answers_like_an_order_and_changes_nothing,
    the_order_is_priced_by_the_chosen_plan,
    special_characters_in_a_title_round_trip
);

/// One number in 1.212 under SU costs SETUP100 249 + MONTHLY100 149.
const SU_NY: Money = Money(249 + 149);

/// The seed document's request, with a real USERKEY, SIGNATURE and AREA_ID.
fn seed_request(userkey: &str, signature: &str) -> String {
    format!(
        r#"<?xml version="1.0" standalone="no" ?>
<REQUEST>
	<USERTOKEN>
		<USERKEY>{userkey}</USERKEY>
	</USERTOKEN>
	<ACTION NAME="DID.ORDER">
		<PARAMETER NAME="SIGNATURE">{signature}</PARAMETER>
		<PARAMETER NAME="DID_TYPE">GEOGRAPHIC</PARAMETER>
		<PARAMETER NAME="AREA_ID">1.212</PARAMETER>
		<PARAMETER NAME="RATE_PLAN_ID">SU</PARAMETER>
		<PARAMETER NAME="QUANTITY">1</PARAMETER>
		<PARAMETER NAME="TITLE">ABCDEF</PARAMETER>
	</ACTION>
</REQUEST>"#
    )
}

async fn the_seed_request_buys_one_complete_did(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stock = app.stock("1.212", DidType::Geographic, 20).await;
    let reply = app
        .v3(seed_request(
            &app.main.userkey,
            app.main.signature.as_deref().unwrap(),
        ))
        .await;
    reply.assert_success();
    assert_eq!(reply.dids.len(), 1);
    let names: Vec<&str> = reply.dids[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "E164",
            "DID_TYPE",
            "SMS_URL",
            "SMS_EMAIL",
            "CALL_FORWARD_TYPE",
            "CALL_FORWARD_TO",
            "STATUS",
            "COUNTRY_NAME",
            "AREA_NAME",
            "AREA_CODE",
            "MONTHLY100",
            "RATE_PLAN_ID",
            "TITLE",
            "ACCOUNT_NUMBER",
            "ORDER_DATE",
            "PAID_UNTIL",
            "CHANNELS_LIMIT",
            "CHANNELS_ONDEMAND",
        ]
    );
    let did = |name: &str| reply.did_attr(name)[0].clone();
    crate::support::assert_picked(backend, &[did("E164")], &stock);
    assert_eq!(did("DID_TYPE"), "GEOGRAPHIC");
    assert_eq!(did("STATUS"), "Active");
    assert_eq!(did("COUNTRY_NAME"), "UNITED STATES");
    assert_eq!(did("AREA_NAME"), "New York");
    assert_eq!(did("AREA_CODE"), "212");
    assert_eq!(did("MONTHLY100"), "149");
    assert_eq!(did("RATE_PLAN_ID"), "SU");
    assert_eq!(did("TITLE"), "ABCDEF");
    assert_eq!(
        did("ACCOUNT_NUMBER"),
        app.main.account.account_number.as_str()
    );
    assert_eq!(
        did("ORDER_DATE"),
        "2026-01-01 00:00:00",
        "the test clock's start"
    );
    assert_eq!(
        did("PAID_UNTIL"),
        "2026-02-01",
        "the order paid the first month: the next is due a month after the order"
    );
    assert_eq!(did("CHANNELS_LIMIT"), "");
    assert_eq!(did("CHANNELS_ONDEMAND"), "");
    assert_eq!(
        app.balance(&app.main).await,
        Money(crate::support::CREDIT.0 - SU_NY.0)
    );
    assert!(app.store.audit().await.unwrap().is_empty());
}

async fn v2_orders_for_a_sub_account_paid_by_the_main_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 5).await;
    let query = format!(
        "userkey={}&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[AREA_ID]=1.212.\
         &param[RATE_PLAN_ID]=SU&param[QUANTITY]=1&param[ACCOUNT_NUMBER]={}\
         &param[TITLE]=ABC%20DEF&param[SIGNATURE]={}",
        app.main.userkey,
        app.sub.account.account_number,
        app.main.signature.as_deref().unwrap()
    );
    let reply = app.v2(&query).await;
    reply.assert_success();
    assert_eq!(
        reply.did_attr("ACCOUNT_NUMBER"),
        [app.sub.account.account_number.to_string()]
    );
    assert_eq!(reply.did_attr("TITLE"), ["ABC DEF"]);
    assert_eq!(
        app.balance(&app.main).await,
        Money(crate::support::CREDIT.0 - SU_NY.0)
    );
    // The sub-account shares the main account's balance.
    assert_eq!(app.balance(&app.sub).await, app.balance(&app.main).await);
}

async fn a_sub_account_orders_for_itself_with_its_own_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.213", DidType::Geographic, 3).await;
    let reply = app
        .v3_as(
            &app.sub,
            "DID.ORDER",
            &[("DID_TYPE", "geographic"), ("AREA_ID", "1.213")],
        )
        .await;
    reply.assert_success();
    assert_eq!(
        reply.did_attr("DID_TYPE"),
        ["GEOGRAPHIC"],
        "echoed upper case"
    );
    assert_eq!(reply.did_attr("AREA_NAME"), ["Los Angeles"]);
    assert_eq!(
        reply.did_attr("RATE_PLAN_ID"),
        ["SU"],
        "SU is the default plan"
    );
    assert_eq!(
        reply.did_attr("ACCOUNT_NUMBER"),
        [app.sub.account.account_number.to_string()]
    );
    assert!(app.balance(&app.main).await < crate::support::CREDIT);
}

async fn quantity_five_buys_five_distinct_numbers_in_ascending_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stock = app.stock("1.312", DidType::Geographic, 12).await;
    let reply = app
        .v3_as(
            &app.other,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.312"),
                ("QUANTITY", "5"),
            ],
        )
        .await;
    reply.assert_success();
    let bought = reply.did_attr("E164");
    assert_eq!(bought.len(), 5);
    crate::support::assert_picked(backend, &bought, &stock);
    assert_eq!(
        app.balance(&app.other).await,
        Money(crate::support::CREDIT.0 - 5 * SU_NY.0)
    );
    let counts = app.store.counts().await.unwrap();
    assert_eq!(
        (counts.orders, counts.order_lines, counts.numbers_assigned),
        (1, 5, 5)
    );
    assert!(app.store.audit().await.unwrap().is_empty());
}

async fn a_dry_run_answers_like_an_order_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 6).await;
    let params = [
        ("DID_TYPE", "GEOGRAPHIC"),
        ("AREA_ID", "1.212"),
        ("QUANTITY", "3"),
        ("TITLE", "trial"),
    ];
    let before = app.snapshot().await;
    let mut with_test = params.to_vec();
    with_test.push(("TEST", "TRUE"));
    let rehearsal = app.main_v3("DID.ORDER", &with_test).await;
    rehearsal.assert_success();
    assert_eq!(rehearsal.value("TEST"), Some("TRUE"));
    assert_eq!(rehearsal.dids.len(), 3);
    assert_eq!(app.snapshot().await, before, "a dry run commits nothing");

    let real = app.main_v3("DID.ORDER", &params).await;
    real.assert_success();
    assert_eq!(real.value("TEST"), None);
    match backend {
        Backend::Sqlite => assert_eq!(
            real.dids, rehearsal.dids,
            "the real order picks the same numbers"
        ),
        // Each pick starts at its own random point (docs/API.md): the same answer but
        // for which numbers.
        Backend::Postgres => {
            let but_e164 = |dids: &[Vec<(String, String)>]| -> Vec<Vec<(String, String)>> {
                dids.iter()
                    .map(|did| did.iter().filter(|(n, _)| n != "E164").cloned().collect())
                    .collect()
            };
            assert_eq!(but_e164(&real.dids), but_e164(&rehearsal.dids));
        }
    }
}

async fn the_order_is_priced_by_the_chosen_plan(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let catalog = didhub::bundled::bundled_catalog();
    let value = catalog
        .prices
        .iter()
        .find(|p| p.rate_plan_id == "VALUE" && p.area_id.starts_with("1."))
        .expect("the bundled catalog offers VALUE in a NANP area");
    let area = catalog
        .areas
        .iter()
        .find(|a| a.area_id == value.area_id)
        .unwrap();
    let did_type = DidType::parse("t", &area.did_types[0]).unwrap();
    app.stock(&area.area_id, did_type, 2).await;
    let reply = app
        .v3_as(
            &app.other,
            "DID.ORDER",
            &[
                ("DID_TYPE", did_type.as_str()),
                ("AREA_ID", &area.area_id),
                ("RATE_PLAN_ID", "value"),
            ],
        )
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("RATE_PLAN_ID"), ["VALUE"]);
    assert_eq!(reply.did_attr("MONTHLY100"), [value.monthly100.to_string()]);
    assert_eq!(
        app.balance(&app.other).await,
        Money(crate::support::CREDIT.0 - value.monthly100 - value.setup100)
    );
}

async fn special_characters_in_a_title_round_trip(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("44.20", DidType::Geographic, 1).await;
    let title = r#"Sales & "Support" <London> 'desk' ✆"#;
    let reply = app
        .v3(request_xml(
            &app.other.userkey,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "44.20"),
                ("TITLE", title),
            ],
        ))
        .await;
    reply.assert_success();
    assert_eq!(reply.did_attr("TITLE"), [title]);
    assert_eq!(reply.did_attr("COUNTRY_NAME"), ["UNITED KINGDOM"]);
    assert_eq!(reply.did_attr("AREA_NAME"), ["London"]);
}
