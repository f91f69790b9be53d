-- background.llm_usage_daily: LLM cost and tokens per UTC day, model and agent (not in the spec's
-- SQL; its "LLM conversation storage" made countable). A plain view over the retained weekly
-- partitions: always current.

CREATE OR REPLACE VIEW background.llm_usage_daily AS
SELECT
    (c.timestamp AT TIME ZONE 'UTC')::pg_catalog.date AS day,
    c.model,
    c.agent_id,
    count(*) AS conversations,
    coalesce(sum(c.tokens_used), 0) AS tokens_used,
    coalesce(sum(c.cost), 0) AS cost
FROM background.llm_conversations AS c
GROUP BY (c.timestamp AT TIME ZONE 'UTC')::pg_catalog.date, c.model, c.agent_id;

COMMENT ON VIEW background.llm_usage_daily IS
'LLM calls, tokens and cost per UTC day, model and agent (NULL model or agent: not recorded).';
