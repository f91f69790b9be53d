-- background.fleet_state_hourly: the fleet's state on the hour, over the retained
-- {{ background_retention_days }} days, for the report (dbctl report) and for psql. Each hour counts
-- the agents by the state of their latest heartbeat in the two heartbeat intervals
-- ({{ background_heartbeat_interval_seconds }} s each) before it: a sample, not a scan of the whole
-- history, so it reads a few thousand heartbeats per hour through the timestamp index. A filter on
-- hour limits the hours sampled. Agents not heard from then are not counted.

CREATE OR REPLACE VIEW background.fleet_state_hourly AS
SELECT
    h.hour,
    s.state,
    count(*) AS agents
FROM pg_catalog.generate_series(
    date_trunc('hour', now()) - make_interval(days => {{ background_retention_days }}),
    date_trunc('hour', now()),
    interval '1 hour'
) AS h (hour)
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (b.agent_id)
        b.agent_id,
        b.state
    FROM background.agent_heartbeats AS b
    WHERE
        b.timestamp > h.hour - make_interval(secs => 2 * {{ background_heartbeat_interval_seconds }})
        AND b.timestamp <= h.hour
    ORDER BY b.agent_id ASC, b.timestamp DESC
) AS s
GROUP BY h.hour, s.state;

COMMENT ON VIEW background.fleet_state_hourly IS
'Per hour over the retained days: agents by the state of their latest heartbeat in the two heartbeat
intervals before the hour (a sample; silent agents are not counted).';
