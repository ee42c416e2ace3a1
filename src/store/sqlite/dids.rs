//! Reading held numbers back as [`Did`] records (DID.LIST), the exact-match filters they
//! share with DID.UPDATE, and turning stored text back into domain newtypes (a stored
//! value that no longer parses is a backend error, never a panic).

use async_trait::async_trait;
use rusqlite::types::{Type, Value};
use rusqlite::{Connection, Row, params_from_iter};

use super::SqliteStore;
use super::accounts::account_in_tree;
use super::{history, lifecycle};
use crate::domain::did_requests::{
    DidCancelRequest, DidFilter, DidListRequest, DidMoveRequest, DidPage, DidUpdateRequest,
    NumberRecord,
};
use crate::domain::{
    AccountNumber, Channels, Did, DidStatus, DidType, DomainError, E164, Money, RatePlanId, Routing,
};
use crate::store::rules::{ColumnValue, filter_columns, status_condition};
use crate::store::{Dids, StoreResult};

/// Columns of [`did_from_row`], from `numbers n JOIN areas a JOIN countries c`.
pub(super) const DID_SELECT: &str = "SELECT n.e164, n.did_type, n.sms_url, n.sms_email, \
     n.sms_phone, n.call_forward_type, n.call_forward_to, n.state, c.name, a.name, \
     a.area_code, n.monthly100, n.rate_plan_id, n.title, n.account_number, n.assigned_at, \
     n.channels_limit, n.channels_ondemand, n.suspended_at, n.paid_until \
     FROM numbers n JOIN areas a ON a.area_id = n.area_id \
     JOIN countries c ON c.country_id = a.country_id";

fn conversion(column: usize, e: DomainError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e))
}

pub(super) fn stored_account_number(text: String) -> rusqlite::Result<AccountNumber> {
    AccountNumber::parse("stored account number", &text).map_err(|e| conversion(0, e))
}

pub(super) fn did_from_row(row: &Row<'_>) -> rusqlite::Result<Did> {
    let e164: String = row.get(0)?;
    let did_type: String = row.get(1)?;
    let state: String = row.get(7)?;
    let plan: Option<String> = row.get(12)?;
    let holder: Option<String> = row.get(14)?;
    Ok(Did {
        e164: E164::parse("stored e164", &e164).map_err(|e| conversion(0, e))?,
        did_type: DidType::parse("stored did_type", &did_type).map_err(|e| conversion(1, e))?,
        routing: Routing {
            sms_url: row.get(2)?,
            sms_email: row.get(3)?,
            sms_phone: row.get(4)?,
            call_forward_type: row.get(5)?,
            call_forward_to: row.get(6)?,
        },
        status: DidStatus::from_stored(&state, row.get::<_, Option<i64>>(18)?.is_some()),
        country_name: row.get(8)?,
        area_name: row.get(9)?,
        area_code: row.get(10)?,
        monthly: Money(row.get::<_, Option<i64>>(11)?.unwrap_or(0)),
        rate_plan_id: RatePlanId::parse("stored rate_plan_id", plan.as_deref().unwrap_or("SU"))
            .map_err(|e| conversion(12, e))?,
        title: row.get(13)?,
        account_number: stored_account_number(holder.unwrap_or_default())?,
        ordered_at: row.get(15)?,
        paid_until: row.get(19)?,
        channels: Channels {
            limit: row.get(16)?,
            ondemand: row.get(17)?,
        },
    })
}

/// The DIDs with these numbers, in ascending E164 order.
pub(super) fn load_dids(conn: &Connection, numbers: &[String]) -> StoreResult<Vec<Did>> {
    let mut stmt = conn.prepare_cached(&format!("{DID_SELECT} WHERE n.e164 = ?1"))?;
    let mut dids = Vec::with_capacity(numbers.len());
    for number in numbers {
        dids.push(stmt.query_row([number], did_from_row)?);
    }
    dids.sort_by(|a, b| a.e164.cmp(&b.e164));
    Ok(dids)
}

/// A WHERE clause over `numbers n` selecting the holder's numbers that match `filter`,
/// with its parameters (the holder is the first).
pub(super) fn filter_clause(holder: &AccountNumber, filter: &DidFilter) -> (String, Vec<Value>) {
    let mut sql = String::from("n.account_number = ?1");
    let mut values = vec![Value::Text(holder.to_string())];
    for (column, value) in filter_columns(filter) {
        if value == ColumnValue::Null {
            sql.push_str(&format!(" AND n.{column} IS NULL"));
        } else {
            values.push(sql_value(value));
            sql.push_str(&format!(" AND n.{column} = ?{}", values.len()));
        }
    }
    if let Some(status) = filter.status {
        sql.push_str(&format!(" AND {}", status_condition(status)));
    }
    (sql, values)
}

/// A column value as SQLite binds it.
pub(super) fn sql_value(value: ColumnValue) -> Value {
    match value {
        ColumnValue::Text(text) => Value::Text(text),
        ColumnValue::Int(int) => Value::Integer(int),
        ColumnValue::Null => Value::Null,
    }
}

#[async_trait]
impl Dids for SqliteStore {
    async fn list_dids(&self, request: DidListRequest) -> StoreResult<DidPage> {
        self.reads.read(move |conn| list_dids(conn, &request)).await
    }

    async fn update_dids(&self, request: DidUpdateRequest) -> StoreResult<Vec<Did>> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| lifecycle::update_dids(conn, &request, now))
            .await
    }

    async fn move_did(&self, request: DidMoveRequest) -> StoreResult<Did> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| lifecycle::move_did(conn, &request, now))
            .await
    }

    async fn cancel_did(&self, request: DidCancelRequest) -> StoreResult<Did> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| lifecycle::cancel_did(conn, &request, now))
            .await
    }

    async fn release_aged(&self) -> StoreResult<u64> {
        let now = self.clock.now();
        self.writer
            .write(move |conn| lifecycle::release_aged(conn, now))
            .await
    }

    async fn number_record(&self, e164: &E164) -> StoreResult<Option<NumberRecord>> {
        let e164 = e164.to_string();
        self.reads
            .read(move |conn| history::number_record(conn, &e164))
            .await
    }
}

fn list_dids(conn: &Connection, request: &DidListRequest) -> StoreResult<DidPage> {
    account_in_tree(conn, &request.caller, &request.holder)?;
    let (clause, mut values) = filter_clause(&request.holder, &request.filter);
    let held = format!("{clause} AND n.state <> 'available'");
    // The SQL depends only on which filters are set, so each shape is parsed once and
    // then served from the statement cache.
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM numbers n WHERE {held}"))?
        .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
    values.push(Value::Integer(request.limit.map_or(-1, i64::from)));
    values.push(Value::Integer(request.offset.min(i64::MAX as u64) as i64));
    let (limit, offset) = (values.len() - 1, values.len());
    // CAST: a bare bound LIMIT or OFFSET makes SQLite re-prepare the statement on every
    // new binding (see `orders::pick_available`).
    let mut stmt = conn.prepare_cached(&format!(
        "{DID_SELECT} WHERE {held} ORDER BY n.e164
         LIMIT CAST(?{limit} AS INTEGER) OFFSET CAST(?{offset} AS INTEGER)"
    ))?;
    let dids = stmt
        .query_map(params_from_iter(values.iter()), did_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DidPage {
        total: total as u64,
        dids,
    })
}
