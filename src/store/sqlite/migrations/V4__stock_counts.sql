-- Version 4: how many numbers each area holds per type and state, kept by triggers in
-- the same transaction as every change to `numbers`, so ANVEO.AREAS.LIST reads its
-- STOCK without counting the inventory. `didhub check` compares it with the numbers.
--
-- `shard` lets PostgreSQL spread one area's count over several rows (one per server
-- connection) so concurrent orders do not queue on one counter row; the count of an
-- area, type and state is the sum over its shards. SQLite has one writer and uses
-- shard 0 only.
CREATE TABLE stock_counts (
    area_id  TEXT NOT NULL,
    did_type TEXT NOT NULL,
    state    TEXT NOT NULL,
    shard    INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (area_id, did_type, state, shard)
);

INSERT INTO stock_counts (area_id, did_type, state, shard, n)
SELECT area_id, did_type, state, 0, COUNT(*) FROM numbers GROUP BY area_id, did_type, state;

CREATE TRIGGER numbers_stock_insert AFTER INSERT ON numbers
BEGIN
    INSERT INTO stock_counts (area_id, did_type, state, shard, n)
    VALUES (NEW.area_id, NEW.did_type, NEW.state, 0, 1)
    ON CONFLICT (area_id, did_type, state, shard) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER numbers_stock_delete AFTER DELETE ON numbers
BEGIN
    UPDATE stock_counts SET n = n - 1
    WHERE area_id = OLD.area_id AND did_type = OLD.did_type AND state = OLD.state AND shard = 0;
END;

CREATE TRIGGER numbers_stock_update AFTER UPDATE OF area_id, did_type, state ON numbers
WHEN OLD.area_id IS NOT NEW.area_id OR OLD.did_type IS NOT NEW.did_type
  OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE stock_counts SET n = n - 1
    WHERE area_id = OLD.area_id AND did_type = OLD.did_type AND state = OLD.state AND shard = 0;
    INSERT INTO stock_counts (area_id, did_type, state, shard, n)
    VALUES (NEW.area_id, NEW.did_type, NEW.state, 0, 1)
    ON CONFLICT (area_id, did_type, state, shard) DO UPDATE SET n = n + 1;
END;
