-- background: a second tier of the metric rollup, per agent, metric and ten minutes, kept by the same
-- trigger as metric_minutes (functions/background/rollups.sql). An hour's summary then reads at most
-- six ten-minute rows and nine minute rows per agent and metric (plus the raw rows of the first,
-- partial minute) instead of sixty minute rows.

CREATE TABLE background.metric_ten_minutes (
    agent_id text NOT NULL,
    metric_name text NOT NULL,
    minute timestamptz NOT NULL,
    samples bigint NOT NULL CHECK (samples > 0),
    valued bigint NOT NULL CHECK (valued >= 0),
    total numeric,
    maximum numeric,
    PRIMARY KEY (minute, agent_id, metric_name)
);

COMMENT ON TABLE background.metric_ten_minutes IS
'Performance samples per agent, metric and ten minutes (minute = date_bin(10 minutes, timestamp,
2000-01-01 UTC)): as metric_minutes, coarser; kept by the performance_metrics_rollup trigger; two days.';

INSERT INTO background.metric_ten_minutes (agent_id, metric_name, minute, samples, valued, total, maximum)
SELECT
    agent_id,
    metric_name,
    date_bin('10 minutes', minute, '2000-01-01+00') AS minute,
    sum(samples) AS samples,
    sum(valued) AS valued,
    sum(total) AS total,
    max(maximum) AS maximum
FROM background.metric_minutes
GROUP BY 1, 2, 3;
