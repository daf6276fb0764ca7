"""`mktcrm report` rendered: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched) or
Markdown.

HTML goes through Jinja2's sandbox with autoescape on, so a review saying `<script>` stays text; a
Content-Security-Policy of `default-src 'none'` stops the file loading anything even if a browser were
tricked. Markdown escapes what a Markdown renderer would turn into markup or HTML. The KPI cells carry
their JSON value in `data-value`, so a test (or a script) reads the same figures as `mktcrm kpi --json`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mktcrm import __version__
from mktcrm.core.report import Report
from mktcrm.core.report_svg import bar_chart
from mktcrm.text import one_line

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#1d2330;
padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta,.note{color:#5a6170}table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border-bottom:1px solid #e6e8ee;padding:.3rem .45rem;text-align:left;vertical-align:top}
td.n{text-align:right;white-space:nowrap}thead th{background:#f4f6fa;font-weight:600}
.prev{display:block;color:#5a6170;font-size:.8em}.up{color:#17803d}.down{color:#b42318}
.wide{overflow-x:auto}.charts{display:flex;flex-wrap:wrap;gap:1rem}.account h3{margin:.8rem 0 .2rem}
svg.chart{background:#fafbfd;border:1px solid #e6e8ee}svg .bar{fill:#3b6fd8}svg .axis{stroke:#9aa3b2}
svg text{font:10px system-ui,sans-serif;fill:#434a57}svg .ct{font-size:12px;font-weight:600}
svg .yl{text-anchor:end}svg .xl,svg .nd{text-anchor:middle}tr.total{font-weight:600}
"""

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.title }}</title><style>{{ style }}</style></head>
<body>
<h1>{{ r.title }}</h1>
<p class="meta">Generated {{ r.generated_at }} by mktcrm {{ version }}.
Figures as in <code>mktcrm kpi</code>; an empty cell (–) is a figure the data cannot give, never a zero.</p>
<h2 id="kpis">KPIs{% if r.compare %}, against the period before{% endif %}</h2>
<div class="wide"><table class="kpi"><thead><tr><th>account</th><th>market</th>
{%- for name, header, unit in r.kpi_columns %}<th>{{ header }}</th>{% endfor %}</tr></thead><tbody>
{%- for row in r.kpi_rows %}
<tr data-account="{{ row.account }}"{% if row.account == "total" %} class="total"{% endif %}>
<th>{{ row.account }}</th><td>{{ row.marketplace }}</td>
{%- for name, header, unit in r.kpi_columns %}
<td class="n" data-field="{{ name }}" data-value='{{ row.get(name) | tojson }}'>{{ show(row.get(name), unit, row) }}
{%- if r.compare %}<span class="prev" data-previous='{{ (row.previous or {}).get(name) | tojson }}'>
prev {{ show((row.previous or {}).get(name), unit, row) }}
{%- if row.get(name ~ "_change") %} <span class="{{ trend(name, row.get(name ~ '_change')) }}">
{{- row.get(name ~ "_change") }}</span>{% endif %}</span>{% endif %}</td>
{%- endfor %}</tr>
{%- endfor %}
</tbody></table></div>
<h2 id="trends">Monthly trends, last 12 months</h2>
{%- for account, charts in svgs %}
<div class="account"><h3>{{ account }}</h3><div class="charts">{% for svg in charts %}{{ svg }}{% endfor %}</div></div>
{%- else %}<p class="note">No account.</p>{% endfor %}
{%- for s in r.sections %}
<h2>{{ s.title }}</h2>
{%- if s.rows %}
<table><thead><tr>{% for key, header in s.columns %}<th>{{ header }}</th>{% endfor %}</tr></thead><tbody>
{%- for row in s.rows %}<tr>{% for key, header in s.columns %}<td>{{ cell(row.get(key)) }}</td>{% endfor %}</tr>
{%- endfor %}</tbody></table>
{%- endif %}
{%- if s.note %}<p class="note">{{ s.note }}</p>{% endif %}
{%- endfor %}
</body></html>
"""


def html(report: Report) -> str:
    """The whole report as one HTML document."""
    from jinja2.sandbox import SandboxedEnvironment
    from markupsafe import Markup

    env = SandboxedEnvironment(autoescape=True)
    # bar_chart escapes every label itself: its SVG goes in as markup, everything else is escaped here.
    svgs = [
        (
            account,
            [
                Markup(bar_chart(f"{_TREND_TITLES.get(name, name)}", points, report.trend_units.get(name, "")))
                for name, points in series.items()
            ],
        )
        for account, series in report.trends.items()
    ]
    return env.from_string(_TEMPLATE).render(
        r=report, style=Markup(_STYLE), version=__version__, svgs=svgs, show=_show, cell=_cell, trend=_trend
    )


_TREND_TITLES = {"orders": "Orders", "revenue": "Revenue", "satisfaction_pct": "Satisfaction %"}


def markdown(report: Report) -> str:
    """The report as Markdown: the same tables, and each trend as one line of values per month."""
    out = [f"# {_md(report.title)}", "", f"Generated {report.generated_at} by mktcrm {__version__}.", ""]
    out += [f"## KPIs{', against the period before' if report.compare else ''}", ""]
    headers = ["account", "market", *(h for _n, h, _u in report.kpi_columns)]
    rows = []
    for row in report.kpi_rows:
        cells = [str(row.get("account")), str(row.get("marketplace"))]
        for name, _h, unit in report.kpi_columns:
            shown = _show(row.get(name), unit, row)
            if report.compare:
                change = row.get(f"{name}_change")
                shown += f" (prev {_show((row.get('previous') or {}).get(name), unit, row)}"
                shown += f", {change})" if change else ")"
            cells.append(shown)
        rows.append(cells)
    out += _md_table(headers, rows)
    out += ["", "## Monthly trends, last 12 months", ""]
    for account, series in report.trends.items():
        for name, points in series.items():
            values = ", ".join(f"{m} {'–' if v is None else f'{v:.12g}'}" for m, v in points)
            out.append(f"- {_md(account)}, {_TREND_TITLES.get(name, name)}: {values}")
    for s in report.sections:
        out += ["", f"## {_md(s.title)}", ""]
        if s.rows:
            out += _md_table([h for _k, h in s.columns], [[_cell(r.get(k)) for k, _h in s.columns] for r in s.rows])
        if s.note:
            out += ["", _md(s.note)]
    return "\n".join(out) + "\n"


def _show(value: Any, unit: str, row: dict[str, Any]) -> str:
    """A KPI as people read it: money with its currency, rates with %, empty as –."""
    if value is None or value == "":
        return "–"
    if unit == "money":
        return f"{value} {row.get('currency') or ''}".strip()
    if unit == "pct":
        return f"{value} %"
    if unit == "h":
        return f"{value} h"
    return str(value)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, (dict, list)):
        return one_line(json.dumps(value, ensure_ascii=False))
    return one_line(str(value))


def _trend(name: str, change: str) -> str:
    from mktcrm.core import kpis

    better = kpis.BY_NAME[name].better
    try:
        delta = float(change.split()[0])
    except (ValueError, IndexError):
        return ""
    if not better or delta == 0:
        return ""
    return "up" if (delta > 0) == (better > 0) else "down"


# Inline markup, links, HTML and table cells; `#`, `-`, `+` and `1.` only count at a line's start, where
# no escaped text goes (headings and cells start with our own words).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>&~])")


def _md(text: str) -> str:
    """Text made inert in Markdown: one line, every character a renderer treats as markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return lines
