-- background.error_events_daily: ERROR and CRITICAL system events per UTC day, type and agent, for
-- the report (dbctl report) and for psql. Served by the (severity, timestamp) index.

CREATE OR REPLACE VIEW background.error_events_daily AS
SELECT
    (e.timestamp AT TIME ZONE 'UTC')::date AS day,
    e.severity,
    e.event_type,
    e.agent_id,
    count(*) AS events
FROM background.system_events AS e
WHERE e.severity IN ('ERROR', 'CRITICAL')
GROUP BY 1, 2, 3, 4;

COMMENT ON VIEW background.error_events_daily IS
'ERROR and CRITICAL system events per UTC day, severity, event type and agent (NULL: the system).';
