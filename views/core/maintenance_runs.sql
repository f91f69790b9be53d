-- core.maintenance_runs: core.maintenance_log grouped by run, for the report's maintenance history
-- (dbctl report) and for psql: when each run started and ended, its actions by outcome, the rows it
-- moved or removed, the partitions it removed, and its first failure's message.

CREATE OR REPLACE VIEW core.maintenance_runs AS
SELECT
    l.run_id,
    min(l.logged_at - coalesce(l.duration, interval '0')) AS started_at,
    max(l.logged_at) AS finished_at,
    max(l.logged_at) - min(l.logged_at - coalesce(l.duration, interval '0')) AS elapsed,
    count(*) AS actions,
    count(*) FILTER (WHERE l.outcome = 'ok') AS ok,
    count(*) FILTER (WHERE l.outcome = 'skipped') AS skipped,
    count(*) FILTER (WHERE l.outcome = 'failed') AS failed,
    coalesce(sum(l.rows), 0) AS rows,
    count(*) FILTER (WHERE l.outcome = 'ok' AND l.action IN ('drop', 'detach')) AS partitions_removed,
    (array_agg(l.target || ' ' || l.action || ': ' || coalesce(l.message, '') ORDER BY l.id)
        FILTER (WHERE l.outcome = 'failed'))[1] AS first_failure
FROM core.maintenance_log AS l
GROUP BY l.run_id;

COMMENT ON VIEW core.maintenance_runs IS
'One row per maintenance run (core.maintenance_log by run_id): start, end and elapsed time, actions
by outcome, rows moved or removed, partitions dropped or detached, and the first failed step with
its message (SQLSTATE: text).';

GRANT SELECT ON core.maintenance_runs TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
