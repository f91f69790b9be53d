-- core.retire_default_rows(parent, now, lower_bound): retention for rows waiting in the default
-- partition (late, backdated or imported rows whose range is already past retention), so that one
-- maintenance run leaves no row older than retention wherever it was, without making partitions
-- only to remove them:
--   drop     deletes every row of the default partition older than the retention cutoff (the
--            lower bound of the range holding now - retention: the rows a dropped partition of
--            their range would have taken);
--   detach   moves the rows of one range (p_lower_bound) into a table named like the partition of
--            that range, never attached, recorded in core.detached_partitions as a detached
--            partition is (dropped after detached_grace); late rows of a range whose partition was
--            detached before join that table.
-- Rows still referenced by a foreign key stay: a partition holding them could not be detached either
-- (23503). Maintenance rescues them into their partition like any row, and retention then reports
-- that partition until the reference goes. Rows with a non-finite key stay too (no range holds them).
-- The table and its default partition are locked in EXCLUSIVE mode, as for a rescue (readers go on;
-- writers and new references wait, for the step), and the default partition's application triggers
-- are switched off: retention drops rows, it does not delete them in the application's sense.

CREATE OR REPLACE FUNCTION core.retire_default_rows(
    p_parent regclass, p_now timestamptz, p_lower_bound timestamptz DEFAULT NULL
)
RETURNS core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
AS $$
DECLARE
    v_config core.partitioned_tables;
    v_key record;
    v_default regclass;
    v_cutoff timestamptz;
    v_slot record;
    v_where text;
    v_fk record;
    v_schema name;
    v_target regclass;
    v_columns text;
    v_triggers jsonb;
    v_rows bigint;
    v_started timestamptz := clock_timestamp();
    v_result core.maintenance_action;
BEGIN
    SELECT * INTO v_config FROM core.partitioned_tables AS t WHERE t.parent = p_parent;
    IF v_config.retention IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s has no retention', p_parent),
            HINT = 'Register it with p_retention to have rows removed.';
    END IF;
    SELECT * INTO v_key FROM core.partition_key(p_parent);
    SELECT p.partition INTO v_default FROM core.partitions_of(p_parent) AS p WHERE p.is_default;
    IF v_default IS NULL THEN
        RETURN NULL;
    END IF;
    v_cutoff := (core.partition_slot(v_config.partition_interval, p_now - v_config.retention)).lower_bound;

    IF p_lower_bound IS NULL THEN
        IF v_config.retention_action <> 'drop' THEN
            RAISE EXCEPTION USING
                ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('%s keeps detached partitions: name the range to detach', p_parent),
                HINT = 'Pass p_lower_bound, the start of one range older than retention.';
        END IF;
        v_where := format('d.%I::timestamptz < %L AND isfinite(d.%I)', v_key.key_column, v_cutoff, v_key.key_column);
    ELSE
        SELECT * INTO v_slot FROM core.partition_slot(v_config.partition_interval, p_lower_bound);
        IF v_slot.upper_bound > v_cutoff THEN
            RAISE EXCEPTION USING
                ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('the range [%s, %s) of %s is not past retention (rows before %s are)',
                                 v_slot.lower_bound, v_slot.upper_bound, p_parent, v_cutoff),
                HINT = 'Only ranges wholly older than now - retention are retired.';
        END IF;
        v_where := format('d.%I::timestamptz >= %L AND d.%I::timestamptz < %L',
                          v_key.key_column, v_slot.lower_bound, v_key.key_column, v_slot.upper_bound);
    END IF;

    -- The parent first, as every step that writes the default partition does (core.create_partition):
    -- a writer routed to the default partition holds the parent, so taking the default partition
    -- first would let the two wait for each other.
    EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', p_parent);
    EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', v_default);
    FOR v_fk IN SELECT * FROM core.foreign_keys_to(v_default) LOOP
        v_where := v_where || format(' AND NOT EXISTS (SELECT 1 FROM %s AS x WHERE (%s) = (%s))', v_fk.referencing,
                                     core.columns_of('x', v_fk.referencing_columns),
                                     core.columns_of('d', v_fk.referenced_columns));
    END LOOP;
    v_triggers := core.disable_user_triggers(ARRAY[v_default], ARRAY['DELETE']);
    SET CONSTRAINTS ALL IMMEDIATE;

    IF p_lower_bound IS NULL THEN
        EXECUTE format('DELETE FROM ONLY %s AS d WHERE %s', v_default, v_where);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_result := ROW(p_parent::text, 'drop', v_default::text, v_rows, NULL, 'ok',
                        format('rows of the default partition older than retention (before %s)', v_cutoff)
                       )::core.maintenance_action;
    ELSE
        SELECT n.nspname INTO v_schema
        FROM pg_class AS c INNER JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE c.oid = p_parent;
        v_target := to_regclass(format('%I.%I', v_schema, core.partition_name(p_parent,
                    core.partition_suffix(v_config.partition_interval, v_slot.lower_bound))));
        IF v_target IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED '
                'INCLUDING INDEXES INCLUDING STORAGE INCLUDING COMPRESSION)', v_schema,
                core.partition_name(p_parent, core.partition_suffix(v_config.partition_interval, v_slot.lower_bound)),
                p_parent);
            v_target := to_regclass(format('%I.%I', v_schema, core.partition_name(p_parent,
                        core.partition_suffix(v_config.partition_interval, v_slot.lower_bound))));
            EXECUTE format('ALTER TABLE %s OWNER TO %I', v_target,
                           (SELECT pg_get_userbyid(c.relowner) FROM pg_class AS c WHERE c.oid = p_parent));
            PERFORM core.copy_table_privileges(p_parent, v_target);
            INSERT INTO core.detached_partitions (partition, parent, detached_at, drop_after)
            VALUES (v_target, p_parent, p_now, p_now + v_config.detached_grace);
        ELSIF NOT EXISTS (SELECT FROM core.detached_partitions AS d
                          WHERE d.partition = v_target AND d.parent = p_parent) THEN
            RAISE EXCEPTION USING
                ERRCODE = 'duplicate_table',
                MESSAGE = format('cannot keep late rows of %s in %s: a table of that name exists and is not '
                                 'a detached partition of it', p_parent, v_target),
                HINT = 'Rename or drop that table; the next maintenance run retires the rows.';
        END IF;
        v_columns := core.stored_columns(p_parent);
        EXECUTE format('WITH moved AS (DELETE FROM ONLY %s AS d WHERE %s RETURNING %s) '
                       'INSERT INTO %s (%s) SELECT %s FROM moved',
                       v_default, v_where, v_columns, v_target, v_columns, v_columns);
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_result := ROW(p_parent::text, 'detach', v_target::text, v_rows, NULL, 'ok',
                        format('rows of the default partition older than retention, kept detached%s',
                               CASE WHEN v_config.detached_grace IS NULL THEN ''
                                    ELSE format(' until %s', p_now + v_config.detached_grace) END)
                       )::core.maintenance_action;
    END IF;

    PERFORM core.restore_user_triggers(v_triggers);
    PERFORM core.check_deferred_constraints();
    v_result.duration := clock_timestamp() - v_started;
    RETURN v_result;
END
$$;

COMMENT ON FUNCTION core.retire_default_rows(regclass, timestamptz, timestamptz) IS
'Retention for rows of the default partition older than the retention cutoff: drop deletes them all;
detach moves one range (p_lower_bound) into a never-attached table named like its partition, recorded
in core.detached_partitions. Rows still referenced by a foreign key, or with a non-finite key, stay.
Returns the action (rows retired).';

REVOKE ALL ON FUNCTION core.retire_default_rows(regclass, timestamptz, timestamptz) FROM PUBLIC;
