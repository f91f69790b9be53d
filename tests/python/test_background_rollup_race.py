"""Two sessions creating the same minute's rollup rows at once (a heartbeat and a metrics batch of
one agent each) both count: the second waits for the first's new rows and adds to them, and the
rollups equal the raw rows."""

import threading

import psycopg

from conftest import dbctl

# One minute for both sessions, read once: each session's own now() could fall either side of a
# minute's end, and the two would then write different minutes.
MINUTE = "SELECT date_bin('1 minute', now(), '2000-01-01+00') - interval '5 minutes'"
HEARTBEAT = "SELECT background.heartbeat(%s, 'running', 0, NULL, %s::timestamptz + %s * interval '1 second')"
METRICS = ("SELECT background.record_metrics(jsonb_build_array("
           "jsonb_build_object('agent_id', %s::text, 'metric_name', 'cpu', 'value', 5), "
           "jsonb_build_object('agent_id', %s::text, 'metric_name', 'mem', 'value', 512)), "
           "%s::timestamptz + %s * interval '1 second')")
EXACT = """
SELECT (SELECT sum(heartbeats) FROM background.heartbeat_minutes WHERE agent_id = %(a)s)
           = (SELECT count(*) FROM background.agent_heartbeats WHERE agent_id = %(a)s),
       (SELECT array_agg((metric_name, samples, total) ORDER BY metric_name) FROM background.metric_minutes
        WHERE agent_id = %(a)s)::text
           = (SELECT array_agg((metric_name, n, s) ORDER BY metric_name) FROM (
                SELECT metric_name, count(*) AS n, sum(value) AS s FROM background.performance_metrics
                WHERE agent_id = %(a)s GROUP BY 1) AS raw)::text,
       (SELECT array_agg((metric_name, samples) ORDER BY metric_name) FROM background.metric_ten_minutes
        WHERE agent_id = %(a)s)::text
           = (SELECT array_agg((metric_name, n) ORDER BY metric_name) FROM (
                SELECT metric_name, count(*) AS n FROM background.performance_metrics WHERE agent_id = %(a)s
                GROUP BY 1) AS raw)::text
"""


def agent_second(conn, agent, minute, second):
    conn.execute(HEARTBEAT, (agent, minute, second))
    conn.execute(METRICS, (agent, agent, minute, second))


def test_two_sessions_creating_the_same_minute_both_count(database):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("SELECT background.register_agent('race-agent')")
        minute = conn.execute(MINUTE).fetchone()[0]
    with psycopg.connect(database) as first, psycopg.connect(database, autocommit=True) as second:
        agent_second(first, "race-agent", minute, 1)  # the minute's rows, not yet committed
        second.execute("SET lock_timeout = '20s'")
        done = threading.Event()

        def other():
            agent_second(second, "race-agent", minute, 2)  # finds no row, waits for the first session's
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not done.wait(1), "the second session waits for the first one's new rows"
        first.commit()
        thread.join()
        assert done.is_set()
        check = second.execute(EXACT, {"a": "race-agent"}).fetchone()
        assert check == (True, True, True)
        assert second.execute("SELECT sum(heartbeats) FROM background.heartbeat_minutes "
                              "WHERE agent_id = 'race-agent'").fetchone()[0] == 2
