"""How sure is this plan: the report's section and the pages of sensitivity and alternatives (SPEC 9).

An export stage: ``results -> exports``. Everything here reads plain dicts, the content of
``results.json`` (``marginals`` and ``robustness``) or of `circflow.breakeven.Sensitivity`
and `circflow.nearoptimal.Alternatives` as their ``to_dict`` gives them, so a results
folder can be redrawn later. `robustness_section` is the report's part; `sensitivity_page`
and `alternatives_page` are the self-contained pages the two commands write (plotly.js
inlined, nothing fetched). Text is in the reader's language (`circflow.i18n`): the report's
section in the results' ``lang``, the pages in the ``lang`` they are given; the names the
findings hold in English (links, processes, parameters) are translated as they are drawn
(`circflow.exports.labels.plan_name`).
"""

from __future__ import annotations

import html
import math
from typing import Any

import plotly.graph_objects as go

from circflow.exports.labels import plan_name, plan_names, resource_label, stream_label
from circflow.exports.page import figure_html, fmt, headings, page_html, table_html
from circflow.i18n import FONT_STACK, N_, _, compact, current, language, ngettext, pgettext, sentences

_UNIT_WORDS = {"t": N_("tonne"), "m3": "m³", "MWh": "MWh"}
TOP_POSSIBLE = 12
"""Links outside the plan shown in the report, cheapest to add first (the page lists all)."""
LOW_COLOUR, HIGH_COLOUR = "#5dade2", "#e59866"
CLASSES = frozenset((N_("essential"), N_("optional"), N_("possible"), N_("excluded")))
"""The classes of `circflow.nearoptimal`, which the pages name in the reader's language."""
SETTLED_BY = frozenset(
    (N_("plan without it"), N_("idle link"), N_("margin bound"), N_("LP bound"), N_("solve"), N_("solve to the gap"))
)
"""How `circflow.nearoptimal` settles a candidate's class."""
MARGIN_KINDS = frozenset((N_("demand"), N_("market")))
PARAMETERS = {
    "electricity_price": N_("electricity price"),
    "carbon_price": N_("carbon price"),
    "grid_emission_factor": N_("grid emission factor"),
    "discount_rate": N_("discount rate"),
}
"""Numbers of the park's economics a range may vary, as `circflow.breakeven.key_label` names them."""
STREAM_PARAMETERS = frozenset(
    (
        N_("baseline cost"),
        N_("baseline emissions"),
        N_("disposal cost"),
        N_("disposal emissions"),
        N_("market price"),
        N_("amount"),
        N_("emissions"),
    )
)
"""What a range varies of a stream or a market's purchase, as `circflow.breakeven.key_label` words it."""
_PLAIN_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def _word(words: frozenset[str], word: str) -> str:
    """``word`` in the reader's language when it is one of ``words`` (marked for translation),
    else as it is."""
    return _(word) if word in words else word


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _per_year(unit: str) -> str:
    return f"{unit}/{_('yr')}"


def _unit(content: dict[str, Any], currency: str) -> str:
    return _per_year("tCO2" if content.get("objective_name") == "emissions" else currency)


def _code(command: str) -> str:
    """A command line as the reader types it, whatever the page's language (``translate='no'``)."""
    return f"<code translate='no'>{_esc(command)}</code>"


def range_label(r: dict[str, Any]) -> str:
    """A varied KEY as people read it (its ``label``), in the reader's language."""
    label = r.get("label") or r["key"]
    if current() == "en":
        return label
    steps = r["key"].split(".")
    if steps[0] == "economics" and len(steps) == 2:
        return _(PARAMETERS[steps[1]]) if steps[1] in PARAMETERS else label
    if steps[0] in ("enterprises", "markets") and len(steps) >= 4:
        head, comma, what = label.rpartition(", ")
        place, colon, resource = head.rpartition(": ")
        if comma and colon:
            return _("{place}: {resource}, {what}").format(
                place=stream_label(place),
                resource=resource_label(resource.replace(" ", "_")),
                what=_word(STREAM_PARAMETERS, what),
            )
    return label


def _class(name: str) -> str:
    return _word(CLASSES, name)


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
        label = _("{parameter} ({low} to {high}, {changes})").format(
            parameter=range_label(r),
            low=fmt(r["low"]),
            high=fmt(r["high"]),
            changes=ngettext("{n} plan change", "{n} plan changes", changes).format(n=changes),
        )
        swing = abs((high or base) - (low or base))
        rows.append((swing, label, r, low, high))
    rows.sort(key=lambda row: row[0])
    unit = _unit(content, currency)
    figure = go.Figure()
    for name, index, colour in ((_("low end"), 3, LOW_COLOUR), (_("high end"), 4, HIGH_COLOUR)):
        objectives = [row[3] if index == 3 else row[4] for row in rows]
        values = [None if value is None else value - base for value in objectives]
        ends = [row[2]["low" if index == 3 else "high"] for row in rows]
        hover = _("at {value}: {change}").format(value="%{customdata:,.4g}", change=f"%{{x:+,.4s}} {unit}")
        figure.add_trace(
            go.Bar(
                y=[row[1] for row in rows],
                x=values,
                orientation="h",
                name=name,
                marker_color=colour,
                customdata=ends,
                hovertemplate=f"{hover}<extra>{name}</extra>",
            )
        )
    figure.update_layout(
        barmode="overlay",
        height=140 + 46 * len(rows),
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
        title={
            "text": _("Objective against the plan at today's values ({base})").format(base=f"{compact(base)} {unit}"),
            "x": 0.01,
        },
        xaxis={
            "tickformat": "~s",
            "title": _("change of the objective ({unit})").format(unit=unit),
            "zeroline": True,
            "zerolinecolor": "#566573",
            "gridcolor": "#e3e7ec",
        },
        yaxis={"automargin": True},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": _PLAIN_FONT if current() == "en" else FONT_STACK, "size": 12},
    )
    return figure


def ranges_figure(content: dict[str, Any], currency: str = "CNY") -> go.Figure:
    """The objective over each KEY's range, with the values where the plan changes marked."""
    from plotly.subplots import make_subplots

    ranges = content.get("ranges") or []
    figure = make_subplots(
        rows=max(len(ranges), 1),
        cols=1,
        vertical_spacing=0.12 / max(len(ranges), 1) * 2,
        subplot_titles=[range_label(r) for r in ranges],
    )
    unit = _unit(content, currency)
    for k, r in enumerate(ranges, start=1):
        mine = sorted((p for p in content.get("points") or [] if p["key"] == r["key"]), key=lambda p: p["value"])
        figure.add_trace(
            go.Scatter(
                x=[p["value"] for p in mine],
                y=[p["objective"] for p in mine],
                mode="lines+markers",
                showlegend=False,
                line={"color": "#1b4f72"},
                hovertemplate=f"%{{x:,.4g}}: %{{y:,.4s}} {unit}<extra></extra>",
            ),
            row=k,
            col=1,
        )
        for p in mine:
            if p["point"] == "change":
                figure.add_vline(x=p["value"], line={"dash": "dot", "color": HIGH_COLOUR}, row=k, col=1)
    figure.update_layout(
        height=120 + 260 * len(ranges),
        template="plotly_white",
        margin={"t": 60},
        title=_("Objective over each range (dotted: the plan changes)"),
    )
    if current() != "en":
        figure.update_layout(font={"family": FONT_STACK})
    return figure


def robustness_section(results: dict[str, Any]) -> tuple[str, str, str]:
    """The report's "How sure is this plan" section: (anchor, title, HTML with its charts).

    From ``results.json``: the essential and optional links within the slack, the links
    that could be added, the break-even values of the varied prices for each link of the
    plan and a tornado chart (when `circflow.nearoptimal.alternatives` and
    `circflow.breakeven.sensitivity` were run for this results folder), the marginal value
    of each by-product and the cost of each target (`circflow.marginals`). In the results'
    language (``lang``).
    """
    with language(results.get("lang")):
        return _section(results)


def _section(results: dict[str, Any]) -> tuple[str, str, str]:
    currency = results.get("currency") or "CNY"
    found = results.get("robustness") or {}
    parts = [
        "<p>"
        + _esc(
            _(
                "The optimum is one plan among many that cost nearly the same. This section says which "
                "links are sure, at what prices they stop paying, what one more unit of each by-product "
                "is worth, and what each target costs."
            )
        )
        + "</p>"
    ]
    alternatives = found.get("alternatives")
    sensitivity = found.get("sensitivity")
    if alternatives:
        parts.append(_sure_links(alternatives, currency))
    if sensitivity:
        parts.append(_break_even(sensitivity, currency))
    if not alternatives and not sensitivity:
        parts.append(
            "<p class='muted'>"
            + _esc(
                _(
                    "Which links are sure and their break-even prices are not in this results folder: run {optimize}, or "
                    "{alternatives} and {sensitivity}."
                )
            ).format(
                optimize=_code("circflow optimize PARK --robustness"),
                alternatives=_code("circflow alternatives PARK --results DIR"),
                sensitivity=_code("circflow sensitivity PARK --vary KEY=LOW:HIGH --results DIR"),
            )
            + "</p>"
        )
    parts.append(_marginal_tables(results, currency))
    return "robustness", _("How sure is this plan"), f"<style>{_EXTRA_CSS}</style>" + "".join(parts)


def _sure_links(content: dict[str, Any], currency: str) -> str:
    optimum, slack = content["optimum"], content["slack"]
    unit = _unit(content, currency)
    counts = content.get("counts") or {}
    candidates = content.get("candidates") or []
    inside = [c for c in candidates if c["in_optimum"]]
    inside.sort(key=lambda c: (c["class"] != "essential", -(c["best_without"] or math.inf)))
    rows = [
        [
            plan_name(c["link"]),
            _class(c["class"]),
            c.get("capex"),
            _extra(c["best_without"], optimum, c["best_without_is"]),
        ]
        for c in inside
    ]
    essential = counts.get("essential", 0)
    said = sentences(
        _esc(
            _(
                "Any plan whose objective stays within {slack} of the optimum (up to {threshold}) counts as "
                "near-optimal."
            ).format(slack=f"{slack:.0%}", threshold=f"{compact(content['threshold'])} {unit}")
        ),
        _esc(
            ngettext(
                "{essential} of the plan's {total} new links and processes is {word}: every near-optimal plan has it.",
                "{essential} of the plan's {total} new links and processes are {word}: every near-optimal plan "
                "has them.",
                essential,
            )
        ).format(essential=f"<b>{essential}</b>", total=len(inside), word=f"<b>{_esc(_('essential'))}</b>"),
        _esc(
            _("The other {optional} are optional: a near-optimal plan can do without each, at the cost shown.").format(
                optional=counts.get("optional", 0)
            )
        ),
    )
    head = f"<h3>{_esc(_('Which links are sure'))}</h3><p>{said}</p>"
    table = table_html(
        headings(
            "link or process",
            "class",
            "capex ({currency})",
            "best plan without it ({unit}, vs optimum)",
            currency=currency,
            unit=unit,
        ),
        rows,
    )
    outside = sorted(
        (c for c in candidates if c["class"] == "possible"),
        key=lambda c: c["best_with"] if c["best_with"] is not None else math.inf,
    )
    more = ""
    if outside:
        shown = [
            [plan_name(c["link"]), _extra(c["best_with"], optimum, c["best_with_is"])] for c in outside[:TOP_POSSIBLE]
        ]
        more = (
            "<p>"
            + _esc(
                _(
                    "{possible} links and processes outside the plan could be added and stay near-optimal "
                    "({excluded} could not); the cheapest to add:"
                ).format(possible=counts.get("possible", 0), excluded=counts.get("excluded", 0))
            )
            + "</p>"
            + table_html([_("link or process"), _("best plan with it ({unit}, vs optimum)").format(unit=unit)], shown)
        )
    return f"{head}<div id='sure-links'>{table}</div>{more}{_plans(content, currency)}"


def _plans(content: dict[str, Any], currency: str) -> str:
    """The MGA plans: objective, capex, and what each adds to and leaves out of the optimum."""
    plans = content.get("plans") or []
    if len(plans) < 2:
        return ""
    unit = _unit(content, currency)

    def items(text: str | None) -> str:
        names = plan_names(text)
        if not names:
            return "–"
        return "<ul class='names'>" + "".join(f"<li>{html.escape(name)}</li>" for name in names) + "</ul>"

    rows = []
    for plan in plans[1:]:
        rows.append(
            f"<tr><td>{plan['plan']}</td><td class='num'>{fmt(plan.get('objective'))}</td>"
            f"<td class='num'>{fmt(plan.get('capex'))}</td><td class='num'>{plan.get('built')}</td>"
            f"<td>{items(plan.get('added'))}</td><td>{items(plan.get('left_out'))}</td></tr>"
        )
    first = plans[0]
    heads = [
        _("plan"),
        _("objective ({unit})").format(unit=unit),
        _("capex ({currency})").format(currency=currency),
        _("links"),
        _("added to the optimum"),
        _("left out of the optimum"),
    ]
    return (
        f"<h3>{_esc(_('Near-optimal plans as different as possible'))}</h3><p>"
        + _esc(
            _(
                "Each plan below stays within the slack and builds as few as it can of the links and processes the plans "
                "before it built (Hop-Skip-Jump modelling to generate alternatives). The optimum: {objective}, capex "
                "{capex}, {built} links and processes."
            ).format(
                objective=f"{fmt(first.get('objective'))} {unit}",
                capex=f"{fmt(first.get('capex'))} {currency}",
                built=first.get("built"),
            )
        )
        + "</p>"
        "<div class='table' id='mga-plans'><table><thead><tr>"
        + "".join(f"<th>{_esc(h)}</th>" for h in heads)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _extra(value: float | None, optimum: float, how: str) -> str:
    if value is None:
        return _("no plan")
    prefix = {"at most": "≤ ", "at least": "≥ "}.get(how, "")
    return f"{prefix}{compact(value)} ({'+' if value >= optimum else '−'}{compact(abs(value - optimum))})"


def _break_even(content: dict[str, Any], currency: str) -> str:
    ranges = content.get("ranges") or []
    labels = {r["key"]: range_label(r) for r in ranges}
    today = {r["key"]: r["base"] for r in ranges}
    flips = [f for f in content.get("break_even") or [] if f["below"] is not None or f["above"] is not None]
    rows = []
    for f in sorted(flips, key=lambda f: (not f["in_plan"], f["link"], labels.get(f["key"], f["key"]))):
        below, above = (
            (_("leaves the plan below {value}"), _("leaves the plan above {value}"))
            if f["in_plan"]
            else (_("joins the plan below {value}"), _("joins the plan above {value}"))
        )
        said = [
            below.format(value=fmt(f["below"])) if f["below"] is not None else "",
            above.format(value=fmt(f["above"])) if f["above"] is not None else "",
        ]
        rows.append(
            [
                plan_name(f["link"]),
                _("yes") if f["in_plan"] else _("no"),
                labels.get(f["key"], f["key"]),
                today.get(f["key"]),
                _("; ").join(s for s in said if s),
            ]
        )
    in_plan = {f["link"] for f in content.get("break_even") or [] if f["in_plan"]}
    steady = len(in_plan - {f["link"] for f in flips})
    spans = "".join(
        "<li>"
        + html.escape(
            _("{parameter}: {low} to {high} (today {base})").format(
                parameter=labels[r["key"]], low=fmt(r["low"]), high=fmt(r["high"]), base=fmt(r["base"])
            )
        )
        + "</li>"
        for r in ranges
    )
    figure = figure_html(
        tornado_figure(content, currency),
        "tornado-chart",
        include_plotlyjs=False,
        default_width="100%",
        default_height=f"{140 + 46 * len(ranges)}px",
    )
    parts = [
        f"<h3>{_esc(_('Break-even prices'))}</h3><p>"
        + _esc(
            _(
                "Each price was moved alone over its range, everything else as today; where the plan changes, the value "
                "was found to 1 % of the range."
            )
        )
        + "</p>",
        f"<ul>{spans}</ul>",
        figure,
    ]
    if rows:
        parts.append(
            "<div id='break-even'>"
            + table_html(
                [_("link or process"), _("in the plan today"), _("price"), _("today"), _("as the price moves")], rows
            )
            + "</div>"
        )
    steady_text = (
        _("All {n} links and processes of the plan stay in it over every range.")
        if not rows
        else _("The other {n} links and processes of the plan stay in it over every range.")
    )
    parts.append(f"<p>{_esc(steady_text.format(n=steady))}</p>")
    return "".join(parts)


def _marginal_tables(results: dict[str, Any], currency: str) -> str:
    marginals = results.get("marginals") or []
    if not marginals:
        return (
            "<p class='muted'>"
            + _esc(_("Marginal values were not computed for this run (see {option}).")).format(
                option=_code("--no-marginals")
            )
            + "</p>"
        )
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises") or []}
    supplies = [m for m in marginals if m["kind"] in ("supply", "output")]
    per_year = _per_year(currency)
    rows = []
    for m in sorted(supplies, key=lambda m: (m["resource"], -(m["value"] or 0))):
        word = _UNIT_WORDS.get(m.get("unit") or "", m.get("unit") or N_("unit"))
        unit = _(word) if word in ("tonne", "unit") else word
        if m["binding"]:
            reading = _("all used: one more {unit} would save {value}").format(
                unit=unit, value=f"{fmt(m['value'], 2)} {currency}"
            )
        elif (m["value"] or 0) < 0:
            reading = _("not all used: one more {unit} costs its disposal, {value}").format(
                unit=unit, value=f"{fmt(-m['value'], 2)} {currency}"
            )
        else:
            reading = _("not all used: one more {unit} would be left over").format(unit=unit)
        rows.append(
            [
                resource_label(m["resource"]),
                stream_label(m.get("name") or names.get(m.get("enterprise"), "")),
                m["value"],
                m["value_unit"],
                reading,
            ]
        )
    parts = [
        f"<h3>{_esc(_('What each by-product is worth'))}</h3><p>"
        + _esc(
            _(
                "With the plan's links and processes as they are, what one more unit of each supply would change in the "
                "park's annual cost (positive: a saving). A by-product that is used up is worth what its last use saves; "
                "one that is partly disposed of is worth minus its disposal cost."
            )
        )
        + "</p>",
        "<div id='byproduct-values'>",
        table_html(
            [_("by-product"), _("from"), _("value per unit"), _("unit"), pgettext("marginal values", "reading")],
            rows,
            digits={2: 2},
        ),
        "</div>",
    ]
    targets = [m for m in marginals if m["kind"] in ("utilization", "emission_cap", "capex_budget")]
    if targets:
        kpis = results.get("kpis") or {}
        shares = kpis.get("utilization") or {}
        target_rows = []
        for m in targets:
            if m["kind"] == "utilization":
                limit = m.get("limit")
                resource = resource_label(m["resource"])
                what = (
                    _("{resource} used: at least {share}").format(resource=resource, share=f"{limit:.0%}")
                    if limit is not None
                    else _("{resource} used").format(resource=resource)
                )
                now = shares.get(m["resource"])
                state = _("{share} used").format(share=f"{now:.1%}") if now is not None else ""
                per = (
                    _("{value} ({per_point} per percentage point)").format(
                        value=f"{fmt(m['value'], 2)} {m['value_unit']}", per_point=f"{fmt(m['per_point'])} {per_year}"
                    )
                    if m["binding"]
                    else _("not binding: met at no extra cost")
                )
            elif m["kind"] == "emission_cap":
                what = _("emissions at most {limit}").format(limit=f"{fmt(m.get('limit'))} {_per_year('tCO2')}")
                state = f"{fmt(kpis.get('emissions'))} {_per_year('tCO2')}"
                per = (
                    _("{value} (marginal abatement cost)").format(value=f"{fmt(m['value'], 2)} {m['value_unit']}")
                    if m["binding"]
                    else _("not binding")
                )
            else:
                what = _("capex at most {limit}").format(limit=f"{fmt(m.get('limit'))} {currency}")
                state = f"{fmt(kpis.get('capex'))} {currency}"
                per = (
                    _("{value} per {currency} of budget").format(
                        value=f"{fmt(m['value'], 4)} {per_year}", currency=currency
                    )
                    if m["binding"]
                    else _("not binding")
                )
            target_rows.append([what, state, per])
        parts += [
            f"<h3>{_esc(_('What each target costs'))}</h3><p>"
            + _esc(
                _(
                    "What tightening each target by one unit (one more tonne used, one tCO2 less) would add to the "
                    "annual cost."
                )
            )
            + "</p>",
            "<div id='target-costs'>",
            table_html([_("target"), _("today"), _("cost of the last unit")], target_rows),
            "</div>",
        ]
    others = [m for m in marginals if m["kind"] in ("demand", "market")]
    if others:
        other_rows = [
            [
                _word(MARGIN_KINDS, m["kind"]),
                resource_label(m["resource"]),
                stream_label(m.get("name") or ""),
                m["value"],
                m["value_unit"],
            ]
            for m in others
        ]
        parts.append(
            f"<details><summary>{_esc(_('Demands and markets at the margin'))}</summary><p class='muted'>"
            + _esc(
                _(
                    "Demand: what one more unit needed would cost the park. Market: what one more unit the "
                    "buyer would take is worth (0 where it takes all it is offered)."
                )
            )
            + "</p>"
            + table_html([_("kind"), _("resource"), _("who"), _("per unit"), _("unit")], other_rows, digits={3: 2})
            + "</details>"
        )
    return "".join(parts)


_EXTRA_CSS = "ul.names { margin: 0; padding-left: 1.1em; font-size: 12px; } ul.names li { margin: 0; }"


def _page(title: str, park: str, body: str, *, charts: bool = True) -> str:
    return page_html(
        _("{park}: {title}").format(park=park, title=title),
        park,
        f"<style>{_EXTRA_CSS}</style>" + body,
        kicker=title,
        footer=_("Written by circflow. Costs are per year unless named capex."),
        plotly_js="inline" if charts else "none",
    )


def sensitivity_page(content: dict[str, Any], park: str, currency: str = "CNY", lang: str | None = None) -> str:
    """``sensitivity.html``: the tornado chart, each range's curve, the change points and break-even values.

    In ``lang`` (``en``, ``zh``; None: the current language).
    """
    with language(lang):
        return _sensitivity_page(content, park, currency)


def _sensitivity_page(content: dict[str, Any], park: str, currency: str) -> str:
    changes = [p for p in content.get("points") or [] if p["point"] == "change"]
    labels = {r["key"]: range_label(r) for r in content.get("ranges") or []}
    rows = [
        [
            labels.get(p["key"], p["key"]),
            p["value"],
            _("{low} to {high}").format(low=fmt(p["bracket_low"]), high=fmt(p["bracket_high"])),
            p["objective"],
            _("; ").join(plan_names(p["links_added"])) or "–",
            _("; ").join(plan_names(p["links_removed"])) or "–",
        ]
        for p in changes
    ]
    figures = [
        figure_html(figure, name, include_plotlyjs=False, default_width="100%", default_height=f"{height_px}px")
        for figure, name, height_px in (
            (tornado_figure(content, currency), "tornado-chart", 140 + 46 * len(labels)),
            (ranges_figure(content, currency), "ranges-chart", 120 + 260 * len(labels)),
        )
    ]
    heads = [_("parameter"), _("value"), _("within"), _("objective"), _("links that enter"), _("links that leave")]
    body = [
        f"<section><h2>{_esc(_('One parameter at a time'))}</h2>{figures[0]}</section>",
        f"<section><h2>{_esc(_('Where the plan changes'))}</h2>"
        + (table_html(heads, rows) if rows else f"<p>{_esc(_('The plan stays the same over every range.'))}</p>")
        + "</section>",
        f"<section><h2>{_esc(_('Objective over each range'))}</h2>{figures[1]}</section>",
        f"<section><h2>{_esc(_('Break-even values of each link'))}</h2>"
        + _break_even(content, currency)
        + "</section>",
    ]
    return _page(_("sensitivity"), park, "".join(body))


def alternatives_page(content: dict[str, Any], park: str, currency: str = "CNY", lang: str | None = None) -> str:
    """``alternatives.html``: the classes, every candidate's values, and the MGA plans.

    In ``lang`` (``en``, ``zh``; None: the current language).
    """
    with language(lang):
        return _alternatives_page(content, park, currency)


def _alternatives_page(content: dict[str, Any], park: str, currency: str) -> str:
    unit = _unit(content, currency)
    optimum = content["optimum"]
    counts = content.get("counts") or {}
    cards = "".join(
        f"<div class='card'><div class='label'>{_esc(_class(name))}</div>"
        f"<div class='value'>{counts.get(name, 0)}</div></div>"
        for name in ("essential", "optional", "possible", "excluded")
    )
    english = current() == "en"
    rows = [
        [
            plan_name(c["link"]),
            _class(c["class"]),
            c["resource"] if english else resource_label(c["resource"]),
            _extra(c["best_without"], optimum, c["best_without_is"]),
            _extra(c["best_with"], optimum, c["best_with_is"]),
            _word(SETTLED_BY, c["settled_by"]),
        ]
        for c in content.get("candidates") or []
    ]
    body = (
        "<p>"
        + _esc(
            _("Optimum {optimum}; plans up to {threshold} ({slack} more) count as near-optimal.").format(
                optimum=f"{compact(optimum)} {unit}",
                threshold=f"{compact(content['threshold'])} {unit}",
                slack=f"{content['slack']:.1%}",
            )
        )
        + f"</p><div class='cards'>{cards}</div>"
        + _sure_links(content, currency)
        + f"<section><h2>{_esc(_('Every candidate'))}</h2>"
        + table_html(
            headings(
                "link or process",
                "class",
                "resource",
                "best without it ({unit})",
                "best with it ({unit})",
                "settled by",
                unit=unit,
            ),
            rows,
        )
        + "</section>"
    )
    return _page(_("near-optimal alternatives"), park, body, charts=False)  # tables only
