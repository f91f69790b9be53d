-- assistant: agent state save / load (the spec's save_agent_state / load_agent_state), the text the
-- client reads back, the queryable jsonb, and updated_at.
BEGIN;
SELECT plan(11);

SELECT is(assistant.load_agent_state('a-1', 'calendar'), '{}'::jsonb, 'a state never saved loads as {}');
SELECT is((assistant.save_agent_state('a-1', 'calendar', '{"pending": {"title": "Dentist"}}', '2026-05-01+00')).updated_at,
          '2026-05-01+00'::timestamptz, 'saving a state for a session that does not exist works, at p_now');
SELECT is(assistant.load_agent_state('a-1', 'calendar'), '{"pending": {"title": "Dentist"}}'::jsonb,
          'load returns what was saved');
SELECT is((assistant.save_agent_state('a-1', 'calendar', '{"pending": null}', '2026-05-02+00')).state,
          '{"pending": null}'::jsonb, 'saving again replaces the state');
SELECT is((SELECT count(*)::int FROM assistant.agent_states WHERE session_id = 'a-1'), 1, 'in the same row');
SELECT is(assistant.load_agent_state('a-1', 'general'), '{}'::jsonb, 'another agent of the session has its own state');

-- The spec's client writes json.dumps text directly and reads it back verbatim.
INSERT INTO assistant.agent_states (session_id, agent_type, state_data)
VALUES ('a-2', 'router', '{"last_agent": "calendar", "turns": 7}');
SELECT is((SELECT state_data FROM assistant.agent_states WHERE session_id = 'a-2'),
          '{"last_agent": "calendar", "turns": 7}', 'state_data comes back exactly as written');
SELECT is((SELECT session_id FROM assistant.agent_states WHERE state @> '{"turns": 7}'), 'a-2',
          'and the state is queryable as jsonb');
INSERT INTO assistant.agent_states (session_id, agent_type) VALUES ('a-3', 'router');
SELECT is(assistant.load_agent_state('a-3', 'router'), '{}'::jsonb, 'a row without state_data loads as {}');

UPDATE assistant.agent_states SET state_data = '{"turns": 4}', updated_at = '2026-01-01+00' WHERE session_id = 'a-2';
SELECT is((SELECT updated_at FROM assistant.agent_states WHERE session_id = 'a-2'), '2026-01-01+00'::timestamptz,
          'an update that sets updated_at (the spec''s func.now()) keeps it');
UPDATE assistant.agent_states SET state_data = '{"turns": 5}' WHERE session_id = 'a-2';
SELECT is((SELECT updated_at FROM assistant.agent_states WHERE session_id = 'a-2'), now(),
          'an update that does not is stamped by the trigger');
SELECT * FROM finish();
ROLLBACK;
