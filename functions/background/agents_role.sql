-- dbctl:connecting-role
-- background: the search_path of the agents' role {{ background_agents_role }}. The spec's clients set
-- no search_path of their own, so the role carries it: background, core, {{ extension_schema }}.
-- A role's settings belong to the whole cluster and only a superuser (or a role with CREATEROLE and,
-- from PostgreSQL 16, ADMIN OPTION on it) may change them, so this file runs as the connecting role
-- (the directive above; it creates no object) and changes the setting only when it differs: a member of
-- {{ owner_role }} migrating a database where another database's migration already set it changes
-- nothing (a NOTICE says so). When it differs and the login may not change it, the error names
-- the role and the exact statement a superuser must run. Only the role-wide setting is read and
-- written (pg_db_role_setting with setdatabase 0), other settings of the role are left alone.
-- The role also carries enable_partitionwise_aggregate = on: the spec's verbatim aggregates over the
-- partitioned time series (the health overview's count of the last 5 minutes' heartbeats) then
-- aggregate inside each partition and pass one row per partition up the Append, not every row
-- (docs/background.md, Monitoring). A speed setting, not a correctness one: a login that may not set
-- it gets a WARNING with the statement to run, and the migration goes on.

DO $agents_role$
DECLARE
    v_role name := '{{ background_agents_role }}';
    v_wanted text := format('%I, %I, %I', 'background', 'core', '{{ extension_schema }}');
    v_current text;
    v_sql text;
BEGIN
    SELECT substr(c.setting, length('search_path=') + 1) INTO v_current
    FROM pg_catalog.pg_db_role_setting AS s
    CROSS JOIN LATERAL unnest(s.setconfig) AS c (setting)
    WHERE s.setdatabase = 0
      AND s.setrole = (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname = v_role)
      AND c.setting LIKE 'search\_path=%';
    IF v_current IS NOT DISTINCT FROM v_wanted THEN
        RAISE NOTICE USING
            MESSAGE = format('role %I already has search_path = %s; nothing to change', v_role, v_wanted);
        RETURN;
    END IF;
    v_sql := format('ALTER ROLE %I SET search_path = %s', v_role, v_wanted);
    BEGIN
        EXECUTE v_sql;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = format('role %I needs search_path = %s (it has %s), and %I may not change it',
                             v_role, v_wanted, coalesce(v_current, 'none'), current_user),
            DETAIL = 'functions/background/agents_role.sql sets the agents'' search_path on their role; changing '
                     'a role''s settings needs a superuser, or CREATEROLE (from PostgreSQL 16 with ADMIN OPTION '
                     'on the role).',
            HINT = format('A superuser runs once: %s; then run the migration again.', v_sql);
    END;
END
$agents_role$;

DO $agents_planner$
DECLARE
    v_role name := '{{ background_agents_role }}';
    v_sql text;
BEGIN
    IF EXISTS (
        SELECT FROM pg_catalog.pg_db_role_setting AS s
        CROSS JOIN LATERAL unnest(s.setconfig) AS c (setting)
        WHERE s.setdatabase = 0
          AND s.setrole = (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname = v_role)
          AND c.setting = 'enable_partitionwise_aggregate=on'
    ) THEN
        RETURN;
    END IF;
    v_sql := format('ALTER ROLE %I SET enable_partitionwise_aggregate = on', v_role);
    BEGIN
        EXECUTE v_sql;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING USING
            MESSAGE = format('role %I should have enable_partitionwise_aggregate = on, and %I may not set it',
                             v_role, current_user),
            DETAIL = 'The spec''s monitoring aggregates over the partitioned time series run slower without it.',
            HINT = format('A superuser runs once: %s', v_sql);
    END;
END
$agents_planner$;
