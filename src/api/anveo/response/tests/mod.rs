//! The writer: exact layout, element and attribute order, escaping, and that every
//! document it writes reads back as well-formed XML.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::*;
use crate::domain::catalog::{AreaListing, CountryListing, PlanPrice, StateListing};
use crate::domain::{
    AccountNumber, Channels, DidStatus, DidType, E164, Money, RatePlanId, Routing,
};

const HEAD: &str = "<?xml version=\"1.0\" standalone=\"no\" ?>\n<RESPONSE>\n";

/// One element as read back: nesting depth, name, attributes in order, text content.
#[derive(Debug, PartialEq)]
struct Element {
    depth: usize,
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
}

/// Reads a document back with quick-xml, panicking unless it is well-formed and has
/// exactly one root, `RESPONSE`. Text of elements that have children (indentation) is
/// dropped.
fn read_back(xml: &[u8]) -> Vec<Element> {
    let text = std::str::from_utf8(xml).expect("the document is UTF-8");
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut elements: Vec<Element> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let text = match &event {
            Event::Start(start) | Event::Empty(start) => {
                roots += usize::from(open.is_empty());
                if let Some(&parent) = open.last() {
                    elements[parent].text.clear(); // it has children: its text is layout
                }
                elements.push(element(start, open.len()));
                if matches!(event, Event::Start(_)) {
                    open.push(elements.len() - 1);
                }
                continue;
            }
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Text(t) => t.xml10_content().into_owned(),
            Event::GeneralRef(r) => match r.resolve_char_ref().unwrap() {
                Some(c) => c.to_string(),
                None => quick_xml::escape::resolve_xml_entity(r).unwrap().to_owned(),
            },
            Event::Decl(_) => continue,
            Event::Eof => break,
            other => panic!("unexpected event {other:?}"),
        };
        let Some(parent) = open.last() else {
            assert!(text.trim().is_empty(), "only white space outside the root");
            continue;
        };
        let has_children = elements.len() - 1 > *parent;
        if !has_children {
            elements[*parent].text.push_str(&text);
        }
    }
    assert!(open.is_empty(), "every element is closed");
    assert_eq!(roots, 1, "exactly one root");
    assert_eq!(elements[0].name, "RESPONSE");
    elements
}

fn element(start: &BytesStart<'_>, depth: usize) -> Element {
    let attributes = start
        .attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            let value = a.normalized_value(XmlVersion::Implicit1_0).unwrap();
            (a.key.as_ref().to_owned(), value.into_owned())
        })
        .collect();
    Element {
        depth,
        name: start.name().as_ref().to_owned(),
        attributes,
        text: String::new(),
    }
}

fn names_and_values(element: &Element) -> Vec<(&str, &str)> {
    element
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn sample_did() -> Did {
    Did {
        e164: E164::parse("E164", "12125550123").unwrap(),
        did_type: DidType::Geographic,
        routing: Routing {
            sms_url: "https://example.com/sms?a=1&b=2".to_owned(),
            sms_email: String::new(),
            sms_phone: "15550001111".to_owned(),
            call_forward_type: "SIP_URI".to_owned(),
            call_forward_to: "sip:$[E164]$@pbx.example.com:5060".to_owned(),
        },
        status: DidStatus::Active,
        country_name: "UNITED STATES".to_owned(),
        area_name: "New York".to_owned(),
        area_code: "212".to_owned(),
        monthly: Money(149),
        rate_plan_id: RatePlanId::default_plan(),
        title: "front desk".to_owned(),
        account_number: AccountNumber::parse("ACCOUNT_NUMBER", "1234567895").unwrap(),
        // 2026-03-01 12:30:05 UTC.
        ordered_at: Some(1_772_368_205),
        paid_until: None,
        channels: Channels {
            limit: Some(4),
            ondemand: Some(0),
        },
    }
}

fn sample_area(plans: Vec<PlanPrice>) -> AreaListing {
    AreaListing {
        area_id: "1.212".to_owned(),
        area_name: "New York".to_owned(),
        area_code: "212".to_owned(),
        stock: 42,
        plans,
    }
}

fn su_plan() -> PlanPrice {
    PlanPrice {
        rate_plan_id: "SU".to_owned(),
        rate_plan_name: "Service Unlimited".to_owned(),
        monthly100: 149,
        setup100: 249,
    }
}

fn as_text(xml: Vec<u8>) -> String {
    String::from_utf8(xml).expect("UTF-8")
}

mod documents;
mod envelope;
