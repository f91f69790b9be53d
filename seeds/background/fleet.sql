-- background seed: a small fleet (spec 003 "Agent Registration Flow") over the hour before loading:
-- a coordinator, a heartbeat monitor, a performance monitor and an AI help agent, each with a
-- heartbeat a minute and cpu/memory samples every 30 seconds; start-up events and one ERROR; a user's
-- help request answered by the AI help agent; messages between agents (one read, one delivered,
-- one waiting, one failed); two LLM calls. Times are relative to now(), so the monitoring views show
-- the fleet. Loading it twice changes nothing (the fleet is written only if the coordinator is new).

DO $seed$
DECLARE
    v_now constant timestamptz := date_trunc('second', now());
    v_start constant timestamptz := date_trunc('second', now()) - interval '1 hour';
    v_message bigint;
BEGIN
    IF EXISTS (SELECT FROM background.agents WHERE agent_id = 'coordinator') THEN
        RETURN;
    END IF;

    -- The hour may begin the day (or week) before the partitions made at registration.
    PERFORM core.create_partition(t, v_start)
    FROM unnest(ARRAY['background.agent_heartbeats', 'background.performance_metrics', 'background.system_events',
                      'background.llm_conversations']::regclass[]) AS t;

    INSERT INTO background.agents (agent_id, state, started_at, config, metadata)
    VALUES ('coordinator', 'running', v_start, '{"max_agents": 10}', '{"role": "coordination"}'),
           ('heartbeat_monitor', 'running', v_start, '{"interval_seconds": 60}', '{"role": "monitoring"}'),
           ('performance_monitor', 'running', v_start, '{"sample_seconds": 30}', '{"role": "monitoring"}'),
           ('ai_help_agent', 'running', v_start, '{"model": "gpt-4o-mini"}', '{"role": "help"}');

    INSERT INTO background.agent_heartbeats (agent_id, timestamp, state, error_count, metrics)
    SELECT a.agent_id, v_start + m * interval '1 minute', 'running', CASE WHEN a.agent_id = 'ai_help_agent' AND m = 42 THEN 1 ELSE 0 END,
           jsonb_build_object('cpu_usage', 10 + a.n * 5 + m % 7, 'memory_mb', 200 + a.n * 50)
    FROM (VALUES ('coordinator', 1), ('heartbeat_monitor', 2), ('performance_monitor', 3), ('ai_help_agent', 4))
        AS a (agent_id, n)
    CROSS JOIN generate_series(1, 60) AS m;

    INSERT INTO background.performance_metrics (agent_id, metric_name, value, unit, timestamp)
    SELECT a.agent_id, x.metric_name, x.base + a.n * 3 + s % 5, x.unit, v_start + s * interval '30 seconds'
    FROM (VALUES ('coordinator', 1), ('heartbeat_monitor', 2), ('performance_monitor', 3), ('ai_help_agent', 4))
        AS a (agent_id, n)
    CROSS JOIN (VALUES ('cpu_usage', 20.5, 'percent'), ('memory_usage', 40.0, 'percent')) AS x (metric_name, base, unit)
    CROSS JOIN generate_series(1, 120) AS s;

    INSERT INTO background.system_events (event_type, event_data, agent_id, timestamp, severity)
    SELECT 'agent_started', jsonb_build_object('pid', 4000 + n), agent_id, v_start, 'INFO'
    FROM (VALUES ('coordinator', 1), ('heartbeat_monitor', 2), ('performance_monitor', 3), ('ai_help_agent', 4))
        AS a (agent_id, n);
    INSERT INTO background.system_events (event_type, event_data, agent_id, timestamp, severity)
    VALUES ('llm_timeout', '{"model": "gpt-4o-mini", "after_seconds": 30}', 'ai_help_agent',
            v_start + interval '42 minutes', 'ERROR'),
           ('fleet_started', '{"agents": 4}', NULL, v_start, 'INFO');

    PERFORM background.set_system_state('fleet_mode', '"normal"', 'coordinator', v_start);

    INSERT INTO background.help_requests (request_id, user_id, content, context, priority, created_at)
    VALUES ('help-0001', 'user-42', 'How do I restart a stale agent?', '{"page": "dashboard"}', 'high', v_start + interval '10 minutes');
    PERFORM background.set_help_status('help-0001', 'in_progress', v_start + interval '11 minutes');
    PERFORM background.respond_to_help('help-0001', 'resp-0001',
        'Call background.register_agent(''<agent_id>'') from the agent: it becomes running again.',
        0.92, '["docs/background.md"]', 'ai_help_agent', v_start + interval '12 minutes');
    INSERT INTO background.llm_conversations (conversation_id, agent_id, prompt, response, model, tokens_used, cost, timestamp)
    VALUES ('conv-0001', 'ai_help_agent', 'How do I restart a stale agent?', 'Call register_agent ...', 'gpt-4o-mini',
            412, 0.000247, v_start + interval '12 minutes'),
           ('conv-0002', 'coordinator', 'Summarise the fleet state.', 'All four agents are running.', 'gpt-4o-mini',
            230, 0.000138, v_start + interval '30 minutes');

    v_message := background.send_message('coordinator', 'performance_monitor', 'collect_metrics', '{"scope": "fleet"}',
                                         v_start + interval '5 minutes');
    PERFORM background.receive_messages('performance_monitor', 1, v_start + interval '5 minutes 1 second');
    PERFORM background.ack_message(v_message, 'performance_monitor', v_start + interval '5 minutes 2 seconds');
    PERFORM background.send_message('coordinator', 'ai_help_agent', 'help_request', '{"request_id": "help-0001"}',
                                    v_start + interval '10 minutes');
    PERFORM background.receive_messages('ai_help_agent', 1, v_start + interval '10 minutes 1 second');
    v_message := background.send_message('heartbeat_monitor', 'coordinator', 'agent_report', '{"healthy": 4}',
                                         v_start + interval '20 minutes');
    PERFORM background.receive_messages('coordinator', 1, v_start + interval '20 minutes 1 second');
    PERFORM background.fail_message(v_message, 'coordinator', 'report format v1 is no longer supported',
                                    v_start + interval '20 minutes 2 seconds');
    PERFORM background.send_message('coordinator', 'heartbeat_monitor', 'check_agents', '{"threshold_seconds": 120}',
                                    v_now);
END
$seed$;

REFRESH MATERIALIZED VIEW background.agent_health_summary;
