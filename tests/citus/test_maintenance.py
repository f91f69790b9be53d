"""Maintenance on the cluster, as the maintenance role (core.run_maintenance(), the cron entry point):
an event waiting in the default partition moves into a new partition, which Citus distributes with
its parent; every task and view refresh runs; films' retention archives, deletes and drops partitions
through distributed statements."""

import uuid

from conftest import MAINTENANCE, single_shard

USER = uuid.UUID("0190a0c0-0000-7000-8000-0000000e0001")
SESSION = uuid.UUID("0190a0c0-0000-7000-8000-0000000e0002")
LATE = "2024-11-15 10:00+00"  # a month no partition was made for: the row waits in the default partition


def test_run_maintenance_as_the_maintenance_role(deployment):
    with deployment.connect("agentdb_app") as app:
        app.execute("INSERT INTO films.users (id, email, username) VALUES (%s, 'm@example.com', 'maint')", (USER,))
        app.execute("INSERT INTO films.sessions (id, app_name, user_id, started_at) VALUES (%s, 'studio', %s, %s)",
                    (SESSION, USER, LATE))
        single_shard(app, "SELECT films.append_event(%s, 'user_message', '{\"text\": \"late\"}', p_created_at => %s)",
                     (SESSION, LATE))
    with deployment.connect() as admin:
        # (tableoid is the shard's: <partition>_<shard id>)
        assert admin.execute("SELECT tableoid::regclass::text FROM films.events WHERE session_id = %s",
                             (SESSION,)).fetchone()[0].startswith("films.events_default_")
    with deployment.connect(MAINTENANCE) as maintenance:
        actions = maintenance.execute("SELECT target, action, partition, outcome, message "
                                      "FROM core.run_maintenance()").fetchall()
    # The one thing maintenance cannot do on Citus (docs/scale-out.md, "What is still unsupported"):
    # move a late event that an agent transfer points at out of the default partition; the
    # referencing rows cannot be taken out and put back through the shards. test_films left such an event.
    failed = [a for a in actions if a[3] == "failed"]
    assert [(a[0], a[1], a[4].split(":")[0]) for a in failed] in ([], [("films.events", "rescue", "0A000")])
    assert all("agent_transfers" in a[4] for a in failed)
    assert ("films.events", "rescue", "films.events_2024_11") in {a[:3] for a in actions}
    assert {a[0] for a in actions if a[1] == "refresh"} >= {"films.session_summary", "films.agent_performance",
                                                             "films.daily_activity", "background.agent_health_summary"}
    assert {a[0] for a in actions if a[1] == "task"} >= {"assistant.retention_task(timestamp with time zone)",
                                                          "memory.expire_memories(timestamp with time zone)"}
    with deployment.connect() as admin:
        assert admin.execute("SELECT tableoid::regclass::text FROM films.events WHERE session_id = %s",
                             (SESSION,)).fetchone()[0].startswith("films.events_2024_11_")
        distributed = admin.execute("SELECT p.colocationid = s.colocationid FROM pg_dist_partition AS p, "
                                    "pg_dist_partition AS s WHERE p.logicalrelid = 'films.events_2024_11'::regclass "
                                    "AND s.logicalrelid = 'films.sessions'::regclass").fetchone()
        assert distributed == (True,), "the new partition is distributed, co-located with its sessions"
        assert admin.execute("SELECT pg_relation_size('films.events_2024_11')").fetchone()[0] == 0, \
            "the rows' copy on the coordinator was emptied"
        summary = admin.execute("SELECT total_events FROM films.session_summary WHERE session_id = %s",
                                (SESSION,)).fetchone()
        assert summary == (1,)


def test_films_retention_through_distributed_statements(deployment):
    with deployment.connect() as owner:
        owner.execute("SET ROLE agentdb_owner")
        owner.execute("UPDATE films.sessions SET status = 'completed', ended_at = %s WHERE id = %s",
                      ("2024-11-15 11:00+00", SESSION))
        assert owner.execute("SELECT films.archive_old_sessions(30)").fetchone()[0] >= 1
        deleted = dict(owner.execute("SELECT * FROM films.delete_archived_data(30)").fetchall())
        assert deleted["sessions"] >= 1 and deleted["events"] >= 1
        dropped = owner.execute("SELECT partition, outcome FROM films.drop_old_event_partitions(12)").fetchall()
        assert ("films.events_2024_11", "ok") in dropped
        assert owner.execute("SELECT to_regclass('films.events_2024_11')").fetchone()[0] is None
