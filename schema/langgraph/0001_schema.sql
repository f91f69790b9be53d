-- langgraph: the schema of LangGraph's persistence on agentdb (checkpointer and store, docs/langgraph.md)
-- and the extension its store needs (pgvector: embeddings searched through an HNSW index).

CREATE SCHEMA langgraph AUTHORIZATION {{ owner_role }};

COMMENT ON SCHEMA langgraph IS
'LangGraph persistence: threads, checkpoints, channel blobs and pending writes (partitioned by the
month their thread started, retention run by maintenance), and a store of namespaced items with
optional embeddings and TTL. Written by agentdb.langgraph (AgentDbSaver, AgentDbStore) through the
functions of this schema.';

SELECT core.grant_module_privileges('langgraph');

CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA {{ extension_schema }};
