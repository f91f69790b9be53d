-- core.lock_key(purpose, object): the advisory lock key of one purpose on one object, in one place:
-- the high 32 bits hash 'agentdb:<purpose>', the low 32 are the object's oid. Maintenance locks a
-- table ('maintain') or a task ('task') with it; a module locks what it serialises (assistant's
-- bookings: 'booking' on its calendar table). A plain SQL expression with qualified names and no SET
-- clause, so PostgreSQL inlines it into the calling statement.

CREATE OR REPLACE FUNCTION core.lock_key(p_purpose text, p_object oid)
RETURNS bigint
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.hashtext('agentdb:' OPERATOR(pg_catalog.||) p_purpose)::pg_catalog.int8 OPERATOR(pg_catalog.<<) 32
           OPERATOR(pg_catalog.|) p_object::pg_catalog.int8
$$;

COMMENT ON FUNCTION core.lock_key(text, oid) IS
'The advisory lock key of a purpose on an object (hash of ''agentdb:'' || purpose in the high 32 bits,
the oid in the low 32), for pg_advisory_xact_lock and pg_try_advisory_xact_lock.';
