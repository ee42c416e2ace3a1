-- didhub schema, version 1. Money columns are integer minor units (suffix 100).
-- Times are seconds since the Unix epoch.

CREATE TABLE countries (
    country_id   TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    calling_code TEXT NOT NULL,
    is_sms       INTEGER NOT NULL DEFAULT 0,
    is_fax       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE states (
    state_id   TEXT PRIMARY KEY,
    country_id TEXT NOT NULL REFERENCES countries (country_id),
    name       TEXT NOT NULL,
    code       TEXT NOT NULL
);

CREATE TABLE areas (
    area_id                TEXT PRIMARY KEY,
    country_id             TEXT NOT NULL REFERENCES countries (country_id),
    state_id               TEXT REFERENCES states (state_id),
    name                   TEXT NOT NULL,
    area_code              TEXT NOT NULL,
    national_number_length INTEGER NOT NULL
);
CREATE INDEX areas_country ON areas (country_id);
CREATE INDEX areas_state ON areas (state_id);

-- The types of number an area sells.
CREATE TABLE area_did_types (
    area_id  TEXT NOT NULL REFERENCES areas (area_id),
    did_type TEXT NOT NULL,
    PRIMARY KEY (area_id, did_type)
);

CREATE TABLE rate_plans (
    rate_plan_id TEXT PRIMARY KEY,
    name         TEXT NOT NULL
);

-- A plan is offered in an area exactly when it has a price there.
CREATE TABLE area_prices (
    area_id      TEXT NOT NULL REFERENCES areas (area_id),
    rate_plan_id TEXT NOT NULL REFERENCES rate_plans (rate_plan_id),
    monthly100   INTEGER NOT NULL CHECK (monthly100 >= 0),
    setup100     INTEGER NOT NULL CHECK (setup100 >= 0),
    PRIMARY KEY (area_id, rate_plan_id)
);

-- Main accounts (no parent) hold the balance; sub-accounts share their parent's.
CREATE TABLE accounts (
    account_number        TEXT PRIMARY KEY,
    parent_account_number TEXT REFERENCES accounts (account_number),
    email                 TEXT NOT NULL,
    signature_hash        TEXT,
    balance100            INTEGER NOT NULL DEFAULT 0 CHECK (balance100 >= 0),
    sms_url               TEXT NOT NULL DEFAULT '',
    sms_email             TEXT NOT NULL DEFAULT '',
    sms_phone             TEXT NOT NULL DEFAULT '',
    call_forward_type     TEXT NOT NULL DEFAULT '',
    call_forward_to       TEXT NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL
);
CREATE INDEX accounts_parent ON accounts (parent_account_number);

-- Only a SHA-256 of each key is kept.
CREATE TABLE api_keys (
    key_hash       TEXT PRIMARY KEY,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER
);
CREATE INDEX api_keys_account ON api_keys (account_number);

CREATE TABLE orders (
    order_id              INTEGER PRIMARY KEY,
    account_number        TEXT NOT NULL REFERENCES accounts (account_number),
    payer_account_number  TEXT NOT NULL REFERENCES accounts (account_number),
    caller_account_number TEXT NOT NULL REFERENCES accounts (account_number),
    area_id               TEXT NOT NULL REFERENCES areas (area_id),
    did_type              TEXT NOT NULL,
    rate_plan_id          TEXT NOT NULL REFERENCES rate_plans (rate_plan_id),
    quantity              INTEGER NOT NULL CHECK (quantity > 0),
    title                 TEXT NOT NULL,
    total100              INTEGER NOT NULL CHECK (total100 >= 0),
    created_at            INTEGER NOT NULL
);
CREATE INDEX orders_account ON orders (account_number);

-- Every stocked number. state: available (in stock), active (held), aging (canceled,
-- waiting for release_at before it returns to stock).
CREATE TABLE numbers (
    e164               TEXT PRIMARY KEY,
    area_id            TEXT NOT NULL REFERENCES areas (area_id),
    did_type           TEXT NOT NULL,
    stock_rate_plan_id TEXT REFERENCES rate_plans (rate_plan_id),
    state              TEXT NOT NULL DEFAULT 'available'
                       CHECK (state IN ('available', 'active', 'aging')),
    account_number     TEXT REFERENCES accounts (account_number),
    order_id           INTEGER REFERENCES orders (order_id),
    rate_plan_id       TEXT,
    monthly100         INTEGER,
    title              TEXT NOT NULL DEFAULT '',
    sms_url            TEXT NOT NULL DEFAULT '',
    sms_email          TEXT NOT NULL DEFAULT '',
    sms_phone          TEXT NOT NULL DEFAULT '',
    call_forward_type  TEXT NOT NULL DEFAULT '',
    call_forward_to    TEXT NOT NULL DEFAULT '',
    assigned_at        INTEGER,
    canceled_at        INTEGER,
    release_at         INTEGER,
    CHECK ((state = 'available') = (account_number IS NULL))
);
-- The allocation path: the next available numbers of an area and type in E164 order.
CREATE INDEX numbers_available ON numbers (area_id, did_type, e164) WHERE state = 'available';
CREATE INDEX numbers_holder ON numbers (account_number, e164) WHERE account_number IS NOT NULL;
CREATE INDEX numbers_aging ON numbers (release_at) WHERE state = 'aging';

CREATE TABLE order_lines (
    order_id   INTEGER NOT NULL REFERENCES orders (order_id),
    e164       TEXT NOT NULL REFERENCES numbers (e164),
    setup100   INTEGER NOT NULL,
    monthly100 INTEGER NOT NULL,
    PRIMARY KEY (order_id, e164)
);
CREATE INDEX order_lines_e164 ON order_lines (e164);

-- Every balance change. accounts.balance100 always equals the sum of an account's rows.
CREATE TABLE ledger (
    entry_id       INTEGER PRIMARY KEY,
    account_number TEXT NOT NULL REFERENCES accounts (account_number),
    amount100      INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('credit', 'order')),
    order_id       INTEGER REFERENCES orders (order_id),
    memo           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX ledger_account ON ledger (account_number);

-- The life of each number: ordered, updated, moved, canceled, released.
CREATE TABLE number_events (
    event_id       INTEGER PRIMARY KEY,
    e164           TEXT NOT NULL REFERENCES numbers (e164),
    event          TEXT NOT NULL,
    account_number TEXT,
    order_id       INTEGER,
    detail         TEXT NOT NULL DEFAULT '',
    at             INTEGER NOT NULL
);
CREATE INDEX number_events_e164 ON number_events (e164, event_id);
