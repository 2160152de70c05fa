"""How sure is this plan: the report's section and the pages of sensitivity and alternatives (SPEC 9).

An export stage: ``results -> exports``. Everything here reads plain dicts, the content of
``results.json`` (``marginals`` and ``robustness``) or of `circflow.breakeven.Sensitivity`
and `circflow.nearoptimal.Alternatives` as their ``to_dict`` gives them, so a results
folder can be redrawn later. `robustness_section` is the report's part; `sensitivity_page`
and `alternatives_page` are the self-contained pages the two commands write (plotly.js
inlined, nothing fetched).
"""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go

from circflow.exports.labels import resource_label
from circflow.exports.page import figure_html, fmt, page_html, table_html
from circflow.i18n import compact

_UNIT_WORDS = {"t": "tonne", "m3": "m³", "MWh": "MWh"}
TOP_POSSIBLE = 12
"""Links outside the plan shown in the report, cheapest to add first (the page lists all)."""
LOW_COLOUR, HIGH_COLOUR = "#5dade2", "#e59866"


def tornado_figure(content: dict[str, Any], currency: str = "CNY") -> go.Figure:
    """The objective at each KEY's low and high end, against the park's value (plotly Figure).

    Bars go from the objective at the park's values; the KEY whose range moves the
    objective most is on top. The label says the range and how often the plan changes.
    """
    points = content.get("points") or []
    base = content.get("base_objective") or 0.0
    rows: list[tuple[float, str, dict[str, Any], float | None, float | None]] = []
    for r in content.get("ranges") or []:
        mine = [p for p in points if p["key"] == r["key"]]
        low = next((p["objective"] for p in mine if p["point"] == "low"), None)
        high = next((p["objective"] for p in mine if p["point"] == "high"), None)
        changes = sum(p["point"] == "change" for p in mine)
        label = (f"{r.get('label') or r['key']} ({fmt(r['low'])} to {fmt(r['high'])}, "
                 f"{changes} plan change{'s' if changes != 1 else ''})")
        swing = abs((high or base) - (low or base))
        rows.append((swing, label, r, low, high))
    rows.sort(key=lambda row: row[0])
    unit = "tCO2/yr" if content.get("objective_name") == "emissions" else f"{currency}/yr"
    figure = go.Figure()
    for name, index, colour in (("low end", 3, LOW_COLOUR), ("high end", 4, HIGH_COLOUR)):
        objectives = [row[3] if index == 3 else row[4] for row in rows]
        values = [None if value is None else value - base for value in objectives]
        ends = [row[2]["low" if index == 3 else "high"] for row in rows]
        figure.add_trace(go.Bar(
            y=[row[1] for row in rows], x=values, orientation="h", name=name, marker_color=colour,
            customdata=ends, hovertemplate=f"at %{{customdata:,.4g}}: %{{x:+,.4s}} {unit}<extra>{name}</extra>",
        ))
    figure.update_layout(
        barmode="overlay", height=140 + 46 * len(rows), margin={"l": 20, "r": 20, "t": 50, "b": 40},
        title={"text": f"Objective against the plan at today's values ({compact(base)} {unit})", "x": 0.01},
        xaxis={"tickformat": "~s", "title": f"change of the objective ({unit})", "zeroline": True,
               "zerolinecolor": "#566573", "gridcolor": "#e3e7ec"},
        yaxis={"automargin": True}, plot_bgcolor="white", paper_bgcolor="white",
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    )
    return figure


def ranges_figure(content: dict[str, Any], currency: str = "CNY") -> go.Figure:
    """The objective over each KEY's range, with the values where the plan changes marked."""
    from plotly.subplots import make_subplots

    ranges = content.get("ranges") or []
    figure = make_subplots(rows=max(len(ranges), 1), cols=1, vertical_spacing=0.12 / max(len(ranges), 1) * 2,
                           subplot_titles=[r.get("label") or r["key"] for r in ranges])
    unit = "tCO2/yr" if content.get("objective_name") == "emissions" else f"{currency}/yr"
    for k, r in enumerate(ranges, start=1):
        mine = sorted((p for p in content.get("points") or [] if p["key"] == r["key"]), key=lambda p: p["value"])
        figure.add_trace(go.Scatter(x=[p["value"] for p in mine], y=[p["objective"] for p in mine], mode="lines+markers",
                                    showlegend=False, line={"color": "#1b4f72"},
                                    hovertemplate=f"%{{x:,.4g}}: %{{y:,.4s}} {unit}<extra></extra>"), row=k, col=1)
        for p in mine:
            if p["point"] == "change":
                figure.add_vline(x=p["value"], line={"dash": "dot", "color": HIGH_COLOUR}, row=k, col=1)
    figure.update_layout(height=120 + 260 * len(ranges), template="plotly_white", margin={"t": 60},
                         title="Objective over each range (dotted: the plan changes)")
    return figure


def robustness_section(results: dict[str, Any]) -> tuple[str, str, str]:
    """The report's "How sure is this plan" section: (anchor, title, HTML with its charts).

    From ``results.json``: the essential and optional links within the slack, the links
    that could be added, the break-even values of the varied prices for each link of the
    plan and a tornado chart (when `circflow.nearoptimal.alternatives` and
    `circflow.breakeven.sensitivity` were run for this results folder), the marginal value
    of each by-product and the cost of each target (`circflow.marginals`).
    """
    currency = results.get("currency") or "CNY"
    found = results.get("robustness") or {}
    parts = ["<p>The optimum is one plan among many that cost nearly the same. This section says which links "
             "are sure, at what prices they stop paying, what one more unit of each by-product is worth, and "
             "what each target costs.</p>"]
    alternatives = found.get("alternatives")
    sensitivity = found.get("sensitivity")
    if alternatives:
        parts.append(_sure_links(alternatives, currency))
    if sensitivity:
        parts.append(_break_even(sensitivity, currency))
    if not alternatives and not sensitivity:
        parts.append("<p class='muted'>Which links are sure and their break-even prices are not in this results "
                     "folder: run <code>circflow optimize PARK --robustness</code>, or <code>circflow alternatives "
                     "PARK --results DIR</code> and <code>circflow sensitivity PARK --vary KEY=LOW:HIGH --results "
                     "DIR</code>.</p>")
    parts.append(_marginal_tables(results, currency))
    return "robustness", "How sure is this plan", f"<style>{_EXTRA_CSS}</style>" + "".join(parts)


def _sure_links(content: dict[str, Any], currency: str) -> str:
    optimum, slack = content["optimum"], content["slack"]
    unit = "tCO2/yr" if content.get("objective_name") == "emissions" else f"{currency}/yr"
    counts = content.get("counts") or {}
    candidates = content.get("candidates") or []
    inside = [c for c in candidates if c["in_optimum"]]
    inside.sort(key=lambda c: (c["class"] != "essential", -(c["best_without"] or math.inf)))
    rows = [[c["link"], c["class"], c.get("capex"), _extra(c["best_without"], optimum, c["best_without_is"])]
            for c in inside]
    essential = counts.get("essential", 0)
    verb = "is" if essential == 1 else "are"
    head = (f"<h3>Which links are sure</h3><p>Any plan whose objective stays within {slack:.0%} of the optimum "
            f"(up to {compact(content['threshold'])} {unit}) counts as near-optimal. <b>{essential}</b> "
            f"of the plan's {len(inside)} new links and processes {verb} <b>essential</b>: every near-optimal plan "
            f"has {'it' if essential == 1 else 'them'}. The other {counts.get('optional', 0)} are optional: a "
            "near-optimal plan can do without each, at the cost shown.</p>")
    table = table_html(["link or process", "class", f"capex ({currency})", f"best plan without it ({unit}, vs optimum)"],
                       rows)
    outside = sorted((c for c in candidates if c["class"] == "possible"),
                     key=lambda c: (c["best_with"] if c["best_with"] is not None else math.inf))
    more = ""
    if outside:
        shown = [[c["link"], _extra(c["best_with"], optimum, c["best_with_is"])] for c in outside[:TOP_POSSIBLE]]
        more = (f"<p>{counts.get('possible', 0)} links and processes outside the plan could be added and stay "
                f"near-optimal ({counts.get('excluded', 0)} could not); the cheapest to add:</p>"
                + table_html(["link or process", f"best plan with it ({unit}, vs optimum)"], shown))
    return f"{head}<div id='sure-links'>{table}</div>{more}{_plans(content, currency)}"


def _plans(content: dict[str, Any], currency: str) -> str:
    """The MGA plans: objective, capex, and what each adds to and leaves out of the optimum."""
    plans = content.get("plans") or []
    if len(plans) < 2:
        return ""
    unit = "tCO2/yr" if content.get("objective_name") == "emissions" else f"{currency}/yr"

    def items(text: str | None) -> str:
        names = [name for name in (text or "").split("; ") if name]
        if not names:
            return "–"
        return "<ul class='names'>" + "".join(f"<li>{html.escape(name)}</li>" for name in names) + "</ul>"

    rows = []
    for plan in plans[1:]:
        rows.append(f"<tr><td>{plan['plan']}</td><td class='num'>{fmt(plan.get('objective'))}</td>"
                    f"<td class='num'>{fmt(plan.get('capex'))}</td><td class='num'>{plan.get('built')}</td>"
                    f"<td>{items(plan.get('added'))}</td><td>{items(plan.get('left_out'))}</td></tr>")
    first = plans[0]
    return ("<h3>Near-optimal plans as different as possible</h3><p>Each plan below stays within the slack and "
            "builds as few as it can of the links and processes the plans before it built (Hop-Skip-Jump "
            f"modelling to generate alternatives). The optimum: {fmt(first.get('objective'))} {unit}, capex "
            f"{fmt(first.get('capex'))} {currency}, {first.get('built')} links and processes.</p>"
            f"<div class='table' id='mga-plans'><table><thead><tr><th>plan</th><th>objective ({unit})</th>"
            f"<th>capex ({currency})</th><th>links</th><th>added to the optimum</th><th>left out of the optimum</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _extra(value: float | None, optimum: float, how: str) -> str:
    if value is None:
        return "no plan"
    prefix = {"at most": "≤ ", "at least": "≥ "}.get(how, "")
    return f"{prefix}{compact(value)} ({'+' if value >= optimum else '−'}{compact(abs(value - optimum))})"


def _break_even(content: dict[str, Any], currency: str) -> str:
    ranges = content.get("ranges") or []
    labels = {r["key"]: r.get("label") or r["key"] for r in ranges}
    today = {r["key"]: r["base"] for r in ranges}
    flips = [f for f in content.get("break_even") or [] if f["below"] is not None or f["above"] is not None]
    rows = []
    for f in sorted(flips, key=lambda f: (not f["in_plan"], f["link"], labels.get(f["key"], f["key"]))):
        word = "leaves the plan" if f["in_plan"] else "joins the plan"
        said = [f"{word} below {fmt(f['below'])}" if f["below"] is not None else "",
                f"{word} above {fmt(f['above'])}" if f["above"] is not None else ""]
        rows.append([f["link"], "yes" if f["in_plan"] else "no", labels.get(f["key"], f["key"]), today.get(f["key"]),
                     "; ".join(s for s in said if s)])
    in_plan = {f["link"] for f in content.get("break_even") or [] if f["in_plan"]}
    steady = len(in_plan - {f["link"] for f in flips})
    spans = "".join(f"<li>{html.escape(labels[r['key']])}: {fmt(r['low'])} to {fmt(r['high'])} (today {fmt(r['base'])})</li>"
                    for r in ranges)
    figure = figure_html(tornado_figure(content, currency), "tornado-chart", include_plotlyjs=False,
                         default_width="100%", default_height=f"{140 + 46 * len(ranges)}px")
    parts = ["<h3>Break-even prices</h3><p>Each price was moved alone over its range, everything else as today; "
             "where the plan changes, the value was found to 1 % of the range.</p>", f"<ul>{spans}</ul>", figure]
    if rows:
        parts.append("<div id='break-even'>" + table_html(["link or process", "in the plan today", "price", "today",
                                                           "as the price moves"], rows) + "</div>")
    parts.append(f"<p>{'All' if not rows else 'The other'} {steady} links and processes of the plan stay in it "
                 "over every range.</p>")
    return "".join(parts)


def _marginal_tables(results: dict[str, Any], currency: str) -> str:
    marginals = results.get("marginals") or []
    if not marginals:
        return "<p class='muted'>Marginal values were not computed for this run (see <code>--no-marginals</code>).</p>"
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises") or []}
    supplies = [m for m in marginals if m["kind"] in ("supply", "output")]
    rows = []
    for m in sorted(supplies, key=lambda m: (m["resource"], -(m["value"] or 0))):
        unit = _UNIT_WORDS.get(m.get("unit") or "", m.get("unit") or "unit")
        if m["binding"]:
            reading = f"all used: one more {unit} would save {fmt(m['value'], 2)} {currency}"
        elif (m["value"] or 0) < 0:
            reading = f"not all used: one more {unit} costs its disposal, {fmt(-m['value'], 2)} {currency}"
        else:
            reading = f"not all used: one more {unit} would be left over"
        rows.append([resource_label(m["resource"]), m.get("name") or names.get(m.get("enterprise"), ""),
                     m["value"], m["value_unit"], reading])
    parts = ["<h3>What each by-product is worth</h3><p>With the plan's links and processes as they are, what one more "
             "unit of each supply would change in the park's annual cost (positive: a saving). A by-product that is "
             "used up is worth what its last use saves; one that is partly disposed of is worth minus its disposal "
             "cost.</p>", "<div id='byproduct-values'>",
             table_html(["by-product", "from", "value per unit", "unit", "reading"], rows, digits={2: 2}), "</div>"]
    targets = [m for m in marginals if m["kind"] in ("utilization", "emission_cap", "capex_budget")]
    if targets:
        shares = (results.get("kpis") or {}).get("utilization") or {}
        target_rows = []
        for m in targets:
            if m["kind"] == "utilization":
                limit = m.get("limit")
                what = (f"{resource_label(m['resource'])} used: at least {limit:.0%}" if limit is not None
                        else f"{resource_label(m['resource'])} used")
                now = shares.get(m["resource"])
                state = f"{now:.1%} used" if now is not None else ""
                per = (f"{fmt(m['value'], 2)} {m['value_unit']} ({fmt(m['per_point'])} {currency}/yr per percentage point)"
                       if m["binding"] else "not binding: met at no extra cost")
            elif m["kind"] == "emission_cap":
                what = f"emissions at most {fmt(m.get('limit'))} tCO2/yr"
                state = f"{fmt((results.get('kpis') or {}).get('emissions'))} tCO2/yr"
                per = f"{fmt(m['value'], 2)} {m['value_unit']} (marginal abatement cost)" if m["binding"] else "not binding"
            else:
                what = f"capex at most {fmt(m.get('limit'))} {currency}"
                state = f"{fmt((results.get('kpis') or {}).get('capex'))} {currency}"
                per = f"{fmt(m['value'], 4)} {currency}/yr per {currency} of budget" if m["binding"] else "not binding"
            target_rows.append([what, state, per])
        parts += ["<h3>What each target costs</h3><p>What tightening each target by one unit (one more tonne used, "
                  "one tCO2 less) would add to the annual cost.</p>", "<div id='target-costs'>",
                  table_html(["target", "today", "cost of the last unit"], target_rows), "</div>"]
    others = [m for m in marginals if m["kind"] in ("demand", "market")]
    if others:
        other_rows = [[m["kind"], resource_label(m["resource"]), m.get("name") or "", m["value"], m["value_unit"]]
                      for m in others]
        parts.append("<details><summary>Demands and markets at the margin</summary><p class='muted'>Demand: what one "
                     "more unit needed would cost the park. Market: what one more unit the buyer would take is worth "
                     "(0 where it takes all it is offered).</p>"
                     + table_html(["kind", "resource", "who", "per unit", "unit"], other_rows, digits={3: 2})
                     + "</details>")
    return "".join(parts)


_EXTRA_CSS = "ul.names { margin: 0; padding-left: 1.1em; font-size: 12px; } ul.names li { margin: 0; }"


def _page(title: str, park: str, body: str) -> str:
    return page_html(f"{park}: {title}", park, f"<style>{_EXTRA_CSS}</style>" + body, kicker=f"circflow · {title}",
                     footer="Written by circflow. Costs are per year unless named capex.")


def sensitivity_page(content: dict[str, Any], park: str, currency: str = "CNY") -> str:
    """``sensitivity.html``: the tornado chart, each range's curve, the change points and break-even values."""
    changes = [p for p in content.get("points") or [] if p["point"] == "change"]
    labels = {r["key"]: r.get("label") or r["key"] for r in content.get("ranges") or []}
    rows = [[labels.get(p["key"], p["key"]), p["value"], f"{fmt(p['bracket_low'])} to {fmt(p['bracket_high'])}",
             p["objective"], p["links_added"] or "–", p["links_removed"] or "–"] for p in changes]
    figures = [figure_html(tornado_figure(content, currency), "tornado-chart", include_plotlyjs=False,
                           default_width="100%", default_height=f"{140 + 46 * len(labels)}px"),
               figure_html(ranges_figure(content, currency), "ranges-chart", include_plotlyjs=False,
                           default_width="100%", default_height=f"{120 + 260 * len(labels)}px")]
    body = [f"<section><h2>One parameter at a time</h2>{figures[0]}</section>",
            "<section><h2>Where the plan changes</h2>"
            + (table_html(["parameter", "value", "within", "objective", "links that enter", "links that leave"], rows)
               if rows else "<p>The plan stays the same over every range.</p>") + "</section>",
            f"<section><h2>Objective over each range</h2>{figures[1]}</section>",
            "<section><h2>Break-even values of each link</h2>" + _break_even(content, currency) + "</section>"]
    return _page("sensitivity", park, "".join(body))


def alternatives_page(content: dict[str, Any], park: str, currency: str = "CNY") -> str:
    """``alternatives.html``: the classes, every candidate's values, and the MGA plans."""
    unit = "tCO2/yr" if content.get("objective_name") == "emissions" else f"{currency}/yr"
    optimum = content["optimum"]
    counts = content.get("counts") or {}
    cards = "".join(f"<div class='card'><div class='label'>{name}</div><div class='value'>{counts.get(name, 0)}</div></div>"
                    for name in ("essential", "optional", "possible", "excluded"))
    rows = [[c["link"], c["class"], c["resource"], _extra(c["best_without"], optimum, c["best_without_is"]),
             _extra(c["best_with"], optimum, c["best_with_is"]), c["settled_by"]]
            for c in content.get("candidates") or []]
    body = (f"<p>Optimum {compact(optimum)} {unit}; plans up to {compact(content['threshold'])} {unit} "
            f"({content['slack']:.1%} more) count as near-optimal.</p><div class='cards'>{cards}</div>"
            + _sure_links(content, currency)
            + "<section><h2>Every candidate</h2>"
            + table_html(["link or process", "class", "resource", f"best without it ({unit})",
                          f"best with it ({unit})", "settled by"], rows) + "</section>")
    return _page("near-optimal alternatives", park, body)
