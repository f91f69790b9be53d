-- assistant: where its rows live on a Citus cluster (docs/scale-out.md, DESIGN.md section 8).
-- A chat session, its messages and its agents' state are one co-location group distributed by
-- session_id; the calendar stays on the coordinator (one no-overlap rule over the whole calendar).

SELECT core.register_distribution(
    'assistant.chat_sessions', 'distributed',
    'leads the chat-session group: a conversation and its agents'' state live on one shard',
    p_column => 'session_id'
);
SELECT core.register_distribution(
    t.relation, 'distributed', t.reason, p_column => 'session_id', p_colocate_with => 'assistant.chat_sessions'
)
FROM (
    VALUES
    ('assistant.chat_messages'::regclass, 'a session''s messages, read as its history'),
    ('assistant.agent_states', 'the state each agent keeps for a session')
) AS t (relation, reason);
SELECT core.register_distribution(
    'assistant.calendar_events', 'local',
    'one no-overlap exclusion constraint over the whole calendar; small, joined with nothing distributed'
);
