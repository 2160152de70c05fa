"""The page of a sweep (``sweep.html``): main effects of each varied KEY, and robust links.

Export of `circflow.sweeps`. A main effect is how a result moves with one KEY, averaged
over the other KEYs: for a listed KEY the mean of the solved runs at each of its values
(a line), for a sampled KEY the mean within each tenth of its draws; every run is drawn
faintly behind. A second chart shows in what share of the solved runs each link is built,
which names the links that pay whatever the future holds. One self-contained HTML file
(plotly.js inlined) that works offline.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from typing import Any

import pandas as pd

METRICS = [
    ("objective", "objective"),
    ("total_cost", "total cost per year"),
    ("emissions", "emissions (tCO2/yr)"),
    ("capex", "capex of new links"),
]
SOLVED = ("optimal", "feasible")
MOST_LINKS = 40
MOST_FAILURES = 50


def main_effects_figure(table: pd.DataFrame, keys: list[str], sampled: Collection[str] = ()) -> Any:
    """Objective, total cost, emissions and capex against each varied KEY (plotly Figure)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    solved = table[table["status"].isin(SOLVED)]
    fig = make_subplots(rows=len(METRICS), cols=len(keys), shared_xaxes="columns", shared_yaxes="rows",
                        column_titles=keys, row_titles=[label for _, label in METRICS],
                        vertical_spacing=0.04, horizontal_spacing=0.03)
    for col, key in enumerate(keys, start=1):
        for row, (metric, label) in enumerate(METRICS, start=1):
            runs = solved[[key, metric]].dropna()
            fig.add_trace(go.Scatter(x=runs[key], y=runs[metric], mode="markers", showlegend=False,
                                     marker={"size": 5, "color": "rgba(120,120,120,0.35)"},
                                     hovertemplate=f"{key} = %{{x}}<br>{label}: %{{y:,.4g}}<extra>run</extra>"),
                          row=row, col=col)
            effect = _effect(runs, key, metric, key in sampled)
            fig.add_trace(go.Scatter(x=effect[key], y=effect[metric], mode="lines+markers", showlegend=False,
                                     line={"color": "#1f77b4", "width": 2},
                                     hovertemplate=f"{key} = %{{x}}<br>mean {label}: %{{y:,.4g}}<extra>main effect</extra>"),
                          row=row, col=col)
    fig.update_layout(template="plotly_white", height=230 * len(METRICS) + 80,
                      title="Main effects: mean of the solved runs against each varied KEY")
    return fig


def _effect(runs: pd.DataFrame, key: str, metric: str, sampled: bool) -> pd.DataFrame:
    if runs.empty:
        return runs
    if not sampled:
        return runs.groupby(key, sort=True)[metric].mean().reset_index()
    bins = pd.qcut(runs[key], q=min(10, runs[key].nunique()), duplicates="drop")
    return runs.groupby(bins, observed=True)[[key, metric]].mean().reset_index(drop=True)


def link_share_figure(table: pd.DataFrame) -> Any:
    """In what share of the solved runs each link is built (plotly Figure), most often first."""
    import plotly.graph_objects as go

    solved = table[table["status"].isin(SOLVED)]
    counts = solved["links"].str.split().explode().dropna().value_counts()
    share = (counts / max(len(solved), 1)).head(MOST_LINKS).iloc[::-1]
    fig = go.Figure(go.Bar(x=share.to_numpy(), y=share.index, orientation="h",
                           hovertemplate="%{y}: built in %{x:.0%} of the solved runs<extra></extra>"))
    fig.update_layout(template="plotly_white", height=140 + 24 * len(share), xaxis={"tickformat": ".0%", "range": [0, 1]},
                      yaxis={"dtick": 1, "automargin": True}, title="Links built, share of the solved runs")
    return fig


def sweep_page(table: pd.DataFrame, keys: list[str], sampled: Collection[str] = (), runs: int | None = None) -> str:
    """``sweep.html``: counts by status, the main-effects chart, link shares, failed runs."""
    counts = table["status"].value_counts()
    planned = len(table) if runs is None else runs
    summary = ", ".join(f"{status} {count}" for status, count in counts.items())
    missing = planned - len(table)
    if missing:
        summary += f", not run yet {missing}"
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>circflow sweep</title>",
        "<style>body{font-family:sans-serif;margin:1.5em} td,th{padding:2px 8px;text-align:left;"
        "vertical-align:top;border-bottom:1px solid #ddd}</style></head><body>",
        f"<h1>Sweep of {html.escape(', '.join(keys))}</h1>",
        f"<p>{planned} runs: {html.escape(summary)}. The table is in sweep.csv and sweep.parquet.</p>",
        main_effects_figure(table, keys, sampled).to_html(full_html=False, include_plotlyjs=True),
        link_share_figure(table).to_html(full_html=False, include_plotlyjs=False),
        _failures(table, keys),
        "</body></html>",
    ]
    return "\n".join(parts)


def _failures(table: pd.DataFrame, keys: list[str]) -> str:
    failed = table[~table["status"].isin(SOLVED)]
    if failed.empty:
        return "<p>Every run was solved.</p>"
    head = "".join(f"<th>{html.escape(name)}</th>" for name in (*keys, "status", "reason"))
    rows = []
    for record in failed.head(MOST_FAILURES).to_dict("records"):
        cells = [record[key] for key in keys] + [record["status"], record["reason"]]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>")
    more = f"<p>... and {len(failed) - MOST_FAILURES} more in sweep.csv</p>" if len(failed) > MOST_FAILURES else ""
    return f"<h2>Runs without a plan ({len(failed)})</h2><table><tr>{head}</tr>{''.join(rows)}</table>{more}"
