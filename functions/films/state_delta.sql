-- films: ADK state-delta semantics, in one place.
--   films.apply_delta(state, delta): keys of delta replace those of state. A JSON null is a value like
--     any other: the key stays, with value null, as in ADK's own session services (InMemory and
--     DatabaseSessionService both store it); nothing in a delta deletes a key.
--   films.merge_deltas(delta ORDER BY ...): many deltas as one (later keys win), so
--     apply_delta(s, merge(d1..dn)) equals applying d1..dn one by one.
--   films.delta_scope(delta, scope): the keys of one ADK scope without their prefix: session
--     (unprefixed), app (app:), user (user:). temp: keys belong to no durable scope.
--   films.without_temp_keys(delta): what an event stores. It runs up to three times for each event
--     with a delta in a batch, so it is a test PostgreSQL inlines (a jsonpath: any temp: key?), and
--     only a delta that has such keys pays for films.drop_temp_keys, whose key list is a subquery
--     (measured: 1.3 µs a delta instead of 4.1).
-- These run several times for every appended event, so they are plain SQL expressions without a
-- SET clause, which PostgreSQL inlines into the calling query where it can; every function and
-- operator in them is qualified with pg_catalog and they are SECURITY INVOKER, so pinning search_path
-- would add the cost of a function call each time and no safety. delta_scope and drop_temp_keys are
-- STRICT: most events carry no delta, and for a NULL one they are not called at all.

CREATE OR REPLACE FUNCTION films.apply_delta(p_state jsonb, p_delta jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT p_state OPERATOR(pg_catalog.||) coalesce(p_delta, '{}')
$$;

COMMENT ON FUNCTION films.apply_delta(jsonb, jsonb) IS
'ADK delta application: keys of p_delta replace those of p_state (a null value is kept, as ADK keeps it).';

CREATE OR REPLACE AGGREGATE films.merge_deltas (jsonb)(
    sfunc = pg_catalog.jsonb_concat,
    stype = jsonb,
    initcond = '{}'
);

COMMENT ON AGGREGATE films.merge_deltas (jsonb) IS
'Ordered merge of state deltas (use with ORDER BY): later keys win.';

CREATE OR REPLACE FUNCTION films.delta_scope(p_delta jsonb, p_scope text)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT coalesce(pg_catalog.jsonb_object_agg(
        CASE WHEN p_scope OPERATOR(pg_catalog.=) 'session' THEN d.key
             ELSE pg_catalog.substr(d.key, pg_catalog.length(p_scope) OPERATOR(pg_catalog.+) 2) END,
        d.value
    ), '{}')
    FROM pg_catalog.jsonb_each(p_delta) AS d
    WHERE CASE WHEN p_scope OPERATOR(pg_catalog.=) 'session'
               THEN d.key OPERATOR(pg_catalog.!~) '^(app|user|temp):'
               ELSE d.key OPERATOR(pg_catalog.~~) (p_scope OPERATOR(pg_catalog.||) ':%') END
$$;

COMMENT ON FUNCTION films.delta_scope(jsonb, text) IS
'The keys of one ADK state scope (session, app or user), without their prefix; NULL for a NULL delta.';

CREATE OR REPLACE FUNCTION films.drop_temp_keys(p_delta jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT p_delta OPERATOR(pg_catalog.-) coalesce(
        (SELECT pg_catalog.array_agg(k) FROM pg_catalog.jsonb_object_keys(p_delta) AS k
         WHERE k OPERATOR(pg_catalog.~~) 'temp:%'),
        '{}'
    )
$$;

COMMENT ON FUNCTION films.drop_temp_keys(jsonb) IS
'An object delta without its temp: keys; films.without_temp_keys calls it only when there are some.';

CREATE OR REPLACE FUNCTION films.without_temp_keys(p_delta jsonb)
RETURNS jsonb
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN pg_catalog.jsonb_typeof(p_delta) OPERATOR(pg_catalog.<>) 'object' THEN p_delta
        WHEN pg_catalog.jsonb_path_exists(p_delta, '$.keyvalue() ? (@.key starts with "temp:")'::pg_catalog.jsonpath)
            THEN films.drop_temp_keys(p_delta)
        ELSE p_delta
    END
$$;

COMMENT ON FUNCTION films.without_temp_keys(jsonb) IS
'A delta without its temp: keys (what an event stores); anything but an object is returned as it is, for
the append checks to refuse.';
