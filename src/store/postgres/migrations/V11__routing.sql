-- Version 11: routing (shared/spec/routing.md).
--
-- Routing tokens: what switches present to the /route endpoints. Only the SHA-256 of a
-- token is kept; a revoked token keeps its row (revoked_at set) and its name may be used
-- again.
CREATE TABLE routing_tokens (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX routing_tokens_name ON routing_tokens (name) WHERE revoked_at IS NULL;

-- A version that moves on every change to a held number (any row that is or was
-- 'active': order, update, move, cancel, suspension, reactivation, release) and to the
-- routing tokens. Servers answer lookups from memory and drop what they remember when
-- they see it move (`api::routing::cache`), whichever process or code path made the
-- change.
--
-- The version is the sum of one counter per server connection (backend pid): a
-- statement adds 1 to its own connection's row. A connection runs one transaction at a
-- time, so no two transactions ever wait for the same counter row (one shared row would
-- make every order wait for the previous one's commit, and could deadlock with a
-- transaction that locks an account first). Counters only grow, so the sum moves at
-- every commit that changed something, and only once it is visible.
CREATE TABLE routing_version (
    backend INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION routing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO routing_version (backend, version) VALUES (pg_backend_pid(), 1)
    ON CONFLICT (backend) DO UPDATE SET version = routing_version.version + 1;
    RETURN NULL;
END
$$;

-- Numbers: only statements that touched a row that is or was held.
CREATE FUNCTION numbers_routing_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held BOOLEAN;
BEGIN
    IF TG_OP = 'INSERT' THEN
        held := EXISTS (SELECT 1 FROM new_rows WHERE state = 'active');
    ELSIF TG_OP = 'DELETE' THEN
        held := EXISTS (SELECT 1 FROM old_rows WHERE state = 'active');
    ELSE
        held := EXISTS (SELECT 1 FROM new_rows WHERE state = 'active')
             OR EXISTS (SELECT 1 FROM old_rows WHERE state = 'active');
    END IF;
    IF held THEN
        INSERT INTO routing_version (backend, version) VALUES (pg_backend_pid(), 1)
        ON CONFLICT (backend) DO UPDATE SET version = routing_version.version + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER numbers_routing_insert AFTER INSERT ON numbers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION numbers_routing_changed();
CREATE TRIGGER numbers_routing_delete AFTER DELETE ON numbers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION numbers_routing_changed();
CREATE TRIGGER numbers_routing_update AFTER UPDATE ON numbers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION numbers_routing_changed();
CREATE TRIGGER routing_tokens_changed AFTER INSERT OR UPDATE OR DELETE ON routing_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION routing_changed();
