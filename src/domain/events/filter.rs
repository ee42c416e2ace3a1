//! Which events a webhook receives: `EVENTS` of WEBHOOK.ADD, a comma-separated list of
//! event types (`did.ordered`) and prefixes (`did.*`); absent or empty means all (`*`).

use std::fmt;

use super::EventType;
use crate::domain::DomainError;

/// A webhook's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter {
    /// Normalized: `*`, or each type or `prefix.*` once, in the order given.
    patterns: Vec<String>,
}

impl EventFilter {
    pub fn all() -> EventFilter {
        EventFilter {
            patterns: vec!["*".into()],
        }
    }

    /// Parses `EVENTS`; every entry must name a known type or the prefix of one.
    pub fn parse(name: &str, text: &str) -> Result<EventFilter, DomainError> {
        let mut patterns: Vec<String> = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let known = entry == "*"
                || match entry.strip_suffix(".*") {
                    Some(prefix) => EventType::ALL
                        .iter()
                        .any(|t| t.as_str().starts_with(&format!("{prefix}."))),
                    None => EventType::parse(name, entry).is_ok(),
                };
            if !known {
                return Err(DomainError::invalid(
                    name,
                    entry,
                    "expected event types such as did.ordered or prefixes such as did.*",
                ));
            }
            if !patterns.iter().any(|p| p == entry) {
                patterns.push(entry.to_owned());
            }
        }
        if patterns.is_empty() || patterns.iter().any(|p| p == "*") {
            return Ok(EventFilter::all());
        }
        Ok(EventFilter { patterns })
    }

    /// Every stored pattern that takes events of `event_type` (`*`, the type itself, and
    /// `prefix.*` for each prefix of its name), so a store can select the subscribed
    /// webhooks by the patterns they hold: a webhook receives the event exactly when one
    /// of its patterns is in this list (the same answer as [`EventFilter::matches`]).
    pub fn patterns_matching(event_type: EventType) -> Vec<String> {
        let name = event_type.as_str();
        let mut patterns = vec!["*".to_owned(), name.to_owned()];
        patterns.extend(
            name.match_indices('.')
                .map(|(at, _)| format!("{}.*", &name[..at])),
        );
        patterns
    }

    /// Whether an event of this type goes to the webhook.
    pub fn matches(&self, event_type: EventType) -> bool {
        let name = event_type.as_str();
        self.patterns.iter().any(|p| {
            p == "*"
                || p == name
                || p.strip_suffix('*')
                    .is_some_and(|prefix| name.starts_with(prefix))
        })
    }
}

impl fmt::Display for EventFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.patterns.join(","))
    }
}
