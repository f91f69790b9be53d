-- assistant: the schema of the multi-agent assistant store (spec 002) and the extension it declares.
-- The spec's clients (SQLAlchemy models with unqualified table names) reach the tables through
-- search_path = assistant, core, {{ extension_schema }}; see docs/assistant.md.

CREATE SCHEMA assistant AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA assistant IS
'Multi-agent assistant (spec 002): chat sessions, messages with agent attribution, per-agent state,
calendar events with conflict search and race-free booking. Use with
SET search_path = assistant, core, {{ extension_schema }}.';

SELECT core.grant_module_privileges('assistant');

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA {{ extension_schema }};
