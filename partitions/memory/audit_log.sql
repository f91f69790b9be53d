-- memory.audit_log: monthly partitions through core's partition manager, three months made ahead,
-- a default partition for anything else, partitions older than {{ memory_audit_retention_months }}
-- months dropped by maintenance (retention is by dropping partitions, never by DELETE).

SELECT core.register_partitioned_table('memory.audit_log', p_interval => 'month', p_premake => 3,
                                       p_retention => '{{ memory_audit_retention_months }} months');
