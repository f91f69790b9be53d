-- A backdated session's agent transfer references its event in the default partition: maintenance
-- rescues the event, the transfer stays intact, and nothing is left to fail at COMMIT (the four
-- statements a new user ran, with times relative to a fixed p_now instead of today). Also through
-- the spec's create_events_partition, and for a session with many transfers.
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE clock AS SELECT '2001-03-05 12:00+00'::timestamptz AS p_now;
INSERT INTO films.users (id, username, email) VALUES ('0190a0c0-0000-7000-8000-00000000c001', 'u1', 'u1@x.invalid');
INSERT INTO films.sessions (id, user_id, started_at)
SELECT '0190a0c0-0000-7000-8000-00000000c002', '0190a0c0-0000-7000-8000-00000000c001', p_now - interval '40 days'
FROM clock;
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c002', 'agent_transfer', '{}'::json, p_agent_name => 'a',
                          p_transfer_to_agent => 'b', p_transfer_reason => 'r',
                          p_created_at => (SELECT p_now - interval '39 days' FROM clock));
CREATE TEMP TABLE transfers_before AS
SELECT * FROM films.agent_transfers WHERE session_id = '0190a0c0-0000-7000-8000-00000000c002';

SELECT is((SELECT tableoid::regclass::text FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000c002'),
          'films.events_default', 'the backdated event waits in the default partition');
SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance((SELECT p_now FROM clock))
      WHERE target = 'films.events' AND action = 'rescue'$$,
    $$VALUES ('rescue', 'films.events_2001_01', 1::bigint, 'ok')$$,
    'maintenance rescues the referenced event'
);
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'and leaves no foreign key check to fail at COMMIT');
SET CONSTRAINTS ALL DEFERRED;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT bag_eq($$SELECT * FROM films.agent_transfers WHERE session_id = '0190a0c0-0000-7000-8000-00000000c002'$$,
              $$SELECT * FROM transfers_before$$,
              'the agent transfer is unchanged');
SELECT is((SELECT e.tableoid::regclass::text FROM films.agent_transfers AS t
           INNER JOIN films.events AS e ON (e.session_id, e.id, e.created_at) = (t.session_id, t.event_id, t.event_created_at)
           WHERE t.session_id = '0190a0c0-0000-7000-8000-00000000c002'),
          'films.events_2001_01', 'and references the event in its partition');
SELECT results_eq(
    $$SELECT DISTINCT outcome FROM core.run_maintenance((SELECT p_now FROM clock)) WHERE target = 'films.events'$$,
    $$VALUES ('ok')$$, 'the next run works as usual'
);

-- A session of last year with a transfer a day, rescued by the spec's function.
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000c003', '0190a0c0-0000-7000-8000-00000000c001', '2000-06-01+00');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000c003', 'agent_transfer', '{}'::json, p_agent_name => 'a',
                          p_transfer_to_agent => 'b', p_created_at => '2000-06-01+00'::timestamptz + g * interval '1 day')
FROM generate_series(0, 29) AS g;
CREATE TEMP TABLE june_transfers AS
SELECT * FROM films.agent_transfers WHERE session_id = '0190a0c0-0000-7000-8000-00000000c003';
SELECT results_eq($$SELECT action, rows FROM films.create_events_partition('2000-06-15')$$,
                  $$VALUES ('rescue', 30::bigint)$$, 'create_events_partition rescues a month of referenced events');
SELECT bag_eq($$SELECT * FROM films.agent_transfers WHERE session_id = '0190a0c0-0000-7000-8000-00000000c003'$$,
              $$SELECT * FROM june_transfers$$, 'with its thirty transfers unchanged');
SELECT is_empty($$SELECT * FROM films.events_default$$, 'the default partition is empty');
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'nothing is left to fail at COMMIT');
ROLLBACK;
