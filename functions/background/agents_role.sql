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
