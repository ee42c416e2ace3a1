-- Version 14: nothing changes in SQLite. PostgreSQL's V14 installs the function that
-- places a batch of orders in one statement; the version numbers stay the same on both
-- backends.
SELECT 1;
