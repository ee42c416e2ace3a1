-- Version 5: a counter that moves whenever an API key or what a request's
-- authentication reads of an account changes. Servers cache authenticated keys and
-- drop the cache when they see the counter move (`api::auth_cache`), so a key revoked
-- or an account changed by the CLI, another process or plain SQL stops being honoured
-- within the cache's refresh interval.
CREATE TABLE credentials_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO credentials_version (id, version) VALUES (1, 0);

CREATE TRIGGER api_keys_changed_insert AFTER INSERT ON api_keys
BEGIN
    UPDATE credentials_version SET version = version + 1;
END;
CREATE TRIGGER api_keys_changed_update AFTER UPDATE ON api_keys
BEGIN
    UPDATE credentials_version SET version = version + 1;
END;
CREATE TRIGGER api_keys_changed_delete AFTER DELETE ON api_keys
BEGIN
    UPDATE credentials_version SET version = version + 1;
END;
CREATE TRIGGER accounts_credentials_changed
AFTER UPDATE OF account_number, parent_account_number, signature_hash ON accounts
WHEN OLD.account_number IS NOT NEW.account_number
  OR OLD.parent_account_number IS NOT NEW.parent_account_number
  OR OLD.signature_hash IS NOT NEW.signature_hash
BEGIN
    UPDATE credentials_version SET version = version + 1;
END;
CREATE TRIGGER accounts_credentials_deleted AFTER DELETE ON accounts
BEGIN
    UPDATE credentials_version SET version = version + 1;
END;
