-- Version 3: the request that caused a number's state change (DID.UPDATE, MOVE,
-- CANCEL), beside the order that caused a sale. (Version 2 is the catalog's.)
ALTER TABLE number_events ADD COLUMN request_id TEXT COLLATE "C";
