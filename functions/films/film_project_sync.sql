-- films: film_projects' denormalized columns follow the session state (spec 000 "Dual Storage").
-- State keys PLOT_OUTLINE, research (a list, joined one item a line), casting_report and
-- box_office_report become plot_outline, research_summary, casting_report, box_office_report:
-- when a project is created, and whenever one of those keys of its session's state changes
-- (the trigger's WHEN clause keeps every other state change free of this work).

CREATE OR REPLACE FUNCTION films.state_text(p_value jsonb)
RETURNS text
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE jsonb_typeof(p_value)
        WHEN 'array' THEN (SELECT string_agg(CASE jsonb_typeof(v) WHEN 'string' THEN v #>> '{}' ELSE v::text END,
                                             E'\n' ORDER BY o)
                           FROM jsonb_array_elements(p_value) WITH ORDINALITY AS a(v, o))
        WHEN 'string' THEN p_value #>> '{}'
        WHEN 'null' THEN NULL
        ELSE p_value::text
    END
$$;

COMMENT ON FUNCTION films.state_text(jsonb) IS
'A state value as text for a film_projects column: strings as they are, lists one item a line.';

CREATE OR REPLACE FUNCTION films.fill_film_project()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state jsonb;
BEGIN
    SELECT s.state INTO v_state FROM films.sessions AS s WHERE s.id = NEW.session_id;
    NEW.plot_outline := coalesce(NEW.plot_outline, films.state_text(v_state -> 'PLOT_OUTLINE'));
    NEW.research_summary := coalesce(NEW.research_summary, films.state_text(v_state -> 'research'));
    NEW.casting_report := coalesce(NEW.casting_report, films.state_text(v_state -> 'casting_report'));
    NEW.box_office_report := coalesce(NEW.box_office_report, films.state_text(v_state -> 'box_office_report'));
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION films.sync_film_projects()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE films.film_projects AS f SET
        plot_outline = films.state_text(NEW.state -> 'PLOT_OUTLINE'),
        research_summary = films.state_text(NEW.state -> 'research'),
        casting_report = films.state_text(NEW.state -> 'casting_report'),
        box_office_report = films.state_text(NEW.state -> 'box_office_report')
    WHERE f.session_id = NEW.id;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION films.fill_film_project() IS
'BEFORE INSERT trigger on film_projects: empty document columns are taken from the session state.';
COMMENT ON FUNCTION films.sync_film_projects() IS
'AFTER UPDATE trigger on sessions: copies the four documents of the state into its film projects.';

CREATE OR REPLACE TRIGGER film_projects_from_state BEFORE INSERT ON films.film_projects
FOR EACH ROW EXECUTE FUNCTION films.fill_film_project();

CREATE OR REPLACE TRIGGER sessions_sync_film_projects AFTER UPDATE OF state ON films.sessions
FOR EACH ROW
WHEN (
    OLD.state -> 'PLOT_OUTLINE' IS DISTINCT FROM NEW.state -> 'PLOT_OUTLINE'
    OR OLD.state -> 'research' IS DISTINCT FROM NEW.state -> 'research'
    OR OLD.state -> 'casting_report' IS DISTINCT FROM NEW.state -> 'casting_report'
    OR OLD.state -> 'box_office_report' IS DISTINCT FROM NEW.state -> 'box_office_report'
)
EXECUTE FUNCTION films.sync_film_projects();
