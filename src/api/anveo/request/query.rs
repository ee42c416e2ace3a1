//! The v2 transport: a GET query string (`userkey=..&action=..&param[NAME]=..&var[X]=..`)
//! read into an [`ApiRequest`] ([`parse_v2`]), or the same keys POSTed as a form body,
//! possibly with more of them in the query string ([`parse_v2_form`]).
//!
//! Every key and every value is decoded on its own (`+` is a space, then percent
//! decoding), so an encoded `&` or `=` inside a value never splits it. `userkey` and
//! `action` match in any letter case because real clients send `USERKEY=`; so do the
//! `param`/`var` prefixes, while the NAME inside the brackets is kept exactly as given.
//! Keys the API does not know are ignored, since clients add cache-busters; like every
//! pair, they must still decode to UTF-8.

use crate::api::form;

use super::{ApiRequest, MAX_BODY_BYTES, MalformedRequest, RequestParts, malformed, snippet};

/// What a decoded query key means.
enum QueryKey<'k> {
    UserKey,
    Action,
    Param(&'k str),
    Variable(&'k str),
    Ignored,
}

/// Reads a raw query string (without the leading `?`).
pub fn parse_v2(query: &str) -> Result<ApiRequest, MalformedRequest> {
    request_from_pairs(decoded_pairs(query, "query string")?)
}

/// Reads a POSTed form body (`application/x-www-form-urlencoded`) together with the
/// query string of the same request: the keys of both count, and a key given in both
/// must have the same value in both (once it counts once), else the request is refused.
pub fn parse_v2_form(query: &str, form: &str) -> Result<ApiRequest, MalformedRequest> {
    let mut pairs = decoded_pairs(query, "query string")?;
    let from_query = pairs.len();
    for (key, value) in decoded_pairs(form, "form body")? {
        let same_key = |(k, _): &&(String, String)| canonical_key(k) == canonical_key(&key);
        match pairs[..from_query].iter().find(same_key) {
            Some((_, given)) if *given == value => {}
            Some(_) => {
                return Err(malformed(format!(
                    "the key '{}' is given in both the query string and the form body, \
                     with different values",
                    snippet(&key)
                )));
            }
            None => pairs.push((key, value)),
        }
    }
    request_from_pairs(pairs)
}

/// Every pair of a query string or form body, decoded ([`crate::api::form`]).
fn decoded_pairs(source: &str, what: &str) -> Result<Vec<(String, String)>, MalformedRequest> {
    form::decoded_pairs(source, what, MAX_BODY_BYTES).map_err(MalformedRequest)
}

fn request_from_pairs(pairs: Vec<(String, String)>) -> Result<ApiRequest, MalformedRequest> {
    let mut userkey: Option<String> = None;
    let mut action: Option<String> = None;
    let mut parts = RequestParts::default();
    for (key, value) in &pairs {
        match classify(key)? {
            QueryKey::UserKey => set_once(&mut userkey, value, "userkey")?,
            QueryKey::Action => set_once(&mut action, value, "action")?,
            QueryKey::Param(name) => {
                parts.add_param(name, value, &format!("param[{}]", snippet(name)))?
            }
            QueryKey::Variable(name) => {
                parts.add_variable(name, value, &format!("var[{}]", snippet(name)))?
            }
            QueryKey::Ignored => {}
        }
    }
    let action = action.ok_or_else(|| malformed("the request gives no action"))?;
    if action.trim().is_empty() {
        return Err(malformed("the action of the request is empty"));
    }
    Ok(parts.into_request(userkey.as_deref().unwrap_or(""), &action))
}

/// A decoded key as it counts: `USERKEY` and `userkey` are the same key, and so are
/// `PARAM[X]` and `param[X]` (the NAME inside the brackets is exact).
fn canonical_key(key: &str) -> String {
    match classify(key) {
        Ok(QueryKey::UserKey) => "userkey".to_owned(),
        Ok(QueryKey::Action) => "action".to_owned(),
        Ok(QueryKey::Param(name)) => format!("param[{name}]"),
        Ok(QueryKey::Variable(name)) => format!("var[{name}]"),
        Ok(QueryKey::Ignored) | Err(_) => key.to_owned(),
    }
}

fn classify(key: &str) -> Result<QueryKey<'_>, MalformedRequest> {
    if key.eq_ignore_ascii_case("userkey") {
        return Ok(QueryKey::UserKey);
    }
    if key.eq_ignore_ascii_case("action") {
        return Ok(QueryKey::Action);
    }
    if let Some(name) = bracketed(key, "param[")? {
        return Ok(QueryKey::Param(name));
    }
    if let Some(name) = bracketed(key, "var[")? {
        return Ok(QueryKey::Variable(name));
    }
    Ok(QueryKey::Ignored)
}

/// The NAME of a `prefixNAME]` key whose prefix matches in any letter case; `None` when
/// the key does not start with the prefix at all.
fn bracketed<'k>(key: &'k str, prefix: &str) -> Result<Option<&'k str>, MalformedRequest> {
    let starts = key
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix));
    if !starts {
        return Ok(None);
    }
    let name = key[prefix.len()..]
        .strip_suffix(']')
        .filter(|name| !name.is_empty() && !name.contains(['[', ']']));
    match name {
        Some(name) => Ok(Some(name)),
        None => Err(malformed(format!(
            "the query key '{}' is not of the form {}NAME]",
            snippet(key),
            prefix
        ))),
    }
}

fn set_once(slot: &mut Option<String>, value: &str, key: &str) -> Result<(), MalformedRequest> {
    if slot.is_some() {
        return Err(malformed(format!(
            "the query string gives {key} more than once"
        )));
    }
    *slot = Some(value.to_owned());
    Ok(())
}

#[cfg(test)]
mod tests;
