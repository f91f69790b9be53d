-- memory structure, exhaustively: an object added without a test fails here.
BEGIN;
SELECT plan(51);

SELECT has_schema('memory', 'schema memory exists');
SELECT schema_owner_is('memory_archive', '{{ owner_role }}', 'the archive schema of the v1 messages belongs to the owner');
SELECT set_eq(
    $$SELECT relname::text FROM pg_class
      WHERE relnamespace = 'memory'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition$$,
    ARRAY[
        'users', 'workspaces', 'channels', 'agents', 'agent_datastores', 'chat_messages', 'conversation_sessions',
        'chat_messages_v2', 'message_versions', 'agent_memories', 'memory_consolidations', 'agent_states',
        'state_checkpoints', 'state_transitions', 'context_snapshots', 'context_templates', 'message_id_map',
        'messages_v2_migration', 'audit_log', 'user_pii', 'memory_accesses'
    ],
    'memory has exactly its tables'
);
SELECT functions_are('memory', ARRAY[
    'agent_state_at', 'approximate_nearest_memories', 'apply_delta', 'audit_agent_datastores', 'audit_agent_memories', 'audit_agent_states', 'audit_agents',
    'audit_channels', 'audit_chat_messages', 'audit_chat_messages_v2', 'audit_context_snapshots', 'audit_context_templates',
    'audit_conversation_sessions', 'audit_memory_consolidations', 'audit_message_id_map', 'audit_message_versions',
    'audit_messages_v2_migration', 'audit_state_checkpoints', 'audit_state_transitions', 'audit_user_pii', 'audit_users',
    'audit_workspaces', 'backfill_messages_v2', 'caller_bypasses_row_security', 'check_reference', 'check_state_changes', 'check_state_write',
    'consolidate_memories', 'copy_v1_message', 'count_session_messages', 'create_checkpoint', 'current_agent_id',
    'current_user_id', 'dual_write_message', 'edit_message', 'effective_importance', 'ensure_v1_session',
    'exact_nearest_memories', 'expire_checkpoints', 'expire_memories', 'fold_memory_accesses', 'fill_version_session', 'finish_messages_v2', 'forget_user', 'initial_session_counters', 'refuse_audit_change', 'keep_message_version', 'lock_current_state', 'message_history',
    'message_tokens', 'nearest_memories', 'recall_memories', 'record_memory_accesses', 'remember', 'require_agent', 'reset_agent_state',
    'restore_checkpoint', 'restore_state', 'rollback_messages_v2', 'rollback_state', 'start_messages_v2',
    'state_delta', 'state_hash', 'update_agent_state', 'use_context_template', 'v1_message_owner', 'v1_session_id',
    'validate_messages_v2', 'write_state'
], 'memory has exactly its functions');
SELECT views_are('memory', ARRAY['memories_by_type', 'recall_activity_daily', 'state_activity_daily', 'agent_state_summary'],
                 'memory has exactly its views');

SELECT columns_are('memory', 'chat_messages_v2', ARRAY[
    'id', 'version', 'conversation_id', 'session_id', 'parent_message_id', 'channel_id', 'sender_user_id',
    'sender_agent_id', 'role', 'content', 'metadata', 'context', 'tools', 'memory_refs', 'state_snapshot_id', 'audit',
    'current_version', 'created_at', 'updated_at'
], 'chat_messages_v2 has the spec''s columns plus current_version');
SELECT columns_are('memory', 'message_versions', ARRAY[
    'id', 'message_id', 'version_number', 'content', 'metadata', 'changed_by', 'change_reason', 'created_at', 'session_id'
], 'message_versions has the spec''s columns plus session_id');
SELECT columns_are('memory', 'agent_memories', ARRAY[
    'id', 'agent_id', 'memory_type', 'content', 'embeddings', 'importance', 'decay_rate', 'access_count',
    'related_memories', 'source_message_id', 'last_accessed', 'created_at', 'expires_at'
], 'agent_memories has the spec''s columns');
SELECT columns_are('memory', 'memory_consolidations', ARRAY[
    'id', 'agent_id', 'source_memories', 'consolidated_memory_id', 'consolidation_type', 'tokens_saved', 'created_at'
], 'memory_consolidations has the spec''s columns');
SELECT columns_are('memory', 'agent_states', ARRAY[
    'id', 'agent_id', 'version_number', 'version', 'local_state', 'shared_state', 'session_state', 'persistent_state',
    'state_hash', 'modification_count', 'valid_from', 'valid_until', 'is_current', 'created_at', 'last_modified'
], 'agent_states has the spec''s columns plus version_number');
SELECT columns_are('memory', 'state_checkpoints', ARRAY[
    'id', 'agent_id', 'state_id', 'checkpoint_type', 'trigger_reason', 'state_data', 'compression_type', 'size_bytes',
    'restoration_time_ms', 'restoration_count', 'retention_policy', 'expires_at', 'created_at'
], 'state_checkpoints has the spec''s columns');
SELECT columns_are('memory', 'state_transitions', ARRAY[
    'id', 'agent_id', 'from_state_id', 'to_state_id', 'transition_type', 'trigger', 'changes', 'rollback_available',
    'rollback_data', 'created_at'
], 'state_transitions has the spec''s columns');
SELECT columns_are('memory', 'context_snapshots', ARRAY[
    'id', 'message_id', 'agent_id', 'snapshot_data', 'total_tokens', 'compression_ratio', 'segment_count',
    'build_time_ms', 'optimization_count', 'created_at'
], 'context_snapshots has the spec''s columns');
SELECT columns_are('memory', 'context_templates', ARRAY[
    'id', 'name', 'description', 'segments', 'variables', 'total_tokens', 'use_count', 'use_cases', 'agent_types',
    'created_at', 'updated_at'
], 'context_templates has the spec''s columns');
SELECT columns_are('memory', 'conversation_sessions', ARRAY[
    'id', 'conversation_id', 'user_id', 'agent_id', 'started_at', 'ended_at', 'last_active', 'message_count',
    'total_tokens_used', 'tool_calls_count', 'session_state', 'interruption_context', 'status'
], 'conversation_sessions has the spec''s columns');
SELECT columns_are('memory', 'chat_messages', ARRAY[
    'id', 'channel_id', 'content', 'sender_user_id', 'sender_agent_id', 'created_at'
], 'the v1 chat_messages has the columns of "Current Tables" plus id');
SELECT columns_are('memory', 'agents', ARRAY[
    'id', 'name', 'system_instructions', 'assistant_instructions', 'personality', 'workspace_id', 'owner_user_id',
    'created_at'
], 'agents has the columns of "Current Tables" plus workspace, owner and created_at');
SELECT columns_are('memory', 'workspaces', ARRAY[
    'id', 'name', 'context_window_size', 'context_window_token_limit', 'created_at'
], 'workspaces has the columns of "Current Tables"');
SELECT columns_are('memory', 'agent_datastores', ARRAY['agent_id', 'datastore_id'],
                   'agent_datastores has the columns of "Current Tables"');

SELECT is((SELECT format_type(atttypid, atttypmod) FROM pg_attribute
           WHERE attrelid = 'memory.agent_memories'::regclass AND attname = 'embeddings'),
          '{{ extension_schema }}.vector({{ memory_embedding_dim }})',
          'embeddings are vectors of memory_embedding_dim dimensions');
SELECT is((SELECT pg_get_indexdef('memory.idx_memories_embedding'::regclass)),
          'CREATE INDEX idx_memories_embedding ON memory.agent_memories USING hnsw (embeddings {{ extension_schema }}.vector_cosine_ops) WITH (m=''24'', ef_construction=''128'')',
          'the embedding index is HNSW on cosine distance with m 24, ef_construction 128');
SELECT is((SELECT indisunique FROM pg_index WHERE indexrelid = 'memory.unique_current_state'::regclass), TRUE,
          'unique_current_state is a unique index');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 'memory.unique_current_state'::regclass),
          'is_current', 'on the current states only');
SELECT col_is_unique('memory', 'agent_states', ARRAY['agent_id', 'version_number'], 'versions are unique per agent');
SELECT col_is_unique('memory', 'message_versions', ARRAY['session_id', 'message_id', 'version_number'],
                     'message versions are unique per message (with its session)');
SELECT is((SELECT attgenerated FROM pg_attribute WHERE attrelid = 'memory.agent_states'::regclass AND attname = 'version'),
          's', 'agent_states.version is generated from version_number');
SELECT index_is_type('memory', 'chat_messages_v2', 'idx_messages_content_gin', 'gin', 'message content has a GIN index');
SELECT index_is_type('memory', 'agent_memories', 'idx_memories_content_gin', 'gin', 'memory content has a GIN index');
SELECT index_is_type('memory', 'context_templates', 'context_templates_name_trgm', 'gin', 'template names have a trigram index');
SELECT fk_ok('memory', 'message_versions', ARRAY['session_id', 'message_id'], 'memory', 'chat_messages_v2',
             ARRAY['session_id', 'id'], 'versions belong to messages of their session');
SELECT fk_ok('memory', 'chat_messages_v2', ARRAY['session_id', 'parent_message_id'], 'memory', 'chat_messages_v2',
             ARRAY['session_id', 'id'], 'a reply''s parent is a message of its session');
SELECT fk_ok('memory', 'chat_messages_v2', ARRAY['session_id', 'conversation_id'], 'memory', 'conversation_sessions',
             ARRAY['id', 'conversation_id'], 'a message belongs to a session of its conversation');
SELECT fk_ok('memory', 'state_checkpoints', ARRAY['agent_id', 'state_id'], 'memory', 'agent_states', ARRAY['agent_id', 'id'],
             'a checkpoint saves a state version of its agent');
SELECT fk_ok('memory', 'state_transitions', ARRAY['agent_id', 'to_state_id'], 'memory', 'agent_states',
             ARRAY['agent_id', 'id'], 'a transition leads to a version of its agent');
SELECT fk_ok('memory', 'memory_consolidations', ARRAY['agent_id', 'consolidated_memory_id'], 'memory', 'agent_memories',
             ARRAY['agent_id', 'id'], 'a consolidation points at a memory of its agent');
SELECT set_eq(
    $$SELECT tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE tgfoid = 'memory.check_reference()'::regprocedure$$,
    ARRAY['memory.agent_memories.agent_memories_source_message', 'memory.context_snapshots.context_snapshots_message',
          'memory.chat_messages_v2.chat_messages_v2_state_snapshot'],
    'the references between the agent and session groups are checked by triggers (no foreign key crosses the groups)'
);

SELECT set_eq(
    $$SELECT relname::text FROM pg_class WHERE relnamespace = 'memory'::regnamespace AND relrowsecurity$$,
    ARRAY['conversation_sessions', 'chat_messages_v2', 'message_versions', 'agent_memories', 'memory_consolidations',
          'agent_states', 'state_checkpoints', 'state_transitions', 'context_snapshots', 'user_pii', 'memory_accesses'],
    'row-level security is on for the per-user and per-agent tables'
);
SELECT is_empty(
    $$SELECT relname FROM pg_class WHERE relnamespace = 'memory'::regnamespace AND relforcerowsecurity$$,
    'and not forced: the owner (migrations, definer functions, maintenance) is not subject to it'
);
SELECT ok((SELECT bool_and(qual LIKE '%( SELECT (NULLIF(current_setting(''agentdb.%') FROM pg_policies
           WHERE schemaname = 'memory' AND roles = '{ {{- app_role -}} }'),
          'every policy of the application role reads its setting in a scalar subquery (once per query)');
SELECT is_empty(
    $$SELECT t FROM unnest(ARRAY['agent_states', 'state_checkpoints', 'state_transitions', 'message_versions',
                                 'audit_log', 'message_id_map', 'messages_v2_migration']) AS t
      WHERE has_table_privilege('{{ app_role }}', 'memory.' || t, 'INSERT')
         OR has_table_privilege('{{ app_role }}', 'memory.' || t, 'UPDATE')
         OR has_table_privilege('{{ app_role }}', 'memory.' || t, 'DELETE')$$,
    'the application cannot write state versions, checkpoints, transitions, message versions, audit or migration rows'
);
SELECT is_empty(
    $$SELECT c.relname FROM pg_class AS c
      WHERE c.relnamespace = 'memory'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname NOT IN ('audit_log', 'memory_accesses')
        AND (SELECT count(*) FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND t.tgname LIKE 'zz\_audit\_%') <> 3$$,
    'every table but the audit log itself and recall''s pending accesses has its three audit triggers'
);
SELECT is_empty(
    $$SELECT t.tgname FROM pg_trigger AS t WHERE t.tgrelid = 'memory.memory_accesses'::regclass$$,
    'recall''s pending accesses are not audited (a logged audit row per recall is what they avoid; the fold is audited)'
);
SELECT ok(has_table_privilege('{{ app_role }}', 'memory.memory_accesses', 'SELECT')
          AND NOT has_table_privilege('{{ app_role }}', 'memory.memory_accesses', 'INSERT')
          AND NOT has_table_privilege('{{ app_role }}', 'memory.memory_accesses', 'UPDATE')
          AND NOT has_table_privilege('{{ app_role }}', 'memory.memory_accesses', 'DELETE'),
          'the application reads waiting accesses, and appends them only through record_memory_accesses');
SELECT is_empty(
    $$SELECT c.relname, a.attname FROM pg_class AS c
      INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relnamespace = 'memory'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname NOT IN ('audit_log', 'memory_accesses')
        AND position(quote_literal(a.attname) IN
                     coalesce((SELECT p.prosrc FROM pg_proc AS p
                               WHERE p.oid = to_regprocedure(format('memory.%I()', 'audit_' || c.relname))), '')) = 0$$,
    'every column of every audited table is compared by its audit function (after adding a column, re-apply functions/memory/audit.sql)'
);
SELECT results_eq(
    $$SELECT partition_interval, retention FROM core.partitioned_tables WHERE parent = 'memory.audit_log'::regclass$$,
    $$VALUES ('month', interval '{{ memory_audit_retention_months }} months')$$,
    'the audit log is partitioned by month with core, retention memory_audit_retention_months'
);
SELECT ok(NOT has_column_privilege('{{ app_role }}', 'memory.conversation_sessions', 'message_count', 'UPDATE')
          AND NOT has_column_privilege('{{ app_role }}', 'memory.conversation_sessions', 'message_count', 'INSERT')
          AND NOT has_column_privilege('{{ app_role }}', 'memory.chat_messages_v2', 'current_version', 'UPDATE')
          AND has_column_privilege('{{ app_role }}', 'memory.conversation_sessions', 'status', 'UPDATE'),
          'session counters and message version numbers are not writable by the application');
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc AS p
      WHERE p.pronamespace = 'memory'::regnamespace AND p.prosecdef
        AND NOT coalesce(p.proconfig, '{}') @> ARRAY['search_path=pg_catalog, pg_temp']$$,
    'every SECURITY DEFINER function pins its search_path'
);
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc AS p
      WHERE p.pronamespace = 'memory'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
    'no memory function is executable by PUBLIC'
);
SELECT set_eq(
    $$SELECT task::text FROM core.maintenance_tasks WHERE task::text LIKE 'memory.%'$$,
    ARRAY['memory.expire_memories(timestamp with time zone)', 'memory.expire_checkpoints(timestamp with time zone)',
          'memory.fold_memory_accesses(timestamp with time zone)'],
    'memory expiry, checkpoint retention and the fold of recall''s accesses are registered with core maintenance'
);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'memory.recall_memories(uuid, {{ extension_schema }}.vector, integer, text[], double precision, timestamptz)'::regprocedure),
          ARRAY['search_path=pg_catalog, pg_temp', 'hnsw.iterative_scan=relaxed_order', 'hnsw.ef_search=40', 'enable_sort=off',
                'enable_seqscan=off', 'plan_cache_mode=force_generic_plan'],
          'recall_memories runs with pgvector''s iterative index scan, without sorts for its approximate search, plans its '
          'statements once per session (generic plans, sequential scans disabled), and restores the caller''s settings');
SELECT is_empty($$SELECT * FROM tests.uncommented_objects('memory')$$,
                'every function, table and view of memory has a comment');
ROLLBACK;
