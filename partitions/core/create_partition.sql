-- core.create_partition(parent, at): make the partition that holds `at`, moving into it any rows
-- of its range that are waiting in the default partition. One path serves premake and rescue.
--
-- The partition is built as a standalone table (LIKE the parent) and then ATTACHed, which needs only
-- SHARE UPDATE EXCLUSIVE on the parent: readers are never blocked (CREATE TABLE ... PARTITION OF
-- would take ACCESS EXCLUSIVE). When the table has a default partition, writers must pause for the
-- moment of the step: an INSERT planned before the ATTACH would route a row of the new range to the
-- default partition and fail its new constraint (23514). So the parent is locked in EXCLUSIVE mode
-- (blocks writers, not readers) under maintenance's short lock_timeout. Rows of the range waiting in
-- the default partition move in the same transaction as the ATTACH: no row is ever lost, duplicated,
-- or invisible to a reader.
--
-- Rows referenced by a foreign key move like any others. PostgreSQL checks a foreign key on the leaf
-- a referenced row left (the default partition), where the key is gone, so the rows referencing the
-- moving ones (core.referencing_rows: any foreign key, at any depth) are taken out in the same
-- statement that takes the rows out of the default partition, and put back, unchanged, once the new
-- partition is attached: every foreign key check then finds what it looks for, at once (constraints
-- are made IMMEDIATE for the move and return to their declared mode after it, so nothing is left
-- to fail at COMMIT). Identity values are kept (OVERRIDING SYSTEM VALUE), generated columns are
-- computed again from the same values, and no referential action fires on anything.
-- The application's triggers on every table rows leave or return to are switched off for the move,
-- and back on as they were, so a rescue fires no DELETE or INSERT trigger; the rows are copied into
-- their leaves, never re-inserted through a parent.
-- On a Citus coordinator the parent is distributed: the ATTACH distributes the new partition with
-- it (co-located, its rows copied to the shards), and the rows' local copy is then emptied.

CREATE OR REPLACE FUNCTION core.create_partition(p_parent regclass, p_at timestamptz)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
SET extra_float_digits = 1  -- rows taken out travel as text: floats exactly, whatever the caller's setting
AS $$
DECLARE
    v_interval text;
    v_key record;
    v_slot record;
    v_schema name;
    v_name name;
    v_new regclass;
    v_default regclass;
    v_columns text;
    v_range text;
    v_format text;
    v_lower text;
    v_upper text;
    v_referencing record;
    v_leaves regclass[] := '{}';
    v_leaf regclass;
    v_triggers jsonb;
    v_sql text;
    v_union text;
    v_kept_leaves oid[] := '{}';
    v_kept_rows text[] := '{}';
    v_moving boolean := FALSE;
    v_cycle boolean := FALSE;
    v_rows bigint := 0;
    v_distributed boolean;
    v_started timestamptz := clock_timestamp();
    v_result core.maintenance_action;
BEGIN
    SELECT t.partition_interval INTO v_interval FROM core.partitioned_tables AS t WHERE t.parent = p_parent;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_object',
            MESSAGE = format('%s is not registered with the partition manager', p_parent),
            HINT = format('Register it first: SELECT core.register_partitioned_table(%L);', p_parent::text);
    END IF;
    SELECT * INTO v_key FROM core.partition_key(p_parent);
    SELECT * INTO v_slot FROM core.partition_slot(v_interval, p_at);

    IF EXISTS (
        SELECT FROM core.partitions_of(p_parent) AS p
        WHERE NOT p.is_default
          AND (p.lower_bound IS NULL OR p.lower_bound < v_slot.upper_bound)
          AND (p.upper_bound IS NULL OR p.upper_bound > v_slot.lower_bound)
    ) THEN
        RETURN;  -- already covered (by us, or by a partition made by hand)
    END IF;

    SELECT n.nspname INTO v_schema
    FROM pg_class AS c INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
    WHERE c.oid = p_parent;
    v_name := core.partition_name(p_parent, core.partition_suffix(v_interval, v_slot.lower_bound));
    IF to_regclass(format('%I.%I', v_schema, v_name)) IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'duplicate_table',
            MESSAGE = format('cannot create partition %I.%I of %s: a table of that name exists',
                             v_schema, v_name, p_parent),
            HINT = 'Rename or drop that table, or attach it yourself with the right bounds.';
    END IF;

    v_format := CASE v_key.key_type
        WHEN 'date'::regtype THEN 'YYYY-MM-DD'
        WHEN 'timestamp'::regtype THEN 'YYYY-MM-DD HH24:MI:SS'
        ELSE 'YYYY-MM-DD HH24:MI:SS"+00"'
    END;
    v_lower := to_char(v_slot.lower_bound, v_format);
    v_upper := to_char(v_slot.upper_bound, v_format);

    EXECUTE format(
        'CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
        'INCLUDING STORAGE INCLUDING COMPRESSION)', v_schema, v_name, p_parent
    );
    v_new := format('%I.%I', v_schema, v_name)::regclass;
    -- a partition belongs to its table's owner, whoever runs the step (registration as a superuser)
    EXECUTE format('ALTER TABLE %s OWNER TO %I', v_new,
                   (SELECT pg_get_userbyid(c.relowner) FROM pg_class AS c WHERE c.oid = p_parent));
    PERFORM core.copy_table_privileges(p_parent, v_new);

    SELECT p.partition INTO v_default FROM core.partitions_of(p_parent) AS p WHERE p.is_default;
    IF v_default IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', p_parent);
        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', v_default);
        v_range := format('%I >= %L AND %I < %L', v_key.key_column, v_lower, v_key.key_column, v_upper);
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s WHERE %s)', v_default, v_range) INTO v_moving;
    END IF;

    IF v_moving AND EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        PERFORM core.refuse_distributed_referenced_move(p_parent, v_default, v_range);
    END IF;
    IF v_moving THEN
        SELECT * INTO v_referencing FROM core.referencing_rows(v_default, v_key.key_column, v_lower, v_upper);
        v_leaves := ARRAY(SELECT DISTINCT l::regclass FROM unnest(v_referencing.leaves) AS l);
        -- Moving rows that themselves reference rows taken out (a table referencing itself, a cycle):
        -- the partition could not be attached while those are out (ATTACH checks its foreign keys),
        -- so it is attached empty and the moving rows go in with the others, after it.
        v_cycle := EXISTS (
            SELECT FROM pg_constraint AS c
            WHERE c.contype = 'f' AND c.conrelid = p_parent
              AND EXISTS (SELECT FROM pg_partition_tree(c.confrelid) AS t WHERE t.relid = ANY (v_leaves))
        );
        IF NOT v_cycle THEN
            v_columns := core.stored_columns(p_parent);
            EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM ONLY %s WHERE %s',
                           v_new, v_columns, v_columns, v_default, v_range);
            GET DIAGNOSTICS v_rows = ROW_COUNT;
        END IF;
        -- rows leave and return to the referencing leaves (the default partition may be one), and
        -- only leave the default partition
        v_triggers := core.disable_user_triggers(v_leaves, ARRAY['INSERT', 'DELETE'])
                      || core.disable_user_triggers(ARRAY[v_default], ARRAY['DELETE']);
        SET CONSTRAINTS ALL IMMEDIATE;
        -- One statement takes the rows of the range and every row referencing them out, so the
        -- foreign key checks at its end find no referencing row left (whatever the references'
        -- order or cycles); it returns as text the rows to put back.
        v_sql := format('WITH moved AS (DELETE FROM ONLY %s AS x WHERE %s%s)', v_default, v_range,
                        CASE WHEN v_cycle THEN format(' RETURNING %s AS leaf, x::text AS row', v_new::oid) ELSE '' END);
        v_union := CASE WHEN v_cycle THEN 'SELECT leaf, row FROM moved' END;
        FOREACH v_leaf IN ARRAY v_leaves LOOP
            v_sql := v_sql || format(
                ', %I AS (DELETE FROM ONLY %s AS x WHERE x.ctid = ANY (ARRAY(SELECT u.t FROM '
                'unnest($1::oid[], $2::tid[]) AS u (l, t) WHERE u.l = %s)) RETURNING %s AS leaf, x::text AS row)',
                'out_' || v_leaf::oid, v_leaf, v_leaf::oid, v_leaf::oid);
            v_union := coalesce(v_union || ' UNION ALL ', '') || format('SELECT leaf, row FROM %I', 'out_' || v_leaf::oid);
        END LOOP;
        EXECUTE v_sql || format(' SELECT coalesce(array_agg(a.leaf), ''{}''), coalesce(array_agg(a.row), ''{}'') FROM (%s) AS a',
                                coalesce(v_union, 'SELECT NULL::oid AS leaf, NULL::text AS row WHERE false'))
        USING v_referencing.leaves, v_referencing.ctids
        INTO v_kept_leaves, v_kept_rows;
        IF v_cycle THEN
            v_rows := cardinality(array_positions(v_kept_leaves, v_new::oid));
        END IF;
    END IF;

    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                   p_parent, v_new, v_lower, v_upper);
    -- On a Citus coordinator, attaching the table to a distributed parent distributed it: its rows
    -- were copied to the shards, and the copy left on the coordinator (invisible) is emptied.
    -- (Dynamic SQL: Citus' catalog and functions exist only where it is installed.)
    IF v_rows > 0 AND EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
        INTO v_distributed USING v_new;
        IF v_distributed THEN
            EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING v_new;
        END IF;
    END IF;

    IF cardinality(v_kept_rows) > 0 THEN
        -- Back into the leaves they came from (and, after a cycle, the moving rows into the new
        -- partition), in one statement: each foreign key check at its end finds what it looks for.
        IF v_cycle THEN
            v_triggers := v_triggers || core.disable_user_triggers(ARRAY[v_new], ARRAY['INSERT']);  -- cloned by ATTACH
        END IF;
        v_sql := NULL;
        FOREACH v_leaf IN ARRAY ARRAY(SELECT DISTINCT l::regclass FROM unnest(v_kept_leaves) AS l) LOOP
            v_columns := core.stored_columns(v_leaf);
            v_sql := coalesce(v_sql || ', ', 'WITH ') || format(
                '%I AS (INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM unnest(ARRAY(SELECT u.r FROM '
                'unnest($1::oid[], $2::text[]) AS u (l, r) WHERE u.l = %s)::%s[]))',
                'back_' || v_leaf::oid, v_leaf, v_columns, v_columns, v_leaf::oid,
                CASE WHEN v_leaf = v_new THEN v_default ELSE v_leaf END);
        END LOOP;
        EXECUTE v_sql || ' SELECT' USING v_kept_leaves, v_kept_rows;
    END IF;
    IF v_moving THEN
        PERFORM core.restore_user_triggers(v_triggers);
        PERFORM core.check_deferred_constraints();
    END IF;

    v_result := ROW(
        p_parent::text, CASE WHEN v_rows > 0 THEN 'rescue' ELSE 'create' END, v_new::text, v_rows,
        clock_timestamp() - v_started, 'ok', format('[%s, %s)', v_lower, v_upper)
        || CASE WHEN cardinality(v_kept_rows) > 0
                THEN format('; %s rows referencing them taken out and put back',
                            cardinality(array_remove(v_kept_leaves, v_new::oid))) ELSE '' END
    )::core.maintenance_action;
    RETURN NEXT v_result;
END
$$;

COMMENT ON FUNCTION core.create_partition(regclass, timestamptz) IS
'Creates the partition of a registered table that holds p_at (no-op if one covers it), moving in
the rows of that range from the default partition. Returns one create or rescue action.';

REVOKE ALL ON FUNCTION core.create_partition(regclass, timestamptz) FROM PUBLIC;
