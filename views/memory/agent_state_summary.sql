-- memory.agent_state_summary: per agent, its state versions, current version, rollbacks, resets and
-- checkpoints, for the report (dbctl report) and for psql.

CREATE OR REPLACE VIEW memory.agent_state_summary AS
SELECT
    a.id AS agent_id,
    a.name AS agent_name,
    (
        SELECT count(*) FROM memory.agent_states AS s
        WHERE s.agent_id = a.id
    ) AS versions,
    (
        SELECT s.version_number FROM memory.agent_states AS s
        WHERE s.agent_id = a.id AND s.is_current
    ) AS current_version,
    (
        SELECT count(*) FROM memory.state_transitions AS t
        WHERE t.agent_id = a.id AND t.transition_type = 'restore'
    ) AS rollbacks,
    (
        SELECT count(*) FROM memory.state_transitions AS t
        WHERE t.agent_id = a.id AND t.transition_type = 'reset'
    ) AS resets,
    (
        SELECT count(*) FROM memory.state_checkpoints AS c
        WHERE c.agent_id = a.id
    ) AS checkpoints,
    (
        SELECT max(t.created_at) FROM memory.state_transitions AS t
        WHERE t.agent_id = a.id
    ) AS last_transition_at
FROM memory.agents AS a;

COMMENT ON VIEW memory.agent_state_summary IS
'Per agent: state versions kept, the current version, rollbacks (restore transitions), resets,
checkpoints, and when its state last changed.';
