//! The exact format of each rendering.

use super::json::JsonAnswer;
use super::{asterisk, freeswitch, json, kamailio};
use crate::domain::routing_lookup::{RouteRecord, RoutingSettings, lookup};
use crate::domain::{AccountNumber, E164};

fn e164() -> E164 {
    E164::parse("e164", "12125550123").unwrap()
}

fn answer(
    to: &str,
    suspended: bool,
    limit: Option<u32>,
) -> crate::domain::routing_lookup::RouteAnswer {
    let record = RouteRecord {
        e164: e164(),
        state: "active".into(),
        suspended,
        account_number: Some(AccountNumber::parse("a", "1000000001").unwrap()),
        call_forward_type: if to.is_empty() { "CALLFLOW" } else { "SIP_URI" }.into(),
        call_forward_to: if to.is_empty() { "flow1" } else { to }.into(),
        channels_limit: limit,
    };
    lookup(e164(), Some(&record), &RoutingSettings::default())
}

fn not_found() -> crate::domain::routing_lookup::RouteAnswer {
    lookup(e164(), None, &RoutingSettings::default())
}

const TWO: &str = "$[E164]$@pbx.example.com:5060,backup@10.0.0.2";

#[test]
fn json_has_every_key_in_order() {
    assert_eq!(
        json::render(&JsonAnswer::of(&answer(TWO, false, Some(2)))),
        r#"{"did":"12125550123","status":"Active","account_number":"1000000001","channels_limit":2,"routable":true,"reason":null,"routes":[{"uri":"sip:12125550123@pbx.example.com:5060","timeout_ms":30000},{"uri":"sip:backup@10.0.0.2","timeout_ms":30000}]}"#
    );
    assert_eq!(
        json::render(&JsonAnswer::of(&answer(TWO, true, None))),
        r#"{"did":"12125550123","status":"Suspended","account_number":"1000000001","channels_limit":null,"routable":false,"reason":"suspended","routes":[]}"#
    );
    assert_eq!(
        json::render(&JsonAnswer::of(&not_found())),
        r#"{"did":"12125550123","status":null,"account_number":null,"channels_limit":null,"routable":false,"reason":"not_found","routes":[]}"#
    );
}

#[test]
fn kamailio_is_rtjson_beside_the_lookup() {
    let routable = answer(TWO, false, None);
    assert_eq!(
        kamailio::render(&JsonAnswer::of(&routable)),
        format!(
            r#"{{"rtjson":{{"version":"1.0","routing":"serial","routes":[{{"uri":"sip:12125550123@pbx.example.com:5060","fr_inv_timer":30000}},{{"uri":"sip:backup@10.0.0.2","fr_inv_timer":30000}}]}},"didhub":{}}}"#,
            json::render(&JsonAnswer::of(&routable))
        )
    );
    let suspended = answer(TWO, true, None);
    assert_eq!(
        kamailio::render(&JsonAnswer::of(&suspended)),
        format!(
            r#"{{"rtjson":{{"success":false}},"didhub":{}}}"#,
            json::render(&JsonAnswer::of(&suspended))
        )
    );
}

#[test]
fn freeswitch_bridges_serially_with_the_limit() {
    let xml = freeswitch::render(&answer(TWO, false, Some(3)), "public", "external");
    assert_eq!(
        xml,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<document type="freeswitch/xml">
  <section name="dialplan" description="didhub">
    <context name="public">
      <extension name="didhub_12125550123">
        <condition field="destination_number" expression="^\+?12125550123$">
          <action application="set" data="didhub_account=1000000001"/>
          <action application="limit" data="hash didhub 12125550123 3 !USER_BUSY"/>
          <action application="set" data="call_timeout=30"/>
          <action application="bridge" data="sofia/external/12125550123@pbx.example.com:5060|sofia/external/backup@10.0.0.2"/>
        </condition>
      </extension>
    </context>
  </section>
</document>
"#
    );
    let no_limit = freeswitch::render(&answer(TWO, false, None), "public", "external");
    assert!(!no_limit.contains("limit"));
}

#[test]
fn freeswitch_rejects_suspended_and_unroutable_and_says_not_found() {
    for answer in [answer(TWO, true, Some(3)), answer("", false, None)] {
        let xml = freeswitch::render(&answer, "from<pstn>", "external");
        assert!(
            xml.contains(r#"<context name="from&lt;pstn&gt;">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<action application="respond" data="480"/>"#),
            "{xml}"
        );
        assert!(!xml.contains("bridge") && !xml.contains("limit"), "{xml}");
    }
    assert_eq!(
        freeswitch::render(&not_found(), "public", "external"),
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<document type="freeswitch/xml">
  <section name="result">
    <result status="not found"/>
  </section>
</document>
"#
    );
}

#[test]
fn freeswitch_reads_hunt_fields_before_caller_fields() {
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let query = freeswitch::DialplanQuery::from_pairs(&pairs(&[
        ("section", "dialplan"),
        ("Caller-Destination-Number", "1"),
        ("Hunt-Destination-Number", "2"),
        ("Caller-Context", "a"),
        ("Hunt-Context", "b"),
    ]));
    assert_eq!(query.destination.as_deref(), Some("2"));
    assert_eq!(query.context, "b");
    let query =
        freeswitch::DialplanQuery::from_pairs(&pairs(&[("Caller-Destination-Number", "1")]));
    assert_eq!(query.destination.as_deref(), Some("1"));
    assert_eq!(query.context, freeswitch::DEFAULT_CONTEXT);
    assert_eq!(query.section, "");
}

#[test]
fn asterisk_dial_strings_joined_by_carets() {
    assert_eq!(
        asterisk::render(&answer(TWO, false, None), "didhub"),
        "PJSIP/didhub/sip:12125550123@pbx.example.com:5060^PJSIP/didhub/sip:backup@10.0.0.2"
    );
    assert_eq!(
        asterisk::render(&answer(TWO, true, None), "didhub"),
        "SUSPENDED"
    );
    assert_eq!(
        asterisk::render(&answer("", false, None), "didhub"),
        "UNROUTABLE"
    );
    assert_eq!(asterisk::render(&not_found(), "didhub"), "");
}
