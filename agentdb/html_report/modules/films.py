"""films: sessions and events per day (films.daily_activity), tokens per agent
(films.agent_usage_daily) and agent hand-overs (films.agent_handovers)."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.modules.freshness import view_note
from agentdb.html_report.page import Section, empty


def section(ctx: Context) -> Section:
    s = Section("films", "films: sessions, agents and hand-overs")
    db, since = ctx.db, ctx.since.date()
    s.heading("Sessions and events per day")
    days = db.rows("SELECT activity_date, sessions_count, total_events, tool_calls_count, total_tokens "
                   "FROM films.daily_activity WHERE activity_date >= %s ORDER BY 1", (since,))
    if days:
        fig = charts.bars({"events": ([d["activity_date"] for d in days], [d["total_events"] for d in days]),
                           "tool calls": ([d["activity_date"] for d in days], [d["tool_calls_count"] for d in days])},
                          "day (UTC)", "events", unit="day", stacked=False)
        fig["data"].append({"type": "scatter", "mode": "lines+markers", "name": "sessions", "yaxis": "y2",
                            "x": [d["activity_date"] for d in days], "y": [d["sessions_count"] for d in days],
                            "line": {"color": charts.PALETTE[2]}})
        fig["layout"]["yaxis2"] = charts.right_axis([d["sessions_count"] for d in days], "sessions")
        fig["layout"]["margin"] = {**fig["layout"]["margin"], "r": 60}
        s.chart(fig, height=300)
        s.add(view_note(ctx, "films.daily_activity"))
    else:
        s.add(empty(latest_note("films events", db.value("SELECT max(activity_date) FROM films.daily_activity"))))

    s.heading("Tokens per agent")
    usage = db.rows("""SELECT CASE agent_name WHEN '' THEN '(no agent)' ELSE agent_name END AS agent,
                              sum(tokens_used)::bigint AS tokens, sum(events)::bigint AS events
                         FROM films.agent_usage_daily WHERE day >= %s GROUP BY 1 ORDER BY 2 DESC, 1""", (since,))
    if usage:
        s.chart(charts.bars({"tokens": ([u["agent"] for u in usage], [u["tokens"] for u in usage])}, "", "tokens",
                            horizontal=True, showlegend=False), height=80 + 28 * len(usage))
        per_day = db.rows("""SELECT day, CASE agent_name WHEN '' THEN '(no agent)' ELSE agent_name END AS agent,
                                    tokens_used FROM films.agent_usage_daily WHERE day >= %s ORDER BY 1, 2""", (since,))
        s.chart(charts.bars(charts.series_by(per_day, "day", "tokens_used", "agent"), "day (UTC)", "tokens", unit="day"),
                height=280, caption="Tokens per day and agent.")
        s.add(view_note(ctx, "films.agent_usage_daily"))
    else:
        s.add(empty(latest_note("tokens", db.value("SELECT max(day) FROM films.agent_usage_daily"))))

    s.heading("Agent hand-overs")
    pairs = db.rows("""SELECT from_agent || ' → ' || to_agent AS pair, sum(transfers)::bigint AS transfers,
                              sum(sessions)::bigint AS sessions
                         FROM films.agent_handovers WHERE day >= %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25""",
                    (since,))
    if pairs:
        s.chart(charts.bars({"hand-overs": ([p["pair"] for p in pairs], [p["transfers"] for p in pairs])}, "",
                            "hand-overs", horizontal=True, showlegend=False), height=80 + 28 * len(pairs),
                caption="Hand-overs from one agent to the next (films.agent_handovers).")
    else:
        s.add(empty(latest_note("hand-overs", db.value("SELECT max(day) FROM films.agent_handovers"))))
    return s
