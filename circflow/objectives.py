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

from circflow.exceptions import ParkError, SolverError
from circflow.linear import Linear
from circflow.solve import Outcome, Solver, Status

Objective = Literal["cost", "emissions"]


def checked_objective(objective: str) -> Objective:
    """``objective`` if it is one circflow solves; a `ParkError` otherwise (a misspelt one would
    otherwise be solved as some other objective)."""
    if objective == "cost":
        return "cost"
    if objective == "emissions":
        return "emissions"
    msg = f"unknown objective {objective!r}; use cost or emissions"
    raise ParkError(msg)


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
    solver
        The model's solver; its `values` hold the plan found.
    first
        ``emission`` (then total_cost) or ``cost`` (the cost objective, then emissions).
    time_limit
        Seconds for both stages together (default: the profile's).

    Returns
    -------
    Outcome
        The first stage's objective, bound and gap. ``optimal`` only when both stages
        are. When the second stage stops early or fails, the first stage's plan is kept
        (optimal for the first objective, not proven best for the second) and the outcome
        is ``feasible``, with the second stage's termination reason.

    Notes
    -----
    The first optimum is held within `hold_tolerance` of its value; if HiGHS finds that hold
    infeasible (it meets rows only to its feasibility tolerance, and rates are multiplied
    by up to 8,760 hours) the hold widens to `lock_tolerance`, then a hundredfold.
    """
    started = time.perf_counter()
    outcome = solver.solve(first, time_limit=time_limit)
    if not outcome.is_ok:
        return outcome
    return solve_second_stage(solver, first, outcome, hold_tolerance(outcome.objective), time_limit, started)


def hold_tolerance(least: float) -> float:
    """How far the second stage may move the first objective from its optimum ``least``: 1e-9 relative.

    A park solved in independent parts holds each part within the tolerance of the park's
    own optimum, not of the part's (`circflow.race`), so that the split does not narrow the
    plans the second stage may choose from (issue 19).
    """
    return 1e-9 * abs(least) + 1e-12


def solve_second_stage(
    solver: Solver,
    first: str,
    outcome: Outcome,
    tolerance: float,
    time_limit: float | None = None,
    started: float | None = None,
) -> Outcome:
    """The second stage of `solve_lexicographic`, after a first stage that ended with ``outcome``.

    Holds the first objective within ``tolerance`` of ``outcome.objective`` and minimises
    the other; ``solver.values`` must still hold the first stage's plan. ``time_limit``
    counts from ``started`` (default: now), the start of the first stage.
    """
    m = solver.model
    started = time.perf_counter() if started is None else started
    held, _ = m.objectives[first]  # in the park's units, not the solver's
    second_objective = "cheapest" if first == "emission" else "emission"
    snapshot = None if solver.values is None else solver.values.copy()
    widened = max(tolerance, lock_tolerance(held, outcome.objective))
    tolerances = [tolerance, widened, 100 * widened]
    limit = solver.profile.time_limit if time_limit is None else time_limit
    for allowed in tolerances:
        row = solver.hold(held, outcome.objective + allowed)
        remaining = None if limit is None else max(limit - (time.perf_counter() - started), 0.01)
        solver.forget_solution()
        try:
            second = solver.solve(second_objective, time_limit=remaining)
        except SolverError as error:  # HiGHS's numerical trouble with a hold this tight: widen it
            second = Outcome(Status.TIME_LIMIT_NO_SOLUTION, reason=f"second stage: {error}")
            continue
        finally:
            solver.release(row)
        if second.status is not Status.INFEASIBLE:
            break
    seconds = outcome.seconds + second.seconds
    if not second.is_ok:  # the first stage's plan: optimal for the first objective only
        solver.values = snapshot
        return Outcome(Status.FEASIBLE, outcome.objective, outcome.bound, outcome.gap, seconds, second.reason)
    if outcome.status is Status.OPTIMAL and second.status is Status.OPTIMAL:
        return Outcome(Status.OPTIMAL, outcome.objective, outcome.bound, outcome.gap, seconds, second.reason)
    reason = second.reason if outcome.status is Status.OPTIMAL else outcome.reason  # the stage that stopped early
    return Outcome(Status.FEASIBLE, outcome.objective, outcome.bound, outcome.gap, seconds, reason)


def lock_tolerance(held: Linear, value: float) -> float:
    """How far a held first-stage optimum may move: relative 1e-9 plus the row's rounding.

    The rounding term is 1e-9 per unit of the held row's coefficients (money or tCO2 per
    unit of rate, hours included, and per build decision and unit of capacity of links and
    processes): small enough not to trade the first objective for the second, and widened
    by `solve_lexicographic` when HiGHS cannot meet it. Read off the row itself, it covers
    whatever terms the model's objective has.

    Examples
    --------
    A row ``2 x0 - 3 x1 + x0`` (``|3| + |-3|`` once each column is summed) held at 1000:

    >>> tolerance = lock_tolerance(Linear(np.array([0, 1, 0]), np.array([2.0, -3.0, 1.0])), 1000.0)
    >>> round(tolerance * 1e9, 6)  # 1e-9 x (1000 + 6 + 1)
    1007.0
    """
    rounding = 1e-9 * float(np.abs(held.compact().values).sum())
    return 1e-9 * abs(value) + rounding + 1e-9
