//! The rule that catalog changes never orphan stock, shared by the backends (which only
//! read what each area holds).
//!
//! An area's AREA_ID is what its numbers, their orders and customers refer to, and its
//! country, prefix and length are what its numbers were validated against. So while an
//! area holds numbers (in any state), a catalog may rename its AREA_NAME but may not
//! remove it, change its id (a rename of the id is a removal), move it to another
//! country, prefix or length, or stop selling a type it holds numbers of.

use std::collections::HashMap;

use super::{StoreError, StoreResult};
use crate::domain::catalog::{Area, CatalogData};

/// Problems listed in full before the rest are only counted.
const LISTED: usize = 10;

/// Numbers of one type held in one area, with the area as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockedArea {
    pub area_id: String,
    pub did_type: String,
    pub count: i64,
    pub name: String,
    pub country_id: String,
    pub area_code: String,
    pub national_number_length: u8,
}

/// Fails, naming every offending area, when `data` would orphan numbers: by changing a
/// stocked area (always), or by leaving a stocked area or type out (`replacing`).
pub fn refuse_orphaning(
    stocked: &[StockedArea],
    data: &CatalogData,
    replacing: bool,
) -> StoreResult<()> {
    let incoming: HashMap<&str, &Area> =
        data.areas.iter().map(|a| (a.area_id.as_str(), a)).collect();
    let mut problems = Vec::new();
    for old in stocked {
        let held = format!(
            "area {} ({}) holds {} {} numbers",
            old.area_id, old.name, old.count, old.did_type
        );
        let Some(new) = incoming.get(old.area_id.as_str()) else {
            if replacing {
                problems.push(format!(
                    "{held}: it cannot be removed, nor its AREA_ID renamed"
                ));
            }
            continue;
        };
        let was = (
            old.country_id.as_str(),
            old.area_code.as_str(),
            old.national_number_length,
        );
        let becomes = (
            new.country_id.as_str(),
            new.area_code.as_str(),
            new.national_number_length,
        );
        if was != becomes {
            problems.push(format!(
                "{held}: its country, prefix and length cannot change (from {} {} {} to {} {} {})",
                was.0, was.1, was.2, becomes.0, becomes.1, becomes.2
            ));
        }
        let keeps_type = new
            .did_types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&old.did_type));
        if replacing && !keeps_type {
            problems.push(format!("{held}: it must keep selling {}", old.did_type));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(LISTED);
    problems.truncate(LISTED);
    let mut message = problems.join("; ");
    if more > 0 {
        message.push_str(&format!("; and {more} more"));
    }
    message.push_str("; nothing was changed (move or sell the numbers out first)");
    Err(StoreError::Rejected(message))
}
