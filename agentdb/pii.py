"""Client-side envelope encryption of personal data for memory.user_pii (docs/memory.md, "PII").

The database stores and checks envelopes, never plaintext or an unwrapped key; this module makes and
opens them. Per value: a fresh 256-bit data key (DEK) encrypts it with AES-256-GCM (12-byte random
nonce, 16-byte tag appended to the ciphertext), with associated data = the user's id (16 bytes) and
the field name, so that an envelope copied to another row fails to decrypt; a key-encryption key
(KEK) the application supplies wraps the DEK. `LocalKek` wraps with AES key wrap (RFC 3394, 40
bytes); a KMS is any object with `key_id`, `wrap(dek)` and `unwrap(wrapped)`. Optionally
`lookup_hash` = HMAC-SHA256 of the normalised value under a client-held key, for equality lookups.

Needs the `cryptography` package (`pip install agentdb[pii]`). The store/load helpers write and read
as whatever role the connection is; the application role sees only the acting user's rows
(`SET LOCAL agentdb.user_id = ...`, row-level security).
"""

import hashlib
import hmac
import os
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

ALGORITHM = "AES-256-GCM"
NONCE_BYTES = 12


class Kek(Protocol):
    """A key-encryption key: named by key_id, wraps and unwraps 32-byte data keys."""

    key_id: str

    def wrap(self, dek: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


@dataclass(frozen=True)
class LocalKek:
    """A KEK held by the application (32 bytes), wrapping with AES key wrap (RFC 3394)."""

    key_id: str
    key: bytes

    def __post_init__(self):
        if len(self.key) != 32:
            raise ValueError("a key-encryption key has 32 bytes (AES-256)")

    def wrap(self, dek: bytes) -> bytes:
        return aes_key_wrap(self.key, dek)

    def unwrap(self, wrapped: bytes) -> bytes:
        return aes_key_unwrap(self.key, wrapped)


@dataclass(frozen=True)
class Envelope:
    """One encrypted value: the columns of memory.user_pii that carry it."""

    key_id: str
    wrapped_dek: bytes
    nonce: bytes
    ciphertext: bytes
    algorithm: str = ALGORITHM


def associated_data(user_id: uuid.UUID | str, field: str) -> bytes:
    """What binds an envelope to its row: the user's id (16 bytes) and the field name (UTF-8)."""
    return uuid.UUID(str(user_id)).bytes + field.encode()


def encrypt(user_id: uuid.UUID | str, field: str, value: str, kek: Kek) -> Envelope:
    dek = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(dek).encrypt(nonce, value.encode(), associated_data(user_id, field))
    return Envelope(kek.key_id, kek.wrap(dek), nonce, ciphertext)


def decrypt(user_id: uuid.UUID | str, field: str, envelope: Envelope, keks: Mapping[str, Kek]) -> str:
    """The value; raises KeyError for an unknown key_id, cryptography's InvalidTag (or InvalidUnwrap)
    for an envelope altered or moved to another user or field."""
    if envelope.algorithm != ALGORITHM:
        raise ValueError(f"unknown algorithm {envelope.algorithm}")
    dek = keks[envelope.key_id].unwrap(envelope.wrapped_dek)
    return AESGCM(dek).decrypt(envelope.nonce, envelope.ciphertext, associated_data(user_id, field)).decode()


def rewrap(envelope: Envelope, keks: Mapping[str, Kek], new_kek: Kek) -> Envelope:
    """Key rotation: the same ciphertext with its data key wrapped by new_kek."""
    dek = keks[envelope.key_id].unwrap(envelope.wrapped_dek)
    return Envelope(new_kek.key_id, new_kek.wrap(dek), envelope.nonce, envelope.ciphertext, envelope.algorithm)


def lookup_hash(value: str, key: bytes) -> bytes:
    """HMAC-SHA256 of the value normalised (NFKC, trimmed, case-folded), for equality lookups."""
    normalised = unicodedata.normalize("NFKC", value).strip().casefold()
    return hmac.new(key, normalised.encode(), hashlib.sha256).digest()


def store(conn, user_id, field: str, value: str, kek: Kek, lookup_key: bytes | None = None) -> None:
    """Encrypts value and writes (or replaces) the user's field in memory.user_pii."""
    env = encrypt(user_id, field, value, kek)
    conn.execute(
        """INSERT INTO memory.user_pii (user_id, field, key_id, algorithm, wrapped_dek, nonce, ciphertext, lookup_hash)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (user_id, field) DO UPDATE
           SET key_id = excluded.key_id, algorithm = excluded.algorithm, wrapped_dek = excluded.wrapped_dek,
               nonce = excluded.nonce, ciphertext = excluded.ciphertext, lookup_hash = excluded.lookup_hash""",
        (user_id, field, env.key_id, env.algorithm, env.wrapped_dek, env.nonce, env.ciphertext,
         None if lookup_key is None else lookup_hash(value, lookup_key)))


def load(conn, user_id, field: str, keks: Mapping[str, Kek]) -> str | None:
    """The decrypted value of the user's field, or None when there is none (or it is not visible)."""
    row = conn.execute(
        "SELECT key_id, wrapped_dek, nonce, ciphertext, algorithm FROM memory.user_pii WHERE user_id = %s AND field = %s",
        (user_id, field)).fetchone()
    return None if row is None else decrypt(user_id, field, Envelope(*row), keks)
