"""background: the fleet's state over time (background.fleet_state_hourly), stale agents
(background.stale_agents), heartbeats per minute (background.heartbeats_per_minute), error events
(background.error_events_daily), LLM cost and tokens per day and model (background.llm_usage_daily)."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.page import Section, empty, table

SAMPLES = 72  # hours of the fleet's state drawn at most: every hour for 3 days, every 3 hours for a week

STATE_COLOURS = {"running": "#2e9d55", "idle": "#2f6bd8", "stopped": "#5b6475", "error": "#d23c3c",
                 "stale": "#e0a100"}


def section(ctx: Context) -> Section:
    s = Section("background", "background: the fleet")
    db, since = ctx.db, ctx.since
    cards = db.rows("SELECT metric, value FROM background.system_health_overview")
    stale = db.rows("SELECT agent_id, state, started_at, last_heartbeat_at, silent_for FROM background.stale_agents "
                    "ORDER BY silent_for DESC LIMIT 50")
    s.add('<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{c["metric"]}</div><div class="v">{c["value"]:,}</div></div>' for c in cards)
        + f'<div class="card"><div class="k">Stale agents</div><div class="v">{len(stale):,}</div></div></div>')

    s.heading("Fleet state over time")
    # Each sampled hour reads the heartbeats of two intervals before it: the stride (counted back from
    # the current hour, which is always drawn) bounds the work.
    stride = max(1, -(-ctx.days * 24 // SAMPLES))
    fleet = db.rows("""SELECT hour, state, agents FROM background.fleet_state_hourly
                        WHERE hour >= %s AND (extract(EPOCH FROM date_trunc('hour', now()) - hour)::bigint / 3600) %% %s = 0
                        ORDER BY 1, 2""",
                    (since, stride))
    if fleet:
        fig = charts.bars(charts.series_by(fleet, "hour", "agents", "state"), "hour (UTC)", "agents heard", unit="hour")
        for trace in fig["data"]:
            trace["width"] = stride * 3600 * 1000 * 0.8
            if trace["name"] in STATE_COLOURS:
                trace["marker"]["color"] = STATE_COLOURS[trace["name"]]
        every = "each hour" if stride == 1 else f"every {stride} hours"
        s.chart(fig, height=290, caption=f"Agents by the state of their latest heartbeat before the hour, {every} "
                                         "(background.fleet_state_hourly).")
    else:
        s.add(empty(latest_note("heartbeats", db.value("SELECT max(timestamp) FROM background.agent_heartbeats"))))

    s.heading("Stale agents")
    if stale:
        s.add(table(["agent", "state", "started", "last heartbeat", "silent for"], [list(r.values()) for r in stale]))
    else:
        s.add(empty("No running agent has missed two heartbeats."))

    s.heading("Heartbeats per minute (last hour)")
    beats = db.rows("SELECT minute, heartbeats, agents, errors_reported FROM background.heartbeats_per_minute ORDER BY 1")
    if beats:
        fig = charts.bars({"heartbeats": ([b["minute"] for b in beats], [b["heartbeats"] for b in beats])},
                          "minute (UTC)", "heartbeats", showlegend=True, unit="minute")
        fig["data"].append({"type": "scatter", "mode": "lines", "name": "agents heard", "x": [b["minute"] for b in beats],
                            "y": [b["agents"] for b in beats], "line": {"color": charts.PALETTE[2]}})
        s.chart(fig, height=260)
    else:
        s.add(empty("No heartbeat in the last hour."))

    s.heading("Error events")
    errors = db.rows("""SELECT day, event_type, sum(events)::bigint AS events FROM background.error_events_daily
                         WHERE day >= %s GROUP BY 1, 2 ORDER BY 1, 2""", (since.date(),))
    if errors:
        s.chart(charts.bars(charts.series_by(errors, "day", "events", "event_type"), "day (UTC)",
                            "ERROR and CRITICAL events", unit="day"),
                height=260)
        latest = db.rows("""SELECT timestamp, severity, event_type, agent_id, left(event_data::text, 200) AS data
                              FROM background.system_events WHERE severity IN ('ERROR', 'CRITICAL') AND timestamp >= %s
                             ORDER BY timestamp DESC LIMIT 10""", (since,))
        s.add(table(["at", "severity", "event", "agent", "data"], [list(r.values()) for r in latest]))
    else:
        s.add(empty(latest_note("error events", db.value("SELECT max(day) FROM background.error_events_daily"))))

    s.heading("LLM cost and tokens")
    llm = db.rows("""SELECT day, coalesce(model, '(not recorded)') AS model, sum(cost)::float8 AS cost,
                            sum(tokens_used)::bigint AS tokens FROM background.llm_usage_daily
                      WHERE day >= %s GROUP BY 1, 2 ORDER BY 1, 2""", (since.date(),))
    if llm:
        s.add('<div class="grid2">')
        s.chart(charts.bars(charts.series_by(llm, "day", "cost", "model"), "day (UTC)", "cost", unit="day"), height=270,
                caption="LLM cost per day and model.")
        s.chart(charts.bars(charts.series_by(llm, "day", "tokens", "model"), "day (UTC)", "tokens", unit="day"), height=270,
                caption="LLM tokens per day and model.")
        s.add("</div>")
    else:
        s.add(empty(latest_note("LLM calls", db.value("SELECT max(day) FROM background.llm_usage_daily"))))
    return s
