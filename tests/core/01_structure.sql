-- core structure: exactly the tables, functions and roles the core module promises.
BEGIN;
SELECT plan(19);

SELECT has_schema('core', 'schema core exists');
SELECT has_schema('{{ extension_schema }}', 'the extension schema exists');
SELECT tables_are(
    'core',
    ARRAY['migration_ledger', 'partitioned_tables', 'detached_partitions', 'materialized_views', 'maintenance_log',
          'maintenance_tasks', 'table_growth', 'distribution_plan'],
    'core has exactly its tables'
);
SELECT functions_are(
    'core',
    ARRAY[
        'grant_module_privileges', 'lock_key', 'set_updated_at', 'uuidv7', 'uuidv7_run',
        'partition_key', 'partition_slot', 'partition_name', 'partition_suffix', 'partitions_of',
        'create_partition', 'ensure_default_partition', 'register_partitioned_table', 'retire_partition',
        'maintain_table', 'log_maintenance', 'claim_for_maintenance', 'run_maintenance',
        'register_materialized_view',
        'refresh_materialized_view', 'partition_health',
        'calling_role', 'check_clock', 'check_maintenance_clock', 'application_time', 'copy_table_privileges',
        'register_maintenance_task', 'unregister_maintenance_task', 'run_maintenance_task',
        'record_table_growth', 'slow_statements', 'statement_statistics', 'monitoring_alerts',
        'register_distribution', 'distribution_problems',
        'check_deferred_constraints', 'stored_columns', 'foreign_keys_to', 'columns_of', 'referencing_rows',
        'disable_user_triggers', 'restore_user_triggers', 'retire_default_rows', 'refuse_distributed_referenced_move'
    ],
    'core has exactly its functions'
);
SELECT views_are('core', ARRAY['maintenance_health', 'materialized_view_health', 'unused_indexes', 'slow_statements',
                              'monitoring_alerts', 'partition_timeline', 'maintenance_runs'], 'core has exactly its views');
SELECT function_privs_are('core', 'run_maintenance', ARRAY['timestamp with time zone', 'boolean'],
                          '{{ maintenance_role }}', ARRAY['EXECUTE'],
                          'the maintenance role may run maintenance');
SELECT col_is_pk('core', 'migration_ledger', 'id', 'ledger is keyed by id');
SELECT columns_are(
    'core', 'migration_ledger',
    ARRAY['id', 'module', 'kind', 'file', 'version', 'checksum', 'applied_at', 'duration', 'applied_by'],
    'ledger has exactly its columns'
);
SELECT index_is_unique('core', 'migration_ledger', 'migration_ledger_versioned_once',
                       'a versioned file can be recorded once only');
SELECT has_role('{{ owner_role }}', 'owner role exists');
SELECT has_role('{{ app_role }}', 'application role exists');
SELECT has_role('{{ readonly_role }}', 'read-only role exists');
SELECT has_role('{{ maintenance_role }}', 'maintenance role exists');
SELECT ok(NOT rolcanlogin, format('role %s is a NOLOGIN group role', rolname))
FROM pg_roles
WHERE rolname IN ('{{ owner_role }}', '{{ app_role }}', '{{ readonly_role }}', '{{ maintenance_role }}')
ORDER BY rolname;
SELECT is(
    (
        SELECT count(*)::int
        FROM core.migration_ledger
        WHERE file = 'schema/core/0001_ledger.sql'
    ),
    1, 'the ledger records its own creation'
);
SELECT is_empty($$SELECT * FROM tests.uncommented_objects('core')$$,
                'every function, table and view of core has a comment');
ROLLBACK;
