-- memory.user_pii (schema/memory/0010_user_pii.sql): updated_at follows re-encryptions.

CREATE OR REPLACE TRIGGER user_pii_updated_at
BEFORE UPDATE ON memory.user_pii
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
