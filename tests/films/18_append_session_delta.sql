-- films.append_event with a state delta of session keys alone (the common case) takes that delta as
-- its session part without running films.delta_scope (a SQL function with a query of its own); a
-- delta with app: or user: keys is still split by it. The scopes end up as before either way.
BEGIN;
SELECT plan(4);
SET LOCAL track_functions = 'all';  -- pg_stat_xact_user_functions counts this transaction's calls

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000d001', 'd@example.com', 'd');
INSERT INTO films.sessions (id, app_name, user_id, state, started_at) VALUES
    ('0190a0c0-0000-7000-8000-00000000d002', 'scopes', '0190a0c0-0000-7000-8000-00000000d001',
     '{"step": 0}', now() - interval '1 hour');

CREATE FUNCTION tests.delta_scope_calls() RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT f.calls FROM pg_stat_xact_user_functions AS f
                     WHERE f.funcid = 'films.delta_scope(jsonb, text)'::regprocedure), 0)
$$;

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000d002', 'state_update', '{}',
                          '{"step": 1, "draft": {"act": 1}, "temp:scratch": true}');
SELECT is(tests.delta_scope_calls(), 0::bigint,
          'a delta of session (and temp:) keys alone is its own session part: films.delta_scope is not run');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000d002', 'state_update', '{}',
                          '{"step": 2, "app:tone": "dry", "user:lang": "de"}');
SELECT cmp_ok(tests.delta_scope_calls(), '>', 0::bigint, 'a delta with app: or user: keys is split by films.delta_scope');

SELECT results_eq(
    $$SELECT state, last_sequence FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000d002'$$,
    $$VALUES ('{"step": 2, "draft": {"act": 1}}'::jsonb, 2)$$,
    'the session state holds the session keys of both deltas, without temp: keys'
);
SELECT results_eq(
    $$SELECT (SELECT state FROM films.app_states WHERE app_name = 'scopes'),
             (SELECT state FROM films.user_states WHERE app_name = 'scopes')$$,
    $$VALUES ('{"tone": "dry"}'::jsonb, '{"lang": "de"}'::jsonb)$$,
    'the app: and user: keys reached their scopes'
);
ROLLBACK;
