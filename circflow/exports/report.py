"""The self-contained HTML report of a run, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. One file that a consultant can hand to a park
manager: plotly.js is embedded once, the map is drawn without web tiles, there are no fonts,
images or scripts from elsewhere, so no request leaves the page. It reads top down:

1. the executive summary: one sentence on what the plan is; the annual saving, CO2 avoided,
   investment and simple payback (how it is computed is said under it); what to build, each
   new link or process by its full name with capex, annual saving, payback and CO2 avoided;
   what changes on today's contracts; for a park with a carbon price, why the objective and
   the total cost differ;
2. the key figures against the status quo, the cost breakdown, the Sankey diagram and the
   network map;
3. every link of the plan with its economics (what it avoids at its source and at its sink,
   its own costs, net saving, payback, CO2 avoided, amounts in their units), in a table that
   sorts, filters and totals;
4. for SPEC 8 parks: heat links with technology, temperatures, COP and full-load hours, each
   heat demand's coverage per period or time slice, processes, sales to markets, the time
   slices;
5. the warnings, then an appendix with the run's facts and the assumptions behind the money.

Other commands add their own parts (a Pareto front, a comparison, how sure the plan is) as
`Section` objects passed to `report_html` / `write_report`; they come after the standard
sections and share the page's style and its single copy of plotly.js. Text is in the
results' language (``lang``, `circflow.i18n`).
"""

from __future__ import annotations

import html
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from circflow.exports.labels import (
    Namer,
    capacity_delivered,
    carried,
    delivered,
    link_how,
    mode_label,
    resource_label,
    status_label,
    technology_label,
    unit_of,
)
from circflow.exports.netmap import map_key_html, narrow_map_layout, network_map_figure_dict
from circflow.exports.page import (
    Column,
    chart_html,
    data_table,
    facts_html,
    fmt,
    headings,
    results_page,
    share,
    table_html,
)
from circflow.exports.sankey import resource_colours, sankey_figure_dict
from circflow.i18n import FONT_STACK, N_, _, compact, join, language, money_unit, ngettext, sentences, years
from circflow.linktypes import HEAT_TECHNOLOGIES, TECHNOLOGIES

__all__ = [
    "MAX_COVERAGE_CHARTS",
    "Section",
    "build_items",
    "compact",
    "cost_figure",
    "coverage_figure",
    "fmt",
    "heat_coverage",
    "market_sales",
    "report_html",
    "table_html",
    "write_report",
]

_COST_PARTS = (
    ("annualized_capex", N_("capital charge and O&M of new links and processes"), "#1b4f72"),
    ("variable_cost", N_("transport and operation"), "#5dade2"),
    ("electricity_cost", N_("electricity"), "#9467bd"),
    ("drive_cost", N_("steam driving absorption heat pumps"), "#e67e22"),
    ("process_cost", N_("running processes"), "#76448a"),
    ("disposal_cost", N_("disposal of unused by-products"), "#a6acaf"),
    ("baseline_cost", N_("conventional supply (virgin material, fresh water, boiler heat)"), "#e59866"),
)
_REVENUE = ("market_revenue", N_("sales to markets (negative cost)"), "#0b5345")
_STAGES = {
    "load_s": N_("reading"),
    "candidates_s": N_("candidate links"),
    "build_s": N_("model"),
    "solve_s": N_("solving"),
    "status_quo_s": N_("status quo"),
    "write_s": N_("writing"),
    "marginals_s": N_("marginal values"),
}
"""The stages of a run whose seconds results.json keeps (``timings``)."""


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


def _figure_html(figure: go.Figure | dict[str, Any], div_id: str, **options: Any) -> str:
    return chart_html(figure, div_id, **options)


def _currency(results: dict[str, Any]) -> str:
    return results.get("currency") or "CNY"


def _money(value: float | None, currency: str) -> str:
    return f"{compact(value)} {currency}"


def _share_of(part: float | None, whole: float | None) -> str | None:
    """``part`` as a share of ``whole``; None when the whole is not a positive amount (a park that earns)."""
    if part is None or whole is None or whole <= 0:
        return None
    return f"{part / whole:.0%}"


# --- what to build ----------------------------------------------------------------------------


def build_items(results: dict[str, Any]) -> list[dict[str, Any]]:
    """What the plan builds, as a park manager would list it: one item per new link, and one per new
    process together with the links that feed it or take its outputs.

    Returns
    -------
    list of dict
        ``name``, ``how``, ``kind`` (``link`` or ``process``), ``capex``, ``saving`` (net
        annual saving: what it avoids less its own costs, capital charge and O&M included),
        ``operating_saving`` (before the capital charge), ``payback`` (years, None when it
        never pays), ``co2`` (tCO2/yr avoided) and ``parts`` (a process's links by name),
        largest saving first.
    """
    namer = Namer(results)
    processes = {p["id"]: p for p in results.get("processes") or []}
    new_processes = [key for key, p in processes.items() if p.get("built") and not p.get("existing")]
    chains: dict[str, list[dict[str, Any]]] = {key: [] for key in new_processes}
    items = []
    for link in results.get("links") or []:
        owner = next(
            (
                key
                for key in new_processes
                for side in ("from_stream", "to_stream")
                if (link.get(side) or "").split(".", 1)[0] == key
            ),
            None,
        )
        if owner is not None:
            chains[owner].append(link)
            continue
        if link.get("existing") or link.get("on_site") or not (link.get("capex") or delivered(link)):
            continue
        items.append(
            {
                "kind": "link",
                "name": f"{namer.end(link, 'from')} → {namer.end(link, 'to')}",
                "how": carried(link),
                "capex": link.get("capex") or 0.0,
                "saving": link.get("net_saving"),
                "operating_saving": link.get("operating_saving"),
                "co2": link.get("co2_avoided"),
                "payback": link.get("payback_years"),
                "parts": [],
            }
        )
    for key in new_processes:
        process, links = processes[key], chains[key]
        capex = (process.get("capex") or 0.0) + sum(link.get("capex") or 0.0 for link in links)
        saving = sum(link.get("net_saving") or 0.0 for link in links) - (process.get("annualized_capex") or 0.0)
        charge = (process.get("capital_charge") or 0.0) + sum(link.get("capital_charge") or 0.0 for link in links)
        operating = saving + charge
        parts = [namer.link(link) + ("" if not link.get("existing") else f" ({_('existing')})") for link in links]
        items.append(
            {
                "kind": "process",
                "name": _("{process} at {place}").format(
                    process=process.get("name") or key, place=namer.place(process["enterprise"])
                ),
                "how": ngettext("new process with {n} link", "new process with {n} links", len(links)).format(
                    n=len(links)
                ),
                "capex": capex,
                "saving": saving,
                "operating_saving": operating,
                "co2": sum(link.get("co2_avoided") or 0.0 for link in links),
                "payback": capex / operating if capex > 0 and operating > 0 else None,
                "parts": parts,
            }
        )
    items.sort(key=lambda item: -(item["saving"] or 0.0))
    return items


def _idle_contracts(results: dict[str, Any]) -> list[str]:
    """Existing links the plan leaves idle (nothing flows): contracts to end or renegotiate."""
    namer = Namer(results)
    return [
        namer.link(link)
        for link in results.get("links") or []
        if link.get("existing") and not link.get("on_site") and delivered(link) <= 1e-9
    ]


def _sentence(results: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """What the plan is, in one or two sentences."""
    kpis = results.get("kpis") or {}
    status_quo, savings = kpis.get("baseline") or {}, kpis.get("savings") or {}
    currency = _currency(results)
    links = results.get("links") or []
    new_links = sum(
        1
        for link in links
        if not link.get("existing") and not link.get("on_site") and (link.get("capex") or delivered(link))
    )
    new_processes = sum(1 for p in results.get("processes") or [] if p.get("built") and not p.get("existing"))
    existing = sum(1 for link in links if link.get("existing") and delivered(link) > 1e-9)
    resources = sorted({link["resource"] for link in links if delivered(link) > 1e-9}, key=lambda r: resource_label(r))
    built = [ngettext("{n} new link", "{n} new links", new_links).format(n=new_links)]
    if new_processes:
        built.append(ngettext("{n} new process", "{n} new processes", new_processes).format(n=new_processes))
    if not new_links and not new_processes:
        first = _("The plan builds nothing new: today's links are the best this park can do.")
    elif existing:
        first = _("The plan builds {built} and keeps {existing} in use.").format(
            built=join(built), existing=ngettext("{n} existing link", "{n} existing links", existing).format(n=existing)
        )
    else:
        first = _("The plan builds {built}.").format(built=join(built))
    if resources:
        first = sentences(
            first, _("Its links carry {resources}.").format(resources=join([resource_label(r) for r in resources]))
        )
    saved, cut = savings.get("total_cost"), savings.get("emissions")
    if saved is None or cut is None:
        return first
    money = (
        _("It saves {amount} a year against the status quo")
        if saved >= 0
        else _("It costs {amount} a year more than the status quo")
    ).format(amount=_money(abs(saved), currency))
    share_money = _share_of(abs(saved), status_quo.get("total_cost"))
    if share_money:
        money += _(" ({share})").format(share=share_money)
    carbon = (_("avoids {amount} tCO2 a year") if cut >= 0 else _("emits {amount} tCO2 a year more")).format(
        amount=compact(abs(cut))
    )
    share_carbon = _share_of(abs(cut), status_quo.get("emissions"))
    if share_carbon:
        carbon += _(" ({share})").format(share=share_carbon)
    capex = kpis.get("capex") or 0.0
    if capex > 0:
        payback = kpis.get("payback_years")
        invest = (
            _("for an investment of {capex} that pays back in {years}")
            if payback is not None
            else _("for an investment of {capex} that its savings do not pay back")
        ).format(capex=_money(capex, currency), years=years(payback))
        second = _("{money}, {carbon}, {invest}.").format(money=money, carbon=carbon, invest=invest)
    else:
        second = _("{money} and {carbon}, with no investment.").format(money=money, carbon=carbon)
    return sentences(first, second)


def _summary(results: dict[str, Any]) -> str:
    kpis = results.get("kpis") or {}
    status_quo, savings = kpis.get("baseline") or {}, kpis.get("savings") or {}
    currency = _currency(results)
    items = build_items(results)
    capex = kpis.get("capex") or 0.0
    payback = kpis.get("payback_years")
    operating = kpis.get("operating_saving")
    charge = kpis.get("capital_charge")

    def note_of(part: float | None, whole: float | None, unit: str) -> str:
        if part is None or whole is None:
            return ""
        if whole <= 0:
            return _("today: {whole}").format(whole=f"{compact(whole)} {unit}")
        return _("{share} of today's {whole}").format(share=f"{part / whole:.0%}", whole=f"{compact(whole)} {unit}")

    links = results.get("links") or []
    links_new = sum(
        1
        for link in links
        if not link.get("existing") and not link.get("on_site") and (link.get("capex") or delivered(link))
    )
    processes_new = sum(1 for p in results.get("processes") or [] if p.get("built") and not p.get("existing"))
    what = [ngettext("{n} link", "{n} links", links_new).format(n=links_new)]
    if processes_new:
        what.append(ngettext("{n} process", "{n} processes", processes_new).format(n=processes_new))
    cards = [
        (
            "saving",
            _("annual saving"),
            f"{compact(savings.get('total_cost'))} {currency}/{_('yr')}",
            note_of(savings.get("total_cost"), status_quo.get("total_cost"), f"{currency}/{_('yr')}"),
        ),
        (
            "co2",
            _("CO2 avoided"),
            f"{compact(savings.get('emissions'))} tCO2/{_('yr')}",
            note_of(savings.get("emissions"), status_quo.get("emissions"), f"tCO2/{_('yr')}"),
        ),
        ("capex", _("investment"), f"{compact(capex)} {currency}", join(what) if capex else _("none")),
        (
            "payback",
            _("simple payback"),
            years(payback) if capex else "–",
            _("investment / operating saving of {amount}").format(amount=f"{compact(operating)} {currency}/{_('yr')}")
            if payback is not None
            else (_("its savings do not pay it back") if capex else _("nothing to pay back")),
        ),
    ]
    if kpis.get("market_revenue") or status_quo.get("market_revenue"):
        before = status_quo.get("market_revenue") or 0.0
        cards.append(
            (
                "sales",
                _("sales to markets"),
                f"{compact(kpis.get('market_revenue') or 0.0)} {currency}/{_('yr')}",
                _("status quo {amount}").format(amount=compact(before) if before else _("none")),
            )
        )
    parts = [
        f"<p class='lede'>{html.escape(_sentence(results, items))}</p>",
        "<div class='cards'>"
        + "".join(
            f"<div class='card' data-card='{key}'><div class='label'>{html.escape(label)}</div>"
            f"<div class='value'>{html.escape(value)}</div><div class='note'>{html.escape(note)}</div></div>"
            for key, label, value, note in cards
        )
        + "</div>",
    ]
    if capex and charge is not None and savings.get("total_cost") is not None:
        rate = (results.get("assumptions") or {}).get("discount_rate")
        parts.append(
            "<p class='callout' id='payback-note'>"
            + html.escape(
                _(
                    "Simple payback = investment / operating saving. The operating saving is the annual saving "
                    "against the status quo before the capital charge: {saving} saved + {charge} of capital charge "
                    "(each new asset's capex times its capital recovery factor at a {rate} discount rate over its "
                    "lifetime) = {operating} a year. O&M stays a cost; no carbon price is counted."
                ).format(
                    saving=_money(savings["total_cost"], currency),
                    charge=_money(charge, currency),
                    rate="–" if rate is None else f"{rate:.0%}",
                    operating=_money(operating, currency),
                )
            )
            + "</p>"
        )
    if kpis.get("carbon_cost"):
        price = (results.get("assumptions") or {}).get("carbon_price")
        parts.append(
            "<p class='callout' id='two-costs'>"
            + html.escape(
                _(
                    "Two costs: the park pays a total cost of {total} a year; the optimiser's objective, {objective}, "
                    "adds the carbon price{price} on the {emissions} tCO2 the plan still emits ({carbon}). Savings and "
                    "payback use the total cost."
                ).format(
                    total=_money(kpis.get("total_cost"), currency),
                    objective=_money((kpis.get("total_cost") or 0.0) + kpis["carbon_cost"], currency),
                    price="" if not price else f" ({fmt(price)} {currency}/tCO2)",
                    emissions=fmt(kpis.get("emissions")),
                    carbon=_money(kpis["carbon_cost"], currency),
                )
            )
            + "</p>"
        )
    parts.append(f"<h3>{html.escape(_('What to build'))}</h3>")
    if items:
        parts.append(_build_table(results, items))
    else:
        parts.append(f"<p class='muted'>{html.escape(_('Nothing new is built.'))}</p>")
    idle = _idle_contracts(results)
    if idle:
        parts.append(
            f"<h3>{html.escape(_('Existing contracts the plan leaves idle'))}</h3><ul>"
            + "".join(f"<li>{html.escape(name)}</li>" for name in idle)
            + "</ul>"
        )
    return "".join(parts)


def _build_table(results: dict[str, Any], items: list[dict[str, Any]]) -> str:
    currency = _currency(results)
    kpis = results.get("kpis") or {}
    saving = (kpis.get("savings") or {}).get("total_cost")
    co2 = (kpis.get("savings") or {}).get("emissions")
    columns = [
        Column(_("what to build"), wide=True),
        Column(_("how")),
        Column(_("capex ({currency})").format(currency=currency), "number", total=True),
        Column(_("annual saving ({currency}/yr)").format(currency=currency), "number", total=True),
        Column(_("payback (years)"), "years"),
        Column(_("CO2 avoided (tCO2/yr)"), "number", total=True),
    ]
    rows = [
        [
            (item["name"], "; ".join(item["parts"])) if item["parts"] else item["name"],
            item["how"],
            item["capex"],
            item["saving"],
            item["payback"],
            item["co2"],
        ]
        for item in items
    ]
    table = data_table(
        columns, rows, table_id="build-table", totals_label=_("all new links and processes"), search=len(rows) > 8
    )
    # How the items add up to the plan's saving: existing links run differently than today make the rest.
    built_saving = sum(item["saving"] or 0.0 for item in items)
    built_co2 = sum(item["co2"] or 0.0 for item in items)
    lines = []
    for item in items:
        if item["parts"]:
            lines.append(f"<li><b>{html.escape(item['name'])}</b>: " + html.escape("; ".join(item["parts"])) + "</li>")
    parts_note = (
        (
            f"<p class='muted'>{html.escape(_('A new process is listed with the links it needs:'))}</p>"
            f"<ul class='muted'>{''.join(lines)}</ul>"
        )
        if lines
        else ""
    )
    rest = ""
    if saving is not None and co2 is not None:
        rest = table_html(
            ["", _("annual saving ({currency}/yr)").format(currency=currency), _("CO2 avoided (tCO2/yr)")],
            [
                [_("new links and processes"), built_saving, built_co2],
                [_("existing links and processes, run differently than today"), saving - built_saving, co2 - built_co2],
                [_("the plan against the status quo"), saving, co2],
            ],
            digits={1: 0, 2: 0},
        )
        rest = (
            f"<p class='muted'>{html.escape(_('How the items add up to the plan: each saves what it avoids at its ends less its own costs (capital charge and O&M included); existing links that carry more or less than today make the rest.'))}</p>"
            + rest
        )
    return table + parts_note + rest


def _gap(results: dict[str, Any]) -> str:
    """The gap, or why there is none: a feasible plan without a proven bound has an unknown gap."""
    if results.get("gap") is None and results.get("status") == "feasible":
        return _("unknown: a limit stopped the solver before it proved a bound")
    return share(results.get("gap"))


# --- key figures, cost chart --------------------------------------------------------------------


def cost_figure(results: dict[str, Any]) -> go.Figure:
    """Annual cost of the plan by component, beside the status quo's (split too when known)."""
    kpis = results.get("kpis") or {}
    status_quo = kpis.get("baseline") or {}
    currency = _currency(results)
    figure = go.Figure()
    rows = [_("status quo"), _("plan")]
    # Parts that are 0 in both (no steam, no processes, no markets) stay out of the legend.
    parts = [
        part
        for part in (*_COST_PARTS, _REVENUE)
        if part[0] not in ("drive_cost", "process_cost", "market_revenue")
        or kpis.get(part[0])
        or status_quo.get(part[0])
    ]
    status_quo_split = all(key in status_quo for key, _label, _colour in parts)
    for key, label, colour in parts:
        sign = -1.0 if key == "market_revenue" else 1.0
        values = [
            sign * status_quo[key] if status_quo_split and status_quo.get(key) is not None else None,
            None if kpis.get(key) is None else sign * kpis[key],
        ]
        name = _(label)
        figure.add_trace(
            go.Bar(
                y=rows,
                x=values,
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate=f"{html.escape(name)}: %{{x:,.0f}} {currency}/{_('yr')}<extra>%{{y}}</extra>",
            )
        )
    if not status_quo_split and status_quo.get("total_cost") is not None:
        figure.add_trace(
            go.Bar(
                y=[rows[0]],
                x=[status_quo["total_cost"]],
                name=_("status quo, total"),
                orientation="h",
                marker={"color": "#d5d8dc", "line": {"color": "#566573", "width": 1}},
                hovertemplate=f"%{{x:,.0f}} {currency}/{_('yr')}<extra>{html.escape(rows[0])}</extra>",
            )
        )
    title = _("Annual cost ({currency}/yr, before carbon cost)").format(currency=currency)
    if _REVENUE in parts:
        title = _("Annual cost ({currency}/yr, before carbon cost; sales to markets below 0)").format(currency=currency)
    figure.update_layout(
        barmode="relative",
        height=320,
        margin={"l": 90, "r": 20, "t": 40, "b": 40},
        title={"text": title, "x": 0.01, "xanchor": "left"},
        font={"family": FONT_STACK, "size": 12},
        legend={"traceorder": "normal"},
        xaxis={"tickformat": "~s", "gridcolor": "#e3e7ec"},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure


_COST_NARROW = {
    "legend.orientation": "h",
    "legend.x": 0,
    "legend.y": -0.15,
    "legend.xanchor": "left",
    "legend.yanchor": "top",
    "height": 560,
    "margin.l": 70,
    "margin.t": 10,
    "margin.b": 20,
    "title.text": "",
}
"""The cost chart on a phone: the legend under the bars, which keep the width; the title stays the section's."""


def _kpi_table(results: dict[str, Any]) -> str:
    kpis = results.get("kpis") or {}
    status_quo = kpis.get("baseline") or {}
    currency = _currency(results)
    per_year = f"{currency}/{_('yr')}"

    def row(label: str, key: str, unit: str, base: float | None) -> list[Any]:
        plan = kpis.get(key)
        change = None if plan is None or base is None else plan - base
        return [label, unit, plan, base, change]

    rows = [
        row(_("total cost"), "total_cost", per_year, status_quo.get("total_cost")),
        row(_("emissions"), "emissions", f"tCO2/{_('yr')}", status_quo.get("emissions")),
        row(
            _("capex of new links and processes") if results.get("processes") else _("capex of new links"),
            "capex",
            currency,
            status_quo.get("capex", 0.0),
        ),
        row(_("annualised capex + O&M"), "annualized_capex", per_year, status_quo.get("annualized_capex", 0.0)),
        row(_("carbon cost"), "carbon_cost", per_year, status_quo.get("carbon_cost")),
        row(
            _("heat-pump and pumping electricity"),
            "electricity_mwh",
            f"MWh/{_('yr')}",
            status_quo.get("electricity_mwh"),
        ),
    ]
    optional = (
        (_("sales to markets"), "market_revenue", per_year),
        (_("running processes"), "process_cost", per_year),
        (_("steam driving absorption heat pumps"), "drive_mwh", f"MWh/{_('yr')}"),
        (_("cost of that steam"), "drive_cost", per_year),
        (_("processes built"), "processes_built", ""),
    )
    rows += [
        row(label, key, unit, status_quo.get(key))
        for label, key, unit in optional
        if kpis.get(key) or status_quo.get(key)
    ]
    table = table_html([_("KPI"), _("unit"), _("plan"), _("status quo"), _("plan − status quo")], rows)
    shares = kpis.get("utilization") or {}
    base_shares = status_quo.get("utilization") or {}
    colours = resource_colours(results)
    use_rows = []
    for resource, value in shares.items():
        base = base_shares.get(resource)
        swatch = f"<span class='swatch' style='background:{colours.get(resource, '#7f7f7f')}'></span>"
        use_rows.append(
            f"<tr><td>{swatch}{html.escape(resource_label(resource))}</td><td class='num'>{share(value)}</td>"
            f"<td class='num'>{share(base)}</td><td><div class='bar'><div style='width:{value * 100:.1f}%;"
            f"background:{colours.get(resource, '#7f7f7f')}'></div></div></td></tr>"
        )
    utilisation = (
        (
            f"<div class='table'><table><thead><tr><th>{html.escape(_('resource'))}</th>"
            f"<th>{html.escape(_('used in the plan'))}</th><th>{html.escape(_('status quo'))}</th>"
            f"<th></th></tr></thead><tbody>{''.join(use_rows)}</tbody></table></div>"
        )
        if use_rows
        else ""
    )
    note = (
        (
            ""
            if base_shares
            else f"<p class='muted'>{html.escape(_('Utilisation of the status quo is not in this results folder; it uses only existing links.'))}</p>"
        )
        if use_rows
        else ""
    )
    heading = html.escape(_("Utilisation: share of each by-product supply that is used"))
    return f"{table}<h3>{heading}</h3>{utilisation}{note}"


# --- the links ------------------------------------------------------------------------------------


def _link_table(results: dict[str, Any]) -> str:
    links = sorted(
        results.get("links") or [],
        key=lambda link: (resource_label(link["resource"]), -(link.get("net_saving") or 0.0)),
    )
    if not links:
        return f"<p class='muted'>{html.escape(_('No link is built or existing in this plan.'))}</p>"
    scale, money = money_unit(_currency(results))
    namer = Namer(results)
    per_year = f"{money}/{_('yr')}"
    columns = [
        Column(_("link"), wide=True),
        Column(_("resource"), choose=True),
        Column(_("by")),
        Column(_("state"), choose=True),
        Column(_("km"), "number", digits=1),
        Column(_("delivered per year"), "amount", total=True),
        Column(_("capacity per hour"), "amount", digits=1),
        Column(_("capex ({unit})").format(unit=money), "number", total=True, scale=scale),
        Column(_("avoided at the source ({unit})").format(unit=per_year), "number", total=True, scale=scale),
        Column(_("avoided at the sink ({unit})").format(unit=per_year), "number", total=True, scale=scale),
        Column(_("own costs ({unit})").format(unit=per_year), "number", total=True, scale=scale),
        Column(_("net saving ({unit})").format(unit=per_year), "number", total=True, scale=scale),
        Column(_("payback (years)"), "years"),
        Column(_("CO2 avoided (tCO2/yr)"), "number", total=True),
    ]
    rows = []
    for link in links:
        unit = unit_of(results, link["resource"])
        rate_unit = "MW" if unit == "MWh" else f"{unit}/h"
        at_source = (
            None
            if link.get("avoided_disposal") is None
            else (link["avoided_disposal"] - (link.get("caused_disposal") or 0.0))
        )
        at_sink = (
            None
            if link.get("avoided_supply") is None
            else (link["avoided_supply"] + (link.get("market_revenue") or 0.0))
        )
        state = _("existing") if link.get("existing") else (_("on site") if link.get("on_site") else _("new"))
        route = namer.end(link, "to") if link.get("on_site") else f"{namer.end(link, 'from')} → {namer.end(link, 'to')}"
        rows.append(
            [
                route,
                resource_label(link["resource"]),
                link_how(link),
                state,
                link.get("length_km"),
                (delivered(link), unit),
                (capacity_delivered(link), rate_unit),
                link.get("capex"),
                at_source,
                at_sink,
                link.get("annual_cost"),
                link.get("net_saving"),
                link.get("payback_years"),
                link.get("co2_avoided", link.get("emissions")),
            ]
        )
    note = html.escape(
        _(
            "Money in {unit}. Avoided at the source: the disposal the link spares its supplier, less the disposal of a "
            "process's outputs that it causes. Avoided at the sink: the conventional supply it replaces, or its sales "
            "to a market. Own costs: capital charge and O&M of a new link, transport and operation, electricity, steam, "
            "the receiving process's running costs. Net saving = avoided − own costs. Payback = capex / (net saving + "
            "capital charge). Amounts are delivered at the sink: a heat pump adds its drive to the heat it draws. "
            "Click a header to sort; the totals add up the rows shown."
        ).format(unit=money)
    )
    return data_table(columns, rows, table_id="link-table", totals_label=_("total of the rows shown"), note=note)


MAX_COVERAGE_CHARTS = 8
"""Heat demands drawn in the coverage chart (one row each); every demand gets its table."""
_HEAT_COLOURS = {**{name: TECHNOLOGIES[name].colour for name in HEAT_TECHNOLOGIES}, "conventional": "#abb2b9"}
_CONVENTIONAL = N_("met conventionally (boilers)")


def _heat_links(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [link for link in results.get("links") or [] if link.get("type") not in (None, "transport")]


def _degrees(start: float | None, end: float | None) -> str:
    if start is None and end is None:
        return "–"
    return f"{fmt(start)} → {fmt(end if end is not None else start)}"


def _heat_link_table(results: dict[str, Any]) -> str:
    """Every heat link: technology, the four temperatures, COP, size, heat, full-load hours and drive."""
    currency = _currency(results)
    namer = Namer(results)
    rows = []
    for link in sorted(_heat_links(results), key=lambda link: (link["to"], -delivered(link))):
        rows.append(
            [
                namer.end(link, "from"),
                namer.end(link, "to"),
                technology_label(link["type"]),
                _degrees(link.get("source_inlet_c"), link.get("source_outlet_c")),
                _degrees(link.get("sink_return_c"), link.get("sink_supply_c")),
                link.get("cop"),
                capacity_delivered(link),
                delivered(link),
                link.get("full_load_hours"),
                link.get("electricity_mwh"),
                link.get("drive_mwh"),
                link.get("annual_cost"),
                link.get("net_saving"),
            ]
        )
    return table_html(
        [
            *headings("from", "to", "technology", "source °C in → out", "sink °C return → supply"),
            "COP",
            *headings(
                "MW delivered",
                "MWh/yr delivered",
                "full-load hours",
                "electricity MWh/yr",
                "driving steam MWh/yr",
                "annual cost {currency}/yr",
                "net saving {currency}/yr",
                currency=currency,
            ),
        ],
        rows,
        digits={5: 2, 6: 1, 7: 0, 8: 0, 9: 0, 10: 0, 11: 0, 12: 0},
    )


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
        into = [
            link
            for link in _heat_links(results)
            + [link for link in results.get("links") or [] if link.get("type") in (None, "transport")]
            if link["resource"] == row["resource"]
            and (link.get("to_stream") == path if link.get("to_stream") else link["to"] == enterprise)
        ]
        slices = []
        for period in periods:
            by: dict[str, float] = {}
            for link in into:
                kind = link.get("type") or "transport"
                by[kind] = by.get(kind, 0.0) + ((link.get("delivered") or {}).get(period) or 0.0)
            conventional = row["amount"].get(period) or 0.0
            linked = sum(by.values())
            slices.append(
                {
                    "period": period,
                    "hours": hours.get(period),
                    "demand": linked + conventional,
                    "by": by,
                    "links": linked,
                    "conventional": conventional,
                    "peak": False,
                }
            )
        rates = [s["demand"] / s["hours"] if s["hours"] else 0.0 for s in slices]
        top = max(rates, default=0.0)
        if len(rates) > 1 and top > 0 and sum(rate > top / 1.001 for rate in rates) == 1:  # flat: no peak
            slices[rates.index(top)]["peak"] = True
        out.append(
            {"enterprise": enterprise, "stream": stream, "name": names.get(enterprise, enterprise), "periods": slices}
        )
    return out


def coverage_figure(coverage: list[dict[str, Any]], what: str = "time slice") -> go.Figure:
    """Mean heat rate (MW) of each heat demand in each period, stacked by technology and conventional supply.

    One row per demand (`heat_coverage`), periods along x labelled with their hours.
    """
    figure = make_subplots(
        rows=len(coverage),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12 / max(len(coverage), 1),
        subplot_titles=[demand["name"] for demand in coverage],
    )
    shown: set[str] = set()
    for row, demand in enumerate(coverage, start=1):
        slices = demand["periods"]
        labels = [f"{_period_name(s)}<br>{fmt(s['hours'])} h" for s in slices]
        kinds = [k for k in _HEAT_COLOURS if k != "conventional" and any(s["by"].get(k) for s in slices)]
        kinds += sorted({k for s in slices for k, v in s["by"].items() if v and k not in _HEAT_COLOURS})
        for kind in [*kinds, "conventional"]:
            name = _(_CONVENTIONAL) if kind == "conventional" else technology_label(kind)
            values = [
                ((s["conventional"] if kind == "conventional" else s["by"].get(kind, 0.0)) / s["hours"])
                if s["hours"]
                else 0.0
                for s in slices
            ]
            figure.add_trace(
                go.Bar(
                    x=labels,
                    y=values,
                    name=name,
                    legendgroup=kind,
                    showlegend=kind not in shown,
                    marker_color=_HEAT_COLOURS.get(kind, "#7f8c8d"),
                    hovertemplate="%{y:,.1f} MW<extra>" + html.escape(name) + "</extra>",
                ),
                row=row,
                col=1,
            )
            shown.add(kind)
        figure.update_yaxes(title_text="MW", gridcolor="#e3e7ec", row=row, col=1)
    figure.update_layout(
        barmode="stack",
        height=120 + 250 * len(coverage),
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        title={
            "text": _("Heat demand by {what}: mean MW over its hours, by technology").format(what=what),
            "x": 0.01,
            "xanchor": "left",
        },
        font={"family": FONT_STACK, "size": 12},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure


def _period_name(period: dict[str, Any]) -> str:
    """A period's name, marked when it is the peak (a slice named ``...-peak`` says so itself)."""
    name = str(period["period"])
    return _("{period} (peak)").format(period=name) if period["peak"] and "peak" not in name else name


def _heat_section(results: dict[str, Any]) -> str:
    parts = []
    if _heat_links(results):
        parts.append(_heat_link_table(results))
        parts.append(
            "<p class='muted'>"
            + html.escape(
                _(
                    "Capacity is the heat the link delivers at full load; full-load hours are the year's heat over it. "
                    "Temperatures: the source cooled from its inlet to its outlet, the sink's water heated from its return "
                    "to its supply temperature."
                )
            )
            + "</p>"
        )
    coverage = heat_coverage(results)
    slices = bool(results.get("time_series"))
    what = _("time slice") if slices else _("period")
    if slices and coverage:  # with time slices the peak is the point: a chart; seasons need only the tables
        parts.append(
            _figure_html(
                coverage_figure(coverage[:MAX_COVERAGE_CHARTS], what),
                "coverage-chart",
                narrow={"legend.orientation": "h", "legend.y": -0.08, "legend.yanchor": "top"},
            )
        )
    for demand in coverage:
        parts.append(
            f"<h3>{html.escape(_('{name}: heat demand by {what}').format(name=demand['name'], what=what))}</h3>"
        )
        rows = [
            [
                _period_name(s),
                s["hours"],
                s["demand"],
                s["demand"] / s["hours"] if s["hours"] else None,
                s["links"],
                s["conventional"],
                s["links"] / s["demand"] if s["demand"] else None,
            ]
            for s in demand["periods"]
        ]
        total = sum(s["demand"] for s in demand["periods"])
        linked = sum(s["links"] for s in demand["periods"])
        year_hours = sum(s["hours"] or 0 for s in demand["periods"])
        if len(rows) > 1:
            rows.append(
                [
                    _("year"),
                    year_hours,
                    total,
                    total / year_hours if year_hours else None,
                    linked,
                    total - linked,
                    linked / total if total else None,
                ]
            )
        parts.append(
            table_html(
                [
                    what,
                    *headings(
                        "hours",
                        "demand (MWh)",
                        "mean demand (MW)",
                        "delivered by links (MWh)",
                        "met conventionally (MWh)",
                        "share by links",
                    ),
                ],
                rows,
                digits={1: 0, 2: 0, 3: 1, 4: 0, 5: 0},
                shares={6},
            )
        )
    return "".join(parts)


def _process_table(results: dict[str, Any]) -> str:
    currency = _currency(results)
    namer = Namer(results)
    rows = []
    for process in results.get("processes") or []:
        unit = unit_of(results, process["resource"])
        if process.get("existing"):
            state = _("existing")
        else:
            state = _("built") if process.get("built") else _("candidate, not built")
        made = []
        for output in process.get("outputs") or []:
            made_amount = sum((output.get("amount") or {}).values())
            taken = sum((output.get("taken") or {}).values())
            out_unit = unit_of(results, output["resource"])
            rest = made_amount - taken
            made.append(
                f"{resource_label(output['resource'])} {fmt(made_amount)} {out_unit}"
                + (
                    " " + _("({amount} disposed of)").format(amount=f"{fmt(rest)} {out_unit}")
                    if rest > 1e-6 * max(made_amount, 1.0)
                    else ""
                )
            )
        rows.append(
            [
                process.get("name") or process["id"],
                namer.place(process["enterprise"]),
                state,
                f"{resource_label(process['resource'])} ({unit})",
                process.get("capacity"),
                process.get("input_total"),
                "; ".join(made) if process.get("built") else "–",
                process.get("capex"),
                process.get("annual_cost"),
                process.get("emissions"),
            ]
        )
    return table_html(
        headings(
            "process",
            "at",
            "state",
            "input (unit)",
            "capacity (unit/h)",
            "input (unit/yr)",
            "outputs per year",
            "capex ({currency})",
            "annual cost ({currency}/yr)",
            "emissions (tCO2/yr)",
            currency=currency,
        ),
        rows,
        digits={4: 1, 5: 0, 7: 0, 8: 0, 9: 0},
    ) + (
        "<p class='muted'>"
        + html.escape(
            _(
                "Annual cost: annualised capex with O&M, opex and electricity per unit of input. Its running costs are "
                "counted on the links that feed it in the table of links."
            )
        )
        + "</p>"
    )


def market_sales(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per market and resource: amount sold per year, revenue per year, price and who sells (from the links)."""
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises") or []}
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for market in results.get("markets") or []:
        for resource in market.get("buys") or []:
            rows[market["id"], resource] = {
                "market": market["id"],
                "name": market.get("name") or market["id"],
                "resource": resource,
                "sold": 0.0,
                "revenue": 0.0,
                "sellers": [],
            }
    for link in results.get("links") or []:
        row = rows.get((link["to"], link["resource"]))
        if row is None:
            continue
        row["sold"] += delivered(link)
        row["revenue"] += link.get("market_revenue") or 0.0
        seller = names.get(link["from"], link["from"])
        if seller not in row["sellers"]:
            row["sellers"].append(seller)
    return list(rows.values())


def _market_table(results: dict[str, Any]) -> str:
    currency = _currency(results)
    rows = []
    sales = market_sales(results)
    for sale in sales:
        unit = unit_of(results, sale["resource"])
        rows.append(
            [
                sale["name"],
                f"{resource_label(sale['resource'])} ({unit})",
                sale["sold"],
                sale["revenue"],
                sale["revenue"] / sale["sold"] if sale["sold"] else None,
                ", ".join(sale["sellers"]) or _("nothing sold"),
            ]
        )
    rows.append([_("all markets"), "", None, sum(sale["revenue"] for sale in sales), None, ""])
    return table_html(
        headings(
            "market",
            "resource (unit)",
            "sold (unit/yr)",
            "revenue ({currency}/yr)",
            "price ({currency}/unit)",
            "sold by",
            currency=currency,
        ),
        rows,
        digits={2: 0, 3: 0, 4: 1},
    )


def _time_slice_section(results: dict[str, Any]) -> str:
    made = results.get("time_series") or {}
    slices = made.get("slices") or []
    columns = list(made.get("columns") or {})
    facts = facts_html(
        [
            (_("hourly file"), made.get("file") or "–"),
            (_("method"), made.get("method") or "–"),
            (_("slices"), str(len(slices))),
            (_("hours"), fmt(sum(s.get("hours") or 0 for s in slices))),
        ],
        verbatim=[_("method")],
    )
    slice_rows = [
        [s["name"], s.get("period"), s.get("hours"), *[(s.get("mean") or {}).get(c) for c in columns]] for s in slices
    ]
    slice_table = table_html(
        [_("slice"), _("period"), _("hours"), *[_("mean {column}").format(column=c) for c in columns]],
        slice_rows,
        digits={2: 0, **{3 + i: 3 for i in range(len(columns))}},
    )
    error_rows = [
        [c, e.get("peak"), e.get("peak_kept"), e.get("rmse"), e.get("relative_rmse")]
        for c, e in (made.get("columns") or {}).items()
    ]
    errors = table_html(
        [_("column"), _("peak in the file"), _("peak kept by the slices"), _("RMSE of the hours"), _("RMSE / mean")],
        error_rows,
        digits={1: 3, 2: 3, 3: 3},
        shares={4},
    )
    return (
        f"{facts}<h3>{html.escape(_('Slices'))}</h3>{slice_table}"
        f"<h3>{html.escape(_('Error of the aggregation per column'))}</h3>{errors}"
        "<p class='muted'>"
        + html.escape(
            _(
                "Each hour of the file is represented by its slice's mean; the error compares the hours with their "
                "slice's mean. A peak kept equal to the file's peak means plants are sized for it."
            )
        )
        + "</p>"
    )


def _messages(results: dict[str, Any]) -> str:
    parts = []
    if results.get("diagnosis"):
        parts.append(
            f"<h3>{html.escape(_('Why there is no plan'))}</h3><ul translate='no' lang='en'>"
            + "".join(f"<li>{html.escape(d)}</li>" for d in results["diagnosis"])
            + "</ul>"
        )
    warnings = results.get("warnings") or []
    if warnings and parts:
        parts.append(f"<h3>{html.escape(_('Warnings of validation'))}</h3>")
    if warnings:
        if results.get("lang", "en") != "en":
            parts.append(f"<p class='muted'>{html.escape(_('As circflow validate writes them, in English:'))}</p>")
        parts.append(
            "<ul class='warnings' translate='no' lang='en'>"
            + "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
            + "</ul>"
        )
    else:
        parts.append(f"<p class='muted'>{html.escape(_('Validation found nothing to warn about.'))}</p>")
    return "".join(parts)


# --- appendix -------------------------------------------------------------------------------------


def _facts(results: dict[str, Any]) -> str:
    currency = _currency(results)
    objective_unit = f"tCO2/{_('yr')}" if results.get("objective_name") == "emissions" else f"{currency}/{_('yr')}"
    timings = results.get("timings") or {}
    objectives = {"cost": _("cost (total cost + carbon cost)"), "emissions": _("emissions, then cost")}
    rows = [
        (_("park"), results.get("park")),
        (_("park file"), results.get("source") or "–"),
        (_("scenarios"), ", ".join(results.get("scenarios") or []) or _("none")),
        (_("objective"), objectives.get(results.get("objective_name") or "", results.get("objective_name"))),
        (_("status"), status_label(results.get("status"))),
        (
            _("objective value"),
            "–" if results.get("objective") is None else f"{fmt(results['objective'])} {objective_unit}",
        ),
        (_("optimality gap"), _gap(results)),
        (_("periods"), ", ".join(results.get("periods") or [])),
        (_("coordinates"), _("longitude/latitude (WGS84)") if results.get("crs") == "wgs84" else _("local grid, km")),
        (_("enterprises"), str(len(results.get("enterprises") or []))),
        (
            _("resources"),
            ", ".join(
                f"{resource_label(r)} ({v.get('unit', '')})" for r, v in (results.get("resources") or {}).items()
            ),
        ),
        (_("run time"), _(", ").join(f"{_(_STAGES.get(k, k))} {v:.2f} s" for k, v in timings.items()) or "–"),
        ("circflow", results.get("circflow_version")),
    ]
    return facts_html(rows)


def _assumptions(results: dict[str, Any]) -> str:
    made = results.get("assumptions") or {}
    if not made:
        return ""
    currency = made.get("currency") or _currency(results)
    rows = [
        (_("discount rate"), f"{made['discount_rate']:.1%}"),
        (_("carbon price"), f"{fmt(made.get('carbon_price'))} {currency}/tCO2"),
        (_("electricity price"), f"{fmt(made.get('electricity_price'))} {currency}/MWh"),
        (_("grid emission factor"), f"{fmt(made.get('grid_emission_factor'))} tCO2/MWh"),
        (
            _("steam for absorption heat pumps"),
            f"{fmt(made.get('steam_price'))} {currency}/MWh, {fmt(made.get('steam_emission_factor'))} tCO2/MWh",
        ),
    ]
    kinds = {"mode": _("mode"), "technology": _("heat technology"), "process": _("process")}
    namer = Namer(results)
    process_names = namer.processes
    lifetimes = []
    for entry in made.get("lifetimes") or []:
        if entry["kind"] == "mode":
            name = mode_label(entry["name"])
        elif entry["kind"] == "technology":
            name = technology_label(entry["name"])
        else:
            name = process_names.get(entry["name"], entry["name"])
        lifetimes.append(
            [
                kinds.get(entry["kind"], entry["kind"]),
                name,
                entry["lifetime_years"],
                entry["crf"],
                entry["om_fraction"],
                entry["crf"] + entry["om_fraction"],
            ]
        )
    table = table_html(
        headings(
            "kind",
            "name",
            "lifetime (years)",
            "capital recovery factor",
            "O&M per year",
            "annualised capex per unit of capex",
        ),
        lifetimes,
        digits={2: 0, 3: 4, 4: 3, 5: 4},
    )
    return (
        facts_html(rows)
        + f"<h3>{html.escape(_('Lifetimes and annualisation'))}</h3>"
        + table
        + "<p class='muted'>"
        + html.escape(
            _(
                "Annualised capex = capex × (CRF + O&M), CRF = i (1+i)^n / ((1+i)^n − 1) at the discount rate i over "
                "the lifetime n. Prices of disposal, conventional supply and markets per stream are in results.xlsx "
                "(sheet assumptions)."
            )
        )
        + "</p>"
    )


# --- the page -------------------------------------------------------------------------------------


def report_html(
    results: dict[str, Any], extra_sections: Sequence[Section] = (), *, sankey: go.Figure | dict[str, Any] | None = None
) -> str:
    """The report as one self-contained HTML page, in the results' language (``lang``).

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
    with language(results.get("lang")):
        return _report(results, extra_sections, sankey)


def _report(
    results: dict[str, Any], extra_sections: Sequence[Section], sankey: go.Figure | dict[str, Any] | None
) -> str:
    has_plan = results.get("status") in ("optimal", "feasible")
    sections: list[tuple[str, str, str]] = []
    if has_plan:
        sections.append(("summary", _("Summary"), _summary(results)))
        sections.append(("kpis", _("Key figures against the status quo"), _kpi_table(results)))
        sections.append(
            ("costs", _("Cost breakdown"), _figure_html(cost_figure(results), "cost-chart", narrow=_COST_NARROW))
        )
        flows = sankey if sankey is not None else sankey_figure_dict(results)
        sections.append(
            (
                "sankey",
                _("Flows"),
                _figure_html(flows, "sankey-chart", scroll_px=760)
                + f"<p class='muted phone-only'>{html.escape(_('Swipe the diagram sideways to see all of it.'))}</p>",
            )
        )
    network = network_map_figure_dict(results)
    sections.append(
        (
            "map",
            _("Network map"),
            _figure_html(network, "map-chart", narrow=narrow_map_layout(network))
            + map_key_html(results)
            + "<p class='muted'>"
            + html.escape(
                _(
                    "Drawn without map tiles: positions as given in the park file. Line width follows the "
                    "amount delivered per resource; dashed lines are existing links; arrows point downstream. "
                    "Hover for details."
                )
            )
            + "</p>",
        )
    )
    if has_plan:
        sections.append(("links", _("Links in the plan"), _link_table(results)))
        if _heat_links(results) or heat_coverage(results):
            sections.append(("heat", _("Heat: links, temperatures and coverage"), _heat_section(results)))
        if results.get("processes"):
            sections.append(("processes", _("Processes"), _process_table(results)))
        if results.get("markets"):
            sections.append(("markets", _("Sales to markets"), _market_table(results)))
    if results.get("time_series"):
        sections.append(("slices", _("Time slices: how the periods were made"), _time_slice_section(results)))
    if has_plan:
        from circflow.exports.robustness import robustness_section  # it builds on this module

        sections.append(robustness_section(results))
    sections.append(("warnings", _("Warnings and diagnosis"), _messages(results)))
    for number, extra in enumerate(extra_sections, start=1):
        body = extra.html + "".join(_figure_html(f, f"extra-{number}-chart-{i}") for i, f in enumerate(extra.figures))
        sections.append((f"extra-{number}", extra.title, body))
    sections.append(
        (
            "appendix",
            _("Appendix: the run and its assumptions"),
            f"<h3>{html.escape(_('The run'))}</h3>{_facts(results)}"
            f"<h3>{html.escape(_('Assumptions behind the money'))}</h3>{_assumptions(results)}",
        )
    )
    lede = (
        ""
        if has_plan
        else (
            "<div class='alert'>"
            + html.escape(
                _("No plan: the run ended with status {status}. See the diagnosis below.").format(
                    status=status_label(results.get("status"))
                )
            )
            + "</div>"
        )
    )
    nav = " · ".join(f"<a href='#{key}'>{html.escape(title)}</a>" for key, title, _content in sections)
    body = "".join(
        f"<section id='{key}'{' class=print-break' if key == 'appendix' else ''}>"
        f"<h2>{html.escape(title)}</h2>{content}</section>"
        for key, title, content in sections
    )
    scenarios = results.get("scenarios") or []
    kicker = _("industrial symbiosis plan")
    if scenarios:
        kicker += " · " + _("scenarios: {names}").format(names=", ".join(scenarios))
    footer = html.escape(
        _(
            "Written by circflow {version} from results.json. Costs are per year unless named capex; the status quo is "
            "the same park with only its existing links."
        ).format(version=results.get("circflow_version") or "")
    )
    title, main = _("{park}: circflow report"), f"{lede}<nav>{nav}</nav>{body}"
    return results_page(results, title, main, kicker=kicker, plotly_js="inline", footer=footer)


def write_report(
    path: str | pathlib.Path,
    results: dict[str, Any],
    extra_sections: Sequence[Section] = (),
    *,
    sankey: go.Figure | dict[str, Any] | None = None,
) -> pathlib.Path:
    """Write `report_html` to ``path`` (UTF-8) and return the path."""
    path = pathlib.Path(path)
    path.write_text(report_html(results, extra_sections, sankey=sankey), encoding="utf-8")
    return path
