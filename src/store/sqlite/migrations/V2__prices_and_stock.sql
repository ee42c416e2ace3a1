-- didhub schema, version 2: default prices per country and DID type, and an index for
-- stock reports and catalog changes.

-- The default price of a plan for one type of number in one country. An area's own
-- price (area_prices) overrides it; a plan is offered in an area, for a type the area
-- sells, when either prices it.
CREATE TABLE country_prices (
    country_id   TEXT NOT NULL REFERENCES countries (country_id),
    did_type     TEXT NOT NULL,
    rate_plan_id TEXT NOT NULL REFERENCES rate_plans (rate_plan_id),
    monthly100   INTEGER NOT NULL CHECK (monthly100 >= 0),
    setup100     INTEGER NOT NULL CHECK (setup100 >= 0),
    PRIMARY KEY (country_id, did_type, rate_plan_id)
);

-- Numbers per area, type and state: `inventory stock` and the check that a catalog
-- change does not orphan numbers read only this index.
CREATE INDEX numbers_area_type_state ON numbers (area_id, did_type, state);
