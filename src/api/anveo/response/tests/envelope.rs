//! The response envelope: RESULT, values, errors, and escaping.

use super::*;

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
fn an_error_is_its_code_and_sentence_in_a_bare_error_element() {
    let xml = as_text(error_xml(
        ErrorCode::NotEnoughStock,
        "not enough stock in AREA_ID '1.212': QUANTITY 5 requested, 2 available",
    ));
    assert_eq!(
        xml,
        format!(
            "{HEAD}  <RESULT>ERROR</RESULT>\n  <ERROR>NOT_ENOUGH_STOCK: not enough stock in \
             AREA_ID '1.212': QUANTITY 5 requested, 2 available</ERROR>\n</RESPONSE>\n"
        )
    );
    let elements = read_back(xml.as_bytes());
    assert_eq!(elements.len(), 3, "RESPONSE, RESULT and ERROR only");
    assert_eq!(elements[2].name, "ERROR");
    assert!(
        names_and_values(&elements[2]).is_empty(),
        "ERROR has no attributes"
    );
    assert_eq!(
        elements[2].text,
        "NOT_ENOUGH_STOCK: not enough stock in AREA_ID '1.212': QUANTITY 5 requested, 2 available"
    );
}

#[test]
fn every_code_starts_the_error_text_as_given_by_the_domain() {
    for code in [
        ErrorCode::AuthFailed,
        ErrorCode::MalformedRequest,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalError,
    ] {
        let elements = read_back(&error_xml(code, "m"));
        assert_eq!(elements[1].text, "ERROR");
        assert_eq!(elements[2].text, format!("{}: m", code.as_str()));
    }
}

#[test]
fn an_error_message_is_escaped() {
    let message = "parameter TITLE has invalid value '</ERROR><RESULT>SUCCESS' & more";
    let xml = error_xml(ErrorCode::InvalidParameter, message);
    let elements = read_back(&xml);
    assert_eq!(elements.len(), 3, "no element was injected");
    assert_eq!(elements[2].text, format!("INVALID_PARAMETER: {message}"));
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
