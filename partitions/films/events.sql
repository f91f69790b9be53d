-- films.events: monthly partitions through core's partition manager (three months made ahead,
-- a default partition for anything else). Retention is not core's here: event partitions are
-- dropped by films.drop_old_event_partitions(), which keeps any partition an unarchived session
-- still has events in.

SELECT core.register_partitioned_table('films.events', p_interval => 'month', p_premake => 3);
