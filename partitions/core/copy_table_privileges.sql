-- core.copy_table_privileges(from, to): a new partition gets exactly its parent's privileges.
-- Default privileges would otherwise give every new partition the module's usual grants (DML for
-- {{ app_role }}), reopening a partition of a table the module closed to direct writes
-- (films.events); a partition can be written directly, bypassing the parent's privilege checks.

CREATE OR REPLACE FUNCTION core.copy_table_privileges(p_from regclass, p_to regclass)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_grant record;
BEGIN
    FOR v_grant IN
        SELECT DISTINCT a.grantee FROM pg_class AS c, aclexplode(c.relacl) AS a
        WHERE c.oid = p_to AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM %s', p_to,
                       CASE WHEN v_grant.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(v_grant.grantee)) END);
    END LOOP;
    FOR v_grant IN
        SELECT a.grantee, a.privilege_type, a.is_grantable FROM pg_class AS c, aclexplode(c.relacl) AS a
        WHERE c.oid = p_from AND a.grantee <> c.relowner
    LOOP
        EXECUTE format('GRANT %s ON %s TO %s%s', v_grant.privilege_type, p_to,
                       CASE WHEN v_grant.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(v_grant.grantee)) END,
                       CASE WHEN v_grant.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.copy_table_privileges(regclass, regclass) IS
'Gives p_to exactly the table privileges p_from grants to others (its owner''s aside): used for new
partitions, so a module''s REVOKE on a partitioned table holds for every partition.';

REVOKE ALL ON FUNCTION core.copy_table_privileges(regclass, regclass) FROM PUBLIC;
