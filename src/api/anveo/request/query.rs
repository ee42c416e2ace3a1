//! The v2 transport: a GET query string (`userkey=..&action=..&param[NAME]=..&var[X]=..`)
//! read into an [`ApiRequest`].
//!
//! Every key and every value is decoded on its own (`+` is a space, then percent
//! decoding), so an encoded `&` or `=` inside a value never splits it. `userkey` and
//! `action` match in any letter case because real clients send `USERKEY=`; so do the
//! `param`/`var` prefixes, while the NAME inside the brackets is kept exactly as given.
//! Keys the API does not know are ignored, since clients add cache-busters; like every
//! pair, they must still decode to UTF-8.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

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
    if query.len() > MAX_BODY_BYTES {
        return Err(malformed(format!(
            "the query string is {} bytes long; at most {MAX_BODY_BYTES} bytes are accepted",
            query.len()
        )));
    }
    let mut userkey: Option<String> = None;
    let mut action: Option<String> = None;
    let mut parts = RequestParts::default();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(raw_key, "key")?;
        let value = decode(raw_value, "value")?;
        match classify(&key)? {
            QueryKey::UserKey => set_once(&mut userkey, &value, "userkey")?,
            QueryKey::Action => set_once(&mut action, &value, "action")?,
            QueryKey::Param(name) => {
                parts.add_param(name, &value, &format!("param[{}]", snippet(name)))?
            }
            QueryKey::Variable(name) => {
                parts.add_variable(name, &value, &format!("var[{}]", snippet(name)))?
            }
            QueryKey::Ignored => {}
        }
    }
    let action = action.ok_or_else(|| malformed("the query string has no action"))?;
    if action.trim().is_empty() {
        return Err(malformed("the action in the query string is empty"));
    }
    Ok(parts.into_request(userkey.as_deref().unwrap_or(""), &action))
}

/// `+` as space, then percent decoding; the result must be UTF-8. `what` is "key" or
/// "value", for the error sentence.
fn decode(raw: &str, what: &str) -> Result<String, MalformedRequest> {
    let spaced: Cow<'_, str> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| {
            malformed(format!(
                "the query {what} '{}' does not decode to valid UTF-8",
                snippet(raw)
            ))
        })
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
