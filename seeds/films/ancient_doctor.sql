-- films seed: the spec's story, "a film about an ancient doctor" (spec 000 workflow, 001 "Session
-- state evolution"). One question; researcher, screenwriter and critic reason with their state
-- deltas; file_writer answers; the agents hand over to each other; a checkpoint snapshot; the film
-- project. Events go through films.append_event, so the state evolves
--   {} -> {research} -> {research, PLOT_OUTLINE} -> {research, PLOT_OUTLINE, CRITICAL_FEEDBACK}.
-- Loading it twice changes nothing (fixed ids; the story is written only if its session is new).

DO $seed$
DECLARE
    v_user constant uuid := '0190a0c0-0000-7000-8000-000000000001';
    v_session constant uuid := '0190a0c0-0000-7000-8000-000000000002';
    v_question constant uuid := '0190a0c0-0000-7000-8000-000000000003';
    v_answer constant uuid := '0190a0c0-0000-7000-8000-000000000004';
    v_start constant timestamptz := '2025-01-25 10:00:00+00';
    v_research constant jsonb := '["Zhang Zhongjing (150-219 CE)", "Chinese physician during Han Dynasty", "Wrote Treatise on Cold Damage Disorders"]';
    v_plot constant text := 'Act I: Young Zhang witnesses an epidemic ravage his clan. Act II: He studies with master physicians and tests remedies. Act III: As governor of Changsha he opens his court to treat the sick.';
    v_feedback constant text := 'Add more emotional depth in Act II: show what Zhang loses.';
BEGIN
    IF EXISTS (SELECT FROM films.sessions WHERE id = v_session) THEN
        RETURN;
    END IF;
    PERFORM films.create_events_partition(v_start::date);

    INSERT INTO films.users (id, email, username, metadata)
    VALUES (v_user, 'director@example.com', 'director', '{"role": "film director"}')
    ON CONFLICT (id) DO NOTHING;
    INSERT INTO films.sessions (id, app_name, user_id, session_name, root_agent_name, agent_config, started_at)
    VALUES (v_session, 'films', v_user, 'Film about an ancient doctor', 'greeter',
            '{"model": "gemini-2.5-flash", "sub_agents": ["researcher", "screenwriter", "critic", "file_writer"]}',
            v_start);

    INSERT INTO films.questions (id, session_id, user_id, content, sequence_number, asked_at, context)
    VALUES (v_question, v_session, v_user, 'Film about ancient doctor', 1, v_start + interval '5 seconds',
            '{"channel": "web"}');

    PERFORM films.append_event(v_session, 'user_message', '{"author": "user", "text": "Film about ancient doctor"}',
                               p_created_at => v_start + interval '5 seconds');
    PERFORM films.append_event(v_session, 'agent_transfer', '{"author": "greeter", "transfer_to_agent": "researcher"}',
                               p_agent_name => 'greeter', p_transfer_to_agent => 'researcher',
                               p_transfer_reason => 'The film needs historical research first',
                               p_created_at => v_start + interval '10 seconds');
    PERFORM films.append_event(v_session, 'tool_call', '{"author": "researcher", "function_call": "wikipedia"}',
                               p_agent_name => 'researcher', p_parent_agent_name => 'greeter',
                               p_tool_name => 'wikipedia', p_tool_input => '{"query": "ancient Chinese physician"}',
                               p_duration_ms => 850, p_tokens_used => 120,
                               p_created_at => v_start + interval '20 seconds');
    PERFORM films.append_event(v_session, 'tool_response', '{"author": "researcher", "function_response": "wikipedia"}',
                               p_agent_name => 'researcher', p_tool_name => 'wikipedia',
                               p_tool_output => '{"title": "Zhang Zhongjing"}', p_duration_ms => 40,
                               p_created_at => v_start + interval '21 seconds');
    PERFORM films.append_event(v_session, 'agent_response', '{"author": "researcher", "text": "Found Zhang Zhongjing (150-219 CE)..."}',
                               p_state_delta => jsonb_build_object('research', v_research),
                               p_agent_name => 'researcher', p_tokens_used => 640, p_duration_ms => 2100,
                               p_created_at => v_start + interval '30 seconds');
    PERFORM films.append_event(v_session, 'agent_transfer', '{"author": "researcher", "transfer_to_agent": "screenwriter"}',
                               p_agent_name => 'researcher', p_transfer_to_agent => 'screenwriter',
                               p_transfer_reason => 'Research done: write the plot',
                               p_created_at => v_start + interval '35 seconds');
    PERFORM films.append_event(v_session, 'agent_response', '{"author": "screenwriter", "text": "Creating three-act structure..."}',
                               p_state_delta => jsonb_build_object('PLOT_OUTLINE', v_plot),
                               p_agent_name => 'screenwriter', p_tokens_used => 1850, p_duration_ms => 5400,
                               p_created_at => v_start + interval '1 minute');
    PERFORM films.append_event(v_session, 'agent_transfer', '{"author": "screenwriter", "transfer_to_agent": "critic"}',
                               p_agent_name => 'screenwriter', p_transfer_to_agent => 'critic',
                               p_transfer_reason => 'Outline ready for review',
                               p_created_at => v_start + interval '65 seconds');
    PERFORM films.append_event(v_session, 'agent_response', '{"author": "critic", "text": "Needs more depth in Act II"}',
                               p_state_delta => jsonb_build_object('CRITICAL_FEEDBACK', v_feedback, 'temp:draft_notes', 'scratch'),
                               p_agent_name => 'critic', p_tokens_used => 420, p_duration_ms => 1900,
                               p_created_at => v_start + interval '90 seconds');
    PERFORM films.take_snapshot(v_session, 'checkpoint', 'after the critique');
    PERFORM films.append_event(v_session, 'agent_transfer', '{"author": "critic", "transfer_to_agent": "file_writer"}',
                               p_agent_name => 'critic', p_transfer_to_agent => 'file_writer',
                               p_transfer_reason => 'Save the reviewed plot',
                               p_created_at => v_start + interval '95 seconds');
    PERFORM films.append_event(v_session, 'tool_call', '{"author": "file_writer", "function_call": "write_file"}',
                               p_agent_name => 'file_writer', p_tool_name => 'write_file',
                               p_tool_input => '{"path": "output/zhang_zhongjing_plot.txt"}', p_duration_ms => 30,
                               p_created_at => v_start + interval '100 seconds');
    PERFORM films.append_event(v_session, 'agent_response', '{"author": "file_writer", "text": "Plot saved to file..."}',
                               p_agent_name => 'file_writer', p_tokens_used => 2500, p_duration_ms => 3200,
                               p_created_at => v_start + interval '105 seconds');

    INSERT INTO films.answers (id, session_id, question_id, content, agent_name, agent_type, sequence_number,
                               tokens_used, response_time_ms, answered_at)
    VALUES (v_answer, v_session, v_question, 'Plot saved to file output/zhang_zhongjing_plot.txt', 'file_writer',
            'LlmAgent', 1, 2500, 3200, v_start + interval '105 seconds');
    INSERT INTO films.inferential_reasoning (session_id, question_id, answer_id, agent_name, agent_role,
                                             reasoning_type, content, state_delta, sequence_number, created_at)
    VALUES
        (v_session, v_question, v_answer, 'researcher', 'Historical researcher', 'research',
         'Found Zhang Zhongjing (150-219 CE), a physician of the Han Dynasty.',
         jsonb_build_object('research', v_research), 1, v_start + interval '30 seconds'),
        (v_session, v_question, v_answer, 'screenwriter', 'Screenwriter', 'planning',
         'Creating three-act structure around the epidemic and the open court.',
         jsonb_build_object('PLOT_OUTLINE', v_plot), 2, v_start + interval '1 minute'),
        (v_session, v_question, v_answer, 'critic', 'Film critic', 'critique',
         'Needs more depth in Act II.', jsonb_build_object('CRITICAL_FEEDBACK', v_feedback), 3,
         v_start + interval '90 seconds');

    INSERT INTO films.film_projects (session_id, user_id, title, historical_subject, genre, status,
                                     output_file_path, created_at)
    VALUES (v_session, v_user, 'The Ancient Doctor of Changsha', 'Zhang Zhongjing', 'historical drama', 'writing',
            'output/zhang_zhongjing_plot.txt', v_start + interval '105 seconds');

    UPDATE films.sessions SET status = 'completed', ended_at = v_start + interval '30 minutes' WHERE id = v_session;
END
$seed$;
