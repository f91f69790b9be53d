-- assistant: the calendar. Conflict search checked against the spec's own predicate (start < end
-- and end > start) by brute force on generated events, touching boundaries, all-day events,
-- the date-range listing, title search, and book_event's refusals (its race is in pytest).
BEGIN;
SELECT plan(17);

-- 2,000 events in May 2031 (the generated volume ends in 2028; the brute force reads only events
-- from 2031 on): random starts on a 5-minute grid, 5 to 240 minutes long, every 20th all day, so
-- boundaries touch often.
SELECT setseed(0.17);
CREATE TEMP TABLE generated AS
SELECT g, '2031-05-01+00'::timestamptz + (floor(random() * 8640) * interval '5 minutes') AS start_time,
       (5 + floor(random() * 48) * 5) * interval '1 minute' AS length, g % 20 = 0 AS all_day
FROM generate_series(1, 2000) AS g;
INSERT INTO assistant.calendar_events (title, start_time, end_time, all_day)
SELECT 'generated ' || g, start_time, start_time + length, all_day FROM generated;
CREATE TEMP TABLE probes AS
SELECT p, '2031-05-01+00'::timestamptz + (floor(random() * 8640) * interval '5 minutes') AS q_start,
       (5 + floor(random() * 36) * 5) * interval '1 minute' AS q_length
FROM generate_series(1, 300) AS p;

SELECT is((SELECT count(*)::int FROM assistant.calendar_events
           WHERE title LIKE 'generated %' AND all_day AND ((start_time AT TIME ZONE 'UTC')::time <> '00:00' OR (end_time AT TIME ZONE 'UTC')::time <> '00:00')), 0,
          'all-day events were rounded out to midnights');
SELECT is_empty(
    $$SELECT p.p, e.id FROM probes AS p, assistant.calendar_events AS e
      WHERE e.start_time < p.q_start + p.q_length AND e.end_time > p.q_start AND e.start_time >= '2031-01-01+00'
      EXCEPT
      SELECT p.p, c.id FROM probes AS p, LATERAL assistant.find_conflicts(p.q_start, p.q_start + p.q_length) AS c$$,
    'find_conflicts misses none of the spec predicate''s conflicts over 300 probes'
);
SELECT is_empty(
    $$SELECT p.p, c.id FROM probes AS p, LATERAL assistant.find_conflicts(p.q_start, p.q_start + p.q_length) AS c
      EXCEPT
      SELECT p.p, e.id FROM probes AS p, assistant.calendar_events AS e
      WHERE e.start_time < p.q_start + p.q_length AND e.end_time > p.q_start AND e.start_time >= '2031-01-01+00'$$,
    'and reports nothing the spec predicate does not'
);
SELECT cmp_ok((SELECT count(*)::int FROM probes AS p, assistant.calendar_events AS e
               WHERE e.start_time < p.q_start + p.q_length AND e.end_time > p.q_start
                 AND e.start_time >= '2031-01-01+00'), '>', 300,
              'the probes do hit events (the comparison is not vacuous)');
SELECT cmp_ok((SELECT count(*)::int FROM probes AS p, assistant.calendar_events AS e
               WHERE (e.end_time = p.q_start OR e.start_time = p.q_start + p.q_length)
                 AND e.start_time >= '2031-01-01+00'), '>', 10,
              'and many touch an event at a boundary');

-- Touching boundaries, by hand.
SELECT assistant.create_event('Standup', '2031-07-01 09:00+00', '2031-07-01 10:00+00');
SELECT is_empty($$SELECT * FROM assistant.find_conflicts('2031-07-01 10:00+00', '2031-07-01 11:00+00')$$,
                'an event ending at 10:00 does not conflict with a slot starting at 10:00');
SELECT is_empty($$SELECT * FROM assistant.find_conflicts('2031-07-01 08:00+00', '2031-07-01 09:00+00')$$,
                'nor with a slot ending at 09:00');
SELECT results_eq($$SELECT title FROM assistant.find_conflicts('2031-07-01 09:59+00', '2031-07-01 10:30+00')$$,
                  ARRAY['Standup'], 'one minute of overlap is a conflict');

-- All-day events: whole UTC days.
SELECT assistant.create_event('Holiday', '2031-07-03 00:00+00', '2031-07-03 00:00+00', p_all_day => TRUE);
SELECT results_eq($$SELECT start_time, end_time FROM assistant.calendar_events WHERE title = 'Holiday'$$,
                  $$VALUES ('2031-07-03 00:00+00'::timestamptz, '2031-07-04 00:00+00'::timestamptz)$$,
                  'an all-day event given as one date covers that day');
SELECT results_eq($$SELECT title FROM assistant.find_conflicts('2031-07-03 23:30+00', '2031-07-04 01:00+00')$$,
                  ARRAY['Holiday'], 'it conflicts with a slot late that day');
SELECT is_empty($$SELECT * FROM assistant.find_conflicts('2031-07-04 00:00+00', '2031-07-04 01:00+00')$$,
                'and not with the next day');
UPDATE assistant.calendar_events SET end_time = '2031-07-05 12:00+00' WHERE title = 'Holiday';
SELECT is((SELECT end_time FROM assistant.calendar_events WHERE title = 'Holiday'), '2031-07-06 00:00+00'::timestamptz,
          'moving an all-day event''s end rounds it out to midnight as well');

-- Date range and title search.
SELECT results_eq(
    $$SELECT title FROM assistant.events_between('2031-07-01+00', '2031-07-03+00')$$,
    ARRAY['Standup'], 'events_between lists events starting in [start, end)'
);
SELECT results_eq($$SELECT title FROM assistant.search_events('holidays')$$, ARRAY['Holiday'],
                  'search_events matches stemmed title words');

-- book_event. Its refusal shows the times in the session's TimeZone: read here in UTC, whatever the
-- server's.
SET LOCAL timezone = 'UTC';
SELECT throws_ok($$SELECT assistant.book_event('Overlap', '2031-07-01 09:30+00', '2031-07-01 10:30+00')$$, '23P01',
                 format('["2031-07-01 09:30:00+00","2031-07-01 10:30:00+00") conflicts with event %s (''Standup'', ["2031-07-01 09:00:00+00","2031-07-01 10:00:00+00"))',
                        (SELECT id FROM assistant.calendar_events WHERE title = 'Standup')),
                 'book_event refuses a slot another event is in, naming it');
SELECT is((assistant.book_event('Review', '2031-07-01 10:00+00', '2031-07-01 11:00+00')).booked, TRUE,
          'book_event takes a free slot that touches another event');
SELECT is((SELECT count(*)::int FROM assistant.calendar_events WHERE title IN ('Overlap', 'Review')), 1,
          'the refused booking left nothing behind');
SELECT * FROM finish();
ROLLBACK;
