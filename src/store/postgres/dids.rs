//! Reading held numbers back as [`Did`] records (DID.LIST), the exact-match filters they
//! share with DID.UPDATE, and turning stored text back into domain newtypes (a stored
//! value that no longer parses is a backend error, never a panic).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{PostgresStore, begin, finish, history, lifecycle};
use crate::domain::did_requests::{
    DidCancelRequest, DidFilter, DidListRequest, DidMoveRequest, DidPage, DidUpdateRequest,
    NumberRecord,
};
use crate::domain::{
    AccountNumber, Channels, Did, DidStatus, DidType, DomainError, E164, Money, RatePlanId, Routing,
};
use crate::store::rules::{ColumnValue, filter_columns, status_condition};
use crate::store::{Dids, StoreError, StoreResult};

/// How many columns [`DID_SELECT`] has.
const DID_COLUMNS: usize = 20;

/// Columns of [`did_from_row`], from `numbers n JOIN areas a JOIN countries c`.
pub(super) const DID_SELECT: &str = "SELECT n.e164, n.did_type, n.sms_url, n.sms_email, \
     n.sms_phone, n.call_forward_type, n.call_forward_to, n.state, c.name, a.name, \
     a.area_code, n.monthly100, n.rate_plan_id, n.title, n.account_number, n.assigned_at, \
     n.channels_limit, n.channels_ondemand, n.suspended_at, n.paid_until \
     FROM numbers n JOIN areas a ON a.area_id = n.area_id \
     JOIN countries c ON c.country_id = a.country_id";

fn stored(column: &str, e: DomainError) -> StoreError {
    StoreError::Backend(format!("stored {column} does not parse: {e}"))
}

pub(super) fn stored_account_number(text: String) -> StoreResult<AccountNumber> {
    AccountNumber::parse("stored account number", &text).map_err(|e| stored("account", e))
}

pub(super) fn stored_e164(text: &str) -> StoreResult<E164> {
    E164::parse("stored e164", text).map_err(|e| stored("e164", e))
}

/// A stored channel count (BIGINT) back as the domain's `u32`.
fn stored_count(count: Option<i64>) -> StoreResult<Option<u32>> {
    count
        .map(|c| u32::try_from(c).map_err(|_| StoreError::Backend(format!("stored count {c}"))))
        .transpose()
}

pub(super) fn did_from_row(row: &Row) -> StoreResult<Did> {
    let e164: String = row.try_get(0)?;
    let did_type: String = row.try_get(1)?;
    let state: String = row.try_get(7)?;
    let plan: Option<String> = row.try_get(12)?;
    let holder: Option<String> = row.try_get(14)?;
    Ok(Did {
        e164: stored_e164(&e164)?,
        did_type: DidType::parse("stored did_type", &did_type)
            .map_err(|e| stored("did_type", e))?,
        routing: Routing {
            sms_url: row.try_get(2)?,
            sms_email: row.try_get(3)?,
            sms_phone: row.try_get(4)?,
            call_forward_type: row.try_get(5)?,
            call_forward_to: row.try_get(6)?,
        },
        status: DidStatus::from_stored(&state, row.try_get::<_, Option<i64>>(18)?.is_some()),
        country_name: row.try_get(8)?,
        area_name: row.try_get(9)?,
        area_code: row.try_get(10)?,
        monthly: Money(row.try_get::<_, Option<i64>>(11)?.unwrap_or(0)),
        rate_plan_id: RatePlanId::parse("stored rate_plan_id", plan.as_deref().unwrap_or("SU"))
            .map_err(|e| stored("rate_plan_id", e))?,
        title: row.try_get(13)?,
        account_number: stored_account_number(holder.unwrap_or_default())?,
        ordered_at: row.try_get(15)?,
        paid_until: row.try_get(19)?,
        channels: Channels {
            limit: stored_count(row.try_get(16)?)?,
            ondemand: stored_count(row.try_get(17)?)?,
        },
    })
}

/// The DIDs with these numbers, in ascending E164 order.
pub(super) async fn load_dids(c: &impl GenericClient, numbers: &[String]) -> StoreResult<Vec<Did>> {
    let query = c
        .prepare_cached(&format!(
            "{DID_SELECT} WHERE n.e164 = ANY($1) ORDER BY n.e164"
        ))
        .await?;
    let rows = c.query(&query, &[&numbers]).await?;
    rows.iter().map(did_from_row).collect()
}

/// A bound parameter of a query built at run time.
pub(super) type SqlValue = Box<dyn ToSql + Sync + Send>;

/// A column value as PostgreSQL binds it.
pub(super) fn sql_value(value: ColumnValue) -> SqlValue {
    match value {
        ColumnValue::Text(text) => Box::new(text),
        ColumnValue::Int(int) => Box::new(int),
        ColumnValue::Null => Box::new(None::<i64>),
    }
}

/// A WHERE clause over `numbers n` selecting the holder's numbers that match `filter`,
/// with its parameters (the holder is the first).
pub(super) fn filter_clause(holder: &AccountNumber, filter: &DidFilter) -> (String, Vec<SqlValue>) {
    let mut sql = String::from("n.account_number = $1");
    let mut values: Vec<SqlValue> = vec![Box::new(holder.to_string())];
    for (column, value) in filter_columns(filter) {
        if value == ColumnValue::Null {
            sql.push_str(&format!(" AND n.{column} IS NULL"));
        } else {
            values.push(sql_value(value));
            sql.push_str(&format!(" AND n.{column} = ${}", values.len()));
        }
    }
    if let Some(status) = filter.status {
        sql.push_str(&format!(" AND {}", status_condition(status)));
    }
    (sql, values)
}

/// Parameters for a query, in order.
pub(super) fn as_params(values: &[SqlValue]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

#[async_trait]
impl Dids for PostgresStore {
    async fn list_dids(&self, request: DidListRequest) -> StoreResult<DidPage> {
        let client = self.client().await?;
        list_dids(&client, &request).await
    }

    async fn update_dids(&self, request: DidUpdateRequest) -> StoreResult<Vec<Did>> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = lifecycle::update_dids(&tx, &request, now).await;
        finish(tx, outcome).await
    }

    async fn move_did(&self, request: DidMoveRequest) -> StoreResult<Did> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = lifecycle::move_did(&tx, &request, now).await;
        finish(tx, outcome).await
    }

    async fn cancel_did(&self, request: DidCancelRequest) -> StoreResult<Did> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = lifecycle::cancel_did(&tx, &request, now).await;
        finish(tx, outcome).await
    }

    async fn release_aged(&self) -> StoreResult<u64> {
        let now = self.clock.now();
        let mut client = self.client().await?;
        let tx = begin(&mut client).await?;
        let outcome = lifecycle::release_aged(&tx, now).await;
        finish(tx, outcome).await
    }

    async fn number_record(&self, e164: &E164) -> StoreResult<Option<NumberRecord>> {
        let client = self.client().await?;
        history::number_record(&client, e164.as_str()).await
    }
}

/// DID.LIST in one round trip: the holder (whether it exists and its main account, for
/// [`crate::domain::Caller::may_act_for_number`]), the count of all matches and the page, in one
/// statement. Its first row always carries the holder and the count; the page's columns
/// are NULL there when the page is empty.
async fn list_dids(c: &impl GenericClient, request: &DidListRequest) -> StoreResult<DidPage> {
    let (clause, values) = filter_clause(&request.holder, &request.filter);
    let held = format!("{clause} AND n.state <> 'available'");
    let mut params = as_params(&values);
    let limit: Option<i64> = request.limit.map(i64::from);
    let offset = request.offset.min(i64::MAX as u64) as i64;
    params.push(&limit);
    params.push(&offset);
    let (limit_at, offset_at) = (params.len() - 1, params.len());
    let query = c
        .prepare_cached(&format!(
            "SELECT page.*, h.parent_account_number, h.account_number IS NOT NULL, t.total
             FROM (SELECT 1) one
             LEFT JOIN accounts h ON h.account_number = $1
             CROSS JOIN (SELECT COUNT(*) AS total FROM numbers n WHERE {held}) t
             LEFT JOIN ({DID_SELECT} WHERE {held}
                        ORDER BY n.e164 LIMIT ${limit_at} OFFSET ${offset_at}) page ON true
             ORDER BY page.e164"
        ))
        .await?;
    let rows = c.query(&query, &params).await?;
    let first = rows
        .first()
        .ok_or_else(|| StoreError::Backend("DID.LIST answered no row".into()))?;
    let parent = first
        .try_get::<_, Option<String>>(DID_COLUMNS)?
        .map(stored_account_number)
        .transpose()?;
    let exists: bool = first.try_get(DID_COLUMNS + 1)?;
    if !exists
        || !request
            .caller
            .may_act_for_number(&request.holder, parent.as_ref())
    {
        return Err(DomainError::AccountNotFound(request.holder.to_string()).into());
    }
    let total: i64 = first.try_get(DID_COLUMNS + 2)?;
    let mut dids = Vec::with_capacity(rows.len());
    for row in &rows {
        if row.try_get::<_, Option<String>>(0)?.is_some() {
            dids.push(did_from_row(row)?);
        }
    }
    Ok(DidPage {
        total: total as u64,
        dids,
    })
}
