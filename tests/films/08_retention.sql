-- films retention with the spec's names and defaults, at fixed moments; never an active session's data.
BEGIN;
SELECT plan(13);

-- An active session that began long ago, with an event in December 2024.
INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000d001', 'd@example.com', 'd');
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000d002', '0190a0c0-0000-7000-8000-00000000d001', '2024-12-20+00');
SELECT films.create_events_partition('2024-12-01');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000d002', 'user_message', '{}',
                          p_created_at => '2024-12-21+00');

SELECT results_eq(
    $$SELECT partition, outcome FROM films.drop_old_event_partitions(12, '2026-03-01+00')$$,
    $$VALUES ('films.events_2024_12', 'skipped'), ('films.events_2025_01', 'skipped')$$,
    'partitions with events of sessions that are not archived are kept'
);
SELECT is(films.archive_old_sessions(90, '2025-06-01+00'), 1,
          'archive_old_sessions(90) archives the story, which ended in January');
SELECT is((SELECT status FROM films.sessions WHERE id = '0190a0c0-0000-7000-8000-00000000d002'), 'active',
          'and never an active session, however old');
SELECT is(films.archive_old_sessions(90, '2025-06-01+00'), 0, 'archiving again archives nothing more');

SELECT is_empty($$SELECT * FROM films.delete_archived_data(180, '2025-06-01+00') WHERE rows_deleted > 0$$,
                'delete_archived_data(180) deletes nothing archived for less than 180 days');
SELECT results_eq(
    $$SELECT table_name, rows_deleted FROM films.delete_archived_data(180, '2025-09-01+00')$$,
    $$VALUES ('agent_transfers', 4::bigint), ('inferential_reasoning', 3), ('answers', 1), ('questions', 1),
             ('state_snapshots', 2), ('film_projects', 1), ('events', 12), ('sessions', 1)$$,
    'delete_archived_data(180) removes the story and says what it removed, per table'
);
SELECT is((SELECT count(*)::int FROM films.events WHERE session_id = '0190a0c0-0000-7000-8000-00000000d002'), 1,
          'the active session keeps its event');

SELECT results_eq(
    $$SELECT partition, outcome FROM films.drop_old_event_partitions(12, '2026-03-01+00')$$,
    $$VALUES ('films.events_2024_12', 'skipped'), ('films.events_2025_01', 'ok')$$,
    'drop_old_event_partitions(12) drops the emptied month and keeps the active session''s'
);
SELECT ok(to_regclass('films.events_2025_01') IS NULL, 'the old partition is gone');
SELECT results_eq($$SELECT partition, action FROM films.create_events_partition('2031-07-15')$$,
                  $$VALUES ('films.events_2031_07', 'create')$$, 'create_events_partition makes a month''s partition');
-- An event of a month without a partition (a session imported from 2023) waits in the default
-- partition; maintenance moves it, and the agent transfer that references it (by a deferrable key)
-- follows.
INSERT INTO films.sessions (id, user_id, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000d003', '0190a0c0-0000-7000-8000-00000000d001', '2023-03-01+00');
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000d003', 'agent_transfer', '{}', p_agent_name => 'greeter',
                          p_transfer_to_agent => 'critic', p_created_at => '2023-03-03+00');
SELECT results_eq(
    $$SELECT action, partition, rows, outcome FROM core.run_maintenance('2026-06-01+00')
      WHERE target = 'films.events' AND action = 'rescue'$$,
    $$VALUES ('rescue', 'films.events_2023_03', 1::bigint, 'ok')$$,
    'maintenance moves the event out of the default partition'
);
SELECT is((SELECT e.tableoid::regclass::text FROM films.agent_transfers AS t
           INNER JOIN films.events AS e ON e.id = t.event_id AND e.created_at = t.event_created_at
           WHERE t.to_agent = 'critic' AND t.session_id = '0190a0c0-0000-7000-8000-00000000d003'),
          'films.events_2023_03', 'its agent transfer still references it, in its new partition');
SELECT throws_ok($$SELECT films.archive_old_sessions(-1)$$, '22023', NULL, 'negative days are refused');
ROLLBACK;
