-- films.append_event names sessions.state in its update only when the event changes the session
-- state: an event without a delta, or with app:/user:/temp: keys only, leaves the state column out,
-- so triggers on UPDATE OF state (film projects) are not fired and a large state is not read for
-- them. An event that changes the session state still fires them.
BEGIN;
SELECT plan(5);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000c001', 'c@example.com', 'c');
INSERT INTO films.sessions (id, app_name, user_id, state, started_at) VALUES
    ('0190a0c0-0000-7000-8000-00000000c002', 'column', '0190a0c0-0000-7000-8000-00000000c001',
     '{"PLOT_OUTLINE": "Act 1"}', now() - interval '1 hour');

-- Counts the updates of films.sessions that name the state column, in a setting (no table: the
-- trigger runs inside append_event as its owner).
CREATE FUNCTION tests.count_state_updates() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('tests.state_updates',
                       (coalesce(nullif(current_setting('tests.state_updates', TRUE), ''), '0')::integer + 1)::text,
                       TRUE);
    RETURN NULL;
END
$$;
CREATE TRIGGER count_state_updates AFTER UPDATE OF state ON films.sessions
FOR EACH ROW EXECUTE FUNCTION tests.count_state_updates();
SELECT set_config('tests.state_updates', '0', TRUE);

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'agent_response', '{"text": "no delta"}');
SELECT is(current_setting('tests.state_updates'), '0',
          'an event without a delta does not name the state in its update');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'state_update', '{}',
                          '{"app:tone": "dry", "user:lang": "de", "temp:scratch": 1}');
SELECT is(current_setting('tests.state_updates'), '0',
          'an event whose delta has only app:, user: and temp: keys does not name the state either');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'state_update', '{}', '{"PLOT_OUTLINE": "Act 2"}');
SELECT is(current_setting('tests.state_updates'), '1',
          'an event that changes the session state names it: UPDATE OF state triggers fire');

SELECT results_eq(
    $$SELECT state, total_events, last_sequence FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000c002'$$,
    $$VALUES ('{"PLOT_OUTLINE": "Act 2"}'::jsonb, 3, 3)$$,
    'the state holds the session delta and the counters count all three events'
);

SELECT results_eq(
    $$SELECT (SELECT state FROM films.app_states WHERE app_name = 'column'),
             (SELECT state FROM films.user_states WHERE app_name = 'column')$$,
    $$VALUES ('{"tone": "dry"}'::jsonb, '{"lang": "de"}'::jsonb)$$,
    'the scoped keys of the second event reached their scopes'
);
ROLLBACK;
