//! The writer: exact layout, element and attribute order, escaping, and that every
//! document it writes reads back as well-formed XML.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::*;
use crate::domain::catalog::{AreaListing, CountryListing, PlanPrice, StateListing};
use crate::domain::{AccountNumber, DidStatus, DidType, E164, Money, RatePlanId, Routing};

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

// ---- envelope ---------------------------------------------------------------------

#[test]
fn content_type_is_xml_in_utf8() {
    assert_eq!(CONTENT_TYPE, "application/xml; charset=UTF-8");
}

#[test]
fn success_is_the_bare_envelope() {
    let xml = as_text(Response::success().to_xml());
    assert_eq!(
        xml,
        format!("{HEAD}  <RESULT>SUCCESS</RESULT>\n</RESPONSE>\n")
    );
    assert!(xml.starts_with("<?xml version=\"1.0\" standalone=\"no\" ?>\n"));
    read_back(xml.as_bytes());
}

#[test]
fn values_follow_the_result_in_order() {
    let response = Response::success()
        .with_value("TOTAL", "3")
        .with_value("TEST", "TRUE")
        .with_value("A", "");
    assert_eq!(
        as_text(response.to_xml()),
        format!(
            "{HEAD}  <RESULT>SUCCESS</RESULT>\n  <VALUE NAME=\"TOTAL\">3</VALUE>\n  \
             <VALUE NAME=\"TEST\">TRUE</VALUE>\n  <VALUE NAME=\"A\"></VALUE>\n</RESPONSE>\n"
        )
    );
}

#[test]
fn getbalance_carries_the_balance_as_its_result() {
    let response = Response::with_result(Money(2500).to_string());
    let xml = as_text(response.to_xml());
    assert_eq!(
        xml,
        format!("{HEAD}  <RESULT>25.00</RESULT>\n</RESPONSE>\n")
    );
    assert!(!xml.contains("ERROR"));
}

#[test]
fn an_error_carries_its_code_and_sentence() {
    let xml = as_text(error_xml(
        ErrorCode::NotEnoughStock,
        "not enough stock in AREA_ID '1.212': QUANTITY 5 requested, 2 available",
    ));
    assert_eq!(
        xml,
        format!(
            "{HEAD}  <RESULT>ERROR</RESULT>\n  <ERROR CODE=\"NOT_ENOUGH_STOCK\">not enough stock in \
             AREA_ID '1.212': QUANTITY 5 requested, 2 available</ERROR>\n</RESPONSE>\n"
        )
    );
    let elements = read_back(xml.as_bytes());
    assert_eq!(elements[2].name, "ERROR");
    assert_eq!(
        names_and_values(&elements[2]),
        [("CODE", "NOT_ENOUGH_STOCK")]
    );
    assert_eq!(
        elements[2].text,
        "not enough stock in AREA_ID '1.212': QUANTITY 5 requested, 2 available"
    );
}

#[test]
fn every_code_is_written_as_given_by_the_domain() {
    for code in [
        ErrorCode::AuthFailed,
        ErrorCode::MalformedRequest,
        ErrorCode::InternalError,
    ] {
        let elements = read_back(&error_xml(code, "m"));
        assert_eq!(elements[1].text, "ERROR");
        assert_eq!(names_and_values(&elements[2]), [("CODE", code.as_str())]);
    }
}

#[test]
fn an_error_message_is_escaped() {
    let message = "parameter TITLE has invalid value '</ERROR><RESULT>SUCCESS' & more";
    let xml = error_xml(ErrorCode::InvalidParameter, message);
    let elements = read_back(&xml);
    assert_eq!(elements.len(), 3, "no element was injected");
    assert_eq!(elements[2].text, message);
}

// ---- DIDs -------------------------------------------------------------------------

#[test]
fn a_did_has_all_fourteen_attributes_in_order() {
    let xml = Response::success()
        .with_body(Body::Dids(vec![sample_did()]))
        .to_xml();
    let expected_line = "    <DID E164=\"12125550123\" DID_TYPE=\"GEOGRAPHIC\" \
        SMS_URL=\"https://example.com/sms?a=1&amp;b=2\" SMS_EMAIL=\"\" CALL_FORWARD_TYPE=\"SIP_URI\" \
        CALL_FORWARD_TO=\"sip:$[E164]$@pbx.example.com:5060\" STATUS=\"Active\" \
        COUNTRY_NAME=\"UNITED STATES\" AREA_NAME=\"New York\" AREA_CODE=\"212\" MONTHLY100=\"149\" \
        RATE_PLAN_ID=\"SU\" TITLE=\"front desk\" ACCOUNT_NUMBER=\"1234567895\"/>\n";
    assert_eq!(
        as_text(xml.clone()),
        format!(
            "{HEAD}  <RESULT>SUCCESS</RESULT>\n  <DIDS>\n{expected_line}  </DIDS>\n</RESPONSE>\n"
        )
    );
    let elements = read_back(&xml);
    let did = &elements[3];
    assert_eq!((did.depth, did.name.as_str()), (2, "DID"));
    assert_eq!(
        names_and_values(did),
        [
            ("E164", "12125550123"),
            ("DID_TYPE", "GEOGRAPHIC"),
            ("SMS_URL", "https://example.com/sms?a=1&b=2"),
            ("SMS_EMAIL", ""),
            ("CALL_FORWARD_TYPE", "SIP_URI"),
            ("CALL_FORWARD_TO", "sip:$[E164]$@pbx.example.com:5060"),
            ("STATUS", "Active"),
            ("COUNTRY_NAME", "UNITED STATES"),
            ("AREA_NAME", "New York"),
            ("AREA_CODE", "212"),
            ("MONTHLY100", "149"),
            ("RATE_PLAN_ID", "SU"),
            ("TITLE", "front desk"),
            ("ACCOUNT_NUMBER", "1234567895"),
        ]
    );
}

#[test]
fn unset_fields_are_written_as_empty_attributes() {
    let mut did = sample_did();
    did.routing = Routing::default();
    did.title.clear();
    did.status = DidStatus::Canceled;
    did.did_type = DidType::TollFree;
    let elements = read_back(
        &Response::success()
            .with_body(Body::Dids(vec![did]))
            .to_xml(),
    );
    let attributes = names_and_values(&elements[3]);
    assert_eq!(attributes.len(), 14);
    for name in [
        "SMS_URL",
        "SMS_EMAIL",
        "CALL_FORWARD_TYPE",
        "CALL_FORWARD_TO",
        "TITLE",
    ] {
        assert!(attributes.contains(&(name, "")), "{name}");
    }
    assert!(attributes.contains(&("STATUS", "Canceled")));
    assert!(attributes.contains(&("DID_TYPE", "TOLLFREE")));
}

#[test]
fn values_come_before_the_dids() {
    let mut second = sample_did();
    second.e164 = E164::parse("E164", "12125550124").unwrap();
    let xml = Response::success()
        .with_value("TOTAL", "2")
        .with_body(Body::Dids(vec![sample_did(), second]))
        .to_xml();
    let elements = read_back(&xml);
    let order: Vec<_> = elements
        .iter()
        .map(|e| (e.depth, e.name.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            (0, "RESPONSE"),
            (1, "RESULT"),
            (1, "VALUE"),
            (1, "DIDS"),
            (2, "DID"),
            (2, "DID")
        ]
    );
    assert_eq!(elements[5].attributes[0].1, "12125550124");
}

#[test]
fn empty_lists_are_self_closing() {
    for (body, tag) in [
        (Body::Dids(vec![]), "<DIDS/>"),
        (Body::Countries(vec![]), "<COUNTRIES/>"),
        (Body::States(vec![]), "<STATES/>"),
        (Body::Areas(vec![]), "<AREAS/>"),
    ] {
        let xml = as_text(
            Response::success()
                .with_value("TOTAL", "0")
                .with_body(body)
                .to_xml(),
        );
        assert!(xml.ends_with(&format!("  {tag}\n</RESPONSE>\n")), "{xml}");
        read_back(xml.as_bytes());
    }
}

// ---- escaping -----------------------------------------------------------------------

#[test]
fn every_special_character_round_trips_through_attributes_and_text() {
    let nasty = "<&\"'> a\tb\nc\r\nd ]]> &amp; é \u{1F600}";
    let mut did = sample_did();
    did.title = nasty.to_owned();
    did.area_name = "\"quoted\" & 'single'".to_owned();
    let xml = Response::with_result(nasty)
        .with_value(nasty, nasty)
        .with_body(Body::Dids(vec![did]))
        .to_xml();
    let elements = read_back(&xml);
    assert_eq!(elements[1].text, nasty, "RESULT text");
    assert_eq!(names_and_values(&elements[2]), [("NAME", nasty)]);
    assert_eq!(elements[2].text, nasty, "VALUE text");
    let did = names_and_values(&elements[4]);
    assert_eq!(did[12], ("TITLE", nasty));
    assert_eq!(did[8], ("AREA_NAME", "\"quoted\" & 'single'"));
}

#[test]
fn characters_xml_cannot_carry_become_replacement_characters() {
    let mut did = sample_did();
    did.title = "a\u{0}b\u{1B}c\u{FFFF}".to_owned();
    let xml = Response::success()
        .with_value("V", "x\u{8}y")
        .with_body(Body::Dids(vec![did]))
        .to_xml();
    let elements = read_back(&xml);
    assert_eq!(elements[2].text, "x\u{FFFD}y");
    assert_eq!(
        names_and_values(&elements[4])[12],
        ("TITLE", "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
    );
}

// ---- catalog ----------------------------------------------------------------------

#[test]
fn countries_list_with_boolean_flags() {
    let countries = vec![
        CountryListing {
            country_id: "US".to_owned(),
            country_name: "UNITED STATES".to_owned(),
            has_states: true,
            is_sms: true,
            is_fax: false,
        },
        CountryListing {
            country_id: "GB".to_owned(),
            country_name: "UNITED KINGDOM".to_owned(),
            has_states: false,
            is_sms: false,
            is_fax: true,
        },
    ];
    let xml = as_text(
        Response::success()
            .with_body(Body::Countries(countries))
            .to_xml(),
    );
    assert!(xml.contains(
        "  <COUNTRIES>\n    <COUNTRY COUNTRY_ID=\"US\" COUNTRY_NAME=\"UNITED STATES\" HAS_STATES=\"true\" \
         IS_SMS=\"true\" IS_FAX=\"false\"/>\n    <COUNTRY COUNTRY_ID=\"GB\" COUNTRY_NAME=\"UNITED KINGDOM\" \
         HAS_STATES=\"false\" IS_SMS=\"false\" IS_FAX=\"true\"/>\n  </COUNTRIES>\n"
    ));
    let elements = read_back(xml.as_bytes());
    assert_eq!(
        names_and_values(&elements[4]),
        [
            ("COUNTRY_ID", "GB"),
            ("COUNTRY_NAME", "UNITED KINGDOM"),
            ("HAS_STATES", "false"),
            ("IS_SMS", "false"),
            ("IS_FAX", "true"),
        ]
    );
}

#[test]
fn states_list() {
    let states = vec![StateListing {
        state_id: "US-NY".to_owned(),
        state_name: "New York".to_owned(),
        state_code: "NY".to_owned(),
    }];
    let xml = as_text(Response::success().with_body(Body::States(states)).to_xml());
    assert!(xml.contains(
        "  <STATES>\n    <STATE STATE_ID=\"US-NY\" STATE_NAME=\"New York\" STATE_CODE=\"NY\"/>\n  </STATES>\n"
    ));
    let elements = read_back(xml.as_bytes());
    assert_eq!((elements[3].depth, elements[3].name.as_str()), (2, "STATE"));
}

#[test]
fn areas_list_their_rate_plans() {
    let value = PlanPrice {
        rate_plan_id: "VALUE".to_owned(),
        rate_plan_name: "Value & Co".to_owned(),
        monthly100: 99,
        setup100: 0,
    };
    let mut bare = sample_area(vec![]);
    bare.area_id = "44.20".to_owned();
    bare.stock = 0;
    let areas = vec![sample_area(vec![su_plan(), value]), bare];
    let xml = as_text(Response::success().with_body(Body::Areas(areas)).to_xml());
    assert!(xml.contains(
        "  <AREAS>\n    <AREA AREA_ID=\"1.212\" AREA_NAME=\"New York\" AREA_CODE=\"212\" STOCK=\"42\">\n      \
         <RATE_PLAN RATE_PLAN_ID=\"SU\" RATE_PLAN_NAME=\"Service Unlimited\" MONTHLY100=\"149\" SETUP100=\"249\"/>\n      \
         <RATE_PLAN RATE_PLAN_ID=\"VALUE\" RATE_PLAN_NAME=\"Value &amp; Co\" MONTHLY100=\"99\" SETUP100=\"0\"/>\n    \
         </AREA>\n    <AREA AREA_ID=\"44.20\" AREA_NAME=\"New York\" AREA_CODE=\"212\" STOCK=\"0\"/>\n  </AREAS>\n"
    ));
    let elements = read_back(xml.as_bytes());
    let shape: Vec<_> = elements
        .iter()
        .map(|e| (e.depth, e.name.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            (0, "RESPONSE"),
            (1, "RESULT"),
            (1, "AREAS"),
            (2, "AREA"),
            (3, "RATE_PLAN"),
            (3, "RATE_PLAN"),
            (2, "AREA"),
        ]
    );
    assert_eq!(
        names_and_values(&elements[5]),
        [
            ("RATE_PLAN_ID", "VALUE"),
            ("RATE_PLAN_NAME", "Value & Co"),
            ("MONTHLY100", "99"),
            ("SETUP100", "0"),
        ]
    );
}
