-- memory.memories_by_type: each agent's memories by type, with their importance and recall counts,
-- for the report (dbctl report) and for psql. Aggregates only: no memory's content.

CREATE OR REPLACE VIEW memory.memories_by_type AS
SELECT
    m.agent_id,
    a.name AS agent_name,
    m.memory_type,
    count(*) AS memories,
    round(avg(m.importance)::numeric, 3) AS avg_importance,
    count(*) FILTER (WHERE m.access_count > 0) AS recalled,
    coalesce(sum(m.access_count), 0) AS recalls,
    max(m.last_accessed) AS last_accessed
FROM memory.agent_memories AS m
LEFT JOIN memory.agents AS a ON m.agent_id = a.id
GROUP BY m.agent_id, a.name, m.memory_type;

COMMENT ON VIEW memory.memories_by_type IS
'Per agent and memory type: memories kept, average importance, how many were ever recalled, and the
recalls counted on them (access_count).';
