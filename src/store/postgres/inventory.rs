//! Inventory storage: adding numbers to stock and counting what is available.
//!
//! A batch of numbers goes in with one statement (sorted by E164, so two imports racing
//! over the same numbers lock them in the same order). When it fails, the batch is
//! examined to name the first number at fault, as the SQLite store does.

use std::collections::HashSet;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{PostgresStore, describe};
use crate::domain::{AreaId, DidType, E164, RatePlanId};
use crate::store::{Inventory, NewNumber, StoreError, StoreResult};

/// PostgreSQL's class of integrity constraint violations (unique, foreign key, ...).
const INTEGRITY_VIOLATION: &str = "23";

#[async_trait]
impl Inventory for PostgresStore {
    async fn add_numbers(&self, numbers: Vec<NewNumber>) -> StoreResult<u64> {
        let client = self.client().await?;
        insert_numbers(&client, &numbers).await
    }

    async fn known_numbers(&self, numbers: Vec<E164>) -> StoreResult<HashSet<E164>> {
        let client = self.client().await?;
        let texts: Vec<&str> = numbers.iter().map(|n| n.as_str()).collect();
        let query = client
            .prepare_cached("SELECT e164 FROM numbers WHERE e164 = ANY($1)")
            .await?;
        let known: HashSet<String> = client
            .query(&query, &[&texts])
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        Ok(numbers
            .into_iter()
            .filter(|n| known.contains(n.as_str()))
            .collect())
    }

    async fn available_count(
        &self,
        area_id: &AreaId,
        did_type: DidType,
        rate_plan_id: Option<&RatePlanId>,
    ) -> StoreResult<u64> {
        let client = self.client().await?;
        let plan = rate_plan_id.map(|p| p.as_str());
        let query = client
            .prepare_cached(
                "SELECT COUNT(*) FROM numbers WHERE area_id = $1 AND did_type = $2
                   AND state = 'available'
                   AND ($3::text IS NULL OR stock_rate_plan_id IS NULL
                        OR stock_rate_plan_id = $3)",
            )
            .await?;
        let count: i64 = client
            .query_one(&query, &[&area_id.as_str(), &did_type.as_str(), &plan])
            .await?
            .try_get(0)?;
        Ok(count as u64)
    }
}

/// The batch's columns, in input order.
struct Columns<'a> {
    e164: Vec<&'a str>,
    area_id: Vec<&'a str>,
    did_type: Vec<&'a str>,
    plan: Vec<Option<&'a str>>,
}

fn columns(numbers: &[NewNumber]) -> Columns<'_> {
    Columns {
        e164: numbers.iter().map(|n| n.e164.as_str()).collect(),
        area_id: numbers.iter().map(|n| n.area_id.as_str()).collect(),
        did_type: numbers.iter().map(|n| n.did_type.as_str()).collect(),
        plan: numbers
            .iter()
            .map(|n| n.rate_plan_id.as_ref().map(|p| p.as_str()))
            .collect(),
    }
}

async fn insert_numbers(c: &impl GenericClient, numbers: &[NewNumber]) -> StoreResult<u64> {
    let batch = columns(numbers);
    let insert = c
        .prepare_cached(
            "INSERT INTO numbers (e164, area_id, did_type, stock_rate_plan_id)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
             ORDER BY 1",
        )
        .await?;
    let inserted = c
        .execute(
            &insert,
            &[&batch.e164, &batch.area_id, &batch.did_type, &batch.plan],
        )
        .await;
    match inserted {
        Ok(_) => Ok(numbers.len() as u64),
        Err(e)
            if e.code()
                .is_some_and(|code| code.code().starts_with(INTEGRITY_VIOLATION)) =>
        {
            let culprit = first_at_fault(c, &batch).await?;
            Err(StoreError::Rejected(format!(
                "number {} cannot be added: it is already known, or its area or plan is \
                 unknown ({})",
                culprit.unwrap_or("?"),
                describe(&e)
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// The first number, in input order, that is already known (in stock or earlier in the
/// batch) or names an unknown area or plan.
async fn first_at_fault<'a>(
    c: &impl GenericClient,
    batch: &Columns<'a>,
) -> StoreResult<Option<&'a str>> {
    let mut seen = HashSet::new();
    let repeated = batch.e164.iter().position(|e| !seen.insert(*e));
    let query = c
        .prepare_cached(
            "SELECT x.ord FROM unnest($1::text[], $2::text[], $3::text[])
               WITH ORDINALITY AS x (e164, area_id, plan, ord)
             WHERE EXISTS (SELECT 1 FROM numbers n WHERE n.e164 = x.e164)
                OR NOT EXISTS (SELECT 1 FROM areas a WHERE a.area_id = x.area_id)
                OR (x.plan IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM rate_plans p WHERE p.rate_plan_id = x.plan))
             ORDER BY x.ord LIMIT 1",
        )
        .await?;
    let invalid = c
        .query_opt(&query, &[&batch.e164, &batch.area_id, &batch.plan])
        .await?
        .map(|row| row.try_get::<_, i64>(0))
        .transpose()?
        .map(|ord| ord as usize - 1);
    let first = match (repeated, invalid) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(first.map(|i| batch.e164[i]))
}
