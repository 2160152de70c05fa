"""The page of a sweep (``sweep.html``): main effects of each varied KEY, and robust links.

Export of `circflow.sweeps`. A main effect is how a result moves with one KEY, averaged
over the other KEYs: for a listed KEY the mean of the solved runs at each of its values
(a line), for a sampled KEY the mean within each tenth of its draws; every run is drawn
faintly behind, and the status quo's cost and emissions as a dashed line. KEYs and results
are named as people read them, with units (``carbon price (CNY/tCO2)``); an axis whose
values hardly move spans at least a few per cent of their size, so a flat line looks flat
and its ticks read ``55.0M``, not ``55.04669M``. A second chart shows in what share of the
solved runs each link is built, by name: the links that pay whatever the future holds.
plotly.js is read from ``plotly.min.js`` beside the page, written once into the sweep's folder.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from circflow.exports.labels import status_label
from circflow.exports.page import chart_html, page_html
from circflow.i18n import FONT_STACK, N_, _, language

METRICS = [
    ("objective", N_("objective")),
    ("total_cost", N_("total cost")),
    ("emissions", N_("emissions")),
    ("capex", N_("investment")),
]
SOLVED = ("optimal", "feasible")
MOST_LINKS = 40
MOST_FAILURES = 50
FLAT = 0.05
"""An axis spans at least this share of its values' size: a line that moves less is drawn flat."""

_KEY_NAMES = {
    "economics.carbon_price": (N_("carbon price"), "{currency}/tCO2"),
    "economics.electricity_price": (N_("electricity price"), "{currency}/MWh"),
    "economics.grid_emission_factor": (N_("grid emission factor"), "tCO2/MWh"),
    "economics.discount_rate": (N_("discount rate"), ""),
    "scenario": (N_("scenario"), ""),
    "targets.max_emissions": (N_("emission cap"), "tCO2/yr"),
    "targets.max_capex": (N_("investment budget"), "{currency}"),
}
_SUFFIX_UNITS = (
    ("_price", "{currency}/unit"),
    ("capex_per_mw", "{currency}/MW"),
    ("capex_per_km", "{currency}/km"),
    ("capex_fixed", "{currency}"),
    ("capex_per_capacity", "{currency} per unit/h"),
    ("opex_per_unit_km", "{currency}/(unit km)"),
    ("opex_per_unit", "{currency}/unit"),
    ("opex_per_mwh", "{currency}/MWh"),
    ("lifetime_years", N_("years")),
    ("max_distance_km", "km"),
    ("temperature", "°C"),
    ("rate", "MW"),
    ("amount", N_("unit/yr")),
    ("cop", ""),
)


def key_label(key: str, currency: str = "CNY") -> str:
    """A varied KEY as people read it, with its unit: ``economics.carbon_price`` -> ``carbon price (CNY/tCO2)``.

    >>> key_label("technologies.heat_pump.capex_per_mw")
    'heat pump capex per mw (CNY/MW)'
    """
    if key in _KEY_NAMES:
        name, unit = _KEY_NAMES[key]
        name = _(name)
    else:
        parts = [
            p
            for p in key.split(".")
            if p not in ("economics", "technologies", "enterprises", "modes", "resources", "markets", "targets")
        ]
        name = " ".join(p.replace("_", " ") for p in parts)
        unit = next((u for suffix, u in _SUFFIX_UNITS if key.endswith(suffix)), "")
        unit = _(unit) if unit in (N_("years"), N_("unit/yr")) else unit
    unit = unit.format(currency=currency)
    return f"{name} ({unit})" if unit else name


def axis_range(values: list[float]) -> list[float] | None:
    """A y range for values that hardly move: centred on them, spanning `FLAT` of their size (None: let
    plotly choose, the values move enough).

    >>> axis_range([55_046_689.5, 55_046_690.0])
    [53670522.5, 56422857.0]
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return None
    low, high = min(finite), max(finite)
    size = max(abs(low), abs(high))
    if size == 0 or high - low >= FLAT * size:
        return None
    middle = (low + high) / 2
    return [round(middle - FLAT / 2 * size, 2), round(middle + FLAT / 2 * size, 2)]


def main_effects_figure(
    table: pd.DataFrame,
    keys: list[str],
    sampled: Collection[str] = (),
    currency: str = "CNY",
    objective_unit: str | None = None,
) -> Any:
    """Objective, total cost, emissions and capex against each varied KEY (plotly Figure)."""
    from plotly.subplots import make_subplots

    units = {
        "objective": objective_unit or f"{currency}/{_('yr')}",
        "total_cost": f"{currency}/{_('yr')}",
        "emissions": f"tCO2/{_('yr')}",
        "capex": currency,
    }
    labels = [f"{_(label)} ({units[metric]})" for metric, label in METRICS]
    solved = table[table["status"].isin(SOLVED)]
    fig = make_subplots(
        rows=len(METRICS),
        cols=len(keys),
        shared_xaxes="columns",
        shared_yaxes="rows",
        column_titles=[key_label(key, currency) for key in keys],
        row_titles=labels,
        vertical_spacing=0.05,
        horizontal_spacing=0.04,
    )
    status_quo = {}
    if {"savings_cost", "savings_emissions"} <= set(solved.columns) and not solved.empty:
        status_quo = {
            "total_cost": solved["total_cost"] + solved["savings_cost"],
            "emissions": solved["emissions"] + solved["savings_emissions"],
        }
    for col, key in enumerate(keys, start=1):
        for row, (metric, _label) in enumerate(METRICS, start=1):
            name = labels[row - 1]
            runs = solved[[key, metric]].dropna()
            cell = (row, col)
            given = f"{html.escape(key_label(key, currency))} = %{{x}}<br>"
            _add_points(
                fig,
                cell,
                runs,
                (key, metric),
                mode="markers",
                marker={"size": 5, "color": "rgba(120,120,120,0.35)"},
                hovertemplate=given + f"{html.escape(name)}: %{{y:,.0f}}<extra></extra>",
            )
            _add_points(
                fig,
                cell,
                _effect(runs, key, metric, key in sampled),
                (key, metric),
                mode="lines+markers",
                line={"color": "#1f77b4", "width": 2},
                hovertemplate=given + _("mean") + f" {html.escape(name)}: %{{y:,.0f}}<extra></extra>",
            )
            values = list(runs[metric])
            if metric in status_quo:
                base = pd.DataFrame({key: solved[key], metric: status_quo[metric]}).dropna()
                reference = _effect(base, key, metric, key in sampled)
                _add_points(
                    fig,
                    cell,
                    reference,
                    (key, metric),
                    mode="lines",
                    line={"color": "#566573", "width": 1.5, "dash": "dash"},
                    hovertemplate=_("status quo") + ": %{y:,.0f}<extra></extra>",
                )
                values += list(reference[metric])
            if col == 1:
                flat = axis_range(values)
                if flat is not None:
                    fig.update_yaxes(range=flat, row=row, col=col)
        fig.update_xaxes(title_text=key_label(key, currency), row=len(METRICS), col=col)
    fig.update_yaxes(tickformat=",.3~s", gridcolor="#e3e7ec")
    fig.update_layout(
        template="plotly_white",
        height=230 * len(METRICS) + 110,
        font={"family": FONT_STACK, "size": 12},
        margin={"l": 70, "r": 120, "t": 60, "b": 60},
        title=_("Main effects: mean of the solved runs against each varied KEY (dashed: status quo)"),
    )
    return fig


def _add_points(fig: Any, cell: tuple[int, int], points: pd.DataFrame, axes: tuple[str, str], **style: Any) -> None:
    """Draw the columns ``axes`` (x, y) of ``points`` in the subplot at ``cell`` (row, col), in ``style``."""
    import plotly.graph_objects as go

    x, y = axes
    row, col = cell
    fig.add_trace(go.Scatter(x=points[x], y=points[y], showlegend=False, **style), row=row, col=col)


def _effect(runs: pd.DataFrame, key: str, metric: str, sampled: bool) -> pd.DataFrame:
    if runs.empty:
        return runs
    if not sampled:
        return runs.groupby(key, sort=True)[metric].mean().reset_index()
    bins = pd.qcut(runs[key], q=min(10, runs[key].nunique()), duplicates="drop")
    return runs.groupby(bins, observed=True)[[key, metric]].mean().reset_index(drop=True)


def link_share_figure(table: pd.DataFrame, link_names: Mapping[str, str] | None = None) -> Any:
    """In what share of the solved runs each link is built (plotly Figure), most often first, by name."""
    import plotly.graph_objects as go

    solved = table[table["status"].isin(SOLVED)]
    counts = solved["links"].str.split().explode().dropna().value_counts()
    share = (counts / max(len(solved), 1)).head(MOST_LINKS).iloc[::-1]
    names = [(link_names or {}).get(key, key) for key in share.index]
    fig = go.Figure(
        go.Bar(
            x=share.to_numpy(),
            y=names,
            orientation="h",
            customdata=list(share.index),
            hovertemplate="%{y}<br>" + _("built in %{x:.0%} of the solved runs") + "<extra>%{customdata}</extra>",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=140 + 26 * len(share),
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        yaxis={"dtick": 1, "automargin": True},
        title=_("Links built, share of the solved runs"),
        font={"family": FONT_STACK, "size": 12},
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
    )
    return fig


def sweep_page(
    table: pd.DataFrame,
    keys: list[str],
    sampled: Collection[str] = (),
    runs: int | None = None,
    *,
    park: str | None = None,
    currency: str = "CNY",
    lang: str | None = None,
    link_names: Mapping[str, str] | None = None,
    objective: str = "cost",
) -> str:
    """``sweep.html``: counts by status, the main-effects chart, link shares by name, failed runs.

    Reads ``plotly.min.js`` beside it (`circflow.exports.page.write_plotly_js`).
    """
    with language(lang):
        counts = table["status"].value_counts()
        planned = len(table) if runs is None else runs
        summary = _(", ").join(f"{status_label(status)} {count}" for status, count in counts.items())
        missing = planned - len(table)
        if missing:
            summary += ", " + _("not run yet {n}").format(n=missing)
        described = ", ".join(key_label(key, currency) for key in keys)
        objective_unit = f"tCO2/{_('yr')}" if objective == "emissions" else None
        effects = main_effects_figure(table, keys, sampled, currency, objective_unit).to_plotly_json()
        links = link_share_figure(table, link_names).to_plotly_json()
        body = (
            f"<p class='lede'>{html.escape(_('{runs} runs varying {keys}: {summary}.').format(runs=planned, keys=described, summary=summary))}</p>"
            f"<p class='muted'>{html.escape(_('The table of runs is in sweep.csv and sweep.parquet.'))}</p>"
            f"<section id='effects'><h2>{html.escape(_('How the results move'))}</h2>"
            + chart_html(effects, "effects-chart", scroll_px=640)
            + f"</section><section id='links'><h2>{html.escape(_('Which links are built'))}</h2>"
            + chart_html(links, "links-chart")
            + "</section>"
            + _failures(table, keys, currency)
        )
        heading = park or _("Sweep")
        return page_html(
            _("{park}: sweep of {keys}").format(park=heading, keys=described),
            heading,
            body,
            kicker=_("sweep of {keys}").format(keys=described),
            plotly_js="file",
        )


def _failures(table: pd.DataFrame, keys: list[str], currency: str) -> str:
    failed = table[~table["status"].isin(SOLVED)]
    if failed.empty:
        return f"<p class='muted'>{html.escape(_('Every run was solved.'))}</p>"
    head = "".join(
        f"<th>{html.escape(name)}</th>" for name in (*[key_label(k, currency) for k in keys], _("status"), _("reason"))
    )
    rows = []
    for record in failed.head(MOST_FAILURES).to_dict("records"):
        cells = [record[key] for key in keys] + [status_label(record["status"]), record["reason"]]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>")
    more = (
        f"<p>{html.escape(_('... and {n} more in sweep.csv').format(n=len(failed) - MOST_FAILURES))}</p>"
        if len(failed) > MOST_FAILURES
        else ""
    )
    title = html.escape(_("Runs without a plan ({n})").format(n=len(failed)))
    return (
        f"<section id='failed'><h2>{title}</h2><div class='table'><table><tr>{head}</tr>{''.join(rows)}</table>"
        f"</div>{more}</section>"
    )
