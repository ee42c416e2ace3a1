//! The pick rule of each backend (docs/API.md, "Which numbers an order gets"), as the
//! tests check it: SQLite sells the lowest available numbers first; PostgreSQL sells a
//! run from a random point of the area's available range, so the tests check only that
//! the numbers are distinct, in stock and answered in ascending order.

use std::collections::HashSet;

use super::Backend;

/// Asserts that `bought` is what an order of `bought.len()` numbers may get from
/// `available` (the area's available numbers, lowest first) on `backend`.
pub fn assert_picked<S: AsRef<str>, T: AsRef<str>>(
    backend: Backend,
    bought: &[S],
    available: &[T],
) {
    let bought: Vec<&str> = bought.iter().map(AsRef::as_ref).collect();
    let available: Vec<&str> = available.iter().map(AsRef::as_ref).collect();
    match backend {
        Backend::Sqlite => {
            assert_eq!(
                bought,
                available[..bought.len()],
                "the lowest numbers first"
            )
        }
        Backend::Postgres => {
            let stock: HashSet<&str> = available.iter().copied().collect();
            assert!(
                bought.iter().all(|n| stock.contains(n)),
                "{bought:?} are not all in stock"
            );
            assert!(
                bought.windows(2).all(|w| w[0] < w[1]),
                "{bought:?} are not distinct and ascending"
            );
        }
    }
}
