-- assistant's report views (dbctl report) on the seeded week (December 2026): messages per day by
-- role and agent (assistant.messages_daily) and the calendar's load (assistant.calendar_load_daily).
BEGIN;
SELECT plan(4);

SELECT results_eq(
    $$SELECT role, agent_type, messages, sessions FROM assistant.messages_daily
      WHERE day = '2026-12-06' ORDER BY role, agent_type$$,
    $$VALUES ('assistant', 'calendar', 3::bigint, 1::bigint), ('assistant', 'general', 1, 1), ('user', 'router', 3, 1)$$,
    'messages_daily: the seeded conversation by role and agent'
);
-- A week of its own, far from the seed's and the volumes' (which fill the seeded week too).
INSERT INTO assistant.calendar_events (title, start_time, end_time, all_day, booked)
VALUES ('Standup', '2031-03-10 09:00+00', '2031-03-10 09:15+00', FALSE, FALSE),
       ('Review', '2031-03-10 10:00+00', '2031-03-10 11:30+00', FALSE, TRUE),
       ('Late call', '2031-03-10 23:30+00', '2031-03-11 00:30+00', FALSE, FALSE),
       ('Away', '2031-03-12 00:00+00', '2031-03-14 00:00+00', TRUE, FALSE);
SELECT results_eq(
    $$SELECT day, events, booked, all_day, scheduled_hours FROM assistant.calendar_load_daily
      WHERE day BETWEEN '2031-03-09' AND '2031-03-15' ORDER BY day$$,
    $$VALUES ('2031-03-10'::date, 3::bigint, 1::bigint, 0::bigint, 2.75), ('2031-03-12', 1, 0, 1, 0.00)$$,
    'calendar_load_daily: events by the UTC day they start, booked and all-day ones, hours of the timed ones'
);
SELECT is((SELECT count(*) FROM assistant.calendar_load_daily WHERE day IN ('2031-03-11', '2031-03-13')), 0::bigint,
          'an event spanning midnight counts on the day it starts only');
SET LOCAL ROLE {{ readonly_role }};
SELECT isnt_empty($$SELECT * FROM assistant.messages_daily CROSS JOIN assistant.calendar_load_daily$$,
                  'the read-only role reads both');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
