-- assistant.messages_daily: chat messages per UTC day, role and answering agent (spec 002's
-- agent_type), for the report (dbctl report) and for psql. Not in the spec's SQL.

CREATE OR REPLACE VIEW assistant.messages_daily AS
SELECT
    (m.timestamp AT TIME ZONE 'UTC')::date AS day,
    m.role,
    m.agent_type,
    count(*) AS messages,
    count(DISTINCT m.session_id) AS sessions
FROM assistant.chat_messages AS m
GROUP BY 1, 2, 3;

COMMENT ON VIEW assistant.messages_daily IS
'Chat messages per UTC day, role (user, assistant) and agent_type (NULL: not attributed), with the
sessions they belong to.';
