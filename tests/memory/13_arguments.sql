-- memory: bad arguments are refused as bad arguments (docs/core.md "Bad input"): 22004 for a NULL
-- where a value is needed, 22023 for a value that cannot be right, and never 40001, which tells a
-- client to retry (a retrying client would loop forever). 40001 stays what it is: a stale expected
-- version (05_states.sql). Each refusal changes nothing.
BEGIN;
SELECT plan(27);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000d2001', 'argument user');
INSERT INTO memory.agents (id, name, owner_user_id)
VALUES ('0190a0c0-0000-7000-8000-0000000d20a1', 'argued agent', '0190a0c0-0000-7000-8000-0000000d2001');

SET LOCAL ROLE {{ app_role }};
SELECT set_config('agentdb.user_id', '0190a0c0-0000-7000-8000-0000000d2001', TRUE);
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 1}}', 'one', 0);
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 2}}', 'two', 1);
CREATE TEMP TABLE cp AS SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000d20a1') AS id;

-- Expected versions: negative, or a version the state has not reached, is a bad argument.
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 3}}', 'x', -1)$$,
                 '22023', NULL, 'update_agent_state: an expected version of -1 is a bad argument, not 40001');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 3}}', 'x', 3)$$,
                 '22023', NULL, 'update_agent_state: a version the state has not reached is a bad argument, not 40001');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 3}}', 'x', 2147483647)$$,
                 '22023', NULL, 'update_agent_state: so is the largest integer');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', '{"local": {"v": 3}}', 'x', 1)$$,
                 '40001', NULL, 'update_agent_state: a version below the current one is still stale (40001)');
SELECT throws_ok($$SELECT memory.reset_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', ARRAY['local'], 'x', -1)$$,
                 '22023', NULL, 'reset_agent_state: a negative expected version is a bad argument');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1', 1, -1)$$,
                 '22023', NULL, 'rollback_state (to a version): a negative expected version is a bad argument');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1',
                       (SELECT t.id FROM memory.state_transitions AS t
                        WHERE t.agent_id = '0190a0c0-0000-7000-8000-0000000d20a1' AND t.rollback_available), -1)$$,
                 '22023', NULL, 'rollback_state (of a transition): a negative expected version is a bad argument');
SELECT throws_ok($$SELECT memory.restore_checkpoint((SELECT id FROM cp), -1)$$,
                 '22023', NULL, 'restore_checkpoint: a negative expected version is a bad argument');
SELECT throws_ok($$SELECT memory.restore_checkpoint((SELECT id FROM cp), 7)$$,
                 '22023', NULL, 'restore_checkpoint: a version the state has not reached is a bad argument');

-- NULLs where a value is needed, and values that cannot be right.
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', NULL, 'x')$$,
                 '22004', NULL, 'update_agent_state: NULL changes');
SELECT throws_ok($$SELECT memory.reset_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', NULL, 'x')$$,
                 '22004', NULL, 'reset_agent_state: NULL partitions');
SELECT throws_ok($$SELECT memory.reset_agent_state('0190a0c0-0000-7000-8000-0000000d20a1', ARRAY[]::text[], 'x')$$,
                 '22023', NULL, 'reset_agent_state: no partitions');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1', NULL::integer)$$,
                 '22004', NULL, 'rollback_state: a NULL version');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1', 0)$$,
                 '22023', NULL, 'rollback_state: version 0 (versions start at 1)');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1', -3)$$,
                 '22023', NULL, 'rollback_state: a negative version');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000d20a1', NULL::uuid)$$,
                 '22004', NULL, 'rollback_state: a NULL transition');
SELECT throws_ok($$SELECT memory.restore_checkpoint(NULL)$$, '22004', NULL, 'restore_checkpoint: a NULL checkpoint');
SELECT is((SELECT max(version_number) FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000d20a1'), 2,
          'no refused call wrote a version');

SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-0000000d20a1',
                       (SELECT array_agg(1)::{{ extension_schema }}.vector FROM generate_series(1, {{ memory_embedding_dim }})), NULL)$$,
                 '22004', NULL, 'recall_memories: a NULL k');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-0000000d20a1',
                       (SELECT array_agg(1)::{{ extension_schema }}.vector FROM generate_series(1, {{ memory_embedding_dim }})), -5)$$,
                 '22023', NULL, 'recall_memories: a negative k');
SELECT throws_ok($$SELECT * FROM memory.recall_memories('0190a0c0-0000-7000-8000-0000000d20a1',
                       (SELECT array_agg(1)::{{ extension_schema }}.vector FROM generate_series(1, {{ memory_embedding_dim }})), 10,
                       NULL, NULL)$$,
                 '22004', NULL, 'recall_memories: a NULL min_importance');
SELECT throws_ok($$SELECT memory.consolidate_memories(NULL, ARRAY[core.uuidv7()], 'merge', '{}', NULL)$$,
                 '22004', NULL, 'consolidate_memories: a NULL agent');
SELECT throws_ok($$SELECT memory.consolidate_memories('0190a0c0-0000-7000-8000-0000000d20a1', NULL, 'merge', '{}', NULL)$$,
                 '22004', NULL, 'consolidate_memories: NULL sources');
SELECT throws_ok($$SELECT memory.edit_message(NULL, '{"type": "text", "text": "x"}')$$,
                 '22004', NULL, 'edit_message: a NULL message');
SELECT throws_ok($$SELECT memory.use_context_template(NULL)$$, '22004', NULL, 'use_context_template: a NULL template');
SELECT throws_ok($$SELECT * FROM memory.forget_user(NULL)$$, '22004', NULL, 'forget_user: a NULL user');
RESET ROLE;
SELECT throws_ok($$SELECT * FROM memory.backfill_messages_v2(NULL)$$, '22004', NULL, 'backfill_messages_v2: a NULL batch size');
ROLLBACK;
