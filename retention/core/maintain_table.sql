-- core.maintain_table(parent, now, dry_run, run_id, concurrent_detach): one table's maintenance.
-- Plans, then runs each action in its own subtransaction, so one failing action (a lock timeout)
-- is reported and the others still run:
--   finalize detach   a concurrent detach that was interrupted
--   create            the default partition if missing, and partitions through the premake horizon
--   rescue            a partition for rows waiting in the default partition, moved in with them
--                     (at most p_max_rescue ranges a run, oldest first)
--   drop / detach     partitions wholly older than now - retention
--   drop detached     detached partitions past their grace
--   check             nothing to do (logged, so the health view shows maintenance is alive)
-- A per-table advisory lock makes a concurrent run skip the table instead of colliding.
-- Every lock is taken under a short lock_timeout, so writers never queue long behind a step.

CREATE OR REPLACE FUNCTION core.maintain_table(
    p_parent regclass,
    p_now timestamptz DEFAULT now(),
    p_dry_run boolean DEFAULT FALSE,
    p_run_id uuid DEFAULT NULL,
    p_concurrent_detach boolean DEFAULT FALSE,
    p_max_rescue integer DEFAULT 24
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
SET lock_timeout = {{ maintenance_lock_timeout_ms }}
AS $$
DECLARE
    v_run uuid := coalesce(p_run_id, core.uuidv7());
    v_config core.partitioned_tables;
    v_key record;
    v_default regclass;
    v_schema name;
    v_plan jsonb := '[]';
    v_step jsonb;
    v_slot record;
    v_at timestamptz;
    v_result core.maintenance_action;
    v_started timestamptz;
BEGIN
    PERFORM core.check_maintenance_clock(p_now);
    v_result := core.claim_for_maintenance(p_parent, v_run, p_dry_run);
    IF v_result.action IS NOT NULL THEN
        RETURN NEXT v_result;
        RETURN;
    END IF;
    SELECT * INTO STRICT v_config FROM core.partitioned_tables WHERE parent = p_parent;
    SELECT * INTO v_key FROM core.partition_key(p_parent);
    SELECT p.partition INTO v_default FROM core.partitions_of(p_parent) AS p WHERE p.is_default;
    SELECT n.nspname INTO v_schema
    FROM pg_class AS c INNER JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.oid = p_parent;

    -- Plan: {action, partition, sql, rows}; sql runs in its own subtransaction.
    SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
        'action', 'finalize detach', 'partition', p.partition::text,
        'sql', format('SELECT NULL::bigint FROM core.retire_partition(%L, %L, %L)', p_parent, p.partition, p_now)
    )), '[]')
    INTO v_plan
    FROM core.partitions_of(p_parent) AS p WHERE p.detach_pending;

    IF v_config.default_partition AND v_default IS NULL THEN
        v_plan := v_plan || jsonb_build_object(
            'action', 'create', 'partition', format('%I.%I', v_schema, core.partition_name(p_parent, '_default')),
            'sql', format('SELECT coalesce(sum(rows), 0) FROM core.ensure_default_partition(%L)', p_parent)
        );
    END IF;

    -- Rescue, one step per range. A row no partition can hold (a non-finite key, or one so late that
    -- its range would end beyond the last representable time) is reported as a failed step naming
    -- the table and the key, and left in the default partition; every other step still runs.
    IF v_default IS NOT NULL THEN
        FOR v_slot IN EXECUTE format(
            'SELECT date_trunc(%L, %I::timestamptz) AS lower_bound, count(*) AS rows, min(%I)::text AS example '
            'FROM %s WHERE %I IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT %s',
            v_config.partition_interval, v_key.key_column, v_key.key_column, v_default, v_key.key_column,
            p_max_rescue
        ) LOOP
            BEGIN
                PERFORM core.partition_slot(v_config.partition_interval, v_slot.lower_bound);
                v_plan := v_plan || jsonb_build_object(
                    'action', 'rescue',
                    'partition', format('%I.%I', v_schema, core.partition_name(p_parent,
                        core.partition_suffix(v_config.partition_interval, v_slot.lower_bound))),
                    'rows', v_slot.rows,
                    'sql', format('SELECT coalesce(sum(rows), 0) FROM core.create_partition(%L, %L)',
                                  p_parent, v_slot.lower_bound)
                );
            EXCEPTION WHEN OTHERS THEN
                v_plan := v_plan || jsonb_build_object(
                    'action', 'rescue', 'rows', v_slot.rows,
                    'error', format('cannot route %s rows of %s with %I = %s: %s (SQLSTATE %s); they stay in %s',
                                    v_slot.rows, p_parent, v_key.key_column, v_slot.example, SQLERRM, SQLSTATE,
                                    v_default)
                );
            END;
        END LOOP;
    END IF;

    v_at := (core.partition_slot(v_config.partition_interval, p_now)).lower_bound;
    FOR i IN 0..v_config.premake LOOP
        IF NOT EXISTS (
            SELECT FROM core.partitions_of(p_parent) AS p
            WHERE NOT p.is_default
              AND (p.lower_bound IS NULL OR p.lower_bound <= v_at)
              AND (p.upper_bound IS NULL OR p.upper_bound > v_at)
        ) AND NOT v_plan @> jsonb_build_array(jsonb_build_object('partition', format('%I.%I', v_schema,
            core.partition_name(p_parent, core.partition_suffix(v_config.partition_interval, v_at)))))
        THEN
            v_plan := v_plan || jsonb_build_object(
                'action', 'create',
                'partition', format('%I.%I', v_schema, core.partition_name(p_parent,
                    core.partition_suffix(v_config.partition_interval, v_at))),
                'sql', format('SELECT coalesce(sum(rows), 0) FROM core.create_partition(%L, %L)',
                              p_parent, v_at)
            );
        END IF;
        v_at := v_at + ('1 ' || v_config.partition_interval)::interval;
    END LOOP;

    IF v_config.retention IS NOT NULL THEN
        SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
            'action', v_config.retention_action, 'partition', p.partition::text,
            'concurrently', p_concurrent_detach AND v_default IS NULL,
            'sql', format('SELECT NULL::bigint FROM core.retire_partition(%L, %L, %L)', p_parent, p.partition, p_now)
        ) ORDER BY p.lower_bound), '[]')
        INTO v_plan
        FROM core.partitions_of(p_parent) AS p
        WHERE NOT p.is_default AND NOT p.detach_pending
          AND p.upper_bound <= p_now - v_config.retention;
    END IF;

    SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
        'action', 'drop detached', 'partition', d.partition::text,
        'sql', format('SELECT NULL::bigint FROM core.retire_partition(%L, %L, %L)', p_parent, d.partition, p_now)
    ) ORDER BY d.drop_after), '[]')
    INTO v_plan
    FROM core.detached_partitions AS d
    WHERE d.parent = p_parent AND d.drop_after <= p_now;

    IF jsonb_array_length(v_plan) = 0 THEN
        v_result := ROW(p_parent::text, 'check', NULL, NULL, NULL,
                        CASE WHEN p_dry_run THEN 'planned' ELSE 'ok' END, 'nothing to do')::core.maintenance_action;
        PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
        RETURN NEXT v_result;
        RETURN;
    END IF;

    FOR v_step IN SELECT value FROM jsonb_array_elements(v_plan) LOOP
        v_result := ROW(p_parent::text, v_step ->> 'action', v_step ->> 'partition',
                        (v_step ->> 'rows')::bigint, NULL, 'planned', NULL)::core.maintenance_action;
        IF v_step ? 'error' THEN
            v_result.outcome := 'failed';
            v_result.message := v_step ->> 'error';
        ELSIF v_step ->> 'concurrently' = 'true' THEN
            v_result.message := 'to detach CONCURRENTLY, then: ' || (v_step ->> 'sql');
        ELSIF NOT p_dry_run THEN
            v_started := clock_timestamp();
            BEGIN
                EXECUTE v_step ->> 'sql' INTO v_result.rows;
                v_result.outcome := 'ok';
            EXCEPTION WHEN OTHERS THEN
                v_result.outcome := 'failed';
                v_result.message := SQLSTATE || ': ' || SQLERRM;
            END;
            v_result.duration := clock_timestamp() - v_started;
            IF v_step ->> 'action' NOT IN ('rescue', 'create') THEN
                v_result.rows := NULL;
            END IF;
        END IF;
        PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
        RETURN NEXT v_result;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer) IS
'Maintenance of one registered table: finalize interrupted detaches, premake, rescue rows from the
default partition, retention, drop detached partitions past grace. Returns and logs one row per
action. With p_concurrent_detach (dbctl maintain), partitions of tables without a default partition
are left to the caller to DETACH CONCURRENTLY (outcome planned, message says what to run after).';

REVOKE ALL ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer)
TO {{ maintenance_role }};
