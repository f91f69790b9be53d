-- Every CHECK, NOT NULL, key and foreign key of background with its SQLSTATE; refused writes change
-- nothing; what the spec's writers rely on (no foreign key on events, messages and responders,
-- floats into numeric, the defaults) is accepted.
BEGIN;
SELECT plan(39);

INSERT INTO background.agents (agent_id, state, started_at) VALUES ('c-agent', 'running', '2026-05-01+00');
INSERT INTO background.help_requests (request_id, user_id, content) VALUES ('c-req', 'u1', 'help?');
CREATE TEMP TABLE counts_before AS
SELECT (SELECT count(*) FROM background.agents) AS agents,
       (SELECT count(*) FROM background.agent_heartbeats) AS heartbeats,
       (SELECT count(*) FROM background.performance_metrics) AS metrics,
       (SELECT count(*) FROM background.system_events) AS events,
       (SELECT count(*) FROM background.help_requests) AS requests,
       (SELECT count(*) FROM background.help_responses) AS responses,
       (SELECT count(*) FROM background.agent_communications) AS messages,
       (SELECT count(*) FROM background.llm_conversations) AS llm,
       (SELECT count(*) FROM background.system_state) AS state;

-- agents
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('c-x', 'sleeping')$$, '23514', NULL,
                 'an unknown agent state is refused');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('', 'running')$$, '23514', NULL,
                 'an empty agent_id is refused');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES (repeat('a', 256), 'running')$$, '23514', NULL,
                 'an agent_id longer than 255 is refused');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('c-x', NULL)$$, '23502', NULL,
                 'an agent needs a state');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state, config) VALUES ('c-x', 'running', '[1]')$$, '23514', NULL,
                 'config must be an object');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state, started_at, stopped_at)
                   VALUES ('c-x', 'stopped', '2026-05-02+00', '2026-05-01+00')$$, '23514', NULL,
                 'an agent cannot stop before it started');
SELECT throws_ok($$INSERT INTO background.agents (agent_id, state) VALUES ('c-agent', 'running')$$, '23505', NULL,
                 'agent_id is unique');
-- heartbeats
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('nobody', now())$$, '23503', NULL,
                 'a heartbeat of an unregistered agent is refused');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp, error_count) VALUES ('c-agent', now(), -1)$$,
                 '23514', NULL, 'a negative error count is refused');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('c-agent', 'infinity')$$,
                 '23514', NULL, 'an infinite heartbeat time is refused');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('c-agent', '294276-01-01')$$,
                 '23514', NULL, 'an absurd heartbeat time is refused');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('c-agent', NULL)$$,
                 '23502', NULL, 'a heartbeat needs a time');
SELECT throws_ok($$INSERT INTO background.agent_heartbeats (agent_id, timestamp, metrics) VALUES ('c-agent', now(), '"x"')$$,
                 '23514', NULL, 'heartbeat metrics must be an object');
-- metrics
SELECT throws_ok($$INSERT INTO background.performance_metrics (agent_id, metric_name, value) VALUES ('nobody', 'cpu', 1)$$,
                 '23503', NULL, 'a metric of an unregistered agent is refused');
SELECT throws_ok($$INSERT INTO background.performance_metrics (agent_id, metric_name, value) VALUES ('c-agent', 'cpu', 'NaN')$$,
                 '23514', NULL, 'a NaN metric is refused');
SELECT throws_ok($$INSERT INTO background.performance_metrics (agent_id, metric_name, value) VALUES ('c-agent', '', 1)$$,
                 '23514', NULL, 'an empty metric name is refused');
-- events
SELECT throws_ok($$INSERT INTO background.system_events (event_type, severity) VALUES ('x', 'FATAL')$$, '23514', NULL,
                 'an unknown severity is refused');
SELECT throws_ok($$INSERT INTO background.system_events (event_type, severity) VALUES ('x', 'error')$$, '23514', NULL,
                 'severity is upper case, as the spec writes it');
SELECT throws_ok($$INSERT INTO background.system_events (event_type) VALUES (NULL)$$, '23502', NULL,
                 'an event needs a type');
-- help
SELECT throws_ok($$INSERT INTO background.help_requests (request_id, user_id, content, status) VALUES ('c-2', 'u', 'x', 'done')$$,
                 '23514', NULL, 'an unknown help status is refused');
SELECT throws_ok($$INSERT INTO background.help_requests (request_id, user_id, content, priority) VALUES ('c-2', 'u', 'x', 'asap')$$,
                 '23514', NULL, 'an unknown priority is refused');
SELECT throws_ok($$INSERT INTO background.help_requests (request_id, user_id, content) VALUES ('c-2', 'u', NULL)$$,
                 '23502', NULL, 'a help request needs content');
SELECT throws_ok($$INSERT INTO background.help_requests (request_id, user_id, content) VALUES ('c-req', 'u', 'again')$$,
                 '23505', NULL, 'request_id is unique');
SELECT throws_ok($$INSERT INTO background.help_responses (request_id, response_id, content, confidence_score)
                   VALUES ('c-req', 'c-resp', 'a', 1.5)$$, '23514', NULL, 'a confidence above 1 is refused');
SELECT throws_ok($$INSERT INTO background.help_responses (request_id, response_id, content, confidence_score)
                   VALUES ('c-req', 'c-resp', 'a', -0.1)$$, '23514', NULL, 'a negative confidence is refused');
SELECT throws_ok($$INSERT INTO background.help_responses (request_id, response_id, content) VALUES ('nope', 'c-resp', 'a')$$,
                 '23503', NULL, 'a response to an unknown request is refused');
-- messages
SELECT throws_ok($$INSERT INTO background.agent_communications (from_agent, to_agent, message_type, status)
                   VALUES ('a', 'b', 't', 'lost')$$, '23514', NULL, 'an unknown message status is refused');
SELECT throws_ok($$INSERT INTO background.agent_communications (from_agent, to_agent, message_type, status)
                   VALUES ('a', 'b', 't', 'failed')$$, '23514', NULL, 'a failed message needs a reason');
SELECT throws_ok($$INSERT INTO background.agent_communications (from_agent, to_agent, message_type, failure_reason)
                   VALUES ('a', 'b', 't', 'why')$$, '23514', NULL, 'only a failed message has a reason');
-- LLM
SELECT throws_ok($$INSERT INTO background.llm_conversations (conversation_id, prompt, tokens_used) VALUES ('c', 'p', -1)$$,
                 '23514', NULL, 'negative tokens are refused');
SELECT throws_ok($$INSERT INTO background.llm_conversations (conversation_id, prompt, cost) VALUES ('c', 'p', -0.01)$$,
                 '23514', NULL, 'a negative cost is refused');
SELECT throws_ok($$INSERT INTO background.llm_conversations (conversation_id, prompt, cost) VALUES ('c', 'p', 'Infinity')$$,
                 '23514', NULL, 'an infinite cost is refused');
SELECT throws_ok($$INSERT INTO background.system_state (key, value) VALUES ('', '1')$$, '23514', NULL,
                 'an empty state key is refused');

SELECT results_eq(
    $$SELECT (SELECT count(*) FROM background.agents), (SELECT count(*) FROM background.agent_heartbeats),
             (SELECT count(*) FROM background.performance_metrics), (SELECT count(*) FROM background.system_events),
             (SELECT count(*) FROM background.help_requests), (SELECT count(*) FROM background.help_responses),
             (SELECT count(*) FROM background.agent_communications), (SELECT count(*) FROM background.llm_conversations),
             (SELECT count(*) FROM background.system_state)$$,
    $$SELECT * FROM counts_before$$,
    'no refused write changed anything'
);

-- What the spec's writers rely on.
SELECT lives_ok($$INSERT INTO background.system_events (event_type, agent_id) VALUES ('orphan', 'never-registered')$$,
                'an event of an unregistered agent is logged (no foreign key)');
SELECT lives_ok($$INSERT INTO background.help_responses (request_id, response_id, content, agent_id)
                  VALUES ('c-req', 'c-resp', 'answer', 'never-registered')$$,
                'a response from an unregistered agent is stored');
SELECT lives_ok($$INSERT INTO background.agent_communications (from_agent, to_agent, message_type)
                  VALUES ('never-registered', 'nobody-either', 'ping')$$,
                'messages between unregistered agents are queued');
INSERT INTO background.performance_metrics (agent_id, metric_name, value, timestamp)
VALUES ('c-agent', 'cpu_usage', 25.5::float8, now());
SELECT is((SELECT value FROM background.performance_metrics WHERE agent_id = 'c-agent'), 25.5,
          'a float sent into the numeric value is stored as that number');
INSERT INTO background.agent_heartbeats (agent_id, timestamp) VALUES ('c-agent', now());
DELETE FROM background.agents WHERE agent_id = 'c-agent';
SELECT is((SELECT count(*)::int FROM background.agent_heartbeats WHERE agent_id = 'c-agent')
          + (SELECT count(*)::int FROM background.performance_metrics WHERE agent_id = 'c-agent'), 0,
          'deleting an agent deletes its heartbeats and metrics (ON DELETE CASCADE)');
ROLLBACK;
