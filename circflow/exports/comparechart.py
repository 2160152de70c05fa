"""The pages of a comparison of retrofit plans: ``compare.html`` and ``compare.xlsx``.

An export stage: ``results -> exports`` (for `circflow.comparison`). Each run is the content of
its ``results.json``; the first is the reference (the base park). The page reads like the
report: the park's name, money in its currency per year, the status quo as the first line of
every table and a dashed line on every chart, each plan against the reference in words (what
it saves or costs, the links and processes it adds or drops, by name), then charts of cost,
emissions and investment whose axes start at zero. plotly.js is read from ``plotly.min.js``
beside the page (`circflow.exports.page.write_plotly_js`), once for the folder.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
from plotly.subplots import make_subplots

from circflow.exports.labels import Namer, status_label
from circflow.exports.page import Column, chart_html, data_table, results_page
from circflow.exports.workbook import Table
from circflow.i18n import FONT_STACK, N_, _, compact, join, language, ngettext

STATUS_QUO = N_("status quo")


def _has_plan(run: dict[str, Any]) -> bool:
    return run.get("status") in ("optimal", "feasible")


def _link_names(run: dict[str, Any]) -> dict[str, str]:
    namer = Namer(run)
    return {link["id"]: namer.link(link) for link in run.get("links") or []}


def differences(reference: dict[str, Any], run: dict[str, Any]) -> dict[str, list[str]]:
    """What a run builds that the reference does not (``added``), and the reverse (``removed``), by name:
    links (new ones, and today's links it stops using) and processes."""
    ours, theirs = _link_names(run), _link_names(reference)
    used = {link["id"] for link in run.get("links") or [] if _carries(link)}
    used_before = {link["id"] for link in reference.get("links") or [] if _carries(link)}
    added = [ours[key] for key in ours if key in used and key not in used_before]
    removed = [theirs[key] for key in theirs if key in used_before and key not in used]
    built = {p["id"]: p.get("name") or p["id"] for p in run.get("processes") or [] if p.get("built")}
    built_before = {p["id"]: p.get("name") or p["id"] for p in reference.get("processes") or [] if p.get("built")}
    added += [_("process {name}").format(name=name) for key, name in built.items() if key not in built_before]
    removed += [_("process {name}").format(name=name) for key, name in built_before.items() if key not in built]
    return {"added": sorted(added), "removed": sorted(removed)}


def _carries(link: dict[str, Any]) -> bool:
    total = link.get("delivered_total")
    return (sum((link.get("delivered") or {}).values()) if total is None else total) > 1e-9


def _rows(runs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per run, the status quo of the first run before them."""
    rows = []
    first = next(iter(runs.values()), {})
    status_quo = (first.get("kpis") or {}).get("baseline") or {}
    if status_quo:
        rows.append(
            {
                "name": _(STATUS_QUO),
                "status": "",
                "total_cost": status_quo.get("total_cost"),
                "emissions": status_quo.get("emissions"),
                "capex": 0.0,
                "saving": 0.0,
                "co2": 0.0,
                "payback": None,
                "links": None,
                "reference": True,
            }
        )
    for name, run in runs.items():
        kpis = run.get("kpis") or {}
        plan = _has_plan(run)
        rows.append(
            {
                "name": name,
                "status": status_label(run.get("status")),
                "total_cost": kpis.get("total_cost") if plan else None,
                "emissions": kpis.get("emissions") if plan else None,
                "capex": kpis.get("capex") if plan else None,
                "saving": (kpis.get("savings") or {}).get("total_cost") if plan else None,
                "co2": (kpis.get("savings") or {}).get("emissions") if plan else None,
                "payback": kpis.get("payback_years") if plan else None,
                "links": run.get("links_built", len(run.get("links") or [])) if plan else None,
                "reference": False,
            }
        )
    return rows


def comparison_figure(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Bars of total cost, emissions and investment per run (the status quo first, and dashed across)."""
    rows = [row for row in _rows(runs) if row["total_cost"] is not None]
    currency = (next(iter(runs.values()), {}) or {}).get("currency") or "CNY"
    names = [row["name"] for row in rows]
    colours = ["#abb2b9" if row["reference"] else "#1b4f72" for row in rows]
    figure = make_subplots(
        rows=1,
        cols=3,
        horizontal_spacing=0.08,
        subplot_titles=(
            _("total cost ({currency}/yr)").format(currency=currency),
            _("emissions (tCO2/yr)"),
            _("investment ({currency})").format(currency=currency),
        ),
    )
    for column, key in enumerate(("total_cost", "emissions", "capex"), start=1):
        values = [row[key] for row in rows]
        figure.add_bar(
            x=names,
            y=values,
            marker_color=colours,
            showlegend=False,
            row=1,
            col=column,
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
        reference = rows[0][key] if rows and rows[0]["reference"] and key != "capex" else None
        if reference is not None:
            figure.add_hline(
                y=reference,
                line_dash="dash",
                line_color="#566573",
                row=1,
                col=column,
                annotation_text=_(STATUS_QUO),
                annotation_position="top left",
            )
        figure.update_yaxes(rangemode="tozero", tickformat="~s", gridcolor="#e3e7ec", row=1, col=column)
    figure.update_layout(
        height=420,
        margin={"l": 60, "r": 20, "t": 60, "b": 90},
        plot_bgcolor="white",
        paper_bgcolor="white",
        font={"family": FONT_STACK, "size": 12},
        bargap=0.35,
    )
    return figure.to_plotly_json()


def compare_page(runs: dict[str, dict[str, Any]], run_pages: bool = False) -> str:
    """``compare.html``: the park's plans side by side, the status quo as the reference (see the module)."""
    first = next(iter(runs.values()), {})
    with language(first.get("lang")):
        return _page(runs, run_pages)


def _page(runs: dict[str, dict[str, Any]], run_pages: bool) -> str:
    first = next(iter(runs.values()), {})
    currency = first.get("currency") or "CNY"
    per_year = f"{currency}/{_('yr')}"
    reference_name = next(iter(runs), "")
    rows = _rows(runs)
    columns = [
        Column(_("plan"), wide=True),
        Column(_("status")),
        Column(_("total cost ({unit})").format(unit=per_year), "number"),
        Column(_("emissions (tCO2/yr)"), "number"),
        Column(_("investment ({currency})").format(currency=currency), "number"),
        Column(_("saving against the status quo ({unit})").format(unit=per_year), "number"),
        Column(_("CO2 avoided (tCO2/yr)"), "number"),
        Column(_("payback (years)"), "years"),
        Column(_("links"), "number"),
    ]
    table = data_table(
        columns,
        [
            [
                row["name"],
                row["status"],
                row["total_cost"],
                row["emissions"],
                row["capex"],
                row["saving"],
                row["co2"],
                row["payback"],
                row["links"],
            ]
            for row in rows
        ],
        table_id="compare-table",
        search=False,
    )
    words = []
    reference = runs.get(reference_name, {})
    for name, run in list(runs.items())[1:]:
        words.append(f"<h3>{html.escape(name)}</h3>" + _against(name, run, reference_name, reference, currency))
    charts = (
        chart_html(comparison_figure(runs), "compare-chart", narrow={"height": 900, "margin.b": 120})
        if any(_has_plan(r) for r in runs.values())
        else ""
    )
    folders = (
        "<p class='muted'>"
        + html.escape(
            _("Each plan's own report is in its folder: {folders}.").format(
                folders=", ".join(f"{name}/report.html" for name in runs)
            )
            if run_pages
            else _(
                "Each plan's results are in its folder; circflow report FOLDER writes its report, or run compare with "
                "--pages."
            )
        )
        + "</p>"
    )
    body = (
        f"<p class='lede'>{html.escape(_summary_sentence(runs, currency))}</p>"
        f"<section id='plans'><h2>{html.escape(_('The plans'))}</h2>{table}"
        f"<p class='muted'>{html.escape(_('Money per year unless named investment; the status quo is the park with only its existing links, before any plan.'))}</p></section>"
        f"<section id='differences'><h2>{html.escape(_('What each plan changes against {name}').format(name=reference_name))}</h2>"
        f"{''.join(words) or html.escape(_('Only one plan.'))}</section>"
        f"<section id='charts'><h2>{html.escape(_('Cost, emissions and investment'))}</h2>{charts}</section>"
        f"{folders}"
    )
    return results_page(first, _("{park}: plans compared"), body, kicker=_("retrofit plans compared"), plotly_js="file")


def _against(name: str, run: dict[str, Any], reference_name: str, reference: dict[str, Any], currency: str) -> str:
    if not _has_plan(run):
        return (
            "<p>"
            + html.escape(
                _("No plan: the run ended with status {status}.").format(status=status_label(run.get("status")))
            )
            + "</p>"
        )
    if not _has_plan(reference):
        return ""
    kpis, base = run.get("kpis") or {}, reference.get("kpis") or {}
    cost = (kpis.get("total_cost") or 0.0) - (base.get("total_cost") or 0.0)
    emitted = (kpis.get("emissions") or 0.0) - (base.get("emissions") or 0.0)
    capex = (kpis.get("capex") or 0.0) - (base.get("capex") or 0.0)
    parts = [
        (_("costs {amount} a year more") if cost > 0 else _("costs {amount} a year less")).format(
            amount=f"{compact(abs(cost))} {currency}"
        ),
        (_("emits {amount} tCO2 a year more") if emitted > 0 else _("emits {amount} tCO2 a year less")).format(
            amount=compact(abs(emitted))
        ),
        (_("invests {amount} more") if capex > 0 else _("invests {amount} less")).format(
            amount=f"{compact(abs(capex))} {currency}"
        ),
    ]
    text = _("Against {reference}, {name} {changes}.").format(reference=reference_name, name=name, changes=join(parts))
    change = differences(reference, run)
    lists = ""
    for key, label in (("added", _("adds")), ("removed", _("drops"))):
        if change[key]:
            lists += (
                f"<p><b>{html.escape(label)}</b> ({len(change[key])})</p><ul>"
                + "".join(f"<li>{html.escape(item)}</li>" for item in change[key])
                + "</ul>"
            )
    if not lists:
        lists = "<p class='muted'>" + html.escape(_("The same links and processes.")) + "</p>"
    return f"<p>{html.escape(text)}</p>{lists}"


def _summary_sentence(runs: dict[str, dict[str, Any]], currency: str) -> str:
    solved = {name: run for name, run in runs.items() if _has_plan(run)}
    if not solved:
        return _("No plan was found.")
    cheapest = min(solved, key=lambda name: solved[name]["kpis"]["total_cost"])
    cleanest = min(solved, key=lambda name: solved[name]["kpis"]["emissions"])
    count = ngettext("{n} plan", "{n} plans", len(runs)).format(n=len(runs))
    if cheapest == cleanest:
        return _(
            "Of {count}, {name} is both the cheapest ({cost} a year) and the cleanest ({emissions} tCO2 a year)."
        ).format(
            count=count,
            name=cheapest,
            cost=f"{compact(solved[cheapest]['kpis']['total_cost'])} {currency}",
            emissions=compact(solved[cleanest]["kpis"]["emissions"]),
        )
    return _(
        "Of {count}, {cheapest} is the cheapest ({cost} a year) and {cleanest} the cleanest ({emissions} tCO2 a year)."
    ).format(
        count=count,
        cheapest=cheapest,
        cost=f"{compact(solved[cheapest]['kpis']['total_cost'])} {currency}",
        cleanest=cleanest,
        emissions=compact(solved[cleanest]["kpis"]["emissions"]),
    )


def compare_workbook_tables(table: pd.DataFrame, runs: dict[str, dict[str, Any]]) -> dict[str, Table]:
    """``compare.xlsx``: the comparison table (the columns of ``compare.csv``, numbers with separators and no
    exponents), and a sheet naming what each plan adds or drops against the first."""
    first = next(iter(runs.values()), {})
    with language(first.get("lang")):
        rows = []
        names = list(runs)
        for name in names[1:]:
            change = differences(runs[names[0]], runs[name])
            rows += [[name, _("adds"), item] for item in change["added"]]
            rows += [[name, _("drops"), item] for item in change["removed"]]
        changes = pd.DataFrame(rows, columns=[_("plan"), _("change"), _("link or process")])
        return {"compare": Table(table), "differences": Table(changes)}
