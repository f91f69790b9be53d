"""Versioned files amended after release (manifest.toml [[amended]]): a database migrated from the
released text (kept in released/) reports no drift, with the default variables or others, because
the released checksum stays valid for that file; any other checksum is still drift; the manifest's
entries are checked."""

import hashlib
import io
import re
import shutil
import subprocess
import tarfile
import tomllib
import uuid

import psycopg

from conftest import ROOT, dbctl, query

AMENDED = "schema/background/0001_schema.sql"
RELEASED = ROOT / "released" / AMENDED
# SHA-256 of the template as shipped (git show 3a6da55:schema/background/0001_schema.sql).
RELEASED_SOURCE_SHA256 = "0c4af142881fb88fb3df7c9213754b472fa437f98d4ad3b1762f9198fbaa962d"
RELEASE = "59737fe"  # a release that shipped it (the last before it was amended)
# Files of background that release did not have yet (among others).
LATER = ("schema/background/0007_agent_states.sql", "functions/background/agents_role.sql")


def project_copy(tmp_path, name="project"):
    root = tmp_path / name
    root.mkdir()
    shutil.copy(ROOT / "manifest.toml", root)
    for kind in ("schema", "functions", "partitions", "retention", "views", "released"):
        shutil.copytree(ROOT / kind, root / kind)
    return root


def released_project(tmp_path):
    """The project as it was released, read from the repository's history (a clone has it)."""
    root = tmp_path / "released"
    root.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", RELEASE, "manifest.toml", "schema", "functions",
                              "partitions", "retention", "views"], capture_output=True)
    assert archive.returncode == 0, f"this test reads release {RELEASE} from git history: {archive.stderr!r}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(root, filter="data")
    assert (root / AMENDED).read_bytes() == RELEASED.read_bytes(), "released/ keeps that release's text"
    return root


def recorded_checksum(dsn, file):
    return query(dsn, "SELECT checksum FROM core.migration_ledger WHERE file = %s", (file,))[0][0]


def valid_checksums():
    manifest = tomllib.loads((ROOT / "manifest.toml").read_text())
    return [entry["valid_checksums"] for entry in manifest["amended"] if entry["file"] == AMENDED][0]


def test_a_database_migrated_from_the_released_text_upgrades_without_drift(database, tmp_path):
    released = released_project(tmp_path)
    dbctl("migrate", "--module", "background", dsn=database, project=released, check=True)

    verify = dbctl("verify", dsn=database)
    assert verify.returncode == 0, verify.stderr
    assert "no drift" in verify.stdout
    assert recorded_checksum(database, AMENDED) in valid_checksums(), \
        "the manifest lists the checksum the released text records"
    status = dbctl("status", "--module", "background", dsn=database)
    assert status.returncode == 0, status.stderr
    assert any(AMENDED in line and " applied " in line for line in status.stdout.splitlines())
    upgrade = dbctl("migrate", "--module", "background", dsn=database, check=True)
    applied = [line.split()[1] for line in upgrade.stdout.splitlines() if line.startswith("applied ") and "/" in line]
    assert set(LATER) <= set(applied), "the upgrade applies the new files"
    assert AMENDED not in applied, "never the amended one again"
    assert "role bg_agents_user already has search_path = background, core, extensions" in upgrade.stdout
    assert recorded_checksum(database, AMENDED) in valid_checksums(), "the ledger keeps what was applied"


def test_the_released_text_migrated_with_other_variables_is_recognised_too(database, admin_dsn, tmp_path):
    agents = f"bg_agents_{uuid.uuid4().hex[:8]}"
    variables = ("--set", f"background_agents_role={agents}")
    released = project_copy(tmp_path)
    shutil.copy(RELEASED, released / AMENDED)
    try:
        dbctl("migrate", "--module", "background", *variables, dsn=database, project=released, check=True)
        assert recorded_checksum(database, AMENDED) not in valid_checksums(), "another checksum than the defaults'"
        verify = dbctl("verify", "--module", "background", *variables, dsn=database)
        assert verify.returncode == 0, verify.stderr
        assert "no drift" in verify.stdout
    finally:
        query(database, f"DROP OWNED BY {agents}")  # its privileges in this test's database
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {agents}")


def test_the_released_text_is_kept_unedited():
    assert hashlib.sha256(RELEASED.read_bytes()).hexdigest() == RELEASED_SOURCE_SHA256
    assert dbctl("render", "--module", "background", check=True).returncode == 0


def test_any_other_change_of_an_amended_file_is_still_drift(database, tmp_path):
    dbctl("migrate", "--module", "background", dsn=database, check=True)

    edited = project_copy(tmp_path)
    (edited / AMENDED).write_text((edited / AMENDED).read_text() + "-- an edit\n")
    for command in ("verify", "migrate"):
        result = dbctl(command, "--module", "background", dsn=database, project=edited)
        assert result.returncode == 1, command
        assert f"{AMENDED}: was applied with a different checksum" in result.stderr
        assert "amended after release" in result.stderr

    other = "0" * 64
    query(database, "UPDATE core.migration_ledger SET checksum = %s WHERE file = %s", (other, AMENDED))
    verify = dbctl("verify", "--module", "background", dsn=database)
    assert verify.returncode == 1
    assert (f"the database recorded {other}, which is neither the file's checksum nor that of "
            f"released/{AMENDED} rendered with these variables") in verify.stderr


def test_amended_entries_are_checked(tmp_path):
    root = project_copy(tmp_path)
    shipped = (ROOT / "manifest.toml").read_text()
    base = re.sub(r"^\[\[amended\]\]\n(?:\w.*\n)+\n", "", shipped, flags=re.MULTILINE)
    assert "[[amended]]" in shipped and "[[amended]]" not in base
    good = valid_checksums()[0]
    cases = {
        'file = "schema/background/0001_schema.sql"\nvalid_checksums = ["%s"]\nreason = "r"' % good:
            "",  # the entry as shipped, on its own: accepted
        'file = "schema/background/0009_none.sql"\nvalid_checksums = ["%s"]\nreason = "r"' % good:
            "not a versioned file of this project",
        'file = "functions/background/agents_role.sql"\nvalid_checksums = ["%s"]\nreason = "r"' % good:
            "not a versioned file of this project",
        'file = "schema/background/0001_schema.sql"\nvalid_checksums = ["E208"]\nreason = "r"':
            "valid_checksums must be a list of SHA-256 checksums",
        'file = "schema/background/0001_schema.sql"\nvalid_checksums = ["%s"]' % good:
            "needs a reason",
        'file = "schema/background/0001_schema.sql"\nreason = "r"':
            "name the released text",
        'file = "schema/background/0001_schema.sql"\nreleased = "schema/background/0001_schema.sql"\nreason = "r"':
            "released must be released/schema/background/0001_schema.sql",
        'file = "schema/background/0001_schema.sql"\nreleased = "released/schema/background/0001_schema.sql"\nreason = "r"':
            "",  # the released text alone is enough
        'file = "schema/background/0001_schema.sql"\nvalid_checksums = ["%s"]\nreason = "r"\nvalid = true' % good:
            "unknown key 'valid'",
    }
    for entry, error in cases.items():
        (root / "manifest.toml").write_text(base.replace("[[modules]]", f"[[amended]]\n{entry}\n\n[[modules]]", 1))
        result = dbctl("render", "--module", "core", project=root)
        assert result.returncode == (1 if error else 0) and error in result.stderr, (entry, result.stderr)
    (root / "manifest.toml").write_text(shipped.replace("[[modules]]", f"[[amended]]\n{next(iter(cases))}\n\n[[modules]]", 1))
    twice = dbctl("render", "--module", "core", project=root)
    assert twice.returncode == 1 and "listed twice" in twice.stderr
