-- core.calling_role(): the role that called a SECURITY DEFINER function.
-- Inside such a function current_user is the function's owner; the caller is the role the session
-- set (SET ROLE) or, without one, the session's login: either way a role the caller really holds.
-- Used by the maintenance clock check and by modules that decide access or audit inside definer
-- functions (memory).

CREATE OR REPLACE FUNCTION core.calling_role()
RETURNS name
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN SESSION_USER
                ELSE pg_catalog.current_setting('role')::name END
$$;

COMMENT ON FUNCTION core.calling_role() IS
'The role that called a SECURITY DEFINER function (which runs as its owner): the session''s SET ROLE,
else its login.';

REVOKE ALL ON FUNCTION core.calling_role() FROM PUBLIC;
