"""memory: personal data written through the client-side envelope encryption (agentdb/pii.py) as the
application role, against the real database: what is stored is an envelope the database accepts and
the client opens; the database refuses a malformed one; row-level security keeps it per user; key
rotation re-wraps without re-encrypting; an envelope moved to another row does not decrypt."""

import os
import uuid

import psycopg
import pytest
from cryptography.exceptions import InvalidTag

from agentdb import pii
from conftest import dbctl, query

ALICE = uuid.UUID("0190a0c0-0000-7000-8000-0000000c1001")
BOB = uuid.UUID("0190a0c0-0000-7000-8000-0000000c1002")
KEK = pii.LocalKek("local:kek-1", os.urandom(32))
LOOKUP_KEY = os.urandom(32)


@pytest.fixture
def memory_db(database):
    dbctl("migrate", "--module", "memory", dsn=database, check=True)
    query(database, "INSERT INTO memory.users (id, name) VALUES (%s, 'alice'), (%s, 'bob')", (ALICE, BOB))
    return database


def as_app(conn, user):
    """The application's transaction contract: its role, and the acting user."""
    conn.execute("SET LOCAL ROLE agentdb_app")
    conn.execute("SELECT set_config('agentdb.user_id', %s, true)", (str(user),))


def test_store_and_load_round_trip_as_the_application(memory_db):
    with psycopg.connect(memory_db) as conn:
        with conn.transaction():
            as_app(conn, ALICE)
            pii.store(conn, ALICE, "email", "Alice@Example.com", KEK, LOOKUP_KEY)
        with conn.transaction():
            as_app(conn, ALICE)
            assert pii.load(conn, ALICE, "email", {KEK.key_id: KEK}) == "Alice@Example.com"
            # Equality lookup without decrypting: the HMAC of the normalised value.
            found = conn.execute("SELECT user_id FROM memory.user_pii WHERE field = 'email' AND lookup_hash = %s",
                                 (pii.lookup_hash(" alice@example.COM", LOOKUP_KEY),)).fetchall()
            assert found == [(ALICE,)]
        with conn.transaction():
            as_app(conn, BOB)
            assert pii.load(conn, ALICE, "email", {KEK.key_id: KEK}) is None, "another user's PII is invisible"
    key_id, algorithm, wrapped, nonce, ciphertext = query(
        memory_db, "SELECT key_id, algorithm, wrapped_dek, nonce, ciphertext FROM memory.user_pii")[0]
    assert (key_id, algorithm, len(wrapped), len(nonce)) == (KEK.key_id, "AES-256-GCM", 40, 12)
    assert len(ciphertext) == len("Alice@Example.com") + 16, "ciphertext and GCM tag"
    assert b"Alice" not in ciphertext and b"alice" not in bytes(ciphertext).lower()


def test_store_replaces_the_value_and_rotation_rewraps(memory_db):
    new_kek = pii.LocalKek("local:kek-2", os.urandom(32))
    with psycopg.connect(memory_db) as conn:
        with conn.transaction():
            as_app(conn, ALICE)
            pii.store(conn, ALICE, "phone", "+1 555 0100", KEK)
            pii.store(conn, ALICE, "phone", "+1 555 0199", KEK)
            row = conn.execute("SELECT key_id, wrapped_dek, nonce, ciphertext FROM memory.user_pii "
                               "WHERE user_id = %s AND field = 'phone'", (ALICE,)).fetchone()
            rotated = pii.rewrap(pii.Envelope(*row), {KEK.key_id: KEK}, new_kek)
            assert rotated.ciphertext == row[3] and rotated.wrapped_dek != row[1]
            conn.execute("UPDATE memory.user_pii SET key_id = %s, wrapped_dek = %s WHERE user_id = %s AND field = 'phone'",
                         (rotated.key_id, rotated.wrapped_dek, ALICE))
        with conn.transaction():
            as_app(conn, ALICE)
            assert pii.load(conn, ALICE, "phone", {new_kek.key_id: new_kek}) == "+1 555 0199"
            with pytest.raises(KeyError):
                pii.load(conn, ALICE, "phone", {KEK.key_id: KEK})
    assert query(memory_db, "SELECT count(*) FROM memory.user_pii")[0][0] == 1


def test_an_envelope_moved_to_another_row_does_not_decrypt(memory_db):
    envelope = pii.encrypt(ALICE, "email", "alice@example.com", KEK)
    assert pii.decrypt(ALICE, "email", envelope, {KEK.key_id: KEK}) == "alice@example.com"
    for user, field in ((BOB, "email"), (ALICE, "phone")):
        with pytest.raises(InvalidTag):
            pii.decrypt(user, field, envelope, {KEK.key_id: KEK})
    tampered = pii.Envelope(envelope.key_id, envelope.wrapped_dek, envelope.nonce,
                            bytes([envelope.ciphertext[0] ^ 1]) + envelope.ciphertext[1:])
    with pytest.raises(InvalidTag):
        pii.decrypt(ALICE, "email", tampered, {KEK.key_id: KEK})


@pytest.mark.parametrize("change, what", [
    ({"nonce": b"\x01" * 8}, "a short nonce"),
    ({"ciphertext": b"555"}, "a plaintext instead of a ciphertext"),
    ({"wrapped_dek": b"\x02" * 32}, "an unwrapped data key"),
    ({"algorithm": "AES-128-CBC"}, "another algorithm"),
    ({"key_id": "kek with spaces"}, "a malformed key id"),
])
def test_the_database_refuses_a_malformed_envelope(memory_db, change, what):
    envelope = vars(pii.encrypt(ALICE, "email", "alice@example.com", KEK)) | change
    with psycopg.connect(memory_db) as conn:
        with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
            as_app(conn, ALICE)
            conn.execute("INSERT INTO memory.user_pii (user_id, field, key_id, algorithm, wrapped_dek, nonce, ciphertext) "
                         "VALUES (%(user_id)s, 'email', %(key_id)s, %(algorithm)s, %(wrapped_dek)s, %(nonce)s, %(ciphertext)s)",
                         envelope | {"user_id": ALICE})
    assert query(memory_db, "SELECT count(*) FROM memory.user_pii")[0][0] == 0, what
