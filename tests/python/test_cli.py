"""dbctl's connection handling and the embedded server."""

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
