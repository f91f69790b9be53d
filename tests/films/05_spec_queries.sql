-- The spec's own queries, verbatim (with $1 filled in), on the seeded story, and the functions that
-- stand for the frequent ones. Spec 000 "Common Query Patterns", 001 "State Management Pattern".
BEGIN;
SELECT plan(17);
SET LOCAL search_path = films, core, {{ extension_schema }}, public;

-- Session Reconstruction
SELECT results_eq(
    $$SELECT s.state, json_array_length(x.events) FROM (
        SELECT
            s.state,
            s.agent_config,
            JSON_AGG(e.event_data ORDER BY e.created_at) AS events
        FROM sessions s
        LEFT JOIN events e ON s.id = e.session_id
        WHERE s.id = '0190a0c0-0000-7000-8000-000000000002'
        GROUP BY s.id
      ) AS x CROSS JOIN sessions AS s WHERE s.id = '0190a0c0-0000-7000-8000-000000000002'$$,
    $$SELECT state, 12 FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'$$,
    'session reconstruction (spec SQL) returns the state and the 12 events'
);
SELECT is((reconstruct_session('0190a0c0-0000-7000-8000-000000000002') -> 'events')::text,
          (SELECT JSON_AGG(e.event_data ORDER BY e.created_at)::text FROM events e
           WHERE e.session_id = '0190a0c0-0000-7000-8000-000000000002'),
          'reconstruct_session returns the same events in the same order');

-- Conversation History
SELECT results_eq(
    $$WITH conversation AS (
        SELECT sequence_number, 'question' AS type, content, NULL AS agent, asked_at AS ts
        FROM questions WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'
        UNION ALL
        SELECT sequence_number, 'answer' AS type, content, agent_name AS agent, answered_at AS ts
        FROM answers WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'
      )
      SELECT * FROM conversation ORDER BY sequence_number, ts$$,
    $$VALUES (1, 'question', 'Film about ancient doctor', NULL, '2025-01-25 10:00:05+00'::timestamptz),
             (1, 'answer', 'Plot saved to file output/zhang_zhongjing_plot.txt', 'file_writer',
              '2025-01-25 10:01:45+00')$$,
    'conversation history (spec SQL): the question, then file_writer''s answer'
);
SELECT results_eq(
    $$SELECT * FROM conversation_history('0190a0c0-0000-7000-8000-000000000002')$$,
    $$VALUES (1, 'question', 'Film about ancient doctor', NULL, '2025-01-25 10:00:05+00'::timestamptz),
             (1, 'answer', 'Plot saved to file output/zhang_zhongjing_plot.txt', 'file_writer',
              '2025-01-25 10:01:45+00')$$,
    'conversation_history() returns the same'
);

-- Agent Workflow
SELECT results_eq(
    $$SELECT from_agent, to_agent, transfer_reason, transferred_at
      FROM agent_transfers
      WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'
      ORDER BY transferred_at$$,
    $$SELECT * FROM agent_workflow('0190a0c0-0000-7000-8000-000000000002')$$,
    'agent workflow (spec SQL) and agent_workflow() agree'
);
SELECT results_eq(
    $$SELECT from_agent || ' -> ' || to_agent FROM agent_workflow('0190a0c0-0000-7000-8000-000000000002')$$,
    ARRAY['greeter -> researcher', 'researcher -> screenwriter', 'screenwriter -> critic', 'critic -> file_writer'],
    'the story hands over greeter, researcher, screenwriter, critic, file_writer'
);

-- State Evolution
SELECT results_eq(
    $$SELECT created_at, agent_name, state_delta
      FROM events
      WHERE session_id = '0190a0c0-0000-7000-8000-000000000002' AND state_delta IS NOT NULL
      ORDER BY created_at$$,
    $$SELECT created_at, agent_name, state_delta FROM state_evolution('0190a0c0-0000-7000-8000-000000000002')$$,
    'state evolution (spec SQL) and state_evolution() agree'
);
SELECT results_eq(
    $$SELECT array(SELECT jsonb_object_keys(session_state_at('0190a0c0-0000-7000-8000-000000000002', n)) ORDER BY 1)
      FROM unnest(ARRAY[4, 5, 7, 9]) AS n$$,
    $$VALUES ('{}'::text[]), ('{research}'), ('{PLOT_OUTLINE,research}'), ('{CRITICAL_FEEDBACK,PLOT_OUTLINE,research}')$$,
    'the state evolves as 001 draws it: {} -> research -> + PLOT_OUTLINE -> + CRITICAL_FEEDBACK'
);

-- Film Search (Fuzzy)
SELECT results_eq(
    $$SELECT title, historical_subject
      FROM (SELECT title, historical_subject,
                SIMILARITY(title, 'ancient doctor') AS sim
            FROM film_projects
            WHERE title % 'ancient doctor'
            ORDER BY sim DESC
            LIMIT 20) AS found$$,
    $$VALUES ('The Ancient Doctor of Changsha', 'Zhang Zhongjing')$$,
    'film search (spec SQL) finds the story''s film'
);
SELECT results_eq(
    $$SELECT title FROM search_films('ancient doctor')$$, ARRAY['The Ancient Doctor of Changsha'],
    'search_films() finds it too'
);

-- 001: JSONB query patterns
SELECT ok(EXISTS (SELECT FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'
                  AND state @> '{"research": ["Zhang Zhongjing (150-219 CE)"]}'), 'containment (@>)');
SELECT ok(EXISTS (SELECT FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'
                  AND state ? 'PLOT_OUTLINE'), 'key existence (?)');
SELECT ok(EXISTS (SELECT FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'
                  AND state ?& array['research', 'PLOT_OUTLINE', 'CRITICAL_FEEDBACK']), 'all keys (?&)');
SELECT is((SELECT state->'research' AS research FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002') -> 0,
          '"Zhang Zhongjing (150-219 CE)"'::jsonb, 'value extraction (->)');
SELECT is((SELECT state->>'PLOT_OUTLINE' AS plot FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'),
          (SELECT plot_outline FROM film_projects WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'),
          'text extraction (->>) matches the film project''s plot_outline');
SELECT ok(EXISTS (SELECT FROM sessions WHERE id = '0190a0c0-0000-7000-8000-000000000002'
                  AND jsonb_array_length(state->'research') > 0), 'array operations');
SELECT is((SELECT state FROM state_snapshots WHERE session_id = '0190a0c0-0000-7000-8000-000000000002'
           AND snapshot_type = 'checkpoint'),
          session_state_at('0190a0c0-0000-7000-8000-000000000002', 9),
          'the story''s checkpoint snapshot holds the state after the critique');
ROLLBACK;
