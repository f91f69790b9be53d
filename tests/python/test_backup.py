"""dbctl backup / restore: a seeded database with every module round-trips through a custom-format
archive with identical rows, ledger and nothing left to migrate; a non-empty target is refused
before anything changes; --keep-days prunes old backups."""

import os

from conftest import dbctl, query

TABLES = """
SELECT c.oid::regclass::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname IN (SELECT DISTINCT module FROM core.migration_ledger)
ORDER BY 1
"""


def checksums(dsn):
    """Per table (partitions included): row count and md5 of its rows in order."""
    result = []
    for (table,) in query(dsn, TABLES):
        result.append((table, *query(dsn, f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                                          f"FROM {table} AS t")[0]))
    return result


def seeded(dsn):
    dbctl("migrate", dsn=dsn, check=True)
    dbctl("seed", dsn=dsn, check=True)


def test_round_trip_keeps_every_row_and_the_ledger(new_database, tmp_path):
    source, target = new_database(), new_database()
    seeded(source)
    archive = tmp_path / "all.dump"
    made = dbctl("backup", "--out", str(archive), dsn=source, check=True)
    assert str(archive) in made.stdout and "bytes" in made.stdout and archive.stat().st_size > 0

    restored = dbctl("restore", str(archive), dsn=target, check=True)
    assert "verified:" in restored.stdout and ", 0 to apply" in restored.stdout
    before, after = checksums(source), checksums(target)
    assert len(before) > 10 and any(name.startswith("assistant.") for name, _, _ in before)
    assert sum(n for _, n, _ in before) > 100, "the seeds are in the comparison"
    assert after == before
    ledger = "SELECT module, kind, file, version, checksum, applied_at FROM core.migration_ledger ORDER BY id"
    assert query(target, ledger) == query(source, ledger)
    assert "nothing to apply" in dbctl("migrate", dsn=target, check=True).stdout
    owners = query(target, "SELECT count(*) FROM pg_class WHERE relnamespace = 'assistant'::regnamespace "
                           "AND relowner <> 'agentdb_owner'::regrole")
    assert owners == [(0,)], "objects keep their owner"

    # The restored database is not empty: a second restore is refused and changes nothing.
    again = dbctl("restore", str(archive), dsn=target)
    assert again.returncode != 0 and "is not empty" in again.stderr and "nothing was restored" in again.stderr
    assert checksums(target) == before
    assert query(target, "SELECT count(*) FROM core.migration_ledger") == query(source, "SELECT count(*) FROM core.migration_ledger")


def test_a_module_backup_restores_that_module_and_forgets_the_others(new_database, tmp_path):
    source, target = new_database(), new_database()
    seeded(source)
    archive = tmp_path / "assistant.dump"
    dbctl("backup", "--module", "assistant", "--out", str(archive), dsn=source, check=True)
    restored = dbctl("restore", str(archive), dsn=target, check=True)
    assert "module films is not in the backup" in restored.stdout
    assert query(target, "SELECT to_regnamespace('films') IS NULL, count(*) > 0 FROM assistant.chat_messages") == [(True, True)]
    assert query(target, "SELECT DISTINCT module FROM core.migration_ledger ORDER BY 1") == [("assistant",), ("core",)]
    assert query(target, "SELECT count(*) FROM core.migration_ledger WHERE kind <> 'schema'") == [(0,)]
    reapplied = dbctl("migrate", "--module", "assistant", dsn=target, check=True).stdout
    assert "applied retention/assistant/cleanup.sql" in reapplied and "schema/" not in reapplied
    assert query(target, "SELECT count(*) FROM core.maintenance_tasks "
                         "WHERE task = 'assistant.retention_task(timestamptz)'::regprocedure") == [(1,)], \
        "the module's task is registered again"
    assert "nothing to apply" in dbctl("migrate", "--module", "assistant", dsn=target, check=True).stdout


def test_keep_days_prunes_only_old_backups(database, tmp_path):
    dbctl("migrate", "--module", "core", dsn=database, check=True)
    old, recent, other = tmp_path / "backup_x_20200101_000000.dump", tmp_path / "backup_x_20991231_000000.dump", tmp_path / "notes.dump"
    for path in (old, recent, other):
        path.write_bytes(b"x")
    # The kernel's clock, which dates files and which dbctl reads: not this process's, which a
    # calendar run may have moved.
    ten_days_ago = recent.stat().st_mtime - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    os.utime(other, (ten_days_ago, ten_days_ago))
    made = dbctl("backup", "--out", str(tmp_path / "backup_new.dump"), "--keep-days", "7", dsn=database, check=True)
    assert f"removed {old}" in made.stdout
    assert not old.exists() and recent.exists() and other.exists() and (tmp_path / "backup_new.dump").exists()


def test_restore_refuses_a_file_that_is_not_a_backup(database, tmp_path):
    bogus = tmp_path / "bogus.dump"
    bogus.write_text("not an archive")
    result = dbctl("restore", str(bogus), dsn=database)
    assert result.returncode != 0 and "not a pg_dump custom-format archive" in result.stderr
