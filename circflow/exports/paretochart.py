"""The page of a cost-emissions Pareto front: ``pareto.html``.

An export stage: ``results -> exports`` (for `circflow.pareto`). Each point is the content of
its ``results.json``, cheapest first. The page reads like the report: the park's name; the
front with the status quo as a reference point, on axes that start at zero so that a front
spanning 0.4 % of the emissions looks as flat as it is; and a table of the points with what
each further tonne of CO2 costs between neighbours, the marginal abatement cost in money per
tCO2, and the links each point adds or drops against the previous one, by name. plotly.js is
read from ``plotly.min.js`` beside the page, once for the folder.
"""

from __future__ import annotations

import html
import math
from typing import Any

from circflow.exports.comparechart import differences
from circflow.exports.page import Column, chart_html, data_table, results_page
from circflow.i18n import FONT_STACK, _, compact, language


def abatement(points: list[dict[str, Any]]) -> list[float | None]:
    """The marginal abatement cost of each point against the previous one: extra total cost per tonne of
    CO2 less, money/tCO2 (None for the first point, or when emissions do not fall).

    >>> abatement([{"kpis": {"total_cost": 100.0, "emissions": 50.0}},
    ...            {"kpis": {"total_cost": 160.0, "emissions": 40.0}}])
    [None, 6.0]
    """
    out: list[float | None] = [None]
    for before, after in zip(points, points[1:], strict=False):
        cut = before["kpis"]["emissions"] - after["kpis"]["emissions"]
        out.append((after["kpis"]["total_cost"] - before["kpis"]["total_cost"]) / cut if cut > 0 else None)
    return out


def front_figure(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Total cost against emissions of each point, and the status quo, on axes from zero."""
    currency = (points[0] if points else {}).get("currency") or "CNY"
    costs = [p["kpis"]["total_cost"] for p in points]
    emissions = [p["kpis"]["emissions"] for p in points]
    costs_per_tonne = abatement(points)
    hover = []
    for k, (point, mac) in enumerate(zip(points, costs_per_tonne, strict=True), start=1):
        text = (
            f"<b>{_('point {k}').format(k=k)}</b><br>"
            + _("total cost {amount}").format(amount=f"{point['kpis']['total_cost']:,.0f} {currency}/{_('yr')}")
            + "<br>"
            + _("emissions {amount}").format(amount=f"{point['kpis']['emissions']:,.0f} tCO2/{_('yr')}")
            + "<br>"
            + _("investment {amount}").format(amount=f"{point['kpis']['capex']:,.0f} {currency}")
        )
        if mac is not None:
            text += "<br>" + _("{amount} per tCO2 from the previous point").format(amount=f"{mac:,.0f} {currency}")
        hover.append(text)
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": emissions,
            "y": costs,
            "mode": "lines+markers",
            "name": _("Pareto front"),
            "hovertext": hover,
            "hoverinfo": "text",
            "line": {"color": "#1b4f72", "width": 2},
            "marker": {"size": 9, "color": "#1b4f72"},
        }
    ]
    status_quo = (points[0]["kpis"].get("baseline") or {}) if points else {}
    if status_quo.get("total_cost") is not None:
        traces.append(
            {
                "type": "scatter",
                "x": [status_quo["emissions"]],
                "y": [status_quo["total_cost"]],
                "mode": "markers+text",
                "name": _("status quo"),
                "text": [_("status quo")],
                "textposition": "top center",
                "marker": {
                    "size": 12,
                    "symbol": "diamond",
                    "color": "#abb2b9",
                    "line": {"color": "#566573", "width": 1},
                },
                "hovertemplate": _("status quo")
                + "<br>%{y:,.0f} "
                + currency
                + "/"
                + _("yr")
                + "<br>%{x:,.0f} tCO2/"
                + _("yr")
                + "<extra></extra>",
            }
        )
    layout = {
        "height": 520,
        "margin": {"l": 80, "r": 30, "t": 30, "b": 60},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "font": {"family": FONT_STACK, "size": 12},
        "legend": {"orientation": "h", "y": 1.08, "x": 0},
        "xaxis": {
            "title": {"text": _("emissions (tCO2/yr)")},
            "rangemode": "tozero",
            "tickformat": "~s",
            "gridcolor": "#e3e7ec",
            "zeroline": True,
        },
        "yaxis": {
            "title": {"text": _("total cost ({currency}/yr)").format(currency=currency)},
            "rangemode": "tozero",
            "tickformat": "~s",
            "gridcolor": "#e3e7ec",
            "zeroline": True,
        },
    }
    return {"data": traces, "layout": layout}


def zoom_figure(points: list[dict[str, Any]]) -> dict[str, Any]:
    """The front against its cheapest point: CO2 avoided (x) and extra cost (y), both from zero, so the
    trade-off is seen at its own scale with that scale written on the axes."""
    currency = (points[0] if points else {}).get("currency") or "CNY"
    first = points[0]["kpis"] if points else {}
    less = [first["emissions"] - p["kpis"]["emissions"] for p in points]
    more = [p["kpis"]["total_cost"] - first["total_cost"] for p in points]
    costs_per_tonne = abatement(points)
    text = [f"{k}" for k in range(1, len(points) + 1)]
    hover = [
        _("point {k}").format(k=k)
        + "<br>"
        + _("{cost} a year more, {co2} tCO2 a year less").format(cost=f"{cost:,.0f} {currency}", co2=f"{co2:,.0f}")
        + (
            ""
            if mac is None
            else "<br>" + _("{amount} per tCO2 from the previous point").format(amount=f"{mac:,.0f} {currency}")
        )
        for k, (cost, co2, mac) in enumerate(zip(more, less, costs_per_tonne, strict=True), start=1)
    ]
    return {
        "data": [
            {
                "type": "scatter",
                "x": less,
                "y": more,
                "mode": "lines+markers+text",
                "text": text,
                "textposition": "top left",
                "hovertext": hover,
                "hoverinfo": "text",
                "showlegend": False,
                "line": {"color": "#1b4f72", "width": 2},
                "marker": {"size": 9, "color": "#1b4f72"},
            }
        ],
        "layout": {
            "height": 420,
            "margin": {"l": 80, "r": 30, "t": 40, "b": 60},
            "plot_bgcolor": "white",
            "paper_bgcolor": "white",
            "font": {"family": FONT_STACK, "size": 12},
            "title": {
                "text": _("Against the cheapest plan: what each point avoids and what it costs"),
                "x": 0.01,
                "xanchor": "left",
                "font": {"size": 13},
            },
            "xaxis": {
                "title": {"text": _("CO2 avoided against the cheapest point (tCO2/yr)")},
                "rangemode": "tozero",
                "tickformat": ",~r",
                "gridcolor": "#e3e7ec",
            },
            "yaxis": {
                "title": {"text": _("extra cost ({currency}/yr)").format(currency=currency)},
                "rangemode": "tozero",
                "tickformat": "~s",
                "gridcolor": "#e3e7ec",
            },
        },
    }


def pareto_page(points: list[dict[str, Any]], point_pages: bool = False) -> str:
    """``pareto.html`` of the points' ``results.json`` contents, cheapest first (see the module)."""
    with language((points[0] if points else {}).get("lang")):
        return _page(points, point_pages)


def _page(points: list[dict[str, Any]], point_pages: bool) -> str:
    first = points[0] if points else {}
    currency = first.get("currency") or "CNY"
    per_year = f"{currency}/{_('yr')}"
    costs_per_tonne = abatement(points)
    columns = [
        Column(_("point")),
        Column(_("total cost ({unit})").format(unit=per_year), "number"),
        Column(_("emissions (tCO2/yr)"), "number"),
        Column(_("more cost than the cheapest ({unit})").format(unit=per_year), "number"),
        Column(_("less CO2 than the cheapest (tCO2/yr)"), "number"),
        Column(_("marginal abatement cost ({currency}/tCO2)").format(currency=currency), "number"),
        Column(_("investment ({currency})").format(currency=currency), "number"),
        Column(_("links"), "number"),
        Column(_("changes against the previous point"), wide=True),
    ]
    rows = []
    for k, (point, mac) in enumerate(zip(points, costs_per_tonne, strict=True)):
        kpis = point["kpis"]
        change = differences(points[k - 1], point) if k else {"added": [], "removed": []}
        words = [f"+ {item}" for item in change["added"]] + [f"− {item}" for item in change["removed"]]
        rows.append(
            [
                str(k + 1),
                kpis["total_cost"],
                kpis["emissions"],
                kpis["total_cost"] - first["kpis"]["total_cost"],
                first["kpis"]["emissions"] - kpis["emissions"],
                mac,
                kpis.get("capex"),
                point.get("links_built", len(point.get("links") or [])),
                "; ".join(words) or "–",
            ]
        )
    table = data_table(columns, rows, table_id="front-table", search=False)
    status_quo = first.get("kpis", {}).get("baseline") or {}
    span = ""
    if len(points) > 1:
        low, high = points[-1]["kpis"], first["kpis"]
        share = (high["emissions"] - low["emissions"]) / high["emissions"] if high["emissions"] else math.nan
        average = (
            (low["total_cost"] - high["total_cost"]) / (high["emissions"] - low["emissions"])
            if high["emissions"] > low["emissions"]
            else None
        )
        span = _(
            "From the cheapest plan to the cleanest, emissions fall by {cut} tCO2 a year ({share} of the "
            "cheapest plan's) for {cost} a year more: {average} per tonne on average."
        ).format(
            cut=compact(high["emissions"] - low["emissions"]),
            share=f"{share:.1%}",
            cost=f"{compact(low['total_cost'] - high['total_cost'])} {currency}",
            average=f"{average:,.0f} {currency}" if average is not None else "–",
        )
    against = ""
    if status_quo.get("total_cost") is not None and points:
        against = " " + _(
            "The status quo costs {cost} a year and emits {emissions} tCO2; every point of the front is "
            "measured against it in each point's report."
        ).format(cost=f"{compact(status_quo['total_cost'])} {currency}", emissions=compact(status_quo["emissions"]))
    carbon = (first.get("assumptions") or {}).get("carbon_price")
    note = _(
        "Marginal abatement cost: the extra total cost of a point over the previous one, per tonne of CO2 it "
        "avoids. Total cost is before any carbon price"
    )
    note += (
        _(" (this park's {price} per tCO2 is in the objective the points were solved with).").format(
            price=f"{carbon:,.0f} {currency}"
        )
        if carbon
        else "."
    )
    folders = (
        _("Each point's report: point-K/report.html.")
        if point_pages
        else _(
            "Each point's results are in point-K/; circflow report point-K writes its report, or run pareto "
            "with --pages."
        )
    )
    body = (
        f"<p class='lede'>{html.escape(span + against)}</p>"
        f"<section id='front'><h2>{html.escape(_('The front'))}</h2>"
        + chart_html(front_figure(points), "pareto-chart", narrow={"height": 420, "margin.l": 60})
        + f"<p class='muted'>{html.escape(_('Axes start at zero: a front that moves emissions by a few per cent looks as flat as it is. Hover a point for its figures.'))}</p>"
        + (
            chart_html(zoom_figure(points), "pareto-zoom", narrow={"height": 380, "margin.l": 60, "title.text": ""})
            if len(points) > 1
            else ""
        )
        + "</section>"
        f"<section id='points'><h2>{html.escape(_('The points'))}</h2>{table}"
        f"<p class='muted'>{html.escape(note)} {html.escape(folders)}</p></section>"
    )
    title, kicker = _("{park}: cost and CO2 trade-off"), _("Pareto front of cost and CO2")
    return results_page(first, title, body, kicker=kicker, plotly_js="file")
