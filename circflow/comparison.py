"""Comparing retrofit plans: one park solved under several scenarios, side by side.

Beside ``optimize``: each alternative is the park with one or more scenarios applied
(``plan_a+high_carbon`` stacks two), solved on its own; the first row is always the base
park. Results folders written earlier can be compared the same way.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from circflow.exceptions import ParkError
from circflow.folders import save_folder
from circflow.load import load_park, park_from_dict
from circflow.optimizer import optimize
from circflow.parkfile import park_tree
from circflow.results import RESULTS_FILE, Result, write_marker
from circflow.schema import Park

COLUMNS = [
    "scenario", "status", "objective", "total_cost", "emissions", "capex", "annualized_capex",
    "savings_cost", "savings_emissions", "market_revenue", "processes_built", "links_built", "links_added",
    "links_removed",
]


def split_alternative(text: str) -> list[str]:
    """``"plan_a+high_carbon"`` -> ``["plan_a", "high_carbon"]`` (applied in that order)."""
    names = [part.strip() for part in text.split("+")]
    if not all(names):
        msg = f"cannot read alternative {text!r}: write scenario names joined by '+', e.g. plan_a+high_carbon"
        raise ParkError(msg)
    return names


def compare_park(
    path: str | pathlib.Path,
    alternatives: Iterable[str],
    on_stage: Callable[[str], None] | None = None,
    **options: Any,
) -> tuple[pd.DataFrame, dict[str, Result]]:
    """Solve the base park and each alternative; tabulate them against the base.

    Parameters
    ----------
    path
        The park file.
    alternatives
        Each an alternative: a scenario name, or names joined by ``+``.
    options
        Passed to `circflow.optimize` (objective, solver, time_limit, gap, carbon_price).

    Returns
    -------
    table, results
        `compare_table` of the runs, and each run's `Result` by alternative name
        (``base`` first).
    """
    stage = on_stage or (lambda _: None)
    wanted = list(dict.fromkeys(alternatives))
    parks = {"base": load_park(path)}
    for name in wanted:  # load every alternative first: a typo fails before any solve
        label = name if name != "base" else "base (scenario)"  # a plan may be called base
        parks[label] = load_park(path, scenarios=split_alternative(name))
    results = {}
    for name, park in parks.items():
        stage(f"solving {name}")
        results[name] = optimize(park, **options)
    return compare_table({name: r.to_dict() for name, r in results.items()}), results


def compare(
    park: Park | str | os.PathLike[str] | Mapping[str, Park],
    alternatives: Iterable[str] = (),
    *,
    on_stage: Callable[[str], None] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Compare retrofit plans side by side: a park and its scenarios, or parks made in code.

    Parameters
    ----------
    park
        A `Park` (loaded, edited or built in code: the object as it is), a park file, or a
        mapping of names to parks (``{"today": park, "retrofit": other}``), the first the
        reference.
    alternatives
        With one park: each alternative a scenario of it, or names joined by ``+``
        (``plan_a+high_carbon``). The park itself is the first row, ``base``.
    on_stage
        Called with the name of each run as it starts.
    options
        Passed to `circflow.optimize` (objective, solver, time_limit, gap, carbon_price,
        extra, ...).

    Returns
    -------
    pandas.DataFrame
        `compare_table`: one row per run with the links added and removed against the first,
        and a ``result`` column holding each run's `circflow.Result` (its links, flows,
        balances and KPIs).

    Raises
    ------
    ParkError
        On a bad park or an unknown scenario, before any solve.
    """
    stage = on_stage or (lambda _: None)
    if isinstance(park, Mapping):
        if alternatives:
            msg = "give alternatives (scenarios) of one park, or a mapping of parks, not both"
            raise ParkError(msg)
        parks = dict(park)
        if not parks:
            msg = "give at least one park to compare"
            raise ParkError(msg)
    else:
        parks = _alternative_parks(park, list(dict.fromkeys(alternatives)))
    results = {}
    for name, variant in parks.items():
        stage(f"solving {name}")
        results[name] = optimize(variant, **options)
    table = compare_table({name: r.to_dict() for name, r in results.items()})
    table["result"] = list(results.values())
    return table


def _alternative_parks(park: Park | str | os.PathLike[str], alternatives: list[str]) -> dict[str, Park]:
    """The park and each alternative of it, every one loaded before any solve (a typo fails first)."""
    if isinstance(park, Park):
        tree, base_dir = park_tree(park), park._base_dir
        folder = pathlib.Path(base_dir) if base_dir else None

        def variant(names: list[str]) -> Park:
            # the tree has the park's own scenarios applied already
            made = park_from_dict(tree, scenarios=names, base_dir=folder, source=park.source) if names else park
            if names:
                made._scenarios = (*park.applied_scenarios, *names)
                made._tree = None
            return made
    else:
        def variant(names: list[str]) -> Park:
            return load_park(park, scenarios=names)

    parks = {"base": variant([])}
    for name in alternatives:
        label = name if name != "base" else "base (scenario)"  # a plan may be called base
        parks[label] = variant(split_alternative(name))
    return parks


def compare_folders(folders: Iterable[str | pathlib.Path]) -> pd.DataFrame:
    """Tabulate results folders written earlier; the first one is the reference."""
    runs: dict[str, dict[str, Any]] = {}
    for folder in map(pathlib.Path, folders):
        try:
            content = json.loads((folder / RESULTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            msg = f"{folder} is not a circflow results folder (no readable {RESULTS_FILE})"
            raise ParkError(msg) from None
        name = folder.name if folder.name not in runs else str(folder)
        runs[name] = content
    if not runs:
        msg = "give at least one results folder"
        raise ParkError(msg)
    return compare_table(runs)


def compare_table(runs: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run (``results.json`` content), links added and removed against the first."""
    rows = []
    reference: set[str] | None = None
    for name, run in runs.items():
        kpis = run.get("kpis") or {}
        links = {link["id"] for link in run.get("links", [])}
        has_plan = run.get("status") in ("optimal", "feasible")
        if reference is None:
            reference = links
        rows.append({
            "scenario": name,
            "status": run.get("status"),
            "objective": run.get("objective"),
            "total_cost": kpis.get("total_cost"),
            "emissions": kpis.get("emissions"),
            "capex": kpis.get("capex"),
            "annualized_capex": kpis.get("annualized_capex"),
            "savings_cost": (kpis.get("savings") or {}).get("total_cost"),
            "savings_emissions": (kpis.get("savings") or {}).get("emissions"),
            "market_revenue": kpis.get("market_revenue", 0.0),  # sales to markets (SPEC 8.1), per year
            "processes_built": kpis.get("processes_built", 0),
            "links_built": len(links),
            "links_added": " ".join(sorted(links - reference)) if has_plan else "",
            "links_removed": " ".join(sorted(reference - links)) if has_plan else "",
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def save_comparison(folder: str | pathlib.Path, table: pd.DataFrame, results: dict[str, Result] | None = None) -> pathlib.Path:
    """Write ``compare.csv``, ``compare.xlsx``, ``compare.html`` and each run's results folder.

    Written atomically like every circflow folder (see `circflow.results.write_folder`).

    Raises
    ------
    OutputError
        When ``folder`` is not circflow's or cannot be written (nothing is written).
    """
    def write(tmp: pathlib.Path) -> None:
        table.to_csv(tmp / "compare.csv", index=False)
        table.to_excel(tmp / "compare.xlsx", index=False, sheet_name="compare")
        comparison_figure(table).write_html(tmp / "compare.html", include_plotlyjs=True, full_html=True)
        for name, result in (results or {}).items():
            result.save(tmp / name)
        write_marker(tmp, "compare")

    return save_folder(folder, write)


def comparison_figure(table: pd.DataFrame) -> Any:
    """Bars of total cost and emissions per alternative (plotly Figure)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, subplot_titles=("total cost per year", "emissions per year (tCO2)"))
    fig.add_trace(go.Bar(x=table["scenario"], y=table["total_cost"], name="total cost",
                         hovertemplate="%{x}: %{y:,.0f}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(x=table["scenario"], y=table["emissions"], name="emissions",
                         hovertemplate="%{x}: %{y:,.0f} tCO2<extra></extra>"), row=1, col=2)
    fig.update_layout(title="Retrofit plans compared", showlegend=False, template="plotly_white")
    return fig
