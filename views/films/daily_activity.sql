-- films.daily_activity: one row per day (UTC) of events (spec 001). Unique on activity_date.

DROP MATERIALIZED VIEW IF EXISTS films.daily_activity;

CREATE MATERIALIZED VIEW films.daily_activity AS
SELECT
    (e.created_at AT TIME ZONE 'UTC')::date AS activity_date,
    count(DISTINCT e.session_id) AS sessions_count,
    count(*) AS total_events,
    count(*) FILTER (WHERE e.event_type = 'tool_call') AS tool_calls_count,
    coalesce(sum(e.tokens_used), 0) AS total_tokens,
    round(avg(e.duration_ms), 2) AS avg_event_duration_ms
FROM films.events AS e
GROUP BY 1;

CREATE UNIQUE INDEX daily_activity_date ON films.daily_activity (activity_date);

COMMENT ON MATERIALIZED VIEW films.daily_activity IS
'Per day (UTC): sessions with events, events, tool calls, tokens and average event duration.';

SELECT core.register_materialized_view('films.daily_activity');
