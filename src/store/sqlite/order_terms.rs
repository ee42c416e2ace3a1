//! An order's terms: the area's and country's names, whether the area sells the type,
//! and the plan's price there, in one lookup, cached on the writer thread.
//!
//! Every order reads its terms before it writes. On the writer thread the answer is kept
//! while the writer's catalog epoch ([`catalog_epoch`]) stays the same: within it only
//! orders ran, and orders never change the catalog or its prices. A batch of orders for
//! one area then reads its terms once instead of once per order. Off the writer thread
//! (dry runs on the read pool) every lookup reads the database.

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::writer::epoch::catalog_epoch;
use crate::store::StoreResult;

/// Most terms kept; the cache starts over when full (an epoch rarely sees this many).
const MAX_CACHED: usize = 1024;

/// What the catalog says about ordering a type in an area under a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct OrderTerms {
    pub area_name: String,
    pub area_code: String,
    pub country_name: String,
    /// Whether the area sells the type.
    pub offered: bool,
    /// Monthly and setup price in minor units; `None` when the plan has no price there.
    pub price: Option<(i64, i64)>,
}

/// One row per known area: its names, whether it sells the type, and the plan's price
/// (the area's own, else the country's default for the type, as in `pricing::AREA_PLANS`).
const ORDER_TERMS: &str = "
    SELECT a.name, a.area_code, c.name,
           EXISTS (SELECT 1 FROM area_did_types t WHERE t.area_id = a.area_id AND t.did_type = ?2),
           COALESCE(ap.monthly100, cp.monthly100), COALESCE(ap.setup100, cp.setup100)
    FROM areas a
    JOIN countries c ON c.country_id = a.country_id
    LEFT JOIN area_prices ap ON ap.area_id = a.area_id AND ap.rate_plan_id = ?3
    LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = ?2
                               AND cp.rate_plan_id = ?3
    WHERE a.area_id = ?1";

struct Cache {
    epoch: u64,
    /// Keyed by area, type and plan joined with NUL (none of them holds one).
    terms: HashMap<String, Option<OrderTerms>>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache { epoch: 0, terms: HashMap::new() });
}

/// The terms of ordering `did_type` in `area_id` under `plan`; `None`: unknown area.
pub(super) fn order_terms(
    conn: &Connection,
    area_id: &str,
    did_type: &str,
    plan: &str,
) -> StoreResult<Option<OrderTerms>> {
    let Some(epoch) = catalog_epoch() else {
        return read_terms(conn, area_id, did_type, plan);
    };
    let key = format!("{area_id}\0{did_type}\0{plan}");
    let cached = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.epoch != epoch {
            cache.epoch = epoch;
            cache.terms.clear();
        }
        cache.terms.get(&key).cloned()
    });
    if let Some(terms) = cached {
        return Ok(terms);
    }
    let terms = read_terms(conn, area_id, did_type, plan)?;
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.terms.len() >= MAX_CACHED {
            cache.terms.clear();
        }
        cache.terms.insert(key, terms.clone());
    });
    Ok(terms)
}

fn read_terms(
    conn: &Connection,
    area_id: &str,
    did_type: &str,
    plan: &str,
) -> StoreResult<Option<OrderTerms>> {
    Ok(conn
        .prepare_cached(ORDER_TERMS)?
        .query_row(params![area_id, did_type, plan], |r| {
            let monthly: Option<i64> = r.get(4)?;
            let setup: Option<i64> = r.get(5)?;
            Ok(OrderTerms {
                area_name: r.get(0)?,
                area_code: r.get(1)?,
                country_name: r.get(2)?,
                offered: r.get(3)?,
                price: monthly.zip(setup),
            })
        })
        .optional()?)
}
