use super::*;
use crate::domain::AccountNumber;

fn number(status: DidStatus) -> ReceivingNumber {
    ReceivingNumber {
        e164: E164::parse("n", "12125550100").unwrap(),
        status,
        holder: AccountNumber::parse("a", "1000000001").unwrap(),
        main_account: AccountNumber::parse("a", "1000000001").unwrap(),
        sms_url: "https://x.example/in?m=$[message]$&f=$[from]$".into(),
        sms_email: "me@x.example".into(),
        sms_phone: "447700900123".into(),
    }
}

#[test]
fn only_an_active_number_forwards() {
    assert!(matches!(
        plan_inbound(None, "1", "hi"),
        InboundPlan::Undeliverable(reason) if reason.contains("not in service")
    ));
    for (status, says) in [
        (DidStatus::Suspended, "suspended"),
        (DidStatus::Canceled, "canceled"),
    ] {
        match plan_inbound(Some(&number(status)), "1", "hi") {
            InboundPlan::Undeliverable(reason) => assert!(reason.contains(says), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
    let InboundPlan::Deliver {
        channels,
        forward_to,
    } = plan_inbound(Some(&number(DidStatus::Active)), "Bank", "a&b")
    else {
        panic!("an active number forwards");
    };
    assert_eq!(
        channels,
        vec![
            (
                Channel::SmsUrl,
                "https://x.example/in?m=a%26b&f=Bank".to_owned()
            ),
            (Channel::SmsEmail, "me@x.example".to_owned()),
        ]
    );
    assert_eq!(forward_to.unwrap().as_str(), "447700900123");
    let mut bare = number(DidStatus::Active);
    bare.sms_url.clear();
    bare.sms_email.clear();
    bare.sms_phone.clear();
    assert_eq!(
        plan_inbound(Some(&bare), "1", "hi"),
        InboundPlan::Deliver {
            channels: vec![],
            forward_to: None
        }
    );
}

#[test]
fn reports_move_a_message_forward_only() {
    use OutboundState::*;
    assert_eq!(Queued.after_report(8).unwrap().state, Sent);
    assert_eq!(Queued.after_report(4).unwrap().state, Sent);
    assert!(Sent.after_report(8).is_none(), "no change");
    let delivered = Sent.after_report(1).unwrap();
    assert_eq!((delivered.state, delivered.refund), (Delivered, false));
    assert_eq!(Queued.after_report(1).unwrap().state, Delivered);
    assert!(Delivered.after_report(2).is_none(), "final");
    assert!(Delivered.after_report(8).is_none(), "never back");
    let undelivered = Sent.after_report(2).unwrap();
    assert_eq!((undelivered.state, undelivered.refund), (Failed, false));
    let rejected = Queued.after_report(16).unwrap();
    assert_eq!((rejected.state, rejected.refund), (Failed, true));
    assert!(Failed.after_report(16).is_none(), "refunded once");
    assert!(Queued.after_report(3).is_none(), "unknown type");
    let refused = Queued.after_refusal("HTTP 403").unwrap();
    assert_eq!((refused.state, refused.refund), (Failed, true));
    assert!(refused.reason.contains("HTTP 403"));
    assert!(Failed.after_refusal("again").is_none());
    assert!(Delivered.after_refusal("late").is_none());
}

#[test]
fn an_inbound_message_is_as_done_as_its_channels() {
    use InboundState::*;
    assert_eq!(InboundState::from_channels(true, 0, 1, 0), Undeliverable);
    assert_eq!(InboundState::from_channels(false, 0, 0, 0), Stored);
    assert_eq!(InboundState::from_channels(false, 1, 1, 0), Stored);
    assert_eq!(InboundState::from_channels(false, 0, 1, 1), Delivered);
    assert_eq!(InboundState::from_channels(false, 0, 0, 2), Failed);
}

#[test]
fn fees_are_parts_times_the_price() {
    assert_eq!(fee(3, Money(1)), Some(Money(3)));
    assert_eq!(fee(1, Money(7)), Some(Money(7)));
    assert_eq!(fee(2, Money(i64::MAX)), None);
}
