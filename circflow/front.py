"""The cost-emissions Pareto front of a park, by the epsilon-constraint method (SPEC 4).

Beside `circflow.optimizer`, at the same stage: ``network -> model -> objectives`` run several
times on one model; its public function is `circflow.pareto`. The two
ends are the cost optimum and the lexicographic emissions optimum; between them,
emissions are capped at evenly spaced levels ``eps`` and each point is solved
lexicographically (least cost objective with ``emissions <= eps``, then least emissions at
that cost), so no point is weakly dominated. Points that coincide are kept once.

The cost axis is the ``cost`` objective, total_cost + carbon_price x emissions; with no
carbon price it is total_cost.
"""

from __future__ import annotations

import math
import pathlib
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from circflow.diagnosis import diagnose, unreachable_targets
from circflow.exceptions import ParkError, SolverError
from circflow.exports.csvtext import write_csv
from circflow.extend import Extra, record
from circflow.folders import save_folder
from circflow.interrupts import stops_on_ctrl_c
from circflow.model import ParkModel, build_model
from circflow.network import build_network
from circflow.objectives import solve_lexicographic, solve_objective
from circflow.optimizer import make_result, no_plan_result, prepare, solve_status_quo
from circflow.results import Result, Solution, write_marker
from circflow.schema import Park
from circflow.solve import Outcome, Solver, SolverProfile, Status

#: Relative tolerance under which two points of the front are the same point.
SAME_POINT = 1e-7


@stops_on_ctrl_c
def pareto_results(
    park: Park,
    points: int = 8,
    solver: str | SolverProfile = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    carbon_price: float | None = None,
    on_stage: Callable[[str], None] | None = None,
    extra: Extra = None,
) -> list[Result]:
    """Solve the Pareto front and return one `Result` per point, cheapest first.

    Parameters
    ----------
    park
        A validated park.
    points
        Number of emission levels from the cost optimum to the emissions optimum (>= 2),
        ends included; fewer come back when points coincide.
    solver, time_limit, gap, carbon_price
        As for `circflow.optimize`; the time limit applies to each solve.
    extra
        Rules added from Python, as for `circflow.optimize` (SPEC 10): every point keeps them.

    Returns
    -------
    list of Result
        The points of the front. A park without any plan gives one `Result` without a plan,
        as `circflow.optimize` does: status ``infeasible`` with its ``diagnosis``, or
        ``time_limit_no_solution``.

    Raises
    ------
    ParkError
        When the park or an argument is invalid.
    """
    if points < 2:
        msg = f"a Pareto front needs at least 2 points, got {points}"
        raise ParkError(msg)
    stage = on_stage or (lambda _: None)
    park, profile = prepare(park, solver, time_limit=time_limit, gap=gap, carbon_price=carbon_price)
    started = time.perf_counter()
    net = build_network(park)
    rules = record(extra, net, "cost")
    model = build_model(net, extra=rules)
    m_solver = Solver(model, profile)
    timings = {"build_s": time.perf_counter() - started}

    stage("solving the emissions end")
    if unreachable_targets(net):
        low = Outcome(Status.INFEASIBLE, reason="infeasible")
    else:
        low = solve_objective(m_solver, "emissions")
    if not low.is_ok:
        diagnosis = diagnose(net, profile, rules) if low.status is Status.INFEASIBLE else []
        return [no_plan_result(park, net, "cost", low, diagnosis, timings, rules)]
    emissions = model.expressions["emissions"]
    low_solution = Solution.from_values(model, m_solver.values)
    low_emissions = emissions.value(_plan_values(m_solver))
    stage("solving the cost end")
    high = solve_lexicographic(m_solver, "cost")  # the cleanest of the cheapest plans
    status_quo = solve_status_quo(park, "cost", profile)
    solved: list[tuple[Outcome, Solution]] = []
    if high.is_ok:
        solved.append((high, Solution.from_values(model, m_solver.values)))
        ends = (emissions.value(_plan_values(m_solver)), low_emissions)
        solved += _capped_points(m_solver, model, ends, points, stage)
    solved.append((Outcome(low.status, float("nan"), low.bound, low.gap, low.seconds, low.reason), low_solution))
    timings["solve_s"] = time.perf_counter() - started - timings["build_s"]

    results = [
        make_result(net, model.coef, solution, "cost", outcome, status_quo, timings, rules=rules)
        for outcome, solution in solved
    ]
    results[-1] = _as_cost_point(results[-1])
    if not high.is_ok:  # the emissions end is all of the front that was found
        note = f"the cost end of the front found no plan ({high.reason}); the front is its emissions end only"
        results[-1] = replace(results[-1], warnings=[*results[-1].warnings, note])
    return _non_dominated(results)


def _capped_points(
    m_solver: Solver, model: ParkModel, ends: tuple[float, float], points: int, stage: Callable[[str], None]
) -> list[tuple[Outcome, Solution]]:
    """The points between the ends: emissions capped at evenly spaced levels from the cost
    end's emissions down to the emissions end's (``ends``), each solved lexicographically."""
    emissions = model.expressions["emissions"]
    high_emissions, low_emissions = ends
    span = high_emissions - low_emissions
    solved: list[tuple[Outcome, Solution]] = []
    if span <= SAME_POINT * max(1.0, abs(high_emissions)):
        return solved
    cap = m_solver.hold(emissions, high_emissions)  # the epsilon constraint
    for k in range(1, points - 1):
        stage(f"solving point {k + 1} of {points}")
        m_solver.move(cap, emissions, high_emissions - k * span / (points - 1))
        try:
            outcome = solve_lexicographic(m_solver, "cost")
        except SolverError:
            continue  # a numerically failed level: the front simply has one point fewer
        if outcome.is_ok:
            solved.append((outcome, Solution.from_values(model, m_solver.values)))
    m_solver.release(cap)
    return solved


def _plan_values(solver: Solver) -> np.ndarray:
    """The column values of the plan the last solve kept (every solve that found a plan keeps it)."""
    if solver.values is None:
        msg = "HiGHS reported a plan but kept none"
        raise SolverError(msg)
    return solver.values


def pareto(park: Park, points: int = 8, **options: object) -> pd.DataFrame:
    """The Pareto front as a table (SPEC 6): one row per point, cheapest first.

    Columns: point, total_cost, emissions, objective, capex, annualized_capex,
    links_built, links (ids of the links in the plan), status, and ``result``: the point's
    `circflow.Result` (its links, flows and KPIs, as `circflow.optimize` gives them). A park
    without any plan gives one row without numbers whose status says why (``infeasible``,
    ``time_limit_no_solution``); ``attrs["diagnosis"]`` names the culprits of an
    infeasible park, as `circflow.optimize`'s ``Result.diagnosis`` does.

    Examples
    --------
    >>> front = circflow.pareto(park, points=6)  # doctest: +SKIP
    >>> front.loc[2, "result"].links[["id", "capacity"]]  # doctest: +SKIP
    """
    results = pareto_results(park, points, **options)  # type: ignore[arg-type]
    table = front_table(results)
    table["result"] = results
    table.attrs["diagnosis"] = [line for result in results for line in result.diagnosis]
    return table


def front_table(results: list[Result]) -> pd.DataFrame:
    """Tabulate Pareto points (see `pareto`)."""
    rows = []
    for index, result in enumerate(results, start=1):
        k = result.kpis
        rows.append(
            {
                "point": index,
                "total_cost": k.get("total_cost", math.nan),
                "emissions": k.get("emissions", math.nan),
                "objective": k.get("total_cost", math.nan) + k.get("carbon_cost", math.nan),
                "capex": k.get("capex", math.nan),
                "annualized_capex": k.get("annualized_capex", math.nan),
                "links_built": result.links_built,
                "links": " ".join(result.links["id"]) if not result.links.empty else "",
                "status": str(result.status),
            }
        )
    return pd.DataFrame(rows)


def _as_cost_point(result: Result) -> Result:
    """The emissions end, reported on the front's cost axis like every other point."""
    objective = result.kpis["total_cost"] + result.kpis["carbon_cost"]
    return replace(result, objective=objective, bound=math.nan, gap=math.nan)


def _non_dominated(results: list[Result]) -> list[Result]:
    """Drop repeated points and any point another one weakly dominates."""

    def key(result: Result) -> tuple[float, float]:
        return result.kpis["total_cost"] + result.kpis["carbon_cost"], result.kpis["emissions"]

    kept: list[Result] = []
    for result in sorted(results, key=key):
        cost, emissions = key(result)
        if kept and _leq(cost, key(kept[-1])[0]) and emissions < key(kept[-1])[1]:
            kept[-1] = result  # as cheap (to rounding) and cleaner: it replaces the last point
            continue
        if any(_leq(key(other)[1], emissions) for other in kept):
            continue  # a cheaper or equal point emits no more: this one adds nothing
        kept.append(result)
    return kept


def _leq(a: float, b: float) -> bool:
    return a <= b + SAME_POINT * max(1.0, abs(b))


def save_front(folder: str | pathlib.Path, results: list[Result], pages: bool = False) -> pathlib.Path:
    """Write ``pareto.csv``, ``pareto.html`` (with ``plotly.min.js`` beside it) and each point in ``point-K/``.

    A point's folder holds its data files; with ``pages`` also its ``report.html`` and
    ``sankey.html`` (each self-contained, a few MB).

    Raises
    ------
    OutputError
        When ``folder`` is not circflow's or cannot be written (nothing is written).
    """
    from circflow.exports.page import write_plotly_js
    from circflow.exports.paretochart import pareto_page

    table = front_table(results)

    def write(tmp: pathlib.Path) -> None:
        write_csv(table, tmp / "pareto.csv")
        write_plotly_js(tmp)
        (tmp / "pareto.html").write_text(
            pareto_page([r.to_dict() for r in results], point_pages=pages), encoding="utf-8"
        )
        for index, result in enumerate(results, start=1):
            result.save(tmp / f"point-{index}", pages=pages)
        write_marker(tmp, "pareto")

    return save_folder(folder, write)
