-- langgraph in the distribution plan: by thread (threads leading checkpoints, blobs, writes) and by
-- the store namespace's first label (store leading store_vectors); the catalog agrees with the plan.
BEGIN;
SELECT plan(4);

SELECT set_eq(
    $$SELECT relation::text, kind, distribution_column::text, coalesce(colocate_with::text, '')
      FROM core.distribution_plan WHERE relation::text LIKE 'langgraph.%'$$,
    $$VALUES ('langgraph.threads', 'distributed', 'thread_id', ''),
             ('langgraph.checkpoints', 'distributed', 'thread_id', 'langgraph.threads'),
             ('langgraph.checkpoint_blobs', 'distributed', 'thread_id', 'langgraph.threads'),
             ('langgraph.checkpoint_writes', 'distributed', 'thread_id', 'langgraph.threads'),
             ('langgraph.store', 'distributed', 'root', ''),
             ('langgraph.store_vectors', 'distributed', 'root', 'langgraph.store')$$,
    'every langgraph table is in the plan: by thread, and the store by namespace root'
);
SELECT is_empty($$SELECT * FROM core.distribution_problems() AS p WHERE p.relation::text LIKE 'langgraph.%'$$,
                'no distribution problem in langgraph');
SELECT is_empty($$SELECT * FROM core.distribution_problems()$$, 'no distribution problem in the database');
SELECT is_empty($$SELECT c.relname FROM pg_class AS c
                  WHERE c.relnamespace = 'langgraph'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                    AND c.oid NOT IN (SELECT relation FROM core.distribution_plan)$$,
                'no langgraph table is missing from the plan');

SELECT * FROM finish();
ROLLBACK;
