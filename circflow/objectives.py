"""What a solve minimises: the ``cost`` objective, and the lexicographic ladder of ``emissions``.

Between ``solve`` and ``race``: a `circflow.solve.Solver` minimises one of the model's
objectives at a time; SPEC 4's ``emissions`` objective is two of them in turn (least
emissions, then least total_cost among the plans that emit that little), and the Pareto
front (`circflow.front`) climbs the same ladder from the cost side.
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from circflow.model import ParkModel
from circflow.solve import Outcome, Solver, Status

Objective = Literal["cost", "emissions"]
OBJECTIVES = ("cost", "emissions")


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
