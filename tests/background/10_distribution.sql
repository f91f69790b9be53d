-- background on Citus (docs/scale-out.md, partitions/background/distribution.sql): the plan, and proof
-- that an agent's life-cycle functions stay on that agent's shard. Every statement a function runs
-- is observed through pg_stat_xact_user_tables (tests.reads_beyond_key): no row of a distributed
-- table read beyond the agent's own, on the generated volume (tests/background/helpers.sql: 1,000
-- agents with a day of heartbeats). Re-reads of the agent's own rows (its row under the foreign-key
-- check, the heartbeat trigger's lock and update, a claimed message read again to update it) are allowed.
BEGIN;
SELECT plan(8);

SELECT is(
    ARRAY(SELECT concat_ws(' ', relation, kind, distribution_column, colocate_with) COLLATE "C"
          FROM core.distribution_plan WHERE relation::text LIKE 'background.%' ORDER BY relation::text),
    ARRAY['background.agent_communications distributed to_agent background.agents',
          'background.agent_heartbeats distributed agent_id background.agents',
          'background.agents distributed agent_id',
          'background.heartbeat_minutes distributed agent_id background.agents',
          'background.help_requests reference',
          'background.help_responses reference',
          'background.llm_conversations distributed conversation_id',
          'background.metric_minutes distributed agent_id background.agents',
          'background.metric_ten_minutes distributed agent_id background.agents',
          'background.performance_metrics distributed agent_id background.agents',
          'background.sqlite_imports local',
          'background.system_events distributed id',
          'background.system_state reference'],
    'background: an agent, its heartbeats, metrics and inbox co-located by agent; shared tables reference'
);

SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;

SELECT is(tests.reads_beyond_key($$SELECT background.heartbeat('volume-0007', 'busy', 0, '{"cpu_usage": 12}')$$,
                                 'background', 'volume-0007', '{"background.agents": 5}'),
          '{}', 'heartbeat reads only its agent''s rows');
SELECT is(tests.reads_beyond_key($$SELECT background.record_metric('volume-0007', 'cpu_usage', 12.5, 'percent')$$,
                                 'background', 'volume-0007', '{"background.agents": 2}'),
          '{}', 'record_metric reads only its agent''s rows');
SELECT is(tests.reads_beyond_key($$SELECT background.send_message('volume-0001', 'volume-0007', 'ping', '{"n": 1}')$$,
                                 'background', 'volume-0007'),
          '{}', 'send_message reads only the recipient''s rows');
SELECT is(tests.reads_beyond_key($$SELECT * FROM background.receive_messages('volume-0007', 5)$$, 'background',
                                 'volume-0007', '{"background.agent_communications": 4}'),
          '{}', 'receive_messages reads only its agent''s inbox');
SELECT is(tests.reads_beyond_key($$SELECT * FROM background.register_agent('volume-0007', '{"model": "x"}')$$,
                                 'background', 'volume-0007', '{"background.agents": 2}'),
          '{}', 'register_agent reads only its agent''s row');
SELECT is(tests.reads_beyond_key($$SELECT * FROM background.stop_agent('volume-0007')$$, 'background', 'volume-0007',
                                 '{"background.agents": 2}'),
          '{}', 'stop_agent reads only its agent''s row');

-- The test of the test: a statement that does not filter on the agent is caught.
SELECT isnt(tests.reads_beyond_key($$SELECT max(state) FROM background.agent_heartbeats WHERE error_count = 0$$,
                                   'background', 'volume-0007'),
            '{}', 'a query across agents is reported');

SELECT * FROM finish();
ROLLBACK;
