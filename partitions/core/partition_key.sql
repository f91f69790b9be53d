-- core.partition_key(parent): the one time column a table is range-partitioned on, or a clear error.
-- Every partition-manager function starts here, so the refusals are the same everywhere.

CREATE OR REPLACE FUNCTION core.partition_key(
    p_parent regclass, OUT key_column name, OUT key_type regtype
)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_strategy "char";
    v_columns smallint;
    v_attnum smallint;
BEGIN
    SELECT pt.partstrat, pt.partnatts, pt.partattrs[0]
    INTO v_strategy, v_columns, v_attnum
    FROM pg_partitioned_table AS pt
    WHERE pt.partrelid = p_parent;

    IF NOT FOUND THEN
        RAISE EXCEPTION USING
            ERRCODE = 'wrong_object_type',
            MESSAGE = format('%s is not a partitioned table', p_parent),
            HINT = 'Create it with PARTITION BY RANGE (<timestamptz column>) before registering it.';
    END IF;
    IF v_strategy <> 'r' OR v_columns <> 1 OR v_attnum = 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'feature_not_supported',
            MESSAGE = format('%s is not partitioned by range on a single column', p_parent),
            HINT = 'core manages tables declared PARTITION BY RANGE (<one time column>).';
    END IF;

    SELECT a.attname, a.atttypid::regtype INTO key_column, key_type
    FROM pg_attribute AS a
    WHERE a.attrelid = p_parent AND a.attnum = v_attnum;

    IF key_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'feature_not_supported',
            MESSAGE = format('%s is partitioned on %I of type %s', p_parent, key_column, key_type),
            HINT = 'The partition key must be timestamptz, timestamp or date.';
    END IF;
END
$$;

COMMENT ON FUNCTION core.partition_key(regclass) IS
'The range-partition column of a table and its type; raises 42809 for a table that is not
partitioned, 0A000 for other partitioning or key types.';
