-- Version 10: monthly billing (shared/spec/billing.md).
--
-- A held number's billing state lives on its row: `paid_until` is due(n) of the first
-- unpaid period (seconds since the epoch, 00:00 UTC of that day), `periods_paid` is n
-- (the order paid period 0), `suspended_at` is set while a renewal could not be paid
-- (the number is then Suspended: held, listed, not routed, no SMS delivered). All three
-- are NULL for numbers in stock; an aging number keeps its last paid_until and
-- periods_paid. The anchor is `assigned_at`'s UTC date.
ALTER TABLE numbers ADD COLUMN paid_until INTEGER;
ALTER TABLE numbers ADD COLUMN periods_paid INTEGER CHECK (periods_paid >= 1);
ALTER TABLE numbers ADD COLUMN suspended_at INTEGER;

-- The numbers held when billing arrived: one period paid, the next due a month after
-- the order (day clamped to the month's length, as domain::billing::due computes it).
UPDATE numbers
SET periods_paid = 1,
    paid_until = CAST(strftime('%s', min(
        date(assigned_at, 'unixepoch', 'start of month', '+1 month',
             '+' || (CAST(strftime('%d', assigned_at, 'unixepoch') AS INTEGER) - 1) || ' days'),
        date(assigned_at, 'unixepoch', 'start of month', '+2 months', '-1 day'))) AS INTEGER)
WHERE state = 'active';

-- The sweep's path: held numbers by the instant their next period is due.
CREATE INDEX numbers_due ON numbers (paid_until, e164) WHERE state = 'active';

-- Every renewed period after the order's. The primary key is the rule that a period is
-- charged once only: (the holder's order of the number, the number, the period's start).
CREATE TABLE billing_periods (
    order_id       INTEGER NOT NULL REFERENCES orders (order_id),
    e164           TEXT NOT NULL REFERENCES numbers (e164),
    starts_at      INTEGER NOT NULL,
    period         INTEGER NOT NULL CHECK (period >= 1),
    ends_at        INTEGER NOT NULL,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    amount100      INTEGER NOT NULL CHECK (amount100 >= 0),
    entry_id       INTEGER NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (order_id, e164, starts_at)
);
CREATE INDEX billing_periods_e164 ON billing_periods (e164);

-- Ledger rows gain the kinds of billing and SMS: `renewal` (a period, naming the number
-- and the period in billing_periods), `sms` (an outbound message's fee) and `refund`.
-- SQLite cannot alter a CHECK, so the table is rebuilt (nothing references it).
CREATE TABLE ledger_v10 (
    entry_id       INTEGER PRIMARY KEY,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    amount100      INTEGER NOT NULL,
    kind           TEXT NOT NULL
                   CHECK (kind IN ('credit', 'order', 'renewal', 'sms', 'refund')),
    order_id       INTEGER REFERENCES orders (order_id),
    memo           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    e164           TEXT
);
INSERT INTO ledger_v10 (entry_id, account_number, amount100, kind, order_id, memo, created_at)
SELECT entry_id, account_number, amount100, kind, order_id, memo, created_at FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_v10 RENAME TO ledger;
-- No index by account, as since V7: a sale would write it, and only `account
-- statement` (an operator's occasional read) reads the ledger by account.
