//! The v3 reader: every refusal, with the reason it gives (size, bytes, DTDs and
//! entities, shape).

use super::*;

// ---- refused: size, bytes and characters -----------------------------------------

#[test]
fn refuses_a_body_over_the_limit() {
    let head = with_action_content("");
    let body = format!("{head}{}", " ".repeat(MAX_BODY_BYTES + 1 - head.len()));
    assert_refused(&body, "at most 65536 bytes");
}

#[test]
fn refuses_an_empty_body() {
    assert_refused("", "the request body is empty");
    assert_refused(" \n ", "no <REQUEST>");
    assert_refused(r#"<?xml version="1.0"?><!-- nothing -->"#, "no <REQUEST>");
}

#[test]
fn refuses_invalid_utf8() {
    let mut body = with_action_content(r#"<PARAMETER NAME="P">x</PARAMETER>"#).into_bytes();
    let at = body.iter().position(|&b| b == b'x').unwrap();
    body[at] = 0xE9; // Latin-1 é
    assert_refused(&body, "not valid UTF-8");
}

#[test]
fn refuses_characters_xml_does_not_allow() {
    assert_refused(with_action_content("\u{1}"), "U+0001");
    assert_refused(with_action_content("\u{FFFF}"), "U+FFFF");
    for reference in [
        "&#0;",
        "&#1;",
        "&#xD800;",
        "&#xFFFE;",
        "&#x110000;",
        "&#xZZ;",
        "&#;",
    ] {
        assert_refused(param_body(reference), "character reference");
    }
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="a&#1;">v</PARAMETER>"#),
        "character XML does not allow",
    );
}

fn param_body(content: &str) -> String {
    with_action_content(&format!(r#"<PARAMETER NAME="P">{content}</PARAMETER>"#))
}

// ---- refused: DTDs, entities, declaration ------------------------------------------

#[test]
fn refuses_any_doctype() {
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<REQUEST><USERTOKEN><USERKEY>&lol2;</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#;
    assert_refused(laughs, "DOCTYPE");
    let external = r#"<!DOCTYPE REQUEST SYSTEM "file:///etc/passwd"><REQUEST/>"#;
    assert_refused(external, "DOCTYPE");
    assert_refused(
        format!("{}<!DOCTYPE x>", with_action_content("")),
        "DOCTYPE",
    );
}

#[test]
fn refuses_entities_other_than_the_predefined_five() {
    assert_refused(param_body("&xxe;"), "entity reference &xxe; is not allowed");
    assert_refused(param_body("&nbsp;"), "&nbsp;");
    assert_refused(param_body("&AMP;"), "&AMP;"); // names are case sensitive
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="&xxe;">v</PARAMETER>"#),
        "entity reference &xxe; is not allowed",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="&copy;"/></REQUEST>"#,
        "&copy;",
    );
    // even where the text would be refused anyway, the entity is named first
    assert_refused(with_action_content("&xxe;"), "&xxe;");
}

#[test]
fn refuses_a_lone_ampersand() {
    assert_refused(param_body("a & b"), "well-formed");
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="a & b">v</PARAMETER>"#),
        "NAME",
    );
}

#[test]
fn refuses_an_encoding_other_than_utf8() {
    for encoding in ["ISO-8859-1", "UTF-16", "windows-1252", "utf8"] {
        let body = format!(
            r#"<?xml version="1.0" encoding="{encoding}"?>{}"#,
            with_action_content("")
        );
        assert_refused(&body, &format!("encoding '{encoding}'"));
    }
}

#[test]
fn refuses_a_declaration_that_is_not_first() {
    assert_refused(format!("\n{SPEC_EXAMPLE}"), "very start");
    assert_refused(param_body(r#"<?xml version="1.0"?>"#), "very start");
}

#[test]
fn refuses_processing_instructions() {
    assert_refused(
        format!("<?php echo 1; ?>{}", with_action_content("")),
        "processing instructions",
    );
    assert_refused(param_body("<?x y?>"), "processing instructions");
}

// ---- refused: the shape -------------------------------------------------------------

#[test]
fn refuses_a_wrong_root() {
    assert_refused(
        "<request/>",
        "the root element must be <REQUEST>, not <request>",
    );
    assert_refused("<RESPONSE/>", "not <RESPONSE>");
    assert_refused("<x:REQUEST xmlns:x='u'/>", "not <x:REQUEST>");
}

#[test]
fn refuses_elements_in_the_wrong_case() {
    assert_refused(
        with_action_content(r#"<Parameter NAME="P">v</Parameter>"#),
        "the element <Parameter> is not allowed inside <ACTION>",
    );
    assert_refused(
        r#"<REQUEST><usertoken><USERKEY>k</USERKEY></usertoken><ACTION NAME="A"/></REQUEST>"#,
        "<usertoken> is not allowed inside <REQUEST>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><UserKey>k</UserKey></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "<UserKey> is not allowed inside <USERTOKEN>",
    );
}

#[test]
fn refuses_unknown_elements_anywhere() {
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/><EXTRA/></REQUEST>"#,
        "<EXTRA> is not allowed inside <REQUEST>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY><PASSWORD/></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "<PASSWORD> is not allowed inside <USERTOKEN>",
    );
    assert_refused(
        with_action_content("<ACTION NAME='B'/>"),
        "<ACTION> is not allowed inside <ACTION>",
    );
    assert_refused(
        r#"<REQUEST><PARAMETER NAME="P"/><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "<PARAMETER> is not allowed inside <REQUEST>",
    );
}

#[test]
fn refuses_child_elements_in_values() {
    assert_refused(
        param_body("<B>x</B>"),
        "<B> is not allowed inside <PARAMETER>: it holds text only",
    );
    assert_refused(param_body(r#"<PARAMETER NAME="Q"/>"#), "inside <PARAMETER>");
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY><B/></USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "<B> is not allowed inside <USERKEY>",
    );
}

#[test]
fn refuses_a_missing_or_doubled_usertoken() {
    assert_refused(
        r#"<REQUEST><ACTION NAME="A"/></REQUEST>"#,
        "<REQUEST> has no <USERTOKEN>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "more than one <USERTOKEN>",
    );
}

#[test]
fn refuses_a_missing_or_doubled_userkey() {
    assert_refused(
        r#"<REQUEST><USERTOKEN/><ACTION NAME="A"/></REQUEST>"#,
        "<USERTOKEN> has no <USERKEY>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>a</USERKEY><USERKEY>b</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "more than one <USERKEY>",
    );
}

#[test]
fn refuses_a_missing_or_doubled_action() {
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN></REQUEST>"#,
        "<REQUEST> has no <ACTION>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/><ACTION NAME="B"/></REQUEST>"#,
        "more than one <ACTION>",
    );
    assert_refused("<REQUEST/>", "no <USERTOKEN>");
}

#[test]
fn refuses_an_action_without_a_name() {
    let request = |action: &str| {
        format!("<REQUEST><USERTOKEN><USERKEY>k</USERKEY></USERTOKEN>{action}</REQUEST>")
    };
    assert_refused(request("<ACTION/>"), "<ACTION> has no NAME attribute");
    assert_refused(
        request(r#"<ACTION name="A"/>"#),
        "<ACTION> has no NAME attribute",
    );
    assert_refused(
        request(r#"<ACTION NAME=""/>"#),
        "<ACTION> has an empty NAME attribute",
    );
    assert_refused(
        request(r#"<ACTION NAME="  "/>"#),
        "<ACTION> has an empty NAME attribute",
    );
}

#[test]
fn refuses_a_parameter_without_a_name() {
    assert_refused(
        with_action_content("<PARAMETER>v</PARAMETER>"),
        "<PARAMETER> has no NAME attribute",
    );
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="">v</PARAMETER>"#),
        "empty NAME attribute",
    );
}

#[test]
fn refuses_a_parameter_given_twice() {
    assert_refused(
        with_action_content(
            r#"<PARAMETER NAME="P">1</PARAMETER><PARAMETER NAME="P">2</PARAMETER>"#,
        ),
        "the parameter NAME=\"P\" is given more than once",
    );
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="P"/><PARAMETER NAME=" P "/>"#),
        "NAME=\"P\" is given more than once",
    );
}

#[test]
fn refuses_a_malformed_or_doubled_variable() {
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="VARIABLE">v</PARAMETER>"#),
        "<PARAMETER NAME=\"VARIABLE\"> has no VARIABLENAME attribute",
    );
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="VARIABLE" VARIABLENAME="">v</PARAMETER>"#),
        "empty VARIABLENAME attribute",
    );
    assert_refused(
        with_action_content(
            r#"<PARAMETER NAME="VARIABLE" VARIABLENAME="X">1</PARAMETER><PARAMETER NAME="VARIABLE" VARIABLENAME="X">2</PARAMETER>"#,
        ),
        "VARIABLENAME=\"X\" is given more than once",
    );
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="P" VARIABLENAME="X">v</PARAMETER>"#),
        "only NAME=\"VARIABLE\" may have",
    );
}

#[test]
fn refuses_text_where_only_elements_belong() {
    assert_refused(
        format!("junk{SPEC_EXAMPLE}"),
        "not allowed before <REQUEST>",
    );
    assert_refused(
        r#"<REQUEST>key<USERTOKEN><USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "the text 'key' is not allowed inside <REQUEST>",
    );
    assert_refused(
        r#"<REQUEST><USERTOKEN>k<USERKEY>k</USERKEY></USERTOKEN><ACTION NAME="A"/></REQUEST>"#,
        "inside <USERTOKEN>",
    );
    assert_refused(
        with_action_content("P=1"),
        "the text 'P=1' is not allowed inside <ACTION>",
    );
    assert_refused(with_action_content("<![CDATA[x]]>"), "inside <ACTION>");
    assert_refused(
        with_action_content("&#65;"),
        "the text 'A' is not allowed inside <ACTION>",
    );
    assert_refused(with_action_content("&#160;"), "inside <ACTION>"); // not XML white space
}

#[test]
fn refuses_trailing_content_after_the_root() {
    assert_refused(
        format!("{SPEC_EXAMPLE}garbage"),
        "the text 'garbage' is not allowed after </REQUEST>",
    );
    assert_refused(
        format!("{SPEC_EXAMPLE}<REQUEST/>"),
        "<REQUEST> is not allowed after </REQUEST>",
    );
}

#[test]
fn refuses_unclosed_and_mismatched_tags() {
    let truncated = &SPEC_EXAMPLE[..SPEC_EXAMPLE.find("</ACTION>").unwrap()];
    assert_refused(
        truncated,
        "the request ends inside <ACTION> before its elements are closed",
    );
    assert_refused("<REQUEST>", "ends inside <REQUEST>");
    assert_refused(param_body("<![CDATA[x"), "well-formed");
    assert_refused(
        r#"<REQUEST><USERTOKEN><USERKEY>k</USERTOKEN></USERKEY><ACTION NAME="A"/></REQUEST>"#,
        "not well-formed XML",
    );
    assert_refused(format!("{SPEC_EXAMPLE}</REQUEST>"), "not well-formed XML");
    assert_refused("<REQUEST", "not well-formed XML");
}

#[test]
fn refuses_malformed_attributes_and_comments() {
    assert_refused(
        with_action_content(r#"<PARAMETER NAME="P" NAME="Q">v</PARAMETER>"#),
        "the attributes of <PARAMETER> are not well-formed",
    );
    assert_refused(
        with_action_content("<PARAMETER NAME=P>v</PARAMETER>"),
        "not well-formed",
    );
    assert_refused(param_body("<!-- a -- b -->"), "not well-formed XML");
}
