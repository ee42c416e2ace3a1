-- Version 4: how many numbers each area holds per type and state, kept by triggers in
-- the same transaction as every change to `numbers`, so ANVEO.AREAS.LIST reads its
-- STOCK without counting the inventory. `didhub check` compares it with the numbers.
--
-- One counter row per area, type and state would make every order in an area wait for
-- the previous one to commit (the row stays locked until then). The count is spread over
-- 16 shards instead: a statement adds its change to the shard of its server connection
-- (backend pid mod 16), so concurrent orders from different connections touch different
-- rows. A shard may go negative; the count is the sum over the shards.
CREATE TABLE stock_counts (
    area_id  TEXT COLLATE "C" NOT NULL,
    did_type TEXT COLLATE "C" NOT NULL,
    state    TEXT COLLATE "C" NOT NULL,
    shard    INTEGER NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (area_id, did_type, state, shard)
);

INSERT INTO stock_counts (area_id, did_type, state, shard, n)
SELECT area_id, did_type, state, 0, COUNT(*) FROM numbers GROUP BY area_id, did_type, state;

-- Adds one statement's net change per area, type and state to this connection's shard,
-- in key order (so two statements lock counter rows in the same order), skipping
-- groups whose change is zero (a DID.UPDATE that changes only routing).
CREATE FUNCTION stock_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stock_counts (area_id, did_type, state, shard, n)
        SELECT area_id, did_type, state, pg_backend_pid() % 16, COUNT(*)
        FROM new_rows GROUP BY area_id, did_type, state ORDER BY area_id, did_type, state
        ON CONFLICT (area_id, did_type, state, shard) DO UPDATE SET n = stock_counts.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO stock_counts (area_id, did_type, state, shard, n)
        SELECT area_id, did_type, state, pg_backend_pid() % 16, -COUNT(*)
        FROM old_rows GROUP BY area_id, did_type, state ORDER BY area_id, did_type, state
        ON CONFLICT (area_id, did_type, state, shard) DO UPDATE SET n = stock_counts.n + EXCLUDED.n;
    ELSE
        INSERT INTO stock_counts (area_id, did_type, state, shard, n)
        SELECT area_id, did_type, state, pg_backend_pid() % 16, SUM(change)
        FROM (SELECT area_id, did_type, state, 1 AS change FROM new_rows
              UNION ALL
              SELECT area_id, did_type, state, -1 AS change FROM old_rows) changes
        GROUP BY area_id, did_type, state
        HAVING SUM(change) <> 0
        ORDER BY area_id, did_type, state
        ON CONFLICT (area_id, did_type, state, shard) DO UPDATE SET n = stock_counts.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER numbers_stock_insert AFTER INSERT ON numbers
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stock_counts_apply();
CREATE TRIGGER numbers_stock_delete AFTER DELETE ON numbers
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stock_counts_apply();
CREATE TRIGGER numbers_stock_update AFTER UPDATE ON numbers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stock_counts_apply();
