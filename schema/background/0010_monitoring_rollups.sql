-- background: per-minute rollups of heartbeats and performance metrics, kept incrementally by
-- statement triggers on the time series (functions/background/rollups.sql), whoever inserts
-- (heartbeat(), record_metrics, the spec's plain INSERTs, COPY). The module's own monitoring views
-- (views/background/monitoring_rollups.sql) read them instead of the raw rows: a minute of an agent
-- is one row however many heartbeats or samples it holds. One row per agent (and metric) and minute,
-- so concurrent writers of different agents never wait on the same row. Kept two days (maintenance:
-- background.trim_rollups), far longer than any window the views read.

CREATE TABLE background.heartbeat_minutes (
    agent_id text NOT NULL,
    minute timestamptz NOT NULL,
    heartbeats bigint NOT NULL CHECK (heartbeats > 0),
    PRIMARY KEY (minute, agent_id)
);

COMMENT ON TABLE background.heartbeat_minutes IS
'Heartbeats per agent and minute (minute = date_bin(1 minute, timestamp, 2000-01-01 UTC)), kept by the
agent_heartbeats_rollup trigger; two days.';

CREATE TABLE background.metric_minutes (
    agent_id text NOT NULL,
    metric_name text NOT NULL,
    minute timestamptz NOT NULL,
    samples bigint NOT NULL CHECK (samples > 0),
    valued bigint NOT NULL CHECK (valued >= 0),
    total numeric,
    maximum numeric,
    PRIMARY KEY (minute, agent_id, metric_name)
);

COMMENT ON TABLE background.metric_minutes IS
'Performance samples per agent, metric and minute: samples (rows), valued (rows with a value), total
and maximum of the values; kept by the performance_metrics_rollup trigger; two days.';

-- Fill from what is already stored (the last two days): the triggers keep them from here on.
INSERT INTO background.heartbeat_minutes (agent_id, minute, heartbeats)
SELECT
    agent_id,
    date_bin('1 minute', timestamp, '2000-01-01+00') AS minute,
    count(*) AS heartbeats
FROM background.agent_heartbeats
WHERE timestamp >= now() - interval '2 days'
GROUP BY 1, 2;

INSERT INTO background.metric_minutes (agent_id, metric_name, minute, samples, valued, total, maximum)
SELECT
    agent_id,
    metric_name,
    date_bin('1 minute', timestamp, '2000-01-01+00') AS minute,
    count(*) AS samples,
    count(value) AS valued,
    sum(value) AS total,
    max(value) AS maximum
FROM background.performance_metrics
WHERE timestamp >= now() - interval '2 days'
GROUP BY 1, 2, 3;
