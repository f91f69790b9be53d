-- memory: personal data, stored apart and encrypted (spec 004 "PII Handling: separate encrypted
-- storage", "Column Encryption"). Encryption happens in the client (envelope encryption,
-- docs/memory.md "PII"): a fresh 256-bit data key per value encrypts it with AES-256-GCM (12-byte
-- nonce, 16-byte tag, associated data = user id and field name); a key-encryption key in the
-- application's KMS wraps the data key. The database never sees plaintext or an unwrapped key; it
-- checks the envelope's shape so that nothing else (a plaintext value, a truncated envelope) can be
-- stored, keeps it apart from the chat data, under per-user row-level security, and forgets it with
-- the user (memory.forget_user). Equality lookups use lookup_hash, an HMAC-SHA256 computed by the
-- client with a key the database does not have.

CREATE TABLE memory.user_pii (
    user_id uuid NOT NULL REFERENCES memory.users (id) ON DELETE CASCADE,
    field text NOT NULL CHECK (field ~ '^[a-z][a-z0-9_]{0,62}$'),
    key_id text NOT NULL CHECK (key_id ~ '^[A-Za-z0-9:/_.+-]{1,255}$'),
    algorithm text NOT NULL DEFAULT 'AES-256-GCM' CHECK (algorithm = 'AES-256-GCM'),
    wrapped_dek bytea NOT NULL CHECK (octet_length(wrapped_dek) BETWEEN 40 AND 1024),
    nonce bytea NOT NULL CHECK (octet_length(nonce) = 12),
    ciphertext bytea NOT NULL CHECK (octet_length(ciphertext) BETWEEN 16 AND 65536),
    lookup_hash bytea CHECK (octet_length(lookup_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, field)
);

COMMENT ON TABLE memory.user_pii IS
'Personal data of users (email, phone...), one envelope-encrypted value per user and field: the
database stores and checks envelopes, never plaintext. Encryption and decryption are the client''s.';
COMMENT ON COLUMN memory.user_pii.key_id IS 'Which key-encryption key (in the application''s KMS) wrapped the data key.';
COMMENT ON COLUMN memory.user_pii.wrapped_dek IS 'The value''s 256-bit data key, wrapped by key_id (AES key wrap: 40 bytes, or a KMS blob).';
COMMENT ON COLUMN memory.user_pii.nonce IS 'AES-GCM nonce, 12 bytes, fresh per encryption.';
COMMENT ON COLUMN memory.user_pii.ciphertext IS
'AES-256-GCM ciphertext with its 16-byte tag; associated data: user_id and field (a value moved to another row fails to decrypt).';
COMMENT ON COLUMN memory.user_pii.lookup_hash IS 'HMAC-SHA256 of the normalised value under a client-held key, for equality lookups.';

CREATE INDEX user_pii_lookup ON memory.user_pii (field, lookup_hash) WHERE lookup_hash IS NOT NULL;

ALTER TABLE memory.user_pii ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_pii_user ON memory.user_pii TO {{ app_role }}
USING (user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid))
WITH CHECK (user_id = (SELECT nullif(current_setting('agentdb.user_id', TRUE), '')::uuid));
-- Reporting has no business with personal data, encrypted or not.
REVOKE ALL ON memory.user_pii FROM {{ readonly_role }};
