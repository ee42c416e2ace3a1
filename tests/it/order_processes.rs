//! Orders in one area from three `didhub serve` processes at once (PostgreSQL only): the
//! allocation stays exact under concurrency. No number is sold twice, and no order is
//! refused NOT_ENOUGH_STOCK while the stock could still serve it: each wave sells exactly
//! what the stock allows, whatever the other orders of the moment hold.

use std::collections::HashSet;

use didhub::admin::accounts::{AccountSpec, CreatedAccount, create_account};
use didhub::admin::generate::generate_stock;
use didhub::bundled::bundled_catalog;
use didhub::domain::{AreaId, DidType, Money};
use didhub::store::{self, StoreOptions};

use crate::multi_process::ServeProcess;
use crate::support::{Backend, Reply, TestDatabase, request_xml};

on_postgres!(multi_thread: sixty_four_concurrent_orders_in_one_area_on_three_processes_sell_exactly_the_stock);

/// What a wave of concurrent orders got: the numbers sold and how many were refused.
struct Wave {
    sold: Vec<String>,
    refused: usize,
}

/// `orders` DID.ORDERs of `quantity` in `area` at once, spread over the servers.
async fn wave(
    servers: &[ServeProcess],
    buyer: &CreatedAccount,
    area: &str,
    quantity: u32,
    orders: usize,
) -> Wave {
    let client = reqwest::Client::new();
    let quantity = quantity.to_string();
    let requests = (0..orders).map(|i| {
        let url = format!("{}/api/v3.asp", servers[i % servers.len()].base_url);
        let body = request_xml(
            &buyer.userkey,
            "DID.ORDER",
            &[
                ("DID_TYPE", "GEOGRAPHIC"),
                ("AREA_ID", area),
                ("QUANTITY", quantity.as_str()),
            ],
        );
        let client = &client;
        async move {
            let response = client.post(url).body(body).send().await.expect("order");
            Reply::parse(&response.text().await.unwrap())
        }
    });
    let mut result = Wave {
        sold: Vec::new(),
        refused: 0,
    };
    for reply in futures_util::future::join_all(requests).await {
        if reply.result == "SUCCESS" {
            result.sold.extend(reply.did_attr("E164"));
        } else {
            reply.assert_error("NOT_ENOUGH_STOCK");
            result.refused += 1;
        }
    }
    result
}

async fn sixty_four_concurrent_orders_in_one_area_on_three_processes_sell_exactly_the_stock() {
    let database = TestDatabase::create(Backend::Postgres);
    let store = store::open(&database.url, StoreOptions::default())
        .await
        .unwrap();
    store.load_catalog(bundled_catalog()).await.unwrap();
    let mut stock: HashSet<String> = HashSet::new();
    for (area, count) in [("1.312", 100), ("1.212", 10)] {
        let area = AreaId::parse("area", area).unwrap();
        for e164 in generate_stock(store.as_ref(), &area, DidType::Geographic, count, None)
            .await
            .unwrap()
        {
            stock.insert(e164.to_string());
        }
    }
    let buyer = create_account(
        store.as_ref(),
        AccountSpec {
            email: "busy@customer.example".into(),
            credit: Money(10_000_000),
            ..AccountSpec::default()
        },
    )
    .await
    .unwrap();
    let starting: Vec<_> = (0..3).map(|_| ServeProcess::spawn(&database.url)).collect();
    let servers: Vec<ServeProcess> = starting
        .into_iter()
        .map(ServeProcess::wait_until_listening)
        .collect();

    // 100 in stock, 64 orders of one: every one is served.
    let first = wave(&servers, &buyer, "1.312", 1, 64).await;
    assert_eq!((first.sold.len(), first.refused), (64, 0));
    // 36 left, 64 orders of one: exactly 36 are served.
    let second = wave(&servers, &buyer, "1.312", 1, 64).await;
    assert_eq!((second.sold.len(), second.refused), (36, 28));
    // 10 in stock, 8 orders of three: three are served, one number is left over. Here
    // orders must wait for numbers others hold (and may deadlock, and retry).
    let third = wave(&servers, &buyer, "1.212", 3, 8).await;
    assert_eq!((third.sold.len(), third.refused), (9, 5));

    let sold: Vec<String> = [first.sold, second.sold, third.sold].concat();
    let distinct: HashSet<&String> = sold.iter().collect();
    assert_eq!(distinct.len(), sold.len(), "no number is sold twice");
    assert!(sold.iter().all(|e| stock.contains(e)));
    for server in servers {
        assert!(server.stop().success(), "a clean shutdown");
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.orders, counts.numbers_assigned), (103, 109));
    assert_eq!(counts.numbers_available, 1);
    assert_eq!(store.audit().await.unwrap(), vec![]);
    store.close().await;
    crate::cli::assert_check_clean(&database.url);
}
