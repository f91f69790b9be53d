-- memory: agent memories with embeddings and their consolidations (spec 004 "Memory Storage Tables").
-- The spec's IVFFlat index, created on an empty table, would learn no lists; HNSW needs no training
-- and is built incrementally (pgvector 0.8, iterative scans keep filtered searches returning k rows).
-- The embedding dimension is the template variable memory_embedding_dim (default 1536, the spec's).

CREATE TABLE memory.agent_memories (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    memory_type text NOT NULL CHECK (memory_type IN ('episodic', 'semantic', 'procedural', 'working')),
    content jsonb NOT NULL,
    embeddings {{ extension_schema }}.vector({{ memory_embedding_dim }}),
    importance double precision NOT NULL DEFAULT 0.5 CHECK (importance >= 0 AND importance <= 1),
    decay_rate double precision NOT NULL DEFAULT 0.1 CHECK (decay_rate >= 0 AND decay_rate <= 100),
    access_count integer NOT NULL DEFAULT 0 CHECK (access_count >= 0),
    related_memories uuid[],
    source_message_id uuid REFERENCES memory.chat_messages_v2 (id) ON DELETE SET NULL,
    last_accessed timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    CONSTRAINT check_memory_content CHECK (
        jsonb_typeof(content) = 'object'
        AND CASE memory_type
            WHEN 'episodic' THEN content ? 'event' AND content ? 'temporal'
            WHEN 'semantic' THEN content ? 'concept' AND content ? 'definition'
            WHEN 'procedural' THEN content ? 'skill' AND content ? 'steps'
            WHEN 'working' THEN content ? 'items' AND content ? 'capacity'
            ELSE FALSE
        END
    ),
    CONSTRAINT agent_memories_expires_after_creation CHECK (expires_at > created_at)
) WITH (fillfactor = 90);

-- fillfactor 90: every recall updates access_count and last_accessed of what it returns; free space
-- on the page keeps those updates HOT, so they add no entry to the HNSW index (a non-HOT update
-- would insert the embedding into the graph again, the most expensive write there is).

COMMENT ON TABLE memory.agent_memories IS
'What agents remember: episodic (event, temporal), semantic (concept, definition), procedural (skill,
steps) and working (items, capacity) memories, with an embedding for similarity recall
(memory.recall_memories) and an importance that decays with time since last access.';
COMMENT ON COLUMN memory.agent_memories.embeddings IS
'Embedding of the memory ({{ memory_embedding_dim }} dimensions), searched by cosine distance (HNSW).';
COMMENT ON COLUMN memory.agent_memories.importance IS 'Importance in [0, 1] when last accessed.';
COMMENT ON COLUMN memory.agent_memories.decay_rate IS
'Decay per day: effective importance = importance * exp(-decay_rate * days since last_accessed).';
COMMENT ON COLUMN memory.agent_memories.related_memories IS 'Connected memories (no foreign key: an array).';
COMMENT ON COLUMN memory.agent_memories.expires_at IS 'When core maintenance removes the memory (NULL: never).';

CREATE INDEX idx_memories_agent_type ON memory.agent_memories (agent_id, memory_type);
CREATE INDEX idx_memories_importance ON memory.agent_memories (importance DESC);
-- m = 16, ef_construction = 64 (pgvector's defaults). Measured (bench/memory.py, ef_search 40):
-- recall@10 0.97 at 20,000 and 0.89 at 100,000 memories of 1536 dimensions; build 126 s at 100,000.
CREATE INDEX idx_memories_embedding ON memory.agent_memories
USING hnsw (embeddings {{ extension_schema }}.vector_cosine_ops) WITH (m = 16, ef_construction = 64);
CREATE INDEX idx_memories_content_gin ON memory.agent_memories USING gin (content);
CREATE INDEX idx_memories_source_message ON memory.agent_memories (source_message_id)
WHERE source_message_id IS NOT NULL;
CREATE INDEX idx_memories_expiry ON memory.agent_memories (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE memory.memory_consolidations (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    agent_id uuid NOT NULL REFERENCES memory.agents (id) ON DELETE CASCADE,
    source_memories uuid[] NOT NULL CHECK (cardinality(source_memories) >= 1),
    consolidated_memory_id uuid REFERENCES memory.agent_memories (id) ON DELETE SET NULL,
    consolidation_type text NOT NULL CHECK (consolidation_type IN ('merge', 'summarize', 'abstract')),
    tokens_saved integer,
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE memory.memory_consolidations IS
'Memories merged, summarised or abstracted into one (memory.consolidate_memories).';
COMMENT ON COLUMN memory.memory_consolidations.tokens_saved IS
'Estimated tokens of the sources minus those of the consolidated memory (4 bytes of JSON per token); may be negative.';

CREATE INDEX memory_consolidations_agent ON memory.memory_consolidations (agent_id, created_at);
CREATE INDEX memory_consolidations_memory ON memory.memory_consolidations (consolidated_memory_id);
