//! URL-encoded `key=value` pairs, as query strings and form bodies carry them, and the
//! bounded reading of request bodies, for every surface that reads them (the v2/v3 API
//! and the v1 SMS gateway).
//!
//! Every key and every value is decoded on its own (`+` is a space, then percent
//! decoding), so an encoded `&` or `=` inside a value never splits it, and a value that
//! a client did not encode at all (`param[SMS_URL]=http://host/x?a=b`, a raw `%`) reads
//! as written. Whatever does not decode to UTF-8 is refused with a sentence saying why.

use std::borrow::Cow;

use axum::body::{Body, Bytes, to_bytes};
use percent_encoding::percent_decode_str;

/// A request body of at most `max_bytes`, or the sentence saying why it was not read.
pub async fn read_body(body: Body, max_bytes: usize) -> Result<Bytes, String> {
    to_bytes(body, max_bytes).await.map_err(|_| {
        format!("the request body is larger than {max_bytes} bytes or could not be read")
    })
}

/// A form body as text: UTF-8, its values percent-encoded.
pub fn form_text(body: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(body)
        .map_err(|_| "the form body is not valid UTF-8 (percent-encode its values)".to_owned())
}

/// Client text quoted in an error sentence, cut short so a hostile request cannot make
/// the error answer as large as itself.
pub fn snippet(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Every pair of `source`, in order, decoded. `what` names the source in the error
/// sentence ("query string", "form body"); a source over `max_bytes` is refused unread.
pub fn decoded_pairs(
    source: &str,
    what: &str,
    max_bytes: usize,
) -> Result<Vec<(String, String)>, String> {
    if source.len() > max_bytes {
        return Err(format!(
            "the {what} is {} bytes long; at most {max_bytes} bytes are accepted",
            source.len()
        ));
    }
    source
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((
                decode(raw_key, what, "key")?,
                decode(raw_value, what, "value")?,
            ))
        })
        .collect()
}

/// `+` as space, then percent decoding; the result must be UTF-8.
fn decode(raw: &str, what: &str, part: &str) -> Result<String, String> {
    let spaced: Cow<'_, str> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| {
            format!(
                "the {what} {part} '{}' does not decode to valid UTF-8",
                snippet(raw)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::decoded_pairs;

    #[test]
    fn keys_and_values_decode_on_their_own() {
        let pairs = decoded_pairs("a=1%262&b%3D=x+y&c", "query string", 100).unwrap();
        assert_eq!(
            pairs,
            [
                ("a".to_owned(), "1&2".to_owned()),
                ("b=".to_owned(), "x y".to_owned()),
                ("c".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn values_a_client_did_not_encode_read_as_written() {
        let pairs = decoded_pairs("u=http://h/x?a=b&t=100%&s=$[from]$", "form body", 100).unwrap();
        assert_eq!(pairs[0].1, "http://h/x?a=b");
        assert_eq!(pairs[1].1, "100%");
        assert_eq!(pairs[2].1, "$[from]$");
    }

    #[test]
    fn invalid_utf8_and_oversized_sources_are_refused() {
        let e = decoded_pairs("a=%FF", "form body", 100).unwrap_err();
        assert!(e.contains("form body value '%FF'"), "{e}");
        let e = decoded_pairs(&"a".repeat(101), "query string", 100).unwrap_err();
        assert!(e.contains("101 bytes"), "{e}");
    }
}
