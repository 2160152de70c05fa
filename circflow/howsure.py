"""How sure is a plan: near-optimal alternatives and break-even prices together (SPEC 9).

After ``optimize``: `how_sure` runs `circflow.nearoptimal.alternatives` and
`circflow.breakeven.sensitivity` for a park and puts their findings into its `Result`
(``robustness``), so that ``results.json`` and the report's "How sure is this plan"
section carry them; this is ``circflow optimize --robustness``. Without KEYs it varies the
prices a park manager asks about first (`default_vary`). `add_to_results` puts findings
computed later into a results folder written before.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
from collections.abc import Mapping
from typing import Any, Unpack

from circflow.breakeven import Sensitivity, sensitivity
from circflow.catalog import data_dir
from circflow.exceptions import ParkError
from circflow.exports.outputs import read_results
from circflow.exports.report import write_report
from circflow.nearoptimal import Alternatives, alternatives
from circflow.objectives import Objective
from circflow.optimizer import optimize
from circflow.results import RESULTS_FILE, Result
from circflow.schema import Park
from circflow.studies import StudyOptions, check_options, stage_of
from circflow.yamlfile import read_yaml

DEFAULT_RANGE = "-20%:+20%"
"""The range of each default KEY around the park's value (SPEC 9's example)."""
MAIN_BASELINES = 3
"""Conventional-supply prices varied by default: those the plan saves most money on."""
MAIN_MARKETS = 2
"""Market prices varied by default: those the plan earns most from."""


def default_vary(park: Park, result: Result) -> dict[str, str]:
    """The KEYs `how_sure` varies when given none, each with its range.

    - the electricity price, -20 % to +20 %;
    - the carbon price: -20 % to +20 % of the park's, or, when the park has none, from 0 to
      the national ETS allowance price (``cea_allowance_price`` in ``models/factors.yaml``);
    - the baseline (conventional supply) prices of the `MAIN_BASELINES` demands the plan
      saves most on, and the prices of the `MAIN_MARKETS` markets it earns most from,
      -20 % to +20 %.
    """
    vary = {"economics.electricity_price": DEFAULT_RANGE}
    if park.economics.carbon_price > 0:
        vary["economics.carbon_price"] = DEFAULT_RANGE
    else:
        allowance = _factor("cea_allowance_price")
        if allowance:
            vary["economics.carbon_price"] = f"0:{allowance:g}"
    balances = result.balances
    if balances.empty:
        return vary
    linked = balances.groupby(["role", "enterprise", "stream"], sort=False)["linked"].sum()
    enterprises = {e.id: e for e in park.enterprises}
    markets = {m.id: m for m in park.markets}
    stakes: dict[str, list[tuple[float, str]]] = {"demand": [], "market": []}
    for (role, owner, stream), amount in linked.items():
        if role not in stakes or amount <= 0 or not isinstance(stream, (int, float)):
            continue
        if role == "demand" and owner in enterprises:
            price = enterprises[owner].demands[int(stream)].baseline.cost
            key = f"enterprises.{owner}.demands.{int(stream)}.baseline.cost"
        elif role == "market" and owner in markets:
            price = markets[owner].buys[int(stream)].price
            key = f"markets.{owner}.buys.{int(stream)}.price"
        else:
            continue
        if price != 0:
            stakes[role].append((abs(price) * float(amount), key))
    for role, count in (("demand", MAIN_BASELINES), ("market", MAIN_MARKETS)):
        for _, key in sorted(stakes[role], reverse=True)[:count]:
            vary[key] = DEFAULT_RANGE
    return vary


def _factor(name: str) -> float | None:
    try:
        factors = read_yaml(data_dir("models") / "factors.yaml")
    except ParkError:
        return None
    entry = factors.get(name) if isinstance(factors, dict) else None
    return float(entry["value"]) if isinstance(entry, dict) and "value" in entry else None


def how_sure(
    park: Park,
    result: Result | None = None,
    *,
    slack: float = 0.05,
    vary: Mapping[str, str] | None = None,
    plans: int = 0,
    **options: Unpack[StudyOptions],
) -> Result:
    """The park's plan with its alternatives and break-even prices attached (``Result.robustness``).

    Parameters
    ----------
    park
        A validated park.
    result
        Its `circflow.optimize` result; solved here when None.
    slack, plans
        As for `circflow.alternatives`.
    vary
        KEY -> ``LOW:HIGH`` as for `circflow.sensitivity`; `default_vary` when None.
    **options
        How each solve runs (`circflow.StudyOptions`), as ``result`` was solved: ``solver``,
        ``time_limit``, ``gap``, ``carbon_price`` and ``extra`` (the alternatives and the
        break-even prices keep the rules); ``workers`` or ``scheduler`` run the alternatives'
        parts and the varied KEYs on a Dask cluster (default: threads of this process);
        ``on_stage``.

    Returns
    -------
    Result
        ``result`` (or the new one) with ``robustness = {"alternatives": ..., "sensitivity": ...}``.
    """
    check_options("how_sure", options)
    stage = stage_of(options)
    carbon_price = options.get("carbon_price")
    if result is None:
        result = optimize(
            park,
            solver=options.get("solver", "highs"),
            time_limit=options.get("time_limit"),
            gap=options.get("gap"),
            carbon_price=carbon_price,
            on_stage=stage,
            extra=options.get("extra"),
        )
    if not result.is_ok:
        return result
    # both studies solve the plan's objective with the plan's solver settings and rules
    objective: Objective = "emissions" if result.objective_name == "emissions" else "cost"
    stage("near-optimal alternatives")
    found = alternatives(park, slack, plans=plans, objective=objective, **options)
    stage("break-even prices")
    priced = (
        park
        if carbon_price is None
        else park.model_copy(update={"economics": park.economics.model_copy(update={"carbon_price": carbon_price})})
    )
    ranges = dict(vary) if vary is not None else default_vary(priced, result)
    moved = sensitivity(park, ranges, objective=objective, **options)
    return with_findings(result, found, moved)


def with_findings(result: Result, found: Alternatives | None = None, moved: Sensitivity | None = None) -> Result:
    """``result`` with alternatives and sensitivity findings in its ``robustness``."""
    robustness = dict(result.robustness)
    if found is not None:
        robustness["alternatives"] = found.to_dict()
    if moved is not None:
        robustness["sensitivity"] = moved.to_dict()
    return dataclasses.replace(result, robustness=robustness)


def add_to_results(
    folder: str | os.PathLike[str], found: Alternatives | None = None, moved: Sensitivity | None = None
) -> pathlib.Path:
    """Put findings into a results folder of the same park: ``results.json`` and ``report.html``.

    Raises
    ------
    ParkError
        When ``folder`` is not a circflow results folder, or one of another park.
    """
    folder = pathlib.Path(folder)
    content: dict[str, Any] = read_results(folder)
    park = (found or moved).park if (found or moved) is not None else content.get("park")  # type: ignore[union-attr]
    if content.get("park") != park:
        msg = f"{folder} holds the results of {content.get('park')!r}, not of {park!r}; give that park's results folder"
        raise ParkError(msg)
    robustness = dict(content.get("robustness") or {})
    if found is not None:
        robustness["alternatives"] = found.to_dict()
    if moved is not None:
        robustness["sensitivity"] = moved.to_dict()
    content["robustness"] = robustness
    _replace(folder / RESULTS_FILE, json.dumps(content, indent=1, allow_nan=False) + "\n")
    report = folder / ".report.html.tmp"
    write_report(report, content)
    report.replace(folder / "report.html")
    return folder


def _replace(path: pathlib.Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
