-- assistant structure, exhaustively: an object added without a test fails here.
BEGIN;
SELECT plan(36);

SELECT has_schema('assistant', 'schema assistant exists');
SELECT tables_are('assistant', ARRAY['chat_sessions', 'chat_messages', 'agent_states', 'calendar_events'],
                  'assistant has exactly the spec''s four tables');
SELECT views_are('assistant', ARRAY['messages_daily', 'calendar_load_daily'], 'assistant has exactly its views');
SELECT functions_are('assistant', ARRAY[
    'add_message', 'book_event', 'check_limit', 'check_new_event', 'check_session_id', 'check_time_range', 'cleanup_old_sessions',
    'cleanup_orphaned_agent_states', 'conflict_error', 'create_event', 'event_range', 'events_between',
    'find_conflicts', 'get_or_create_session', 'load_agent_state', 'messages_by_agent', 'retention_task',
    'round_all_day_event', 'save_agent_state', 'search_events', 'search_messages', 'session_history'
], 'assistant has exactly its functions');

SELECT columns_are('assistant', 'chat_sessions', ARRAY['id', 'session_id', 'created_at'],
                   'chat_sessions has the spec''s columns');
SELECT columns_are('assistant', 'chat_messages', ARRAY['id', 'session_id', 'role', 'content', 'agent_type', 'timestamp'],
                   'chat_messages has the spec''s columns');
SELECT columns_are('assistant', 'agent_states', ARRAY['id', 'session_id', 'agent_type', 'state_data', 'state', 'updated_at'],
                   'agent_states has the spec''s columns plus the generated jsonb state');
SELECT columns_are('assistant', 'calendar_events', ARRAY[
    'id', 'title', 'description', 'start_time', 'end_time', 'location', 'all_day', 'booked', 'created_at', 'updated_at'
], 'calendar_events has the spec''s columns plus booked');

SELECT is(
    (SELECT array_agg(format('%s.%s %s', c.table_name, c.column_name, c.data_type) ORDER BY c.table_name)
     FROM information_schema.columns AS c
     WHERE c.table_schema = 'assistant' AND c.column_name = 'id'),
    ARRAY['agent_states.id bigint', 'calendar_events.id bigint', 'chat_messages.id bigint', 'chat_sessions.id bigint'],
    'every id is a server-generated integer'
);
SELECT ok((SELECT bool_and(is_identity = 'YES') FROM information_schema.columns
           WHERE table_schema = 'assistant' AND column_name = 'id'), 'ids are identity columns');
SELECT col_type_is('assistant', 'agent_states', 'state_data', 'text', 'state_data stays text (the client json.loads it)');
SELECT col_type_is('assistant', 'agent_states', 'state', 'jsonb', 'state is jsonb');
SELECT is((SELECT attgenerated::text FROM pg_attribute
           WHERE attrelid = 'assistant.agent_states'::regclass AND attname = 'state'), 's',
          'state is a stored generated column');
SELECT is(
    (SELECT count(*)::int FROM information_schema.columns
     WHERE table_schema = 'assistant' AND data_type = 'timestamp with time zone'
       AND column_name IN ('created_at', 'timestamp', 'updated_at', 'start_time', 'end_time')),
    7, 'every time column is timestamptz'
);
SELECT is(
    (SELECT array_agg(table_name::text ORDER BY table_name) FROM information_schema.columns
     WHERE table_schema = 'assistant' AND column_name = 'session_id' AND data_type = 'text'),
    ARRAY['agent_states', 'chat_messages', 'chat_sessions'], 'session_id is a string in all three tables'
);
SELECT col_is_unique('assistant', 'chat_sessions', 'session_id', 'session_id is unique in chat_sessions');
SELECT col_is_unique('assistant', 'agent_states', ARRAY['session_id', 'agent_type'],
                     'one state per (session_id, agent_type)');
SELECT fk_ok('assistant', 'chat_messages', 'session_id', 'assistant', 'chat_sessions', 'session_id',
             'messages reference their session by session_id');
SELECT is((SELECT confdeltype::text FROM pg_constraint
           WHERE conrelid = 'assistant.chat_messages'::regclass AND contype = 'f'), 'c',
          'deleting a session deletes its messages');
SELECT is((SELECT count(*)::int FROM pg_constraint
           WHERE conrelid = 'assistant.agent_states'::regclass AND contype = 'f'), 0,
          'agent_states has no foreign key (state may come before its session)');
SELECT col_default_is('assistant', 'calendar_events', 'all_day', 'false', 'all_day defaults to false');
SELECT col_default_is('assistant', 'chat_messages', 'timestamp', 'now()', 'timestamp defaults to now()');

SELECT indexes_are('assistant', 'chat_sessions', ARRAY['chat_sessions_pkey', 'chat_sessions_session_id_key',
                   'chat_sessions_created_at'], 'chat_sessions has exactly its indexes');
SELECT indexes_are('assistant', 'chat_messages', ARRAY['chat_messages_pkey', 'chat_messages_session_history',
                   'chat_messages_session_agent', 'chat_messages_content_fts'], 'chat_messages has exactly its indexes');
SELECT indexes_are('assistant', 'agent_states', ARRAY['agent_states_pkey', 'agent_states_session_id_agent_type_key',
                   'agent_states_state'], 'agent_states has exactly its indexes');
SELECT indexes_are('assistant', 'calendar_events', ARRAY['calendar_events_pkey', 'calendar_events_during',
                   'calendar_events_start_time', 'calendar_events_title_fts', 'calendar_events_booked_no_overlap'],
                   'calendar_events has exactly its indexes');
SELECT ok(pg_get_indexdef('assistant.chat_messages_session_history'::regclass)
          LIKE '%(session_id, "timestamp" DESC, id DESC)', 'history index: session, newest first, id breaks ties');
SELECT index_is_type('assistant', 'calendar_events', 'calendar_events_during', 'gist', 'the event range index is GiST');
SELECT index_is_type('assistant', 'calendar_events', 'calendar_events_title_fts', 'gin', 'the title index is GIN');
SELECT index_is_type('assistant', 'chat_messages', 'chat_messages_content_fts', 'gin', 'the content index is GIN');
SELECT index_is_type('assistant', 'agent_states', 'agent_states_state', 'gin', 'the state index is GIN');
SELECT is((SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'calendar_events_booked_no_overlap'),
          'EXCLUDE USING gist (tstzrange(start_time, end_time) WITH &&) WHERE (booked)',
          'booked events exclude each other');
SELECT set_eq($$SELECT tgname::text FROM pg_trigger WHERE tgrelid IN
                ('assistant.calendar_events'::regclass, 'assistant.agent_states'::regclass) AND NOT tgisinternal$$,
              ARRAY['calendar_events_all_day', 'calendar_events_updated_at', 'agent_states_updated_at'],
              'the tables have exactly their triggers');
SELECT is((SELECT description FROM core.maintenance_tasks WHERE task = 'assistant.retention_task(timestamptz)'::regprocedure),
          'assistant: sessions idle for 30 days, orphaned agent states', 'retention is a registered maintenance task');
SELECT ok(EXISTS (SELECT FROM pg_extension WHERE extname = 'btree_gist'), 'btree_gist is installed');
SELECT is_empty($$SELECT * FROM tests.uncommented_objects('assistant')$$,
                'every function, table and view of assistant has a comment');
SELECT * FROM finish();
ROLLBACK;
