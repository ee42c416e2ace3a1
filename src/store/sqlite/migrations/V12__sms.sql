-- Version 12: SMS (shared/spec/sms.md).
--
-- The operator's SMS price list: per part, by the destination's country; a country
-- without a row costs the setting sms_default_price.
CREATE TABLE sms_prices (
    country_id TEXT PRIMARY KEY REFERENCES countries (country_id),
    price100   INTEGER NOT NULL CHECK (price100 >= 0)
);

-- Every message, both ways. direction 'in': to a didhub number (e164 is the receiver;
-- state 'stored' or 'undeliverable', the channels' outcome is in the deliveries of
-- event_id); 'out': sent from one (e164 is the sender; state queued, sent, delivered or
-- failed, set by Kannel's delivery reports). account_number is the main account the
-- message belongs to (NULL for a message to a number nobody holds). An outbound
-- message's fee is its debit_entry_id's ledger row; refund_entry_id the refund, once.
CREATE TABLE sms_messages (
    sms_id          INTEGER PRIMARY KEY,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    account_number  TEXT REFERENCES accounts (account_number),
    e164            TEXT,
    from_addr       TEXT NOT NULL,
    to_addr         TEXT NOT NULL,
    body            TEXT NOT NULL,
    coding          TEXT NOT NULL CHECK (coding IN ('gsm7', 'ucs2')),
    parts           INTEGER NOT NULL CHECK (parts >= 1),
    fee100          INTEGER NOT NULL DEFAULT 0 CHECK (fee100 >= 0),
    state           TEXT NOT NULL CHECK (state IN ('stored', 'undeliverable', 'queued', 'sent',
                                                    'delivered', 'failed')),
    reason          TEXT NOT NULL DEFAULT '',
    event_id        TEXT REFERENCES events (event_id),
    forwarded_from  INTEGER REFERENCES sms_messages (sms_id),
    debit_entry_id  INTEGER UNIQUE,
    refund_entry_id INTEGER UNIQUE,
    smsc            TEXT NOT NULL DEFAULT '',
    kannel_id       TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((direction = 'in') = (state IN ('stored', 'undeliverable')))
);
CREATE INDEX sms_messages_account ON sms_messages (account_number, sms_id);

-- An inbound message's state is read from its deliveries.
CREATE INDEX deliveries_event ON deliveries (event_id);
