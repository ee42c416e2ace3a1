//! The invariants `didhub check` audits, as portable SQL that both backends run as is.
//!
//! Each rule is one query that returns one descriptive text per offending row; an empty
//! result means the rule holds. Rules are named so operators and scripts can tell them
//! apart. Keeping one list means a rule added here is audited on every backend.

/// (rule, query returning one descriptive text per violation).
pub const RULES: &[(&str, &str)] = &[
    (
        "number_sold_once",
        "SELECT n.e164 || ' has ' || COUNT(ev.event_id) || ' sales since it was last in stock \
         while in state ' || n.state
         FROM numbers n LEFT JOIN number_events ev ON ev.e164 = n.e164 AND ev.event = 'ordered'
           AND ev.event_id > COALESCE((SELECT MAX(r.event_id) FROM number_events r
                                       WHERE r.e164 = n.e164 AND r.event = 'released'), 0)
         GROUP BY n.e164
         HAVING COUNT(ev.event_id) <> CASE WHEN n.state = 'available' THEN 0 ELSE 1 END",
    ),
    (
        "held_number_has_order_line",
        "SELECT n.e164 || ' is held by ' || n.account_number || ' without an order line'
         FROM numbers n
         WHERE n.state <> 'available' AND NOT EXISTS (
           SELECT 1 FROM order_lines l WHERE l.order_id = n.order_id AND l.e164 = n.e164)",
    ),
    (
        "held_number_has_holder",
        "SELECT e164 || ' is ' || state || ' but account is ' || COALESCE(account_number, 'none')
         FROM numbers WHERE (state = 'available') <> (account_number IS NULL)",
    ),
    (
        "balance_matches_ledger",
        "SELECT a.account_number || ' balance ' || a.balance100 || ' but ledger sum '
                || COALESCE(SUM(l.amount100), 0)
         FROM accounts a LEFT JOIN ledger l ON l.account_number = a.account_number
         GROUP BY a.account_number
         HAVING a.balance100 <> COALESCE(SUM(l.amount100), 0)",
    ),
    (
        "no_negative_balance",
        "SELECT account_number || ' balance ' || balance100 FROM accounts WHERE balance100 < 0",
    ),
    (
        "sub_account_has_no_balance",
        "SELECT account_number || ' is a sub-account with balance ' || balance100
         FROM accounts WHERE parent_account_number IS NOT NULL AND balance100 <> 0",
    ),
    (
        "order_matches_lines",
        "SELECT 'order ' || o.order_id || ' total ' || o.total100 || ' quantity ' || o.quantity
                || ' but lines sum ' || COALESCE(SUM(l.setup100 + l.monthly100), 0)
                || ' over ' || COUNT(l.e164)
         FROM orders o LEFT JOIN order_lines l ON l.order_id = o.order_id
         GROUP BY o.order_id
         HAVING o.total100 <> COALESCE(SUM(l.setup100 + l.monthly100), 0)
             OR o.quantity <> COUNT(l.e164)",
    ),
    (
        "order_debited_once",
        "SELECT 'order ' || o.order_id || ' total ' || o.total100 || ' debited '
                || COALESCE(-SUM(l.amount100), 0) || ' in ' || COUNT(l.entry_id) || ' rows'
         FROM orders o LEFT JOIN ledger l ON l.order_id = o.order_id AND l.kind = 'order'
         GROUP BY o.order_id
         HAVING COUNT(l.entry_id) <> 1 OR COALESCE(-SUM(l.amount100), 0) <> o.total100",
    ),
    (
        "stocked_number_was_released",
        "SELECT n.e164 || ' is in stock but its last event is ' || ev.event
         FROM numbers n JOIN number_events ev ON ev.event_id = (
           SELECT MAX(event_id) FROM number_events WHERE e164 = n.e164)
         WHERE n.state = 'available' AND ev.event <> 'released'",
    ),
    (
        "aging_number_has_release_time",
        "SELECT e164 || ' is aging without a release time'
         FROM numbers WHERE state = 'aging' AND release_at IS NULL",
    ),
    (
        "stock_counts_match_numbers",
        "SELECT c.area_id || ' ' || c.did_type || ' ' || c.state || ': stock_counts says '
                || c.counted || ' but numbers hold ' || COALESCE(l.held, 0)
         FROM (SELECT area_id, did_type, state, SUM(n) AS counted FROM stock_counts
               GROUP BY area_id, did_type, state) c
         LEFT JOIN (SELECT area_id, did_type, state, COUNT(*) AS held FROM numbers
                    GROUP BY area_id, did_type, state) l
           ON l.area_id = c.area_id AND l.did_type = c.did_type AND l.state = c.state
         WHERE c.counted <> COALESCE(l.held, 0)
         UNION ALL
         SELECT l.area_id || ' ' || l.did_type || ' ' || l.state
                || ': stock_counts says 0 but numbers hold ' || l.held
         FROM (SELECT area_id, did_type, state, COUNT(*) AS held FROM numbers
               GROUP BY area_id, did_type, state) l
         WHERE NOT EXISTS (SELECT 1 FROM stock_counts s WHERE s.area_id = l.area_id
                             AND s.did_type = l.did_type AND s.state = l.state)",
    ),
    // Billing (`billing.md`).
    (
        "period_charged_once",
        "SELECT p.e164 || ' period ' || p.period || ' of order ' || p.order_id || ' charged '
                || COUNT(*) || ' times'
         FROM billing_periods p GROUP BY p.order_id, p.e164, p.period HAVING COUNT(*) > 1",
    ),
    (
        "renewal_row_has_period",
        "SELECT 'ledger row ' || l.entry_id || ' is a renewal of ' || COALESCE(l.e164, 'no number')
                || ' without its period'
         FROM ledger l WHERE l.kind = 'renewal' AND NOT EXISTS (
           SELECT 1 FROM billing_periods p WHERE p.entry_id = l.entry_id AND p.e164 = l.e164
             AND p.order_id = l.order_id AND p.amount100 = -l.amount100
             AND p.account_number = l.account_number)",
    ),
    (
        "period_has_renewal_row",
        "SELECT p.e164 || ' period ' || p.period || ' of order ' || p.order_id
                || ' has no renewal ledger row'
         FROM billing_periods p WHERE NOT EXISTS (
           SELECT 1 FROM ledger l WHERE l.entry_id = p.entry_id AND l.kind = 'renewal')",
    ),
    (
        "suspended_number_is_unpaid",
        "SELECT n.e164 || ' is Suspended but paid until ' || n.paid_until
         FROM numbers n
         WHERE n.suspended_at IS NOT NULL AND (n.state <> 'active' OR n.paid_until > COALESCE(
           (SELECT MAX(p.created_at) FROM billing_periods p WHERE p.order_id = n.order_id
              AND p.e164 = n.e164 AND p.created_at >= n.suspended_at), n.suspended_at))",
    ),
    (
        "held_number_has_billing_state",
        "SELECT n.e164 || ' is held without its periods paid and paid-until date'
         FROM numbers n
         WHERE n.state = 'active' AND (n.periods_paid IS NULL OR n.paid_until IS NULL
                                       OR n.assigned_at IS NULL)",
    ),
    (
        "paid_periods_are_contiguous",
        "SELECT n.e164 || ' has paid ' || n.periods_paid || ' periods but ' || COUNT(p.period)
                || ' renewals up to period ' || COALESCE(MAX(p.period), 0)
         FROM numbers n LEFT JOIN billing_periods p ON p.order_id = n.order_id AND p.e164 = n.e164
         WHERE n.state = 'active'
         GROUP BY n.e164, n.periods_paid
         HAVING COUNT(p.period) <> n.periods_paid - 1
             OR COALESCE(MAX(p.period), 0) <> n.periods_paid - 1
         UNION ALL
         SELECT p.e164 || ' period ' || p.period || ' ends at ' || p.ends_at
                || ' but the next starts at ' || q.starts_at
         FROM billing_periods p JOIN billing_periods q ON q.order_id = p.order_id
           AND q.e164 = p.e164 AND q.period = p.period + 1
         WHERE q.starts_at <> p.ends_at
         UNION ALL
         SELECT n.e164 || ' is paid until ' || n.paid_until || ' but its last period ends at '
                || p.ends_at
         FROM numbers n JOIN billing_periods p ON p.order_id = n.order_id AND p.e164 = n.e164
           AND p.period = n.periods_paid - 1
         WHERE n.state = 'active' AND p.ends_at <> n.paid_until",
    ),
];
