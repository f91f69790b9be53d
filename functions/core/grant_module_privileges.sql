-- core.grant_module_privileges(schema): the privileges every module schema gets, in one place.
-- Each module's first versioned file calls it right after CREATE SCHEMA. It grants on what exists
-- and sets default privileges for what the migrating role and the owner role create later, so a
-- table added by any later migration is usable by the application and readable by read-only users
-- without a GRANT in every file.

CREATE OR REPLACE FUNCTION core.grant_module_privileges(p_schema name)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_creator name;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = p_schema) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_schema_name',
            MESSAGE = format('schema %I does not exist', p_schema),
            HINT = 'Create the module schema first: CREATE SCHEMA ... AUTHORIZATION {{ owner_role }}.';
    END IF;

    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I, %I, %I',
                   p_schema, '{{ app_role }}', '{{ readonly_role }}', '{{ maintenance_role }}');
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I',
                   p_schema, '{{ app_role }}');
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I',
                   p_schema, '{{ app_role }}');
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I',
                   p_schema, '{{ readonly_role }}');

    FOR v_creator IN SELECT DISTINCT r FROM unnest(ARRAY[current_user, '{{ owner_role }}']::name[]) AS r
    LOOP
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
                       v_creator, p_schema, '{{ app_role }}');
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT USAGE, SELECT ON SEQUENCES TO %I',
                       v_creator, p_schema, '{{ app_role }}');
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I '
                       'GRANT SELECT ON TABLES TO %I',
                       v_creator, p_schema, '{{ readonly_role }}');
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.grant_module_privileges(name) IS
'Grants a module schema''s privileges to the agentdb roles, now and by default for later tables:
DML for {{ app_role }}, SELECT for {{ readonly_role }}, USAGE for {{ maintenance_role }}.';

REVOKE ALL ON FUNCTION core.grant_module_privileges(name) FROM PUBLIC;
