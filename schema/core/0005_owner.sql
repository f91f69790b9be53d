-- core: hand core, and every module schema the owner role already owns, wholly to the owner role.
-- DESIGN.md section 6: every object a migration creates belongs to {{ owner_role }}, whoever runs
-- the migration. dbctl (and its rendered psql script) applies a module's files under
-- SET ROLE {{ owner_role }} once the module's schema belongs to that role; this file, the last one
-- run as the connecting role, gives core's schema to it, so every later file of core runs as the
-- owner too. On a database migrated before this rule, objects that the migrating login (often a
-- superuser) or the maintenance functions created in a module schema are reassigned here, so no
-- SECURITY DEFINER function carries a superuser's rights and any member of the owner role can
-- replace what another member created.

ALTER SCHEMA core OWNER TO {{ owner_role }};

DO $adopt$
DECLARE
    v_owner oid := (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = '{{ owner_role }}');
    v_object record;
BEGIN
    FOR v_object IN
        -- tables, partitions, views, materialized views and free-standing sequences; indexes and
        -- identity sequences follow their table
        SELECT format('ALTER %s %s OWNER TO %I',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                     ELSE 'TABLE' END,
                      c.oid::regclass, '{{ owner_role }}') AS command
          FROM pg_catalog.pg_class AS c
          JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
         WHERE n.nspowner = v_owner
           AND c.relowner <> v_owner
           AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d
                            WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype IN ('a', 'i', 'e'))
        UNION ALL
        SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, '{{ owner_role }}')
          FROM pg_catalog.pg_proc AS p
          JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
         WHERE n.nspowner = v_owner
           AND p.proowner <> v_owner
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d
                            WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
        UNION ALL
        -- domains, enums, ranges and free-standing composite types (not tables' row types)
        SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, '{{ owner_role }}')
          FROM pg_catalog.pg_type AS t
          JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
         WHERE n.nspowner = v_owner
           AND t.typowner <> v_owner
           AND (t.typtype IN ('d', 'e', 'r')
                OR (t.typtype = 'c' AND (SELECT relkind FROM pg_catalog.pg_class
                                          WHERE oid = t.typrelid) = 'c'))
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d
                            WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid
                              AND d.deptype IN ('e', 'i'))
    LOOP
        EXECUTE v_object.command;
    END LOOP;
END
$adopt$;
