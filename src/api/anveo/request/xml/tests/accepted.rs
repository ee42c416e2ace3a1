//! The v3 reader: every form it accepts, read as Anveo's clients send it.

use super::*;

// ---- accepted -------------------------------------------------------------------

#[test]
fn reads_the_spec_example() {
    let request = parse(SPEC_EXAMPLE);
    assert_eq!(request.userkey, "api key");
    assert_eq!(request.action, "DID.ORDER");
    let params: Vec<_> = request.params().collect();
    assert_eq!(
        params,
        [
            ("DID_TYPE", "GEOGRAPHIC"),
            ("SIGNATURE", "40 hex chars"),
            ("TEST", "TRUE")
        ]
    );
    assert_eq!(request.variables().collect::<Vec<_>>(), [("X", "value")]);
    assert_eq!(
        request.param("VARIABLE"),
        None,
        "a variable is not a parameter"
    );
}

#[test]
fn the_declaration_is_optional_and_may_name_utf8_and_standalone() {
    for declaration in [
        "",
        r#"<?xml version="1.0"?>"#,
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?>"#,
        r#"<?xml version='1.0' standalone='no' ?>"#,
    ] {
        let body = format!("{declaration}\n{}", with_action_content(""));
        assert_eq!(parse(&body).action, "A", "{declaration}");
    }
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let body = format!("\u{FEFF}{SPEC_EXAMPLE}");
    assert_eq!(parse(&body).action, "DID.ORDER");
}

#[test]
fn comments_are_accepted_anywhere() {
    let body = r#"<!-- a --><?xml version="1.0"?>"#;
    assert_refused(body, "declaration"); // a comment before the declaration is not XML
    let body = r#"<?xml version="1.0"?><!-- a --><REQUEST><!-- b -->
        <USERTOKEN><!-- c --><USERKEY>k<!-- d -->ey</USERKEY></USERTOKEN>
        <ACTION NAME="A"><!-- e --><PARAMETER NAME="P">v<!-- f -->w</PARAMETER></ACTION>
        </REQUEST><!-- g -->"#;
    let request = parse(body);
    assert_eq!(request.userkey, "key");
    assert_eq!(request.param("P"), Some("vw"));
}

#[test]
fn cdata_is_text_in_values() {
    assert_eq!(param_value("<![CDATA[a<b&c]]>"), "a<b&c");
    let body = r#"<REQUEST><USERTOKEN><USERKEY><![CDATA[ key ]]></USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#;
    assert_eq!(parse(body).userkey, "key");
}

#[test]
fn a_value_is_text_cdata_and_references_joined_then_trimmed() {
    assert_eq!(
        param_value("  a&amp;<![CDATA[ & ]]>&#65;&#x42;&lt;&gt;&apos;&quot;  "),
        "a& & AB<>'\""
    );
    assert_eq!(param_value("\n\t value \r\n"), "value");
    assert_eq!(param_value("line 1\r\nline 2"), "line 1\nline 2");
    assert_eq!(param_value("&#x1F600;"), "\u{1F600}");
}

#[test]
fn self_closing_elements_are_empty() {
    let body = r#"<REQUEST><USERTOKEN><USERKEY/></USERTOKEN><ACTION NAME="A"><PARAMETER NAME="P"/></ACTION></REQUEST>"#;
    let request = parse(body);
    assert_eq!(
        request.userkey, "",
        "an empty key is read; authentication fails it"
    );
    assert_eq!(request.param("P"), Some(""));
    let body =
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A" /></REQUEST>"#;
    assert_eq!(parse(body).params().count(), 0);
}

#[test]
fn whitespace_between_elements_and_around_names_is_ignored() {
    let body = "\n\t<REQUEST >\r\n <USERTOKEN>\n<USERKEY>\n k \n</USERKEY>\n</USERTOKEN>\n \
                <ACTION NAME=\" DID.LIST \">\n<PARAMETER NAME=\" P \" > v </PARAMETER >\n</ACTION>\n</REQUEST>\n\n";
    let request = parse(body);
    assert_eq!(request.userkey, "k");
    assert_eq!(request.action, "DID.LIST");
    assert_eq!(request.param("P"), Some("v"));
}

#[test]
fn action_may_come_before_usertoken() {
    let body =
        r#"<REQUEST><ACTION NAME="A"/><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN></REQUEST>"#;
    let request = parse(body);
    assert_eq!(
        (request.userkey.as_str(), request.action.as_str()),
        ("k", "A")
    );
}

#[test]
fn references_in_attributes_are_resolved() {
    let body = with_action_content(
        r#"<PARAMETER NAME="A&amp;B&#x43;">1</PARAMETER><PARAMETER NAME="VARIABLE" VARIABLENAME='x&lt;&#121;'>2</PARAMETER>"#,
    );
    let request = parse(&body);
    assert_eq!(request.param("A&BC"), Some("1"));
    assert_eq!(request.variable("x<y"), Some("2"));
}

#[test]
fn unknown_attributes_are_ignored() {
    let body = r#"<REQUEST xmlns="urn:x" id='1'><USERTOKEN a="b"><USERKEY c="d">k</USERKEY></USERTOKEN><ACTION NAME="A" VERSION="3"><PARAMETER NAME="P" TYPE="s">v</PARAMETER></ACTION></REQUEST>"#;
    assert_eq!(parse(body).param("P"), Some("v"));
}

#[test]
fn parameter_names_are_case_sensitive() {
    let request = parse(&with_action_content(
        r#"<PARAMETER NAME="TEST">1</PARAMETER><PARAMETER NAME="test">2</PARAMETER>"#,
    ));
    assert_eq!(request.param("TEST"), Some("1"));
    assert_eq!(request.param("test"), Some("2"));
    assert_eq!(request.param("Test"), None);
}

#[test]
fn the_action_name_is_kept_as_given() {
    let body = r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="did.order"/></REQUEST>"#;
    assert_eq!(
        parse(body).action,
        "did.order",
        "the dispatcher decides what it matches"
    );
}

#[test]
fn only_name_variable_in_upper_case_makes_a_variable() {
    let request = parse(&with_action_content(
        r#"<PARAMETER NAME="variable">1</PARAMETER><PARAMETER NAME="VARIABLE" VARIABLENAME="x">2</PARAMETER><PARAMETER NAME="VARIABLE" VARIABLENAME="X">3</PARAMETER>"#,
    ));
    assert_eq!(request.param("variable"), Some("1"));
    assert_eq!(
        request.variables().collect::<Vec<_>>(),
        [("X", "3"), ("x", "2")]
    );
}

#[test]
fn a_body_of_exactly_the_limit_is_read() {
    let head = with_action_content("");
    let body = format!("{head}{}", " ".repeat(MAX_BODY_BYTES - head.len()));
    assert_eq!(body.len(), MAX_BODY_BYTES);
    assert_eq!(parse(&body).action, "A");
}
