//! The delivery worker: claims due deliveries from the durable queue, sends each with
//! its channel's sender beside the API (never on a request's path), and records the
//! attempt with the retry schedule's verdict.
//!
//! Concurrency is bounded twice: at most `concurrency` attempts in flight in this
//! process, and at most `per_endpoint` to one target, so a dead endpoint holds a few
//! slots for at most a timeout each while the others go on. Targets at their bound are
//! left out of the next claim, and a claim that brings more for a busy target gives the
//! excess back at once. Claims are leases: on PostgreSQL every `serve` process runs a
//! worker on the same queue, and a process killed mid-attempt leaves leases that run
//! out, after which another worker (or the restarted one) attempts again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{Id, JoinSet};

use super::wall_clock_ms;
use crate::domain::delivery::{AttemptOutcome, ClaimedDelivery, DeliveryClaim, RetrySchedule};
use crate::domain::events::new_id;
use crate::outbound::{OutboundPolicy, Senders};
use crate::store::Store;

/// Attempts in flight, by task, with the target each holds a slot of.
struct InFlight {
    tasks: JoinSet<()>,
    targets: HashMap<Id, String>,
    per_target: HashMap<String, usize>,
}

impl InFlight {
    fn finished(&mut self, id: Id) {
        if let Some(target) = self.targets.remove(&id)
            && let Some(count) = self.per_target.get_mut(&target)
        {
            *count -= 1;
            if *count == 0 {
                self.per_target.remove(&target);
            }
        }
    }

    fn busy_targets(&self, per_endpoint: usize) -> Vec<String> {
        self.per_target
            .iter()
            .filter(|(_, count)| **count >= per_endpoint)
            .map(|(target, _)| target.clone())
            .collect()
    }
}

pub async fn run(store: Arc<dyn Store>, policy: OutboundPolicy, mut stop: watch::Receiver<bool>) {
    let senders = match Senders::new(&policy) {
        Ok(senders) => Arc::new(senders),
        Err(e) => {
            tracing::error!(error = %e, "the delivery worker cannot start");
            return;
        }
    };
    let mut in_flight = InFlight {
        tasks: JoinSet::new(),
        targets: HashMap::new(),
        per_target: HashMap::new(),
    };
    let lease_ms = policy.lease().as_millis() as i64;
    while !*stop.borrow() {
        let room = policy.concurrency.saturating_sub(in_flight.tasks.len());
        let mut more_due = false;
        if room > 0 {
            let now = wall_clock_ms();
            let claim = DeliveryClaim {
                now_ms: now,
                lease_until_ms: now + lease_ms,
                lease_token: new_id(""),
                limit: room as u32,
                skip_targets: in_flight.busy_targets(policy.per_endpoint),
            };
            match store.claim_deliveries(claim.clone()).await {
                Ok(claimed) => {
                    more_due = claimed.len() == room;
                    let excess = start_attempts(&store, &senders, &policy, &mut in_flight, claimed);
                    if !excess.is_empty()
                        && let Err(e) = store.release_deliveries(excess, &claim.lease_token).await
                    {
                        tracing::warn!(error = %e, "giving back claimed deliveries failed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming deliveries failed"),
            }
        }
        let pause = if more_due {
            Duration::ZERO
        } else {
            policy.poll
        };
        tokio::select! {
            Some(done) = in_flight.tasks.join_next_with_id(), if !in_flight.tasks.is_empty() => {
                match done {
                    Ok((id, ())) => in_flight.finished(id),
                    Err(e) => in_flight.finished(e.id()),
                }
            }
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
    // Attempts in flight finish (each within the timeout) and are recorded.
    while let Some(done) = in_flight.tasks.join_next_with_id().await {
        if let Err(e) = done {
            tracing::error!(error = %e, "a delivery attempt failed to finish");
        }
    }
}

/// Starts an attempt for each claimed delivery whose target has room; the ids of the
/// others, to give back.
fn start_attempts(
    store: &Arc<dyn Store>,
    senders: &Arc<Senders>,
    policy: &OutboundPolicy,
    in_flight: &mut InFlight,
    claimed: Vec<ClaimedDelivery>,
) -> Vec<i64> {
    let mut excess = Vec::new();
    for delivery in claimed {
        let busy = in_flight
            .per_target
            .entry(delivery.target.clone())
            .or_default();
        if *busy >= policy.per_endpoint {
            excess.push(delivery.delivery_id);
            continue;
        }
        *busy += 1;
        let target = delivery.target.clone();
        let task = attempt(
            store.clone(),
            senders.clone(),
            policy.schedule(delivery.channel).clone(),
            delivery,
        );
        let handle = in_flight.tasks.spawn(task);
        in_flight.targets.insert(handle.id(), target);
    }
    excess
}

/// One attempt and its record.
async fn attempt(
    store: Arc<dyn Store>,
    senders: Arc<Senders>,
    retry: RetrySchedule,
    delivery: ClaimedDelivery,
) {
    let outcome = senders.for_channel(delivery.channel).send(&delivery).await;
    let mut record = retry.after_attempt(&delivery, &outcome, wall_clock_ms());
    record.refused_sms = delivery.refused_sms(&record);
    let state = record.state;
    match store.record_attempt(record).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            delivery_id = delivery.delivery_id,
            "a delivery's lease ran out before its attempt was recorded"
        ),
        Err(e) => {
            tracing::error!(delivery_id = delivery.delivery_id, error = %e, "recording a delivery attempt failed")
        }
    }
    match &outcome {
        AttemptOutcome::Delivered => tracing::debug!(
            delivery_id = delivery.delivery_id,
            event_id = %delivery.event.id,
            "delivered"
        ),
        AttemptOutcome::Retryable(why) | AttemptOutcome::Permanent(why) => tracing::info!(
            delivery_id = delivery.delivery_id,
            event_id = %delivery.event.id,
            attempt = delivery.attempts + 1,
            state = state.as_str(),
            error = %why,
            "delivery attempt failed"
        ),
    }
}
