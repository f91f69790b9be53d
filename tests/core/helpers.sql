-- Test helpers (schema tests), installed by `dbctl test` into the test database before any test
-- file runs; never part of a migration. Query-plan assertions use these.

CREATE SCHEMA tests;

CREATE FUNCTION tests.explain(p_query text)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    v_plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || p_query INTO v_plan;
    RETURN v_plan -> 0 -> 'Plan';
END
$$;

COMMENT ON FUNCTION tests.explain(text) IS 'The plan tree of a query, from EXPLAIN (FORMAT JSON).';

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
