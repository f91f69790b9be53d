-- memory seed: a research assistant that remembers (spec 004). Ada asks her agent, the Archivist,
-- about Zhang Zhongjing; the agent answers (and the answer is edited once: a versioned message),
-- builds its context from a template (snapshot linked to the answer), remembers one thing of each
-- memory type, consolidates two of them, and its state goes through three versions, a checkpoint
-- and a rollback. Loading it twice changes nothing (fixed ids; written only if the user is new).
--   SELECT * FROM memory.message_history('0190a0c0-0000-7000-8000-00000000a010');
--   SELECT version_number, local_state FROM memory.agent_states
--   WHERE agent_id = '0190a0c0-0000-7000-8000-00000000a0a1' ORDER BY version_number;

DO $seed$
DECLARE
    v_user constant uuid := '0190a0c0-0000-7000-8000-00000000a001';
    v_agent constant uuid := '0190a0c0-0000-7000-8000-00000000a0a1';
    v_session constant uuid := '0190a0c0-0000-7000-8000-00000000a005';
    v_conversation constant uuid := '0190a0c0-0000-7000-8000-00000000a006';
    v_question constant uuid := '0190a0c0-0000-7000-8000-00000000a00f';
    v_answer constant uuid := '0190a0c0-0000-7000-8000-00000000a010';
    v_template constant uuid := '0190a0c0-0000-7000-8000-00000000a0c1';
    v_start constant timestamptz := '2025-02-01 09:00:00+00';
    v_episode uuid;
    v_fact uuid;
    v_checkpoint uuid;
BEGIN
    IF EXISTS (SELECT FROM memory.users WHERE id = v_user) THEN
        RETURN;
    END IF;
    INSERT INTO memory.users (id, name, created_at) VALUES (v_user, 'Ada', v_start);
    INSERT INTO memory.workspaces (id, name, context_window_size, context_window_token_limit)
    VALUES ('0190a0c0-0000-7000-8000-00000000a0b1', 'History research', 50, 128000);
    INSERT INTO memory.channels (id, workspace_id, name)
    VALUES ('0190a0c0-0000-7000-8000-00000000a0d1', '0190a0c0-0000-7000-8000-00000000a0b1', 'ancient-medicine');
    INSERT INTO memory.agents (id, name, system_instructions, personality, workspace_id, owner_user_id, created_at)
    VALUES (v_agent, 'Archivist', 'Answer history questions with sources.', 'precise, curious',
            '0190a0c0-0000-7000-8000-00000000a0b1', v_user, v_start);

    -- The conversation; the answer is corrected once (message_versions keeps the first wording).
    INSERT INTO memory.conversation_sessions (id, conversation_id, user_id, agent_id, started_at, last_active)
    VALUES (v_session, v_conversation, v_user, v_agent, v_start, v_start);
    INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, channel_id, sender_user_id, role, content,
                                         metadata, created_at, updated_at)
    VALUES (v_question, v_conversation, v_session, '0190a0c0-0000-7000-8000-00000000a0d1', v_user, 'user',
            '{"type": "text", "text": "Who was Zhang Zhongjing?"}', '{"tokens": 8}',
            v_start + interval '1 minute', v_start + interval '1 minute');
    INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, parent_message_id, channel_id, sender_agent_id,
                                         role, content, metadata, tools, created_at, updated_at)
    VALUES (v_answer, v_conversation, v_session, v_question, '0190a0c0-0000-7000-8000-00000000a0d1', v_agent,
            'assistant', '{"type": "text", "text": "A physician of the Tang dynasty who wrote on fevers."}',
            '{"tokens": 14, "confidence": 0.6}', '[{"name": "encyclopedia_search", "query": "Zhang Zhongjing"}]',
            v_start + interval '2 minutes', v_start + interval '2 minutes');
    PERFORM set_config('agentdb.user_id', v_user::text, TRUE);
    PERFORM memory.edit_message(
        v_answer,
        '{"type": "text", "text": "A physician of the Han dynasty (150-219 CE), author of the Treatise on Cold Damage Disorders."}',
        '{"tokens": 22, "confidence": 0.95}', 'corrected the dynasty'
    );

    INSERT INTO memory.context_templates (id, name, description, segments, variables, total_tokens, use_cases, agent_types)
    VALUES (v_template, 'research brief', 'System prompt, the question, the memories recalled for it.',
            '[{"role": "system", "text": "You are {{ '{{' }}agent{{ '}}' }}."}, {"role": "memories", "k": 5},
              {"role": "user", "text": "{{ '{{' }}question{{ '}}' }}"}]',
            '{"agent": "Archivist", "question": ""}', 120, ARRAY['research'], ARRAY['assistant']);
    PERFORM memory.use_context_template(v_template);
    INSERT INTO memory.context_snapshots (message_id, agent_id, snapshot_data, total_tokens, compression_ratio,
                                          segment_count, build_time_ms, optimization_count, created_at)
    VALUES (v_answer, v_agent, jsonb_build_object('template', v_template, 'memories_recalled', 2), 412, 0.8, 3, 35, 1,
            v_start + interval '2 minutes');

    -- One memory of each type (embeddings along distinct axes, so recall is predictable).
    v_episode := memory.remember(
        v_agent, 'episodic', '{"event": "Ada asked about Zhang Zhongjing", "temporal": "2025-02-01T09:01Z"}',
        (SELECT array_agg(CASE WHEN g = 1 THEN 1 ELSE 0 END ORDER BY g) FROM generate_series(1, {{ memory_embedding_dim }}) AS g)
            ::{{ extension_schema }}.vector,
        0.6, p_source_message_id => v_question, p_now => v_start + interval '1 minute');
    v_fact := memory.remember(
        v_agent, 'semantic', '{"concept": "Zhang Zhongjing", "definition": "Han dynasty physician, 150-219 CE"}',
        (SELECT array_agg(CASE WHEN g IN (1, 2) THEN 1 ELSE 0 END ORDER BY g) FROM generate_series(1, {{ memory_embedding_dim }}) AS g)
            ::{{ extension_schema }}.vector,
        0.9, p_decay_rate => 0.01, p_source_message_id => v_answer, p_now => v_start + interval '2 minutes');
    PERFORM memory.remember(
        v_agent, 'procedural', '{"skill": "answer a history question", "steps": ["search", "cite", "answer"]}',
        (SELECT array_agg(CASE WHEN g = 3 THEN 1 ELSE 0 END ORDER BY g) FROM generate_series(1, {{ memory_embedding_dim }}) AS g)
            ::{{ extension_schema }}.vector,
        0.8, p_now => v_start);
    PERFORM memory.remember(
        v_agent, 'working', '{"items": ["Zhang Zhongjing", "Treatise on Cold Damage"], "capacity": 7}',
        (SELECT array_agg(CASE WHEN g = 4 THEN 1 ELSE 0 END ORDER BY g) FROM generate_series(1, {{ memory_embedding_dim }}) AS g)
            ::{{ extension_schema }}.vector,
        0.4, p_now => v_start);
    PERFORM memory.consolidate_memories(
        v_agent, ARRAY[v_episode, v_fact], 'summarize',
        '{"concept": "Ada''s interest", "definition": "Ada studies Zhang Zhongjing, Han dynasty physician"}',
        (SELECT array_agg(CASE WHEN g IN (1, 2) THEN 1 WHEN g = 5 THEN 0.5 ELSE 0 END ORDER BY g)
         FROM generate_series(1, {{ memory_embedding_dim }}) AS g)::{{ extension_schema }}.vector,
        p_now => v_start + interval '3 minutes');

    -- State: three versions, a checkpoint, a rollback.
    PERFORM memory.update_agent_state(v_agent, '{"local": {"task": "research", "step": 1}, "persistent": {"user_name": "Ada"}}',
                                      'session start', 0, v_start);
    PERFORM memory.update_agent_state(v_agent, '{"local": {"step": 2}, "session": {"topic": "Zhang Zhongjing"}}',
                                      'question', 1, v_start + interval '1 minute');
    v_checkpoint := memory.create_checkpoint(v_agent, 'milestone', 'answer verified', 'permanent',
                                             v_start + interval '2 minutes');
    PERFORM memory.update_agent_state(v_agent, '{"local": {"step": 3, "draft": "Tang dynasty"}}', 'draft',
                                      2, v_start + interval '3 minutes');
    PERFORM memory.rollback_state(v_agent, 2, 3, v_start + interval '4 minutes');
    PERFORM set_config('agentdb.user_id', '', TRUE);
END
$seed$;
