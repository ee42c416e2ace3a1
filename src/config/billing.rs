//! Billing's settings (`billing.md`): `renewals` (on by default; `false` pauses the
//! sweep, e.g. for a migration window), `billing_sweep_secs` (60) and `grace_days` (14).
//! The aging of a number released as unpaid is the same `aging_days` as DID.CANCEL's.

use std::time::Duration;

use super::FileConfig;
use crate::domain::billing::{BillingPolicy, DEFAULT_GRACE_DAYS};

/// Default seconds between two renewal runs of `serve`.
pub const DEFAULT_SWEEP_SECS: u64 = 60;

/// How `serve` bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingSettings {
    /// Whether `serve` runs the renewal sweep at all.
    pub renewals: bool,
    /// Time between two runs.
    pub sweep: Duration,
    pub policy: BillingPolicy,
}

impl Default for BillingSettings {
    fn default() -> Self {
        BillingSettings {
            renewals: true,
            sweep: Duration::from_secs(DEFAULT_SWEEP_SECS),
            policy: BillingPolicy::default(),
        }
    }
}

impl BillingSettings {
    /// Layers `file` under `overrides`; `aging_days` is the resolved DID.CANCEL aging.
    pub fn resolve(
        file: &FileConfig,
        overrides: &FileConfig,
        aging_days: u32,
    ) -> Result<BillingSettings, String> {
        let sweep_secs = overrides
            .billing_sweep_secs
            .or(file.billing_sweep_secs)
            .unwrap_or(DEFAULT_SWEEP_SECS);
        if sweep_secs == 0 {
            return Err("billing_sweep_secs must be at least 1".into());
        }
        Ok(BillingSettings {
            renewals: overrides.renewals.or(file.renewals).unwrap_or(true),
            sweep: Duration::from_secs(sweep_secs),
            policy: BillingPolicy {
                grace_days: overrides
                    .grace_days
                    .or(file.grace_days)
                    .unwrap_or(DEFAULT_GRACE_DAYS),
                aging_seconds: i64::from(aging_days) * 86_400,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_file_and_flags() {
        let defaults =
            BillingSettings::resolve(&FileConfig::default(), &FileConfig::default(), 90).unwrap();
        assert_eq!(defaults, BillingSettings::default());
        let file = FileConfig {
            grace_days: Some(3),
            billing_sweep_secs: Some(5),
            ..FileConfig::default()
        };
        let flags = FileConfig {
            renewals: Some(false),
            grace_days: Some(7),
            ..FileConfig::default()
        };
        let settings = BillingSettings::resolve(&file, &flags, 30).unwrap();
        assert!(!settings.renewals);
        assert_eq!(settings.sweep, Duration::from_secs(5));
        assert_eq!(settings.policy.grace_days, 7);
        assert_eq!(settings.policy.aging_seconds, 30 * 86_400);
    }

    #[test]
    fn a_zero_sweep_interval_is_refused() {
        let file = FileConfig {
            billing_sweep_secs: Some(0),
            ..FileConfig::default()
        };
        let e = BillingSettings::resolve(&file, &FileConfig::default(), 90).unwrap_err();
        assert!(e.contains("billing_sweep_secs"), "{e}");
    }
}
