-- films.agent_handovers: agent hand-overs (films.agent_transfers) per UTC day and pair of agents,
-- for the report (dbctl report) and for psql. Not in the spec's SQL: its "agent transfer flow"
-- counted. A plain view: transfers are few.

CREATE OR REPLACE VIEW films.agent_handovers AS
SELECT
    (t.transferred_at AT TIME ZONE 'UTC')::date AS day,
    t.from_agent,
    t.to_agent,
    count(*) AS transfers,
    count(DISTINCT t.session_id) AS sessions
FROM films.agent_transfers AS t
GROUP BY 1, 2, 3;

COMMENT ON VIEW films.agent_handovers IS
'Hand-overs from one agent to another per UTC day: how many, in how many sessions.';
