-- background: inter-agent messages (spec 003 table 8) as a queue.
--   send_message inserts; the trigger agent_communications_notify then NOTIFYs the recipient's
--     channel (background.message_channel(to_agent)) with the message id, for plain INSERTs too;
--   receive_messages claims up to n of the agent's waiting messages, oldest first, with
--     FOR UPDATE SKIP LOCKED, and marks them delivered: two consumers never get the same message;
--   ack_message marks a delivered message read; fail_message keeps it as failed with a reason.
-- Status moves only forward (sent -> delivered -> read; sent or delivered -> failed), checked by
-- the trigger agent_communications_status (55000), which also stamps delivered_at and read_at.

CREATE OR REPLACE FUNCTION background.message_channel(p_agent_id text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN octet_length('agent:' || p_agent_id) <= 63 THEN 'agent:' || p_agent_id
                ELSE 'agent:' || md5(p_agent_id) END
$$;

COMMENT ON FUNCTION background.message_channel(text) IS
'The LISTEN channel of an agent''s messages: agent:<agent_id>, or agent:<md5 of it> when longer than
a channel name may be (63 bytes). LISTEN "agent:coordinator".';

CREATE OR REPLACE FUNCTION background.notify_message()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify(background.message_channel(NEW.to_agent), NEW.id::text);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.notify_message() IS
'AFTER INSERT trigger on agent_communications: NOTIFY on the recipient''s channel with the message id.';

CREATE OR REPLACE FUNCTION background.check_message_transition()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT (OLD.status = 'sent' AND NEW.status IN ('delivered', 'read', 'failed')
            OR OLD.status = 'delivered' AND NEW.status IN ('read', 'failed')) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('message %s cannot go from %s to %s', OLD.id, OLD.status, NEW.status),
            HINT = 'A message moves sent -> delivered -> read, or to failed before it is read.';
    END IF;
    IF NEW.status IN ('delivered', 'read') THEN
        NEW.delivered_at := coalesce(NEW.delivered_at, now());
    END IF;
    IF NEW.status = 'read' THEN
        NEW.read_at := coalesce(NEW.read_at, now());
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION background.check_message_transition() IS
'BEFORE UPDATE OF status trigger on agent_communications: forward moves only; stamps delivered_at/read_at.';

REVOKE ALL ON FUNCTION background.message_channel(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.notify_message() FROM PUBLIC;
REVOKE ALL ON FUNCTION background.check_message_transition() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.message_channel(text) TO {{ app_role }}, {{ background_agents_role }};

CREATE OR REPLACE TRIGGER agent_communications_notify AFTER INSERT ON background.agent_communications
FOR EACH ROW EXECUTE FUNCTION background.notify_message();

CREATE OR REPLACE TRIGGER agent_communications_status BEFORE UPDATE OF status ON background.agent_communications
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION background.check_message_transition();

CREATE OR REPLACE FUNCTION background.send_message(
    p_from_agent text, p_to_agent text, p_message_type text, p_content jsonb DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO background.agent_communications (from_agent, to_agent, message_type, content, timestamp)
    VALUES (background.checked_text(p_from_agent, 'from_agent'), background.checked_text(p_to_agent, 'to_agent'),
            background.checked_text(p_message_type, 'message_type'), p_content, background.checked_time(p_now))
    RETURNING id
$$;

COMMENT ON FUNCTION background.send_message(text, text, text, jsonb, timestamptz) IS
'Queues a message for p_to_agent and notifies its channel (on commit); returns the message id.';

CREATE OR REPLACE FUNCTION background.receive_messages(
    p_agent_id text, p_limit integer DEFAULT 10, p_now timestamptz DEFAULT now()
)
RETURNS SETOF background.agent_communications
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM background.checked_text(p_agent_id, 'agent_id'), background.checked_time(p_now);
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('limit must be between 1 and 10000, not %s', coalesce(p_limit::text, 'NULL')),
            HINT = 'Claim messages in batches of at most 10000.';
    END IF;
    RETURN QUERY
    WITH claimed AS (
        SELECT c.id FROM background.agent_communications AS c
        WHERE c.to_agent = p_agent_id AND c.status = 'sent'
        ORDER BY c.id
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ),
    delivered AS (
        -- The recipient too (the distribution column): on Citus the whole statement runs on its shard.
        UPDATE background.agent_communications AS c SET status = 'delivered', delivered_at = p_now
        FROM claimed WHERE c.to_agent = p_agent_id AND c.id = claimed.id
        RETURNING c.*
    )
    SELECT * FROM delivered ORDER BY delivered.id;
END
$$;

COMMENT ON FUNCTION background.receive_messages(text, integer, timestamptz) IS
'Claims up to p_limit of the agent''s waiting messages, oldest first (FOR UPDATE SKIP LOCKED, so
concurrent consumers never get the same one), marks them delivered and returns them.';

CREATE OR REPLACE FUNCTION background.ack_message(
    p_message_id bigint, p_agent_id text, p_now timestamptz DEFAULT now()
)
RETURNS background.agent_communications
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_message background.agent_communications;
BEGIN
    UPDATE background.agent_communications AS c SET status = 'read', read_at = background.checked_time(p_now)
    WHERE c.id = p_message_id AND c.to_agent = p_agent_id
    RETURNING * INTO v_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('agent %L has no message %s', p_agent_id, p_message_id),
            HINT = 'Only the recipient acknowledges a message.';
    END IF;
    RETURN v_message;
END
$$;

COMMENT ON FUNCTION background.ack_message(bigint, text, timestamptz) IS
'The recipient acknowledges a message: read. Read or failed messages are refused (55000), another
agent''s or an unknown one too (P0002).';

CREATE OR REPLACE FUNCTION background.fail_message(
    p_message_id bigint, p_agent_id text, p_reason text, p_now timestamptz DEFAULT now()
)
RETURNS background.agent_communications
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_message background.agent_communications;
BEGIN
    PERFORM background.checked_time(p_now);
    UPDATE background.agent_communications AS c
    SET status = 'failed', failure_reason = background.checked_text(p_reason, 'reason')
    WHERE c.id = p_message_id AND c.to_agent = p_agent_id
    RETURNING * INTO v_message;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('agent %L has no message %s', p_agent_id, p_message_id),
            HINT = 'Only the recipient fails a message.';
    END IF;
    RETURN v_message;
END
$$;

COMMENT ON FUNCTION background.fail_message(bigint, text, text, timestamptz) IS
'The recipient gives up on a message: failed, with the reason kept. Read messages are refused (55000).';

REVOKE ALL ON FUNCTION background.send_message(text, text, text, jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.receive_messages(text, integer, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.ack_message(bigint, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.fail_message(bigint, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.send_message(text, text, text, jsonb, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.receive_messages(text, integer, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.ack_message(bigint, text, timestamptz) TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.fail_message(bigint, text, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
