-- films.agent_performance: one row per agent over its answers (spec 001). Unique on agent_name.

DROP MATERIALIZED VIEW IF EXISTS films.agent_performance;

CREATE MATERIALIZED VIEW films.agent_performance AS
SELECT
    a.agent_name,
    count(*) AS total_responses,
    round(avg(a.tokens_used), 2) AS avg_tokens,
    round(avg(a.response_time_ms), 2) AS avg_response_time_ms,
    min(a.answered_at) AS first_used,
    max(a.answered_at) AS last_used,
    count(DISTINCT a.session_id) AS sessions_count
FROM films.answers AS a
INNER JOIN films.sessions AS s ON a.session_id = s.id
WHERE s.status <> 'archived'
GROUP BY a.agent_name;

CREATE UNIQUE INDEX agent_performance_agent ON films.agent_performance (agent_name);

COMMENT ON MATERIALIZED VIEW films.agent_performance IS
'Per agent: answers given, average tokens and response time, first and last use, sessions.';

SELECT core.register_materialized_view('films.agent_performance');
