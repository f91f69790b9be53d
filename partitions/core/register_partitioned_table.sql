-- core.register_partitioned_table(...): put a range-partitioned table under core's maintenance.
-- Creates its default partition and the partitions from the current one through the premake
-- horizon. Idempotent: registering again updates the settings and creates only what is missing.

CREATE OR REPLACE FUNCTION core.register_partitioned_table(
    p_parent regclass,
    p_interval text DEFAULT 'month',
    p_premake integer DEFAULT 3,
    p_retention interval DEFAULT NULL,
    p_retention_action text DEFAULT 'drop',
    p_detached_grace interval DEFAULT NULL,
    p_default_partition boolean DEFAULT TRUE,
    p_now timestamptz DEFAULT now()
)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'  -- slots step in UTC: in a zone behind UTC or with DST, local days are not slots
AS $$
DECLARE
    v_slot record;
    v_at timestamptz;
BEGIN
    PERFORM core.partition_key(p_parent);
    IF (SELECT c.relowner FROM pg_class AS c WHERE c.oid = p_parent)
       IS DISTINCT FROM (SELECT r.oid FROM pg_roles AS r WHERE r.rolname = '{{ owner_role }}') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = format('%s is not owned by {{ owner_role }}, so maintenance could not manage it',
                             p_parent),
            HINT = format('ALTER TABLE %s OWNER TO {{ owner_role }}; (dbctl creates module tables as '
                          'that role)', p_parent);
    END IF;
    SELECT * INTO v_slot FROM core.partition_slot(p_interval, p_now);
    IF p_premake IS NULL OR p_premake < 0 OR p_premake > 366 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('premake must be between 0 and 366, not %s', coalesce(p_premake::text, 'NULL')),
            HINT = 'premake counts partitions made beyond the current one (default 3).';
    END IF;
    IF p_retention <= interval '0' OR p_detached_grace < interval '0' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('retention (%s) must be positive and detached grace (%s) not negative',
                             p_retention, p_detached_grace),
            HINT = 'Pass NULL retention to keep every partition.';
    END IF;
    IF p_retention_action IS NULL OR p_retention_action NOT IN ('drop', 'detach') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown retention action %L', p_retention_action),
            HINT = 'Use drop, or detach to keep old partitions as tables.';
    END IF;

    INSERT INTO core.partitioned_tables AS t (
        parent, partition_interval, premake, retention, retention_action, detached_grace, default_partition
    )
    VALUES (p_parent, p_interval, p_premake, p_retention, p_retention_action, p_detached_grace,
            p_default_partition)
    ON CONFLICT (parent) DO UPDATE SET
        partition_interval = excluded.partition_interval,
        premake = excluded.premake,
        retention = excluded.retention,
        retention_action = excluded.retention_action,
        detached_grace = excluded.detached_grace,
        default_partition = excluded.default_partition;

    RETURN QUERY SELECT * FROM core.ensure_default_partition(p_parent);
    v_at := v_slot.lower_bound;
    FOR i IN 0..p_premake LOOP
        RETURN QUERY SELECT * FROM core.create_partition(p_parent, v_at);
        v_at := v_at + ('1 ' || p_interval)::interval;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.register_partitioned_table(
    regclass, text, integer, interval, text, interval, boolean, timestamptz
) IS
'Registers a table PARTITION BY RANGE on a time column with the partition manager and creates its
default partition and partitions from the current one through p_premake ahead. Idempotent.
Errors: 42P01 no such table, 42501 not owned by {{ owner_role }}, 42809 not partitioned, 0A000 unsupported key, 22023 bad settings.';

CREATE OR REPLACE FUNCTION core.ensure_default_partition(p_parent regclass)
RETURNS SETOF core.maintenance_action
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_schema name;
    v_name name;
    v_result core.maintenance_action;
BEGIN
    IF NOT (SELECT t.default_partition FROM core.partitioned_tables AS t WHERE t.parent = p_parent)
       OR EXISTS (SELECT FROM core.partitions_of(p_parent) AS p WHERE p.is_default) THEN
        RETURN;
    END IF;
    SELECT n.nspname INTO v_schema
    FROM pg_class AS c INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
    WHERE c.oid = p_parent;
    v_name := core.partition_name(p_parent, '_default');
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', v_schema, v_name, p_parent);
    EXECUTE format('ALTER TABLE %I.%I OWNER TO %I', v_schema, v_name,
                   (SELECT pg_get_userbyid(c.relowner) FROM pg_class AS c WHERE c.oid = p_parent));
    PERFORM core.copy_table_privileges(p_parent, format('%I.%I', v_schema, v_name)::regclass);
    v_result := ROW(p_parent::text, 'create', format('%I.%I', v_schema, v_name), 0, NULL, 'ok',
                    'default partition')::core.maintenance_action;
    RETURN NEXT v_result;
END
$$;

COMMENT ON FUNCTION core.ensure_default_partition(regclass) IS
'Creates <table>_default for a registered table that should have one and does not.';

REVOKE ALL ON FUNCTION core.register_partitioned_table(
    regclass, text, integer, interval, text, interval, boolean, timestamptz
) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.ensure_default_partition(regclass) FROM PUBLIC;
