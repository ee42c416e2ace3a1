-- Version 13: nothing changes in SQLite. PostgreSQL's V13 installs the function that
-- places an order in one round trip; the version numbers stay the same on both backends.
SELECT 1;
