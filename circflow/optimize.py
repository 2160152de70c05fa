"""`optimize`: one park in, one `Result` out (SPEC 4-6). The API's main entry.

Runs the pipeline ``network -> model -> solve -> results`` for the chosen objective, solves
the status-quo baseline (existing links only, no targets) for the savings, and on an
infeasible park solves an elastic copy to name the targets, forced links or capacities
that make it so.
"""

from __future__ import annotations

import math
import pathlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np

from circflow.decompose import independent_parts, unlinked_streams
from circflow.exceptions import ParkError, SolverError
from circflow.model import Coefficients, Options, ParkModel, build_model, coefficients, prune_dominated
from circflow.network import Network, build_network
from circflow.results import Result, Solution, balance_table, flow_table, kpis, link_table, park_facts, process_table
from circflow.schema import Park, reference_problems
from circflow.solve import Outcome, Solver, SolverProfile, Status, load_profile, relative_gap

Objective = Literal["cost", "emissions"]
OBJECTIVES = ("cost", "emissions")

DEFAULT_GAP = 1e-4
"""HiGHS's own relative gap, for a profile that gives none."""

SPLIT_FROM_LINKS = 1000
"""Parks with fewer candidate links (after pruning) are solved as one model: each HiGHS
instance has a fixed cost, and on generated districts one model was faster up to ~700
links (0.34 s against 0.41 s) and slower from ~1,400 (1.5 s against 0.55 s)."""


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
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r}; use cost or emissions"
        raise ParkError(msg)
    park, profile = prepare(park, solver, time_limit=time_limit, gap=gap, carbon_price=carbon_price)
    timings: dict[str, float] = {} if park._load_seconds is None else {"load_s": park._load_seconds}  # noqa: SLF001

    stage("building candidate network")
    net = build_network(park)
    kept = prune_dominated(net, objective) if prune else net
    options = Options(formulation=formulation)
    if write_model is not None:  # the model circflow solves, before splitting it into parts
        _write_model(Solver(build_model(kept, options), profile), pathlib.Path(write_model))
    split = decompose and len(kept.links) >= SPLIT_FROM_LINKS
    parts = independent_parts(kept) if split else [kept]  # one model, even without links: a cap may still fail
    timings["candidates_s"] = time.perf_counter() - started

    stage("solving")
    solve_started = time.perf_counter()
    outcome, solution = solve_parts(net, parts, objective, profile, on_log, stage, options, on_progress, timings)
    timings["solve_s"] = time.perf_counter() - solve_started - timings.get("build_s", 0.0)  # HiGHS, parts side by side
    baseline_started = time.perf_counter()
    baseline = None
    diagnosis: list[str] = []
    if outcome.is_ok:
        stage("solving the status-quo baseline")
        baseline = solve_baseline(park, objective, profile)
    elif outcome.status is Status.INFEASIBLE:
        stage("explaining infeasibility")
        diagnosis = diagnose(net, profile)
    timings["baseline_s"] = time.perf_counter() - baseline_started
    if not outcome.is_ok:
        return _empty_result(park, net, objective, outcome, diagnosis, timings)
    model_facts = {"candidate_links": len(net.links), "pruned_links": len(net.links) - len(kept.links),
                   "independent_parts": len(parts)}
    return make_result(net, coefficients(net), solution, objective, outcome, baseline, timings, model_facts)


def solve_parts(net: Network, parts: list[Network], objective: Objective, profile: SolverProfile,
                on_log: Callable[[str], None] | None = None,
                on_stage: Callable[[str], None] | None = None,
                options: Options | None = None,
                on_progress: Callable[[str], None] | None = None,
                timings: dict[str, float] | None = None) -> tuple[Outcome, Solution]:
    """Solve independent parts together and combine them into one outcome and solution.

    The objective and bound are the sums of the parts' (plus the constant of streams with
    no link), so the combined gap is honest. The parts run at once, largest first, as
    many as `part_workers` allows (HiGHS releases Python's lock while it solves; the
    cores share the parts). Each part stops at the profile's gap on its own objective;
    and once every part has a plan, all stop together as soon as the park's combined gap
    is within the profile's gap (`_Race`): a part that is slow to close its own gap is
    not solved tighter than the park needs. ``timings`` receives ``build_s``, the time to
    build the parts' models and hand them to HiGHS.
    """
    stage = on_stage or (lambda _: None)
    build_started = time.perf_counter()
    rest = unlinked_streams(net, parts)
    constant = solve_objective(Solver(build_model(rest, Options(targets=False)), profile), objective).objective
    index = {id(link): i for i, link in enumerate(net.links)}
    flow = np.zeros((len(net.links), len(net.periods)))
    built = np.array([link.prebuilt for link in net.links], dtype=bool)
    capacity = np.zeros(len(net.links))
    process_built = np.array([p.existing for p in net.processes], dtype=bool)
    process_capacity = np.zeros(len(net.processes))
    # what a utilisation target counts: original supplies and the links leaving them, not process outputs (SPEC 8.2)
    carried = {link.resource for part in parts for link in part.links if net.supplies[link.supply].role == "supply"}
    supplied = {s.resource for s in net.supplies if s.role == "supply" and s.amounts.sum() > 0}
    targets = net.park.targets.utilization
    if any(share > 0 and r in supplied and r not in carried for r, share in targets.items()):
        return Outcome(Status.INFEASIBLE), Solution(flow, built, capacity)  # a target no link can serve
    parts = sorted(parts, key=lambda part: -len(part.links))
    models = [build_model(part, options or Options()) for part in parts]
    solvers = [Solver(model, profile, on_log, _labelled(on_progress, k, len(parts))) for k, model in enumerate(models)]
    for solver in solvers:
        solver.load()
    if timings is not None:
        timings["build_s"] = time.perf_counter() - build_started
    limit = profile.time_limit
    started = time.perf_counter()
    workers = part_workers(profile, len(parts))
    race = _Race(len(parts), constant, profile.gap) if objective == "cost" and len(parts) > 1 and profile.gap else None
    waiting = {"links": sum(len(part.links) for part in parts)}  # links of the parts not started yet
    lock = threading.Lock()

    def time_share(k: int) -> float | None:
        """The remaining time, or with fewer workers than parts a share in proportion to links."""
        with lock:
            links_left = waiting["links"]
            waiting["links"] -= len(parts[k].links)
        if limit is None:
            return None
        remaining = max(limit - (time.perf_counter() - started), 0.0)
        return remaining * min(1.0, workers * len(parts[k].links) / max(links_left, 1))

    def run(k: int) -> Outcome:
        share = time_share(k)
        if len(parts) > 1 and workers == 1:
            stage(f"solving part {k + 1} of {len(parts)} ({len(parts[k].links)} links)")
        try:
            if race is None:
                outcome = solve_objective(solvers[k], objective, time_limit=share)
            else:
                outcome = solvers[k].solve("cost", time_limit=share, watch=lambda plan, bound: race.update(k, plan, bound))
        except BaseException:
            if race is not None:
                race.stop()  # the others need not finish: the run fails
            raise
        if outcome.status is Status.TIME_LIMIT_NO_SOLUTION and _status_quo_allowed(parts[k]):
            outcome = _status_quo_outcome(solvers[k], objective, outcome)  # no new link is a plan too
        if race is not None:
            race.finish(k, outcome)
        return outcome

    if len(parts) > 1 and workers > 1:
        stage(f"solving {len(parts)} independent parts")
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(run, range(len(parts))))
    else:
        outcomes = [run(k) for k in range(len(parts))]
    if any(o.status is Status.INFEASIBLE for o in outcomes):
        return Outcome(Status.INFEASIBLE, seconds=sum(o.seconds for o in outcomes)), Solution(flow, built, capacity)

    objective_sum, bound_sum, seconds = constant, constant, 0.0
    for k, outcome in enumerate(outcomes):
        if not outcome.is_ok:
            return Outcome(outcome.status, seconds=seconds + outcome.seconds), Solution(flow, built, capacity)
        part_solution = Solution.from_values(models[k], solvers[k].values)
        rows = [index[id(link)] for link in parts[k].links]
        flow[rows] = part_solution.flow
        built[rows] = part_solution.built
        capacity[rows] = part_solution.capacity
        decided = [p.index for p in parts[k].active_processes()]
        process_built[decided] = part_solution.process_built[decided]
        process_capacity[decided] = part_solution.process_capacity[decided]
        objective_sum += outcome.objective
        bound_sum += outcome.bound
        seconds += outcome.seconds
    gap = relative_gap(objective_sum, bound_sum)
    if len(parts) == 1:
        status = outcomes[0].status
    else:  # optimal means within the park's gap, whatever each part's own gap says
        target = profile.gap if profile.gap is not None else DEFAULT_GAP
        status = Status.OPTIMAL if gap <= max(target, 1e-9) else Status.FEASIBLE  # 1e-9: gap 0 asked, rounding left
    solution = Solution(flow, built, capacity, process_built, process_capacity)
    return Outcome(status, objective_sum, bound_sum, gap, seconds), solution


class _Race:
    """Parts solved together: they all stop once their plans add up to within the park's gap.

    Each running part reports its incumbent and bound (HiGHS's MIP callback, in objective
    units); a finished part, its outcome. The combined gap is that of the reported totals,
    the constant of unlinked streams included, so it is the gap `solve_parts` reports.
    A part found infeasible stops the others too: the park is infeasible.
    """

    def __init__(self, parts: int, constant: float, gap: float) -> None:
        self.plans = [math.inf] * parts
        self.bounds = [-math.inf] * parts
        self.constant = constant
        self.gap = gap
        self.done = False
        self.lock = threading.Lock()

    def update(self, k: int, plan: float, bound: float) -> bool:
        """Record part k's incumbent and bound; True when every part may stop."""
        with self.lock:
            self.plans[k], self.bounds[k] = plan, bound
            if not self.done:
                total = self.constant + sum(self.plans)
                self.done = math.isfinite(total) and relative_gap(total, self.constant + sum(self.bounds)) <= self.gap
            return self.done

    def stop(self) -> None:
        """Stop every part now (one is infeasible or failed)."""
        with self.lock:
            self.done = True

    def finish(self, k: int, outcome: Outcome) -> None:
        if outcome.status is Status.INFEASIBLE:
            self.stop()
        elif outcome.is_ok:  # a bound HiGHS did not prove stays -inf: the race cannot end on it
            self.update(k, outcome.objective, outcome.bound if math.isfinite(outcome.bound) else -math.inf)


def _labelled(on_progress: Callable[[str], None] | None, k: int, parts: int) -> Callable[[str], None] | None:
    """Progress of part k, saying which part it is (parts run side by side)."""
    if on_progress is None or parts == 1:
        return on_progress
    return lambda text: on_progress(f"part {k + 1}/{parts} {text}")


def part_workers(profile: SolverProfile, parts: int) -> int:
    """How many parts run at once: all of them, or at most the profile's ``threads``."""
    return max(1, min(parts, profile.threads or parts))


def prepare(park: Park, solver: str | SolverProfile = "highs", *, time_limit: float | None = None,
            gap: float | None = None, carbon_price: float | None = None) -> tuple[Park, SolverProfile]:
    """Check a park and its run options; return the park (carbon price applied) and the profile.

    Raises
    ------
    ParkError
        On an unknown profile, a bad carbon price, or a park whose ids do not resolve.
    """
    profile = solver if isinstance(solver, SolverProfile) else load_profile(solver)
    updates = {key: value for key, value in (("time_limit", time_limit), ("gap", gap)) if value is not None}
    profile = profile.model_copy(update=updates)
    if carbon_price is not None:
        if not (math.isfinite(carbon_price) and carbon_price >= 0):
            msg = f"carbon price must be a finite number >= 0, got {carbon_price}"
            raise ParkError(msg)
        park = _with_carbon_price(park, carbon_price)
    problems = reference_problems(park)
    if problems:
        raise ParkError([park.problem(path, message) for path, message in problems])
    return park, profile


def make_result(net: Network, coef: Coefficients, solution: Solution, objective: str, outcome: Outcome,
                baseline: dict[str, float], timings: dict[str, float], model_facts: dict[str, int] | None = None) -> Result:
    """Assemble the `Result` of a solved model: KPIs against the baseline, tables, facts."""
    park = net.park
    values = kpis(net, coef, solution)
    values["baseline"] = dict(baseline)
    values["savings"] = {"total_cost": baseline["total_cost"] - values["total_cost"],
                         "emissions": baseline["emissions"] - values["emissions"]}
    objective_value = values["emissions"] if objective == "emissions" else values["total_cost"] + values["carbon_cost"]
    bound = outcome.bound if math.isfinite(outcome.bound) else objective_value
    return Result(
        park=park.park.name,
        objective_name=objective,
        status=outcome.status,
        objective=objective_value,
        bound=bound,
        gap=relative_gap(objective_value, bound) if outcome.status is Status.FEASIBLE else outcome.gap,
        kpis=values,
        links=link_table(net, coef, solution),
        processes=process_table(net, coef, solution),
        flows=flow_table(net, coef, solution),
        balances=balance_table(net, coef, solution),
        periods=net.periods,
        scenarios=list(park.applied_scenarios),
        timings=dict(timings),
        warnings=list(net.warnings),
        currency=park.economics.currency,
        source=park.source,
        model_facts=model_facts or {},
        **park_facts(net),
    )


def _status_quo_allowed(part: Network) -> bool:
    """Whether building nothing new is feasible for a part: no forced link, no target."""
    targets = part.park.targets
    has_targets = any(share > 0 for share in targets.utilization.values()) or targets.max_emissions is not None
    return not part.forced_groups and not has_targets


def _status_quo_outcome(solver: Solver, objective: str, timed_out: Outcome) -> Outcome:
    """The part's status quo as a feasible plan when the time limit left no solution.

    Nothing flows (existing links idle too: feasible, if not the best use of them); the
    bound stays the solver's, so the reported gap says how far this may be from optimal.
    """
    model = solver.model
    solver.values = np.zeros(model.shape[1])
    expression, _ = model.objectives["emission" if objective == "emissions" else "cost"]
    value = expression.value(solver.values)
    bound = timed_out.bound if math.isfinite(timed_out.bound) else -math.inf
    return Outcome(Status.FEASIBLE, value, bound, relative_gap(value, bound), timed_out.seconds)


def solve_objective(solver: Solver, objective: Objective, time_limit: float | None = None) -> Outcome:
    """Solve for ``cost``, or lexicographically for ``emissions`` (SPEC 4).

    Emissions: first minimise emissions E; then hold ``emissions <= E* + tolerance`` and
    minimise total_cost (`solve_lexicographic`). The outcome's bound and gap are the first
    stage's.
    """
    if objective == "cost":
        return solver.solve("cost", time_limit=time_limit)
    return solve_lexicographic(solver, "emission", time_limit)


def solve_lexicographic(solver: Solver, first: str, time_limit: float | None = None) -> Outcome:
    """Minimise one objective, then the other among the plans optimal for the first.

    Parameters
    ----------
    first
        ``emission`` (then total_cost) or ``cost`` (the cost objective, then emissions).

    The first optimum is held within 1e-9 of its value; if HiGHS finds that hold
    infeasible (it meets rows only to its feasibility tolerance, and rates are multiplied
    by up to 8,760 hours) the hold widens to `lock_tolerance`, then a hundredfold. Should
    the second stage fail anyway, the first stage's plan is kept: it is optimal for the
    first objective.
    """
    m = solver.model
    started = time.perf_counter()
    outcome = solver.solve(first, time_limit=time_limit)
    if not outcome.is_ok:
        return outcome
    held, _ = m.objectives[first]  # in the park's units, not the solver's
    second_objective = "cheapest" if first == "emission" else "emission"
    snapshot = None if solver.values is None else solver.values.copy()
    tolerances = [1e-9 * abs(outcome.objective) + 1e-12, lock_tolerance(m, first, outcome.objective)]
    tolerances.append(100 * tolerances[-1])
    limit = solver.profile.time_limit if time_limit is None else time_limit
    second = None
    for tolerance in tolerances:
        row = solver.hold(held, outcome.objective + tolerance)
        remaining = None if limit is None else max(limit - (time.perf_counter() - started), 0.01)
        solver.forget_solution()
        try:
            second = solver.solve(second_objective, time_limit=remaining)
        finally:
            solver.release(row)
        if second.is_ok or second.status is not Status.INFEASIBLE:
            break
    if second is None or not second.is_ok:  # keep the first stage's optimal plan
        solver.values = snapshot
        second = Outcome(outcome.status)
    status = Status.OPTIMAL if outcome.status is Status.OPTIMAL and second.status is Status.OPTIMAL else Status.FEASIBLE
    if second.status is not Status.FEASIBLE and limit is None:
        status = outcome.status  # without a time limit only the first stage decides optimality
    return Outcome(status, outcome.objective, outcome.bound, outcome.gap, outcome.seconds + second.seconds)


def lock_tolerance(m: ParkModel, first: str, value: float) -> float:
    """How far a held first-stage optimum may move: relative 1e-9 plus the row's rounding.

    The rounding term is 1e-9 per unit of the held row's coefficients (per unit of rate,
    hours included): small enough not to trade the first objective for the second, and
    widened by `solve_lexicographic` when HiGHS cannot meet it.
    """
    c = m.coef
    per_flow = c.emissions_per_flow if first == "emission" else c.objective_per_flow
    hours = sum(m.hours) if len(m.hours) else 1.0
    rounding = 1e-9 * hours * float(np.abs(per_flow).sum())
    if first != "emission":
        rounding += 1e-9 * float(sum(np.abs(a).sum() for a in (c.annual_fixed, c.annual_per_rate, c.process_annual_fixed,
                                                                c.process_annual_per_rate)))
    return 1e-9 * abs(value) + rounding + 1e-9



def solve_baseline(park: Park, objective: Objective, profile: SolverProfile) -> dict[str, Any]:
    """KPIs of the status quo: existing links only, no targets, no forced links (SPEC 4).

    The same KPIs as the plan's (total_cost, emissions, cost breakdown, utilisation), so a
    report can set them side by side.
    """
    net = build_network(park, existing_only=True)
    model = build_model(net, Options(targets=False))
    solver = Solver(model, profile.model_copy(update={"time_limit": None}))
    outcome = solve_objective(solver, objective)
    if not outcome.is_ok:
        msg = f"the status-quo baseline could not be solved ({outcome.status})"
        raise SolverError(msg)
    return kpis(net, model.coef, Solution.from_values(model, solver.values))


def diagnose(net: Network, profile: SolverProfile) -> list[str]:
    """Name the targets, forced links and existing capacities behind an infeasible park.

    Solves an elastic copy of the model where each of them may be relaxed at a price
    proportional to its relative size, and reports every relaxation the cheapest fix uses.
    """
    model = build_model(net, Options(elastic=True))
    solver = Solver(model, profile)
    outcome = solver.solve("relaxation")
    if not outcome.is_ok or solver.values is None:
        return ["could not find which constraint causes the infeasibility"]
    park = net.park
    found = []
    tolerance = 1e-6
    for resource, slack in model.values_of("utilization_slack", solver.values).items():
        total = model.utilization_total[str(resource)]
        if slack > tolerance * max(total, 1.0):
            share = park.targets.utilization[str(resource)]
            reachable = max(share - slack / total, 0.0)
            found.append(f"target utilization.{resource} = {share:g} cannot be met: at most {reachable:.4g} is reachable")
    for slack in model.values_of("emissions_slack", solver.values).values():
        cap = park.targets.max_emissions
        if cap is not None and slack > tolerance * max(cap, 1.0):
            found.append(f"target max_emissions = {cap:.6g} tCO2/yr cannot be met: at least {cap + slack:.6g} is needed")
    for slack in model.values_of("capex_slack", solver.values).values():
        cap = park.targets.max_capex
        if cap is not None and slack > tolerance * max(cap, 1.0):
            found.append(f"target max_capex = {cap:.6g} cannot be met: the plan needs at least {cap + slack:.6g}")
    for g, slack in model.values_of("force_slack", solver.values).items():
        if slack > tolerance:
            found.append(f"forced link {net.forced_groups[int(g)][0]} cannot be built together with the targets")
    for i, slack in model.values_of("capacity_slack", solver.values).items():
        link = net.links[int(i)]
        if slack > tolerance * max(link.capacity_limit, 1.0):
            found.append(f"existing link {link.id} capacity {link.capacity_limit:g} is too small: "
                         f"at least {link.capacity_limit + slack:.6g} is needed")
    return found or ["the targets and forced links cannot hold together (no single culprit found)"]


def _write_model(solver: Solver, path: pathlib.Path) -> None:
    if path.suffix.lower() not in {".mps", ".lp"}:
        msg = f"--write-model needs a .mps or .lp file name, got {path.name!r}"
        raise ParkError(msg)
    if not path.parent.is_dir():
        msg = f"cannot write the model: folder {path.parent} does not exist"
        raise ParkError(msg)
    solver.write(path)


def _with_carbon_price(park: Park, price: float) -> Park:
    economics = park.economics.model_copy(update={"carbon_price": price})
    updated = park.model_copy(update={"economics": economics})
    for name in ("_source", "_scenarios", "_tree", "_load_seconds"):
        setattr(updated, name, getattr(park, name))
    return updated


def _empty_result(park: Park, net: Network, objective: str, outcome: Outcome, diagnosis: list[str],
                  timings: dict[str, float]) -> Result:
    import pandas as pd  # noqa: PLC0415

    return Result(
        park=park.park.name, objective_name=objective, status=outcome.status,
        objective=math.nan, bound=math.nan, gap=math.nan, kpis={},
        links=pd.DataFrame(), flows=pd.DataFrame(), balances=pd.DataFrame(),
        periods=net.periods, scenarios=list(park.applied_scenarios), timings=timings,
        warnings=list(net.warnings), diagnosis=diagnosis, currency=park.economics.currency,
        source=park.source, **park_facts(net),
    )
