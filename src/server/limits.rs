//! The limits every HTTP connection lives under ([`ConnectionLimits`]), and the open-file
//! limit the connection cap is derived from ([`raise_open_file_limit`]).

use std::time::Duration;

/// Default time a client has to send a whole request head (request line and headers).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time an idle keep-alive connection is kept open waiting for its next request.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit on a request's header fields, request line excluded.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;
/// The longest request target hyper accepts (the `http` crate's URI limit, 65,534
/// bytes); a longer one is answered 414 before the API sees it.
pub const MAX_REQUEST_TARGET_BYTES: usize = u16::MAX as usize - 1;
/// Room for the method, the version and the line ends around a request target.
const REQUEST_LINE_OVERHEAD: usize = 64;
/// The fewest connections a derived cap allows, however low the file limit.
const MIN_CONNECTIONS: usize = 16;

/// How connections are read, kept and counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request head not complete this long after the connection opened, or after its
    /// first byte on a kept-alive connection, closes the connection.
    pub header_read_timeout: Duration,
    /// A kept-alive connection with no request under way is closed after this long.
    pub keep_alive_timeout: Duration,
    /// Most connections open at once; beyond it new ones wait in the listen queue and
    /// the oldest idle connections are closed to make room.
    pub max_connections: usize,
    /// Most bytes of header fields (names, values and their separators) one request may
    /// carry; more is answered 431.
    pub max_header_bytes: usize,
}

impl ConnectionLimits {
    /// The defaults, with the cap derived from the current open-file limit.
    pub fn with_defaults() -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
            max_connections: connections_for_file_limit(open_file_limit()),
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
        }
    }

    /// The whole request head hyper may buffer: the longest request target it accepts
    /// plus the header fields. A v2 GET carries its query in the target, and the API, not
    /// the HTTP layer, answers a query it finds too long.
    pub fn max_head_bytes(&self) -> usize {
        MAX_REQUEST_TARGET_BYTES + REQUEST_LINE_OVERHEAD + self.max_header_bytes
    }
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits::with_defaults()
    }
}

/// File descriptors kept back from the connection cap: the database and its WAL, the
/// read and PostgreSQL pools, the log writer, the metrics listener, accept's extra one.
pub fn reserved_descriptors(file_limit: u64) -> u64 {
    (file_limit / 4).clamp(32, 256)
}

/// The connection cap a process with `file_limit` open files can afford.
pub fn connections_for_file_limit(file_limit: u64) -> usize {
    let usable = file_limit.saturating_sub(reserved_descriptors(file_limit));
    usize::try_from(usable)
        .unwrap_or(usize::MAX)
        .max(MIN_CONNECTIONS)
}

/// The soft open-file limit (RLIMIT_NOFILE) of this process.
pub fn open_file_limit() -> u64 {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .map(|(soft, _hard)| soft)
        .unwrap_or(1024)
}

/// Raises the soft open-file limit to the hard one, so the connection cap can be as
/// high as the system lets this process go; returns the limit now in force.
pub fn raise_open_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            open_file_limit()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_a_reserve_for_the_database_and_logs() {
        assert_eq!(connections_for_file_limit(1024), 1024 - 256);
        assert_eq!(connections_for_file_limit(256), 256 - 64);
        assert_eq!(connections_for_file_limit(1_048_576), 1_048_576 - 256);
        assert_eq!(connections_for_file_limit(20), MIN_CONNECTIONS);
    }

    #[test]
    fn a_v2_query_of_the_longest_target_fits_in_the_head() {
        let limits = ConnectionLimits {
            max_connections: 10,
            ..ConnectionLimits::with_defaults()
        };
        assert!(limits.max_head_bytes() > MAX_REQUEST_TARGET_BYTES + limits.max_header_bytes);
    }
}
