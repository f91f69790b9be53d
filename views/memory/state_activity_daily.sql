-- memory.state_activity_daily: agent state transitions per UTC day, agent and type (update, merge,
-- reset, restore: a rollback), for the report (dbctl report) and for psql.

CREATE OR REPLACE VIEW memory.state_activity_daily AS
SELECT
    (t.created_at AT TIME ZONE 'UTC')::date AS day,
    t.agent_id,
    t.transition_type,
    count(*) AS transitions
FROM memory.state_transitions AS t
GROUP BY 1, 2, 3;

COMMENT ON VIEW memory.state_activity_daily IS
'State transitions (new versions) per UTC day, agent and transition_type; restore is a rollback.';
