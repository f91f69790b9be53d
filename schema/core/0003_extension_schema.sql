-- core: the schema that holds the extensions modules create (pg_trgm, btree_gist, vector).
-- Keeping extensions out of module schemas keeps `\dt films.*` and dumps about our own objects;
-- queries reach them through search_path (films, core, {{ extension_schema }}).

CREATE SCHEMA IF NOT EXISTS {{ extension_schema }};

COMMENT ON SCHEMA {{ extension_schema }} IS
'Extensions used by agentdb modules; put it on search_path to use their operators unqualified.';

GRANT USAGE ON SCHEMA {{ extension_schema }} TO PUBLIC;
