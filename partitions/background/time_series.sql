-- background: the four time series under core's partition manager, each kept
-- {{ background_retention_days }} days by dropping whole partitions (never DELETE).
-- Heartbeats and metrics by day: at 1,440 heartbeats per agent per day a month of a 1,000-agent
-- fleet is 43 million rows, and daily partitions keep the latest-hour queries on one or two small
-- partitions and drop the oldest day in milliseconds. Events and LLM conversations are far fewer:
-- ISO weeks (kept at most a week longer than the retention).
-- One partition is made ahead (premake 1: tomorrow, next week), not more: a window "after now() - x"
-- has no upper bound, so every partition ahead of now is planned, opened and scanned (empty) by each
-- monitoring query, the spec's verbatim ones included, for nothing. Maintenance (at least daily) makes
-- the next one in time; a row beyond it waits in the default partition until the next run.

SELECT core.register_partitioned_table(
    'background.agent_heartbeats', p_interval => 'day', p_premake => 1,
    p_retention => make_interval(days => {{ background_retention_days }})
);
SELECT core.register_partitioned_table(
    'background.performance_metrics', p_interval => 'day', p_premake => 1,
    p_retention => make_interval(days => {{ background_retention_days }})
);
SELECT core.register_partitioned_table(
    'background.system_events', p_interval => 'week', p_premake => 1,
    p_retention => make_interval(days => {{ background_retention_days }})
);
SELECT core.register_partitioned_table(
    'background.llm_conversations', p_interval => 'week', p_premake => 1,
    p_retention => make_interval(days => {{ background_retention_days }})
);
