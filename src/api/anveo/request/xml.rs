//! The v3 transport: an XML `REQUEST` document read into an [`ApiRequest`].
//!
//! quick-xml hands us a stream of events; [`Document`] is a small state machine over
//! them that knows the one shape a request may have (`anveo-api.md` §1):
//!
//! ```text
//! REQUEST ─┬─ USERTOKEN ── USERKEY (text)
//!          └─ ACTION NAME ── PARAMETER NAME [VARIABLENAME] (text) ...
//! ```
//!
//! Everything else is refused with a sentence naming what is wrong. Entity references
//! reach us as their own events, so an unknown one is refused where it stands and never
//! expanded; the same rule is applied to attribute values.

mod lexical;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{ApiRequest, MalformedRequest, RequestParts, malformed, snippet};
use lexical::{check_declaration, is_xml_space, read_attributes, resolve_reference};

pub(crate) use lexical::is_xml_char;

/// Reads a v3 POST body.
pub fn parse_v3(body: &[u8]) -> Result<ApiRequest, MalformedRequest> {
    let text = lexical::body_text(body)?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true; // `<X/>` arrives as Start + End
    config.check_end_names = true;
    config.check_comments = true;
    let mut document = Document::default();
    loop {
        let event = reader.read_event().map_err(|e| {
            malformed(format!(
                "the request is not well-formed XML (at byte {}): {e}",
                reader.error_position()
            ))
        })?;
        if matches!(event, Event::Eof) {
            return document.finish();
        }
        document.feed(event)?;
    }
}

/// Where the reader stands in the request's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Place {
    #[default]
    BeforeRoot,
    Request,
    UserToken,
    UserKey,
    Action,
    Parameter,
    AfterRoot,
}

impl Place {
    /// The words an error sentence uses for "here".
    fn describe(self) -> &'static str {
        match self {
            Place::BeforeRoot => "before <REQUEST>",
            Place::Request => "inside <REQUEST>",
            Place::UserToken => "inside <USERTOKEN>",
            Place::UserKey => "inside <USERKEY>",
            Place::Action => "inside <ACTION>",
            Place::Parameter => "inside <PARAMETER>",
            Place::AfterRoot => "after </REQUEST>",
        }
    }
}

/// Where the value of the PARAMETER being read goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Param(String),
    Variable(String),
}

/// The request read so far.
#[derive(Default)]
struct Document {
    place: Place,
    /// Whether any event was seen: the XML declaration must come first.
    started: bool,
    seen_usertoken: bool,
    userkey: Option<String>,
    action: Option<String>,
    /// Text of the USERKEY or PARAMETER being read.
    value: String,
    target: Option<Target>,
    parts: RequestParts,
}

impl Document {
    fn feed(&mut self, event: Event<'_>) -> Result<(), MalformedRequest> {
        let first = !self.started;
        self.started = true;
        match event {
            Event::Decl(decl) if first => check_declaration(&decl),
            Event::Decl(_) => Err(malformed(
                "the XML declaration may only stand at the very start of the body",
            )),
            Event::DocType(_) => Err(malformed("a DOCTYPE declaration is not allowed")),
            Event::PI(_) => Err(malformed("processing instructions are not allowed")),
            Event::Comment(_) | Event::Eof => Ok(()),
            Event::Start(start) => self.open(&start),
            Event::Empty(start) => self.open(&start).and_then(|()| self.close()),
            Event::End(_) => self.close(),
            Event::Text(text) => self.text(&text.xml10_content()),
            Event::CData(data) => self.text(&data.xml10_content()),
            Event::GeneralRef(reference) => {
                let mut utf8 = [0u8; 4];
                let resolved = resolve_reference(&reference, &mut utf8)?;
                self.text(resolved)
            }
        }
    }

    fn text(&mut self, text: &str) -> Result<(), MalformedRequest> {
        match self.place {
            Place::UserKey | Place::Parameter => self.value.push_str(text),
            _ if text.chars().all(is_xml_space) => {}
            place => {
                return Err(malformed(format!(
                    "the text '{}' is not allowed {}",
                    snippet(text.trim()),
                    place.describe()
                )));
            }
        }
        Ok(())
    }

    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), MalformedRequest> {
        let qname = start.name();
        let name: &str = qname.as_ref();
        let attributes = read_attributes(start, name)?;
        let attribute = |key: &str| {
            let found = attributes.iter().find(|(k, _)| k == key);
            found.map(|(_, v)| v.trim())
        };
        self.place = match (self.place, name) {
            (Place::BeforeRoot, "REQUEST") => Place::Request,
            (Place::BeforeRoot, other) => {
                return Err(malformed(format!(
                    "the root element must be <REQUEST>, not <{}>",
                    snippet(other)
                )));
            }
            (Place::Request, "USERTOKEN") if self.seen_usertoken => {
                return Err(malformed("<REQUEST> holds more than one <USERTOKEN>"));
            }
            (Place::Request, "USERTOKEN") => {
                self.seen_usertoken = true;
                Place::UserToken
            }
            (Place::Request, "ACTION") if self.action.is_some() => {
                return Err(malformed("<REQUEST> holds more than one <ACTION>"));
            }
            (Place::Request, "ACTION") => {
                self.action = Some(match attribute("NAME") {
                    None => return Err(malformed("<ACTION> has no NAME attribute")),
                    Some("") => return Err(malformed("<ACTION> has an empty NAME attribute")),
                    Some(action) => action.to_owned(),
                });
                Place::Action
            }
            (Place::UserToken, "USERKEY") if self.userkey.is_some() => {
                return Err(malformed("<USERTOKEN> holds more than one <USERKEY>"));
            }
            (Place::UserToken, "USERKEY") => {
                self.value.clear();
                Place::UserKey
            }
            (Place::Action, "PARAMETER") => {
                self.target = Some(Self::parameter_target(
                    attribute("NAME"),
                    attribute("VARIABLENAME"),
                )?);
                self.value.clear();
                Place::Parameter
            }
            (parent @ (Place::UserKey | Place::Parameter), other) => {
                return Err(malformed(format!(
                    "the element <{}> is not allowed {}: it holds text only",
                    snippet(other),
                    parent.describe()
                )));
            }
            (place, other) => {
                return Err(malformed(format!(
                    "the element <{}> is not allowed {}",
                    snippet(other),
                    place.describe()
                )));
            }
        };
        Ok(())
    }

    /// Where a PARAMETER's value goes, given its NAME and VARIABLENAME attributes. A name
    /// given twice is refused when the second value is stored.
    fn parameter_target(
        name: Option<&str>,
        variable: Option<&str>,
    ) -> Result<Target, MalformedRequest> {
        match (name, variable) {
            (None, _) => Err(malformed("a <PARAMETER> has no NAME attribute")),
            (Some(""), _) => Err(malformed("a <PARAMETER> has an empty NAME attribute")),
            (Some("VARIABLE"), None) => Err(malformed(
                "<PARAMETER NAME=\"VARIABLE\"> has no VARIABLENAME attribute",
            )),
            (Some("VARIABLE"), Some("")) => Err(malformed(
                "<PARAMETER NAME=\"VARIABLE\"> has an empty VARIABLENAME attribute",
            )),
            (Some("VARIABLE"), Some(variable)) => Ok(Target::Variable(variable.to_owned())),
            (Some(name), Some(_)) => Err(malformed(format!(
                "<PARAMETER NAME=\"{}\"> has a VARIABLENAME attribute, which only NAME=\"VARIABLE\" may have",
                snippet(name)
            ))),
            (Some(name), None) => Ok(Target::Param(name.to_owned())),
        }
    }

    /// An end tag; quick-xml has already checked that it closes the open element.
    fn close(&mut self) -> Result<(), MalformedRequest> {
        self.place = match self.place {
            Place::Request if !self.seen_usertoken => {
                return Err(malformed("<REQUEST> has no <USERTOKEN>"));
            }
            Place::Request if self.action.is_none() => {
                return Err(malformed("<REQUEST> has no <ACTION>"));
            }
            Place::Request => Place::AfterRoot,
            Place::UserToken if self.userkey.is_none() => {
                return Err(malformed("<USERTOKEN> has no <USERKEY>"));
            }
            Place::UserToken | Place::Action => Place::Request,
            Place::UserKey => {
                self.userkey = Some(std::mem::take(&mut self.value));
                Place::UserToken
            }
            Place::Parameter => {
                let value = std::mem::take(&mut self.value);
                match self.target.take() {
                    Some(Target::Param(name)) => {
                        let shown = format!("the parameter NAME=\"{}\"", snippet(&name));
                        self.parts.add_param(&name, &value, &shown)?
                    }
                    Some(Target::Variable(name)) => {
                        let shown = format!("the variable VARIABLENAME=\"{}\"", snippet(&name));
                        self.parts.add_variable(&name, &value, &shown)?
                    }
                    None => {}
                }
                Place::Action
            }
            Place::BeforeRoot | Place::AfterRoot => {
                return Err(malformed("a closing tag does not match any open element"));
            }
        };
        Ok(())
    }

    fn finish(self) -> Result<ApiRequest, MalformedRequest> {
        match self.place {
            Place::AfterRoot => {}
            Place::BeforeRoot => return Err(malformed("the request holds no <REQUEST> element")),
            place => {
                return Err(malformed(format!(
                    "the request ends {} before its elements are closed",
                    place.describe()
                )));
            }
        }
        let userkey = self.userkey.unwrap_or_default();
        let action = self.action.unwrap_or_default();
        Ok(self.parts.into_request(&userkey, &action))
    }
}

#[cfg(test)]
mod tests;
