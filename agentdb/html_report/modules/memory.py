"""memory: memories by type and agent (memory.memories_by_type), recall activity
(memory.recall_activity_daily), state versions and rollbacks (memory.state_activity_daily,
memory.agent_state_summary)."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.page import Section, empty, table

TOP_AGENTS = 20


def section(ctx: Context) -> Section:
    s = Section("memory", "memory: memories, recall and agent state")
    db, since = ctx.db, ctx.since.date()
    s.heading("Memories by type and agent")
    kept = db.rows("""SELECT coalesce(agent_name, agent_id::text) AS agent, memory_type, memories
                        FROM memory.memories_by_type
                       WHERE agent_id IN (SELECT agent_id FROM memory.memories_by_type GROUP BY 1
                                          ORDER BY sum(memories) DESC LIMIT %s)
                       ORDER BY 1, 2""", (TOP_AGENTS,))
    if kept:
        s.chart(charts.bars(charts.series_by(kept, "agent", "memories", "memory_type"), "agent", "memories"), height=290,
                caption=f"Memories kept per agent (the {TOP_AGENTS} with most), by type.")
    else:
        s.add(empty("No memories recorded yet."))

    s.heading("Recall activity")
    recalls = db.rows("""SELECT r.day, coalesce(a.name, r.agent_id::text) AS agent,
                                sum(r.memories_recalled)::bigint AS recalled
                           FROM memory.recall_activity_daily AS r LEFT JOIN memory.agents AS a ON a.id = r.agent_id
                          WHERE r.day >= %s GROUP BY 1, 2 ORDER BY 1, 2""", (since,))
    if recalls:
        s.chart(charts.bars(charts.series_by(recalls, "day", "recalled", "agent"), "day (UTC)", "memories recalled",
                            unit="day"),
                height=270, caption="Memories recalled per day and agent (from the audit log).")
    else:
        s.add(empty(latest_note("recalls", db.value("SELECT max(day) FROM memory.recall_activity_daily"))))

    s.heading("State versions and rollbacks")
    states = db.rows("""SELECT day, transition_type, sum(transitions)::bigint AS transitions FROM memory.state_activity_daily
                         WHERE day >= %s GROUP BY 1, 2 ORDER BY 1, 2""", (since,))
    if states:
        fig = charts.bars(charts.series_by(states, "day", "transitions", "transition_type"), "day (UTC)",
                          "new state versions", labels={"restore": "restore (rollback)"}, unit="day")
        s.chart(fig, height=270, caption="New versions of agents' state per day, by how they were made.")
    else:
        s.add(empty(latest_note("state changes", db.value("SELECT max(day) FROM memory.state_activity_daily"))))
    summary = db.rows("""SELECT agent_name, versions, current_version, rollbacks, resets, checkpoints, last_transition_at
                           FROM memory.agent_state_summary ORDER BY versions DESC, agent_name LIMIT %s""", (TOP_AGENTS,))
    if summary:
        s.add(table(["agent", "versions", "current", "rollbacks", "resets", "checkpoints", "last change"],
                    [list(r.values()) for r in summary]))
    return s
