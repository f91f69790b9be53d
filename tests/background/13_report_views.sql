-- background's report views (dbctl report): the fleet's state on the hour, heartbeats per minute of
-- the last hour and error events per day, on rows placed here relative to this transaction's now()
-- (three days back for the fleet, away from the seed's hour and the volumes' day) or on a fixed day.
BEGIN;
SELECT plan(7);

CREATE TEMP TABLE at_hour AS SELECT date_trunc('hour', now()) - interval '3 days' AS h;
INSERT INTO background.agents (agent_id, state, started_at)
VALUES ('rv-a', 'running', now() - interval '5 days'), ('rv-b', 'idle', now() - interval '5 days'),
       ('rv-c', 'running', now() - interval '5 days');
INSERT INTO background.agent_heartbeats (agent_id, timestamp, state)
SELECT x.agent_id, h.h + x.offset_by, x.state
FROM at_hour AS h
CROSS JOIN (VALUES ('rv-a', interval '-30 seconds', 'running'), ('rv-a', interval '-90 seconds', 'idle'),
                   ('rv-b', interval '-100 seconds', 'idle'), ('rv-c', interval '-150 seconds', 'running'),
                   ('rv-c', interval '10 seconds', 'running')) AS x (agent_id, offset_by, state);

SELECT results_eq(
    $$SELECT state, agents FROM background.fleet_state_hourly WHERE hour = (SELECT h FROM at_hour) ORDER BY state$$,
    $$VALUES ('idle', 1::bigint), ('running', 1::bigint)$$,
    'fleet_state_hourly: agents by the state of their latest heartbeat in the two intervals before the hour'
);
SELECT is((SELECT count(*) FROM background.fleet_state_hourly WHERE hour < now() - interval '31 days'), 0::bigint,
          'it samples the retained days only');

CREATE TEMP TABLE minute_before AS
SELECT minute, heartbeats, agents, errors_reported FROM background.heartbeats_per_minute;
CREATE TEMP TABLE at_minute AS SELECT date_trunc('minute', now()) - interval '10 minutes' AS m;
INSERT INTO background.agent_heartbeats (agent_id, timestamp, state, error_count)
SELECT 'rv-a', m + s * interval '10 seconds', 'running', 2 FROM at_minute CROSS JOIN generate_series(1, 3) AS s
UNION ALL
SELECT 'rv-a', now() - interval '2 hours', 'running', 0;
SELECT results_eq(
    $$SELECT a.heartbeats - coalesce(b.heartbeats, 0), a.agents - coalesce(b.agents, 0),
             a.errors_reported - coalesce(b.errors_reported, 0)
      FROM background.heartbeats_per_minute AS a LEFT JOIN minute_before AS b USING (minute)
      WHERE a.minute = (SELECT m FROM at_minute)$$,
    $$VALUES (3::bigint, 1::bigint, 6::bigint)$$,
    'heartbeats_per_minute: three more heartbeats in that minute, one more agent, the errors they reported'
);
SELECT ok((SELECT min(minute) > now() - interval '61 minutes' FROM background.heartbeats_per_minute),
          'and nothing older than the last hour');

INSERT INTO background.system_events (event_type, agent_id, timestamp, severity)
VALUES ('rv_crash', 'rv-a', '2024-02-29 12:00+00', 'ERROR'), ('rv_crash', 'rv-a', '2024-02-29 23:59+00', 'ERROR'),
       ('rv_crash', 'rv-a', '2024-02-29 13:00+00', 'CRITICAL'), ('rv_slow', 'rv-a', '2024-02-29 14:00+00', 'WARNING'),
       ('rv_crash', 'rv-a', '2024-03-01 00:00+00', 'ERROR');
SELECT results_eq(
    $$SELECT day, severity, event_type, events FROM background.error_events_daily WHERE agent_id = 'rv-a'
      ORDER BY day, severity$$,
    $$VALUES ('2024-02-29'::date, 'CRITICAL', 'rv_crash', 1::bigint), ('2024-02-29', 'ERROR', 'rv_crash', 2),
             ('2024-03-01', 'ERROR', 'rv_crash', 1)$$,
    'error_events_daily: ERROR and CRITICAL events per UTC day, warnings left out'
);
SET LOCAL ROLE {{ readonly_role }};
SELECT isnt_empty($$SELECT * FROM background.fleet_state_hourly WHERE hour = date_trunc('hour', now()) - interval '3 days'$$,
                  'the read-only role reads the fleet''s state');
SELECT isnt_empty($$SELECT * FROM background.heartbeats_per_minute CROSS JOIN background.error_events_daily$$,
                  'and the heartbeats and errors');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
