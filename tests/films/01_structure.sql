-- films structure, exhaustively: an object added without a test fails here.
BEGIN;
SELECT plan(48);

SELECT has_schema('films', 'schema films exists');
SELECT set_eq(
    $$SELECT relname::text FROM pg_class
      WHERE relnamespace = 'films'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition$$,
    ARRAY[
        'users', 'sessions', 'app_states', 'user_states', 'questions', 'answers', 'inferential_reasoning',
        'events', 'agent_transfers', 'state_snapshots', 'film_projects', 'system_config'
    ],
    'films has exactly its tables (partitions aside)'
);
SELECT materialized_views_are('films', ARRAY['session_summary', 'agent_performance', 'daily_activity', 'agent_usage_daily'],
                              'films has exactly its materialized views');
SELECT functions_are('films', ARRAY[
    'agent_workflow', 'append_event', 'append_events', 'append_events_json', 'apply_delta', 'apply_scoped_state',
    'archive_old_sessions',
    'conversation_history', 'create_events_partition', 'delete_archived_data', 'delete_events_of_sessions',
    'delta_scope',
    'drop_old_event_partitions', 'drop_temp_keys', 'event_problem', 'event_row_check', 'fill_film_project', 'first_event_out_of_order',
    'full_state', 'initial_session_values', 'merge_deltas',
    'reconstruct_session', 'refuse_append',
    'search_films', 'session_row', 'session_row_check', 'session_state_at', 'snapshot_new_session', 'split_initial_state',
    'state_evolution', 'state_text',
    'sync_film_projects', 'take_snapshot', 'without_temp_keys'
], 'films has exactly its functions');
SELECT types_are('films', ARRAY['event_input'], 'films has exactly its types');

SELECT columns_are('films', 'sessions', ARRAY[
    'id', 'app_name', 'user_id', 'session_name', 'state', 'agent_config', 'root_agent_name', 'status',
    'total_events', 'total_tool_calls', 'total_tokens_used', 'last_sequence', 'started_at', 'ended_at', 'updated_at',
    'last_event_at'
], 'sessions has the spec''s columns plus app_name, last_sequence, last_event_at and updated_at');
SELECT columns_are('films', 'events', ARRAY[
    'id', 'session_id', 'sequence_number', 'event_type', 'agent_name', 'parent_agent_name', 'event_data',
    'state_delta', 'tool_name', 'tool_input', 'tool_output', 'duration_ms', 'tokens_used', 'error_message',
    'created_at'
], 'events has the spec''s columns plus sequence_number');
SELECT columns_are('films', 'users', ARRAY['id', 'email', 'username', 'created_at', 'metadata', 'is_active'],
                   'users has the spec''s columns');
SELECT columns_are('films', 'questions', ARRAY[
    'id', 'session_id', 'user_id', 'content', 'sequence_number', 'asked_at', 'context'
], 'questions has the spec''s columns');
SELECT columns_are('films', 'answers', ARRAY[
    'id', 'session_id', 'question_id', 'content', 'agent_name', 'agent_type', 'sequence_number',
    'tokens_used', 'response_time_ms', 'answered_at'
], 'answers has the spec''s columns');
SELECT columns_are('films', 'inferential_reasoning', ARRAY[
    'id', 'session_id', 'question_id', 'answer_id', 'agent_name', 'agent_role', 'reasoning_type', 'content',
    'state_delta', 'sequence_number', 'created_at'
], 'inferential_reasoning has the spec''s columns');
SELECT columns_are('films', 'agent_transfers', ARRAY[
    'id', 'session_id', 'event_id', 'event_created_at', 'from_agent', 'to_agent', 'transfer_reason', 'transferred_at'
], 'agent_transfers has the spec''s columns plus the event''s partition key');
SELECT columns_are('films', 'state_snapshots', ARRAY[
    'id', 'session_id', 'snapshot_type', 'state', 'event_sequence_num', 'description', 'created_at'
], 'state_snapshots has the spec''s columns');
SELECT columns_are('films', 'film_projects', ARRAY[
    'id', 'session_id', 'user_id', 'title', 'historical_subject', 'genre', 'status', 'plot_outline',
    'research_summary', 'casting_report', 'box_office_report', 'output_file_path', 'metadata', 'created_at',
    'updated_at'
], 'film_projects has the spec''s columns plus updated_at');
SELECT columns_are('films', 'system_config', ARRAY['key', 'value', 'description', 'updated_at'],
                   'system_config has the spec''s columns');
SELECT columns_are('films', 'session_summary', ARRAY[
    'session_id', 'user_id', 'session_name', 'status', 'started_at', 'ended_at', 'duration_seconds',
    'total_events', 'total_questions', 'total_answers', 'total_reasoning_events', 'agents_used',
    'film_project_id', 'film_title', 'film_status'
], 'session_summary has exactly 001''s columns');
SELECT columns_are('films', 'agent_performance', ARRAY[
    'agent_name', 'total_responses', 'avg_tokens', 'avg_response_time_ms', 'first_used', 'last_used', 'sessions_count'
], 'agent_performance has exactly 001''s columns');
SELECT columns_are('films', 'daily_activity', ARRAY[
    'activity_date', 'sessions_count', 'total_events', 'tool_calls_count', 'total_tokens', 'avg_event_duration_ms'
], 'daily_activity has exactly 001''s columns');

SELECT col_type_is('films', 'sessions', 'state', 'jsonb', 'sessions.state is jsonb');
SELECT col_type_is('films', 'events', 'event_data', 'json', 'events.event_data is json (returned verbatim)');
SELECT col_type_is('films', 'events', 'state_delta', 'jsonb', 'events.state_delta is jsonb');
SELECT col_is_pk('films', 'events', ARRAY['id', 'session_id', 'created_at'],
                 'events are keyed by id, session (distribution column) and partition key');
SELECT col_is_pk('films', t, ARRAY['id', 'session_id'], format('%s is keyed by id and session (distribution column)', t))
FROM unnest(ARRAY['questions', 'answers', 'inferential_reasoning', 'agent_transfers', 'state_snapshots',
                  'film_projects']) AS t;
SELECT is_partitioned('films', 'events', 'events is partitioned');
SELECT is((SELECT partition_interval FROM core.partitioned_tables WHERE parent = 'films.events'::regclass),
          'month', 'events is registered with core by month');
SELECT ok(EXISTS (SELECT FROM core.partitions_of('films.events') WHERE is_default),
          'events has a default partition');
SELECT is(
    (SELECT pg_get_constraintdef(oid) FROM pg_constraint
     WHERE conname = 'agent_transfers_event' AND conrelid = 'films.agent_transfers'::regclass AND conparentid = 0),
    'FOREIGN KEY (session_id, event_id, event_created_at) REFERENCES films.events(session_id, id, created_at) DEFERRABLE',
    'a transfer links to its event by session, id and partition key, deferrably'
);
SELECT fk_ok('films', 'sessions', 'user_id', 'films', 'users', 'id', 'sessions belong to users');
SELECT fk_ok('films', 'inferential_reasoning', ARRAY['session_id', 'question_id'], 'films', 'questions',
             ARRAY['session_id', 'id'], 'reasoning follows a question of its session');
SELECT fk_ok('films', 'inferential_reasoning', ARRAY['session_id', 'answer_id'], 'films', 'answers',
             ARRAY['session_id', 'id'], 'reasoning produces an answer of its session');
SELECT fk_ok('films', 'answers', ARRAY['session_id', 'question_id'], 'films', 'questions',
             ARRAY['session_id', 'id'], 'an answer answers a question of its session');
SELECT is((SELECT confdeltype::text FROM pg_constraint WHERE conname = 'inferential_reasoning_answer_id_fkey'),
          'a', 'reasoning -> answer is NO ACTION (Citus refuses SET NULL on a key with the distribution column)');

SELECT indexes_are('films', 'sessions', ARRAY[
    'sessions_pkey', 'sessions_state', 'sessions_active', 'sessions_user_covering'
], 'sessions has exactly its indexes');
SELECT index_is_type('films', 'sessions', 'sessions_state', 'gin', 'the state index is GIN');
SELECT is((SELECT pg_get_indexdef('films.sessions_state'::regclass) LIKE '%jsonb_path_ops%'), FALSE,
          'the state index uses jsonb_ops, which answers ? and ?& as well as @>');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'films.sessions_active'::regclass),
          '(status = ''active''::text)', 'the active-sessions index is partial');
SELECT ok((SELECT pg_get_indexdef('films.sessions_user_covering'::regclass)
           LIKE '%(user_id, started_at DESC) INCLUDE (session_name, status)'),
          'the user index covers session_name and status');
SELECT indexes_are('films', 'events', ARRAY['events_pkey', 'events_session_sequence', 'events_tool'],
                   'events has exactly its indexes');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'films.events_tool'::regclass),
          '(tool_name IS NOT NULL)', 'only tool events are in the tool index');
SELECT index_is_type('films', 'film_projects', 'film_projects_title_trgm', 'gin', 'film titles have a trigram index');
SELECT set_eq($$SELECT view::text FROM core.materialized_views WHERE view::text LIKE 'films.%'$$,
              ARRAY['films.session_summary', 'films.agent_performance', 'films.daily_activity', 'films.agent_usage_daily'],
              'the four materialized views are registered with maintenance');
SELECT ok((SELECT bool_and(EXISTS (SELECT FROM pg_index WHERE indrelid = v.view AND indisunique))
           FROM core.materialized_views AS v WHERE v.view::text LIKE 'films.%'),
          'each has the unique index REFRESH CONCURRENTLY needs');
SELECT is_empty($$SELECT * FROM tests.uncommented_objects('films')$$,
                'every function, table and view of films has a comment');
ROLLBACK;
