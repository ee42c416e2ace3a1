//! A small reader for didhub's XML responses, so tests can assert on their parts. An
//! error is read as the contract writes it, `<ERROR>CODE: sentence</ERROR>` with no
//! attribute; the code is what precedes the first `: `.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// A parsed `<RESPONSE>`.
#[derive(Debug, Default, Clone)]
pub struct Reply {
    pub result: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The `X-Didhub-Error-Code` header, when the reply came over HTTP.
    pub header_code: Option<String>,
    pub values: Vec<(String, String)>,
    /// Every `DID` element's attributes, in document order.
    pub dids: Vec<Vec<(String, String)>>,
    /// Every other element with attributes (COUNTRY, STATE, AREA, RATE_PLAN): name, attrs.
    pub elements: Vec<(String, Vec<(String, String)>)>,
    pub raw: String,
}

impl Reply {
    pub fn parse(raw: &str) -> Reply {
        let mut reply = Reply {
            raw: raw.to_owned(),
            ..Reply::default()
        };
        let mut reader = Reader::from_str(raw);
        let mut path: Vec<String> = Vec::new();
        let mut text = String::new();
        let mut value_name = String::new();
        loop {
            match reader
                .read_event()
                .expect("the response is well-formed XML")
            {
                Event::Start(e) => {
                    let name = name_of(&e);
                    if name == "VALUE" {
                        value_name = attr(&e, "NAME").unwrap_or_default();
                    }
                    if name == "ERROR" {
                        assert!(attrs(&e).is_empty(), "ERROR carries no attribute:\n{raw}");
                    }
                    if name == "AREA" {
                        reply.elements.push((name.clone(), attrs(&e)));
                    }
                    path.push(name);
                    text.clear();
                }
                Event::Empty(e) => {
                    let name = name_of(&e);
                    if name == "DID" {
                        reply.dids.push(attrs(&e));
                    } else {
                        reply.elements.push((name, attrs(&e)));
                    }
                }
                Event::Text(t) => text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                        .or_else(|| {
                            quick_xml::escape::resolve_predefined_entity(&r).map(String::from)
                        })
                        .expect("only predefined entities in responses");
                    text.push_str(&resolved);
                }
                Event::End(_) => {
                    match path.pop().as_deref() {
                        Some("RESULT") => reply.result = text.trim().to_owned(),
                        Some("ERROR") => {
                            let text = text.trim();
                            let (code, message) = text.split_once(": ").unwrap_or((text, ""));
                            reply.error_code = Some(code.to_owned());
                            reply.error_message = Some(message.to_owned());
                        }
                        Some("VALUE") => reply
                            .values
                            .push((value_name.clone(), text.trim().to_owned())),
                        _ => {}
                    }
                    text.clear();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        reply
    }

    pub fn code(&self) -> &str {
        self.error_code.as_deref().unwrap_or("")
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The attribute `name` of every DID.
    pub fn did_attr(&self, name: &str) -> Vec<String> {
        self.dids
            .iter()
            .map(|d| get(d, name).unwrap_or_default())
            .collect()
    }

    /// Asserts success (RESULT is SUCCESS, or a value such as a balance, and there is
    /// no ERROR), showing the whole reply otherwise.
    #[track_caller]
    pub fn assert_success(&self) -> &Reply {
        assert!(
            !self.result.is_empty() && self.result != "ERROR" && self.error_code.is_none(),
            "expected SUCCESS, got:\n{}",
            self.raw
        );
        assert!(
            self.header_code.is_none(),
            "a success carries no X-Didhub-Error-Code:\n{}",
            self.raw
        );
        self
    }

    /// Asserts an ERROR with this code, showing the whole reply otherwise.
    #[track_caller]
    pub fn assert_error(&self, code: &str) -> &Reply {
        assert_eq!(
            self.result, "ERROR",
            "expected ERROR {code}, got:\n{}",
            self.raw
        );
        assert_eq!(self.code(), code, "wrong code in:\n{}", self.raw);
        if let Some(header) = &self.header_code {
            assert_eq!(header, code, "X-Didhub-Error-Code of:\n{}", self.raw);
        }
        assert!(
            self.values.is_empty() && self.dids.is_empty() && self.elements.is_empty(),
            "an error answer holds RESULT and ERROR only:\n{}",
            self.raw
        );
        assert!(
            self.error_message.as_deref().is_some_and(|m| !m.is_empty()),
            "an error needs a message:\n{}",
            self.raw
        );
        self
    }
}

pub fn get(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

fn name_of(e: &BytesStart<'_>) -> String {
    e.name().into_inner().to_owned()
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    get(&attrs(e), name)
}

fn attrs(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            let key = a.key.into_inner().to_owned();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("escaped attribute")
                .into_owned();
            (key, value)
        })
        .collect()
}
