-- Version 9: the event log, webhooks, the delivery queue and idempotency keys
-- (events.md). Events are written in the transaction of their cause; each webhook that
-- subscribes to an event gets a delivery row in the same transaction. Wall-clock times
-- of the queue are milliseconds (suffix _ms), so retries can be scheduled finely;
-- other times are seconds as elsewhere.

-- seq orders the log (events list --after); event_id is what receivers see.
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    occurred_at    INTEGER NOT NULL,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    data           TEXT NOT NULL
);
CREATE INDEX events_account ON events (account_number, seq);

-- A main account's endpoints. events: '*' or a comma list of types and prefixes.
CREATE TABLE webhooks (
    webhook_id     TEXT PRIMARY KEY,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    secret         TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_number);

-- One row per event and destination. channel: 'webhook' (target = webhook_id); later
-- channels (SMS_URL, SMTP, Kannel) add their own. A worker claims a due row by setting
-- lease_until_ms and lease_token; only the holder of the token records the attempt.
CREATE TABLE deliveries (
    delivery_id         INTEGER PRIMARY KEY,
    event_id            TEXT NOT NULL REFERENCES events (event_id),
    channel             TEXT NOT NULL,
    target              TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    due_at_ms           INTEGER NOT NULL,
    first_attempt_at_ms INTEGER,
    last_attempt_at_ms  INTEGER,
    last_error          TEXT NOT NULL DEFAULT '',
    lease_until_ms      INTEGER,
    lease_token         TEXT
);
CREATE INDEX deliveries_due ON deliveries (due_at_ms) WHERE state = 'pending';
CREATE INDEX deliveries_failed ON deliveries (delivery_id) WHERE state = 'failed';

-- Keys of idempotent requests, per main account, with the answer to replay.
CREATE TABLE idempotency_keys (
    account_number  TEXT NOT NULL REFERENCES accounts (account_number),
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'answered')),
    token           TEXT NOT NULL,
    body            TEXT,
    error_code      TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (account_number, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
