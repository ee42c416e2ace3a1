//! The switches' lookup over HTTP (`shared/spec/routing.md`): `GET /route/{e164}`
//! (JSON), `POST /route/kamailio` (rtjson), `POST /route/freeswitch` (mod_xml_curl
//! dialplan) and `GET /route/asterisk` (text for `CURL()`), each behind a routing token
//! ([`access`]) and answered from memory ([`cache`]). The lookup itself is the domain's
//! ([`crate::domain::routing_lookup`]); the files beside this one only render it.

pub mod access;
pub mod asterisk;
pub mod cache;
pub mod freeswitch;
pub mod json;
pub mod kamailio;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::AppState;
use super::form::{decoded_pairs, form_text, read_body};
use crate::domain::E164;
use crate::domain::routing_lookup::{RouteAnswer, RoutingSettings, lookup, parse_called_number};
use cache::RoutingCache;
use json::JsonAnswer;

/// Largest request body a route endpoint reads.
const MAX_BODY_BYTES: usize = 16 * 1024;
/// What switches that cache may keep an answer for.
const CACHE_CONTROL: &str = "max-age=5";

/// The routing settings and the memory of lookups and tokens, shared by the handlers.
pub struct RoutingState {
    pub settings: RoutingSettings,
    pub cache: Arc<RoutingCache>,
}

impl RoutingState {
    pub fn new(settings: RoutingSettings) -> RoutingState {
        RoutingState {
            settings,
            cache: Arc::new(RoutingCache::new()),
        }
    }
}

/// The route endpoints, for the application's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/route/kamailio", post(kamailio_route))
        .route("/route/freeswitch", post(freeswitch_route))
        .route("/route/asterisk", get(asterisk_route))
        .route("/route/{e164}", get(json_route))
}

/// A failed request: 401 for a missing or wrong token, 503 when the store cannot answer.
enum Refusal {
    Unauthorized,
    Unavailable,
    BadRequest(String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"didhub routing\"")],
            )
                .into_response(),
            Refusal::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "1")],
                "the routing store cannot answer now\n",
            )
                .into_response(),
            Refusal::BadRequest(why) => {
                (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response()
            }
        }
    }
}

fn store_failed(e: crate::store::StoreError) -> Refusal {
    tracing::error!(error = %e, "routing lookup failed");
    Refusal::Unavailable
}

async fn authorize(
    app: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(), Refusal> {
    let token = access::presented_token(headers, query).ok_or(Refusal::Unauthorized)?;
    match access::token_is_valid(&app.routing, app.store.as_ref(), &token).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Refusal::Unauthorized),
        Err(e) => Err(store_failed(e)),
    }
}

/// The lookup, from memory when it can be.
async fn answer(app: &AppState, e164: E164) -> Result<Arc<RouteAnswer>, Refusal> {
    let cache = &app.routing.cache;
    if let Some(answer) = cache.answer(&e164) {
        return Ok(answer);
    }
    let started = cache.generation();
    let record = app.store.route_record(&e164).await.map_err(store_failed)?;
    let answer = Arc::new(lookup(e164, record.as_ref(), &app.routing.settings));
    cache.remember_answer(started, answer.clone());
    Ok(answer)
}

fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    response
}

const JSON: &str = "application/json";

/// `GET /route/{e164}`: 200 when found, 404 (`reason: "not_found"`) otherwise.
async fn json_route(
    State(app): State<AppState>,
    Path(number): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    authorize(&app, &headers, query.as_deref()).await?;
    let Some(e164) = parse_called_number(&number) else {
        let body = json::render(&JsonAnswer::not_a_number(&number));
        return Ok(reply(StatusCode::NOT_FOUND, JSON, body));
    };
    let answer = answer(&app, e164).await?;
    let status = if answer.found() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(reply(status, JSON, json::render(&JsonAnswer::of(&answer))))
}

/// `POST /route/kamailio`: a JSON body naming the number; always 200 once authorized.
async fn kamailio_route(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    authorize(&app, &headers, query.as_deref()).await?;
    let body = read_body(body, MAX_BODY_BYTES)
        .await
        .map_err(Refusal::BadRequest)?;
    let request: kamailio::KamailioQuery = serde_json::from_slice(&body).map_err(|e| {
        Refusal::BadRequest(format!(
            "expected a JSON object with ruri_user, to_uri or e164: {e}"
        ))
    })?;
    let candidates: Vec<&str> = request.candidates().collect();
    let Some(first) = candidates.first() else {
        return Err(Refusal::BadRequest(
            "expected at least one of ruri_user, to_uri or e164".into(),
        ));
    };
    let body = match candidates.iter().find_map(|c| parse_called_number(c)) {
        Some(e164) => {
            let answer = answer(&app, e164).await?;
            kamailio::render(&JsonAnswer::of(&answer))
        }
        None => kamailio::render(&JsonAnswer::not_a_number(first)),
    };
    Ok(reply(StatusCode::OK, JSON, body))
}

const XML: &str = "text/xml";

/// `POST /route/freeswitch`: mod_xml_curl's form; always 200 once authorized.
async fn freeswitch_route(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Refusal> {
    authorize(&app, &headers, query.as_deref()).await?;
    let body = read_body(body, MAX_BODY_BYTES)
        .await
        .map_err(Refusal::BadRequest)?;
    let text = form_text(&body).map_err(Refusal::BadRequest)?;
    let pairs = decoded_pairs(text, "form body", MAX_BODY_BYTES).map_err(Refusal::BadRequest)?;
    let request = freeswitch::DialplanQuery::from_pairs(&pairs);
    let number = request.destination.as_deref().and_then(parse_called_number);
    let body = match number {
        Some(e164) if request.section == "dialplan" => {
            let answer = answer(&app, e164).await?;
            freeswitch::render(
                &answer,
                &request.context,
                &app.routing.settings.freeswitch_profile,
            )
        }
        _ => freeswitch::not_found(),
    };
    Ok(reply(StatusCode::OK, XML, body))
}

const TEXT: &str = "text/plain; charset=utf-8";

/// `GET /route/asterisk?did=E164`: Dial strings; always 200 once authorized.
async fn asterisk_route(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Refusal> {
    authorize(&app, &headers, query.as_deref()).await?;
    let number = access::query_value(query.as_deref(), "did");
    let body = match number.as_deref().and_then(parse_called_number) {
        Some(e164) => {
            let answer = answer(&app, e164).await?;
            asterisk::render(&answer, &app.routing.settings.asterisk_endpoint)
        }
        None => String::new(),
    };
    Ok(reply(StatusCode::OK, TEXT, body))
}
