"""Spec 003's clients through asyncpg, unchanged: a realistic agent life cycle with only the spec's
statements (and the upserts and state updates such clients register and update with: an agent
registers as initializing and moves through running, paused, stopping, stopped and error), connected
as a login role whose search_path comes from ALTER ROLE ... SET search_path (the clients set none),
compared with the same statements on the spec's own DDL; NOTIFY on a message; the queue with
competing consumers."""

import asyncio
import json
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg
import psycopg
import pytest

from bench.background_spec import (ACTIVE_AGENTS, EXPLAIN_EXAMPLE, HEALTH_OVERVIEW, HEALTH_SUMMARY_QUERY,
                                   INSERT_METRIC, METRICS_SUMMARY, RECENT_HEARTBEATS, SPEC_DDL, WEEKLY_DELETES)
from conftest import dbctl

REGISTER = """
INSERT INTO agents (agent_id, state, started_at, config, metadata) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (agent_id) DO UPDATE SET state = EXCLUDED.state, started_at = EXCLUDED.started_at,
    config = EXCLUDED.config, metadata = EXCLUDED.metadata, updated_at = NOW()
"""
HEARTBEAT = """
INSERT INTO agent_heartbeats (agent_id, timestamp, state, error_count, metrics) VALUES ($1, $2, $3, $4, $5)
RETURNING id
"""
METRIC_WITH_TIME = "INSERT INTO performance_metrics (agent_id, metric_name, value, unit, timestamp) VALUES ($1, $2, $3, $4, $5)"
EVENT = "INSERT INTO system_events (event_type, event_data, agent_id, severity) VALUES ($1, $2, $3, $4)"
SET_STATE = """
INSERT INTO system_state (key, value, updated_by) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = NOW(), updated_by = EXCLUDED.updated_by
"""
HELP_REQUEST = """
INSERT INTO help_requests (request_id, user_id, content, context, priority) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (request_id) DO UPDATE SET content = EXCLUDED.content, updated_at = NOW()
"""
HELP_RESPONSE = """
INSERT INTO help_responses (request_id, response_id, content, confidence_score, sources, agent_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (response_id) DO UPDATE SET content = EXCLUDED.content, confidence_score = EXCLUDED.confidence_score
"""
MESSAGE = """
INSERT INTO agent_communications (from_agent, to_agent, message_type, content) VALUES ($1, $2, $3, $4) RETURNING id
"""
LLM = """
INSERT INTO llm_conversations (conversation_id, agent_id, prompt, response, model, tokens_used, cost, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
"""
UPDATE_STATE = "UPDATE agents SET state = $2, updated_at = NOW() WHERE agent_id = $1"
STOP = "UPDATE agents SET state = $2, stopped_at = $3, updated_at = NOW() WHERE agent_id = $1"

FLEET = ("coordinator", "heartbeat_monitor", "performance_monitor", "ai_help_agent")


def connect_params(dsn, **override):
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    return {"host": params.get("host"), "port": int(params.get("port", 5432)), "user": params.get("user"),
            "password": params.get("password"), "database": params.get("dbname"), **override}


@pytest.fixture
def migrated(database):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA spec003")
        conn.execute("SET search_path = spec003")
        conn.execute(SPEC_DDL)
    return database


@pytest.fixture
def agent_login(admin_dsn):
    """A login role in the agents' role, its search_path set on the role as a deployment does."""
    name = f"bg_agent_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'secret' IN ROLE bg_agents_user")
        conn.execute(f"ALTER ROLE {name} SET search_path = background, core, extensions")
    yield name
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP ROLE {name}")


async def life_cycle(conn, now):
    """What the fleet does, in the spec's order (Agent Registration Flow), with the client's states:
    each agent registers as initializing (twice: a restart re-registers), runs and beats; the
    performance monitor pauses and resumes, the heartbeat monitor stops, the help agent fails.
    Returns the heartbeat ids."""
    ids = []
    for n, agent in enumerate(FLEET):
        await conn.execute(REGISTER, agent, "initializing", now - timedelta(hours=2), json.dumps({"n": n}),
                           json.dumps({}))
        await conn.execute(REGISTER, agent, "initializing", now - timedelta(hours=1), json.dumps({"n": n}),
                           json.dumps({"host": "worker-1"}))
        await conn.execute(UPDATE_STATE, agent, "running")
        for minute in range(60, -1, -1):
            state = "paused" if agent == "performance_monitor" and 20 < minute <= 30 else "running"
            if agent == "performance_monitor" and minute in (30, 20):
                await conn.execute(UPDATE_STATE, agent, state)
            ids.append(await conn.fetchval(HEARTBEAT, agent, now - timedelta(minutes=minute), state, minute % 3,
                                           json.dumps({"cpu_usage": 10.0 + n + minute % 5, "memory_mb": 256})))
        for half_minute in range(0, 150, 7):
            await conn.execute(METRIC_WITH_TIME, agent, "memory_usage", 40.0 + half_minute % 9, "percent",
                               now - timedelta(seconds=30 * half_minute))
        await conn.execute(INSERT_METRIC, agent, "cpu_usage", 25.5)  # the spec's own statement, a float
        await conn.execute(EVENT, "agent_started", json.dumps({"pid": 100 + n}), agent, "INFO")
    await conn.execute(EVENT, "llm_timeout", json.dumps({"after": 30}), "ai_help_agent", "ERROR")
    await conn.execute(UPDATE_STATE, "ai_help_agent", "error")
    await conn.execute(EVENT, "config_reloaded", None, "an_unregistered_script", "WARNING")
    await conn.execute(SET_STATE, "fleet_mode", json.dumps("normal"), "coordinator")
    await conn.execute(SET_STATE, "fleet_mode", json.dumps("degraded"), "performance_monitor")
    await conn.execute(HELP_REQUEST, "req-1", "user-1", "How do I restart an agent?", json.dumps({"page": "x"}), "high")
    await conn.execute(HELP_RESPONSE, "req-1", "resp-1", "Register it again.", 0.9, json.dumps(["docs"]), "ai_help_agent")
    await conn.execute(HELP_RESPONSE, "req-1", "resp-1", "Register it again, then wait.", 0.95, json.dumps(["docs"]),
                       "an_unregistered_helper")
    await conn.fetchval(MESSAGE, "coordinator", "performance_monitor", "collect", json.dumps({"scope": "fleet"}))
    await conn.fetchval(LLM, "conv-1", "ai_help_agent", "How?", "Like this.", "gpt-4o-mini", 321, 0.00123,
                        json.dumps({"temperature": 0.2}))
    await conn.execute(UPDATE_STATE, "heartbeat_monitor", "stopping")
    await conn.execute(STOP, "heartbeat_monitor", "stopped", now)
    return ids


async def monitoring(conn):
    active = [(r["agent_id"], r["state"], r["started_at"]) for r in await conn.fetch(ACTIVE_AGENTS)]
    recent = sorted((r["agent_id"], r["timestamp"], r["state"], r["error_count"], json.loads(r["cpu_usage"]))
                    for r in await conn.fetch(RECENT_HEARTBEATS))
    summary = [tuple(r) for r in await conn.fetch(METRICS_SUMMARY)]
    health = [tuple(r) for r in await conn.fetch(HEALTH_OVERVIEW)]
    health_summary = sorted(tuple(r) for r in await conn.fetch(HEALTH_SUMMARY_QUERY))
    states = [tuple(r) for r in await conn.fetch("SELECT agent_id, state FROM agents ORDER BY agent_id")]
    return active, recent, summary, health, health_summary, states


def test_the_spec_clients_life_cycle_runs_unchanged_and_reads_what_the_spec_ddl_reads(migrated, agent_login):
    async def scenario():
        now = datetime.now(timezone.utc)
        agent = await asyncpg.connect(**connect_params(migrated, user=agent_login, password="secret"))
        spec = await asyncpg.connect(**connect_params(migrated), server_settings={"search_path": "spec003"})
        try:
            assert await agent.fetchval("SHOW search_path") == "background, core, extensions"
            ids = await life_cycle(agent, now)
            assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids)
            await life_cycle(spec, now)
            ours, theirs = await monitoring(agent), await monitoring(spec)
            assert ours == theirs
            active, recent, summary, health, health_summary, states = ours
            assert states == [("ai_help_agent", "error"), ("coordinator", "running"),
                              ("heartbeat_monitor", "stopped"), ("performance_monitor", "running")]
            assert [a for a, _, _ in active] == ["coordinator", "performance_monitor"]
            assert len(recent) == 4 * 5 and recent[0][0] == "ai_help_agent" and recent[0][4] == 17.0
            assert ("coordinator", "cpu_usage") in [(r[0], r[1]) for r in summary]
            assert health == [("Total Agents", 4), ("Running Agents", 2), ("Recent Heartbeats (5min)", 20),
                              ("Error Events (1hour)", 1)]
            paused = await agent.fetchval("SELECT count(*) FROM agent_heartbeats WHERE state = 'paused'")
            assert paused == 10
            assert [(r[0], r[1]) for r in health_summary] == [(a, 61) for a in sorted(FLEET)]
            plan = "\n".join(r[0] for r in await agent.fetch(EXPLAIN_EXAMPLE))
            assert "idx_heartbeats_agent_timestamp" in plan or "agent_id_timestamp_idx" in plan
            for statement in WEEKLY_DELETES:
                await agent.execute(statement)
            row = await agent.fetchrow("SELECT config, metadata, started_at FROM agents WHERE agent_id = $1", "coordinator")
            assert json.loads(row["config"]) == {"n": 0} and row["started_at"] == now - timedelta(hours=1)
            assert json.loads(await agent.fetchval("SELECT value FROM system_state WHERE key = 'fleet_mode'")) == "degraded"
            assert await agent.fetchval("SELECT status FROM help_requests WHERE request_id = 'req-1'") == "pending"
            assert await agent.fetchval("SELECT confidence_score FROM help_responses WHERE response_id = 'resp-1'") == \
                pytest.approx(0.95)
            last = await agent.fetchval("SELECT last_heartbeat_at FROM agents WHERE agent_id = 'coordinator'")
            assert last == now
        finally:
            await agent.close()
            await spec.close()

    asyncio.run(scenario())


def test_the_agents_role_cannot_leave_its_module(migrated, agent_login):
    async def scenario():
        agent = await asyncpg.connect(**connect_params(migrated, user=agent_login, password="secret"))
        try:
            for statement in ("TRUNCATE agents", "CREATE TABLE extra (id int)", "SELECT * FROM core.migration_ledger",
                              "DROP TABLE agents"):
                with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                    await agent.execute(statement)
        finally:
            await agent.close()

    asyncio.run(scenario())


def test_send_message_notifies_the_recipients_channel(migrated, agent_login):
    async def scenario():
        listener = await asyncpg.connect(**connect_params(migrated, user=agent_login, password="secret"))
        sender = await asyncpg.connect(**connect_params(migrated, user=agent_login, password="secret"))
        received = asyncio.Queue()
        try:
            channel = await listener.fetchval("SELECT message_channel('performance_monitor')")
            await listener.add_listener(channel, lambda *args: received.put_nowait(args[2:]))
            message_id = await sender.fetchval("SELECT send_message('coordinator', 'performance_monitor', 'collect', $1)",
                                               json.dumps({"scope": "fleet"}))
            assert await asyncio.wait_for(received.get(), 10) == (channel, str(message_id))
            other = await sender.fetchval(MESSAGE, "coordinator", "ai_help_agent", "ping", None)  # another agent's
            again = await sender.fetchval(MESSAGE, "coordinator", "performance_monitor", "ping", None)  # a plain INSERT
            assert await asyncio.wait_for(received.get(), 10) == (channel, str(again))
            assert received.empty() and other != again
        finally:
            await listener.close()
            await sender.close()

    asyncio.run(scenario())


def test_a_consumer_skips_messages_another_consumer_holds(migrated, agent_login):
    """Consumer A claims two messages and keeps its transaction open; B, meanwhile, gets the others
    at once (with a lock_timeout, so waiting for A's rows would fail the test instead of hanging)."""
    async def scenario():
        params = connect_params(migrated, user=agent_login, password="secret")
        a, b = await asyncpg.connect(**params), await asyncpg.connect(**params)
        try:
            sent = [await a.fetchval("SELECT send_message('coordinator', 'worker', 'job', $1)", json.dumps({"n": n}))
                    for n in range(5)]
            await b.execute("SET lock_timeout = '2s'")
            transaction = a.transaction()
            await transaction.start()
            held = [r["id"] for r in await a.fetch("SELECT id FROM receive_messages('worker', 2)")]
            assert held == sent[:2]
            others = [r["id"] for r in await b.fetch("SELECT id FROM receive_messages('worker', 10)")]
            assert others == sent[2:]
            await transaction.commit()
            assert await b.fetch("SELECT id FROM receive_messages('worker', 10)") == []
            statuses = await b.fetch("SELECT status FROM agent_communications WHERE to_agent = 'worker'")
            assert {r["status"] for r in statuses} == {"delivered"}
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())


def test_four_consumers_get_every_message_exactly_once(migrated, agent_login):
    async def scenario():
        params = connect_params(migrated, user=agent_login, password="secret")
        producer = await asyncpg.connect(**params)
        consumers = [await asyncpg.connect(**params) for _ in range(4)]
        try:
            await producer.execute(
                "SELECT send_message('coordinator', 'worker', 'job', jsonb_build_object('n', n)) FROM generate_series(1, 2000) AS n")
            start = asyncio.Event()

            async def consume(conn):
                await start.wait()
                got = []
                while batch := await conn.fetch("SELECT id FROM receive_messages('worker', 7)"):
                    got += [r["id"] for r in batch]
                    for r in batch:
                        await conn.execute("SELECT ack_message($1, 'worker')", r["id"])
                return got

            tasks = [asyncio.create_task(consume(c)) for c in consumers]
            start.set()
            claimed = await asyncio.gather(*tasks)
            every = [i for got in claimed for i in got]
            assert len(every) == 2000 and len(set(every)) == 2000
            assert await producer.fetchval(
                "SELECT count(*) FROM agent_communications WHERE to_agent = 'worker' AND status = 'read'") == 2000
        finally:
            for conn in (producer, *consumers):
                await conn.close()

    asyncio.run(scenario())
