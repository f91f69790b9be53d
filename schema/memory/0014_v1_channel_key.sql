-- memory: the v1 chat_messages keyed (id, channel_id), its distribution column on Citus (step 4 of
-- 6; docs/scale-out.md "memory"). finish_messages_v2 may have moved the table to memory_archive, so
-- it is found where it is (a DO block, so CREATE INDEX CONCURRENTLY is not available here). A valid
-- unique index on exactly (id, channel_id) is used if there is one; otherwise it is built here, which
-- makes v1 writers wait for the build: on a large v1 table build it first without blocking them
-- (docs/scale-out.md). Then the primary key is swapped onto it (USING INDEX keeps the name
-- chat_messages_pkey), a catalog change. In its own transaction, so that no other table waits for
-- the build.

DO $v1_key$
DECLARE
    v_table regclass := coalesce(to_regclass('memory.chat_messages'), to_regclass('memory_archive.chat_messages'));
    v_index name;
BEGIN
    -- A valid unique index on exactly (id, channel_id), in the table's schema, else one built here.
    SELECT x.relname INTO v_index
    FROM pg_index AS i
    INNER JOIN pg_class AS x ON x.oid = i.indexrelid
    WHERE i.indrelid = v_table AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
      AND i.indkey::int2 [] = ARRAY(SELECT a.attnum FROM unnest(ARRAY['id', 'channel_id']) WITH ORDINALITY AS k (name, n)
                                     INNER JOIN pg_attribute AS a ON a.attrelid = v_table AND a.attname = k.name
                                     ORDER BY k.n)
    LIMIT 1;
    IF v_index IS NULL THEN
        v_index := 'chat_messages_id_channel';
        EXECUTE format('CREATE UNIQUE INDEX %I ON %s (id, channel_id)', v_index, v_table);
    END IF;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT chat_messages_pkey, ADD CONSTRAINT chat_messages_pkey PRIMARY KEY USING INDEX %I',
                   v_table, v_index);
END
$v1_key$;
