"""dbctl's connection handling and the embedded server."""

import os
from pathlib import Path

import psycopg
import pytest

from agentdb.server import SERVER_MALLOC
from conftest import dbctl


def test_unreachable_server_is_one_clear_line():
    result = dbctl("status", dsn="postgresql://nobody:secret@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("dbctl: cannot connect to postgresql://nobody:***@127.0.0.1:1/nowhere")
    assert "secret" not in result.stderr


def test_malformed_dsn_is_one_clear_line():
    result = dbctl("status", dsn="this is not a dsn")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("dbctl: cannot connect to")


def test_up_is_idempotent(admin_dsn):
    first = dbctl("up", check=True).stdout.strip()
    second = dbctl("up", check=True).stdout.strip()
    assert first == second
    assert "running" in dbctl("server", check=True).stdout


def test_embedded_server_processes_run_with_the_malloc_settings(admin_dsn):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the server under test is not the embedded one")
    with psycopg.connect(admin_dsn) as conn:  # the postmaster, whose environment every backend inherits
        pid = conn.execute("SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)").fetchone()[0]
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    for name, value in SERVER_MALLOC.items():
        assert f"{name}={value}".encode() in environment
