-- core.maintain_table(parent, now, dry_run, run_id, concurrent_detach): one table's maintenance.
-- Plans, then runs each action in its own subtransaction, so one failing action (a lock timeout)
-- is reported and the others still run:
--   finalize detach   a concurrent detach that was interrupted
--   create            the default partition if missing, and partitions through the premake horizon
--   drop / detach     rows of the default partition already older than retention (late, backdated
--                     or imported rows): dropped, or kept detached per range, without making a
--                     partition for them (core.retire_default_rows)
--   rescue            a partition for rows waiting in the default partition, moved in with them
--                     (at most p_max_rescue ranges a run, oldest first; ranges retention removes are
--                     not rescued, except rows a foreign key still references, which are rescued
--                     and then retired like any partition of their age)
--   drop / detach     partitions wholly older than now - retention, those just rescued included
--   drop detached     detached partitions past their grace
--   check             nothing to do (logged, so the health view shows maintenance is alive)
-- So one run leaves no row older than retention, wherever it was.
-- Each step ends by firing the constraint checks deferred to COMMIT (core.check_deferred_constraints):
-- a step that would make the caller's COMMIT fail fails itself, is reported, and is rolled back
-- alone; every other step and table commits.
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
    v_cutoff timestamptz;
    v_expired text := 'false';
    v_referenced timestamptz[] := '{}';
    v_rescued_expired timestamptz[] := '{}';
    v_found timestamptz[];
    v_unknown boolean := FALSE;
    v_fk record;
    v_rows bigint;
    v_failed text[] := '{}';
    v_message text;
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
        'sql', format('SELECT NULL::bigint, NULL::text FROM core.retire_partition(%L, %L, %L)', p_parent, p.partition, p_now)
    )), '[]')
    INTO v_plan
    FROM core.partitions_of(p_parent) AS p WHERE p.detach_pending;

    IF v_config.default_partition AND v_default IS NULL THEN
        v_plan := v_plan || jsonb_build_object(
            'action', 'create', 'partition', format('%I.%I', v_schema, core.partition_name(p_parent, '_default')),
            'sql', format('SELECT coalesce(sum(rows), 0), NULL::text FROM core.ensure_default_partition(%L)', p_parent)
        );
    END IF;

    -- Rows of the default partition older than retention: the rows a partition of their range would
    -- lose to retention this run. Those still referenced by a foreign key are rescued instead (their
    -- partition then meets retention like any other); their ranges are listed here.
    IF v_config.retention IS NOT NULL AND v_default IS NOT NULL THEN
        v_cutoff := (core.partition_slot(v_config.partition_interval, p_now - v_config.retention)).lower_bound;
        v_expired := format('%I::timestamptz < %L AND isfinite(%I)', v_key.key_column, v_cutoff, v_key.key_column);
        BEGIN
            FOR v_fk IN SELECT * FROM core.foreign_keys_to(v_default) LOOP
                EXECUTE format(
                    'SELECT array_agg(DISTINCT date_trunc(%L, d.%I::timestamptz)) FROM ONLY %s AS d '
                    'WHERE d.%I::timestamptz < %L AND isfinite(d.%I) AND EXISTS (SELECT 1 FROM %s AS x WHERE (%s) = (%s))',
                    v_config.partition_interval, v_key.key_column, v_default, v_key.key_column, v_cutoff,
                    v_key.key_column, v_fk.referencing, core.columns_of('x', v_fk.referencing_columns),
                    core.columns_of('d', v_fk.referenced_columns)
                ) INTO v_found;
                v_referenced := v_referenced || coalesce(v_found, '{}');
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            -- A referencing table maintenance may not read: which old rows it references is unknown,
            -- so none of them is retired or rescued this run; reported, and every other step runs.
            v_plan := v_plan || jsonb_build_object(
                'action', v_config.retention_action, 'partition', v_default::text,
                'error', format('rows older than retention stay in %s: cannot tell which are referenced: %s (SQLSTATE %s)',
                                v_default, SQLERRM, SQLSTATE)
            );
            v_unknown := TRUE;
        END;
        IF v_unknown THEN
            NULL;
        ELSIF v_config.retention_action = 'drop' THEN
            EXECUTE format('SELECT count(*) FROM ONLY %s WHERE %s', v_default, v_expired) INTO v_rows;
            IF v_rows > 0 THEN
                v_plan := v_plan || jsonb_build_object(
                    'action', 'drop', 'partition', v_default::text, 'rows', v_rows,
                    'sql', format('SELECT rows, message FROM core.retire_default_rows(%L, %L)', p_parent, p_now)
                );
            END IF;
        ELSE
            -- One detached table per range; a range with referenced rows is rescued whole instead.
            FOR v_slot IN EXECUTE format(
                'SELECT date_trunc(%L, %I::timestamptz) AS lower_bound, count(*) AS rows FROM ONLY %s '
                'WHERE %s GROUP BY 1 ORDER BY 1', v_config.partition_interval, v_key.key_column, v_default, v_expired
            ) LOOP
                CONTINUE WHEN v_slot.lower_bound = ANY (v_referenced);
                v_plan := v_plan || jsonb_build_object(
                    'action', 'detach', 'rows', v_slot.rows,
                    'partition', format('%I.%I', v_schema, core.partition_name(p_parent,
                        core.partition_suffix(v_config.partition_interval, v_slot.lower_bound))),
                    'sql', format('SELECT rows, message FROM core.retire_default_rows(%L, %L, %L)',
                                  p_parent, p_now, v_slot.lower_bound)
                );
            END LOOP;
        END IF;
    END IF;

    -- Rescue, one step per range, oldest first. A row no partition can hold (a non-finite key, or
    -- one so late that its range would end beyond the last representable time) is reported as a
    -- failed step naming the table and the key, and left in the default partition; every other step
    -- still runs. Ranges past retention are not rescued (above), but for their referenced rows.
    IF v_default IS NOT NULL THEN
        FOR v_slot IN EXECUTE format(
            'SELECT date_trunc(%L, %I::timestamptz) AS lower_bound, count(*) AS rows, min(%I)::text AS example '
            'FROM ONLY %s WHERE %I IS NOT NULL AND (NOT (%s) OR date_trunc(%L, %I::timestamptz) = ANY (%L::timestamptz[])) '
            'GROUP BY 1 ORDER BY 1 LIMIT %s',
            v_config.partition_interval, v_key.key_column, v_key.key_column, v_default, v_key.key_column,
            v_expired, v_config.partition_interval, v_key.key_column, v_referenced, p_max_rescue
        ) LOOP
            BEGIN
                PERFORM core.partition_slot(v_config.partition_interval, v_slot.lower_bound);
                v_plan := v_plan || jsonb_build_object(
                    'action', 'rescue',
                    'partition', format('%I.%I', v_schema, core.partition_name(p_parent,
                        core.partition_suffix(v_config.partition_interval, v_slot.lower_bound))),
                    'rows', v_slot.rows,
                    'sql', format('SELECT coalesce(sum(rows), 0), string_agg(message, ''; '') '
                                  'FROM core.create_partition(%L, %L)', p_parent, v_slot.lower_bound)
                );
                IF v_slot.lower_bound < v_cutoff THEN
                    v_rescued_expired := v_rescued_expired || v_slot.lower_bound;  -- retired after it
                END IF;
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
                'sql', format('SELECT coalesce(sum(rows), 0), NULL::text FROM core.create_partition(%L, %L)',
                              p_parent, v_at)
            );
        END IF;
        v_at := v_at + ('1 ' || v_config.partition_interval)::interval;
    END LOOP;

    IF v_config.retention IS NOT NULL THEN
        SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
            'action', v_config.retention_action, 'partition', p.partition::text,
            'concurrently', p_concurrent_detach AND v_default IS NULL,
            'sql', format('SELECT NULL::bigint, NULL::text FROM core.retire_partition(%L, %L, %L)', p_parent, p.partition, p_now)
        ) ORDER BY p.lower_bound), '[]')
        INTO v_plan
        FROM core.partitions_of(p_parent) AS p
        WHERE NOT p.is_default AND NOT p.detach_pending
          AND p.upper_bound <= p_now - v_config.retention;
        -- Partitions this run rescues rows into although retention removes them: their rows are
        -- referenced by a foreign key, so this step reports it (23503) unless the reference has gone.
        SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
            'action', v_config.retention_action, 'partition', n.partition, 'after', n.partition,
            'sql', format('SELECT NULL::bigint, NULL::text FROM core.retire_partition(%L, %L::regclass, %L)',
                          p_parent, n.partition, p_now)
        ) ORDER BY n.lower_bound), '[]')
        INTO v_plan
        FROM (
            SELECT r.lower_bound, format('%I.%I', v_schema, core.partition_name(p_parent,
                   core.partition_suffix(v_config.partition_interval, r.lower_bound))) AS partition
            FROM unnest(v_rescued_expired) AS r (lower_bound)
        ) AS n;
    END IF;

    SELECT v_plan || coalesce(jsonb_agg(jsonb_build_object(
        'action', 'drop detached', 'partition', d.partition::text,
        'sql', format('SELECT NULL::bigint, NULL::text FROM core.retire_partition(%L, %L, %L)', p_parent, d.partition, p_now)
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
        ELSIF v_step ->> 'after' = ANY (v_failed) THEN
            v_result.outcome := 'skipped';
            v_result.message := 'its rescue failed';
        ELSIF NOT p_dry_run THEN
            v_started := clock_timestamp();
            BEGIN
                EXECUTE v_step ->> 'sql' INTO v_result.rows, v_message;
                -- What this step would leave to fail at COMMIT fails here, inside the step.
                PERFORM core.check_deferred_constraints();
                v_result.outcome := 'ok';
                v_result.message := v_message;
            EXCEPTION WHEN OTHERS THEN
                v_result.outcome := 'failed';
                v_result.message := SQLSTATE || ': ' || SQLERRM;
                v_result.rows := NULL;
                v_failed := v_failed || (v_step ->> 'partition');
            END;
            v_result.duration := clock_timestamp() - v_started;
        END IF;
        PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
        RETURN NEXT v_result;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer) IS
'Maintenance of one registered table: finalize interrupted detaches, premake, retention for rows of
the default partition already past it, rescue the other rows of the default partition (rows
referenced by foreign keys included), retention, drop detached partitions past grace. One run leaves
no row older than retention. Each action runs (and has its deferred constraint checks fired) in its
own subtransaction; returns and logs one row per action. With p_concurrent_detach (dbctl maintain), partitions of tables without a default partition
are left to the caller to DETACH CONCURRENTLY (outcome planned, message says what to run after).';

REVOKE ALL ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.maintain_table(regclass, timestamptz, boolean, uuid, boolean, integer)
TO {{ maintenance_role }};
