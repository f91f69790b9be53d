-- core.partition_name(parent, suffix): a partition's name, fitted to PostgreSQL's 63-byte limit.
-- <table><suffix> when it fits; otherwise the table name is shortened and a hash of the full name
-- keeps two long names with a common prefix apart (pg_partman truncates without the hash).

CREATE OR REPLACE FUNCTION core.partition_name(p_parent regclass, p_suffix text)
RETURNS name
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_base text;
    v_tag text;
BEGIN
    SELECT c.relname INTO STRICT v_base FROM pg_class AS c WHERE c.oid = p_parent;
    IF octet_length(v_base || p_suffix) <= 63 THEN
        RETURN v_base || p_suffix;
    END IF;
    v_tag := '_' || left(md5(v_base), 6);
    WHILE octet_length(v_base || v_tag || p_suffix) > 63 LOOP
        v_base := left(v_base, -1);
    END LOOP;
    RETURN v_base || v_tag || p_suffix;
END
$$;

CREATE OR REPLACE FUNCTION core.partition_suffix(p_interval text, p_lower timestamptz)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
SET timezone = 'UTC'
AS $$
    SELECT CASE p_interval
        WHEN 'month' THEN to_char(p_lower, '"_"YYYY"_"MM')
        WHEN 'week' THEN to_char(p_lower, '"_"IYYY"_w"IW')
        WHEN 'day' THEN to_char(p_lower, '"_"YYYY"_"MM"_"DD')
    END
$$;

COMMENT ON FUNCTION core.partition_name(regclass, text) IS
'<table><suffix>, shortened with a hash of the table name when longer than 63 bytes.';
COMMENT ON FUNCTION core.partition_suffix(text, timestamptz) IS
'_YYYY_MM (month), _IYYY_wIW (ISO week) or _YYYY_MM_DD (day) for a partition starting at p_lower.';
