-- films: the schema of the ADK filmmaking store (spec 000 + 001) and the extension it needs.
-- pg_trgm serves the fuzzy film-title search (title % 'ancient doctor').

CREATE SCHEMA films AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA films IS
'Multi-agent filmmaking on Google ADK sessions: sessions with JSONB state, events (monthly
partitions), questions -> inferential reasoning -> answers, agent transfers, state snapshots, film
projects. Use with SET search_path = films, core, {{ extension_schema }}.';

SELECT core.grant_module_privileges('films');

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {{ extension_schema }};
