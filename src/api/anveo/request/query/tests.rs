//! The v2 reader: every accepted form, and every refusal with the reason it gives.

use super::super::{ApiRequest, MAX_BODY_BYTES};
use super::{parse_v2, parse_v2_form};

fn parse(query: &str) -> ApiRequest {
    parse_v2(query).unwrap_or_else(|e| panic!("refused: {e}\n{query}"))
}

#[track_caller]
fn assert_refused(query: &str, phrase: &str) {
    match parse_v2(query) {
        Ok(request) => panic!("accepted {request:?}, expected a refusal naming '{phrase}'"),
        Err(e) => assert!(
            e.0.contains(phrase),
            "reason '{}' does not name '{phrase}'",
            e.0
        ),
    }
}

// ---- accepted -------------------------------------------------------------------

#[test]
fn reads_key_action_params_and_variables() {
    let request = parse(
        "userkey=abc&action=DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[SIGNATURE]=ff00&var[X]=1",
    );
    assert_eq!(request.userkey, "abc");
    assert_eq!(request.action, "DID.ORDER");
    assert_eq!(request.param("DID_TYPE"), Some("GEOGRAPHIC"));
    assert_eq!(request.param("SIGNATURE"), Some("ff00"));
    assert_eq!(request.variables().collect::<Vec<_>>(), [("X", "1")]);
    assert_eq!(request.param("X"), None, "a variable is not a parameter");
}

#[test]
fn userkey_and_action_match_in_any_case() {
    let request = parse("USERKEY=abc&Action=DID.LIST");
    assert_eq!(
        (request.userkey.as_str(), request.action.as_str()),
        ("abc", "DID.LIST")
    );
    let request = parse("UserKey=abc&ACTION=DID.LIST");
    assert_eq!(
        (request.userkey.as_str(), request.action.as_str()),
        ("abc", "DID.LIST")
    );
}

#[test]
fn the_bracket_prefixes_match_in_any_case_and_names_are_kept() {
    let request = parse("action=A&PARAM[TEST]=TRUE&Param[did_type]=mobile&VAR[x]=1&Var[Y]=2");
    assert_eq!(request.param("TEST"), Some("TRUE"));
    assert_eq!(request.param("did_type"), Some("mobile"));
    assert_eq!(request.param("DID_TYPE"), None, "names are exact");
    assert_eq!(request.variable("x"), Some("1"));
    assert_eq!(request.variable("Y"), Some("2"));
}

#[test]
fn plus_is_a_space_and_every_key_and_value_is_decoded_on_its_own() {
    let request = parse(
        "action=A&param[TITLE]=my+office%2B1&param[URL]=http%3A%2F%2Fx%2F%3Fa%3D1%26b%3D2&param%5BENC%5D=%C3%A9",
    );
    assert_eq!(request.param("TITLE"), Some("my office+1"));
    assert_eq!(request.param("URL"), Some("http://x/?a=1&b=2"));
    assert_eq!(request.param("ENC"), Some("é"));
    let request = parse("action=A&param[A+B]=1&var%5Bx%20y%5D=2");
    assert_eq!(request.param("A B"), Some("1"));
    assert_eq!(request.variable("x y"), Some("2"));
}

#[test]
fn a_value_is_split_off_at_the_first_equals_sign() {
    assert_eq!(parse("action=A&param[Q]=a=b=c").param("Q"), Some("a=b=c"));
}

#[test]
fn values_are_trimmed_and_may_be_empty() {
    let request = parse("userkey=+k+&action=%20DID.LIST%09&param[A]=&param[B]&param[C]=+v+");
    assert_eq!(request.userkey, "k");
    assert_eq!(request.action, "DID.LIST");
    assert_eq!(request.param("A"), Some(""));
    assert_eq!(
        request.param("B"),
        Some(""),
        "a key without = has an empty value"
    );
    assert_eq!(request.param("C"), Some("v"));
}

#[test]
fn empty_pairs_are_skipped() {
    let request = parse("&&userkey=k&&&action=A&&param[P]=1&");
    assert_eq!(request.userkey, "k");
    assert_eq!(request.param("P"), Some("1"));
}

#[test]
fn unknown_keys_are_ignored() {
    let request = parse("action=A&_=1712345678&nocache=x&paramX=1&params=2&variable=3");
    assert_eq!(request.params().count(), 0);
    assert_eq!(request.variables().count(), 0);
}

#[test]
fn a_missing_userkey_reads_as_empty() {
    assert_eq!(parse("action=A").userkey, "");
    assert_eq!(parse("action=A&userkey=").userkey, "");
}

#[test]
fn a_query_of_exactly_the_limit_is_read() {
    let head = "action=A&_=";
    let query = format!("{head}{}", "x".repeat(MAX_BODY_BYTES - head.len()));
    assert_eq!(parse(&query).action, "A");
}

// ---- refused ----------------------------------------------------------------------

#[test]
fn refuses_a_query_over_the_limit() {
    let head = "action=A&_=";
    let query = format!("{head}{}", "x".repeat(MAX_BODY_BYTES + 1 - head.len()));
    assert_refused(&query, "at most 65536 bytes");
}

#[test]
fn refuses_what_does_not_decode_to_utf8() {
    assert_refused(
        "action=A&param[T]=%E9t%E9",
        "the query string value '%E9t%E9' does not decode to valid UTF-8",
    );
    assert_refused(
        "action=A&param[%FF]=1",
        "the query string key 'param[%FF]' does not decode",
    );
    assert_refused("userkey=%C3&action=A", "not decode to valid UTF-8");
    // every pair is decoded, even one whose key is then ignored
    assert_refused(
        "action=A&_=%FF",
        "the query string value '%FF' does not decode",
    );
}

#[test]
fn refuses_a_malformed_bracket_key() {
    for key in [
        "param[",
        "param[]",
        "param[A",
        "PARAM[]",
        "param[A]x",
        "param[A[B]",
        "param[A]]",
        "var[",
        "var[]",
        "Var[X",
    ] {
        assert_refused(
            &format!("action=A&{key}=1"),
            &format!("the query key '{key}' is not of the form"),
        );
    }
}

#[test]
fn refuses_a_parameter_or_variable_given_twice() {
    assert_refused(
        "action=A&param[P]=1&param[P]=2",
        "param[P] is given more than once",
    );
    assert_refused(
        "action=A&param[P]=1&PARAM[P]=1",
        "param[P] is given more than once",
    );
    assert_refused(
        "action=A&param[P]=1&param%5BP%5D=2",
        "param[P] is given more than once",
    );
    assert_refused(
        "action=A&var[X]=1&Var[X]=2",
        "var[X] is given more than once",
    );
}

#[test]
fn refuses_a_doubled_userkey_or_action() {
    assert_refused(
        "userkey=a&action=A&USERKEY=b",
        "gives userkey more than once",
    );
    assert_refused("action=A&Action=B", "gives action more than once");
}

#[test]
fn refuses_a_missing_or_empty_action() {
    assert_refused("userkey=k", "the request gives no action");
    assert_refused("", "the request gives no action");
    assert_refused("userkey=k&action=", "the action of the request is empty");
    assert_refused("userkey=k&action=+%20", "is empty");
    assert_refused("userkey=k&action", "is empty");
}

// ---- a POSTed form, with the query string of the same request ------------------------

#[test]
fn a_form_body_reads_like_a_query_string() {
    let request = parse_v2_form("", "USERKEY=abc&action=DID.LIST&param[LIMIT]=5").unwrap();
    assert_eq!(request.userkey, "abc");
    assert_eq!(request.action, "DID.LIST");
    assert_eq!(request.param("LIMIT"), Some("5"));
}

#[test]
fn a_form_and_its_query_string_are_read_together() {
    let request = parse_v2_form("action=DID.LIST&param[LIMIT]=5", "userkey=abc").unwrap();
    assert_eq!(request.userkey, "abc");
    assert_eq!(request.action, "DID.LIST");
    assert_eq!(request.param("LIMIT"), Some("5"));
}

#[test]
fn a_key_in_both_with_the_same_value_counts_once() {
    let request = parse_v2_form("USERKEY=abc&action=DID.LIST", "userkey=abc").unwrap();
    assert_eq!(request.userkey, "abc");
}

#[test]
fn a_key_in_both_with_different_values_is_refused() {
    for (query, form) in [
        ("userkey=abc&action=DID.LIST", "USERKEY=def"),
        ("action=DID.LIST", "action=DID.ORDER&userkey=k"),
        ("action=DID.LIST&param[LIMIT]=5", "PARAM[LIMIT]=6&userkey=k"),
    ] {
        let e = parse_v2_form(query, form).expect_err(form);
        assert!(e.0.contains("different values"), "{}", e.0);
    }
}

#[test]
fn a_key_given_twice_in_the_form_is_refused() {
    let e = parse_v2_form("", "userkey=a&action=DID.LIST&param[X]=1&param[X]=1").unwrap_err();
    assert!(e.0.contains("more than once"), "{}", e.0);
}

#[test]
fn an_oversized_form_is_refused() {
    let form = format!("action=DID.LIST&param[T]={}", "a".repeat(MAX_BODY_BYTES));
    let e = parse_v2_form("", &form).unwrap_err();
    assert!(e.0.contains("form body"), "{}", e.0);
}
