"""A `Result` in a notebook, and a `Result` read back from its folder.

Beside ``results``: `result_html` is what Jupyter shows for a result (``Result._repr_html_``),
a few lines rather than the 9,700 characters of every table; `read_result` turns a folder
written by `circflow.Result.save` or ``circflow optimize`` back into a `Result`
(``Result.load``), so a study can open yesterday's runs without solving again.
"""

from __future__ import annotations

import html
import math
import pathlib
from typing import Any

import pandas as pd

from circflow.exports.outputs import read_results
from circflow.marginals import COLUMNS as MARGINAL_COLUMNS
from circflow.results import BALANCE_COLUMNS, FLOW_COLUMNS, LINK_COLUMNS, PROCESS_COLUMNS, Result
from circflow.solve import Status

SHOWN_LINKS = 12
"""Links listed in a notebook's view of a result (the largest savings first)."""


def result_html(result: Result) -> str:
    """The status, the main KPIs against the status quo and the links built, as HTML."""
    title = (
        f"<b>{html.escape(result.park)}</b>: {html.escape(str(result.status))}, "
        f"objective {html.escape(result.objective_name)}"
    )
    parts = [f"<div class='circflow-result'><p>{title}</p>"]
    if not result.is_ok:
        if result.diagnosis:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in result.diagnosis)
            parts.append(f"<p>Why there is no plan:</p><ul>{items}</ul>")
        parts.append("</div>")
        return "".join(parts)
    kpis = result.kpis
    baseline = kpis.get("baseline") or {}
    rows = []
    for key, label, unit in (
        ("total_cost", "total cost", f"{result.currency}/yr"),
        ("emissions", "emissions", "tCO2/yr"),
        ("capex", "capex of new links", result.currency),
    ):
        value = kpis.get(key)
        base = baseline.get(key)
        rows.append({"": label, "plan": _number(value), "status quo": _number(base), "unit": unit})
    for name, value in (kpis.get("extra") or {}).items():
        rows.append({"": f"rule {name}", "plan": _number(value), "status quo": "", "unit": f"{result.currency}/yr"})
    parts.append(pd.DataFrame(rows).to_html(index=False, border=0))
    gap = f", gap {result.gap:.2%}" if math.isfinite(result.gap) else ""
    parts.append(f"<p>{result.links_built} links in the plan{gap}.</p>")
    links = result.links
    if not links.empty:
        shown = links.sort_values("net_saving", ascending=False).head(SHOWN_LINKS)
        table = shown[["id", "type", "capacity", "flow_total", "capex", "net_saving"]].copy()
        for column in ("capacity", "flow_total", "capex", "net_saving"):
            table[column] = table[column].map(_number)
        parts.append(table.to_html(index=False, border=0))
        if len(links) > SHOWN_LINKS:
            parts.append(f"<p>... and {len(links) - SHOWN_LINKS} more: <code>result.links</code>.</p>")
    if result.extra:
        items = "".join(
            f"<li><code>{html.escape(row['name'])}</code>: {html.escape(row['text'])}</li>" for row in result.extra
        )
        parts.append(f"<p>Rules added from Python:</p><ul>{items}</ul>")
    parts.append("</div>")
    return "".join(parts)


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def read_result(folder: str | pathlib.Path) -> Result:
    """A `Result` from a results folder: ``results.json`` and the CSV tables beside it.

    Raises
    ------
    ParkError
        When ``folder`` is not a circflow results folder.
    """
    folder = pathlib.Path(folder)
    content = read_results(folder)
    periods = list(content.get("periods") or [])
    links = pd.DataFrame(content.get("links") or [], columns=LINK_COLUMNS)
    processes = pd.DataFrame(content.get("processes") or [], columns=PROCESS_COLUMNS)
    flows = _csv(folder / "flows.csv", FLOW_COLUMNS)
    balances = _csv(folder / "balances.csv", BALANCE_COLUMNS)
    marginals = pd.DataFrame(columns=[*MARGINAL_COLUMNS, *periods])
    if content.get("marginals"):
        records = []
        for row in content["marginals"]:
            row = dict(row)
            per_period = row.pop("per_period", None) or {}
            records.append({**row, **{p: per_period.get(p) for p in periods}})
        marginals = pd.DataFrame(records, columns=[*MARGINAL_COLUMNS, *periods])
    model = dict(content.get("model") or {})
    extra = list(model.pop("extra", []) or [])

    def number(key: str) -> float:
        value = content.get(key)
        return math.nan if value is None else float(value)

    return Result(
        park=str(content.get("park") or ""),
        objective_name=str(content.get("objective_name") or "cost"),
        status=Status(content.get("status", "optimal")),
        objective=number("objective"),
        bound=number("bound"),
        gap=number("gap"),
        kpis=dict(content.get("kpis") or {}),
        links=links,
        flows=flows,
        balances=balances,
        periods=periods,
        scenarios=list(content.get("scenarios") or []),
        timings=dict(content.get("timings") or {}),
        warnings=list(content.get("warnings") or []),
        diagnosis=list(content.get("diagnosis") or []),
        currency=str(content.get("currency") or "CNY"),
        source=content.get("source"),
        crs=str(content.get("crs") or "local_km"),
        enterprises=list(content.get("enterprises") or []),
        resources=dict(content.get("resources") or {}),
        model_facts=model,
        processes=processes,
        markets=list(content.get("markets") or []),
        period_hours=dict(content.get("period_hours") or {}),
        time_series=content.get("time_series"),
        marginals=marginals,
        robustness=dict(content.get("robustness") or {}),
        extra=extra,
    )


def _csv(path: pathlib.Path, columns: list[str]) -> pd.DataFrame:
    """A table of the folder, or an empty one with its columns when the file is missing."""
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    return table.reindex(columns=columns) if set(columns) <= set(table.columns) else table
