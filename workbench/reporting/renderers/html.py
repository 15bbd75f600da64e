"""One self-contained HTML file: plotly.js inlined once, every chart drawn from the model's
series, no request leaves the machine when it is opened. Readable on a phone: a viewport, a
fluid grid of headline figures, tables that scroll sideways, charts that resize.

Every number carries its full-precision value in ``data-value``, so a program reading the file
gets the model's numbers, not the rounded display."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from workbench.core.outputs import atomic_file
from workbench.reporting.model import Metric, Report, Table
from workbench.reporting.renderers.plotly_charts import plotly_figure

__all__ = ["render_html", "write_html"]

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="workbench">
<title>{{ report.title }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;
background:#f6f7f9;line-height:1.4}
main{max-width:72rem;margin:0 auto;padding:1rem}
header h1{font-size:1.5rem;margin:.2rem 0}
header p{margin:.1rem 0;color:#57606a}
section{background:#fff;border-radius:.5rem;padding:.8rem 1rem;margin:1rem 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:1.15rem;margin:.2rem 0 .6rem}
h3{font-size:.95rem;margin:.8rem 0 .3rem}
.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(9.5rem,1fr));gap:.5rem}
.metric{border:1px solid #e1e4e8;border-radius:.4rem;padding:.4rem .6rem}
.metric .label{font-size:.75rem;color:#57606a}
.metric .value{font-size:1.1rem;font-weight:600;font-variant-numeric:tabular-nums}
.chart{width:100%;min-height:320px}
.table-wrap{overflow-x:auto;max-width:100%;-webkit-overflow-scrolling:touch}
.table-wrap.long{max-height:28rem;overflow-y:auto}
table{border-collapse:collapse;font-size:.8rem;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .5rem;border-bottom:1px solid #eaecef;white-space:nowrap;text-align:left}
th{position:sticky;top:0;background:#f6f8fa}
td.num{text-align:right}
.notes{font-size:.8rem;color:#57606a;padding-left:1.1rem}
footer{font-size:.75rem;color:#57606a;margin:1rem 0}
</style>
<script>{{ plotly_js }}</script>
</head>
<body>
<main>
<header>
<h1>{{ report.title }}</h1>
{% if report.subtitle %}<p>{{ report.subtitle }}</p>{% endif %}
<p>Generated {{ generated }} &middot; report kind <code>{{ report.kind }}</code></p>
</header>
{% for section in sections %}
<section id="{{ section.key }}" data-section="{{ section.key }}">
<h2>{{ section.title }}</h2>
{% if section.metrics %}<div class="metrics">
{% for m in section.metrics %}<div class="metric" data-key="{{ m.key }}" data-value="{{ m.raw }}">
<div class="label">{{ m.label }}</div><div class="value">{{ m.display }}</div></div>
{% endfor %}</div>{% endif %}
{% for chart in section.charts %}
<div class="chart" data-chart="{{ chart.key }}">{{ chart.html }}</div>
{% endfor %}
{% for table in section.tables %}<h3>{{ table.title }}</h3>
<div class="table-wrap{% if table.long %} long{% endif %}"><table data-key="{{ table.key }}">
<thead><tr>{% for c in table.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in table.rows %}<tr>{% for cell in row %}
{%- if cell.raw is none %}<td>{{ cell.text }}</td>
{%- else %}<td class="num" data-value="{{ cell.raw }}">{{ cell.text }}</td>{% endif %}
{%- endfor %}</tr>
{% endfor %}</tbody></table></div>
{% if table.note %}<p class="notes">{{ table.note }}</p>{% endif %}
{% endfor %}
{% if section.notes %}<ul class="notes">
{% for n in section.notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
</section>
{% endfor %}
<footer>Parameters: {{ params }}</footer>
</main>
</body>
</html>
"""


def write_html(report: Report, out: Path, *, force: bool = False) -> Path:
    with atomic_file(out, force=force) as temporary:
        temporary.write_text(render_html(report), encoding="utf-8")
    return Path(out).expanduser().absolute()


def render_html(report: Report) -> str:
    from plotly.offline import get_plotlyjs

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(_TEMPLATE)
    # a </script> inside the bundle would end the tag early; plotly.js has none, keep it so
    bundle = get_plotlyjs().replace("</script", "<\\/script")
    return template.render(
        report=report,
        generated=report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=Markup(bundle),  # noqa: S704  # nosec B704 # plotly's own script, not input
        sections=[_section(section) for section in report.sections],
        params=", ".join(f"{k}={v}" for k, v in report.params.items()) or "none",
    )


def _section(section: Any) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "metrics": [_metric(m) for m in section.metrics],
        "charts": [{"key": c.key, "html": _chart_html(c)} for c in section.charts],
        "tables": [_table(t) for t in section.tables],
        "notes": list(section.notes),
    }


def _metric(metric: Metric) -> dict[str, Any]:
    return {
        "key": metric.key,
        "label": metric.label,
        "display": metric.display,
        "raw": _raw(metric.value),
    }


def _table(table: Table) -> dict[str, Any]:
    columns = [str(c) for c in table.frame.columns]
    numeric = [table.format_of(c) not in ("text", "date", "datetime") for c in columns]
    rows = []
    for values, texts in zip(
        table.frame.itertuples(index=False, name=None), table.display_rows(), strict=True
    ):
        rows.append(
            [
                {"text": text, "raw": _raw(value) if is_number else None}
                for value, text, is_number in zip(values, texts, numeric, strict=True)
            ]
        )
    return {
        "key": table.key,
        "title": table.title,
        "columns": columns,
        "rows": rows,
        "note": table.note,
        "long": len(rows) > 25,
    }


def _raw(value: Any) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    return repr(number) if math.isfinite(number) else ""


def _chart_html(chart: Any) -> Markup:
    """Plotly's own markup; its JSON escapes ``<`` so no text in a chart can close the tag."""
    figure = plotly_figure(chart)
    html: str = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        config={"responsive": True, "displaylogo": False},
        default_width="100%",
        default_height="320px",
    )
    # plotly writes the figure's JSON with HTML-escaped text: no user text is raw markup
    return Markup(html)  # noqa: S704  # nosec B704
