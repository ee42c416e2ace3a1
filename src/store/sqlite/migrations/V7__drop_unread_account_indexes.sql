-- Version 7: drop `orders_account` and `ledger_account`. No query reads orders or ledger
-- rows by account (the audit's balance rule sums the whole ledger; accounts are never
-- deleted or renumbered, so no foreign-key check looks children up by account), while
-- every sale wrote an entry into each: about a sixth of the pages a batch of orders
-- commits. A feature that lists an account's orders or ledger adds the index its query
-- needs with it.
DROP INDEX orders_account;
DROP INDEX ledger_account;
