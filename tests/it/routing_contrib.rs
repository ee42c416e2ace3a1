//! The shipped FreeSWITCH and Asterisk configurations ask what the endpoints serve and
//! read what they answer (Kamailio's is run for real in `routing_kamailio`).

use quick_xml::Reader;
use quick_xml::events::Event;

const FREESWITCH: &str = include_str!("../../contrib/freeswitch/xml_curl.conf.xml");
const ASTERISK: &str = include_str!("../../contrib/asterisk/extensions.conf");

/// Every `<param name=... value=...>` of the binding, in order.
fn params(xml: &str) -> Vec<(String, String, Option<String>)> {
    let mut reader = Reader::from_str(xml);
    let mut params = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Empty(e) | Event::Start(e) if e.name().as_ref() == "param" => {
                let attr = |name: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| a.value.into_owned())
                };
                params.push((
                    attr("name").unwrap(),
                    attr("value").unwrap(),
                    attr("bindings"),
                ));
            }
            Event::Eof => return params,
            _ => {}
        }
    }
}

#[test]
fn the_freeswitch_binding_posts_the_fields_the_endpoint_reads_with_the_token_as_password() {
    let params = params(FREESWITCH);
    let value = |name: &str| {
        params
            .iter()
            .find(|p| p.0 == name)
            .map(|p| (p.1.clone(), p.2.clone()))
    };
    let (url, bindings) = value("gateway-url").unwrap();
    assert!(url.ends_with("/route/freeswitch"), "{url}");
    assert_eq!(bindings.as_deref(), Some("dialplan"));
    let (credentials, _) = value("gateway-credentials").unwrap();
    assert!(credentials.contains(':'), "user:token");
    assert_eq!(value("auth-scheme").unwrap().0, "basic");
    let posted: Vec<&str> = params
        .iter()
        .filter(|p| p.0 == "enable-post-var")
        .map(|p| p.1.as_str())
        .collect();
    for field in [
        "section",
        "Caller-Destination-Number",
        "Hunt-Destination-Number",
        "Caller-Context",
        "Hunt-Context",
    ] {
        assert!(posted.contains(&field), "{field} is not posted");
    }
}

#[test]
fn the_asterisk_dialplan_asks_the_endpoint_and_knows_its_words() {
    for needle in [
        "/route/asterisk?did=${URIENCODE(${EXTEN})}&token=${DIDHUB_TOKEN}",
        "\"${DIDHUB_ROUTES}\" = \"\"",
        "\"${DIDHUB_ROUTES}\" = \"SUSPENDED\"",
        "\"${DIDHUB_ROUTES}\" = \"UNROUTABLE\"",
        "CUT(DIDHUB_ROUTES,^,${DIDHUB_I})",
        "Dial(${DIDHUB_DIAL},${DIDHUB_RING_SECS})",
    ] {
        assert!(ASTERISK.contains(needle), "{needle} missing");
    }
}
