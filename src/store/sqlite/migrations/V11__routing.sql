-- Version 11: routing (shared/spec/routing.md).
--
-- Routing tokens: what switches present to the /route endpoints. Only the SHA-256 of a
-- token is kept; a revoked token keeps its row (revoked_at set) and its name may be used
-- again.
CREATE TABLE routing_tokens (
    token_hash TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX routing_tokens_name ON routing_tokens (name) WHERE revoked_at IS NULL;

-- A counter that moves on every change to a held number (any row that is or was
-- 'active': order, update, move, cancel, suspension, reactivation, release) and to the
-- routing tokens. Servers answer lookups from memory and drop what they remember when
-- they see it move (`api::routing::cache`), whichever process or code path made the
-- change. Numbers entering or staying in stock, and aging ones, do not move it: none of
-- them routes, before or after.
CREATE TABLE routing_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO routing_version (id, version) VALUES (1, 0);

CREATE TRIGGER numbers_routing_insert AFTER INSERT ON numbers
WHEN NEW.state = 'active'
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
CREATE TRIGGER numbers_routing_update AFTER UPDATE ON numbers
WHEN OLD.state = 'active' OR NEW.state = 'active'
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
CREATE TRIGGER numbers_routing_delete AFTER DELETE ON numbers
WHEN OLD.state = 'active'
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
CREATE TRIGGER routing_tokens_insert AFTER INSERT ON routing_tokens
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
CREATE TRIGGER routing_tokens_update AFTER UPDATE ON routing_tokens
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
CREATE TRIGGER routing_tokens_delete AFTER DELETE ON routing_tokens
BEGIN
    UPDATE routing_version SET version = version + 1;
END;
