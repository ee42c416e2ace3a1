//! The renewal sweep of `serve` (`billing.md`): every `billing_sweep_secs`, one run of
//! [`admin::billing`](crate::admin::billing) as of the store's clock. On PostgreSQL
//! every process runs it; the store shares the work out. Off when `renewals = false`.

use std::sync::Arc;

use tokio::sync::watch;

use crate::admin::billing::run_while;
use crate::config::billing::BillingSettings;
use crate::store::Store;

pub async fn run(
    store: Arc<dyn Store>,
    settings: BillingSettings,
    mut stop: watch::Receiver<bool>,
) {
    if !settings.renewals {
        tracing::info!("renewals are off (renewals = false): no billing sweep");
        return;
    }
    loop {
        let stopping = stop.clone();
        let as_of = store.now();
        match run_while(store.as_ref(), as_of, settings.policy, || {
            !*stopping.borrow()
        })
        .await
        {
            Ok(summary) if summary.is_empty() => {}
            Ok(summary) => tracing::info!(
                renewed = summary.renewed,
                reactivated = summary.reactivated,
                suspended = summary.suspended,
                released = summary.released,
                charged100 = summary.charged100,
                "billing run"
            ),
            Err(e) => tracing::warn!(error = %e, "billing run failed; the next run retries"),
        }
        if super::stopped_within(&mut stop, settings.sweep).await {
            return;
        }
    }
}
