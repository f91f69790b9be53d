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
-- User DELETE triggers on the default partition are switched off for the move, so a rescue does not
-- fire the application's DELETE triggers; the rows are copied, never re-inserted through the parent.
-- Foreign keys that reference the table must be DEFERRABLE for their rows to be moved.
-- On a Citus coordinator the parent is distributed: the ATTACH distributes the new partition with
-- it (co-located, its rows copied to the shards), and the rows' local copy is then emptied.

CREATE OR REPLACE FUNCTION core.create_partition(p_parent regclass, p_at timestamptz)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
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
    v_triggers name[];
    v_trigger name;
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
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
        FROM pg_attribute AS a
        WHERE a.attrelid = p_parent AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
        v_range := format('%I >= %L AND %I < %L', v_key.key_column, v_lower, v_key.key_column, v_upper);
        EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s',
                       v_new, v_columns, v_columns, v_default, v_range);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        IF v_rows > 0 THEN
            -- Rows referencing the moved ones (by a DEFERRABLE foreign key) are checked at commit,
            -- when the rows are back in place.
            SET CONSTRAINTS ALL DEFERRED;
            -- Only the triggers a DELETE fires (tgtype bit 8): the move deletes from the default
            -- partition and nothing else. (On Citus, whose own TRUNCATE trigger is on every table,
            -- and whose shards name a partition's triggers their own way, this keeps the partition's
            -- other triggers out of it.)
            SELECT coalesce(array_agg(t.tgname), '{}') INTO v_triggers
            FROM pg_trigger AS t
            WHERE t.tgrelid = v_default AND NOT t.tgisinternal AND t.tgenabled <> 'D'
              AND t.tgtype::integer & 8 <> 0;
            FOREACH v_trigger IN ARRAY v_triggers LOOP
                EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', v_default, v_trigger);
            END LOOP;
            EXECUTE format('DELETE FROM %s WHERE %s', v_default, v_range);
            FOREACH v_trigger IN ARRAY v_triggers LOOP
                EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', v_default, v_trigger);
            END LOOP;
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

    v_result := ROW(
        p_parent::text, CASE WHEN v_rows > 0 THEN 'rescue' ELSE 'create' END, v_new::text, v_rows,
        clock_timestamp() - v_started, 'ok', format('[%s, %s)', v_lower, v_upper)
    )::core.maintenance_action;
    RETURN NEXT v_result;
END
$$;

COMMENT ON FUNCTION core.create_partition(regclass, timestamptz) IS
'Creates the partition of a registered table that holds p_at (no-op if one covers it), moving in
the rows of that range from the default partition. Returns one create or rescue action.';

REVOKE ALL ON FUNCTION core.create_partition(regclass, timestamptz) FROM PUBLIC;
