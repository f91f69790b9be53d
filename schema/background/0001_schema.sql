-- background: the schema of the background-agents shared state (spec 003) and the agents' own
-- least-privilege role. This file runs as the connecting role (the owner role has no CREATEROLE):
-- the role is cluster-wide, so it is created idempotently like core's roles (schema/core/0002_roles.sql).
-- {{ background_agents_role }} is a NOLOGIN role: give it LOGIN and a password in the deployment
-- (ALTER ROLE {{ background_agents_role }} LOGIN PASSWORD '...'), or grant it to a login role.
-- Amended after release (manifest.toml [[amended]] keeps the released checksum valid): the role's
-- search_path is set by functions/background/agents_role.sql, only when it differs, so any member
-- of {{ owner_role }} can migrate once the role exists; a login that may not create the missing role
-- is told what a superuser must run.

CREATE SCHEMA background AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA background IS
'Background agents (spec 003): agent registry, heartbeats, performance metrics, system state and
events, help requests and responses, inter-agent messages, LLM conversations. The time series are
range-partitioned (core partition manager). Use with SET search_path = background, core, {{ extension_schema }}.';

SELECT core.grant_module_privileges('background');

DO $role$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '{{ background_agents_role }}') THEN
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', '{{ background_agents_role }}');
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- created meanwhile by a migration of another database
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'insufficient_privilege',
                    MESSAGE = format('role %I does not exist, and %I may not create roles',
                                     '{{ background_agents_role }}', current_user),
                    DETAIL = 'schema/background/0001_schema.sql creates the agents'' role when it is missing; '
                             'that needs a superuser or a role with CREATEROLE.',
                    HINT = format('A superuser runs once: CREATE ROLE %I NOLOGIN; ALTER ROLE %I SET search_path = %I, %I, %I; '
                                  'then run the migration again.',
                                  '{{ background_agents_role }}', '{{ background_agents_role }}',
                                  'background', 'core', '{{ extension_schema }}');
        END;
    END IF;
END
$role$;

-- Exactly what an agent needs: the schema, DML on its tables (no TRUNCATE, no DDL), its sequences.
-- Functions are granted one by one in functions/background/; none is executable by PUBLIC.
GRANT USAGE ON SCHEMA background TO {{ background_agents_role }};
ALTER DEFAULT PRIVILEGES FOR ROLE {{ owner_role }} IN SCHEMA background
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{ background_agents_role }};
ALTER DEFAULT PRIVILEGES FOR ROLE {{ owner_role }} IN SCHEMA background
GRANT USAGE, SELECT ON SEQUENCES TO {{ background_agents_role }};
ALTER DEFAULT PRIVILEGES FOR ROLE {{ owner_role }} IN SCHEMA background
REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
