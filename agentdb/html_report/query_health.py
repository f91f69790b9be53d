"""Query health: the slowest statements (pg_stat_statements through core.slow_statements, with a note
where it is missing) and the indexes never scanned (core.unused_indexes)."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context
from agentdb.html_report.page import Section, empty, note, size, table

SLOWEST = 15

MISSING = {
    "not installed": "pg_stat_statements is not installed in this database, so statements are not tracked: as a "
                     "superuser, CREATE EXTENSION pg_stat_statements WITH SCHEMA extensions (the server must preload "
                     "it: shared_preload_libraries).",
    "not loaded": "pg_stat_statements is installed but the server does not load it, so statements are not "
                  "tracked: add it to shared_preload_libraries and restart the server.",
}


def section(ctx: Context) -> Section:
    s = Section("query-health", "Query health")
    if not ctx.core_ready:
        return s.add(empty("core is not migrated in this database: no query health views."))
    s.heading("Slowest statements")
    state = ctx.db.value("SELECT core.statement_statistics()")
    if state != "ready":
        s.add(note(MISSING.get(state, f"pg_stat_statements: {state}")))
    else:
        slow = ctx.db.rows("SELECT queryid, calls, mean_ms, max_ms, total_ms, rows, left(query, 300) AS query "
                           "FROM core.slow_statements(0) LIMIT %s", (SLOWEST,))
        if slow:
            labels = [f"#{i + 1} {(r['query'] or '')[:48]}" for i, r in enumerate(slow)]
            s.chart({"data": [{"type": "bar", "orientation": "h", "y": labels, "x": [r["mean_ms"] for r in slow],
                               "marker": {"color": charts.PALETTE[0]},
                               "text": [(r["query"] or "")[:200] for r in slow],
                               "hovertemplate": "%{x:.2f} ms mean<br>%{text}<extra></extra>", "textposition": "none"}],
                     "layout": charts.layout("mean time (ms)", "", showlegend=False,
                                             yaxis={"autorange": "reversed", "rangemode": "normal"})},
                    height=60 + 24 * len(slow), caption="Mean execution time of the slowest statements of this database.")
            s.add(table(["#", "calls", "mean ms", "max ms", "total ms", "rows", "statement"],
                        [[i + 1, r["calls"], r["mean_ms"], r["max_ms"], r["total_ms"], r["rows"], r["query"]]
                         for i, r in enumerate(slow)]))
            s.add(note("Statement texts of other roles show as <insufficient privilege> unless the reading login "
                       "is a member of pg_read_all_stats."))
        else:
            s.add(empty("pg_stat_statements has recorded no statement of this database yet."))
    s.heading("Unused indexes")
    unused = [u for u in ctx.db.rows("SELECT index_schema, table_name::text AS table_name, index_name::text AS index_name, "
                                     "scans, index_bytes, is_unique, counted_since FROM core.unused_indexes "
                                     "ORDER BY index_bytes DESC, 3")
              if u["index_schema"] in ctx.schemas]
    if not unused:
        return s.add(empty("Every index of these modules has been scanned since the statistics were reset."))
    top = unused[:20]
    s.chart({"data": [{"type": "bar", "orientation": "h", "y": [u["index_name"] for u in top],
                       "x": [int(u["index_bytes"]) for u in top],
                       "marker": {"color": ["#e0a100" if u["is_unique"] else "#d23c3c" for u in top]},
                       "text": [size(u["index_bytes"]) for u in top],
                       "hovertemplate": "%{y}: %{text}<extra></extra>", "textposition": "none"}],
             "layout": charts.layout("bytes", "", showlegend=False, yaxis={"autorange": "reversed", "rangemode": "normal"})},
            height=60 + 22 * len(top), caption="The largest indexes never scanned (amber: unique, so they still "
                                               "enforce a constraint).")
    since = unused[0]["counted_since"]
    since_text = f"{since:%Y-%m-%d %H:%M} UTC" if since else "the statistics began"
    s.add(note(f"{len(unused):,} index{'' if len(unused) == 1 else 'es'} never scanned since {since_text}."))
    s.add("<details><summary>All of them</summary>" + table(
        ["table", "index", "size", "unique"],
        [[u["table_name"], u["index_name"], size(u["index_bytes"]), "yes" if u["is_unique"] else ""] for u in unused])
        + "</details>")
    return s
