//! When the WAL is checkpointed and how, from its length and the space left beside it.
//! The decisions live here, apart from the threads that carry them out (the checkpoint
//! thread and the writer), so that they are tested alone.
//!
//! A PASSIVE checkpoint copies committed pages back into the database file without
//! waiting for anyone, but it never lets the WAL start over while readers keep older
//! snapshots or the writer keeps appending (checkpoint starvation: under continuous
//! orders and DID.LIST calls the WAL grew to gigabytes). So the WAL has a limit:
//!
//! * from half the limit on, the checkpoint thread runs PASSIVE checkpoints beside the
//!   writer; when nothing stops it, the WAL then starts over by itself;
//! * at the limit, the checkpoint thread copies what it can (PASSIVE) and then the
//!   writer, between two batches, runs a RESTART checkpoint: it waits for the readers of
//!   older snapshots (each holds one for a single request), copies the few pages left
//!   and makes the next commit start the WAL over. `journal_size_limit` then trims the
//!   file back to the limit. A read that holds its snapshot longer (an audit, a copy)
//!   makes it give up and pause, up to twice the limit: from there the writer waits for
//!   the reader as long as it takes (up to the busy timeout), so the WAL stays bounded;
//! * when the database's filesystem is short of space the WAL is kept small: the same
//!   happens from a twentieth of the limit on, with TRUNCATE (the file back to 0 bytes);
//! * a write that failed for lack of space or an I/O error truncates the WAL at once,
//!   and so does a graceful stop.

/// Bytes in a WAL page (SQLite's default page size, which didhub keeps).
pub const PAGE_BYTES: u64 = 4096;

/// The default limit: 20,000 pages, about 80 MiB.
pub const DEFAULT_WAL_LIMIT_PAGES: u32 = 20_000;

/// The smallest limit accepted (tests use small ones).
const MIN_LIMIT_PAGES: u32 = 64;

/// The WAL's thresholds, derived from one limit in pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalLimits {
    limit_pages: u32,
}

/// How much space the database's filesystem has left, as the checkpoints see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    Plenty,
    /// Less than [`WalLimits::short_of_space_below`]: keep the WAL small.
    Short,
}

/// What a commit that left the WAL at some length calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checkpoint {
    None,
    /// A PASSIVE checkpoint on the checkpoint thread.
    Passive,
    /// A PASSIVE checkpoint on the checkpoint thread, then the writer restarts the WAL
    /// (RESTART with plenty of space, TRUNCATE when space is short).
    Restart,
}

impl WalLimits {
    pub fn new(limit_pages: u32) -> WalLimits {
        WalLimits {
            limit_pages: limit_pages.max(MIN_LIMIT_PAGES),
        }
    }

    /// What a WAL of `wal_pages` (frames since it last started over) calls for.
    pub fn after_commit(self, wal_pages: u32, space: Space) -> Checkpoint {
        match space {
            Space::Short if wal_pages >= self.short_space_pages() => Checkpoint::Restart,
            Space::Short | Space::Plenty if wal_pages >= self.limit_pages => Checkpoint::Restart,
            Space::Short | Space::Plenty if wal_pages >= self.passive_pages() => {
                Checkpoint::Passive
            }
            Space::Short | Space::Plenty => Checkpoint::None,
        }
    }

    /// WAL pages from which the writer's restart waits for readers as long as it
    /// takes (the busy timeout) and never pauses: twice the limit. Below, a restart
    /// waits briefly and gives way to a long read (an audit, a copy).
    pub fn insist_pages(self) -> u32 {
        self.limit_pages.saturating_mul(2)
    }

    /// Whether the writer's restart should also truncate the file to 0 bytes.
    pub fn truncates(space: Space) -> bool {
        space == Space::Short
    }

    /// How space left on the filesystem is judged.
    pub fn space(self, free_bytes: u64) -> Space {
        if free_bytes < self.short_of_space_below() {
            Space::Short
        } else {
            Space::Plenty
        }
    }

    /// Free bytes below which space is short: four WALs at their limit.
    pub fn short_of_space_below(self) -> u64 {
        4 * self.limit_bytes()
    }

    /// Free bytes below which the store is not ready for writes (`GET /ready`): less
    /// than one short WAL, so the next commits may not fit.
    pub fn exhausted_below(self) -> u64 {
        u64::from(self.short_space_pages()) * PAGE_BYTES
    }

    /// SQLite's `journal_size_limit`: the WAL file is trimmed to this when it restarts.
    pub fn limit_bytes(self) -> u64 {
        u64::from(self.limit_pages) * PAGE_BYTES
    }

    fn passive_pages(self) -> u32 {
        self.limit_pages / 2
    }

    fn short_space_pages(self) -> u32 {
        (self.limit_pages / 20).max(16)
    }
}

impl Default for WalLimits {
    fn default() -> Self {
        WalLimits::new(DEFAULT_WAL_LIMIT_PAGES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passive_from_half_the_limit_restart_at_the_limit() {
        let limits = WalLimits::default();
        assert_eq!(limits.after_commit(9_999, Space::Plenty), Checkpoint::None);
        assert_eq!(
            limits.after_commit(10_000, Space::Plenty),
            Checkpoint::Passive
        );
        assert_eq!(
            limits.after_commit(19_999, Space::Plenty),
            Checkpoint::Passive
        );
        assert_eq!(
            limits.after_commit(20_000, Space::Plenty),
            Checkpoint::Restart
        );
        assert_eq!(limits.limit_bytes(), 20_000 * 4096);
        assert_eq!(limits.insist_pages(), 40_000);
    }

    #[test]
    fn short_of_space_the_wal_restarts_at_a_twentieth_of_the_limit_and_truncates() {
        let limits = WalLimits::default();
        assert_eq!(limits.after_commit(999, Space::Short), Checkpoint::None);
        assert_eq!(
            limits.after_commit(1_000, Space::Short),
            Checkpoint::Restart
        );
        assert!(WalLimits::truncates(Space::Short));
        assert!(!WalLimits::truncates(Space::Plenty));
    }

    #[test]
    fn space_is_short_below_four_limits_and_exhausted_below_one_short_wal() {
        let limits = WalLimits::default();
        assert_eq!(limits.space(4 * limits.limit_bytes()), Space::Plenty);
        assert_eq!(limits.space(4 * limits.limit_bytes() - 1), Space::Short);
        assert_eq!(limits.exhausted_below(), 1_000 * 4096);
    }

    #[test]
    fn tiny_limits_are_raised_to_a_floor() {
        let limits = WalLimits::new(1);
        assert_eq!(limits.after_commit(63, Space::Plenty), Checkpoint::Passive);
        assert_eq!(limits.after_commit(64, Space::Plenty), Checkpoint::Restart);
        assert_eq!(limits.after_commit(16, Space::Short), Checkpoint::Restart);
    }
}
