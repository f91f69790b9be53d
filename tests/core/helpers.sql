-- Test helpers (schema tests), installed by `dbctl test` into the test database before any test
-- file runs; never part of a migration. Query-plan assertions use these.

CREATE SCHEMA tests;

CREATE FUNCTION tests.explain(p_query text, p_analyze boolean DEFAULT FALSE)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_plan jsonb;
BEGIN
    EXECUTE format('EXPLAIN (FORMAT JSON, ANALYZE %s) %s', CASE WHEN p_analyze THEN 'true' ELSE 'false' END, p_query)
    INTO v_plan;
    RETURN v_plan -> 0 -> 'Plan';
END
$$;

COMMENT ON FUNCTION tests.explain(text, boolean) IS
'The plan tree of a query, from EXPLAIN (FORMAT JSON); with p_analyze, executed, with actual rows.';

CREATE FUNCTION tests.plan_values(p_plan jsonb, p_key text)
RETURNS text[]
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT coalesce(array_agg(v #>> '{}' ORDER BY v #>> '{}'), '{}')
    FROM jsonb_path_query(p_plan, ('strict $.**."' || p_key || '"')::jsonpath) AS v
$$;

COMMENT ON FUNCTION tests.plan_values(jsonb, text) IS
'Every value of a key anywhere in a plan tree, sorted: e.g. the relations scanned ("Relation Name"),
node types ("Node Type"), indexes used ("Index Name"), pruned subplans ("Subplans Removed").';

CREATE FUNCTION tests.scanned_rows(p_plan jsonb)
RETURNS numeric
LANGUAGE sql
IMMUTABLE
AS $$
    SELECT coalesce(sum((v #>> '{}')::numeric), 0)
    FROM jsonb_path_query(
        p_plan, 'strict $.** ? (@."Node Type" like_regex "^(Seq|Index|Index Only|Bitmap Heap) Scan$")."Actual Rows"'
    ) AS v
$$;

COMMENT ON FUNCTION tests.scanned_rows(jsonb) IS
'Rows returned by the table scans of an executed plan (tests.explain(..., TRUE)): what a query touched.';

CREATE FUNCTION tests.uncommented_objects(p_schema regnamespace)
RETURNS SETOF text
LANGUAGE sql
STABLE
AS $$
    SELECT p.oid::regprocedure::text FROM pg_proc AS p
    WHERE p.pronamespace = p_schema AND obj_description(p.oid, 'pg_proc') IS NULL
    UNION ALL
    SELECT c.oid::regclass::text FROM pg_class AS c
    WHERE c.relnamespace = p_schema AND c.relkind IN ('r', 'p', 'v', 'm')
      AND NOT c.relispartition AND obj_description(c.oid, 'pg_class') IS NULL
$$;

COMMENT ON FUNCTION tests.uncommented_objects(regnamespace) IS
'Functions, tables and views of a schema (partitions aside) that have no COMMENT.';

CREATE FUNCTION tests.objects_not_owned_by(p_role name)
RETURNS SETOF text
LANGUAGE sql
STABLE
AS $$
    WITH module_schema AS (
        SELECT n.oid, n.nspname FROM pg_namespace AS n
        WHERE n.nspname IN (SELECT l.module FROM core.migration_ledger AS l)
    )
    SELECT 'schema ' || s.nspname FROM module_schema AS s
    WHERE (SELECT nspowner FROM pg_namespace WHERE oid = s.oid) <> to_regrole(p_role)
    UNION ALL
    SELECT 'relation ' || c.oid::regclass::text FROM pg_class AS c JOIN module_schema AS s ON s.oid = c.relnamespace
    WHERE c.relowner <> to_regrole(p_role)
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc AS p JOIN module_schema AS s ON s.oid = p.pronamespace
    WHERE p.proowner <> to_regrole(p_role)
    UNION ALL
    SELECT 'type ' || t.oid::regtype::text FROM pg_type AS t JOIN module_schema AS s ON s.oid = t.typnamespace
    WHERE t.typowner <> to_regrole(p_role)
$$;

COMMENT ON FUNCTION tests.objects_not_owned_by(name) IS
'Every schema of a migrated module (the modules the ledger names), and every relation, function and
type in them, that the role does not own: what a migration left to another owner.';

CREATE FUNCTION tests.rows_read(p_schema name)
RETURNS TABLE (relation regclass, rows_read bigint)
LANGUAGE sql
STABLE
AS $$
    SELECT coalesce(pg_partition_root(t.relid), t.relid)::regclass,
           sum(t.seq_tup_read + coalesce(t.idx_tup_fetch, 0))::bigint
    FROM pg_stat_xact_user_tables AS t
    WHERE t.schemaname = p_schema
    GROUP BY 1
$$;

COMMENT ON FUNCTION tests.rows_read(name) IS
'Rows this transaction has read so far from each table of a schema (partitions summed into their
table): sequential and index scans, from pg_stat_xact_user_tables.';

CREATE FUNCTION tests.reads_beyond_key(
    p_statement text, p_schema name, p_key text, p_allowed jsonb DEFAULT '{}'
)
RETURNS text []
LANGUAGE plpgsql
AS $$
DECLARE
    v_own jsonb := '{}';
    v_plan record;
    v_count bigint;
    v_result text [];
BEGIN
    FOR v_plan IN SELECT d.relation, d.distribution_column FROM core.distribution_plan AS d
                  INNER JOIN pg_class AS c ON c.oid = d.relation
                  WHERE c.relnamespace = p_schema::regnamespace AND d.kind = 'distributed' LOOP
        EXECUTE format('SELECT count(*) FROM %s WHERE %I::text = %L', v_plan.relation, v_plan.distribution_column, p_key)
        INTO v_count;
        v_own := v_own || jsonb_build_object(v_plan.relation::text, v_count);
    END LOOP;
    CREATE TEMP TABLE reads_before ON COMMIT DROP AS SELECT * FROM tests.rows_read(p_schema);
    EXECUTE p_statement;
    SELECT coalesce(array_agg(format('%s: %s rows read, the key has %s', a.relation,
                                     a.rows_read - coalesce(b.rows_read, 0), v_own ->> a.relation::text)
                              ORDER BY a.relation::text), '{}')
    INTO v_result
    FROM tests.rows_read(p_schema) AS a
    LEFT JOIN reads_before AS b ON b.relation = a.relation
    WHERE v_own ? a.relation::text
      AND a.rows_read - coalesce(b.rows_read, 0)
          > (v_own ->> a.relation::text)::bigint + coalesce((p_allowed ->> a.relation::text)::bigint, 0);
    DROP TABLE reads_before;
    RETURN v_result;
END
$$;

COMMENT ON FUNCTION tests.reads_beyond_key(text, name, text, jsonb) IS
'Runs a statement and returns what it read beyond one distribution key''s rows: for every table of
the schema that core.distribution_plan distributes, more rows read than that table holds for p_key
(plus p_allowed re-reads per table, e.g. a session row read several times). Empty: on Citus the
statement would stay on the key''s shard. Plan with enable_seqscan and enable_bitmapscan off, so
that small tables and whole pages prove nothing either way.';
