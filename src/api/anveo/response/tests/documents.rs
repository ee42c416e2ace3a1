//! The documents inside the envelope: DIDs and the catalog lists.

use super::*;

// ---- DIDs -------------------------------------------------------------------------

#[test]
fn a_did_has_the_fourteen_attributes_then_didhubs_four_in_order() {
    let xml = Response::success()
        .with_body(Body::Dids(vec![sample_did()]))
        .to_xml();
    let expected_line = "    <DID E164=\"12125550123\" DID_TYPE=\"GEOGRAPHIC\" \
        SMS_URL=\"https://example.com/sms?a=1&amp;b=2\" SMS_EMAIL=\"\" CALL_FORWARD_TYPE=\"SIP_URI\" \
        CALL_FORWARD_TO=\"sip:$[E164]$@pbx.example.com:5060\" STATUS=\"Active\" \
        COUNTRY_NAME=\"UNITED STATES\" AREA_NAME=\"New York\" AREA_CODE=\"212\" MONTHLY100=\"149\" \
        RATE_PLAN_ID=\"SU\" TITLE=\"front desk\" ACCOUNT_NUMBER=\"1234567895\" \
        ORDER_DATE=\"2026-03-01 12:30:05\" PAID_UNTIL=\"\" CHANNELS_LIMIT=\"4\" \
        CHANNELS_ONDEMAND=\"0\"/>\n";
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
            ("ORDER_DATE", "2026-03-01 12:30:05"),
            ("PAID_UNTIL", ""),
            ("CHANNELS_LIMIT", "4"),
            ("CHANNELS_ONDEMAND", "0"),
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
    did.ordered_at = None;
    did.channels = Channels::default();
    let elements = read_back(
        &Response::success()
            .with_body(Body::Dids(vec![did]))
            .to_xml(),
    );
    let attributes = names_and_values(&elements[3]);
    assert_eq!(attributes.len(), 18);
    for name in [
        "SMS_URL",
        "SMS_EMAIL",
        "CALL_FORWARD_TYPE",
        "CALL_FORWARD_TO",
        "TITLE",
        "ORDER_DATE",
        "PAID_UNTIL",
        "CHANNELS_LIMIT",
        "CHANNELS_ONDEMAND",
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
