use super::*;
use crate::domain::{Channels, DidStatus, DidType, E164, RatePlanId, Routing};

fn sample_did() -> Did {
    Did {
        e164: E164::parse("E164", "12125550123").unwrap(),
        did_type: DidType::Geographic,
        routing: Routing::default(),
        status: DidStatus::Active,
        country_name: "UNITED STATES".into(),
        area_name: "New York".into(),
        area_code: "212".into(),
        monthly: Money(149),
        rate_plan_id: RatePlanId::default_plan(),
        title: "office".into(),
        account_number: AccountNumber::parse("A", "1234567895").unwrap(),
        ordered_at: Some(1_767_225_600),
        paid_until: None,
        channels: Channels {
            limit: Some(2),
            ondemand: None,
        },
    }
}

#[test]
fn a_did_event_carries_the_did_as_the_api_shows_it_and_the_order() {
    let main = AccountNumber::parse("A", "1234567895").unwrap();
    let event = Event::did(
        EventType::DidOrdered,
        &sample_did(),
        &main,
        Some(7),
        1_767_225_600,
    );
    assert!(
        event.id.starts_with("evt_") && event.id.len() == 36,
        "{}",
        event.id
    );
    let body: serde_json::Value = serde_json::from_str(&event.body()).unwrap();
    assert_eq!(body["type"], "did.ordered");
    assert_eq!(body["occurred_at"], "2026-01-01T00:00:00Z");
    assert_eq!(body["account_number"], "1234567895");
    let data = &body["data"];
    assert_eq!(data["E164"], "12125550123");
    assert_eq!(data["MONTHLY100"], 149);
    assert_eq!(data["ORDER_DATE"], "2026-01-01 00:00:00");
    assert_eq!(data["PAID_UNTIL"], "");
    assert_eq!(data["CHANNELS_LIMIT"], 2);
    assert_eq!(data["CHANNELS_ONDEMAND"], serde_json::Value::Null);
    assert_eq!(data["ORDER_ID"], 7);
    assert_eq!(data.as_object().unwrap().len(), 19);
    assert_eq!(event.body(), event.body(), "the same bytes every time");
}

#[test]
fn ids_sort_by_creation() {
    let a = new_id("evt_");
    let b = new_id("evt_");
    assert!(a < b, "{a} {b}");
}

#[test]
fn filters_take_types_and_prefixes() {
    let all = EventFilter::parse("EVENTS", "").unwrap();
    assert_eq!(all.to_string(), "*");
    assert!(all.matches(EventType::SmsSent));
    let dids = EventFilter::parse("EVENTS", " did.* , account.credited,did.*").unwrap();
    assert_eq!(dids.to_string(), "did.*,account.credited");
    assert!(dids.matches(EventType::DidReleased));
    assert!(dids.matches(EventType::AccountCredited));
    assert!(!dids.matches(EventType::SmsReceived));
    let one = EventFilter::parse("EVENTS", "did.canceled").unwrap();
    assert!(one.matches(EventType::DidCanceled) && !one.matches(EventType::DidOrdered));
    for bad in ["did.bought", "nothing.*", "di.*", "did"] {
        assert!(EventFilter::parse("EVENTS", bad).is_err(), "{bad}");
    }
    assert_eq!(EventType::parse("T", "did.moved"), Ok(EventType::DidMoved));
}

#[test]
fn the_patterns_matching_a_type_are_exactly_those_whose_filter_takes_it() {
    // Every pattern a webhook can store: `*`, each type, each prefix.
    let mut stored: Vec<String> = vec!["*".into()];
    for t in EventType::ALL {
        let name = t.as_str();
        stored.push(name.into());
        stored.push(format!("{}.*", name.split('.').next().unwrap()));
    }
    for t in EventType::ALL {
        let matching = EventFilter::patterns_matching(t);
        for pattern in &stored {
            let filter = EventFilter::parse("EVENTS", pattern).unwrap();
            assert_eq!(
                filter.matches(t),
                matching.contains(pattern),
                "{pattern} and {t}"
            );
        }
    }
    assert_eq!(
        EventFilter::patterns_matching(EventType::DidOrdered),
        ["*", "did.ordered", "did.*"]
    );
}
