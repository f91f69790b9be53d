-- core.set_updated_at(): BEFORE UPDATE trigger function shared by every table with updated_at.
-- Bumps updated_at only when the row really changed, so an idempotent re-write keeps its time, and
-- keeps an updated_at that the update set itself. A hot table can add
-- WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at) to its trigger to skip the call when
-- the update sets it (films.sessions does): same result, no function call.

CREATE OR REPLACE FUNCTION core.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION core.set_updated_at() IS
'BEFORE UPDATE trigger: sets NEW.updated_at to now() when the row changed and the update did not
set updated_at itself. Use:
CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION core.set_updated_at().';
