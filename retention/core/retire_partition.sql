-- core.retire_partition(parent, partition, now): what retention does to one partition.
-- Detaches it if it is still attached (finishing an interrupted concurrent detach), then drops it
-- (retention_action drop, or a detached partition past its grace) or records it as detached.

CREATE OR REPLACE FUNCTION core.retire_partition(
    p_parent regclass, p_partition regclass, p_now timestamptz DEFAULT now()
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_config core.partitioned_tables;
    v_pending boolean;
    v_drop_after timestamptz;
BEGIN
    SELECT * INTO STRICT v_config FROM core.partitioned_tables AS t WHERE t.parent = p_parent;
    SELECT i.inhdetachpending INTO v_pending
    FROM pg_inherits AS i
    WHERE i.inhparent = p_parent AND i.inhrelid = p_partition;
    IF v_pending THEN
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s FINALIZE', p_parent, p_partition);
    ELSIF FOUND THEN
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', p_parent, p_partition);
    END IF;

    SELECT d.drop_after INTO v_drop_after FROM core.detached_partitions AS d WHERE d.partition = p_partition;
    IF v_config.retention_action = 'drop' OR v_drop_after <= p_now THEN
        DELETE FROM core.detached_partitions AS d WHERE d.partition = p_partition;
        EXECUTE format('DROP TABLE %s', p_partition);
    ELSE
        INSERT INTO core.detached_partitions (partition, parent, detached_at, drop_after)
        VALUES (p_partition, p_parent, p_now, p_now + v_config.detached_grace)
        ON CONFLICT (partition) DO NOTHING;
    END IF;
END
$$;

COMMENT ON FUNCTION core.retire_partition(regclass, regclass, timestamptz) IS
'Retention for one partition: detach it (or finalize a pending detach), then drop it or keep it as
a table recorded in core.detached_partitions.';

REVOKE ALL ON FUNCTION core.retire_partition(regclass, regclass, timestamptz) FROM PUBLIC;
