//! The lexical rules under the v3 shape: which bytes, characters, references,
//! attribute values and XML declaration a request may contain. Nothing here is ever
//! expanded beyond the five predefined entities and character references.

use quick_xml::XmlVersion;
use quick_xml::escape::{EscapeError, resolve_xml_entity};
use quick_xml::events::{BytesDecl, BytesRef, BytesStart};

use super::super::{MAX_BODY_BYTES, MalformedRequest, malformed, snippet};

/// The body as text, once it is known to be small enough, UTF-8 and made only of
/// characters XML allows (quick-xml does not check characters itself).
pub(super) fn body_text(body: &[u8]) -> Result<&str, MalformedRequest> {
    if body.len() > MAX_BODY_BYTES {
        return Err(malformed(format!(
            "the request body is {} bytes long; at most {MAX_BODY_BYTES} bytes are accepted",
            body.len()
        )));
    }
    if body.is_empty() {
        return Err(malformed("the request body is empty"));
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        malformed(format!(
            "the request body is not valid UTF-8 (from byte {})",
            e.valid_up_to()
        ))
    })?;
    if let Some((at, c)) = text.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(malformed(format!(
            "the request body contains U+{:04X} at byte {at}, a character XML does not allow",
            u32::from(c)
        )));
    }
    Ok(text)
}

/// The XML declaration: the only encoding is UTF-8.
pub(super) fn check_declaration(decl: &BytesDecl<'_>) -> Result<(), MalformedRequest> {
    decl.version()
        .map_err(|e| malformed(format!("the XML declaration is not valid: {e}")))?;
    match decl.encoding() {
        None => Ok(()),
        Some(Ok(encoding)) if encoding.eq_ignore_ascii_case("UTF-8") => Ok(()),
        Some(Ok(encoding)) => Err(malformed(format!(
            "the XML declaration names the encoding '{}'; only UTF-8 is accepted",
            snippet(&encoding)
        ))),
        Some(Err(e)) => Err(malformed(format!("the XML declaration is not valid: {e}"))),
    }
}

/// A character reference or one of the five predefined entities, as text. `utf8` holds
/// the encoding of a character reference.
pub(super) fn resolve_reference<'a>(
    reference: &'a BytesRef<'_>,
    utf8: &'a mut [u8; 4],
) -> Result<&'a str, MalformedRequest> {
    let shown = || format!("&{};", snippet(reference));
    match reference.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Ok(c.encode_utf8(utf8)),
        Ok(Some(_)) | Err(_) => Err(malformed(format!(
            "the character reference {} does not name a character XML allows",
            shown()
        ))),
        Ok(None) => resolve_xml_entity(reference).ok_or_else(|| entity_refused(reference)),
    }
}

fn entity_refused(name: &str) -> MalformedRequest {
    malformed(format!(
        "the entity reference &{}; is not allowed: only &amp; &lt; &gt; &apos; &quot; and character references are",
        snippet(name)
    ))
}

/// Every attribute of an element, checked (no duplicates, no unknown entity, legal
/// characters) and normalized; names are exact.
pub(super) fn read_attributes(
    start: &BytesStart<'_>,
    element: &str,
) -> Result<Vec<(String, String)>, MalformedRequest> {
    let element = snippet(element);
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| {
            malformed(format!(
                "the attributes of <{element}> are not well-formed: {e}"
            ))
        })?;
        let key: &str = attribute.key.as_ref();
        let value = attribute
            .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
            .map_err(|e| match e {
                quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
                    entity_refused(&name)
                }
                e => malformed(format!(
                    "the attribute {} of <{element}> is not valid: {e}",
                    snippet(key)
                )),
            })?;
        if !value.chars().all(is_xml_char) {
            return Err(malformed(format!(
                "the attribute {} of <{element}> refers to a character XML does not allow",
                snippet(key)
            )));
        }
        attributes.push((key.to_owned(), value.into_owned()));
    }
    Ok(attributes)
}

/// XML 1.0 `Char`: what may appear in a document at all.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// XML 1.0 `S`: white space between elements.
pub(super) fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}
