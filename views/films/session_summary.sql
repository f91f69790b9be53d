-- films.session_summary: one row per session with its counts, agents and film (spec 001).
-- Unique on session_id, so core maintenance refreshes it CONCURRENTLY. Archived sessions are left
-- out of analytics (spec 000, retention tier 2).

DROP MATERIALIZED VIEW IF EXISTS films.session_summary;

CREATE MATERIALIZED VIEW films.session_summary AS
SELECT
    s.id AS session_id,
    s.user_id,
    s.session_name,
    s.status,
    s.started_at,
    s.ended_at,
    extract(EPOCH FROM s.ended_at - s.started_at)::bigint AS duration_seconds,
    s.total_events,
    (
        SELECT count(*) FROM films.questions AS q
        WHERE q.session_id = s.id
    ) AS total_questions,
    (
        SELECT count(*) FROM films.answers AS a
        WHERE a.session_id = s.id
    ) AS total_answers,
    (
        SELECT count(*) FROM films.inferential_reasoning AS r
        WHERE r.session_id = s.id
    ) AS total_reasoning_events,
    ARRAY(
        SELECT DISTINCT x.agent_name
        FROM (
            SELECT a.agent_name FROM films.answers AS a
            WHERE a.session_id = s.id
            UNION ALL
            SELECT r.agent_name FROM films.inferential_reasoning AS r
            WHERE r.session_id = s.id
            UNION ALL
            SELECT t.to_agent FROM films.agent_transfers AS t
            WHERE t.session_id = s.id
        ) AS x
        ORDER BY x.agent_name
    ) AS agents_used,
    f.id AS film_project_id,
    f.title AS film_title,
    f.status AS film_status
FROM films.sessions AS s
LEFT JOIN LATERAL (
    SELECT
        p.id,
        p.title,
        p.status
    FROM films.film_projects AS p
    WHERE p.session_id = s.id
    ORDER BY p.created_at DESC
    LIMIT 1
) AS f ON TRUE
WHERE s.status <> 'archived';

CREATE UNIQUE INDEX session_summary_session ON films.session_summary (session_id);

COMMENT ON MATERIALIZED VIEW films.session_summary IS
'Per session: timing, counts of events, questions, answers and reasoning, agents used, latest film.';

SELECT core.register_materialized_view('films.session_summary');
