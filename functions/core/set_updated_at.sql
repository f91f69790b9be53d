-- core.set_updated_at(): BEFORE UPDATE trigger function shared by every table with updated_at.
-- Bumps updated_at only when the row really changed, so an idempotent re-write keeps its time.

CREATE OR REPLACE FUNCTION core.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION core.set_updated_at() IS
'BEFORE UPDATE trigger: sets NEW.updated_at to now() when the row changed. Use:
CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION core.set_updated_at().';
