"""The page: sections of HTML with their charts, assembled into one self-contained document (styles,
plotly.js and the figures inline; a Content-Security-Policy that allows no request at all)."""

import html
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def count(n, word: str) -> str:
    """'1 row', '2 rows', '1,204 rows'."""
    n = int(n or 0)
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = value.total_seconds()
    if abs(seconds) < 1:
        return f"{seconds * 1000:.1f} ms"
    if abs(seconds) < 120:
        return f"{seconds:.1f} s"
    if abs(seconds) < 7200:
        return f"{seconds / 60:.0f} min"
    if abs(seconds) < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def size(num) -> str:
    if num is None:
        return ""
    num = float(num)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(num) < 1024 or unit == "TB":
            return f"{num:,.0f} {unit}" if unit == "B" else f"{num:,.1f} {unit}"
        num /= 1024
    return f"{num:,.1f} TB"


def table(headers: list[str], rows: list[list], raw: set[int] = frozenset(), css: str = "") -> str:
    """An HTML table; cells are escaped except the columns listed in raw (already HTML)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{v if i in raw else esc(cell(v))}</td>" for i, v in enumerate(r)) + "</tr>"
        for r in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def note(message: str) -> str:
    return f'<p class="note">{esc(message)}</p>'


def light(state: str, label: str = "") -> str:
    """A traffic light: green, amber or red, with its word for print and screen readers."""
    return f'<span class="light {state}" title="{esc(label or state)}"></span><span class="light-label">{esc(label)}</span>'


@dataclass
class Section:
    """One section of the page: an anchor, a title, HTML parts, and the figures its charts draw."""
    key: str
    title: str
    parts: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    def add(self, fragment: str) -> "Section":
        self.parts.append(fragment)
        return self

    def heading(self, text: str, anchor: str | None = None) -> "Section":
        ident = f' id="{esc(anchor)}"' if anchor else ""
        return self.add(f"<h3{ident}>{esc(text)}</h3>")

    def chart(self, figure: dict, height: int = 320, caption: str = "", ident: str | None = None) -> "Section":
        ident = ident or f"{self.key}-chart-{len(self.figures) + 1}"
        self.figures[ident] = figure
        figure.setdefault("layout", {}).setdefault("height", height)
        caption_html = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        return self.add(f'<figure class="chart-box"><div class="chart" id="{ident}" '
                        f'style="height:{height}px"></div>{caption_html}</figure>')

    def html(self) -> str:
        return (f'<section id="{esc(self.key)}" class="report-section"><h2>{esc(self.title)}</h2>'
                + "".join(self.parts) + "</section>")


STYLE = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --paper: #ffffff; --band: #f4f6f9;
        --green: #2e9d55; --amber: #e0a100; --red: #d23c3c; --accent: #2f6bd8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: var(--band); }
header.top { background: var(--ink); color: #fff; padding: 14px 28px; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 600; }
header.top .meta { color: #c9d1e0; font-size: 12.5px; margin-top: 3px; }
nav.toc { position: sticky; top: 0; z-index: 5; background: var(--paper); border-bottom: 1px solid var(--line);
          padding: 7px 28px; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 16px; white-space: nowrap; }
main { max-width: 1280px; margin: 0 auto; padding: 10px 20px 40px; }
section.report-section { background: var(--paper); border: 1px solid var(--line); border-radius: 8px;
                         padding: 14px 20px 18px; margin: 16px 0; }
section h2 { margin: 0 0 10px; font-size: 18px; }
section h3 { margin: 18px 0 6px; font-size: 15px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0 10px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 150px; background: var(--band); }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 18px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; }
.empty { color: var(--muted); font-style: italic; background: var(--band); border-radius: 4px; padding: 8px 12px; }
.note { color: var(--muted); font-size: 12.5px; }
.alert-box { border-left: 4px solid var(--red); background: #fff3f3; padding: 6px 12px; margin: 8px 0; }
.light { display: inline-block; width: 12px; height: 12px; border-radius: 50%; margin-right: 6px;
         vertical-align: -1px; border: 1px solid rgba(0,0,0,.25); }
.light.green { background: var(--green); } .light.amber { background: var(--amber); } .light.red { background: var(--red); }
.light-label { font-size: 12px; }
figure.chart-box { margin: 6px 0 12px; }
figure.chart-box figcaption { color: var(--muted); font-size: 12px; }
.chart { width: 100%; }
details.run { border: 1px solid var(--line); border-radius: 4px; margin: 4px 0; padding: 4px 10px; }
details.run.failed { border-color: var(--red); }
details.run summary { cursor: pointer; }
details.run pre { white-space: pre-wrap; background: var(--band); padding: 6px 10px; margin: 4px 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; } nav.toc { display: none; }
  section.report-section { break-inside: avoid-page; border: none; padding: 0; }
  .chart-box { break-inside: avoid; }
}
"""

# Draws every figure, then records on <body> how many were drawn (and any failure) for tests and
# people alike; a click on a run of the maintenance chart opens that run's details.
BOOT = """
(function () {
  var figures = JSON.parse(document.getElementById('report-figures').textContent);
  var config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ['sendDataToCloud']};
  var pending = Object.keys(figures).map(function (id) {
    var f = figures[id];
    return Plotly.newPlot(id, f.data, f.layout || {}, config).then(function (gd) {
      gd.on('plotly_click', function (event) {
        var p = event.points && event.points[0];
        var target = p && p.customdata && (Array.isArray(p.customdata) ? p.customdata[0] : p.customdata);
        if (typeof target === 'string' && target.indexOf('#') === 0) {
          var el = document.querySelector(target);
          if (el) { if (el.tagName === 'DETAILS') { el.open = true; } el.scrollIntoView({block: 'center'}); }
        }
      });
      return gd;
    });
  });
  Promise.all(pending).then(function () {
    document.body.setAttribute('data-charts-drawn', String(pending.length));
  }, function (error) {
    document.body.setAttribute('data-charts-error', String(error));
    console.error('chart failed: ' + error);
  });
})();
"""

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:")


def document(title: str, meta: str, sections: list[Section], plotly: str, plotly_version: str) -> str:
    figures = {}
    for s in sections:
        figures.update(s.figures)
    data = json.dumps(figures, default=_json_default, separators=(",", ":")).replace("</", "<\\/")
    toc = "".join(f'<a href="#{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    body = "".join(s.html() for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{STYLE}</style>
<script>{plotly}</script>
</head><body>
<header class="top"><h1>{esc(title)}</h1><div class="meta">{esc(meta)}</div></header>
<nav class="toc">{toc}</nav>
<main>{body}
<p class="note">Charts drawn with plotly.js {esc(plotly_version)} (MIT licence), inlined from the installed
plotly package: this file needs no network.</p></main>
<script type="application/json" id="report-figures">{data}</script>
<script>{BOOT}</script>
</body></html>
"""


def utc_text(value: datetime) -> str:
    """plotly.js reads dates without a zone: every time on the page is UTC, written so."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _json_default(value):
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"not JSON: {type(value).__name__}")
