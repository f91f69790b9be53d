"""What the ledger (core.migration_ledger) says, compared with the files: the migration plan."""

import time
from dataclasses import dataclass, field

import psycopg

from agentdb import objects
from agentdb.errors import DbctlError
from agentdb.sqlfiles import RenderedFile

LEDGER = "core.migration_ledger"
# Every run that changes a database (migrate, seed, a rendered script in psql) holds this lock.
LOCK_SQL = "SELECT pg_advisory_lock(hashtext('agentdb:migrate'))"
TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(hashtext('agentdb:migrate'))"
UNLOCK_SQL = "SELECT pg_advisory_unlock(hashtext('agentdb:migrate'))"

APPLIED, PENDING, CHANGED, DRIFTED, OUT_OF_ORDER, MISSING, MISSING_OBJECT = (
    "applied", "pending", "changed", "drifted", "out of order", "missing", "missing object",
)
ERROR_STATES = (DRIFTED, OUT_OF_ORDER, MISSING)


@dataclass
class Entry:
    module: str
    file: str
    kind: str
    state: str
    applied_at: object = None
    rendered: RenderedFile | None = None  # None for a ledger row whose file is gone
    missing: list = field(default_factory=list)  # objects the file creates that the catalog lacks
    recorded: str | None = None  # the checksum the ledger recorded, when it differs from the file's


def read(conn: psycopg.Connection) -> dict:
    """Latest ledger row per (module, file); empty when the ledger does not exist yet."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (LEDGER,)).fetchone()[0]
    if not exists:
        return {}
    rows = conn.execute(
        f"""SELECT DISTINCT ON (module, file) module, file, kind, version, checksum, applied_at
              FROM {LEDGER} ORDER BY module, file, id DESC"""
    ).fetchall()
    return {(r[0], r[1]): r for r in rows}


def plan(files: list[RenderedFile], ledger: dict, modules: set[str]) -> list[Entry]:
    entries = []
    newest_applied = {}
    for (module, _), row in ledger.items():
        if row[2] == "schema":
            newest_applied[module] = max(newest_applied.get(module, 0), row[3])
    on_disk = set()
    for rf in files:
        src = rf.source
        on_disk.add((src.module, src.rel))
        row = ledger.get((src.module, src.rel))
        recorded = None
        if row is None:
            late = src.versioned and src.version < newest_applied.get(src.module, 0)
            state = OUT_OF_ORDER if late else PENDING
        elif row[4] == rf.checksum:
            state = APPLIED
        elif row[4] in rf.accepted_checksums:
            # Applied from the file's released text, which manifest.toml [[amended]] keeps valid.
            state, recorded = APPLIED, row[4]
        else:
            state, recorded = (DRIFTED if src.versioned else CHANGED), row[4]
        entries.append(Entry(src.module, src.rel, src.kind, state, row[5] if row else None, rf, recorded=recorded))
    for (module, file), row in sorted(ledger.items()):
        if module in modules and (module, file) not in on_disk:
            entries.append(Entry(module, file, row[2], MISSING, row[5]))
    return entries


def check_objects(conn: psycopg.Connection, entries: list[Entry]) -> None:
    """Mark applied files whose tables, views or functions the catalog lacks (dropped by hand)."""
    by_module: dict = {}
    for e in entries:
        if e.state == APPLIED and e.rendered is not None:
            by_module.setdefault(e.module, []).append(e)
    expected = []  # (entry, object)
    for applied in by_module.values():
        created = objects.created_objects([e.rendered for e in applied])
        expected += [(e, obj) for e in applied for obj in created[e.file]]
    absent = set(objects.missing(conn, [obj for _, obj in expected]))
    for e, obj in expected:
        if obj in absent:
            e.missing.append(obj)
            e.state = MISSING_OBJECT


def missing_object_lines(entries: list[Entry]) -> list[str]:
    """One line per missing object, with the fix."""
    lines = []
    for e in entries:
        fix = ("dbctl migrate applies the file again" if e.kind != "schema" else
               "a versioned file is never applied twice: restore the object (from a backup, or by a new "
               "versioned file, dbctl new)")
        lines += [f"{e.file}: missing object {obj.describe()}; {fix}" for obj in e.missing]
    return lines


def problems(entries: list[Entry]) -> list[str]:
    """Why the database and the files disagree in a way migrate must not paper over."""
    reasons = {
        DRIFTED: "was applied with a different checksum: applied versioned files are never edited; "
        "undo the edit and put the change in a new file (dbctl new)",
        OUT_OF_ORDER: "is pending but older than a version already applied; renumber it after "
        "the newest applied file",
        MISSING: "is recorded as applied but the file is gone; restore it",
    }
    return [
        f"{e.file}: {reasons[e.state]}{_amended_note(e)}"
        for e in entries
        if e.state in ERROR_STATES and (e.kind == "schema" or e.state != MISSING)
    ]


def _amended_note(e: Entry) -> str:
    """For drift of a file amended after release: which checksum the database recorded, and where the
    checksums still accepted for it are listed."""
    amendment = e.rendered.source.amendment if e.rendered is not None else None
    if e.state != DRIFTED or amendment is None:
        return ""
    kept = f"{amendment.released} rendered with these variables" if amendment.released else "its released text"
    return (f" (amended after release: {amendment.reason.rstrip('.')}; the database recorded {e.recorded}, "
            f"which is neither the file's checksum nor that of {kept} nor one listed in manifest.toml "
            "[[amended]] valid_checksums; were other variable values used (--set, AGENTDB_*) when it was "
            "migrated?)")


def to_apply(entries: list[Entry]) -> list[RenderedFile]:
    """Pending and changed files, and repeatable files whose objects are missing, in apply order."""
    return [e.rendered for e in entries
            if e.state in (PENDING, CHANGED) or (e.state == MISSING_OBJECT and e.kind != "schema")]


def raise_on_problems(entries: list[Entry]):
    found = problems(entries)
    if found:
        raise DbctlError(
            "the database and the files disagree; nothing was applied:\n  " + "\n  ".join(found)
        )


def acquire_lock(conn: psycopg.Connection, echo, poll_seconds: float = 0.2):
    """Take the run lock, polling for it rather than blocking in pg_advisory_lock(): a session blocked
    there holds a snapshot, and a CREATE INDEX CONCURRENTLY of the run holding the lock waits for
    every older snapshot to go away, so the two would deadlock. Each poll is its own short transaction."""
    if conn.execute(TRY_LOCK_SQL).fetchone()[0]:
        return
    echo("waiting for another dbctl run on this database to finish ...")
    while not conn.execute(TRY_LOCK_SQL).fetchone()[0]:
        time.sleep(poll_seconds)


def insert_sql() -> str:
    return (
        f"INSERT INTO {LEDGER} (module, kind, file, version, checksum, duration) "
        "VALUES (%s, %s, %s, %s, %s, %s)"
    )


def insert_params(rf: RenderedFile, seconds: float) -> tuple:
    src = rf.source
    return (src.module, src.kind, src.rel, src.version, rf.checksum, f"{seconds:.6f} seconds")
