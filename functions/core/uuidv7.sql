-- core.uuidv7(): time-ordered UUIDs (RFC 9562, version 7) on every supported server.
-- PostgreSQL 18 has pg_catalog.uuidv7(); 14-17 do not. One portable definition keeps keys identical
-- in shape everywhere: the first 48 bits are the Unix time in milliseconds, the rest random
-- (from gen_random_uuid), with the version nibble 7 and the RFC variant. Ordered by time to the
-- millisecond, so B-tree inserts stay at the right edge of the index. It runs for every inserted
-- row, so it is a plain SQL expression with no SET clause (every function and operator in it is
-- qualified with pg_catalog), which PostgreSQL inlines into the calling statement.

CREATE OR REPLACE FUNCTION core.uuidv7(p_at timestamptz DEFAULT clock_timestamp())
RETURNS uuid
LANGUAGE sql
VOLATILE PARALLEL SAFE
AS $$
    SELECT pg_catalog.encode(
        pg_catalog.set_bit(
            pg_catalog.set_bit(
                pg_catalog.overlay(
                    pg_catalog.uuid_send(pg_catalog.gen_random_uuid()),
                    pg_catalog.substring(
                        pg_catalog.int8send(
                            pg_catalog.floor(
                                pg_catalog.date_part('epoch', p_at) OPERATOR(pg_catalog.*) 1000
                            )::pg_catalog.int8
                        ),
                        3
                    ),
                    1, 6
                ),
                52, 1
            ),
            53, 1
        ),
        'hex'
    )::pg_catalog.uuid
$$;

COMMENT ON FUNCTION core.uuidv7(timestamptz) IS
'A version 7 UUID for time p_at (default: now): 48 bits of Unix milliseconds, then random bits.';
