-- background.heartbeats_per_minute: heartbeats received per minute over the last hour, the agents
-- heard and the errors they reported, for the report (dbctl report) and for psql. Reads the last
-- hour only (pruned, through the timestamp index).

CREATE OR REPLACE VIEW background.heartbeats_per_minute AS
SELECT
    date_trunc('minute', b.timestamp) AS minute,
    count(*) AS heartbeats,
    count(DISTINCT b.agent_id) AS agents,
    coalesce(sum(b.error_count), 0) AS errors_reported
FROM background.agent_heartbeats AS b
WHERE b.timestamp > date_trunc('minute', now()) - interval '1 hour'
GROUP BY 1;

COMMENT ON VIEW background.heartbeats_per_minute IS
'Per minute of the last hour: heartbeats, distinct agents heard, and the sum of their error_count.';
