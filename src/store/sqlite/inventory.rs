//! Inventory storage: adding numbers to stock and counting what is available.

use std::collections::HashSet;

use async_trait::async_trait;
use rusqlite::{Connection, ErrorCode, params};

use super::SqliteStore;
use crate::domain::{AreaId, DidType, E164, RatePlanId};
use crate::store::{Inventory, NewNumber, StoreError, StoreResult};

#[async_trait]
impl Inventory for SqliteStore {
    async fn add_numbers(&self, numbers: Vec<NewNumber>) -> StoreResult<u64> {
        self.writer
            .write(move |conn| insert_numbers(conn, &numbers))
            .await
    }

    async fn known_numbers(&self, numbers: Vec<E164>) -> StoreResult<HashSet<E164>> {
        self.reads
            .read(move |conn| {
                let mut stmt = conn.prepare_cached("SELECT 1 FROM numbers WHERE e164 = ?1")?;
                let mut known = HashSet::new();
                for number in numbers {
                    if stmt.exists([number.as_str()])? {
                        known.insert(number);
                    }
                }
                Ok(known)
            })
            .await
    }

    async fn available_count(
        &self,
        area_id: &AreaId,
        did_type: DidType,
        rate_plan_id: Option<&RatePlanId>,
    ) -> StoreResult<u64> {
        let area_id = area_id.as_str().to_owned();
        let plan = rate_plan_id.map(|p| p.as_str().to_owned());
        self.reads
            .read(move |conn| {
                let count: i64 = conn.query_row(
                    "SELECT COUNT(*) FROM numbers WHERE area_id = ?1 AND did_type = ?2
                       AND state = 'available'
                       AND (?3 IS NULL OR stock_rate_plan_id IS NULL OR stock_rate_plan_id = ?3)",
                    params![area_id, did_type.as_str(), plan],
                    |r| r.get(0),
                )?;
                Ok(count as u64)
            })
            .await
    }
}

fn insert_numbers(conn: &Connection, numbers: &[NewNumber]) -> StoreResult<u64> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO numbers (e164, area_id, did_type, stock_rate_plan_id) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for n in numbers {
        let inserted = stmt.execute(params![
            n.e164.as_str(),
            n.area_id.as_str(),
            n.did_type.as_str(),
            n.rate_plan_id.as_ref().map(|p| p.as_str())
        ]);
        if let Err(e) = inserted {
            return Err(match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => StoreError::Rejected(format!(
                    "number {} cannot be added: it is already known, or its area or plan is unknown ({e})",
                    n.e164
                )),
                _ => e.into(),
            });
        }
    }
    Ok(numbers.len() as u64)
}
