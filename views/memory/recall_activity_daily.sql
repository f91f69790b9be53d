-- memory.recall_activity_daily: memories recalled per UTC day and agent, from the audit log (the
-- fold of recall's accesses, memory.fold_memory_accesses, updates each recalled memory's
-- access_count; the audit triggers record the update: a memory recalled several times between two
-- folds counts once, on the day of the fold), for the report
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
'Memories recalled (their access_count raised by the fold of recall''s accesses) per UTC day and agent, from
memory.audit_log; a memory recalled several times between two folds counts once.';
