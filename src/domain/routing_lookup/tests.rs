use super::*;
use crate::domain::AccountNumber;

fn e164() -> E164 {
    E164::parse("e164", "12125550123").unwrap()
}

fn record(kind: &str, to: &str) -> RouteRecord {
    RouteRecord {
        e164: e164(),
        state: "active".into(),
        suspended: false,
        account_number: Some(AccountNumber::parse("a", "1000000001").unwrap()),
        call_forward_type: kind.into(),
        call_forward_to: to.into(),
        channels_limit: Some(4),
    }
}

fn settings() -> RoutingSettings {
    RoutingSettings {
        pstn_gateway: Some("gw.example.net:5070".into()),
        registrar: Some("reg.example.net".into()),
        trunks: RoutingSettings::parse_trunks("east=sip:a@t1.example.net,b@t2.example.net")
            .unwrap(),
        ring_timeout_secs: 20,
        ..RoutingSettings::default()
    }
}

fn uris(answer: &RouteAnswer) -> Vec<&str> {
    answer.routes.iter().map(|r| r.uri.as_str()).collect()
}

fn look(record: &RouteRecord, settings: &RoutingSettings) -> RouteAnswer {
    lookup(e164(), Some(record), settings)
}

#[test]
fn sip_uri_routes_each_uri_in_order_with_the_number_and_the_scheme() {
    let answer = look(
        &record(
            "SIP_URI",
            "$[E164]$@pbx.example.com:5060, sip:backup-$[e164]$@10.0.0.2",
        ),
        &settings(),
    );
    assert!(answer.routable());
    assert_eq!(
        uris(&answer),
        [
            "sip:12125550123@pbx.example.com:5060",
            "sip:backup-12125550123@10.0.0.2"
        ]
    );
    assert!(answer.routes.iter().all(|r| r.timeout_ms == 20_000));
    assert_eq!(answer.status, Some(DidStatus::Active));
    assert_eq!(answer.channels_limit, Some(4));
    assert_eq!(
        answer.account_number.as_ref().unwrap().as_str(),
        "1000000001"
    );
}

#[test]
fn phone_goes_to_the_pstn_gateway_or_does_not_route() {
    let answer = look(&record("PHONE", "442079460123"), &settings());
    assert_eq!(uris(&answer), ["sip:442079460123@gw.example.net:5070"]);
    let answer = look(
        &record("PHONE", "442079460123"),
        &RoutingSettings::default(),
    );
    assert_eq!(answer.reason, Some(Unroutable::NoPstnGateway));
    assert!(answer.routes.is_empty());
    assert_eq!(answer.status, Some(DidStatus::Active));
}

#[test]
fn sip_registered_uses_the_account_number_or_the_number_at_the_registrar() {
    assert_eq!(
        uris(&look(&record("SIP_REGISTERED", "ACCOUNT"), &settings())),
        ["sip:1000000001@reg.example.net"]
    );
    assert_eq!(
        uris(&look(&record("SIP_REGISTERED", "E164"), &settings())),
        ["sip:12125550123@reg.example.net"]
    );
    let answer = look(
        &record("SIP_REGISTERED", "E164"),
        &RoutingSettings::default(),
    );
    assert_eq!(answer.reason, Some(Unroutable::NoRegistrar));
}

#[test]
fn trunk_uses_the_configured_uris_and_refuses_an_unknown_id() {
    assert_eq!(
        uris(&look(&record("TRUNK", "east"), &settings())),
        ["sip:a@t1.example.net", "sip:b@t2.example.net"]
    );
    let answer = look(&record("TRUNK", "west"), &settings());
    assert_eq!(answer.reason, Some(Unroutable::UnknownTrunk));
}

#[test]
fn callflow_and_no_type_do_not_route() {
    let answer = look(&record("CALLFLOW", "abc123"), &settings());
    assert_eq!(answer.reason, Some(Unroutable::CallflowUnsupported));
    assert_eq!(answer.reason.unwrap().as_str(), "callflow_unsupported");
    let answer = look(&record("", ""), &settings());
    assert_eq!(answer.reason, Some(Unroutable::NoRoute));
}

#[test]
fn only_active_routes_suspended_is_rejected_and_the_rest_is_not_found() {
    let mut suspended = record("SIP_URI", "a@pbx.example.com");
    suspended.suspended = true;
    let answer = look(&suspended, &settings());
    assert_eq!(answer.status, Some(DidStatus::Suspended));
    assert_eq!(answer.reason, Some(Unroutable::Suspended));
    assert!(answer.routes.is_empty() && answer.found());

    let mut aging = record("SIP_URI", "a@pbx.example.com");
    aging.state = "aging".into();
    let answer = look(&aging, &settings());
    assert_eq!(answer.reason, Some(Unroutable::NotFound));
    assert_eq!(answer.status, None);
    assert_eq!(answer.account_number, None);

    let mut stock = record("", "");
    stock.state = "available".into();
    stock.account_number = None;
    assert!(!look(&stock, &settings()).found());
    assert!(!lookup(e164(), None, &settings()).found());
}

#[test]
fn a_zero_channel_limit_is_no_limit() {
    let mut r = record("SIP_URI", "a@pbx.example.com");
    r.channels_limit = Some(0);
    assert_eq!(look(&r, &settings()).channels_limit, None);
}

#[test]
fn the_called_number_is_read_from_digits_plus_or_uris() {
    for text in [
        "12125550123",
        "+12125550123",
        "sip:+12125550123@host;user=phone",
        "sip:12125550123@10.0.0.1:5060",
        "tel:+12125550123;phone-context=x",
        "%2B12125550123",
    ] {
        assert_eq!(parse_called_number(text), Some(e164()), "{text}");
    }
    for text in [
        "",
        "sip:alice@host",
        "http:12125550123",
        "0212555",
        "1212555012a",
    ] {
        assert_eq!(parse_called_number(text), None, "{text}");
    }
}

#[test]
fn settings_are_checked() {
    assert!(settings().check().is_ok());
    let bad = [
        RoutingSettings {
            ring_timeout_secs: 0,
            ..settings()
        },
        RoutingSettings {
            pstn_gateway: Some("gw example".into()),
            ..settings()
        },
        RoutingSettings {
            trunks: RoutingSettings::parse_trunks("bad id=a@b").unwrap(),
            ..settings()
        },
        RoutingSettings {
            trunks: RoutingSettings::parse_trunks("t=nohost").unwrap(),
            ..settings()
        },
        RoutingSettings {
            asterisk_endpoint: "a b".into(),
            ..settings()
        },
    ];
    for settings in bad {
        assert!(settings.check().is_err(), "{settings:?}");
    }
    assert!(RoutingSettings::parse_trunks("noequals").is_err());
}

#[test]
fn token_names_and_tokens() {
    assert!(tokens::validate_token_name("kamailio-1.east").is_ok());
    assert!(tokens::validate_token_name("").is_err());
    assert!(tokens::validate_token_name("a b").is_err());
    let token = tokens::generate_token();
    assert!(token.starts_with("rt_") && token.len() == 43);
}
