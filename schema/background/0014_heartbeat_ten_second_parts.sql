-- background: each heartbeat_minutes row also counts its heartbeats by ten seconds of the minute
-- (s00: seconds 0-9, s10: 10-19, ... s50: 50-59), so the health overview counts at most five
-- seconds of raw heartbeats at the start of its window instead of up to half a minute (30,000 rows
-- for 1,000 agents beating each second, whose count made the overview's time follow the second of
-- the minute it ran at). Kept by the same upserts as heartbeats (functions/background/agent_triggers.sql,
-- rollups.sql). Rows rolled up before this file have no parts (NULL, and NULL stays NULL however the
-- row is updated): background.health_overview_at counts such a minute from its raw rows, as before,
-- and trim_rollups removes them within two days. Nullable columns without a default: no rewrite.

ALTER TABLE background.heartbeat_minutes
ADD COLUMN s00 bigint,
ADD COLUMN s10 bigint,
ADD COLUMN s20 bigint,
ADD COLUMN s30 bigint,
ADD COLUMN s40 bigint,
ADD COLUMN s50 bigint;

COMMENT ON COLUMN background.heartbeat_minutes.s00 IS
'Heartbeats in seconds 0-9 of the minute (s10: 10-19, ... s50: 50-59); the six add up to heartbeats.
NULL: rolled up before the parts were kept.';
