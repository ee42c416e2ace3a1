//! [`ApiRequest`] itself: building and looking up.

use super::*;

#[test]
fn builds_and_looks_up_params_and_variables() {
    let request = ApiRequest::new("key", "DID.LIST")
        .with_param("B", "2")
        .with_param("A", "1")
        .with_variable("X", "x");
    assert_eq!(request.userkey, "key");
    assert_eq!(request.action, "DID.LIST");
    assert_eq!(request.param("A"), Some("1"));
    assert_eq!(request.param("a"), None, "names are case sensitive");
    assert_eq!(request.param("X"), None);
    assert_eq!(request.variable("X"), Some("x"));
    assert_eq!(request.variable("A"), None);
    assert_eq!(
        request.params().collect::<Vec<_>>(),
        [("A", "1"), ("B", "2")]
    );
    assert_eq!(request.variables().collect::<Vec<_>>(), [("X", "x")]);
}

#[test]
fn a_later_builder_value_replaces_an_earlier_one() {
    let request = ApiRequest::new("k", "A")
        .with_param("P", " 1 ")
        .with_param("P", "2");
    assert_eq!(request.param("P"), Some("2"));
    let untrimmed = ApiRequest::new("k", "A").with_param("P", " 1 ");
    assert_eq!(
        untrimmed.param("P"),
        Some(" 1 "),
        "the builder stores values as given"
    );
}

#[test]
fn both_transports_read_the_same_request() {
    let v3 = br#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="DID.ORDER"><PARAMETER NAME="AREA_ID">1.212</PARAMETER><PARAMETER NAME="VARIABLE" VARIABLENAME="X">v</PARAMETER></ACTION></REQUEST>"#;
    let v2 = "userkey=k&action=DID.ORDER&param[AREA_ID]=1.212&var[X]=v";
    let expected = ApiRequest::new("k", "DID.ORDER")
        .with_param("AREA_ID", "1.212")
        .with_variable("X", "v");
    assert_eq!(parse_v3(v3).unwrap(), expected);
    assert_eq!(parse_v2(v2).unwrap(), expected);
}

#[test]
fn malformed_request_displays_its_sentence() {
    let e = MalformedRequest("the request body is empty".to_owned());
    assert_eq!(e.to_string(), "the request body is empty");
}

#[test]
fn snippets_cut_long_client_text() {
    assert_eq!(snippet("short"), "short");
    let long = "é".repeat(100);
    assert_eq!(snippet(&long), format!("{}...", "é".repeat(40)));
}
