-- Spec 003's statements, verbatim, with search_path = background, core, {{ extension_schema }} (what
-- the agents' role gets): the client writes (its INSERT, the upserts clients register and update
-- with) and the four monitoring queries, the EXPLAIN example, agent_health_summary's query and the
-- weekly DELETEs. Each query returns the same rows as on the spec's own DDL (schema spec003, made by
-- tests/background/helpers.sql) filled by the same statements. (public, last on the path, holds pgTAP.)
BEGIN;
SELECT plan(16);

-- Only this test's rows: the seed and the volume are emptied for the transaction (rolled back).
TRUNCATE background.agents, background.agent_heartbeats, background.performance_metrics, background.system_events,
         background.system_state, background.help_requests, background.help_responses, background.agent_communications,
         background.llm_conversations;

-- The clients' writes, run once against each schema.
CREATE FUNCTION pg_temp.client_writes() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO agents (agent_id, state, started_at, config, metadata)
    VALUES ('coordinator', 'running', NOW() - INTERVAL '2 hours', '{"max_agents": 5}', '{}'),
           ('performance_monitor', 'running', NOW() - INTERVAL '1 hour', NULL, NULL),
           ('old_worker', 'stopped', NOW() - INTERVAL '40 days', NULL, NULL);
    INSERT INTO agents (agent_id, state, started_at, config, metadata)
    VALUES ('performance_monitor', 'running', NOW() - INTERVAL '90 minutes', '{"sample_seconds": 30}', '{}')
    ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, started_at = EXCLUDED.started_at,
        config = EXCLUDED.config, updated_at = NOW();
    INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
    SELECT a, NOW() - m * INTERVAL '1 minute', 'running', m % 2, json_build_object('cpu_usage', 10 + m)::jsonb
    FROM unnest(ARRAY['coordinator', 'performance_monitor']) AS a, generate_series(0, 9) AS m;
    INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
    VALUES ('old_worker', NOW() - INTERVAL '35 days', 'running', 0, '{"cpu_usage": 99}');
    PREPARE spec_metric AS INSERT INTO performance_metrics (agent_id, metric_name, value) VALUES ($1, $2, $3);
    EXECUTE 'EXECUTE spec_metric(''performance_monitor'', ''cpu_usage'', 25.5)';
    EXECUTE 'EXECUTE spec_metric(''performance_monitor'', ''cpu_usage'', 30.25)';
    EXECUTE 'EXECUTE spec_metric(''coordinator'', ''queue_depth'', 3)';
    DEALLOCATE spec_metric;
    INSERT INTO performance_metrics (agent_id, metric_name, value, unit, timestamp)
    VALUES ('coordinator', 'queue_depth', 100, 'jobs', NOW() - INTERVAL '2 hours'),
           ('old_worker', 'cpu_usage', 50, 'percent', NOW() - INTERVAL '31 days');
    INSERT INTO system_events (event_type, event_data, agent_id, severity)
    VALUES ('agent_started', '{}', 'coordinator', 'INFO'), ('llm_timeout', '{}', 'performance_monitor', 'ERROR'),
           ('disk_full', '{}', NULL, 'ERROR');
    INSERT INTO system_events (event_type, event_data, agent_id, timestamp, severity)
    VALUES ('llm_timeout', '{}', 'performance_monitor', NOW() - INTERVAL '2 hours', 'ERROR'),
           ('ancient', '{}', 'old_worker', NOW() - INTERVAL '45 days', 'INFO');
    INSERT INTO system_state (key, value, updated_by) VALUES ('mode', '"normal"', 'coordinator')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = NOW(), updated_by = EXCLUDED.updated_by;
    INSERT INTO system_state (key, value, updated_by) VALUES ('mode', '"degraded"', 'performance_monitor')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = NOW(), updated_by = EXCLUDED.updated_by;
    INSERT INTO help_requests (request_id, user_id, content, context) VALUES ('req-1', 'user-1', 'Why?', '{}')
    ON CONFLICT (request_id) DO NOTHING;
    INSERT INTO help_responses (request_id, response_id, content, confidence_score, sources, agent_id)
    VALUES ('req-1', 'resp-1', 'Because.', 0.75, '[]', 'unregistered_helper')
    ON CONFLICT (response_id) DO UPDATE SET content = EXCLUDED.content;
    INSERT INTO agent_communications (from_agent, to_agent, message_type, content)
    VALUES ('coordinator', 'performance_monitor', 'collect', '{"scope": "all"}');
    INSERT INTO llm_conversations (conversation_id, agent_id, prompt, response, model, tokens_used, cost)
    VALUES ('conv-1', 'coordinator', 'Plan the day', 'Done', 'gpt-4o-mini', 120, 0.0012);
END
$$;

SET LOCAL search_path = spec003, public;
SELECT pg_temp.client_writes();
SET LOCAL search_path = background, core, {{ extension_schema }}, public;
SELECT lives_ok('SELECT pg_temp.client_writes()', 'the clients'' inserts and upserts run unchanged on background');
SELECT is((SELECT value FROM background.system_state WHERE key = 'mode'), '"degraded"'::jsonb,
          'ON CONFLICT (key) updates the system state');
PREPARE spec_heartbeat AS INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
VALUES ($1, $2, $3, $4, $5) RETURNING id;
SELECT is(pg_typeof((SELECT max(id) FROM background.agent_heartbeats))::text, 'bigint', 'RETURNING id gives an integer');

-- The monitoring queries: the same rows as on the spec's DDL, compared as text (varchar there, text here:
-- the same strings to a client).
CREATE FUNCTION pg_temp.same_rows(p_query text, p_description text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_spec refcursor;
    v_ours refcursor;
    v_result text;
BEGIN
    PERFORM set_config('search_path', 'spec003, public', TRUE);
    OPEN v_spec FOR EXECUTE format('SELECT q::text FROM (%s) AS q', p_query);
    PERFORM set_config('search_path', 'background, core, {{ extension_schema }}, public', TRUE);
    OPEN v_ours FOR EXECUTE format('SELECT q::text FROM (%s) AS q', p_query);
    v_result := results_eq(v_ours, v_spec, p_description);
    CLOSE v_spec;
    CLOSE v_ours;
    RETURN v_result;
END
$$;

SELECT pg_temp.same_rows($$SELECT
    agent_id,
    state,
    started_at,
    NOW() - started_at AS uptime
FROM agents
WHERE state = 'running'
ORDER BY started_at$$, 'Active Agents: the same rows as on the spec''s DDL');
SELECT pg_temp.same_rows($$SELECT
    agent_id,
    timestamp,
    state,
    error_count,
    metrics->'cpu_usage' as cpu_usage
FROM agent_heartbeats
WHERE timestamp > NOW() - INTERVAL '5 minutes'
ORDER BY timestamp DESC, agent_id$$, 'Recent Heartbeats: the same rows');
SELECT pg_temp.same_rows($$SELECT
    agent_id,
    metric_name,
    AVG(value) as avg_value,
    MAX(value) as max_value,
    COUNT(*) as sample_count
FROM performance_metrics
WHERE timestamp > NOW() - INTERVAL '1 hour'
GROUP BY agent_id, metric_name
ORDER BY agent_id, metric_name$$, 'Performance Metrics Summary: the same rows');
SELECT pg_temp.same_rows($$SELECT
    'Total Agents' as metric,
    COUNT(*) as value
FROM agents
UNION ALL
SELECT
    'Running Agents' as metric,
    COUNT(*) as value
FROM agents WHERE state = 'running'
UNION ALL
SELECT
    'Recent Heartbeats (5min)' as metric,
    COUNT(*) as value
FROM agent_heartbeats WHERE timestamp > NOW() - INTERVAL '5 minutes'
UNION ALL
SELECT
    'Error Events (1hour)' as metric,
    COUNT(*) as value
FROM system_events WHERE severity = 'ERROR' AND timestamp > NOW() - INTERVAL '1 hour'$$,
    'System Health Overview: the same rows');
SELECT pg_temp.same_rows($$SELECT
    agent_id,
    COUNT(*) as heartbeat_count,
    MAX(timestamp) as last_heartbeat,
    AVG((metrics->>'cpu_usage')::numeric) as avg_cpu
FROM agent_heartbeats
WHERE timestamp > NOW() - INTERVAL '24 hours'
GROUP BY agent_id
ORDER BY agent_id$$, 'agent_health_summary''s query: the same rows');
SELECT results_eq(
    $$SELECT metric, value FROM background.system_health_overview$$,
    $$VALUES ('Total Agents'::text, 3::bigint), ('Running Agents', 2), ('Recent Heartbeats (5min)', 10),
             ('Error Events (1hour)', 2)$$,
    'the system_health_overview view gives those rows'
);
REFRESH MATERIALIZED VIEW background.agent_health_summary;
SELECT results_eq(
    $$SELECT agent_id, heartbeat_count FROM background.agent_health_summary ORDER BY agent_id$$,
    $$VALUES ('coordinator'::text, 10::bigint), ('performance_monitor', 10)$$,
    'the agent_health_summary materialized view gives them'
);

SELECT lives_ok($$EXPLAIN (ANALYZE, BUFFERS)
SELECT * FROM agent_heartbeats
WHERE agent_id = 'performance_monitor'
AND timestamp > NOW() - INTERVAL '1 hour'$$, 'the spec''s EXPLAIN example runs');

-- The weekly clean-up: the spec's DELETEs still work (retention drops partitions; these are no longer needed).
SELECT lives_ok($$DELETE FROM agent_heartbeats WHERE timestamp < NOW() - INTERVAL '30 days'$$,
                'the spec''s heartbeat DELETE runs');
SELECT lives_ok($$DELETE FROM performance_metrics WHERE timestamp < NOW() - INTERVAL '30 days'$$,
                'the spec''s metrics DELETE runs');
SELECT lives_ok($$DELETE FROM system_events WHERE timestamp < NOW() - INTERVAL '30 days'$$,
                'the spec''s events DELETE runs');
SET LOCAL search_path = spec003, public;
DELETE FROM agent_heartbeats WHERE timestamp < now() - interval '30 days';
DELETE FROM performance_metrics WHERE timestamp < now() - interval '30 days';
DELETE FROM system_events WHERE timestamp < now() - interval '30 days';
SELECT pg_temp.same_rows($$SELECT agent_id, timestamp, metrics FROM agent_heartbeats ORDER BY agent_id, timestamp$$,
                         'after them the same heartbeats remain');
SELECT pg_temp.same_rows($$SELECT event_type, agent_id, severity FROM system_events ORDER BY event_type, timestamp$$,
                         'and the same events');
ROLLBACK;
