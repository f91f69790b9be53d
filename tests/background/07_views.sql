-- The views on the seed fleet (seeds/background/fleet.sql, loaded before the tests; its times are
-- relative to the moment it was loaded, so only what does not move with the clock is asserted) and
-- stale_agents on agents silent for known times.
BEGIN;
SELECT plan(9);

SELECT set_eq($$SELECT agent_id FROM background.active_agents$$,
              ARRAY['coordinator', 'heartbeat_monitor', 'performance_monitor', 'ai_help_agent'],
              'active_agents: the seed''s running fleet');
SELECT ok((SELECT bool_and(uptime >= interval '1 hour') FROM background.active_agents), 'each up for at least the seeded hour');
SELECT set_eq($$SELECT agent_id, metric_name FROM background.metrics_summary WHERE agent_id NOT LIKE 'volume-%'$$,
              $$SELECT a, m FROM unnest(ARRAY['coordinator', 'heartbeat_monitor', 'performance_monitor', 'ai_help_agent']) AS a,
                unnest(ARRAY['cpu_usage', 'memory_usage']) AS m$$,
              'metrics_summary: cpu and memory of each seeded agent');
SELECT results_eq(
    $$SELECT agent_id, heartbeat_count, avg_cpu FROM background.agent_health_summary
      WHERE agent_id NOT LIKE 'volume-%' ORDER BY agent_id$$,
    $$VALUES ('ai_help_agent'::text, 60::bigint, 32.9666666666666667), ('coordinator', 60, 17.9666666666666667),
             ('heartbeat_monitor', 60, 22.9666666666666667), ('performance_monitor', 60, 27.9666666666666667)$$,
    'agent_health_summary: the seeded hour of heartbeats per agent and their average cpu'
);
SELECT results_eq(
    $$SELECT agent_id, sum(conversations)::int, sum(tokens_used)::int, sum(cost) FROM background.llm_usage_daily
      WHERE model = 'gpt-4o-mini' GROUP BY agent_id ORDER BY agent_id$$,
    $$VALUES ('ai_help_agent'::text, 1, 412, 0.000247), ('coordinator', 1, 230, 0.000138)$$,
    'llm_usage_daily: calls, tokens and cost per model and agent'
);
SELECT results_eq(
    $$SELECT r.status, count(s.*)::int FROM background.help_requests AS r
      LEFT JOIN background.help_responses AS s USING (request_id) WHERE r.request_id = 'help-0001' GROUP BY r.status$$,
    $$VALUES ('answered'::text, 1)$$, 'the seeded help request is answered'
);
SELECT results_eq($$SELECT status FROM background.agent_communications ORDER BY id$$,
                  ARRAY['read', 'delivered', 'failed', 'sent'], 'the seeded messages: read, delivered, failed, waiting');

INSERT INTO background.agents (agent_id, state, started_at)
VALUES ('v-silent', 'running', now() - interval '1 hour'), ('v-alive', 'running', now() - interval '1 hour'),
       ('v-idle', 'idle', now() - interval '1 hour');
INSERT INTO background.agent_heartbeats (agent_id, timestamp)
VALUES ('v-silent', now() - interval '121 seconds'), ('v-alive', now() - interval '119 seconds'),
       ('v-idle', now() - interval '1 hour');
SELECT results_eq($$SELECT agent_id, silent_for FROM background.stale_agents WHERE agent_id LIKE 'v-%'$$,
                  $$VALUES ('v-silent'::text, interval '121 seconds')$$,
                  'stale_agents: a running agent silent for more than two intervals, with how long');
SELECT is_empty($$SELECT * FROM background.stale_agents WHERE agent_id LIKE 'volume-%'$$,
                'agents that are not running are never stale');
ROLLBACK;
