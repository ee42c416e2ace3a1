-- Version 14: orders placed in batches (issue 17). One call of `didhub_place_orders`
-- places up to a few dozen orders in one transaction, so they share one commit (one WAL
-- flush) and one statement per table instead of a dozen statements each, and the
-- payer's balance row is locked only for the final debit and the commit. The caller
-- (store/postgres/order_queue.rs) gathers the orders that arrive while earlier batches
-- run; a quiet server sends batches of one.
--
-- Every order of a batch is checked on its own and in turn: the holder, the area, the
-- type, the plan's price, the stock, then the funds, against the balance less what the
-- batch's earlier orders of the same payer spend. A customer error is an order's result
-- (the codes of V13: DH001 to DH006, with the same DETAIL) and changes nothing: every
-- check comes before any write, and the writes are only those of the orders that
-- passed, all at the end. The result has one row per order, in the orders' sequence.
--
-- The balance is read without a lock; the debit at the end is guarded. When a
-- concurrent batch spent a payer's money in between, the guard fails and the whole
-- batch raises DH007 (BATCH_OVERDRAWN): nothing is written, and the caller places the
-- batch again with p_lock_payers_first, which locks the payers' rows (FOR NO KEY
-- UPDATE, in account order, which the foreign keys' KEY SHARE locks do not wait for)
-- before it reads the balances, so the checks then hold to the end.
--
-- A dry run (p_dry_run, TEST=TRUE) is the same checks and pick, locking and writing
-- nothing.
--
-- V13's `didhub_place_order` stays, with the same signature, as a batch of one that
-- raises its error, so processes of the previous version keep working while an upgrade
-- rolls through; its body was the only copy of the rules and is replaced.

-- The pick (docs/API.md): QUANTITY numbers of the area and type in stock, not kept for
-- another plan and not in p_taken (numbers the batch already gave to an earlier order),
-- from p_start or, when it is NULL, from a random point of the area's available range,
-- upwards, wrapping to its start. (A batch starts its first order in an area at random
-- and each next one where the previous one ended: concurrent batches work in different
-- places, and one batch's numbers share pages, which it then reads and writes once.)
-- With p_lock, the numbers are locked (FOR UPDATE), skipping those that concurrent
-- orders hold; only when that finds too few does it wait for the held ones, so a short
-- answer means the stock really is short. Without p_lock (a dry run) nothing is locked.
-- The numbers come back in E164 order.
CREATE FUNCTION didhub_pick_numbers(
    p_area_id      TEXT,
    p_did_type     TEXT,
    p_rate_plan_id TEXT,
    p_quantity     INTEGER,
    p_taken        TEXT[],
    p_lock         BOOLEAN,
    p_start        TEXT
) RETURNS TEXT[] LANGUAGE plpgsql AS $$
DECLARE
    v_low     TEXT;
    v_high    TEXT;
    v_start   TEXT;
    v_numbers TEXT[];
BEGIN
    -- Without p_start, a random point between the lowest and the highest E164 in stock,
    -- as numbers (two index probes: min() and max() together may scan the range).
    v_start := p_start;
    IF v_start IS NULL THEN
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
    END IF;

    IF NOT p_lock THEN
        v_numbers := ARRAY(
            SELECT n.e164 FROM numbers n
            WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
              AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
              AND n.e164 >= v_start AND n.e164 <> ALL (p_taken)
            ORDER BY n.e164 LIMIT p_quantity);
        IF cardinality(v_numbers) < p_quantity THEN
            v_numbers := v_numbers || ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 < v_start AND n.e164 <> ALL (p_taken)
                ORDER BY n.e164 LIMIT p_quantity - cardinality(v_numbers));
        END IF;
    ELSE
        v_numbers := ARRAY(
            SELECT n.e164 FROM numbers n
            WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
              AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
              AND n.e164 >= v_start AND n.e164 <> ALL (p_taken)
            ORDER BY n.e164 LIMIT p_quantity
            FOR UPDATE SKIP LOCKED);
        IF cardinality(v_numbers) < p_quantity THEN
            v_numbers := v_numbers || ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 < v_start AND n.e164 <> ALL (p_taken)
                ORDER BY n.e164 LIMIT p_quantity - cardinality(v_numbers)
                FOR UPDATE SKIP LOCKED);
        END IF;
        IF cardinality(v_numbers) < p_quantity THEN
            -- Too few free: wait for the ones other orders hold.
            v_numbers := v_numbers || ARRAY(
                SELECT n.e164 FROM numbers n
                WHERE n.area_id = p_area_id AND n.did_type = p_did_type AND n.state = 'available'
                  AND (n.stock_rate_plan_id IS NULL OR n.stock_rate_plan_id = p_rate_plan_id)
                  AND n.e164 <> ALL (p_taken || v_numbers)
                ORDER BY n.e164 LIMIT p_quantity - cardinality(v_numbers)
                FOR UPDATE);
        END IF;
    END IF;
    RETURN ARRAY(SELECT x FROM unnest(v_numbers) AS x ORDER BY x);
END
$$;

CREATE FUNCTION didhub_place_orders(
    -- One element per order.
    p_callers           TEXT[],
    p_callers_are_main  BOOLEAN[],
    p_holders           TEXT[],
    p_area_ids          TEXT[],
    p_did_types         TEXT[],
    p_rate_plan_ids     TEXT[],
    p_quantities        INTEGER[],
    p_titles            TEXT[],
    p_nows              BIGINT[],
    p_paid_until        BIGINT[],
    -- The event data of each order's numbers as far as it does not depend on the
    -- database (the domain's builder); the function adds what it read.
    p_event_data        JSONB[],
    -- The orders' event ids one after the other, QUANTITY of them each.
    p_event_ids         TEXT[],
    -- The same for the whole batch.
    p_dry_run           BOOLEAN,
    p_lock_payers_first BOOLEAN,
    p_ledger_kind       TEXT,
    p_memo_prefix       TEXT,
    p_event_type        TEXT,
    p_webhook_patterns  TEXT[],
    p_webhook_channel   TEXT
) RETURNS TABLE (
    ord               INTEGER,
    error_code        TEXT,
    error_detail      TEXT,
    order_id          BIGINT,
    payer             TEXT,
    total100          BIGINT,
    country_name      TEXT,
    area_name         TEXT,
    area_code         TEXT,
    monthly100        BIGINT,
    setup100          BIGINT,
    sms_url           TEXT,
    sms_email         TEXT,
    sms_phone         TEXT,
    call_forward_type TEXT,
    call_forward_to   TEXT,
    numbers           TEXT[]
) LANGUAGE plpgsql AS $$
DECLARE
    r            RECORD;
    v_orders_seq TEXT := pg_get_serial_sequence('orders', 'order_id');
    v_event_at   INTEGER := 0;
    v_spent      JSONB := '{}';
    v_available  BIGINT;
    v_total      NUMERIC;
    v_picked     TEXT[];
    v_count      BIGINT;
    v_last_kind  TEXT;
    v_last       TEXT;
    -- The orders that passed, by position k; and their numbers, each with its k.
    o_ord        INTEGER[] := '{}';
    o_id         BIGINT[] := '{}';
    o_holder     TEXT[] := '{}';
    o_payer      TEXT[] := '{}';
    o_caller     TEXT[] := '{}';
    o_area       TEXT[] := '{}';
    o_type       TEXT[] := '{}';
    o_plan       TEXT[] := '{}';
    o_quantity   INTEGER[] := '{}';
    o_title      TEXT[] := '{}';
    o_total      BIGINT[] := '{}';
    o_monthly    BIGINT[] := '{}';
    o_setup      BIGINT[] := '{}';
    o_now        BIGINT[] := '{}';
    o_paid_until BIGINT[] := '{}';
    o_sms_url    TEXT[] := '{}';
    o_sms_email  TEXT[] := '{}';
    o_sms_phone  TEXT[] := '{}';
    o_cf_type    TEXT[] := '{}';
    o_cf_to      TEXT[] := '{}';
    o_data       JSONB[] := '{}';
    n_e164       TEXT[] := '{}';
    n_k          INTEGER[] := '{}';
    n_event_id   TEXT[] := '{}';
BEGIN
    IF p_lock_payers_first AND NOT p_dry_run THEN
        PERFORM 1 FROM accounts a
        WHERE a.account_number IN (
            SELECT COALESCE(h.parent_account_number, h.account_number)
            FROM accounts h WHERE h.account_number = ANY (p_holders))
        ORDER BY a.account_number
        FOR NO KEY UPDATE;
    END IF;

    -- The terms of every order: the same rules as ORDER_TERMS of the SQLite store (the
    -- holder as the caller may see it, Caller::may_act_for; a sub-account's balance is
    -- its main account's).
    FOR r IN
        SELECT q.i, q.caller, q.holder, q.area_id, q.did_type, q.rate_plan_id, q.quantity,
               q.title, q.now, q.paid_until,
               h.account_number IS NOT NULL AS holder_found,
               COALESCE(h.parent_account_number, h.account_number) AS payer,
               COALESCE(p.balance100, h.balance100) AS balance,
               h.sms_url, h.sms_email, h.sms_phone, h.call_forward_type, h.call_forward_to,
               a.area_id IS NOT NULL AS area_found, a.name AS area_name, a.area_code,
               c.name AS country_name,
               EXISTS (SELECT 1 FROM area_did_types t
                       WHERE t.area_id = a.area_id AND t.did_type = q.did_type) AS offered,
               COALESCE(ap.monthly100, cp.monthly100) AS monthly100,
               COALESCE(ap.setup100, cp.setup100) AS setup100
        FROM unnest(p_callers, p_callers_are_main, p_holders, p_area_ids, p_did_types,
                    p_rate_plan_ids, p_quantities, p_titles, p_nows, p_paid_until)
             WITH ORDINALITY AS q (caller, caller_is_main, holder, area_id, did_type,
                                   rate_plan_id, quantity, title, now, paid_until, i)
        LEFT JOIN accounts h ON h.account_number = q.holder
              AND (h.account_number = q.caller OR (q.caller_is_main AND h.parent_account_number = q.caller))
        LEFT JOIN accounts p ON p.account_number = h.parent_account_number
        LEFT JOIN areas a ON a.area_id = q.area_id
        LEFT JOIN countries c ON c.country_id = a.country_id
        LEFT JOIN area_prices ap ON ap.area_id = a.area_id AND ap.rate_plan_id = q.rate_plan_id
        LEFT JOIN country_prices cp ON cp.country_id = a.country_id AND cp.did_type = q.did_type
                                   AND cp.rate_plan_id = q.rate_plan_id
        ORDER BY q.i
    LOOP
        ord := r.i;
        error_code := NULL;
        error_detail := NULL;
        order_id := NULL;
        numbers := NULL;
        payer := r.payer;
        country_name := r.country_name;
        area_name := r.area_name;
        area_code := r.area_code;
        monthly100 := r.monthly100;
        setup100 := r.setup100;
        sms_url := r.sms_url;
        sms_email := r.sms_email;
        sms_phone := r.sms_phone;
        call_forward_type := r.call_forward_type;
        call_forward_to := r.call_forward_to;
        total100 := NULL;
        IF NOT r.holder_found THEN
            error_code := 'DH001';
        ELSIF NOT r.area_found THEN
            error_code := 'DH002';
        ELSIF NOT r.offered THEN
            error_code := 'DH003';
        ELSIF r.monthly100 IS NULL OR r.setup100 IS NULL THEN
            error_code := 'DH004';
        ELSE
            v_picked := didhub_pick_numbers(
                r.area_id, r.did_type, r.rate_plan_id, r.quantity, n_e164, NOT p_dry_run,
                CASE WHEN v_last_kind = r.area_id || ' ' || r.did_type THEN v_last END);
            v_last_kind := r.area_id || ' ' || r.did_type;
            v_last := v_picked[cardinality(v_picked)];
            v_total := (r.monthly100::NUMERIC + r.setup100) * r.quantity;
            v_available := r.balance - COALESCE((v_spent ->> r.payer)::BIGINT, 0);
            IF cardinality(v_picked) < r.quantity THEN
                error_code := 'DH005';
                error_detail := cardinality(v_picked)::TEXT;
            ELSIF v_total > 9223372036854775807 THEN
                error_code := '22003';
            ELSIF v_available < v_total THEN
                error_code := 'DH006';
                error_detail := v_total::TEXT || ' ' || v_available::TEXT;
            ELSE
                total100 := v_total;
                numbers := v_picked;
                IF NOT p_dry_run THEN
                    order_id := nextval(v_orders_seq);
                    v_spent := jsonb_set(v_spent, ARRAY[r.payer], to_jsonb(r.balance - v_available + total100));
                    o_ord := o_ord || r.i::INTEGER;
                    o_id := o_id || order_id;
                    o_holder := o_holder || r.holder;
                    o_payer := o_payer || r.payer;
                    o_caller := o_caller || r.caller;
                    o_area := o_area || r.area_id;
                    o_type := o_type || r.did_type;
                    o_plan := o_plan || r.rate_plan_id;
                    o_quantity := o_quantity || r.quantity;
                    o_title := o_title || r.title;
                    o_total := o_total || total100;
                    o_monthly := o_monthly || r.monthly100;
                    o_setup := o_setup || r.setup100;
                    o_now := o_now || r.now;
                    o_paid_until := o_paid_until || r.paid_until;
                    o_sms_url := o_sms_url || r.sms_url;
                    o_sms_email := o_sms_email || r.sms_email;
                    o_sms_phone := o_sms_phone || r.sms_phone;
                    o_cf_type := o_cf_type || r.call_forward_type;
                    o_cf_to := o_cf_to || r.call_forward_to;
                    o_data := o_data || p_event_data[r.i];
                    n_e164 := n_e164 || v_picked;
                    n_k := n_k || array_fill(cardinality(o_id), ARRAY[r.quantity]);
                    n_event_id := n_event_id || p_event_ids[v_event_at + 1 : v_event_at + r.quantity];
                END IF;
            END IF;
        END IF;
        IF NOT p_dry_run THEN
            v_event_at := v_event_at + r.quantity;
        END IF;
        RETURN NEXT;
    END LOOP;

    IF p_dry_run OR cardinality(o_id) = 0 THEN
        RETURN;
    END IF;

    -- The writes of the orders that passed, one statement per table.
    INSERT INTO orders (order_id, account_number, payer_account_number, caller_account_number,
                        area_id, did_type, rate_plan_id, quantity, title, total100, created_at)
    SELECT o_id[k], o_holder[k], o_payer[k], o_caller[k], o_area[k], o_type[k], o_plan[k],
           o_quantity[k], o_title[k], o_total[k], o_now[k]
    FROM generate_subscripts(o_id, 1) AS k ORDER BY k;

    UPDATE numbers n SET state = 'active', account_number = o_holder[u.k], order_id = o_id[u.k],
        rate_plan_id = o_plan[u.k], monthly100 = o_monthly[u.k], title = o_title[u.k],
        sms_url = o_sms_url[u.k], sms_email = o_sms_email[u.k], sms_phone = o_sms_phone[u.k],
        call_forward_type = o_cf_type[u.k], call_forward_to = o_cf_to[u.k],
        assigned_at = o_now[u.k], canceled_at = NULL, release_at = NULL,
        paid_until = o_paid_until[u.k], periods_paid = 1, suspended_at = NULL
    FROM unnest(n_e164, n_k) AS u (e164, k)
    WHERE n.e164 = u.e164 AND n.state = 'available';
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> cardinality(n_e164) THEN
        RAISE EXCEPTION '% of the orders'' numbers were no longer available', cardinality(n_e164) - v_count;
    END IF;

    INSERT INTO order_lines (order_id, e164, setup100, monthly100)
    SELECT o_id[u.k], u.e164, o_setup[u.k], o_monthly[u.k]
    FROM unnest(n_e164, n_k) WITH ORDINALITY AS u (e164, k, i) ORDER BY u.i;

    INSERT INTO number_events (e164, event, account_number, order_id, at)
    SELECT u.e164, 'ordered', o_holder[u.k], o_id[u.k], o_now[u.k]
    FROM unnest(n_e164, n_k) WITH ORDINALITY AS u (e164, k, i) ORDER BY u.i;

    INSERT INTO events (event_id, event_type, occurred_at, account_number, data)
    SELECT u.event_id, p_event_type, o_now[u.k], o_payer[u.k],
           (o_data[u.k] || jsonb_build_object(
               'E164', u.e164, 'SMS_URL', o_sms_url[u.k], 'SMS_EMAIL', o_sms_email[u.k],
               'CALL_FORWARD_TYPE', o_cf_type[u.k], 'CALL_FORWARD_TO', o_cf_to[u.k],
               'COUNTRY_NAME', c.name, 'AREA_NAME', a.name, 'AREA_CODE', a.area_code,
               'MONTHLY100', o_monthly[u.k], 'ORDER_ID', o_id[u.k]))::TEXT
    FROM unnest(n_e164, n_k, n_event_id) WITH ORDINALITY AS u (e164, k, event_id, i)
    JOIN areas a ON a.area_id = o_area[u.k]
    JOIN countries c ON c.country_id = a.country_id
    ORDER BY u.i;

    INSERT INTO deliveries (event_id, channel, target, due_at_ms)
    SELECT u.event_id, p_webhook_channel, w.webhook_id, 0
    FROM unnest(n_k, n_event_id) WITH ORDINALITY AS u (k, event_id, i)
    JOIN webhooks w ON w.account_number = o_payer[u.k]
                   AND string_to_array(w.events, ',') && p_webhook_patterns
    ORDER BY u.i, w.webhook_id;

    INSERT INTO ledger (account_number, amount100, kind, order_id, e164, memo, created_at)
    SELECT o_payer[k], -o_total[k], p_ledger_kind, o_id[k], NULL, p_memo_prefix || o_id[k], o_now[k]
    FROM generate_subscripts(o_id, 1) AS k ORDER BY k;

    -- The debits, last: the payers' rows are what every order of the same payers needs,
    -- so they are locked (in account order) only for the debit and the commit.
    IF NOT p_lock_payers_first THEN
        PERFORM 1 FROM accounts a WHERE a.account_number = ANY (o_payer)
        ORDER BY a.account_number
        FOR NO KEY UPDATE;
    END IF;
    UPDATE accounts a SET balance100 = a.balance100 - d.amount
    FROM (SELECT x.payer, SUM(x.total)::BIGINT AS amount
          FROM unnest(o_payer, o_total) AS x (payer, total) GROUP BY x.payer) d
    WHERE a.account_number = d.payer AND a.balance100 - d.amount >= 0;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count <> (SELECT count(DISTINCT x) FROM unnest(o_payer) AS x) THEN
        -- A concurrent batch spent a payer's money since the balances were read.
        RAISE EXCEPTION USING ERRCODE = 'DH007', MESSAGE = 'BATCH_OVERDRAWN';
    END IF;
END
$$;

-- V13's function, for the processes of the previous version during an upgrade: a batch
-- of one, its error raised as V13 raised it.
CREATE OR REPLACE FUNCTION didhub_place_order(
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
    r RECORD;
BEGIN
    SELECT * INTO r FROM didhub_place_orders(
        ARRAY[p_caller], ARRAY[p_caller_is_main], ARRAY[p_holder], ARRAY[p_area_id],
        ARRAY[p_did_type], ARRAY[p_rate_plan_id], ARRAY[p_quantity], ARRAY[p_title],
        ARRAY[p_now], ARRAY[p_paid_until], ARRAY[p_event_data], p_event_ids, p_dry_run,
        TRUE, p_ledger_kind, p_memo_prefix, p_event_type, p_webhook_patterns, p_webhook_channel);
    IF r.error_code IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = r.error_code, MESSAGE = CASE r.error_code
            WHEN 'DH001' THEN 'ACCOUNT_NOT_FOUND' WHEN 'DH002' THEN 'AREA_NOT_FOUND'
            WHEN 'DH003' THEN 'DID_TYPE_NOT_OFFERED' WHEN 'DH004' THEN 'RATE_PLAN_NOT_FOUND'
            WHEN 'DH005' THEN 'NOT_ENOUGH_STOCK' WHEN 'DH006' THEN 'INSUFFICIENT_FUNDS'
            ELSE 'bigint out of range' END,
            DETAIL = COALESCE(r.error_detail, '');
    END IF;
    order_id := r.order_id;
    payer := r.payer;
    total100 := r.total100;
    country_name := r.country_name;
    area_name := r.area_name;
    area_code := r.area_code;
    monthly100 := r.monthly100;
    setup100 := r.setup100;
    sms_url := r.sms_url;
    sms_email := r.sms_email;
    sms_phone := r.sms_phone;
    call_forward_type := r.call_forward_type;
    call_forward_to := r.call_forward_to;
    numbers := r.numbers;
END
$$;
