-- background: room on the rollups' pages for their rows' next versions. A minute's rollup rows are
-- inserted together (one per agent, and metric) and then updated by every call of their agent in that
-- minute (sixty times for an agent beating each second); on pages filled to the brim the first updates
-- found no room beside the row, so a fifth of them were not HOT (a new index entry each, more WAL).
-- With 30 % of each new page kept free, 93-99 % stay HOT under a 1,000-agent fleet. The price: rollup
-- pages a third larger (two days kept). Only new pages are filled to 70 %, which are all of them
-- within two days (background.trim_rollups).

ALTER TABLE background.heartbeat_minutes SET (fillfactor = 70);
ALTER TABLE background.metric_minutes SET (fillfactor = 70);
ALTER TABLE background.metric_ten_minutes SET (fillfactor = 70);
