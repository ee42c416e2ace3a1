//! Filling a number's `SMS_URL` template (`sms.md`): `$[from]$`, `$[to]$` and
//! `$[message]$` (any letter case inside the brackets) become the URL-encoded sender,
//! receiver and text; a URL with none of them gets `from`, `to` and `message` appended
//! as query parameters.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a value may keep unencoded in a URL: RFC 3986's unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// The URL to call for a message from `from` to `to` with `text`.
pub fn fill_sms_url(template: &str, from: &str, to: &str, text: &str) -> String {
    let mut filled = String::with_capacity(template.len() + text.len() * 3);
    let mut replaced = false;
    let mut rest = template;
    while let Some(start) = rest.find("$[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]$") else {
            break;
        };
        let value = match after[..end].to_ascii_lowercase().as_str() {
            "from" => Some(from),
            "to" => Some(to),
            "message" => Some(text),
            _ => None,
        };
        match value {
            Some(value) => {
                filled.push_str(&rest[..start]);
                filled.push_str(&encode(value));
                replaced = true;
                rest = &after[end + 2..];
            }
            None => {
                filled.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    if replaced {
        return filled;
    }
    let (base, fragment) = match filled.split_once('#') {
        Some((base, fragment)) => (base.to_owned(), Some(fragment.to_owned())),
        None => (filled, None),
    };
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    let mut url = format!(
        "{base}{separator}from={}&to={}&message={}",
        encode(from),
        encode(to),
        encode(text)
    );
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(&fragment);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_in_any_case_and_encoded() {
        assert_eq!(
            fill_sms_url(
                "https://x.example/in?f=$[from]$&t=$[TO]$&m=$[Message]$",
                "447700900123",
                "12125550100",
                "Tom & Jerry: 5€ ok?"
            ),
            "https://x.example/in?f=447700900123&t=12125550100&m=Tom%20%26%20Jerry%3A%205%E2%82%AC%20ok%3F"
        );
        assert_eq!(
            fill_sms_url(
                "https://x.example/$[to]$/sms?text=$[message]$",
                "A",
                "1",
                "a/b"
            ),
            "https://x.example/1/sms?text=a%2Fb"
        );
    }

    #[test]
    fn unknown_or_unclosed_placeholders_stay_as_they_are() {
        assert_eq!(
            fill_sms_url(
                "https://x.example/?a=$[other]$&m=$[message]$",
                "1",
                "2",
                "hi"
            ),
            "https://x.example/?a=$[other]$&m=hi"
        );
        assert_eq!(
            fill_sms_url("https://x.example/?m=$[message", "1", "2", "hi"),
            "https://x.example/?m=$[message&from=1&to=2&message=hi"
        );
    }

    #[test]
    fn a_url_without_placeholders_gets_query_parameters() {
        assert_eq!(
            fill_sms_url("https://x.example/sms", "Bank", "12125550100", "a b"),
            "https://x.example/sms?from=Bank&to=12125550100&message=a%20b"
        );
        assert_eq!(
            fill_sms_url("https://x.example/sms?key=k", "1", "2", "x"),
            "https://x.example/sms?key=k&from=1&to=2&message=x"
        );
        assert_eq!(
            fill_sms_url("https://x.example/sms?#top", "1", "2", "x"),
            "https://x.example/sms?from=1&to=2&message=x#top"
        );
    }
}
