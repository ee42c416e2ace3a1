-- Version 6: drop `numbers_area_type_state`. It served `inventory stock` and the catalog's
-- orphan check, which read the trigger-kept `stock_counts` (V4) now; every sale paid for it
-- with two index writes (the number's entry moves from 'available' to 'active').
DROP INDEX numbers_area_type_state;
