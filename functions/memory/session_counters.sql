-- memory: a new conversation session's counters start at 0 (schema/memory/0018: a trigger, not
-- column defaults, which Citus would write out into the shard's INSERT, where the application may
-- not insert them). The messages' trigger (functions/memory/messages.sql) keeps them up afterwards.

CREATE OR REPLACE FUNCTION memory.initial_session_counters()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.message_count := coalesce(NEW.message_count, 0);
    NEW.total_tokens_used := coalesce(NEW.total_tokens_used, 0);
    NEW.tool_calls_count := coalesce(NEW.tool_calls_count, 0);
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION memory.initial_session_counters() IS
'BEFORE INSERT trigger on memory.conversation_sessions: counters omitted by the insert start at 0.';

REVOKE ALL ON FUNCTION memory.initial_session_counters() FROM PUBLIC;

CREATE OR REPLACE TRIGGER conversation_sessions_initial_counters BEFORE INSERT ON memory.conversation_sessions
FOR EACH ROW EXECUTE FUNCTION memory.initial_session_counters();
