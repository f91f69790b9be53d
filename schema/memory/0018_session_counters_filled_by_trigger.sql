-- memory: the counters of a new conversation session come from a trigger, not from column defaults.
-- The application may insert only some columns of memory.conversation_sessions (schema/memory/0004);
-- message_count, total_tokens_used and tool_calls_count follow the messages. On a Citus coordinator
-- an INSERT reaches the shard with every column that has a default written out (Citus evaluates
-- defaults before it routes the row), so a default on a column the application may not insert makes
-- every session insert fail there (42501). Without the defaults, the trigger
-- conversation_sessions_initial_counters (functions/memory/session_counters.sql) starts an omitted
-- counter at 0, on one server and on a shard alike; what the application may insert is unchanged.
-- Between this file and the functions file of the same `dbctl migrate` (milliseconds), a session
-- insert that omits a counter fails with 23502; a client retries it.
-- ban-drop-default: the trigger gives every insert that omits these columns the values the
-- defaults gave; no client sets them (the application may not).

-- squawk-ignore ban-drop-default
ALTER TABLE memory.conversation_sessions ALTER COLUMN message_count DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE memory.conversation_sessions ALTER COLUMN total_tokens_used DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE memory.conversation_sessions ALTER COLUMN tool_calls_count DROP DEFAULT;
