-- memory: the schema of the JSON chat upgrade (spec 004) and the extensions it needs.
-- vector (pgvector) holds the memory embeddings and their HNSW index; pg_trgm serves fuzzy search
-- over names (context templates).

CREATE SCHEMA memory AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA memory IS
'JSON chat upgrade (spec 004): versioned structured messages, agent memories with embeddings,
versioned agent state with checkpoints and transitions, context snapshots and templates,
conversation sessions, row-level security per user and per agent, and the migration from the v1
chat_messages. Use with SET search_path = memory, core, {{ extension_schema }}.';

SELECT core.grant_module_privileges('memory');

-- Where memory.finish_messages_v2() moves the v1 chat_messages table (archived, never dropped).
-- Created here, by the migrating role, because the owner role need not have CREATE on the database.
CREATE SCHEMA memory_archive AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA memory_archive IS
'Archived tables of the memory module: the v1 chat_messages after memory.finish_messages_v2().';

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA {{ extension_schema }};
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {{ extension_schema }};
