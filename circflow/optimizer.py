"""`optimize`: one park in, one `Result` out (SPEC 4-6). The API's main entry.

Runs the pipeline ``network -> decompose -> model -> race/objectives -> results`` for the
chosen objective, solves the status quo (the park with its existing links only, no
targets) for the savings, and on an infeasible park names the targets, forced links or
capacities that make it so (`circflow.diagnosis`). Infeasibility and a time limit without a
plan are statuses of the `Result`, never exceptions.
"""

from __future__ import annotations

import math
import pathlib
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from circflow.coupling import joining_rows, solve_joined
from circflow.decompose import independent_parts
from circflow.diagnosis import diagnose, unreachable_targets
from circflow.exceptions import ParkError, SolverError
from circflow.extend import Extra, Rules, record
from circflow.folders import check_file_destination
from circflow.interrupts import stops_on_ctrl_c
from circflow.marginals import COLUMNS as MARGINAL_COLUMNS
from circflow.marginals import marginal_values
from circflow.model import Coefficients, Options, build_model, coefficients, prune_dominated
from circflow.network import Network, build_network
from circflow.objectives import Objective, checked_objective, solve_objective
from circflow.race import solve_parts
from circflow.results import (
    BALANCE_COLUMNS,
    FLOW_COLUMNS,
    LINK_COLUMNS,
    Result,
    Solution,
    balance_table,
    capital_charge,
    flow_table,
    kpis,
    link_table,
    park_facts,
    payback_years,
    process_table,
)
from circflow.schema import MAX_PRICE, Park, reference_problems
from circflow.solve import Outcome, Solver, SolverProfile, Status, relative_gap, run_profile

SPLIT_FROM_LINKS = 1000
"""Parks with fewer candidate links (after pruning) are solved as one model: each HiGHS
instance has a fixed cost, and on generated districts one model was faster up to ~700
links (0.34 s against 0.41 s) and slower from ~1,400 (1.5 s against 0.55 s)."""


@stops_on_ctrl_c
def optimize(
    park: Park,
    objective: Objective = "cost",
    solver: str | SolverProfile = "highs",
    time_limit: float | None = None,
    gap: float | None = None,
    carbon_price: float | None = None,
    write_model: str | pathlib.Path | None = None,
    on_log: Callable[[str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_progress: Callable[[str], None] | None = None,
    *,
    prune: bool = True,
    decompose: bool = True,
    formulation: str = "tight",
    marginals: bool = True,
    extra: Extra = None,
) -> Result:
    """Find the best symbiosis plan of a park.

    Parameters
    ----------
    park
        A validated park (`circflow.load_park`, or built in code).
    objective
        ``cost`` (total_cost + carbon_price x emissions) or ``emissions`` (lexicographic:
        least emissions, then least total_cost among those).
    solver
        Solver profile name (``solvers/NAME.yaml``), path, or `SolverProfile`.
    time_limit
        Seconds for the whole optimisation (overrides the profile).
    gap
        Relative MIP gap (overrides the profile).
    carbon_price
        Money per tCO2 (overrides the park's ``economics.carbon_price``).
    write_model
        Also write the model as ``.mps`` or ``.lp`` to this path before solving.
    on_log, on_stage, on_progress
        Called with each solver log line, with each stage name, and with the solver's
        progress condensed to incumbent, bound and gap, for progress display.
    prune, decompose, formulation
        circflow's speed-ups, on by default; switched off only to measure what they gain
        (`circflow.model.prune_dominated`, `circflow.decompose`, `circflow.model.Options`).
        Independent parts are split off only from `SPLIT_FROM_LINKS` candidate links.
    marginals
        Also compute the plan's marginal values (`circflow.marginals`, SPEC 9): one more
        linear program with the build decisions fixed. Off saves that solve.
    extra
        Rules added from Python (SPEC 10, `circflow.extend`): a function that receives the
        model about to be solved (`circflow.ModelView`) and adds named constraints or
        objective terms, an import path ``"package.module:function"``, or a list of them.
        They are recorded in ``Result.extra`` (``model.extra`` in results.json) and named
        in the diagnosis of an infeasible park. The status quo is solved without them.

    Returns
    -------
    Result
        Status ``optimal`` or ``feasible`` with the plan; ``infeasible`` with ``diagnosis``;
        ``time_limit_no_solution`` when the time limit ran out first.

    Raises
    ------
    ParkError
        When the park or an argument is invalid.
    SolverError
        When HiGHS cannot run.
    """
    started = time.perf_counter()
    stage = on_stage or (lambda _: None)
    checked_objective(objective)
    park, profile = prepare(park, solver, time_limit=time_limit, gap=gap, carbon_price=carbon_price)
    timings: dict[str, float] = {} if park._load_seconds is None else {"load_s": park._load_seconds}

    stage("building candidate network")
    net = build_network(park)
    rules = record(extra, net, objective)
    kept = prune_dominated(net, objective, rules.protected_links()) if prune else net
    options = Options(formulation=formulation)
    if write_model is not None:  # the model circflow solves, before splitting it into parts
        _write_model(Solver(build_model(kept, options, rules), profile), pathlib.Path(write_model))
    split = decompose and len(kept.links) >= SPLIT_FROM_LINKS
    # rules that join parts: the parts solved without them first (circflow.coupling; cost only)
    joined = joining_rows(kept, rules) if split and objective == "cost" else None
    if joined is not None:
        parts = joined.parts
    else:
        parts = independent_parts(kept, rules) if split else [kept]  # one model, even without links: a cap may fail
    timings["candidates_s"] = time.perf_counter() - started

    def solve(some: list[Network], given: Rules, run: SolverProfile) -> tuple[Outcome, Solution]:
        spent: dict[str, float] = {}
        found = solve_parts(net, some, objective, run, on_log, stage, options, on_progress, spent, rules=given)
        timings["build_s"] = timings.get("build_s", 0.0) + spent.get("build_s", 0.0)
        return found

    stage("solving")
    solve_started = time.perf_counter()
    how = ""
    if unreachable_targets(net):
        outcome, solution = Outcome(Status.INFEASIBLE), None
    elif joined is not None:
        outcome, solution, how = solve_joined(net, kept, joined, rules, profile, solve, stage)
    else:
        outcome, solution = solve(parts, rules, profile)
    timings["solve_s"] = time.perf_counter() - solve_started - timings.get("build_s", 0.0)  # HiGHS, parts side by side
    status_quo_started = time.perf_counter()
    status_quo = None
    diagnosis: list[str] = []
    if outcome.is_ok:
        stage("solving the status quo")
        status_quo = solve_status_quo(park, objective, profile)
    elif outcome.status is Status.INFEASIBLE:
        stage("explaining infeasibility")
        diagnosis = diagnose(net, profile, rules)
    timings["status_quo_s"] = time.perf_counter() - status_quo_started
    if status_quo is None or solution is None:
        return no_plan_result(park, net, objective, outcome, diagnosis, timings, rules)
    model_facts = {
        "candidate_links": len(net.links),
        "pruned_links": len(net.links) - len(kept.links),
        "independent_parts": 1 if how == "one part" else len(parts),
    }
    if joined is not None:  # circflow.coupling: how many rows joined parts; whether the park was solved as one
        model_facts |= {"rules_joining_parts": len(joined.joining), "solved_as_one_part": int(how == "one part")}
    values = None
    if marginals:
        stage("marginal values")
        marginals_started = time.perf_counter()
        values = marginal_values(net, solution.built, profile, objective, rules)
        timings["marginals_s"] = time.perf_counter() - marginals_started
    return make_result(
        net,
        coefficients(net),
        solution,
        objective,
        outcome,
        status_quo,
        timings,
        model_facts,
        values,
        rules,
        gap_target=profile.gap if objective == "cost" else None,
    )


def prepare(
    park: Park,
    solver: str | SolverProfile = "highs",
    *,
    time_limit: float | None = None,
    gap: float | None = None,
    carbon_price: float | None = None,
) -> tuple[Park, SolverProfile]:
    """Check a park and its run options; return the park (carbon price applied) and the profile.

    Raises
    ------
    ParkError
        On an unknown profile, a bad carbon price, or a park whose ids do not resolve.
    """
    profile = run_profile(solver, time_limit=time_limit, gap=gap)
    if carbon_price is not None:
        if not (math.isfinite(carbon_price) and 0 <= carbon_price <= MAX_PRICE):
            msg = (
                f"carbon price must be a number from 0 to {MAX_PRICE:g} (beyond, circflow's model cannot "
                f"represent it), got {carbon_price:g}"
            )
            raise ParkError(msg)
        park = _with_carbon_price(park, carbon_price)
    problems = reference_problems(park)
    if problems:
        raise ParkError([park.problem(path, message) for path, message in problems])
    return park, profile


def make_result(
    net: Network,
    coef: Coefficients,
    solution: Solution,
    objective: str,
    outcome: Outcome,
    status_quo: dict[str, Any],
    timings: dict[str, float],
    model_facts: dict[str, int] | None = None,
    marginals: pd.DataFrame | None = None,
    rules: Rules | None = None,
    gap_target: float | None = None,
) -> Result:
    """Assemble the `Result` of a solved model: KPIs against the status quo, tables, facts.

    With ``gap_target`` (the run's relative gap), a plan HiGHS stopped short of it is still
    ``optimal`` when the plan as read back is within it of the proven bound: reading drops
    new links a solver's incumbent builds but sends nothing through (`Solution.from_values`),
    so the plan reported can be cheaper than the incumbent, and its gap smaller.

    The status quo's KPIs go to ``kpis["baseline"]`` (the key SPEC 5 fixes) and the
    difference to ``kpis["savings"]``; ``marginals`` are the plan's marginal values
    (`circflow.marginals.marginal_values`), if computed. The objective terms of ``rules``
    (SPEC 10) are money of the plan: each under ``kpis["extra"]``, their sum
    ``kpis["extra_cost"]``, included in total_cost.
    """
    park = net.park
    values = kpis(net, coef, solution)
    report = rules.report(solution, net, values) if rules else []
    if rules and rules.terms:
        costs = rules.costs(solution, net, values)
        values["extra"] = costs
        values["extra_cost"] = sum(costs.values())
        values["total_cost"] += values["extra_cost"]
    values["baseline"] = dict(status_quo)
    values["savings"] = {
        "total_cost": status_quo["total_cost"] - values["total_cost"],
        "emissions": status_quo["emissions"] - values["emissions"],
    }
    links, processes = link_table(net, coef, solution), process_table(net, coef, solution)
    # Simple payback of the plan: its capex over the saving before the capital charge (O&M stays a cost).
    values["capital_charge"] = capital_charge(links, processes)
    values["operating_saving"] = values["savings"]["total_cost"] + values["capital_charge"]
    values["payback_years"] = payback_years(values["capex"], values["operating_saving"])
    objective_value = values["emissions"] if objective == "emissions" else values["total_cost"] + values["carbon_cost"]
    bound = outcome.bound  # NaN when no bound was proven: the gap is then unknown, never claimed
    status, warnings = outcome.status, list(net.warnings)
    if math.isfinite(outcome.objective) and not no_worse_than_solver(objective_value, outcome.objective):
        status = Status.FEASIBLE  # the plan as read back is not the one the solver proved
        warnings.append(
            f"the plan as read back ({objective_value:.10g}) differs from the solver's objective "
            f"({outcome.objective:.10g}); it is not reported optimal"
        )
    elif (
        status is Status.FEASIBLE
        and gap_target is not None
        and math.isfinite(bound)
        and objective_value >= bound - 1e-9 * max(1.0, abs(bound))  # below the bound: not a plan of the model
        and relative_gap(objective_value, bound) <= gap_target
    ):
        status = Status.OPTIMAL  # the plan as read back is proven within the gap asked
    return Result(
        park=park.park.name,
        objective_name=objective,
        status=status,
        objective=objective_value,
        bound=bound,
        gap=relative_gap(objective_value, bound)
        if status is Status.FEASIBLE
        else min(outcome.gap, relative_gap(objective_value, bound)),
        kpis=values,
        links=links,
        processes=processes,
        flows=flow_table(net, coef, solution),
        balances=balance_table(net, coef, solution),
        periods=net.periods,
        scenarios=list(park.applied_scenarios),
        timings=dict(timings),
        warnings=warnings,
        currency=park.economics.currency,
        source=park.source,
        model_facts=model_facts or {},
        marginals=marginals if marginals is not None else pd.DataFrame(),
        extra=report,
        **park_facts(net),
    )


AGREEMENT = 1e-6
"""Relative tolerance within which the reported objective must equal the solver's (issue 18):
above the rounding of reading a plan back, far below any gap a user asks for."""


def objectives_agree(reported: float, solver: float) -> bool:
    """Whether the objective evaluated from the plan (KPIs) is the solver's own, within `AGREEMENT`.

    Under the ``emissions`` objective the solver's value is the first stage's least
    emissions and the plan the second stage's, held within `circflow.objectives.lock_tolerance`
    of it (1e-9 relative plus rounding), far inside `AGREEMENT`.
    """
    return abs(reported - solver) <= AGREEMENT * max(1.0, abs(solver), abs(reported))


def no_worse_than_solver(reported: float, solver: float) -> bool:
    """Whether the plan as read back is at least as good as the solver's, within `AGREEMENT`.

    Reading a plan back drops what carries nothing: a heuristic incumbent (a part stopped
    early by the race) may build a pipeline that sends nothing, whose capex the plan then does
    not pay. That plan is feasible and cheaper, and the bound still holds; a plan read back
    *worse* than the solver's would mean the two definitions of the objective disagree.
    """
    return reported <= solver + AGREEMENT * max(1.0, abs(solver), abs(reported))


def solve_status_quo(park: Park, objective: Objective, profile: SolverProfile) -> dict[str, Any]:
    """KPIs of the status quo: existing links only, no targets, no forced links (SPEC 4).

    The same KPIs as the plan's (total_cost, emissions, cost breakdown, utilisation), so a
    report can set them side by side. Solved without a time limit: existing links only
    make a small linear program.

    Raises
    ------
    SolverError
        When HiGHS finds no plan for it (building nothing is always one, so this is a bug).
    """
    net = build_network(park, existing_only=True)
    model = build_model(net, Options(targets=False))
    solver = Solver(model, profile.model_copy(update={"time_limit": None}))
    outcome = solve_objective(solver, objective)
    if not outcome.is_ok:
        msg = f"the status quo could not be solved ({outcome.status})"
        raise SolverError(msg)
    return kpis(net, model.coef, Solution.from_values(model, solver.values))


def _write_model(solver: Solver, path: pathlib.Path) -> None:
    if path.suffix.lower() not in {".mps", ".lp"}:
        msg = f"--write-model needs a .mps or .lp file name, got {path.name!r}"
        raise ParkError(msg)
    check_file_destination(path)
    solver.write(path)


def _with_carbon_price(park: Park, price: float) -> Park:
    economics = park.economics.model_copy(update={"carbon_price": price})
    updated = park.model_copy(update={"economics": economics})
    for name in ("_source", "_base_dir", "_scenarios", "_tree", "_load_seconds"):
        setattr(updated, name, getattr(park, name))
    return updated


def no_plan_result(
    park: Park,
    net: Network,
    objective: str,
    outcome: Outcome,
    diagnosis: list[str],
    timings: dict[str, float],
    rules: Rules | None = None,
) -> Result:
    """The `Result` of a run without a plan: its status, the diagnosis of an infeasible park."""
    return Result(
        park=park.park.name,
        objective_name=objective,
        status=outcome.status,
        objective=math.nan,
        bound=math.nan,
        gap=math.nan,
        kpis={},
        links=pd.DataFrame(columns=LINK_COLUMNS),
        flows=pd.DataFrame(columns=FLOW_COLUMNS),
        balances=pd.DataFrame(columns=BALANCE_COLUMNS),
        periods=net.periods,
        scenarios=list(park.applied_scenarios),
        timings=timings,
        warnings=list(net.warnings),
        diagnosis=diagnosis,
        currency=park.economics.currency,
        source=park.source,
        marginals=pd.DataFrame(columns=[*MARGINAL_COLUMNS, *net.periods]),
        extra=rules.report(None, net) if rules else [],
        **park_facts(net),
    )
