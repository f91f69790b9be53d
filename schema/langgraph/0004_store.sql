-- langgraph: the store (LangGraph's BaseStore, as langgraph-checkpoint-postgres' PostgresStore keeps
-- it): items by namespace and key with a JSON value, TTL, and embeddings of chosen fields in pgvector
-- with an HNSW index (cosine). A namespace is kept as its labels joined by '.' (labels cannot contain
-- '.'), plus its first label (root): the distribution column on Citus, so a namespace and every
-- namespace under it live on one shard. The embedding dimension is {{ langgraph_store_embedding_dim }}
-- (the template variable langgraph_store_embedding_dim, set at migration).

CREATE TABLE langgraph.store (
    root text NOT NULL,
    prefix text COLLATE "C" NOT NULL,
    key text NOT NULL,
    value jsonb NOT NULL CHECK (jsonb_typeof(value) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    ttl_minutes double precision CHECK (ttl_minutes > 0),
    PRIMARY KEY (root, prefix, key),
    CONSTRAINT store_root_is_first_label CHECK (root = split_part(prefix, '.', 1) AND root <> ''),
    CONSTRAINT store_ttl_both CHECK ((expires_at IS NULL) = (ttl_minutes IS NULL))
);

COMMENT ON TABLE langgraph.store IS
'LangGraph store items: value by (namespace, key); expires_at = last write or read + ttl_minutes when
the item has a TTL (maintenance removes expired items).';
COMMENT ON COLUMN langgraph.store.root IS 'The namespace''s first label: the distribution column.';
COMMENT ON COLUMN langgraph.store.prefix IS 'The namespace, labels joined by ''.'' (collation C: a prefix search is a range scan).';
COMMENT ON COLUMN langgraph.store.ttl_minutes IS 'The TTL the item was put with; a read with refresh_ttl moves expires_at.';

-- Filters on values (search with filter={...}): containment through a GIN index.
CREATE INDEX store_value ON langgraph.store USING gin (value jsonb_path_ops);
-- Expired items, for maintenance.
CREATE INDEX store_expires_at ON langgraph.store (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE langgraph.store_vectors (
    root text NOT NULL,
    prefix text COLLATE "C" NOT NULL,
    key text NOT NULL,
    field_name text NOT NULL,
    embedding {{ extension_schema }}.vector({{ langgraph_store_embedding_dim }}) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (root, prefix, key, field_name),
    FOREIGN KEY (root, prefix, key) REFERENCES langgraph.store (root, prefix, key) ON DELETE CASCADE
);

COMMENT ON TABLE langgraph.store_vectors IS
'Embeddings of the indexed fields of store items (one row per field path), searched by cosine distance.';

CREATE INDEX store_vectors_embedding ON langgraph.store_vectors
USING hnsw (embedding {{ extension_schema }}.vector_cosine_ops);
