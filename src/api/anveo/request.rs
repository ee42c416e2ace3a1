//! Reading an API call off the wire. Both transports of `anveo-api.md` §1, the v3 XML
//! `REQUEST` document (POST body, [`parse_v3`]) and the v2 query string (GET,
//! [`parse_v2`]), become one [`ApiRequest`]; whatever cannot be read becomes a
//! [`MalformedRequest`], which the API answers with `MALFORMED_REQUEST`.
//!
//! This module owns only the *shape* of a request. Whether the key is valid, the action
//! exists or a parameter makes sense is decided later, so a request that reads fine here
//! may still fail (an empty USERKEY, for one, is read and then fails authentication).
//!
//! The XML reader is strict on purpose, because its input is hostile until proven
//! otherwise: no DOCTYPE, no entity but the five predefined ones (character references
//! are resolved, nothing else is ever expanded), UTF-8 only, at most [`MAX_BODY_BYTES`],
//! and exactly the elements of the documented shape. Unknown *attributes* are ignored
//! (after their values are checked like any other), so a client that adds an `xmlns`
//! still works.

mod query;
mod xml;

use std::collections::BTreeMap;

use crate::api::form::snippet;

pub use query::{parse_v2, parse_v2_form};
pub(crate) use xml::is_xml_char;
pub use xml::parse_v3;

/// The largest v3 body or v2 query string read, in bytes; anything larger is rejected
/// before it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a request could not be read; becomes MALFORMED_REQUEST. The String is a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedRequest(pub String);

/// Shorthand for building a [`MalformedRequest`].
fn malformed(sentence: impl Into<String>) -> MalformedRequest {
    MalformedRequest(sentence.into())
}

/// One API call, whichever transport carried it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiRequest {
    /// The API key, trimmed; may be empty (authentication fails it later, not here).
    pub userkey: String,
    /// The action name, trimmed, as given (the dispatcher matches it); never empty.
    pub action: String,
    /// PARAMETER NAME (v3) or `param[NAME]` (v2) -> trimmed value (may be empty).
    params: BTreeMap<String, String>,
    /// `PARAMETER NAME="VARIABLE" VARIABLENAME="X"` (v3) or `var[X]` (v2) -> trimmed value.
    variables: BTreeMap<String, String>,
}

impl ApiRequest {
    pub fn new(userkey: impl Into<String>, action: impl Into<String>) -> Self {
        ApiRequest {
            userkey: userkey.into(),
            action: action.into(),
            ..ApiRequest::default()
        }
    }

    /// Adds (or replaces) a parameter, value as given (no trimming): for tests and for
    /// code that builds requests internally.
    pub fn with_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }

    /// Adds (or replaces) a variable, value as given; the counterpart of
    /// [`ApiRequest::with_param`].
    pub fn with_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// The value of a parameter; names are exact (case sensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// Every parameter, in name order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The value of a variable; names are exact (case sensitive).
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables.get(name).map(String::as_str)
    }

    /// Every variable, in name order.
    pub fn variables(&self) -> impl Iterator<Item = (&str, &str)> {
        self.variables.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Collects the parts of a request while a parser reads them, refusing a name given twice.
#[derive(Default)]
struct RequestParts {
    params: BTreeMap<String, String>,
    variables: BTreeMap<String, String>,
}

impl RequestParts {
    /// Stores a parameter; `shown` is how the name is written in the error sentence.
    fn add_param(&mut self, name: &str, value: &str, shown: &str) -> Result<(), MalformedRequest> {
        insert_once(&mut self.params, name, value, shown)
    }

    fn add_variable(
        &mut self,
        name: &str,
        value: &str,
        shown: &str,
    ) -> Result<(), MalformedRequest> {
        insert_once(&mut self.variables, name, value, shown)
    }

    fn into_request(self, userkey: &str, action: &str) -> ApiRequest {
        ApiRequest {
            userkey: userkey.trim().to_owned(),
            action: action.trim().to_owned(),
            params: self.params,
            variables: self.variables,
        }
    }
}

fn insert_once(
    map: &mut BTreeMap<String, String>,
    name: &str,
    value: &str,
    shown: &str,
) -> Result<(), MalformedRequest> {
    if map.contains_key(name) {
        return Err(malformed(format!("{shown} is given more than once")));
    }
    map.insert(name.to_owned(), value.trim().to_owned());
    Ok(())
}

#[cfg(test)]
mod tests;
