//! `inventory generate`: fills an area with valid numbers that are not yet in stock.

use std::collections::HashSet;

use crate::domain::catalog::{Area, Country};
use crate::domain::numbering;
use crate::domain::{AreaId, DidType, E164, RatePlanId};
use crate::store::{NewNumber, Store};

use super::AdminError;

/// Rounds of candidate generation before giving up on finding enough free numbers.
const MAX_ROUNDS: usize = 20;

/// The area and its country, checked to sell `did_type`.
pub async fn area_for_stock(
    store: &dyn Store,
    area_id: &AreaId,
    did_type: DidType,
) -> Result<(Area, Country), AdminError> {
    let area = store
        .area(area_id)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("area {area_id} is not in the catalog")))?;
    if !area.did_types.iter().any(|t| t == did_type.as_str()) {
        return Err(AdminError::Invalid(format!(
            "area {area_id} does not sell {did_type} numbers (it sells {})",
            area.did_types.join(", ")
        )));
    }
    let country = store.country(&area.country_id).await?.ok_or_else(|| {
        AdminError::Invalid(format!(
            "country {} of area {area_id} is missing",
            area.country_id
        ))
    })?;
    Ok((area, country))
}

/// Adds `count` new valid numbers of `did_type` to the area's stock, all or none, and
/// returns them.
pub async fn generate_stock(
    store: &dyn Store,
    area_id: &AreaId,
    did_type: DidType,
    count: usize,
    rate_plan_id: Option<RatePlanId>,
) -> Result<Vec<E164>, AdminError> {
    let (area, country) = area_for_stock(store, area_id, did_type).await?;
    let mut seen: HashSet<E164> = HashSet::new();
    let mut fresh: Vec<E164> = Vec::with_capacity(count);
    for _ in 0..MAX_ROUNDS {
        let wanted = count - fresh.len();
        if wanted == 0 {
            break;
        }
        let candidates =
            numbering::generate_numbers(&country, &area, did_type, wanted, &seen, &mut rand::rng());
        if candidates.is_empty() {
            break;
        }
        let known = store.known_numbers(candidates.clone()).await?;
        for number in candidates {
            seen.insert(number.clone());
            if !known.contains(&number) {
                fresh.push(number);
            }
        }
    }
    if fresh.len() < count {
        return Err(AdminError::Invalid(format!(
            "found only {} free valid {did_type} numbers in area {area_id}; nothing was added",
            fresh.len()
        )));
    }
    fresh.sort();
    let new_numbers = fresh
        .iter()
        .map(|e164| NewNumber {
            e164: e164.clone(),
            area_id: area_id.clone(),
            did_type,
            rate_plan_id: rate_plan_id.clone(),
        })
        .collect();
    store.add_numbers(new_numbers).await?;
    Ok(fresh)
}
