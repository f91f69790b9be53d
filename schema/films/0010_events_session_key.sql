-- films: films.events keyed by (id, session_id, created_at), agent_transfers pointing at it with its
-- session (step 3 of 4; docs/scale-out.md).
-- CREATE INDEX CONCURRENTLY cannot build an index on a partitioned parent, and cannot run inside a
-- function, so a migration cannot build the partitions' indexes concurrently: it cannot name the
-- partitions (they depend on when the database was installed and on retention). So this step:
--   1. builds, for each partition that does not have one yet, the unique index
--      (id, session_id, created_at) - on a populated database run the script of docs/scale-out.md
--      ("films.events on a populated database") first, which builds them CONCURRENTLY, and this
--      step finds them and builds nothing;
--   2. replaces the parent's primary key with an index on the parent only (catalog only), turns each
--      partition's index into that partition's primary key (USING INDEX) and attaches it; the parent
--      key is valid once every partition's is attached.
-- Step 2 holds ACCESS EXCLUSIVE on events and its partitions for catalog changes only: milliseconds.
-- Partitions made later (core.create_partition ATTACHes them) get the key from the parent.
-- agent_transfers' key into events now carries the session: (session_id, event_id, event_created_at),
-- still DEFERRABLE so that maintenance can move an event and its transfer together; NOT VALID here,
-- validated by 0011 without blocking writers.

-- squawk-ignore ban-drop-constraint
ALTER TABLE films.agent_transfers DROP CONSTRAINT agent_transfers_event;

DO $events_key$
DECLARE
    v_partition record;
    v_index text;
    v_partitions regclass [] := '{}';
    v_keys text [] := '{}';
BEGIN
    -- 1. Each partition's unique index on (id, session_id, created_at): found, or built.
    FOR v_partition IN
        SELECT
            p.partition,
            c.relname,
            (SELECT string_agg(a.attnum::text, ' ' ORDER BY k.n)
             FROM unnest(ARRAY['id', 'session_id', 'created_at']) WITH ORDINALITY AS k (name, n)
             INNER JOIN pg_attribute AS a ON a.attrelid = p.partition AND a.attname = k.name) AS key_columns
        FROM core.partitions_of('films.events') AS p
        INNER JOIN pg_class AS c ON c.oid = p.partition
    LOOP
        SELECT min(x.relname) INTO v_index
        FROM pg_index AS i
        INNER JOIN pg_class AS x ON x.oid = i.indexrelid
        WHERE i.indrelid = v_partition.partition AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
          AND i.indexprs IS NULL AND i.indkey::text = v_partition.key_columns;
        IF v_index IS NULL THEN
            v_index := left(v_partition.relname, 52) || '_session_key';
            EXECUTE format('CREATE UNIQUE INDEX %I ON %s (id, session_id, created_at)', v_index, v_partition.partition);
        END IF;
        v_partitions := v_partitions || v_partition.partition;
        v_keys := v_keys || v_index;
    END LOOP;

    -- 2. The parent's key on the parent only, then each partition's index as its key, attached.
    ALTER TABLE films.events DROP CONSTRAINT events_pkey;
    ALTER TABLE ONLY films.events ADD CONSTRAINT events_pkey PRIMARY KEY (id, session_id, created_at);
    FOR i IN 1 .. coalesce(array_length(v_partitions, 1), 0) LOOP
        v_index := left((SELECT c.relname FROM pg_class AS c WHERE c.oid = v_partitions[i]), 58) || '_pkey';
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I PRIMARY KEY USING INDEX %I', v_partitions[i], v_index, v_keys[i]);
        EXECUTE format('ALTER INDEX films.events_pkey ATTACH PARTITION films.%I', v_index);
    END LOOP;
END
$events_key$;

ALTER TABLE films.agent_transfers ADD CONSTRAINT agent_transfers_event
FOREIGN KEY (session_id, event_id, event_created_at) REFERENCES films.events (session_id, id, created_at)
DEFERRABLE INITIALLY IMMEDIATE NOT VALID;
