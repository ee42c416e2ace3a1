-- Version 10: monthly billing (shared/spec/billing.md).
--
-- A held number's billing state lives on its row: `paid_until` is due(n) of the first
-- unpaid period (seconds since the epoch, 00:00 UTC of that day), `periods_paid` is n
-- (the order paid period 0), `suspended_at` is set while a renewal could not be paid
-- (the number is then Suspended: held, listed, not routed, no SMS delivered). All three
-- are NULL for numbers in stock; an aging number keeps its last paid_until and
-- periods_paid. The anchor is `assigned_at`'s UTC date.
ALTER TABLE numbers ADD COLUMN paid_until BIGINT,
                    ADD COLUMN periods_paid BIGINT CHECK (periods_paid >= 1),
                    ADD COLUMN suspended_at BIGINT;

-- The numbers held when billing arrived: one period paid, the next due a month after
-- the order (PostgreSQL's date + interval clamps the day to the month's length, as
-- domain::billing::due does).
UPDATE numbers
SET periods_paid = 1,
    paid_until = extract(epoch FROM
        ((to_timestamp(assigned_at) AT TIME ZONE 'UTC')::date + interval '1 month'))::bigint
WHERE state = 'active';

-- The sweep's path: held numbers by the instant their next period is due.
CREATE INDEX numbers_due ON numbers (paid_until, e164) WHERE state = 'active';

-- Every renewed period after the order's. The primary key is the rule that a period is
-- charged once only: (the holder's order of the number, the number, the period's start).
CREATE TABLE billing_periods (
    order_id       BIGINT NOT NULL REFERENCES orders (order_id),
    e164           TEXT COLLATE "C" NOT NULL REFERENCES numbers (e164),
    starts_at      BIGINT NOT NULL,
    period         BIGINT NOT NULL CHECK (period >= 1),
    ends_at        BIGINT NOT NULL,
    account_number TEXT COLLATE "C" NOT NULL REFERENCES accounts (account_number),
    amount100      BIGINT NOT NULL CHECK (amount100 >= 0),
    entry_id       BIGINT NOT NULL UNIQUE,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (order_id, e164, starts_at)
);
CREATE INDEX billing_periods_e164 ON billing_periods (e164);

-- Ledger rows gain the kinds of billing and SMS: `renewal` (a period, naming the number
-- and the period in billing_periods), `sms` (an outbound message's fee) and `refund`;
-- and the number a row is about.
ALTER TABLE ledger DROP CONSTRAINT ledger_kind_check,
                   ADD CONSTRAINT ledger_kind_check
                       CHECK (kind IN ('credit', 'order', 'renewal', 'sms', 'refund')),
                   ADD COLUMN e164 TEXT COLLATE "C";
