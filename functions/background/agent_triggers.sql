-- background: triggers that keep the registry true whoever writes (functions or the spec's plain SQL).
--   agent_heartbeats_last: after each insert statement into agent_heartbeats, in one pass over the
--     inserted rows, refuses the statement when a row is dated beyond the future horizon
--     (background.refuse_future) and moves agents.last_heartbeat_at to the newest heartbeat of each
--     agent (never backwards); one UPDATE per statement, agents locked in agent_id order so
--     concurrent batches cannot deadlock. On a Citus cluster, where the trigger runs on a shard of
--     agent_heartbeats and may reach only its own agent's rows of the co-located agents (by key; a
--     statement over a transition table would be a distributed query), it is a row trigger: each
--     heartbeat moves its agent's last_heartbeat_at (a batch is split by shard there anyway).
--   *_updated_at: core.set_updated_at() on agents and system_state.

CREATE OR REPLACE FUNCTION background.track_last_heartbeat()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_agents text[];
    v_latest timestamptz[];
BEGIN
    IF TG_LEVEL = 'ROW' THEN  -- on Citus
        PERFORM background.refuse_future(NEW.timestamp, 'background.agent_heartbeats');
        UPDATE background.agents AS a SET last_heartbeat_at = NEW.timestamp
        WHERE a.agent_id = NEW.agent_id AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < NEW.timestamp);
        RETURN NULL;
    END IF;
    SELECT array_agg(l.agent_id ORDER BY l.agent_id), array_agg(l.last_at ORDER BY l.agent_id)
    INTO v_agents, v_latest
    FROM (SELECT h.agent_id, max(h.timestamp) AS last_at FROM new_heartbeats AS h GROUP BY h.agent_id) AS l;
    PERFORM background.refuse_future((SELECT max(t) FROM unnest(v_latest) AS t), 'background.agent_heartbeats');
    PERFORM FROM background.agents AS a WHERE a.agent_id = ANY (v_agents) ORDER BY a.agent_id FOR NO KEY UPDATE;
    UPDATE background.agents AS a SET last_heartbeat_at = n.last_at
    FROM unnest(v_agents, v_latest) AS n (agent_id, last_at)
    WHERE a.agent_id = n.agent_id AND (a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < n.last_at);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.track_last_heartbeat() IS
'AFTER INSERT statement trigger on agent_heartbeats (a row trigger on a Citus cluster): refuses rows
dated beyond the future horizon (22023); agents.last_heartbeat_at := newest heartbeat per agent.';

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
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE TRIGGER system_state_updated_at BEFORE UPDATE ON background.system_state
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
