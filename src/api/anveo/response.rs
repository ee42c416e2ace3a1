//! Writing responses: the `RESPONSE` envelope of `anveo-api.md` §3 around a RESULT, named
//! VALUEs and one body (`DIDS`, `COUNTRIES`, `STATES`, `AREAS` or `WEBHOOKS`), and the error form:
//! `<ERROR>CODE: sentence</ERROR>` with no attribute, exactly as Anveo documents it, since
//! real clients find errors with `/<ERROR>(.*?)<\/ERROR>/`.
//!
//! The layout is fixed so clients that compare text keep working: the declaration line
//! exactly as Anveo writes it, two spaces of indentation per level, attributes in the
//! documented order, and an element with no children written self-closing (`<DIDS/>`).
//! Everything is written straight into one buffer. Every text and attribute value goes
//! through quick-xml's escaping, so no value can break the document; a character XML
//! cannot carry at all (a control character) is written as U+FFFD instead.

use std::borrow::Cow;
use std::io::Write as _;

use quick_xml::escape::{escape, partial_escape};

use super::request::is_xml_char;
use crate::domain::catalog::{AreaListing, CountryListing, PlanPrice, StateListing};
use crate::domain::did_attributes::{AttributeValue, did_attributes};
use crate::domain::webhooks::Webhook;
use crate::domain::{Did, ErrorCode, utc_date_time};

/// The Content-Type of every response.
pub const CONTENT_TYPE: &str = "application/xml; charset=UTF-8";

/// The first line of every response, byte for byte as Anveo writes it.
const DECLARATION: &str = "<?xml version=\"1.0\" standalone=\"no\" ?>\n";

/// The element that follows the VALUEs of a successful response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Body {
    /// Nothing after the VALUEs (DID.CANCEL, ACCOUNT.GETBALANCE).
    #[default]
    None,
    /// `<DIDS>` with one `<DID .../>` each.
    Dids(Vec<Did>),
    /// `<COUNTRIES>` of ANVEO.COUNTRIES.LIST.
    Countries(Vec<CountryListing>),
    /// `<STATES>` of ANVEO.STATES.LIST.
    States(Vec<StateListing>),
    /// `<AREAS>` of ANVEO.AREAS.LIST, each area with its `<RATE_PLAN>`s.
    Areas(Vec<AreaListing>),
    /// `<WEBHOOKS>` of WEBHOOK.LIST.
    Webhooks(Vec<Webhook>),
}

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `SUCCESS`, or the balance (`25.00`) for ACCOUNT.GETBALANCE.
    pub result: String,
    /// `<VALUE NAME="...">...</VALUE>`, in this order.
    pub values: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    /// RESULT `SUCCESS`, no values, no body.
    pub fn success() -> Self {
        Response::with_result("SUCCESS")
    }

    /// A RESULT other than `SUCCESS`: ACCOUNT.GETBALANCE answers with the balance.
    pub fn with_result(result: impl Into<String>) -> Self {
        Response {
            result: result.into(),
            values: Vec::new(),
            body: Body::None,
        }
    }

    /// Appends a named return value.
    pub fn with_value(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.values.push((name.into(), value.into()));
        self
    }

    pub fn with_body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// The whole document, UTF-8.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut out = XmlOut::begin();
        out.text_element("RESULT", None, &self.result);
        for (name, value) in &self.values {
            out.text_element("VALUE", Some(("NAME", name)), value);
        }
        match &self.body {
            Body::None => {}
            Body::Dids(dids) => out.list("DIDS", dids, XmlOut::did),
            Body::Countries(countries) => out.list("COUNTRIES", countries, XmlOut::country),
            Body::States(states) => out.list("STATES", states, XmlOut::state),
            Body::Areas(areas) => out.list("AREAS", areas, XmlOut::area),
            Body::Webhooks(webhooks) => out.list("WEBHOOKS", webhooks, XmlOut::webhook),
        }
        out.end()
    }
}

/// The error document: `<RESULT>ERROR</RESULT>` and `<ERROR>CODE: sentence</ERROR>`,
/// nothing else (no VALUE, no body), so a client that turns every element with attributes
/// into a row sees none.
pub fn error_xml(code: ErrorCode, message: &str) -> Vec<u8> {
    let mut out = XmlOut::begin();
    out.text_element("RESULT", None, "ERROR");
    out.text_element("ERROR", None, &format!("{}: {message}", code.as_str()));
    out.end()
}

/// The buffer a document is written into, with the few shapes the API uses.
struct XmlOut {
    buf: Vec<u8>,
}

impl XmlOut {
    /// The declaration and `<RESPONSE>`.
    fn begin() -> Self {
        let mut buf = Vec::with_capacity(1024);
        buf.extend_from_slice(DECLARATION.as_bytes());
        buf.extend_from_slice(b"<RESPONSE>\n");
        XmlOut { buf }
    }

    /// `</RESPONSE>` and the finished document.
    fn end(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(b"</RESPONSE>\n");
        self.buf
    }

    /// Indentation and `<NAME`; attributes may follow. `depth` 1 is a child of RESPONSE.
    fn open_tag(&mut self, depth: usize, name: &str) {
        for _ in 0..depth {
            self.buf.extend_from_slice(b"  ");
        }
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
    }

    /// `>` and a new line, after an open tag whose children follow.
    fn children_follow(&mut self) {
        self.buf.extend_from_slice(b">\n");
    }

    /// `/>` and a new line, after an open tag with no content.
    fn self_close(&mut self) {
        self.buf.extend_from_slice(b"/>\n");
    }

    fn close_tag(&mut self, depth: usize, name: &str) {
        for _ in 0..depth {
            self.buf.extend_from_slice(b"  ");
        }
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b">\n");
    }

    /// ` NAME="value"`, escaped. Tab and line feed become character references, because
    /// a reader would otherwise normalize them to spaces.
    fn attr(&mut self, name: &str, value: &str) {
        self.buf.push(b' ');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b"=\"");
        let value = xml_chars_only(value);
        let mut rest: &str = &value;
        while let Some(at) = rest.find(['\n', '\t']) {
            self.buf.extend_from_slice(escape(&rest[..at]).as_bytes());
            let reference: &[u8] = if rest.as_bytes()[at] == b'\n' {
                b"&#10;"
            } else {
                b"&#9;"
            };
            self.buf.extend_from_slice(reference);
            rest = &rest[at + 1..];
        }
        self.buf.extend_from_slice(escape(rest).as_bytes());
        self.buf.push(b'"');
    }

    fn attr_int(&mut self, name: &str, value: impl Into<i128>) {
        write!(self.buf, " {name}=\"{}\"", value.into()).expect("writing to a Vec cannot fail");
    }

    /// A count, or the empty string when unset.
    fn attr_count(&mut self, name: &str, value: Option<u32>) {
        match value {
            Some(count) => self.attr_int(name, count),
            None => self.attr(name, ""),
        }
    }

    fn attr_bool(&mut self, name: &str, value: bool) {
        self.attr(name, if value { "true" } else { "false" });
    }

    /// `  <NAME ATTR="...">text</NAME>` on one line, as a child of RESPONSE.
    fn text_element(&mut self, name: &str, attribute: Option<(&str, &str)>, text: &str) {
        self.open_tag(1, name);
        if let Some((key, value)) = attribute {
            self.attr(key, value);
        }
        self.buf.push(b'>');
        // Quotes need no escaping in text; leaving them keeps messages readable.
        let text = partial_escape(xml_chars_only(text));
        self.buf.extend_from_slice(text.as_bytes());
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.extend_from_slice(b">\n");
    }

    /// A child of RESPONSE holding one element per item; `<NAME/>` when there are none.
    fn list<T>(&mut self, name: &str, items: &[T], mut write_item: impl FnMut(&mut Self, &T)) {
        self.open_tag(1, name);
        if items.is_empty() {
            self.self_close();
            return;
        }
        self.children_follow();
        for item in items {
            write_item(self, item);
        }
        self.close_tag(1, name);
    }

    /// The 14 attributes of `anveo-api.md` §3.1, in that order, then didhub's four:
    /// ORDER_DATE, PAID_UNTIL, CHANNELS_LIMIT, CHANNELS_ONDEMAND ([`did_attributes`]).
    fn did(&mut self, did: &Did) {
        self.open_tag(2, "DID");
        for (name, value) in did_attributes(did) {
            match value {
                AttributeValue::Text(text) => self.attr(name, &text),
                AttributeValue::Int(int) => self.attr_int(name, int),
                AttributeValue::Count(count) => self.attr_count(name, count),
            }
        }
        self.self_close();
    }

    /// A webhook as WEBHOOK.LIST shows it: never its secret.
    fn webhook(&mut self, webhook: &Webhook) {
        self.open_tag(2, "WEBHOOK");
        self.attr("WEBHOOK_ID", &webhook.webhook_id);
        self.attr("URL", &webhook.url);
        self.attr("EVENTS", &webhook.events.to_string());
        self.attr("CREATED", &utc_date_time(webhook.created_at));
        self.self_close();
    }

    fn country(&mut self, country: &CountryListing) {
        self.open_tag(2, "COUNTRY");
        self.attr("COUNTRY_ID", &country.country_id);
        self.attr("COUNTRY_NAME", &country.country_name);
        self.attr_bool("HAS_STATES", country.has_states);
        self.attr_bool("IS_SMS", country.is_sms);
        self.attr_bool("IS_FAX", country.is_fax);
        self.self_close();
    }

    fn state(&mut self, state: &StateListing) {
        self.open_tag(2, "STATE");
        self.attr("STATE_ID", &state.state_id);
        self.attr("STATE_NAME", &state.state_name);
        self.attr("STATE_CODE", &state.state_code);
        self.self_close();
    }

    fn area(&mut self, area: &AreaListing) {
        self.open_tag(2, "AREA");
        self.attr("AREA_ID", &area.area_id);
        self.attr("AREA_NAME", &area.area_name);
        self.attr("AREA_CODE", &area.area_code);
        self.attr_int("STOCK", area.stock);
        if area.plans.is_empty() {
            self.self_close();
            return;
        }
        self.children_follow();
        for plan in &area.plans {
            self.rate_plan(plan);
        }
        self.close_tag(2, "AREA");
    }

    fn rate_plan(&mut self, plan: &PlanPrice) {
        self.open_tag(3, "RATE_PLAN");
        self.attr("RATE_PLAN_ID", &plan.rate_plan_id);
        self.attr("RATE_PLAN_NAME", &plan.rate_plan_name);
        self.attr_int("MONTHLY100", plan.monthly100);
        self.attr_int("SETUP100", plan.setup100);
        self.self_close();
    }
}

/// The text with every character XML cannot carry replaced by U+FFFD. Borrows (the
/// usual case) when there is none.
fn xml_chars_only(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        let replace = |c| if is_xml_char(c) { c } else { '\u{FFFD}' };
        Cow::Owned(text.chars().map(replace).collect())
    }
}

#[cfg(test)]
mod tests;
