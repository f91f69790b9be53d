-- background: triggers that keep the registry true whoever writes (functions or the spec's plain SQL).
--   agent_heartbeats_last: after each insert statement into agent_heartbeats, over the inserted rows
--     (transition table): one statement that adds them to heartbeat_minutes, by minute and ten seconds
--     (functions/background/rollups.sql documents the rollups), then one that moves
--     agents.last_heartbeat_at to the newest heartbeat of each agent (never backwards); rollup rows in
--     key order, then agents in agent_id order, so concurrent batches cannot deadlock. It first refuses
--     the statement when a row is dated beyond the future horizon (background.refuse_future), before
--     writing anything. One trigger, not one per concern; the rows of one agent (every heartbeat()
--     call) update their agent without a separate locking pass. On a Citus cluster, where the trigger
--     runs on a shard of agent_heartbeats and may reach only its own agent's rows of the co-located
--     agents (by key; a statement over a transition table would be a distributed query), it is a row
--     trigger: each heartbeat moves its agent's last_heartbeat_at (the rollup has its own row trigger
--     there; a batch is split by shard anyway).
--   *_updated_at: core.set_updated_at() on agents and system_state, skipped when the update sets
--     updated_at itself (as the heartbeat trigger does).

CREATE OR REPLACE FUNCTION background.track_last_heartbeat()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_latest timestamptz;
    v_first text;
    v_last text;
BEGIN
    IF TG_LEVEL = 'ROW' THEN  -- on Citus
        PERFORM background.refuse_future(NEW.timestamp, 'background.agent_heartbeats');
        UPDATE background.agents AS a SET last_heartbeat_at = NEW.timestamp
        WHERE a.agent_id = NEW.agent_id AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < NEW.timestamp);
        RETURN NULL;
    END IF;
    -- One pass over the inserted rows: the newest time (refused before anything is written) and
    -- whether they are of one agent.
    SELECT max(h.timestamp), min(h.agent_id), max(h.agent_id) INTO v_latest, v_first, v_last
    FROM new_heartbeats AS h;
    IF v_latest > now() + interval '{{ background_future_seconds }} seconds' THEN
        PERFORM background.refuse_future(v_latest, 'background.agent_heartbeats');
    END IF;
    -- The rollup rows in key order, then the agents in agent_id order (every path takes them in
    -- that order), so concurrent batches cannot deadlock.
    INSERT INTO background.heartbeat_minutes AS m (agent_id, minute, heartbeats, s00, s10, s20, s30, s40, s50)
    SELECT h.agent_id, h.minute, count(*), count(*) FILTER (WHERE h.part = 0), count(*) FILTER (WHERE h.part = 1),
           count(*) FILTER (WHERE h.part = 2), count(*) FILTER (WHERE h.part = 3),
           count(*) FILTER (WHERE h.part = 4), count(*) FILTER (WHERE h.part = 5)
    FROM (
        SELECT n.agent_id, date_bin('1 minute', n.timestamp, '2000-01-01+00') AS minute,
               extract(epoch FROM date_bin('10 seconds', n.timestamp, '2000-01-01+00')
                                  - date_bin('1 minute', n.timestamp, '2000-01-01+00'))::integer / 10 AS part
        FROM new_heartbeats AS n
    ) AS h
    GROUP BY h.minute, h.agent_id ORDER BY h.minute, h.agent_id
    ON CONFLICT (minute, agent_id) DO UPDATE
    SET heartbeats = m.heartbeats + excluded.heartbeats, s00 = m.s00 + excluded.s00, s10 = m.s10 + excluded.s10,
        s20 = m.s20 + excluded.s20, s30 = m.s30 + excluded.s30, s40 = m.s40 + excluded.s40,
        s50 = m.s50 + excluded.s50;
    IF v_first = v_last THEN
        -- One agent (every heartbeat() and single-row INSERT): its row is the only one locked, so
        -- the update locks it itself (no separate FOR NO KEY UPDATE pass, one heap write less).
        UPDATE background.agents AS a SET last_heartbeat_at = v_latest, updated_at = now()
        WHERE a.agent_id = v_first AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < v_latest);
        RETURN NULL;
    END IF;
    WITH latest AS (
        SELECT h.agent_id, max(h.timestamp) AS last_at FROM new_heartbeats AS h GROUP BY h.agent_id
    )

    UPDATE background.agents AS a SET last_heartbeat_at = l.last_at, updated_at = now()
    FROM (
        SELECT x.agent_id, latest.last_at
        FROM background.agents AS x INNER JOIN latest ON x.agent_id = latest.agent_id
        ORDER BY x.agent_id
        FOR NO KEY UPDATE OF x
    ) AS l
    WHERE a.agent_id = l.agent_id AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < l.last_at);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.track_last_heartbeat() IS
'AFTER INSERT statement trigger on agent_heartbeats (a row trigger on a Citus cluster): adds the
inserted heartbeats to heartbeat_minutes, agents.last_heartbeat_at := newest heartbeat per agent,
refuses rows dated beyond the future horizon (22023). Definer: the inserting role needs no rights on
the rollup.';

REVOKE ALL ON FUNCTION background.track_last_heartbeat() FROM PUBLIC;

DO $trigger$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        CREATE OR REPLACE TRIGGER agent_heartbeats_last AFTER INSERT ON background.agent_heartbeats
        FOR EACH ROW EXECUTE FUNCTION background.track_last_heartbeat();
    ELSE
        CREATE OR REPLACE TRIGGER agent_heartbeats_last AFTER INSERT ON background.agent_heartbeats
        REFERENCING NEW TABLE AS new_heartbeats
        FOR EACH STATEMENT EXECUTE FUNCTION background.track_last_heartbeat();
    END IF;
END
$trigger$;

CREATE OR REPLACE TRIGGER agents_updated_at BEFORE UPDATE ON background.agents
FOR EACH ROW WHEN (old.updated_at IS NOT DISTINCT FROM new.updated_at) EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE TRIGGER system_state_updated_at BEFORE UPDATE ON background.system_state
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
