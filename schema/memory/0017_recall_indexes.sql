-- dbctl:no-transaction
-- memory: the indexes behind recall and row-level security, rebuilt from measurements
-- (docs/memory.md "Memories", bench/memory.py; 100,000 embeddings of 1536 dimensions, 100 agents).
-- - idx_memories_embedding: HNSW with m 24 and ef_construction 128 instead of 16 and 64. Embeddings
--   come in tight clusters (a topic's memories); with m 16 and ef_construction 64 the graph links too
--   few of a cluster's members and no ef_search finds them: recall@10 0.88 at ef_search 40, 100 or
--   400. Measured at ef_search 40: m 16 / 128 gives 0.970, m 24 / 128 gives 0.995 at no higher
--   search time; the build takes ~3x as long as with 16 / 64 (docs/memory.md "Memories").
-- - conversation_sessions_user: (user_id, started_at DESC) INCLUDE (id), so that the policy of
--   chat_messages_v2 (the acting user's session ids) reads the user's sessions from the index
--   alone (an index-only scan of a few pages, not the sessions' heap, which the counters keep
--   updating).
-- Each index is built CONCURRENTLY under a new name (reads and writes go on), the old one dropped
-- CONCURRENTLY and the new one renamed to the old name, which plans, tests and documents use (no
-- client names an index). Every statement commits on its own; the file can be re-run after a
-- failure (it then builds the HNSW index again). A build that fails leaves an INVALID index: drop
-- it (DROP INDEX CONCURRENTLY memory.<name>) and migrate again. statement_timeout (manifest) bounds
-- the HNSW build: beyond a few million memories build it by hand with a longer one.

SET maintenance_work_mem = '1GB';
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_memories_embedding_m24 ON memory.agent_memories
USING hnsw (embeddings {{ extension_schema }}.vector_cosine_ops) WITH (m = 24, ef_construction = 128);
RESET maintenance_work_mem;
DROP INDEX CONCURRENTLY IF EXISTS memory.idx_memories_embedding;
-- squawk-ignore renaming-object
ALTER INDEX memory.idx_memories_embedding_m24 RENAME TO idx_memories_embedding;

CREATE INDEX CONCURRENTLY IF NOT EXISTS conversation_sessions_user_id ON memory.conversation_sessions
(user_id, started_at DESC) INCLUDE (id);
DROP INDEX CONCURRENTLY IF EXISTS memory.conversation_sessions_user;
-- squawk-ignore renaming-object
ALTER INDEX memory.conversation_sessions_user_id RENAME TO conversation_sessions_user;
