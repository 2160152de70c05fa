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
from circflow.exports.csvtext import write_csv
from circflow.folders import save_folder
from circflow.interrupts import stops_on_ctrl_c
from circflow.load import load_park, park_from_dict
from circflow.optimizer import optimize
from circflow.parkfile import park_tree
from circflow.results import RESULTS_FILE, Result, write_marker
from circflow.schema import Park

COLUMNS = [
    "scenario",
    "status",
    "objective",
    "total_cost",
    "emissions",
    "capex",
    "annualized_capex",
    "savings_cost",
    "savings_emissions",
    "market_revenue",
    "processes_built",
    "links_built",
    "links_added",
    "links_removed",
]


def split_alternative(text: str) -> list[str]:
    """``"plan_a+high_carbon"`` -> ``["plan_a", "high_carbon"]`` (applied in that order)."""
    names = [part.strip() for part in text.split("+")]
    if not all(names):
        msg = f"cannot read alternative {text!r}: write scenario names joined by '+', e.g. plan_a+high_carbon"
        raise ParkError(msg)
    return names


@stops_on_ctrl_c
def compare_park(
    path: str | pathlib.Path,
    alternatives: Iterable[str],
    on_stage: Callable[[str], None] | None = None,
    lang: str | None = None,
    **options: Any,
) -> tuple[pd.DataFrame, dict[str, Result]]:
    """Solve the base park and each alternative; tabulate them against the base.

    Parameters
    ----------
    path
        The park file.
    alternatives
        Each an alternative: a scenario name, or names joined by ``+``.
    lang
        Language of the pages (``en``, ``zh``; default: the park file's ``park.lang``).
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
    if lang is not None:
        parks = {
            name: park.model_copy(update={"park": park.park.model_copy(update={"lang": lang})})
            for name, park in parks.items()
        }
    results = {}
    for name, park in parks.items():
        stage(f"solving {name}")
        results[name] = optimize(park, **options)
    return compare_table({name: r.to_dict() for name, r in results.items()}), results


@stops_on_ctrl_c
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
            return load_park(pathlib.Path(park), scenarios=names)

    parks = {"base": variant([])}
    for name in alternatives:
        label = name if name != "base" else "base (scenario)"  # a plan may be called base
        parks[label] = variant(split_alternative(name))
    return parks


def compare_folders(folders: Iterable[str | pathlib.Path]) -> pd.DataFrame:
    """Tabulate results folders written earlier; the first one is the reference."""
    return compare_table(read_runs(folders))


def read_runs(folders: Iterable[str | pathlib.Path]) -> dict[str, dict[str, Any]]:
    """The ``results.json`` of each folder, by the folder's name (its path when two share a name)."""
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
    return runs


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
        rows.append(
            {
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
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def save_comparison(
    folder: str | pathlib.Path,
    table: pd.DataFrame,
    results: dict[str, Result] | None = None,
    runs: dict[str, dict[str, Any]] | None = None,
    pages: bool = False,
) -> pathlib.Path:
    """Write ``compare.csv``, ``compare.xlsx``, ``compare.html`` (with ``plotly.min.js`` beside it) and each
    run's results folder.

    ``runs`` are the runs' ``results.json`` contents when there are no `Result` objects (results
    folders compared). Each run's folder holds its data files; with ``pages`` also its own
    ``report.html`` and ``sankey.html`` (each self-contained, a few MB). Written atomically like
    every circflow folder (see `circflow.results.write_folder`).

    Raises
    ------
    OutputError
        When ``folder`` is not circflow's or cannot be written (nothing is written).
    """
    from circflow.exports.comparechart import compare_page, compare_workbook_tables
    from circflow.exports.page import write_plotly_js
    from circflow.exports.workbook import write_tables

    contents = runs if runs is not None else {name: result.to_dict() for name, result in (results or {}).items()}

    def write(tmp: pathlib.Path) -> None:
        write_csv(table, tmp / "compare.csv")
        write_tables(tmp / "compare.xlsx", compare_workbook_tables(table, contents))
        write_plotly_js(tmp)
        (tmp / "compare.html").write_text(
            compare_page(contents, run_pages=pages and results is not None), encoding="utf-8"
        )
        for name, result in (results or {}).items():
            result.save(tmp / name, pages=pages)
        write_marker(tmp, "compare")

    return save_folder(folder, write)
