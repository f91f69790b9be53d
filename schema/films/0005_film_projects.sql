-- films: film projects and system configuration.
-- film_projects keeps the session state's main documents as plain columns (kept in step by a
-- trigger on sessions, functions/films/film_project_sync.sql), so film search never reads JSONB.

CREATE TABLE films.film_projects (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES films.users (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    historical_subject text,
    genre text CHECK (length(genre) <= 100),
    status text NOT NULL DEFAULT 'development'
    CHECK (status IN ('development', 'writing', 'review', 'completed', 'cancelled')),
    plot_outline text,
    research_summary text,
    casting_report text,
    box_office_report text,
    output_file_path text,
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.film_projects IS
'Films made in a session. plot_outline, research_summary, casting_report and box_office_report
follow the session state (PLOT_OUTLINE, research, casting_report, box_office_report).';

CREATE INDEX film_projects_session ON films.film_projects (session_id);
CREATE INDEX film_projects_user ON films.film_projects (user_id);
-- Fuzzy title search: title % 'ancient doctor' ORDER BY similarity.
CREATE INDEX film_projects_title_trgm ON films.film_projects
USING gin (title {{ extension_schema }}.gin_trgm_ops);

CREATE TABLE films.system_config (
    key text PRIMARY KEY CHECK (key ~ '^[a-z0-9_.]+$'),
    value jsonb NOT NULL,
    description text,
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.system_config IS 'Settings of the filmmaking system, one JSON value per key.';
