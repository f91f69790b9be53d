"""Figures for plotly.js as plain data (traces and layouts): the few chart shapes the report uses.
Times are UTC; page.py writes them without a zone, which is how plotly.js reads dates."""

from datetime import datetime, timedelta

PALETTE = ["#2f6bd8", "#e07b39", "#2e9d55", "#8b5cc7", "#d23c3c", "#1aa3a3", "#a3761a", "#d55fa8",
           "#5b6475", "#7fa32e"]
OUTCOME_COLOURS = {"ok": "#2e9d55", "skipped": "#e0a100", "failed": "#d23c3c"}


def layout(x_title: str = "", y_title: str = "", **extra) -> dict:
    base = {
        "margin": {"l": 60, "r": 20, "t": 36, "b": 45},
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"},
        "hovermode": "closest",
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
NARROWEST = {"minute": timedelta(minutes=30), "hour": timedelta(hours=12), "day": timedelta(days=7)}
TICKS = {"minute": "%H:%M", "hour": "%b %d %H:%M", "day": "%b %d"}


def time_axis(xs: list, unit: str) -> dict:
    """A date axis around xs (days, hours or minutes), at least a week, 12 hours or 30 minutes wide,
    so one bar is a bar and ticks never fall between days."""
    values = [x if isinstance(x, datetime) else datetime.combine(x, datetime.min.time()) for x in xs if x is not None]
    axis = {"type": "date", "tickformat": TICKS[unit], "hoverformat": "%Y-%m-%d %H:%M"}
    if values:
        pad = max(UNITS[unit] * 0.6, (max(values) - min(values)) * 0.03)
        low, high = min(values) - pad, max(values) + pad
        missing = NARROWEST[unit] - (high - low)
        if missing > timedelta(0):
            low, high = low - missing / 2, high + missing / 2
        axis["range"] = [low, high]
    return axis


def right_axis(values: list, title: str) -> dict:
    """A second y-axis on the right for counts: from zero, whole-number ticks, headroom above."""
    top = max([float(v) for v in values if v is not None] or [1.0])
    step = max(1, round(top / 5))
    return {"title": {"text": title}, "overlaying": "y", "side": "right", "range": [0, top * 1.15 + 0.5],
            "dtick": step, "showgrid": False}


def series_by(rows: list[dict], x: str, y: str, group: str) -> dict[str, tuple[list, list]]:
    """{group value: (xs, ys)} from rows, groups in first-seen order."""
    out: dict[str, tuple[list, list]] = {}
    for r in rows:
        key = "" if r[group] is None else str(r[group])
        xs, ys = out.setdefault(key, ([], []))
        xs.append(r[x])
        ys.append(r[y])
    return out


def bars(series: dict[str, tuple[list, list]], x_title: str, y_title: str, stacked: bool = True,
         horizontal: bool = False, labels: dict | None = None, unit: str | None = None, **extra) -> dict:
    data = []
    for i, (name, (xs, ys)) in enumerate(series.items()):
        trace = {"type": "bar", "name": (labels or {}).get(name, name or "(none)"),
                 "marker": {"color": PALETTE[i % len(PALETTE)]}}
        if horizontal:
            trace.update(orientation="h", x=ys, y=xs)
        else:
            trace.update(x=xs, y=ys)
        data.append(trace)
    lay = layout(x_title, y_title, barmode="stack" if stacked else "group", **extra)
    if horizontal:
        lay["xaxis"], lay["yaxis"] = lay["yaxis"], {**lay["xaxis"], "autorange": "reversed"}
    elif unit:
        lay["xaxis"].update(time_axis([x for xs, _ in series.values() for x in xs], unit))
        # On a date axis a bar's width is in milliseconds; plotly.js guesses it from the gaps between
        # points, which a single day does not have.
        span = UNITS[unit].total_seconds() * 1000 * 0.8
        for i, trace in enumerate(data):
            if stacked:
                trace["width"] = span
            else:
                trace["width"] = span / len(data)
                trace["offset"] = -span / 2 + i * span / len(data)
    return {"data": data, "layout": lay}


def lines(series: dict[str, tuple[list, list]], x_title: str, y_title: str, markers: bool = True,
          unit: str | None = None, **extra) -> dict:
    data = [{"type": "scatter", "mode": "lines+markers" if markers else "lines", "name": name or "(none)",
             "x": xs, "y": ys, "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
             "marker": {"size": 5}}
            for i, (name, (xs, ys)) in enumerate(series.items())]
    lay = layout(x_title, y_title, **extra)
    if unit:
        lay["xaxis"].update(time_axis([x for xs, _ in series.values() for x in xs], unit))
    return {"data": data, "layout": lay}


def vertical_line(x, label: str, colour: str, dash: str = "dash") -> tuple[dict, dict]:
    """A full-height line at x with a label above the plot: (shape, annotation)."""
    shape = {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
             "line": {"color": colour, "width": 2, "dash": dash}}
    annotation = {"x": x, "xref": "x", "y": 1.02, "yref": "paper", "text": label, "showarrow": False,
                  "font": {"color": colour, "size": 11}, "xanchor": "left", "yanchor": "bottom"}
    return shape, annotation
