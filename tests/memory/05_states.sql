-- memory: versioned agent state. Versions, hashes, transitions with their rollback data, stale
-- writers (40001), rollbacks and checkpoint restores equal to the state they came from, time travel,
-- checkpoint retention, and the refusals. Run by a member of the owner role, whose times are kept as
-- given: the application's clock rule is 12_clock.sql, bad arguments 13_arguments.sql.
BEGIN;
SELECT plan(31);

INSERT INTO memory.users (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000ab001', 'state owner');
INSERT INTO memory.agents (id, name, owner_user_id)
VALUES ('0190a0c0-0000-7000-8000-0000000ab0a1', 'stateful agent', '0190a0c0-0000-7000-8000-0000000ab001');

SELECT results_eq(
    $$SELECT version_number, version, local_state, shared_state, modification_count, is_current, valid_until
      FROM memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1',
                                     '{"local": {"goal": "draft", "step": 1}, "shared": {"team": "blue"}}', 'start', 0,
                                     '2026-03-01 10:00+00')$$,
    $$VALUES (1, '1', '{"goal": "draft", "step": 1}'::jsonb, '{"team": "blue"}'::jsonb, 3, TRUE, NULL::timestamptz)$$,
    'the first update makes version 1 from the empty state (expected version 0)'
);
SELECT results_eq(
    $$SELECT version_number, local_state, session_state, persistent_state, modification_count
      FROM memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1',
                                     '{"local": {"step": 2, "goal": null}, "session": {"topic": "tea"}, "persistent": {"name": "Ada"}}',
                                     'progress', 1, '2026-03-01 11:00+00')$$,
    $$VALUES (2, '{"step": 2}'::jsonb, '{"topic": "tea"}'::jsonb, '{"name": "Ada"}'::jsonb, 7)$$,
    'an update applies its delta (null removes a key) to every partition it names'
);
SELECT results_eq(
    $$SELECT version_number, is_current, valid_from, valid_until FROM memory.agent_states
      WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' ORDER BY version_number$$,
    $$VALUES (1, FALSE, '2026-03-01 10:00+00'::timestamptz, '2026-03-01 11:00+00'::timestamptz),
             (2, TRUE, '2026-03-01 11:00+00'::timestamptz, NULL)$$,
    'the previous version is closed when the next opens: exactly one current'
);
SELECT results_eq(
    $$SELECT transition_type, trigger, changes, rollback_available, rollback_data FROM memory.state_transitions
      WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' ORDER BY created_at$$,
    $$VALUES ('update', 'start', '{"local": {"goal": "draft", "step": 1}, "shared": {"team": "blue"}}'::jsonb, FALSE, NULL::jsonb),
             ('update', 'progress',
              '{"local": {"goal": null, "step": 2}, "session": {"topic": "tea"}, "persistent": {"name": "Ada"}}'::jsonb, TRUE,
              '{"local": {"goal": "draft", "step": 1}, "session": {"topic": null}, "persistent": {"name": null}}'::jsonb)$$,
    'each transition records its changes and the rollback data that undoes them'
);
SELECT is((SELECT state_hash FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND is_current),
          encode(sha256(convert_to('[{"step": 2}, {"team": "blue"}, {"topic": "tea"}, {"name": "Ada"}]', 'UTF8')), 'hex'),
          'state_hash is the SHA-256 of the canonical [local, shared, session, persistent]');

-- Refusals, each changing nothing.
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": {"x": 1}}', 'stale', 1,
                                                    '2026-03-01 12:00+00')$$,
                 '40001', NULL, 'a stale expected version is refused as a serialization failure');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"global": {"x": 1}}', 'bad')$$,
                 '22023', NULL, 'an unknown state partition is refused');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": [1]}', 'bad')$$,
                 '22023', NULL, 'a partition delta that is not an object is refused');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '[]', 'bad')$$,
                 '22023', NULL, 'changes that are not an object are refused');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": {"x": 1}}', 'never', NULL,
                                                    'infinity')$$,
                 '22008', NULL, 'an infinite time is refused (core.check_clock)');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": {"x": 1}}', 'never', NULL,
                                                    NULL)$$,
                 '22004', NULL, 'a NULL time is refused (core.check_clock)');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": {"x": 1}}', repeat('t', 51))$$,
                 '23514', NULL, 'a trigger label over 50 characters is refused');
SELECT throws_ok($$SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000000ff', '{}', 'ghost')$$,
                 'P0002', NULL, 'an unknown agent is refused');
SELECT throws_ok($$SELECT memory.update_agent_state(NULL, '{}', 'ghost')$$, '22004', NULL, 'a NULL agent is refused');
SELECT is((SELECT max(version_number) FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1'), 2,
          'no refused update wrote a version');

-- Checkpoint, more changes, rollbacks and restore: each equal to the state it came from.
CREATE TEMP TABLE cp AS
SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000ab0a1', 'milestone', 'before the rewrite', 'permanent',
                                '2026-03-01 11:30+00') AS id;
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', '{"local": {"step": 3}, "shared": {"team": null}}',
                                 'rewrite', 2, '2026-03-01 12:00+00');
SELECT results_eq(
    $$SELECT version_number, state_hash FROM memory.rollback_state('0190a0c0-0000-7000-8000-0000000ab0a1', 1, 3,
                                                                   '2026-03-01 13:00+00')$$,
    $$SELECT 4, state_hash FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND version_number = 1$$,
    'rollback to version 1 writes version 4 equal to version 1'
);
SELECT results_eq(
    $$SELECT version_number, state_hash FROM memory.rollback_state('0190a0c0-0000-7000-8000-0000000ab0a1',
          (SELECT t.id FROM memory.state_transitions AS t JOIN memory.agent_states AS s ON s.id = t.to_state_id
           WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND s.version_number = 3), NULL, '2026-03-01 14:00+00')$$,
    $$SELECT 5, state_hash FROM memory.agent_states WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND version_number = 2$$,
    'rolling back the transition to version 3 writes version 5 equal to version 2'
);
SELECT results_eq(
    $$SELECT transition_type, trigger FROM memory.state_transitions AS t JOIN memory.agent_states AS s ON s.id = t.to_state_id
      WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND s.version_number IN (4, 5) ORDER BY s.version_number$$,
    $$VALUES ('restore', 'rollback to version 1'), ('restore', 'rollback of ' ||
          (SELECT t.id FROM memory.state_transitions AS t JOIN memory.agent_states AS s ON s.id = t.to_state_id
           WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND s.version_number = 3))$$,
    'rollbacks are restore transitions'
);
SELECT memory.reset_agent_state('0190a0c0-0000-7000-8000-0000000ab0a1', ARRAY['local', 'session'], 'new day', 5,
                                '2026-03-02 00:00+00');
SELECT results_eq(
    $$SELECT s.local_state, s.session_state, s.persistent_state, t.transition_type
      FROM memory.agent_states AS s JOIN memory.state_transitions AS t ON t.to_state_id = s.id
      WHERE s.agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND s.is_current$$,
    $$VALUES ('{}'::jsonb, '{}'::jsonb, '{"name": "Ada"}'::jsonb, 'reset')$$,
    'reset empties the partitions named, keeps the others'
);
SELECT results_eq(
    $$SELECT r.version_number, r.state_hash, c.state_data ->> 'state_hash'
      FROM memory.restore_checkpoint((SELECT id FROM cp), 6, '2026-03-02 01:00+00') AS r,
           memory.state_checkpoints AS c WHERE c.id = (SELECT id FROM cp)$$,
    $$SELECT 7, state_hash, state_hash FROM memory.agent_states
      WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND version_number = 2$$,
    'restoring the checkpoint writes version 7 equal to the version it saved'
);
SELECT results_eq(
    $$SELECT checkpoint_type, retention_policy, expires_at, restoration_count, restoration_time_ms >= 0, size_bytes > 0
      FROM memory.state_checkpoints WHERE id = (SELECT id FROM cp)$$,
    $$VALUES ('milestone', 'permanent', NULL::timestamptz, 1, TRUE, TRUE)$$,
    'the checkpoint counts its restoration and its measured duration'
);
SELECT throws_ok($$SELECT memory.restore_checkpoint('0190a0c0-0000-7000-8000-0000000000ff')$$,
                 'P0002', NULL, 'restoring an unknown checkpoint is refused');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000ab0a1', 99)$$,
                 'P0002', NULL, 'rolling back to a version that does not exist is refused');
SELECT throws_ok($$SELECT memory.rollback_state('0190a0c0-0000-7000-8000-0000000ab0a1',
          (SELECT t.id FROM memory.state_transitions AS t WHERE t.agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1' AND NOT t.rollback_available))$$,
                 '55000', NULL, 'the first transition cannot be rolled back');
SELECT throws_ok($$SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000ab0a1', 'hourly')$$,
                 '23514', NULL, 'an unknown checkpoint type is refused');

-- Time travel.
SELECT results_eq(
    $$SELECT version_number FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000ab0a1', '2026-03-01 11:59+00')$$,
    $$VALUES (2)$$, 'agent_state_at: the version valid at a time');
SELECT is_empty($$SELECT * FROM memory.agent_state_at('0190a0c0-0000-7000-8000-0000000ab0a1', '2026-02-28+00')$$,
                'no state before the first version');

-- A writer whose clock is behind the current version's start (it queued behind a later transaction).
INSERT INTO memory.agents (id, name) VALUES ('0190a0c0-0000-7000-8000-0000000ab0a2', 'late agent');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a2', '{"local": {"x": 1}}', 'first', NULL, '2026-03-01 10:00+00');
SELECT memory.update_agent_state('0190a0c0-0000-7000-8000-0000000ab0a2', '{"local": {"x": 2}}', 'late', NULL, '2026-03-01 09:00+00');
SELECT results_eq(
    $$SELECT version_number, valid_from, valid_until FROM memory.agent_states
      WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a2' ORDER BY version_number$$,
    $$VALUES (1, '2026-03-01 10:00+00'::timestamptz, '2026-03-01 10:00+00'::timestamptz),
             (2, '2026-03-01 10:00+00'::timestamptz, NULL)$$,
    'a version never starts before its predecessor: validity intervals do not overlap'
);

-- Checkpoint retention by core maintenance.
SELECT memory.create_checkpoint('0190a0c0-0000-7000-8000-0000000ab0a1', 'automatic', NULL, 'temporary', '2026-03-02 02:00+00');
SELECT is((SELECT expires_at FROM memory.state_checkpoints WHERE checkpoint_type = 'automatic'
           AND agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1'),
          '2026-03-02 02:00+00'::timestamptz + interval '{{ memory_checkpoint_ttl_days }} days',
          'a temporary checkpoint expires after memory_checkpoint_ttl_days');
SELECT results_eq(
    $$SELECT rows, outcome FROM core.run_maintenance('2026-03-02 02:00+00'::timestamptz + interval '{{ memory_checkpoint_ttl_days }} days')
      WHERE target = 'memory.expire_checkpoints(timestamp with time zone)'$$,
    $$VALUES (1::bigint, 'ok')$$,
    'core maintenance removes it once expired'
);
SELECT is((SELECT count(*)::int FROM memory.state_checkpoints WHERE agent_id = '0190a0c0-0000-7000-8000-0000000ab0a1'), 1,
          'the permanent checkpoint stays');
ROLLBACK;
