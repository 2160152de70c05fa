"""The self-contained HTML report of a run, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. One file that a consultant can mail to a client:
plotly.js is embedded once, the map is drawn without web tiles, there are no fonts, images
or scripts from elsewhere, so no request leaves the page. It holds the park and run facts,
the KPIs against the status-quo baseline (sales to markets among them), a cost breakdown
chart, the Sankey diagram, the network map, the table of links, then for SPEC 8 parks: every
heat link with its technology, temperatures, COP and full-load hours, each heat demand's
coverage per period or time slice (the peak marked; a chart with time slices), the
processes, the sales to markets, and how the time slices were made; last the warnings of
validation. A part a park has nothing for is left out.

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
from plotly.subplots import make_subplots

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
    ("drive_cost", "steam driving absorption heat pumps", "#e67e22"),
    ("process_cost", "running processes", "#76448a"),
    ("disposal_cost", "disposal of unused by-products", "#a6acaf"),
    ("baseline_cost", "conventional supply (virgin material, fresh water, boiler heat)", "#e59866"),
)
_REVENUE = ("market_revenue", "sales to markets (negative cost)", "#0b5345")


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
               digits: dict[int, int] | None = None, shares: Iterable[int] = ()) -> str:
    """An HTML table; text is escaped, numbers get thousands separators and are right-aligned.

    ``digits`` maps a column's index to its number of decimals (default: `fmt`'s choice);
    the columns in ``shares`` hold shares (0-1), shown as percentages.
    """
    shares = set(shares)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for column, value in enumerate(row):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if numeric and column in shares:
                text = _share(value)
            else:
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
        value = value + 0.0  # -0.0 reads as 0
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


def _gap(results: dict[str, Any]) -> str:
    """The gap, or why there is none: a feasible plan without a proven bound has an unknown gap."""
    if results.get("gap") is None and results.get("status") == "feasible":
        return "unknown: a limit stopped the solver before it proved a bound"
    return _share(results.get("gap"))


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
    # Parts that are 0 in both (no steam, no processes, no markets) stay out of the legend.
    parts = [part for part in (*_COST_PARTS, _REVENUE)
             if part[0] not in ("drive_cost", "process_cost", "market_revenue")
             or kpis.get(part[0]) or status_quo.get(part[0])]
    status_quo_split = all(key in status_quo for key, _, _ in parts)
    for key, label, colour in parts:
        sign = -1.0 if key == "market_revenue" else 1.0
        values = [sign * status_quo[key] if status_quo_split and status_quo.get(key) is not None else None,
                  None if kpis.get(key) is None else sign * kpis[key]]
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
        barmode="relative", height=320, margin={"l": 90, "r": 20, "t": 40, "b": 40},
        title={"text": f"Annual cost ({currency}/yr, before carbon cost"
                       + ("; sales to markets below 0)" if _REVENUE in parts else ")"), "x": 0.01, "xanchor": "left"},
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
    processes = results.get("processes") or []
    built = sum(1 for process in processes if process.get("built") and not process.get("existing"))
    cards = [
        ("annual cost saved", f"{compact(savings.get('total_cost'))} {currency}/yr",
         relative(savings.get("total_cost"), status_quo.get("total_cost"))),
        ("emissions avoided", f"{compact(savings.get('emissions'))} tCO2/yr",
         relative(savings.get("emissions"), status_quo.get("emissions"))),
        ("investment in new links" + (" and processes" if processes else ""), f"{compact(kpis.get('capex'))} {currency}",
         f"{compact(kpis.get('annualized_capex'))} {currency}/yr annualised with O&M"),
        ("links in the plan", f"{len(links) - existing} new", (f"{existing} existing" if existing else "none existing")
         + (f"; {built} new process{'es' if built != 1 else ''} built" if processes else "")),
    ]
    if kpis.get("market_revenue"):
        sold = sum(1 for link in links if link.get("market_revenue"))
        before = status_quo.get("market_revenue") or 0.0
        cards.insert(2, ("sales to markets", f"{compact(kpis['market_revenue'])} {currency}/yr",
                         f"over {sold} link{'s' if sold != 1 else ''}; status quo "
                         f"{compact(before) if before else 'none'}"))
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
        ("optimality gap", _gap(results)),
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
        row("capex of new links" + (" and processes" if results.get("processes") else ""), "capex", currency,
            status_quo.get("capex", 0.0)),
        row("annualised capex + O&M", "annualized_capex", f"{currency}/yr", status_quo.get("annualized_capex", 0.0)),
        row("carbon cost", "carbon_cost", f"{currency}/yr", status_quo.get("carbon_cost")),
        row("heat-pump and pumping electricity", "electricity_mwh", "MWh/yr", status_quo.get("electricity_mwh")),
    ]
    optional = (("sales to markets", "market_revenue", f"{currency}/yr"),
                ("running processes", "process_cost", f"{currency}/yr"),
                ("steam driving absorption heat pumps", "drive_mwh", "MWh/yr"),
                ("cost of that steam", "drive_cost", f"{currency}/yr"),
                ("processes built", "processes_built", ""))
    rows += [row(label, key, unit, status_quo.get(key)) for label, key, unit in optional
             if kpis.get(key) or status_quo.get(key)]
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
    processes = {p["id"]: p.get("name") or p["id"] for p in results.get("processes") or []}
    rows = []
    for link in links:
        unit = unit_of(results, link["resource"])
        flow = link.get("flow_total")
        if flow is None:
            flow = sum((link.get("flow") or {}).values())
        how = resource_label(link.get("mode") or "")
        if link.get("on_site"):
            how = "on site"
        if link.get("type") not in (None, "transport"):
            how += ", " + (link.get("technology") or str(link["type"]).replace("_", " "))
        if link.get("existing"):
            how += " (existing)"
        rows.append([_end(link, "from", names, processes), _end(link, "to", names, processes),
                     f"{resource_label(link['resource'])} ({unit})", how, link.get("length_km"), link.get("cop"),
                     link.get("capacity"), flow, link.get("capex"), link.get("annual_cost"), link.get("emissions")])
    return table_html(["from", "to", "resource (unit)", "mode", "length (km)", "COP", "capacity (unit/h)",
                       "flow (unit/yr)", f"capex ({currency})", f"annual cost ({currency}/yr)", "emissions (tCO2/yr)"],
                      rows, digits={4: 2, 5: 2, 6: 1, 7: 0, 8: 0, 9: 0, 10: 0})


MAX_COVERAGE_CHARTS = 8
"""Heat demands drawn in the coverage chart (one row each); every demand gets its table."""
_HEAT_COLOURS = {"direct": "#922b21", "preheat": "#d98880", "heat_pump": "#7d3c98", "absorption": "#e67e22",
                 "conventional": "#abb2b9"}
_HEAT_NAMES = {"direct": "direct heat exchange", "preheat": "preheating of return water",
               "heat_pump": "electric heat pump", "absorption": "absorption heat pump",
               "conventional": "met conventionally (boilers)"}


def _heat_links(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [link for link in results.get("links") or [] if link.get("type") not in (None, "transport")]


def _degrees(start: float | None, end: float | None) -> str:
    if start is None and end is None:
        return "–"
    return f"{fmt(start)} → {fmt(end if end is not None else start)}"


def _heat_link_table(results: dict[str, Any]) -> str:
    """Every heat link: technology, the four temperatures, COP, size, heat, full-load hours and drive."""
    currency = results.get("currency") or "CNY"
    names = enterprise_labels(results, width=30)
    rows = []
    for link in sorted(_heat_links(results), key=lambda link: (link["to"], -(link.get("delivered_total") or 0.0))):
        delivered = link.get("delivered_total")
        if delivered is None:
            delivered = sum((link.get("delivered") or {}).values())
        capacity = link.get("capacity")
        rows.append([names.get(link["from"], link["from"]), names.get(link["to"], link["to"]),
                     link.get("technology") or str(link["type"]).replace("_", " "),
                     _degrees(link.get("source_inlet_c"), link.get("source_outlet_c")),
                     _degrees(link.get("sink_return_c"), link.get("sink_supply_c")), link.get("cop"),
                     None if capacity is None else capacity * (link.get("gain") or 1.0), delivered,
                     link.get("full_load_hours"), link.get("electricity_mwh"), link.get("drive_mwh"),
                     link.get("annual_cost"), link.get("net_saving")])
    return table_html(["from", "to", "technology", "source °C in → out", "sink °C return → supply", "COP",
                       "MW delivered", "MWh/yr delivered", "full-load hours", "electricity MWh/yr",
                       "driving steam MWh/yr", f"annual cost {currency}/yr", f"net saving {currency}/yr"], rows,
                      digits={5: 2, 6: 1, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0})


def heat_coverage(results: dict[str, Any]) -> list[dict[str, Any]]:
    """How each heat demand is met in each period (time slice): by which technology, and conventionally.

    Returns
    -------
    list of dict
        Per heat demand stream: ``enterprise``, ``stream``, ``name`` and ``periods``, a list of
        dicts with ``period``, ``hours``, ``demand`` (MWh), ``by`` (MWh per technology),
        ``links`` (MWh delivered by links), ``conventional`` (MWh) and ``peak`` (True for the
        period of the highest mean demand per hour, when one stands out by 0.1 %).
    """
    kinds = {name: spec.get("kind") for name, spec in (results.get("resources") or {}).items()}
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises") or []}
    periods = list(results.get("periods") or [])
    hours = results.get("period_hours") or {}
    out = []
    for row in results.get("baseline_supply") or []:
        if kinds.get(row["resource"]) != "heat":
            continue
        enterprise, stream = row["enterprise"], row["stream"]
        path = f"{enterprise}.demands[{stream}]"
        into = [link for link in _heat_links(results) + [link for link in results.get("links") or []
                                                          if link.get("type") in (None, "transport")]
                if link["resource"] == row["resource"]
                and (link.get("to_stream") == path if link.get("to_stream") else link["to"] == enterprise)]
        slices = []
        for period in periods:
            by: dict[str, float] = {}
            for link in into:
                kind = link.get("type") or "transport"
                by[kind] = by.get(kind, 0.0) + ((link.get("delivered") or {}).get(period) or 0.0)
            conventional = row["amount"].get(period) or 0.0
            linked = sum(by.values())
            slices.append({"period": period, "hours": hours.get(period), "demand": linked + conventional, "by": by,
                           "links": linked, "conventional": conventional, "peak": False})
        rates = [s["demand"] / s["hours"] if s["hours"] else 0.0 for s in slices]
        top = max(rates, default=0.0)
        if len(rates) > 1 and top > 0 and sum(rate > top / 1.001 for rate in rates) == 1:  # flat: no peak
            slices[rates.index(top)]["peak"] = True
        out.append({"enterprise": enterprise, "stream": stream, "name": names.get(enterprise, enterprise),
                    "periods": slices})
    return out


def coverage_figure(coverage: list[dict[str, Any]], what: str = "time slice") -> go.Figure:
    """Mean heat rate (MW) of each heat demand in each period, stacked by technology and conventional supply.

    One row per demand (`heat_coverage`), periods along x labelled with their hours.
    """
    figure = make_subplots(rows=len(coverage), cols=1, shared_xaxes=True, vertical_spacing=0.12 / max(len(coverage), 1),
                           subplot_titles=[demand["name"] for demand in coverage])
    shown: set[str] = set()
    for row, demand in enumerate(coverage, start=1):
        slices = demand["periods"]
        labels = [f"{_period_name(s)}<br>{fmt(s['hours'])} h" for s in slices]
        kinds = [k for k in _HEAT_COLOURS if k != "conventional" and any(s["by"].get(k) for s in slices)]
        kinds += sorted({k for s in slices for k, v in s["by"].items() if v and k not in _HEAT_COLOURS})
        for kind in [*kinds, "conventional"]:
            name = _HEAT_NAMES.get(kind, kind.replace("_", " "))
            values = [((s["conventional"] if kind == "conventional" else s["by"].get(kind, 0.0)) / s["hours"])
                      if s["hours"] else 0.0 for s in slices]
            figure.add_trace(go.Bar(x=labels, y=values, name=name, legendgroup=kind, showlegend=kind not in shown,
                                    marker_color=_HEAT_COLOURS.get(kind, "#7f8c8d"),
                                    hovertemplate="%{y:,.1f} MW<extra>" + html.escape(name) + "</extra>"),
                             row=row, col=1)
            shown.add(kind)
        figure.update_yaxes(title_text="MW", gridcolor="#e3e7ec", row=row, col=1)
    figure.update_layout(
        barmode="stack", height=120 + 250 * len(coverage), margin={"l": 60, "r": 20, "t": 70, "b": 60},
        title={"text": f"Heat demand by {what}: mean MW over its hours, by technology", "x": 0.01, "xanchor": "left"},
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        plot_bgcolor="white", paper_bgcolor="white",
    )
    return figure


def _period_name(period: dict[str, Any]) -> str:
    """A period's name, marked when it is the peak (a slice named ``...-peak`` says so itself)."""
    name = str(period["period"])
    return f"{name} (peak)" if period["peak"] and "peak" not in name else name


def _heat_section(results: dict[str, Any]) -> str:
    parts = []
    if _heat_links(results):
        parts.append(_heat_link_table(results))
        parts.append("<p class='muted'>Capacity is the heat the link delivers at full load; full-load hours are "
                     "the year's heat over it. Temperatures: the source cooled from its inlet to its outlet, the "
                     "sink's water heated from its return to its supply temperature.</p>")
    coverage = heat_coverage(results)
    slices = bool(results.get("time_series"))
    what = "time slice" if slices else "period"
    if slices and coverage:  # with time slices the peak is the point: a chart; seasons need only the tables
        parts.append(_figure_html(coverage_figure(coverage[:MAX_COVERAGE_CHARTS], what), "coverage-chart"))
    for demand in coverage:
        parts.append(f"<h3>{html.escape(demand['name'])}: heat demand by {what}</h3>")
        rows = [[_period_name(s), s["hours"], s["demand"],
                 s["demand"] / s["hours"] if s["hours"] else None, s["links"], s["conventional"],
                 s["links"] / s["demand"] if s["demand"] else None] for s in demand["periods"]]
        total = sum(s["demand"] for s in demand["periods"])
        linked = sum(s["links"] for s in demand["periods"])
        year_hours = sum(s["hours"] or 0 for s in demand["periods"])
        if len(rows) > 1:
            rows.append(["year", year_hours, total, total / year_hours if year_hours else None, linked,
                         total - linked, linked / total if total else None])
        parts.append(table_html([what, "hours", "demand (MWh)", "mean demand (MW)", "delivered by links (MWh)",
                                 "met conventionally (MWh)", "share by links"], rows,
                                digits={1: 0, 2: 0, 3: 1, 4: 0, 5: 0}, shares={6}))
    return "".join(parts)


def _process_table(results: dict[str, Any]) -> str:
    currency = results.get("currency") or "CNY"
    names = enterprise_labels(results, width=30)
    rows = []
    for process in results.get("processes") or []:
        unit = unit_of(results, process["resource"])
        if process.get("existing"):
            state = "existing"
        else:
            state = "built" if process.get("built") else "candidate, not built"
        made = []
        for output in process.get("outputs") or []:
            amount = sum((output.get("amount") or {}).values())
            taken = sum((output.get("taken") or {}).values())
            out_unit = unit_of(results, output["resource"])
            rest = amount - taken
            made.append(f"{resource_label(output['resource'])} {fmt(amount)} {out_unit}"
                        + (f" ({fmt(rest)} {out_unit} disposed of)" if rest > 1e-6 * max(amount, 1.0) else ""))
        rows.append([process.get("name") or process["id"], names.get(process["enterprise"], process["enterprise"]),
                     state, f"{resource_label(process['resource'])} ({unit})", process.get("capacity"),
                     process.get("input_total"), "; ".join(made) if process.get("built") else "–",
                     process.get("capex"), process.get("annual_cost"), process.get("emissions")])
    return table_html(["process", "at", "state", "input (unit)", "capacity (unit/h)", "input (unit/yr)",
                       "outputs per year", f"capex ({currency})", f"annual cost ({currency}/yr)",
                       "emissions (tCO2/yr)"], rows, digits={4: 1, 5: 0, 7: 0, 8: 0, 9: 0}) + (
        "<p class='muted'>Annual cost: annualised capex with O&amp;M, opex and electricity per unit of input. "
        "Its running costs are counted on the links that feed it in the table of links.</p>")


def market_sales(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per market and resource: amount sold per year, revenue per year, price and who sells (from the links)."""
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises") or []}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for market in results.get("markets") or []:
        for resource in market.get("buys") or []:
            rows[market["id"], resource] = {"market": market["id"], "name": market.get("name") or market["id"],
                                            "resource": resource, "sold": 0.0, "revenue": 0.0, "sellers": []}
    for link in results.get("links") or []:
        row = rows.get((link["to"], link["resource"]))
        if row is None:
            continue
        delivered = link.get("delivered_total")
        row["sold"] += sum((link.get("delivered") or {}).values()) if delivered is None else delivered
        row["revenue"] += link.get("market_revenue") or 0.0
        seller = names.get(link["from"], link["from"])
        if seller not in row["sellers"]:
            row["sellers"].append(seller)
    return list(rows.values())


def _market_table(results: dict[str, Any]) -> str:
    currency = results.get("currency") or "CNY"
    rows = []
    for sale in market_sales(results):
        unit = unit_of(results, sale["resource"])
        rows.append([sale["name"], f"{resource_label(sale['resource'])} ({unit})", sale["sold"], sale["revenue"],
                     sale["revenue"] / sale["sold"] if sale["sold"] else None,
                     ", ".join(sale["sellers"]) or "nothing sold"])
    total = sum(sale["revenue"] for sale in market_sales(results))
    rows.append(["all markets", "", None, total, None, ""])
    return table_html(["market", "resource (unit)", "sold (unit/yr)", f"revenue ({currency}/yr)",
                       f"price ({currency}/unit)", "sold by"], rows, digits={2: 0, 3: 0, 4: 1})


def _time_slice_section(results: dict[str, Any]) -> str:
    made = results.get("time_series") or {}
    slices = made.get("slices") or []
    columns = list(made.get("columns") or {})
    facts = table_html(["", ""], [("hourly file", made.get("file") or "–"), ("method", made.get("method") or "–"),
                                  ("slices", str(len(slices))),
                                  ("hours", fmt(sum(s.get("hours") or 0 for s in slices)))]).replace(
        "<thead><tr><th></th><th></th></tr></thead>", "")
    slice_rows = [[s["name"], s.get("period"), s.get("hours"), *[(s.get("mean") or {}).get(c) for c in columns]]
                  for s in slices]
    slice_table = table_html(["slice", "period", "hours", *[f"mean {c}" for c in columns]], slice_rows,
                             digits={2: 0, **{3 + i: 3 for i in range(len(columns))}})
    error_rows = [[c, e.get("peak"), e.get("peak_kept"), e.get("rmse"), e.get("relative_rmse")]
                  for c, e in (made.get("columns") or {}).items()]
    errors = table_html(["column", "peak in the file", "peak kept by the slices", "RMSE of the hours",
                         "RMSE / mean"], error_rows, digits={1: 3, 2: 3, 3: 3}, shares={4})
    return (f"{facts}<h3>Slices</h3>{slice_table}<h3>Error of the aggregation per column</h3>{errors}"
            "<p class='muted'>Each hour of the file is represented by its slice's mean; the error compares the "
            "hours with their slice's mean. A peak kept equal to the file's peak means plants are sized for it.</p>")


def _end(link: dict[str, Any], side: str, names: dict[str, str], processes: dict[str, str]) -> str:
    """Where a link starts or ends: the enterprise or market, and the process when it is one's input or output."""
    place = names.get(link[side], link[side])
    stream = link.get("from_stream" if side == "from" else "to_stream") or ""
    owner = stream.split(".", 1)[0]
    return f"{place} · {processes[owner]}" if "#" in owner and owner in processes else place


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
        if _heat_links(results) or heat_coverage(results):
            sections.append(("heat", "Heat: links, temperatures and coverage", _heat_section(results)))
        if results.get("processes"):
            sections.append(("processes", "Processes", _process_table(results)))
        if results.get("markets"):
            sections.append(("markets", "Sales to markets", _market_table(results)))
    if results.get("time_series"):
        sections.append(("slices", "Time slices: how the periods were made", _time_slice_section(results)))
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
#links th, #heat th { white-space: normal; }
#heat td:nth-child(-n+3) { min-width: 8em; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
header table td:first-child { color: var(--muted); white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.bar { width: 220px; height: 10px; background: var(--soft); border-radius: 5px; overflow: hidden; margin-top: 5px; }
.bar div { height: 100%; }
.warnings li { color: #7e5109; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { nav { display: none; } section { break-inside: avoid-page; } main { max-width: none; } }
"""
