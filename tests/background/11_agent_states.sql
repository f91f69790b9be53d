-- Agent states: every state the spec-era client uses (it registers with initializing, then moves
-- through running, paused, stopping, stopped and error) and every state of the module's own is
-- accepted, by the client's plain statements and by the functions; an initializing agent's
-- heartbeats and metrics find their agent; only running agents are checked for silence; any other
-- state is still refused with 23514. Times are relative to the transaction's now(), so any day works.
BEGIN;
SELECT plan(16);

-- The spec-era client's registration and state changes, as it sends them.
SELECT lives_ok($$INSERT INTO background.agents (agent_id, state, started_at, config, metadata)
                  VALUES ('st-client', 'initializing', now() - interval '1 hour', '{}', '{}')
                  ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, started_at = EXCLUDED.started_at,
                      config = EXCLUDED.config, metadata = EXCLUDED.metadata, updated_at = now()$$,
                'an agent registers with state initializing');
SELECT lives_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
                  VALUES ('st-client', now() - interval '50 minutes', 'initializing', 0, '{"cpu_usage": 3}')$$,
                'an initializing agent''s heartbeat finds its agent');
SELECT lives_ok($$INSERT INTO background.performance_metrics (agent_id, metric_name, value, unit)
                  VALUES ('st-client', 'startup_seconds', 4.5, 'seconds')$$,
                'an initializing agent''s metric finds its agent');

CREATE TEMP TABLE client_moves (n int, state text);
INSERT INTO client_moves VALUES (1, 'running'), (2, 'paused'), (3, 'running'), (4, 'stopping'), (5, 'stopped'),
                                (6, 'error');
SELECT lives_ok(format($$UPDATE background.agents SET state = %L, updated_at = now() WHERE agent_id = 'st-client'$$, state),
                format('the client moves its agent to %s', state))
FROM client_moves ORDER BY n;

SELECT is((SELECT state FROM background.agents WHERE agent_id = 'st-client'), 'error', 'the last move is kept');

-- The module's own states and the client's, each accepted on insert.
SELECT is(
    (SELECT count(*)::int FROM (
        SELECT background.register_agent('st-' || s, p_state => s, p_now => now() - interval '1 hour')
        FROM unnest(ARRAY['initializing', 'starting', 'running', 'idle', 'busy', 'paused', 'stopping', 'stopped',
                          'error', 'stale']) AS s) AS registered),
    10, 'register_agent accepts every state, the client''s and the module''s');
SELECT isnt(background.heartbeat('st-initializing', 'initializing', 0, '{"cpu_usage": 1}', now() - interval '30 minutes'),
            NULL::bigint, 'heartbeat() of an initializing agent is stored');

-- Stale detection: only running agents are expected to beat; an agent still initializing is not stale.
SELECT cmp_ok(background.mark_stale_agents(now()), '>=', 1::bigint, 'maintenance marks agents silent for an hour stale ...');
SELECT results_eq(
    $$SELECT agent_id, state FROM background.agents WHERE agent_id IN ('st-running', 'st-initializing', 'st-client')
      ORDER BY agent_id$$,
    $$VALUES ('st-client'::text, 'error'::text), ('st-initializing', 'initializing'), ('st-running', 'stale')$$,
    '... the running one; initializing and error agents keep their state');

-- Anything else is still refused.
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('st-bad', 'hibernating')$$, '23514', NULL,
                 'an unknown state is refused on insert');
SELECT throws_ok($$UPDATE background.agents SET state = 'Initializing' WHERE agent_id = 'st-client'$$, '23514', NULL,
                 'states are lower case: Initializing is refused on update');

SELECT * FROM finish();
ROLLBACK;
