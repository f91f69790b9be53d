"""dbctl render --citus: the distribution script from core.distribution_plan, in dependency order."""

import re
import shutil

from conftest import ROOT, dbctl, query
from agentdb.citus import PlannedTable, ordered

CALL = re.compile(r"^SELECT (create_reference_table|create_distributed_table)\('([^']+)'"
                  r"(?:, '([^']+)', colocate_with => '([^']+)')?\);", re.MULTILINE)


def calls(script):
    return [(m[0], m[1], m[2] or None, m[3] or None) for m in CALL.findall(script)]


def test_films_script_is_complete_and_in_dependency_order(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    script = dbctl("render", "--citus", "--module", "films", dsn=database, check=True).stdout
    made = calls(script)
    names = [c[1] for c in made]
    films_tables = {r[0] for r in query(database, """
        SELECT c.oid::regclass::text FROM pg_class AS c
        WHERE c.relnamespace = 'films'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition""")}
    assert sorted(names) == sorted(films_tables), "every films table exactly once"
    kinds = [c[0] for c in made]
    assert kinds == sorted(kinds, key=lambda k: k != "create_reference_table"), "reference tables first"
    assert set(names[:4]) == {"films.users", "films.app_states", "films.user_states", "films.system_config"}
    assert names.index("films.users") < names.index("films.user_states"), "a referenced table comes first"
    assert made[4] == ("create_distributed_table", "films.sessions", "id", "none"), "then the group leader"
    for kind, name, column, colocate in made[5:]:
        assert (kind, column, colocate) == ("create_distributed_table", "session_id", "films.sessions"), name
    for before, after in [("films.questions", "films.answers"), ("films.answers", "films.inferential_reasoning"),
                          ("films.events", "films.agent_transfers")]:
        assert names.index(before) < names.index(after), f"{before} before {after}, which points at it"
    assert "--   core.migration_ledger:" in script, "local tables are listed, not distributed"
    assert "create_distributed_table('core." not in script and "create_reference_table('core." not in script


def test_a_table_that_does_not_fit_stops_the_script(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    query(database, "CREATE TABLE films.notes (id int PRIMARY KEY)")
    query(database, "CREATE TABLE films.session_notes (session_id uuid NOT NULL, id int PRIMARY KEY)")
    query(database, "SELECT core.register_distribution('films.session_notes', 'distributed', 'x', "
                    "p_column => 'session_id', p_colocate_with => 'films.sessions')")
    result = dbctl("render", "--citus", "--module", "films", dsn=database)
    assert result.returncode == 1 and "CREATE TABLE" not in result.stdout and result.stdout == ""
    assert "films.notes: unplanned table" in result.stderr
    assert "films.session_notes: unique key without distribution column session_notes_pkey" in result.stderr


def test_an_unmigrated_database_is_refused(database):
    result = dbctl("render", "--citus", dsn=database)
    assert result.returncode == 1 and "run dbctl migrate first" in result.stderr


def test_citus_and_pending_are_exclusive(database):
    result = dbctl("render", "--citus", "--pending", dsn=database)
    assert result.returncode == 1 and "do not go together" in result.stderr


def table(name, kind="distributed", colocate=None, references=()):
    return PlannedTable(name, name.split(".")[0], kind, None if kind != "distributed" else "k", colocate,
                        "why", False, tuple(references))


def test_order_follows_foreign_keys_within_each_step_and_survives_cycles():
    tables = [
        table("m.c", colocate="m.lead", references=("m.b", "m.ref")),
        table("m.b", colocate="m.lead", references=("m.a",)),
        table("m.a", colocate="m.lead", references=("m.lead",)),
        table("m.lead", references=("m.ref",)),
        table("m.ref2", kind="reference", references=("m.ref",)),
        table("m.ref", kind="reference"),
        table("m.local", kind="local"),
        table("m.x", colocate="m.lead", references=("m.y",)),
        table("m.y", colocate="m.lead", references=("m.x",)),
    ]
    names = [t.relation for t in ordered(tables)]
    assert names[:3] == ["m.ref", "m.ref2", "m.lead"]
    assert names.index("m.a") < names.index("m.b") < names.index("m.c")
    assert sorted(names) == sorted(t.relation for t in tables if t.kind != "local")


PREBUILD = """
SELECT format('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %I ON %s (id, session_id, created_at)',
              left(c.relname, 52) || '_session_key', p.partition)
FROM core.partitions_of('films.events') AS p JOIN pg_class AS c ON c.oid = p.partition
"""


def test_events_key_takes_the_concurrently_built_indexes(database, tmp_path):
    """docs/scale-out.md: on a populated database the partitions' indexes are built CONCURRENTLY before
    0010, which then only swaps catalog entries: each partition's primary key is the index built before."""
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".git", ".venv", ".agentdb", "__pycache__"))
    # 0010 and every later file (a later file applied first would leave 0010 out of order)
    later = sorted(p for p in (project / "schema" / "films").glob("*.sql") if int(p.name[:4]) >= 10)
    assert [p.name for p in later[:2]] == ["0010_events_session_key.sql", "0011_validate_session_keys.sql"]
    held = tmp_path / "held"
    held.mkdir()
    for path in later:
        path.rename(held / path.name)
    dbctl("migrate", "--module", "films", dsn=database, project=project, check=True)
    for (statement,) in query(database, PREBUILD):
        query(database, statement)
    built = dict(query(database, """
        SELECT p.partition::text, i.indexrelid FROM core.partitions_of('films.events') AS p
        JOIN pg_index AS i ON i.indrelid = p.partition
        JOIN pg_class AS x ON x.oid = i.indexrelid WHERE x.relname LIKE '%\\_session\\_key'"""))
    assert len(built) >= 4, built

    for path in later:
        (held / path.name).rename(project / "schema" / "films" / path.name)
    dbctl("migrate", "--module", "films", dsn=database, project=project, check=True)
    keys = dict(query(database, """
        SELECT p.partition::text, k.conindid FROM core.partitions_of('films.events') AS p
        JOIN pg_constraint AS k ON k.conrelid = p.partition AND k.contype = 'p'"""))
    assert keys == built, "every partition's primary key is the index built concurrently beforehand"
    assert query(database, """
        SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index
        WHERE indexrelid = 'films.events_pkey'::regclass""") == [
        (True, "CREATE UNIQUE INDEX events_pkey ON ONLY films.events USING btree (id, session_id, created_at)")]

    query(database, "SELECT count(*) FROM core.register_partitioned_table('films.events', p_premake => 6)")
    assert query(database, """
        SELECT count(*) FROM core.partitions_of('films.events') AS p
        WHERE NOT EXISTS (SELECT FROM pg_constraint AS k JOIN pg_index AS i ON i.indexrelid = k.conindid
                          WHERE k.conrelid = p.partition AND k.contype = 'p' AND k.conparentid <> 0
                            AND i.indnkeyatts = 3)""") == [(0,)], "partitions made later get the key too"
    assert query(database, "SELECT * FROM core.distribution_problems()") == []


def test_script_cuts_every_key_to_a_reference_table_while_the_tables_are_made(database):
    """On a real cluster, making a reference table turns every still-local table linked to it into a
    Citus local table (renamed behind a shell, and refused for films.events): the script drops those
    keys first, in one transaction as the owner, and adds them back after; a key from a table that
    stays local cannot come back, and the script says so."""
    dbctl("migrate", "--module", "films", "--module", "memory", dsn=database, check=True)
    script = dbctl("render", "--citus", "--module", "films", "--module", "memory", dsn=database, check=True).stdout
    first_reference = script.index("SELECT create_reference_table(")
    last_table = script.rindex("SELECT create_distributed_table(")
    assert script.index("SET ROLE agentdb_owner;") < script.index("BEGIN;") < first_reference
    assert script.index("COMMIT;") > last_table
    for relation, key in (("films.sessions", "sessions_user_id_fkey"), ("memory.agents", "agents_owner_user_id_fkey"),
                          ("memory.agent_memories", "agent_memories_agent_id_fkey")):
        drop = script.index(f'ALTER TABLE {relation} DROP CONSTRAINT "{key}";')
        add = script.index(f'ALTER TABLE {relation} ADD CONSTRAINT "{key}" FOREIGN KEY')
        assert drop < first_reference and add > last_table, key
    assert 'ALTER TABLE memory.user_pii DROP CONSTRAINT "user_pii_user_id_fkey";' in script
    assert 'ALTER TABLE memory.user_pii ADD CONSTRAINT' not in script
    assert "--   memory.user_pii user_pii_user_id_fkey: FOREIGN KEY (user_id) REFERENCES memory.users(id)" in script
    assert "create_distributed_function(p.oid::regprocedure)" in script
    assert "ARRAY['core', 'films', 'memory']::regnamespace[]" in script
