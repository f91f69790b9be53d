-- core.uuidv7(): time-ordered UUIDs (RFC 9562, version 7) on every supported server.
-- PostgreSQL 18 has pg_catalog.uuidv7(); 14-17 do not. One portable definition keeps keys identical
-- in shape everywhere: the first 48 bits are the Unix time in milliseconds, the rest random
-- (from gen_random_uuid), with the version nibble 7 and the RFC variant. Ordered by time to the
-- millisecond, so B-tree inserts stay at the right edge of the index. It runs for every inserted
-- row, so it is a plain SQL expression with no SET clause (it uses only pg_catalog built-ins), which
-- PostgreSQL inlines into the calling statement.

CREATE OR REPLACE FUNCTION core.uuidv7(p_at timestamptz DEFAULT clock_timestamp())
RETURNS uuid
LANGUAGE sql
VOLATILE PARALLEL SAFE
AS $$
    SELECT encode(
        set_bit(
            set_bit(
                overlay(
                    uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(EPOCH FROM p_at) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6
                ),
                52, 1
            ),
            53, 1
        ),
        'hex'
    )::uuid
$$;

COMMENT ON FUNCTION core.uuidv7(timestamptz) IS
'A version 7 UUID for time p_at (default: now): 48 bits of Unix milliseconds, then random bits.';
