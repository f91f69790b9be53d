-- memory.recall_activity_daily: memories recalled per UTC day and agent, from the audit log (each
-- recall updates a memory's access_count; the audit triggers record the update), for the report
-- (dbctl report) and for psql. Where the audit triggers are not made (on Citus) it stays empty.

CREATE OR REPLACE VIEW memory.recall_activity_daily AS
SELECT
    (l.logged_at AT TIME ZONE 'UTC')::date AS day,
    (l.row_key ->> 'agent_id')::uuid AS agent_id,
    count(*) AS memories_recalled
FROM memory.audit_log AS l
WHERE
    l.table_name = 'agent_memories'
    AND l.operation = 'UPDATE'
    AND 'access_count' = any(l.changed_columns)
GROUP BY 1, 2;

COMMENT ON VIEW memory.recall_activity_daily IS
'Memories recalled (their access_count raised) per UTC day and agent, from memory.audit_log.';
