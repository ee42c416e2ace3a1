//! ANVEO.COUNTRIES.LIST, ANVEO.STATES.LIST and ANVEO.AREAS.LIST (`anveo-api.md` §4.6):
//! countries → states → areas → DID.ORDER. Only places with stock are listed.

use crate::api::AppState;
use crate::domain::{CountryId, DidType, DomainError};
use crate::store::AreaScope;

use super::super::error::ApiError;
use super::super::params::{optional, required};
use super::super::request::ApiRequest;
use super::super::response::{Body, Response};

fn optional_type(request: &ApiRequest) -> Result<Option<DidType>, DomainError> {
    optional(request, "DID_TYPE")
        .map(|t| DidType::parse("DID_TYPE", t))
        .transpose()
}

pub async fn countries(app: &AppState, request: &ApiRequest) -> Result<Response, ApiError> {
    let countries = app.store.list_countries(optional_type(request)?).await?;
    Ok(Response::success().with_body(Body::Countries(countries)))
}

pub async fn states(app: &AppState, request: &ApiRequest) -> Result<Response, ApiError> {
    let country = CountryId::parse("COUNTRY_ID", required(request, "COUNTRY_ID")?)?;
    let states = app
        .store
        .list_states(&country, optional_type(request)?)
        .await?;
    Ok(Response::success().with_body(Body::States(states)))
}

/// Needs DID_TYPE and one of COUNTRY_ID or STATE_ID (STATE_ID wins when both are given,
/// and must then belong to that country).
pub async fn areas(app: &AppState, request: &ApiRequest) -> Result<Response, ApiError> {
    let did_type = DidType::parse("DID_TYPE", required(request, "DID_TYPE")?)?;
    let country = optional(request, "COUNTRY_ID")
        .map(|c| CountryId::parse("COUNTRY_ID", c))
        .transpose()?;
    let scope = match (optional(request, "STATE_ID"), country) {
        (Some(state), country) => {
            if let Some(country) = country
                && !state.starts_with(&format!("{}-", country.as_str()))
            {
                return Err(DomainError::invalid(
                    "STATE_ID",
                    state,
                    format!("not a state of COUNTRY_ID {country}"),
                )
                .into());
            }
            AreaScope::State(state.to_owned())
        }
        (None, Some(country)) => AreaScope::Country(country),
        (None, None) => return Err(DomainError::missing("COUNTRY_ID or STATE_ID").into()),
    };
    let areas = app.store.list_areas(did_type, scope).await?;
    Ok(Response::success().with_body(Body::Areas(areas)))
}
