-- films.agent_usage_daily: events, tokens and errors per UTC day and agent, from films.events (not
-- in the spec: its "tokens per agent" over time). Materialized, unique on (day, agent_name), and
-- registered with core so every maintenance run refreshes it CONCURRENTLY: the events log is large,
-- and the report (dbctl report) reads this instead. Events without an agent (the user's) are ''.

DROP MATERIALIZED VIEW IF EXISTS films.agent_usage_daily;

CREATE MATERIALIZED VIEW films.agent_usage_daily AS
SELECT
    (e.created_at AT TIME ZONE 'UTC')::date AS day,
    coalesce(e.agent_name, '') AS agent_name,
    count(*) AS events,
    count(DISTINCT e.session_id) AS sessions,
    coalesce(sum(e.tokens_used), 0) AS tokens_used,
    count(*) FILTER (WHERE e.event_type = 'error' OR e.error_message IS NOT NULL) AS errors
FROM films.events AS e
GROUP BY 1, 2;

CREATE UNIQUE INDEX agent_usage_daily_key ON films.agent_usage_daily (day, agent_name);

COMMENT ON MATERIALIZED VIEW films.agent_usage_daily IS
'Per UTC day and agent (empty: no agent, e.g. the user): events, sessions, tokens used and error
events. Refreshed by maintenance (CONCURRENTLY).';

SELECT core.register_materialized_view('films.agent_usage_daily');
