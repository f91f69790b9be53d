-- core: registering module maintenance tasks and running one (see schema/core/0006_maintenance_tasks.sql).
-- A task is a function `(p_now timestamptz) RETURNS bigint` owned by {{ owner_role }}: maintenance
-- runs as that role, so a task owned by anyone else could not be trusted with its rights.

CREATE OR REPLACE FUNCTION core.register_maintenance_task(p_task regprocedure, p_description text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_task IS NULL OR coalesce(p_description, '') = '' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'a maintenance task needs a function and a description',
            HINT = 'SELECT core.register_maintenance_task(''m.cleanup(timestamptz)''::regprocedure, ''what it does'');';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_proc AS p
                   WHERE p.oid = p_task AND p.pronargs = 1 AND p.proargtypes[0] = 'timestamptz'::regtype
                     AND p.prorettype = 'bigint'::regtype AND NOT p.proretset) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_function_definition',
            MESSAGE = format('%s cannot be a maintenance task', p_task),
            HINT = 'A task is a function (p_now timestamptz) RETURNS bigint: the rows it changed.';
    END IF;
    IF (SELECT p.proowner FROM pg_proc AS p WHERE p.oid = p_task)
       IS DISTINCT FROM (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = '{{ owner_role }}') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = format('%s is not owned by {{ owner_role }}', p_task),
            HINT = 'Create it in a module migration (dbctl creates module objects as {{ owner_role }}).';
    END IF;
    INSERT INTO core.maintenance_tasks AS t (task, description) VALUES (p_task, p_description)
    ON CONFLICT (task) DO UPDATE SET description = excluded.description;
END
$$;

COMMENT ON FUNCTION core.register_maintenance_task(regprocedure, text) IS
'Registers (or re-describes) a function (p_now timestamptz) RETURNS bigint owned by {{ owner_role }}
that every maintenance run calls. Errors: 22004 missing argument, 42P13 wrong signature, 42501 owner.';

CREATE OR REPLACE FUNCTION core.unregister_maintenance_task(p_task regprocedure)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    WITH gone AS (DELETE FROM core.maintenance_tasks WHERE task = p_task RETURNING 1)
    SELECT EXISTS (SELECT FROM gone)
$$;

COMMENT ON FUNCTION core.unregister_maintenance_task(regprocedure) IS
'Stops maintenance from calling a task; true when it was registered.';

CREATE OR REPLACE FUNCTION core.run_maintenance_task(
    p_task regprocedure,
    p_now timestamptz DEFAULT now(),
    p_dry_run boolean DEFAULT FALSE,
    p_run_id uuid DEFAULT NULL
)
RETURNS core.maintenance_action
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET lock_timeout = {{ maintenance_lock_timeout_ms }}
AS $$
DECLARE
    v_run uuid := coalesce(p_run_id, core.uuidv7());
    v_started timestamptz := clock_timestamp();
    v_rows bigint;
    v_result core.maintenance_action;
BEGIN
    PERFORM core.check_maintenance_clock(p_now);
    IF NOT EXISTS (SELECT FROM core.maintenance_tasks WHERE task = p_task) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'undefined_object',
            MESSAGE = format('%s is not a registered maintenance task', p_task),
            HINT = 'See core.maintenance_tasks; modules register theirs with core.register_maintenance_task().';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_proc WHERE oid = p_task) THEN
        DELETE FROM core.maintenance_tasks WHERE task = p_task;
        v_result := ROW(p_task::oid::text, 'unregister', NULL, NULL, NULL, 'ok',
                        'the function no longer exists')::core.maintenance_action;
    ELSIF NOT pg_try_advisory_xact_lock(core.lock_key('task', p_task)) THEN
        v_result := ROW(p_task::text, 'skip', NULL, NULL, NULL, 'skipped',
                        'another maintenance run is running it')::core.maintenance_action;
    ELSIF p_dry_run THEN
        v_result := ROW(p_task::text, 'task', NULL, NULL, NULL, 'planned',
                        (SELECT description FROM core.maintenance_tasks WHERE task = p_task))::core.maintenance_action;
    ELSE
        BEGIN
            EXECUTE format('SELECT %s(%L::timestamptz)', p_task::oid::regproc, p_now) INTO v_rows;
            -- A check the task deferred to COMMIT fails here, as the task's own failure.
            PERFORM core.check_deferred_constraints();
            v_result := ROW(p_task::text, 'task', NULL, v_rows, clock_timestamp() - v_started, 'ok',
                            NULL)::core.maintenance_action;
        EXCEPTION WHEN OTHERS THEN
            v_result := ROW(p_task::text, 'task', NULL, NULL, clock_timestamp() - v_started, 'failed',
                            SQLSTATE || ': ' || SQLERRM)::core.maintenance_action;
        END;
    END IF;
    PERFORM core.log_maintenance(v_run, v_result, p_dry_run);
    RETURN v_result;
END
$$;

COMMENT ON FUNCTION core.run_maintenance_task(regprocedure, timestamptz, boolean, uuid) IS
'Runs one registered maintenance task with p_now (the real clock for the maintenance role), in a
subtransaction that also fires the constraint checks it deferred: a failure is reported (outcome
failed, SQLSTATE: message), never raised, and never left for COMMIT.';

REVOKE ALL ON FUNCTION core.register_maintenance_task(regprocedure, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.unregister_maintenance_task(regprocedure) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.run_maintenance_task(regprocedure, timestamptz, boolean, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.run_maintenance_task(regprocedure, timestamptz, boolean, uuid)
TO {{ maintenance_role }};
