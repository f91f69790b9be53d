-- memory: the application's clock (docs/core.md "The clock", core.application_time) on every p_now the
-- application can pass to a function that writes: more than clock_skew_seconds after the server's
-- clock is refused with 22023; within it the time is recorded as now(), so agent_state_at(agent, now())
-- is the current version; earlier times are kept; members of the owner role may date ahead.
-- Times are relative to this transaction's now() and the statement's statement_timestamp(), so the
-- file holds on any date.
BEGIN;
SELECT plan(27);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000d1001', 'clock user');
INSERT INTO memory.agents (id, name, owner_user_id)
VALUES ('0190a0c0-0000-7000-8000-0000000d10a1', 'clocked agent', '0190a0c0-0000-7000-8000-0000000d1001');

SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000d1001', TRUE);

-- State versions: two in the past, as given.
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 1}}', 'one', 0,
                                 now() - interval '2 hours');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 2}}', 'two', 1,
                                 now() - interval '1 hour');
SELECT results_eq(
    $$SELECT version_number, valid_from FROM memory.agent_states
      WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a1' ORDER BY version_number$$,
    $$VALUES (1, now() - interval '2 hours'), (2, now() - interval '1 hour')$$,
    'the application may date a version in the past: it is kept as given'
);
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 3}}', 'ahead', 2,
                                                    now() + interval '23 hours')$$,
                 '22023', NULL, 'a version dated 23 hours ahead is refused (22023)');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 3}}', 'ahead', 2,
                       statement_timestamp() + interval '{{ clock_skew_seconds }} seconds' + interval '1 microsecond')$$,
                 '22023', NULL, 'so is one a microsecond beyond the allowed skew');
SELECT results_eq(
    $$SELECT version_number, is_current FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000d10a1', now())$$,
    $$VALUES (2, TRUE)$$,
    'after the refusals agent_state_at(agent, now()) is the current version'
);
SELECT results_eq(
    $$SELECT version_number, valid_from = now(), created_at = now()
      FROM memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 3}}', 'fast clock', 2,
                                     statement_timestamp() + interval '{{ clock_skew_seconds }} seconds')$$,
    $$VALUES (3, TRUE, TRUE)$$,
    'a version dated within the skew is accepted and recorded at now()'
);
SELECT results_eq(
    $$SELECT version_number, is_current FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000d10a1', now())$$,
    $$VALUES (3, TRUE)$$,
    'agent_state_at(agent, now()) is the version just written'
);
SELECT results_eq(
    $$SELECT version_number FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000d10a1', now() - interval '90 minutes')$$,
    $$VALUES (1)$$,
    'and agent_state_at of an earlier time the version valid then'
);
SELECT is(
    (SELECT count(*)::int FROM memory.agent_states AS s
     LEFT JOIN memory.agent_states AS n ON n.agent_id = s.agent_id AND n.version_number = s.version_number + 1
     WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000d10a1'
       AND (s.valid_from > now() OR s.valid_until IS DISTINCT FROM n.valid_from)),
    0,
    'no version starts after now(), and each ends where the next starts'
);

-- Every other writer of state and checkpoints.
SELECT throws_ok($$SELECT memory.reset_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', ARRAY['local'], 'ahead', NULL,
                                                   now() + interval '1 day')$$,
                 '22023', NULL, 'reset_agent_state refuses a time beyond the skew');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d10a1', 1, NULL, now() + interval '1 day')$$,
                 '22023', NULL, 'rollback_state to a version refuses it');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d10a1',
                       (SELECT t.id FROM memory.state_transitions AS t JOIN memory.agent_states AS s ON s.id = t.to_state_id
                        WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000d10a1' AND s.version_number = 2),
                       NULL, now() + interval '1 day')$$,
                 '22023', NULL, 'rollback_state of a transition refuses it');
SELECT throws_ok($$SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000d10a1', 'manual', NULL, 'temporary',
                                                   now() + interval '1 day')$$,
                 '22023', NULL, 'create_checkpoint refuses it (it would also put off the checkpoint''s expiry)');
CREATE TEMP TABLE cp AS
SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000d10a1', 'manual', NULL, 'temporary',
                                statement_timestamp() + interval '{{ clock_skew_seconds }} seconds') AS id;
SELECT results_eq(
    $$SELECT created_at, expires_at FROM memory.state_checkpoints WHERE id = (SELECT id FROM cp)$$,
    $$VALUES (now(), now() + interval '{{ memory_checkpoint_ttl_days }} days')$$,
    'a checkpoint dated within the skew is taken at now() and expires from then'
);
SELECT throws_ok($$SELECT memory.restore_checkpoint((SELECT id FROM cp), NULL, now() + interval '1 day')$$,
                 '22023', NULL, 'restore_checkpoint refuses a time beyond the skew');
SELECT is((SELECT max(version_number) FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a1'), 3,
          'no refused call wrote a version');
SELECT results_eq(
    $$SELECT version_number, valid_from = now() FROM memory.restore_checkpoint((SELECT id FROM cp), 3,
                                                       statement_timestamp() + interval '{{ clock_skew_seconds }} seconds')$$,
    $$VALUES (4, TRUE)$$,
    'restore_checkpoint within the skew writes a version starting at now()'
);

-- Memories: remember, recall (it writes last_accessed) and consolidate.
SELECT throws_ok($$SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a1', 'semantic', '{"concept": "x", "definition": "y"}',
                                          NULL, p_now => now() + interval '1 day')$$,
                 '22023', NULL, 'remember refuses a time beyond the skew');
CREATE TEMP TABLE mem AS
SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a1', 'semantic', '{"concept": "tea", "definition": "a drink"}',
                       NULL, p_now => now() - interval '3 days') AS id
UNION ALL
SELECT memory.remember('0190a0c0-0000-7000-8000-0000000d10a1', 'semantic', '{"concept": "cake", "definition": "food"}',
                       NULL, p_now => statement_timestamp() + interval '{{ clock_skew_seconds }} seconds');
SELECT results_eq(
    $$SELECT content ->> 'concept', created_at, last_accessed FROM memory.agent_memories
      WHERE id IN (SELECT id FROM mem) ORDER BY created_at$$,
    $$VALUES ('tea', now() - interval '3 days', now() - interval '3 days'), ('cake', now(), now())$$,
    'remember keeps an earlier time and records one within the skew as now()'
);
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-0000000d10a1',
                       (SELECT array_agg(1)::{{ extension_schema }}.vector FROM generate_series(1, {{ memory_embedding_dim }})),
                       p_now => now() + interval '1 day')$$,
                 '22023', NULL, 'recall_memories refuses a time beyond the skew (it would stop the decay until then)');
SELECT throws_ok($$SELECT memory.consolidate_memories('0190a0c0-0000-7000-8000-0000000d10a1', ARRAY(SELECT id FROM mem), 'merge',
                       '{"concept": "tea time", "definition": "tea and cake"}', NULL, p_now => now() + interval '1 day')$$,
                 '22023', NULL, 'consolidate_memories refuses it');
SELECT is((SELECT count(*)::int FROM memory.agent_memories WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d10a1'), 2,
          'no refused call wrote a memory');
CREATE TEMP TABLE merged AS
SELECT memory.consolidate_memories('0190a0c0-0000-7000-8000-0000000d10a1', ARRAY(SELECT id FROM mem), 'merge',
                                   '{"concept": "tea time", "definition": "tea and cake"}', NULL,
                                   p_now => statement_timestamp() + interval '{{ clock_skew_seconds }} seconds') AS id;
SELECT results_eq(
    $$SELECT m.created_at, c.created_at FROM merged AS n
      JOIN memory.agent_memories AS m ON m.id = n.id
      JOIN memory.memory_consolidations AS c ON c.consolidated_memory_id = n.id$$,
    $$VALUES (now(), now())$$,
    'consolidate_memories within the skew records the memory and its consolidation at now()'
);

-- NULL and non-finite times keep their codes (core.check_clock).
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 5}}', 'never', NULL,
                                                    'infinity')$$,
                 '22008', NULL, 'an infinite time is refused with 22008');
SELECT throws_ok($$SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000d10a1', p_now => NULL)$$,
                 '22004', NULL, 'a NULL time with 22004');

-- Members of the owner role (tests, imports) may date ahead.
RESET ROLE;
SELECT results_eq(
    $$SELECT valid_from FROM memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 5}}', 'import', 4,
                                                       now() + interval '1 day')$$,
    $$VALUES (now() + interval '1 day')$$,
    'a member of the owner role may date a version ahead: kept as given'
);
SET LOCAL ROLE {{ app_role }};
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d10a1', '{"local": {"v": 6}}', 'ahead', 5,
                                                    now() + interval '2 days')$$,
                 '22023', NULL, 'the application still may not');
SELECT is((SELECT core.application_time(now() - interval '1 day')), now() - interval '1 day',
          'core.application_time returns an earlier time as it is');
ROLLBACK;
