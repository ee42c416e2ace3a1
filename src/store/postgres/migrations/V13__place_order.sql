-- Version 13: DID.ORDER in one round trip (issue 17). `didhub_place_order` does what
-- the order used to do in a dozen statements, in the one statement that calls it: it
-- checks the holder, the area, the type, the plan's price, picks and locks the numbers,
-- checks the funds, and for a real order writes the order, the numbers' assignment, the
-- order lines, the numbers' history, the debit and its ledger row, one event per number
-- and the event's webhook deliveries. The stock counts and the routing version follow
-- from their triggers. The schema of the tables does not change (SQLite's V13 is empty).
--
-- A customer error raises an exception with SQLSTATE class DH (below), which rolls the
-- statement back: nothing is changed. The caller (store/postgres/orders.rs) turns it
-- into the error of the same name. The decisions stay in Rust: the event data comes
-- from the caller (`p_event_data`, the DID attributes that do not depend on the
-- database, from the domain's own builder) and the function adds only the values it
-- read; the webhook patterns that match the event type come from the domain's filter.
--
--   DH001 ACCOUNT_NOT_FOUND     the holder is not the caller nor one of its sub-accounts
--   DH002 AREA_NOT_FOUND
--   DH003 DID_TYPE_NOT_OFFERED
--   DH004 RATE_PLAN_NOT_FOUND   no price for the plan in the area (or its country)
--   DH005 NOT_ENOUGH_STOCK      DETAIL: how many were available to this order
--   DH006 INSUFFICIENT_FUNDS    DETAIL: "cost balance", in minor units
--
-- The pick: the numbers of the area and type in stock (and not kept for another plan)
-- from a random point of the area's available range upwards, wrapping to its start,
-- skipping the numbers other orders hold at that moment. Concurrent orders so start in
-- different places and do not walk past each other's locked or just-sold index entries.
-- Only when that finds too few does the order wait for the numbers others hold: those
-- that another order sells are then skipped, those it gives back are taken, so
-- NOT_ENOUGH_STOCK means the stock is really short. The numbers come back in E164 order.
CREATE FUNCTION didhub_place_order(
    p_caller            TEXT,
    p_caller_is_main    BOOLEAN,
    p_holder            TEXT,
    p_area_id           TEXT,
    p_did_type          TEXT,
    p_rate_plan_id      TEXT,
    p_quantity          INTEGER,
    p_title             TEXT,
    p_now               BIGINT,
    p_paid_until        BIGINT,
    p_dry_run           BOOLEAN,
    p_ledger_kind       TEXT,
    p_memo_prefix       TEXT,
    p_event_type        TEXT,
    p_event_ids         TEXT[],
    p_event_data        JSONB,
    p_webhook_patterns  TEXT[],
    p_webhook_channel   TEXT,
    OUT order_id          BIGINT,
    OUT payer             TEXT,
    OUT total100          BIGINT,
    OUT country_name      TEXT,
    OUT area_name         TEXT,
    OUT area_code         TEXT,
    OUT monthly100        BIGINT,
    OUT setup100          BIGINT,
    OUT sms_url           TEXT,
    OUT sms_email         TEXT,
    OUT sms_phone         TEXT,
    OUT call_forward_type TEXT,
    OUT call_forward_to   TEXT,
    OUT numbers           TEXT[]
) LANGUAGE plpgsql AS $$
DECLARE
    v_balance  BIGINT;
    v_offered  BOOLEAN;
    v_low      TEXT;
    v_high     TEXT;
    v_start    TEXT;
    v_more     TEXT[];
    v_assigned BIGINT;
BEGIN
    -- The holder, as the caller may see it (Caller::may_act_for), and its balance (a
    -- sub-account's is its main account's).
    SELECT COALESCE(a.parent_account_number, a.account_number), COALESCE(p.balance100, a.balance100),
           a.sms_url, a.sms_email, a.sms_phone, a.call_forward_type, a.call_forward_to
    INTO payer, v_balance, sms_url, sms_email, sms_phone, call_forward_type, call_forward_to
    FROM accounts a LEFT JOIN accounts p ON p.account_number = a.parent_account_number
    WHERE a.account_number = p_holder
      AND (a.account_number = p_caller OR (p_caller_is_main AND a.parent_account_number = p_caller));
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DH001', MESSAGE = 'ACCOUNT_NOT_FOUND';
    END IF;

    -- The terms: the same query as ORDER_TERMS of the SQLite store.
    SELECT a.name, a.area_code, c.name,
           EXISTS (SELECT 1 FROM area_did_types t WHERE t.area_id = a.area_id AND t.did_type = p_did_type),
           COALESCE(ap.monthly100, cp.monthly100), COALESCE(ap.setup100, cp.setup100)
    INTO area_name, area_code, country_name, v_offered, monthly100, setup100
    FROM areas a
    JOIN countries c ON c.country_id = a.country_id
    LEFT JOIN area_prices ap ON ap.area_id = a.area_id AND ap.rate_plan_id = p_rate_plan_id
    LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = p_did_type
                               AND cp.rate_plan_id = p_rate_plan_id
    WHERE a.area_id = p_area_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'DH002', MESSAGE = 'AREA_NOT_FOUND';
    END IF;
    IF NOT v_offered THEN
        RAISE EXCEPTION USING ERRCODE = 'DH003', MESSAGE = 'DID_TYPE_NOT_OFFERED';
    END IF;
    IF monthly100 IS NULL OR setup100 IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'DH004', MESSAGE = 'RATE_PLAN_NOT_FOUND';
    END IF;

    -- A random point of the available range: E164s are digits, so the point is drawn
    -- between the lowest and the highest as numbers.
    -- (Two index probes, written out: min() and max() together may scan the range.)
    v_low := (SELECT n.e164 FROM numbers n
              WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
              ORDER BY n.e164 LIMIT 1);
    v_high := (SELECT n.e164 FROM numbers n
               WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
               ORDER BY n.e164 DESC LIMIT 1);
    v_start := v_low;
    IF v_low IS NOT NULL AND length(v_low) = length(v_high) THEN
        v_start := lpad((v_low::NUMERIC + floor(random()::NUMERIC * (v_high::NUMERIC - v_low::NUMERIC + 1)))::TEXT,
                        length(v_low), '0');
    END IF;

    IF p_dry_run THEN
        -- A preview: the same pick, locking nothing.
        numbers := ARRAY(
            SELECT n.e164 FROM numbers n
            WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
              AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
              AND n.e164 >= v_start
            ORDER BY n.e164 LIMIT p_quantity);
        IF cardinality(numbers) < p_quantity THEN
            numbers := numbers || ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 < v_start
                ORDER BY n.e164 LIMIT p_quantity - cardinality(numbers));
        END IF;
    ELSE
        numbers := ARRAY(
            SELECT n.e164 FROM numbers n
            WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
              AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
              AND n.e164 >= v_start
            ORDER BY n.e164 LIMIT p_quantity
            FOR UPDATE SKIP LOCKED);
        IF cardinality(numbers) < p_quantity THEN
            numbers := numbers || ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 < v_start
                ORDER BY n.e164 LIMIT p_quantity - cardinality(numbers)
                FOR UPDATE SKIP LOCKED);
        END IF;
        IF cardinality(numbers) < p_quantity THEN
            -- Too few free: wait for the ones other orders hold.
            v_more := ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 <> ALL (numbers)
                ORDER BY n.e164 LIMIT p_quantity - cardinality(numbers)
                FOR UPDATE);
            numbers := numbers || v_more;
        END IF;
    END IF;
    IF cardinality(numbers) < p_quantity THEN
        RAISE EXCEPTION USING ERRCODE = 'DH005', MESSAGE = 'NOT_ENOUGH_STOCK',
            DETAIL = cardinality(numbers)::TEXT;
    END IF;
    numbers := ARRAY(SELECT x FROM unnest(numbers) AS x ORDER BY x);

    total100 := (monthly100 + setup100) * p_quantity;
    IF v_balance < total100 THEN
        RAISE EXCEPTION USING ERRCODE = 'DH006', MESSAGE = 'INSUFFICIENT_FUNDS',
            DETAIL = total100::TEXT || ' ' || v_balance::TEXT;
    END IF;
    IF p_dry_run THEN
        RETURN;
    END IF;

    INSERT INTO orders (account_number, payer_account_number, caller_account_number, area_id,
                        did_type, rate_plan_id, quantity, title, total100, created_at)
    VALUES (p_holder, payer, p_caller, p_area_id, p_did_type, p_rate_plan_id, p_quantity,
            p_title, total100, p_now)
    RETURNING orders.order_id INTO order_id;

    UPDATE numbers n SET state = 'active', account_number = p_holder, order_id = didhub_place_order.order_id,
        rate_plan_id = p_rate_plan_id, monthly100 = didhub_place_order.monthly100, title = p_title,
        sms_url = didhub_place_order.sms_url, sms_email = didhub_place_order.sms_email, sms_phone = didhub_place_order.sms_phone,
        call_forward_type = didhub_place_order.call_forward_type, call_forward_to = didhub_place_order.call_forward_to,
        assigned_at = p_now, canceled_at = NULL, release_at = NULL,
        paid_until = p_paid_until, periods_paid = 1, suspended_at = NULL
    WHERE n.e164 = ANY (numbers) AND n.state = 'available';
    GET DIAGNOSTICS v_assigned = ROW_COUNT;
    IF v_assigned <> p_quantity THEN
        RAISE EXCEPTION '% of the order''s numbers were no longer available', p_quantity - v_assigned;
    END IF;

    INSERT INTO order_lines (order_id, e164, setup100, monthly100)
    SELECT didhub_place_order.order_id, x, didhub_place_order.setup100, didhub_place_order.monthly100 FROM unnest(numbers) AS x;

    INSERT INTO number_events (e164, event, account_number, order_id, at)
    SELECT x.e164, 'ordered', p_holder, didhub_place_order.order_id, p_now
    FROM unnest(numbers) WITH ORDINALITY AS x (e164, ord) ORDER BY x.ord;

    INSERT INTO events (event_id, event_type, occurred_at, account_number, data)
    SELECT p_event_ids[x.ord], p_event_type, p_now, payer,
           (p_event_data || jsonb_build_object(
               'E164', x.e164, 'SMS_URL', didhub_place_order.sms_url, 'SMS_EMAIL', didhub_place_order.sms_email,
               'CALL_FORWARD_TYPE', didhub_place_order.call_forward_type, 'CALL_FORWARD_TO', didhub_place_order.call_forward_to,
               'COUNTRY_NAME', didhub_place_order.country_name, 'AREA_NAME', didhub_place_order.area_name,
               'AREA_CODE', didhub_place_order.area_code, 'MONTHLY100', didhub_place_order.monthly100,
               'ORDER_ID', didhub_place_order.order_id))::TEXT
    FROM unnest(numbers) WITH ORDINALITY AS x (e164, ord) ORDER BY x.ord;

    INSERT INTO deliveries (event_id, channel, target, due_at_ms)
    SELECT p_event_ids[x.ord], p_webhook_channel, w.webhook_id, 0
    FROM unnest(numbers) WITH ORDINALITY AS x (e164, ord)
    CROSS JOIN webhooks w
    WHERE w.account_number = payer AND string_to_array(w.events, ',') && p_webhook_patterns
    ORDER BY x.ord, w.webhook_id;

    -- The ledger row, then the debit, last and guarded: the payer's balance row is the
    -- one row every order of that payer needs, so it is locked only for the commit, and
    -- the balance never goes below zero.
    INSERT INTO ledger (account_number, amount100, kind, order_id, e164, memo, created_at)
    VALUES (payer, -total100, p_ledger_kind, order_id, NULL, p_memo_prefix || order_id, p_now);
    UPDATE accounts SET balance100 = balance100 - total100
    WHERE account_number = payer AND balance100 - total100 >= 0;
    IF NOT FOUND THEN
        -- A concurrent order of the same payer spent the money since the check.
        SELECT a.balance100 INTO v_balance FROM accounts a WHERE a.account_number = payer;
        RAISE EXCEPTION USING ERRCODE = 'DH006', MESSAGE = 'INSUFFICIENT_FUNDS',
            DETAIL = total100::TEXT || ' ' || COALESCE(v_balance, 0)::TEXT;
    END IF;
END
$$;
