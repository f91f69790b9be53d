-- memory: who is acting (docs/memory.md "Row-level security"). The application names the acting user
-- and agent per transaction with SET LOCAL agentdb.user_id / agentdb.agent_id; the row-level security
-- policies read the same settings. The owner-owned SECURITY DEFINER functions (agent state, which the
-- application cannot write directly) are not subject to the policies, so they check access here.

CREATE OR REPLACE FUNCTION memory.current_user_id()
RETURNS uuid
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT nullif(pg_catalog.current_setting('agentdb.user_id', TRUE), '')::uuid
$$;

COMMENT ON FUNCTION memory.current_user_id() IS
'The acting user: the setting agentdb.user_id (SET LOCAL by the application), NULL when unset.';

CREATE OR REPLACE FUNCTION memory.current_agent_id()
RETURNS uuid
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT nullif(pg_catalog.current_setting('agentdb.agent_id', TRUE), '')::uuid
$$;

COMMENT ON FUNCTION memory.current_agent_id() IS
'The acting agent: the setting agentdb.agent_id (SET LOCAL by the application), NULL when unset.';

CREATE OR REPLACE FUNCTION memory.caller_bypasses_row_security()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce((
        SELECT r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role(r.oid, '{{ owner_role }}', 'USAGE')
        FROM pg_catalog.pg_roles AS r
        WHERE r.rolname = core.calling_role()
    ), FALSE)
$$;

COMMENT ON FUNCTION memory.caller_bypasses_row_security() IS
'Whether the role calling a SECURITY DEFINER function is exempt from the row-level security policies
(superuser, BYPASSRLS, or a member of {{ owner_role }}), as the policies themselves decide.';

CREATE OR REPLACE FUNCTION memory.require_agent(p_agent_id uuid)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_owner uuid;
BEGIN
    IF p_agent_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'agent must not be NULL',
            HINT = 'Pass the id of a memory.agents row.';
    END IF;
    SELECT a.owner_user_id INTO v_owner FROM memory.agents AS a WHERE a.id = p_agent_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found', MESSAGE = format('agent %s does not exist', p_agent_id),
            HINT = 'Create the agent (memory.agents) first.';
    END IF;
    IF NOT (p_agent_id IS NOT DISTINCT FROM memory.current_agent_id()
            OR v_owner IS NOT DISTINCT FROM memory.current_user_id() AND v_owner IS NOT NULL
            OR memory.caller_bypasses_row_security()) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('agent %s is not the acting agent nor one of the acting user''s', p_agent_id),
            HINT = 'SET LOCAL agentdb.agent_id (or agentdb.user_id to the agent''s owner) first.';
    END IF;
END
$$;

COMMENT ON FUNCTION memory.require_agent(uuid) IS
'Raises unless the agent exists (P0002) and the caller may act for it (42501): it is the acting
agent, the acting user owns it, or the caller is exempt from row-level security.';

REVOKE ALL ON FUNCTION memory.current_user_id(), memory.current_agent_id(),
memory.caller_bypasses_row_security(),
memory.require_agent(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.current_user_id(), memory.current_agent_id() TO {{ app_role }}, {{ readonly_role }};
