//! Removes idempotency keys and their answers once they are 24 hours old (`events.md`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::store::Store;

/// How often expired keys are purged.
pub const INTERVAL: Duration = Duration::from_secs(600);

pub async fn run(store: Arc<dyn Store>, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        match store.purge_keys().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
            Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
        }
        if super::stopped_within(&mut stop, interval).await {
            return;
        }
    }
}
