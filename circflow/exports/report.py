"""The self-contained HTML report of a run, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. One file that a consultant can mail to a client:
plotly.js is embedded once, the map is drawn without web tiles, there are no fonts, images
or scripts from elsewhere, so no request leaves the page. It holds the park and run facts,
the KPIs against the status quo, a cost breakdown chart, the Sankey diagram, the
network map, the table of links and the warnings of validation.

Other commands add their own parts (a Pareto front, a comparison of scenarios) as `Section`
objects passed to `report_html` / `write_report`; they come after the standard sections and
share the page's style and its single copy of plotly.js.
"""

from __future__ import annotations

import datetime
import html
import math
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import plotly.offline

from circflow.exports.netmap import network_map_figure_dict
from circflow.exports.sankey import (
    enterprise_labels,
    figure_html,
    resource_colours,
    resource_label,
    sankey_figure_dict,
    unit_of,
)

_COST_PARTS = (
    ("annualized_capex", "annualised capex + O&M", "#1b4f72"),
    ("variable_cost", "transport and operation", "#5dade2"),
    ("electricity_cost", "electricity", "#9467bd"),
    ("disposal_cost", "disposal of unused by-products", "#a6acaf"),
    ("baseline_cost", "conventional supply (virgin material, fresh water, boiler heat)", "#e59866"),
)


@dataclass(frozen=True)
class Section:
    """An extra part of the report, placed after the standard sections.

    Parameters
    ----------
    title
        The section heading.
    html
        An HTML fragment, inserted as given: escape any text in it (`html.escape`) or build
        tables with `table_html`.
    figures
        plotly figures drawn after the fragment (the page's single plotly.js draws them).
    """

    title: str
    html: str = ""
    figures: tuple[go.Figure, ...] = ()


def table_html(columns: Sequence[str], rows: Iterable[Sequence[Any]], caption: str | None = None,
               digits: dict[int, int] | None = None) -> str:
    """An HTML table; text is escaped, numbers get thousands separators and are right-aligned.

    ``digits`` maps a column's index to its number of decimals (default: `fmt`'s choice).
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for column, value in enumerate(row):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            text = fmt(value, (digits or {}).get(column, 0), fixed=column in (digits or {}))
            cells.append(f"<td class='num'>{text}</td>" if numeric else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<div class='table'><table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"


def fmt(value: Any, digits: int = 0, fixed: bool = False) -> str:
    """A value as text: thousands separators; below 10, 3 significant digits unless ``fixed`` decimals."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 and not fixed:
            return f"{value:,.3g}"
        return f"{value:,.{digits}f}"
    return str(value)


def compact(value: float | None) -> str:
    """A large number for a headline: ``79.2 million``, ``1.35 billion``, ``12,345``."""
    if value is None or not math.isfinite(value):
        return "–"
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:,.3g} billion"
    if size >= 1e6:
        return f"{value / 1e6:,.3g} million"
    return f"{value:,.0f}"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _figure_html(figure: go.Figure | dict[str, Any], div_id: str) -> str:
    # The div gets the figure's own height: a percentage of an auto-height section collapses.
    height = (figure.get("layout", {}).get("height") if isinstance(figure, dict) else figure.layout.height) or 450
    return figure_html(figure, div_id, include_plotlyjs=False, default_width="100%", default_height=f"{height}px")


def cost_figure(results: dict[str, Any]) -> go.Figure:
    """Annual cost of the plan by component, beside the status quo's (split too when known)."""
    kpis = results.get("kpis") or {}
    status_quo = kpis.get("baseline") or {}
    currency = results.get("currency") or "CNY"
    figure = go.Figure()
    rows = ["status quo", "plan"]
    status_quo_split = all(key in status_quo for key, _, _ in _COST_PARTS)
    for key, label, colour in _COST_PARTS:
        values = [status_quo.get(key) if status_quo_split else None, kpis.get(key)]
        figure.add_trace(go.Bar(
            y=rows, x=values, name=label, orientation="h", marker_color=colour,
            hovertemplate=f"{label}: %{{x:,.0f}} {currency}/yr<extra>%{{y}}</extra>",
        ))
    if not status_quo_split and status_quo.get("total_cost") is not None:
        figure.add_trace(go.Bar(
            y=["status quo"], x=[status_quo["total_cost"]], name="status quo, total", orientation="h",
            marker={"color": "#d5d8dc", "line": {"color": "#566573", "width": 1}},
            hovertemplate=f"total: %{{x:,.0f}} {currency}/yr<extra>status quo</extra>",
        ))
    figure.update_layout(
        barmode="stack", height=320, margin={"l": 90, "r": 20, "t": 40, "b": 40},
        title={"text": f"Annual cost ({currency}/yr, before carbon cost)", "x": 0.01, "xanchor": "left"},
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        legend={"traceorder": "normal"}, xaxis={"tickformat": "~s", "gridcolor": "#e3e7ec"},
        plot_bgcolor="white", paper_bgcolor="white",
    )
    return figure


def _cards(results: dict[str, Any]) -> str:
    kpis = results.get("kpis") or {}
    status_quo, savings = kpis.get("baseline") or {}, kpis.get("savings") or {}
    currency = results.get("currency") or "CNY"

    def relative(saved: float | None, base: float | None) -> str:
        if saved is None or not base:
            return ""
        return f"{saved / base:.0%} of the status quo"

    links = results.get("links") or []
    existing = sum(1 for link in links if link.get("existing"))
    cards = [
        ("annual cost saved", f"{compact(savings.get('total_cost'))} {currency}/yr",
         relative(savings.get("total_cost"), status_quo.get("total_cost"))),
        ("emissions avoided", f"{compact(savings.get('emissions'))} tCO2/yr",
         relative(savings.get("emissions"), status_quo.get("emissions"))),
        ("investment in new links", f"{compact(kpis.get('capex'))} {currency}",
         f"{compact(kpis.get('annualized_capex'))} {currency}/yr annualised with O&M"),
        ("links in the plan", f"{len(links) - existing} new", f"{existing} existing" if existing else "none existing"),
    ]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='label'>{html.escape(a)}</div><div class='value'>{html.escape(b)}</div>"
        f"<div class='note'>{html.escape(c)}</div></div>" for a, b, c in cards) + "</div>"


def _facts(results: dict[str, Any]) -> str:
    currency = results.get("currency") or "CNY"
    objective_unit = "tCO2/yr" if results.get("objective_name") == "emissions" else f"{currency}/yr"
    timings = results.get("timings") or {}
    rows = [
        ("park", results.get("park")),
        ("park file", results.get("source") or "–"),
        ("scenarios", ", ".join(results.get("scenarios") or []) or "none"),
        ("objective", {"cost": "cost (total cost + carbon cost)",
                       "emissions": "emissions, then cost"}.get(results.get("objective_name") or "",
                                                               results.get("objective_name"))),
        ("status", results.get("status")),
        ("objective value", "–" if results.get("objective") is None else f"{fmt(results['objective'])} {objective_unit}"),
        ("optimality gap", _share(results.get("gap"))),
        ("periods", ", ".join(results.get("periods") or [])),
        ("coordinates", "longitude/latitude (WGS84)" if results.get("crs") == "wgs84" else "local grid, km"),
        ("enterprises", str(len(results.get("enterprises") or []))),
        ("resources", ", ".join(f"{resource_label(r)} ({v.get('unit', '')})"
                                for r, v in (results.get("resources") or {}).items())),
        ("run time", ", ".join(f"{k.removesuffix('_s')} {v:.2f} s" for k, v in timings.items()) or "–"),
        ("circflow", results.get("circflow_version")),
    ]
    return table_html(["", ""], rows).replace("<thead><tr><th></th><th></th></tr></thead>", "")


def _kpi_table(results: dict[str, Any]) -> str:
    kpis = results.get("kpis") or {}
    status_quo = kpis.get("baseline") or {}
    currency = results.get("currency") or "CNY"

    def row(label: str, key: str, unit: str, base: float | None) -> list[Any]:
        plan = kpis.get(key)
        change = None if plan is None or base is None else plan - base
        return [label, unit, plan, base, change]

    rows = [
        row("total cost", "total_cost", f"{currency}/yr", status_quo.get("total_cost")),
        row("emissions", "emissions", "tCO2/yr", status_quo.get("emissions")),
        row("capex of new links", "capex", currency, status_quo.get("capex", 0.0)),
        row("annualised capex + O&M", "annualized_capex", f"{currency}/yr", status_quo.get("annualized_capex", 0.0)),
        row("carbon cost", "carbon_cost", f"{currency}/yr", status_quo.get("carbon_cost")),
        row("heat-pump and pumping electricity", "electricity_mwh", "MWh/yr", status_quo.get("electricity_mwh")),
    ]
    table = table_html(["KPI", "unit", "plan", "status quo", "plan − status quo"], rows)
    shares = kpis.get("utilization") or {}
    base_shares = status_quo.get("utilization") or {}
    colours = resource_colours(results)
    use_rows = []
    for resource, share in shares.items():
        base = base_shares.get(resource)
        swatch = f"<span class='swatch' style='background:{colours.get(resource, '#7f7f7f')}'></span>"
        use_rows.append(f"<tr><td>{swatch}{html.escape(resource_label(resource))}</td><td class='num'>{_share(share)}</td>"
                        f"<td class='num'>{_share(base)}</td><td><div class='bar'><div style='width:{share * 100:.1f}%;"
                        f"background:{colours.get(resource, '#7f7f7f')}'></div></div></td></tr>")
    utilisation = ("<div class='table'><table><thead><tr><th>resource</th><th>used in the plan</th><th>status quo</th>"
                   f"<th></th></tr></thead><tbody>{''.join(use_rows)}</tbody></table></div>") if use_rows else ""
    note = ("" if base_shares else "<p class='muted'>Utilisation of the status quo is not in this results folder; "
            "it uses only existing links.</p>") if use_rows else ""
    return f"{table}<h3>Utilisation: share of each by-product supply that is used</h3>{utilisation}{note}"


def _link_table(results: dict[str, Any]) -> str:
    links = sorted(results.get("links") or [], key=lambda link: (link["resource"], -(link.get("flow_total") or 0.0)))
    if not links:
        return "<p class='muted'>No link is built or existing in this plan.</p>"
    currency = results.get("currency") or "CNY"
    names = enterprise_labels(results, width=34)
    rows = []
    for link in links:
        unit = unit_of(results, link["resource"])
        flow = link.get("flow_total")
        if flow is None:
            flow = sum((link.get("flow") or {}).values())
        how = resource_label(link.get("mode") or "")
        if link.get("type") not in (None, "transport"):
            how += ", " + str(link["type"]).replace("_", " ")
        if link.get("existing"):
            how += " (existing)"
        rows.append([names.get(link["from"], link["from"]), names.get(link["to"], link["to"]),
                     f"{resource_label(link['resource'])} ({unit})", how, link.get("length_km"), link.get("cop"),
                     link.get("capacity"), flow, link.get("capex"), link.get("annual_cost"), link.get("emissions")])
    return table_html(["from", "to", "resource (unit)", "mode", "length (km)", "COP", "capacity (unit/h)",
                       "flow (unit/yr)", f"capex ({currency})", f"annual cost ({currency}/yr)", "emissions (tCO2/yr)"],
                      rows, digits={4: 2, 5: 2, 6: 1, 7: 0, 8: 0, 9: 0, 10: 0})


def _messages(results: dict[str, Any]) -> str:
    parts = []
    if results.get("diagnosis"):
        parts.append("<h3>Why there is no plan</h3><ul>" + "".join(
            f"<li>{html.escape(d)}</li>" for d in results["diagnosis"]) + "</ul>")
    warnings = results.get("warnings") or []
    if warnings and parts:
        parts.append("<h3>Warnings of validation</h3>")
    if warnings:
        parts.append("<ul class='warnings'>" + "".join(f"<li>{html.escape(w)}</li>" for w in warnings) + "</ul>")
    else:
        parts.append("<p class='muted'>Validation found nothing to warn about.</p>")
    return "".join(parts)


def report_html(results: dict[str, Any], extra_sections: Sequence[Section] = (), *,
                sankey: go.Figure | dict[str, Any] | None = None) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).
    extra_sections
        Further parts (e.g. a Pareto front or a comparison table), after the standard ones.
    sankey
        The flows diagram when drawn already for ``results`` (`circflow.sankey_figure` or
        `circflow.exports.sankey.sankey_figure_dict`): `circflow.write_outputs` draws it once for
        ``sankey.html`` and the report.

    Returns
    -------
    str
        The page; plotly.js is inlined once, nothing is fetched from elsewhere.
    """
    has_plan = results.get("status") in ("optimal", "feasible")
    park = html.escape(str(results.get("park") or "park"))
    sections: list[tuple[str, str, str]] = []
    if has_plan:
        sections.append(("kpis", "Key figures against the status quo", _kpi_table(results)))
        sections.append(("costs", "Cost breakdown", _figure_html(cost_figure(results), "cost-chart")))
        flows = sankey if sankey is not None else sankey_figure_dict(results)
        sections.append(("sankey", "Flows", _figure_html(flows, "sankey-chart")))
    sections.append(("map", "Network map", _figure_html(network_map_figure_dict(results), "map-chart")
                     + "<p class='muted'>Drawn without map tiles: positions as given in the park file. "
                       "Dashed lines are existing links; arrows point downstream. Hover for details.</p>"))
    if has_plan:
        sections.append(("links", "Links in the plan", _link_table(results)))
        from circflow.exports.robustness import robustness_section  # noqa: PLC0415  # it builds on this module

        sections.append(robustness_section(results))
    sections.append(("warnings", "Warnings and diagnosis", _messages(results)))
    for number, extra in enumerate(extra_sections, start=1):
        body = extra.html + "".join(_figure_html(f, f"extra-{number}-chart-{i}") for i, f in enumerate(extra.figures))
        sections.append((f"extra-{number}", extra.title, body))
    lede = (_cards(results) if has_plan else
            f"<div class='alert'>No plan: the run ended with status <b>{html.escape(str(results.get('status')))}</b>."
            " See the diagnosis below.</div>")
    nav = " · ".join(f"<a href='#{key}'>{html.escape(title)}</a>" for key, title, _ in sections)
    body = "".join(f"<section id='{key}'><h2>{html.escape(title)}</h2>{content}</section>"
                   for key, title, content in sections)
    today = datetime.date.today().isoformat()
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="circflow {html.escape(str(results.get('circflow_version') or ''))}">
<title>{park}: circflow report</title>
<style>{_CSS}</style>
<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>
</head>
<body>
<main>
<header>
<p class="kicker">circflow · industrial symbiosis plan · {today}</p>
<h1>{park}</h1>
{_facts(results)}
</header>
{lede}
<nav>{nav}</nav>
{body}
<footer>Written by circflow {html.escape(str(results.get('circflow_version') or ''))} from results.json. Costs are per year
unless named capex; the status quo is the same park with only its existing links.</footer>
</main>
</body>
</html>
"""


def write_report(path: str | pathlib.Path, results: dict[str, Any],
                 extra_sections: Sequence[Section] = (), *,
                 sankey: go.Figure | dict[str, Any] | None = None) -> pathlib.Path:
    """Write `report_html` to ``path`` (UTF-8) and return the path."""
    path = pathlib.Path(path)
    path.write_text(report_html(results, extra_sections, sankey=sankey), encoding="utf-8")
    return path


_CSS = """
:root { --ink: #1c2833; --muted: #5d6d7e; --line: #d5dbe1; --accent: #1b4f72; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { margin: 0 0 12px; font-size: 28px; line-height: 1.2; }
h2 { margin: 36px 0 12px; font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { margin: 20px 0 8px; font-size: 16px; }
.kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: 12px; }
.muted { color: var(--muted); font-size: 13px; }
nav { margin: 18px 0 0; padding: 8px 12px; background: var(--soft); border-radius: 6px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin: 20px 0 0; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .note { color: var(--muted); font-size: 12px; }
.alert { margin: 20px 0 0; padding: 12px 16px; border-radius: 6px; background: #fdedec; border: 1px solid #e6b0aa; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
#links td:nth-child(-n+2) { min-width: 10em; }
#links th { white-space: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
header table td:first-child { color: var(--muted); white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.bar { width: 220px; height: 10px; background: var(--soft); border-radius: 5px; overflow: hidden; margin-top: 5px; }
.bar div { height: 100%; }
.warnings li { color: #7e5109; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { nav { display: none; } section { break-inside: avoid-page; } main { max-width: none; } }
"""
