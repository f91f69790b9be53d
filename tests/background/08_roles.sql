-- Least privilege, role by role: {{ background_agents_role }} (the spec's agents' user) can do exactly
-- what an agent does; the application and read-only roles get core's usual rights; the maintenance
-- role only runs maintenance on the real clock and never reads help requests or messages.
BEGIN;
SELECT plan(32);

SELECT ok(EXISTS (SELECT FROM pg_roles WHERE rolname = '{{ background_agents_role }}' AND NOT rolcreaterole
                  AND NOT rolcreatedb AND NOT rolsuper AND NOT rolbypassrls), '{{ background_agents_role }} exists, without special rights');
SELECT is((SELECT setconfig FROM pg_db_role_setting WHERE setrole = '{{ background_agents_role }}'::regrole AND setdatabase = 0),
          ARRAY['search_path=background, core, {{ extension_schema }}'], 'its search_path is set on the role');
SELECT is_empty($$SELECT roleid::regrole FROM pg_auth_members WHERE member = '{{ background_agents_role }}'::regrole$$,
                'it is member of no other role');

SET LOCAL ROLE {{ background_agents_role }};
SELECT lives_ok($$INSERT INTO background.agents (agent_id, state, started_at) VALUES ('r-agent', 'running', now())
                  ON CONFLICT (agent_id) DO UPDATE SET state = excluded.state$$, 'the agents'' role upserts agents');
SELECT lives_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp, metrics) VALUES ('r-agent', now(), '{}')$$,
                '... writes heartbeats (and the trigger moves last_heartbeat_at)');
SELECT lives_ok($$SELECT background.heartbeat('r-agent')$$, '... calls heartbeat()');
SELECT lives_ok($$SELECT background.record_metric('r-agent', 'cpu_usage', 1)$$, '... records metrics');
SELECT lives_ok($$SELECT background.send_message('r-agent', 'peer', 'ping')$$, '... sends messages');
SELECT lives_ok($$SELECT * FROM background.receive_messages('peer', 5)$$, '... receives them');
SELECT lives_ok($$INSERT INTO background.help_requests (request_id, user_id, content) VALUES ('r-req', 'u', 'q')$$,
                '... files help requests');
SELECT lives_ok($$SELECT background.respond_to_help('r-req', 'r-resp', 'a')$$, '... answers them');
SELECT lives_ok($$SELECT * FROM background.system_health_overview$$, '... reads the monitoring views');
SELECT lives_ok($$SELECT * FROM background.agent_health_summary$$, '... and the materialized view');
SELECT lives_ok($$DELETE FROM background.system_events WHERE timestamp < now() - interval '30 days'$$,
                '... runs the spec''s clean-up DELETEs');
SELECT throws_ok($$TRUNCATE background.system_events$$, '42501', NULL, 'the agents'' role cannot TRUNCATE');
SELECT throws_ok($$CREATE TABLE background.extra (id int)$$, '42501', NULL, '... nor create tables');
SELECT throws_ok($$ALTER TABLE background.agents ADD COLUMN extra int$$, '42501', NULL, '... nor alter them');
SELECT throws_ok($$REFRESH MATERIALIZED VIEW background.agent_health_summary$$, '42501', NULL, '... nor refresh views');
SELECT throws_ok($$SELECT background.mark_stale_agents(now() + interval '1 year')$$, '42501', NULL,
                 '... nor run the stale-agent task with a clock of its choosing');
SELECT throws_ok($$SELECT * FROM core.migration_ledger$$, '42501', NULL, '... nor read core');
SELECT throws_ok($$SELECT * FROM core.run_maintenance()$$, '42501', NULL, '... nor run maintenance');
RESET ROLE;

SET LOCAL ROLE {{ maintenance_role }};
SELECT throws_ok($$SELECT content FROM background.help_requests$$, '42501', NULL,
                 'the maintenance role cannot read help request content');
SELECT throws_ok($$SELECT content FROM background.help_responses$$, '42501', NULL, '... nor responses');
SELECT throws_ok($$SELECT content FROM background.agent_communications$$, '42501', NULL, '... nor messages');
SELECT throws_ok($$SELECT background.register_agent('m-agent')$$, '42501', NULL, '... nor call the agents'' functions');
SELECT throws_ok($$SELECT background.mark_stale_agents(now())$$, '42501', NULL, '... nor the task directly');
SELECT lives_ok($$SELECT * FROM core.run_maintenance()$$, '... but runs maintenance (and so the task) on the real clock');
RESET ROLE;

SET LOCAL ROLE {{ readonly_role }};
SELECT lives_ok($$SELECT * FROM background.agents$$, 'the read-only role reads agents');
SELECT throws_ok($$INSERT INTO background.system_events (event_type) VALUES ('x')$$, '42501', NULL, '... writes nothing');
SELECT throws_ok($$SELECT background.log_event('x')$$, '42501', NULL, '... and calls no writing function');
RESET ROLE;

SET LOCAL ROLE {{ app_role }};
SELECT lives_ok($$SELECT background.log_event('app_event')$$, 'the application role calls the functions');
SELECT throws_ok($$SELECT background.mark_stale_agents(now())$$, '42501', NULL, '... but not the maintenance task');
RESET ROLE;
ROLLBACK;
