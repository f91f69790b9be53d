-- core.register_distribution(...): a module's plan row for one table (schema/core/0008_distribution_plan.sql).
-- Called from the module's repeatable file partitions/<module>/distribution.sql, one call per table,
-- group leaders before the tables co-located with them. Idempotent: registering again replaces the row.

CREATE OR REPLACE FUNCTION core.register_distribution(
    p_relation regclass,
    p_kind text,
    p_reason text,
    p_column name DEFAULT NULL,
    p_colocate_with regclass DEFAULT NULL
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_type oid;
    v_leader core.distribution_plan;
BEGIN
    IF p_relation IS NULL OR p_kind IS NULL OR coalesce(p_reason, '') = '' THEN
        RAISE EXCEPTION USING
            ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'a distribution plan row needs a table, a kind and a reason',
            HINT = 'SELECT core.register_distribution(''m.t'', ''distributed'', ''why'', p_column => ''c'');';
    END IF;
    IF p_kind NOT IN ('distributed', 'reference', 'local') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown distribution kind %L', p_kind),
            HINT = 'Use distributed, reference or local.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_class AS c
                   WHERE c.oid = p_relation AND c.relkind IN ('r', 'p') AND NOT c.relispartition) THEN
        RAISE EXCEPTION USING
            ERRCODE = 'wrong_object_type',
            MESSAGE = format('%s is not a table that can be distributed', p_relation),
            HINT = 'Plan tables and partitioned tables; partitions follow their parent.';
    END IF;
    IF (p_kind = 'distributed') <> (p_column IS NOT NULL) OR (p_colocate_with IS NOT NULL AND p_kind <> 'distributed') THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('%s: a %s table %s', p_relation, p_kind,
                             CASE WHEN p_kind = 'distributed' THEN 'needs a distribution column'
                                  ELSE 'has no distribution column and no co-location' END),
            HINT = 'Only distributed tables take p_column and p_colocate_with.';
    END IF;
    IF p_column IS NOT NULL THEN
        SELECT a.atttypid INTO v_type
        FROM pg_attribute AS a
        WHERE a.attrelid = p_relation AND a.attname = p_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF v_type IS NULL THEN
            RAISE EXCEPTION USING
                ERRCODE = 'undefined_column',
                MESSAGE = format('%s has no column %I', p_relation, p_column),
                HINT = 'The distribution column must be a column of the table.';
        END IF;
    END IF;
    IF p_colocate_with IS NOT NULL THEN
        SELECT * INTO v_leader FROM core.distribution_plan AS d WHERE d.relation = p_colocate_with;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING
                ERRCODE = 'undefined_object',
                MESSAGE = format('%s is not in the distribution plan', p_colocate_with),
                HINT = 'Register the co-location group''s leader first.';
        END IF;
        IF v_leader.kind <> 'distributed' OR v_leader.colocate_with IS NOT NULL OR p_colocate_with = p_relation THEN
            RAISE EXCEPTION USING
                ERRCODE = 'invalid_parameter_value',
                MESSAGE = format('%s does not lead a co-location group', p_colocate_with),
                HINT = 'Co-locate with the group''s leader: a distributed table registered without p_colocate_with.';
        END IF;
        IF v_type IS DISTINCT FROM (SELECT a.atttypid FROM pg_attribute AS a
                                    WHERE a.attrelid = v_leader.relation
                                      AND a.attname = v_leader.distribution_column) THEN
            RAISE EXCEPTION USING
                ERRCODE = 'datatype_mismatch',
                MESSAGE = format('%s.%I and %s.%I have different types', p_relation, p_column,
                                 v_leader.relation, v_leader.distribution_column),
                HINT = 'Co-located tables are distributed by columns of the same type.';
        END IF;
    END IF;
    INSERT INTO core.distribution_plan AS d (relation, kind, distribution_column, colocate_with, reason)
    VALUES (p_relation, p_kind, p_column, p_colocate_with, p_reason)
    ON CONFLICT (relation) DO UPDATE SET
        kind = excluded.kind,
        distribution_column = excluded.distribution_column,
        colocate_with = excluded.colocate_with,
        reason = excluded.reason,
        registered_at = now();
END
$$;

COMMENT ON FUNCTION core.register_distribution(regclass, text, text, name, regclass) IS
'Plans how a table goes onto a Citus cluster: distributed by p_column (co-located with the group
leader p_colocate_with, or leading its own group), reference, or local, with the reason. Errors:
22004 missing argument, 22023 bad kind or combination, 42809 not a table, 42703 no such column,
42704 leader not planned, 42804 column types differ.';

REVOKE ALL ON FUNCTION core.register_distribution(regclass, text, text, name, regclass) FROM PUBLIC;
