//! The bundled catalog's rate plans (§4.6): every plan id seen in Anveo material orders
//! out of the box where it fits (TOLLFREE on toll-free areas only, DIRECTVALUE, Anveo
//! Direct's, everywhere), at the price ANVEO.AREAS.LIST shows.

use didhub::domain::DidType;

use crate::support::{Backend, TestApp, xml};

on_both_backends!(
    every_documented_plan_orders_where_it_fits,
    a_plan_that_does_not_fit_the_area_is_refused
);

const EVERYWHERE: [&str; 5] = ["SU", "VALUE", "PU", "OU", "DIRECTVALUE"];

async fn every_documented_plan_orders_where_it_fits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let areas = [
        ("1.212", DidType::Geographic),
        ("1.800", DidType::TollFree),
        ("44.7", DidType::Mobile),
    ];
    for (area, did_type) in areas {
        app.stock(area, did_type, 6).await;
        let mut plans: Vec<&str> = EVERYWHERE.to_vec();
        if did_type == DidType::TollFree {
            plans.push("TOLLFREE");
        }
        let listing = app
            .v3_as(
                &app.other,
                "ANVEO.AREAS.LIST",
                &[
                    ("DID_TYPE", did_type.as_str()),
                    ("COUNTRY_ID", country(area)),
                ],
            )
            .await;
        listing.assert_success();
        let offered: Vec<(String, String)> = listing
            .elements
            .iter()
            .skip_while(|(name, attrs)| {
                name != "AREA" || xml::get(attrs, "AREA_ID").as_deref() != Some(area)
            })
            .skip(1)
            .take_while(|(name, _)| name == "RATE_PLAN")
            .map(|(_, attrs)| {
                let get = |n| xml::get(attrs, n).unwrap();
                (get("RATE_PLAN_ID"), get("MONTHLY100"))
            })
            .collect();
        let mut listed: Vec<&str> = offered.iter().map(|(id, _)| id.as_str()).collect();
        listed.sort_unstable();
        let mut expected = plans.clone();
        expected.sort_unstable();
        assert_eq!(listed, expected, "{area}");
        for plan in plans {
            let reply = app
                .v3_as(
                    &app.other,
                    "DID.ORDER",
                    &[
                        ("DID_TYPE", did_type.as_str()),
                        ("AREA_ID", area),
                        ("RATE_PLAN_ID", plan),
                    ],
                )
                .await;
            reply.assert_success();
            assert_eq!(reply.did_attr("RATE_PLAN_ID"), [plan], "{area}");
            let listed_price = &offered.iter().find(|(id, _)| id == plan).unwrap().1;
            assert_eq!(
                &reply.did_attr("MONTHLY100")[0],
                listed_price,
                "{plan} in {area}"
            );
        }
    }
    assert!(app.store.audit().await.unwrap().is_empty());
}

fn country(area: &str) -> &'static str {
    if area.starts_with("44.") { "GB" } else { "US" }
}

async fn a_plan_that_does_not_fit_the_area_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.stock("1.212", DidType::Geographic, 2).await;
    let before = app.snapshot().await;
    let reply = app
        .v3_as(
            &app.other,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", "1.212"),
                ("RATE_PLAN_ID", "TOLLFREE"),
            ],
        )
        .await;
    reply.assert_error("RATE_PLAN_NOT_FOUND");
    assert!(reply.error_message.as_deref().unwrap().contains("TOLLFREE"));
    assert_eq!(app.snapshot().await, before);
}
