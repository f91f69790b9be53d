-- memory: context templates in use (spec 004 "Templates: reusable context patterns").

CREATE OR REPLACE FUNCTION memory.use_context_template(p_template_id uuid)
RETURNS memory.context_templates
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_template memory.context_templates;
BEGIN
    IF p_template_id IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'the context template must not be NULL',
            HINT = 'Pass the id of a memory.context_templates row.';
    END IF;
    UPDATE memory.context_templates AS t SET use_count = t.use_count + 1
    WHERE t.id = p_template_id
    RETURNING * INTO v_template;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('context template %s does not exist', p_template_id),
            HINT = 'List the templates in memory.context_templates.';
    END IF;
    RETURN v_template;
END
$$;

COMMENT ON FUNCTION memory.use_context_template(uuid) IS 'Returns a context template for use and counts the use (use_count).';

CREATE OR REPLACE TRIGGER context_templates_updated_at
BEFORE UPDATE ON memory.context_templates
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();

REVOKE ALL ON FUNCTION memory.use_context_template(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION memory.use_context_template(uuid) TO {{ app_role }};
