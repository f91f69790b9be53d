-- core: the four roles of agentdb (DESIGN.md section 6), created if missing.
-- Roles belong to the whole cluster, so several databases (and concurrent test runs) share them:
-- creation tolerates a role that appears concurrently. They are NOLOGIN group roles; grant them to
-- login roles, e.g. GRANT {{ app_role }} TO my_service.
--   {{ owner_role }}: owns the module schemas, the role to run migrations as in production
--   {{ app_role }}: the application, DML on module tables, no DDL
--   {{ readonly_role }}: SELECT only
--   {{ maintenance_role }}: may only execute the maintenance entry points

DO $roles$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY[
        '{{ owner_role }}', '{{ app_role }}', '{{ readonly_role }}', '{{ maintenance_role }}'
    ] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = v_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a migration of another database
            END;
        END IF;
    END LOOP;
END
$roles$;

-- PostgreSQL 15 made this the default; on 14 it keeps the application out of schema public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

GRANT USAGE ON SCHEMA core
TO {{ owner_role }}, {{ app_role }}, {{ readonly_role }}, {{ maintenance_role }};
GRANT SELECT ON core.migration_ledger TO {{ owner_role }}, {{ readonly_role }};
