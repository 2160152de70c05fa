"""Rules that join independent parts: the parts are solved without them first.

A rule row added from Python (SPEC 10) that names links of several independent parts ("at
most 240 new contracts in the park") makes them one problem, and HiGHS solves that one
problem far slower than the parts apart: on the 200-enterprise district, 11.4-11.9 s against
1.9 s (benchmarks/RESULTS.md). Without the joining rows the parts are a relaxation of the
park, so:

1. the parts are solved without the joining rows (with every other rule). Their bound is a
   bound of the park; if their plan keeps every joining row, it is the park's plan, and its
   gap is proven as it stands;
2. otherwise the plan is repaired: the park's model with every rule, over the links that
   plan builds and no other new one (a small problem). Its plan keeps every rule; within the
   gap of the relaxation's bound it is proven;
3. otherwise the park is solved as one part with every rule (as without this module), its
   bound the better of its own and the relaxation's.

A row of a park-wide sum (total cost, emissions) cannot be read from a part's plan, and the
emissions objective solves in two stages: those keep the park in one part, as before.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from circflow.decompose import independent_parts
from circflow.extend import Row, Rules, evaluate
from circflow.network import Network
from circflow.race import DEFAULT_GAP
from circflow.results import Solution
from circflow.solve import Outcome, SolverProfile, Status, relative_gap

SolveParts = Callable[[list[Network], Rules, SolverProfile], tuple[Outcome, Solution]]
"""`circflow.race.solve_parts` with the park, objective and callbacks given: (parts, rules, profile)."""


@dataclass
class Joined:
    """The parts of a park without the rule rows that join them, and those rows."""

    parts: list[Network]
    local: Rules
    """Every rule but the joining rows (each of its rows stays within one part)."""
    joining: list[Row]


def joining_rows(kept: Network, rules: Rules) -> Joined | None:
    """Split ``rules`` into the rows that name links or processes of several independent parts
    of ``kept`` and the rest; None when no row joins parts, or when a rule reads a park-wide sum."""
    if not rules.rows or rules.park_wide:
        return None
    parts = independent_parts(kept, Rules(terms=rules.terms))
    if len(parts) < 2:
        return None
    home = {link.id: k for k, part in enumerate(parts) for link in part.links}
    home |= {process.path: k for k, part in enumerate(parts) for process in part.active_processes()}
    local: list[Row] = []
    joining: list[Row] = []
    for row in rules.rows:
        places = {home[symbol[1]] for symbol in row.body.terms if symbol[1] in home}
        (joining if len(places) > 1 else local).append(row)
    if not joining:
        return None
    return Joined(parts, Rules(rows=local, terms=rules.terms), joining)


def keeps(row: Row, solution: Solution, net: Network) -> bool:
    """Whether a plan of ``net`` keeps ``row`` (to 1e-6 of its right-hand side's size)."""
    value = evaluate(row.body, solution, net)
    slack = 1e-6 * max(1.0, abs(row.rhs))
    if row.sense == "<=":
        return value <= row.rhs + slack
    if row.sense == ">=":
        return value >= row.rhs - slack
    return abs(value - row.rhs) <= slack


def solve_joined(
    net: Network,
    kept: Network,
    joined: Joined,
    rules: Rules,
    profile: SolverProfile,
    solve: SolveParts,
    stage: Callable[[str], None],
) -> tuple[Outcome, Solution, str]:
    """The park's plan under ``rules``, the parts solved without ``joined.joining`` first.

    Returns
    -------
    outcome, solution, how
        ``how`` says which step gave the plan: ``relaxed`` (the parts' plan kept every row),
        ``repaired`` or ``one part``.
    """
    started = time.perf_counter()
    target = profile.gap if profile.gap is not None else DEFAULT_GAP

    def left() -> SolverProfile:
        if profile.time_limit is None:
            return profile
        return profile.model_copy(update={"time_limit": max(profile.time_limit - (time.perf_counter() - started), 0)})

    stage(f"solving {len(joined.parts)} parts without the {len(joined.joining)} rules that join them")
    relaxed, plan = solve(joined.parts, joined.local, profile)
    if relaxed.status is Status.INFEASIBLE:
        return relaxed, plan, "relaxed"  # fewer rows and still no plan: the park has none
    if relaxed.is_ok and all(keeps(row, plan, net) for row in joined.joining):
        return relaxed, plan, "relaxed"
    floor = relaxed.bound if relaxed.is_ok else -math.inf
    repaired, fixed = Outcome(Status.TIME_LIMIT_NO_SOLUTION), plan
    if relaxed.is_ok:
        stage("repairing the plan: every rule, over the links it builds")
        index = {id(link): i for i, link in enumerate(net.links)}
        chosen = [i for i, link in enumerate(kept.links) if plan.built[index[id(link)]]]
        repaired, fixed = solve([kept.subset(chosen)], rules, left())
        if repaired.is_ok and relative_gap(repaired.objective, floor) <= max(target, 1e-9):
            # the restricted model's own bound bounds that model only: the park's is the relaxation's
            return (
                _with_floor(dataclasses.replace(repaired, bound=math.nan), floor, target, relaxed.seconds),
                fixed,
                "repaired",
            )
    stage("solving the park as one part: its rules join the parts")
    whole, solution = solve([kept], rules, left())
    if repaired.is_ok and (not whole.is_ok or repaired.objective < whole.objective):
        whole, solution = dataclasses.replace(repaired, bound=whole.bound), fixed
    return _with_floor(whole, floor, target, relaxed.seconds + repaired.seconds), solution, "one part"


def _with_floor(outcome: Outcome, floor: float, target: float, seconds: float) -> Outcome:
    """``outcome`` with the better of its bound and ``floor`` (a relaxation's), its gap and
    status from that bound, and ``seconds`` more of HiGHS's time."""
    if not outcome.is_ok:
        return dataclasses.replace(outcome, seconds=outcome.seconds + seconds)
    bounds = [b for b in (outcome.bound, floor) if math.isfinite(b)]
    bound = max(bounds) if bounds else math.nan
    gap = relative_gap(outcome.objective, bound)
    status = Status.OPTIMAL if gap <= max(target, 1e-9) else Status.FEASIBLE
    reason = "optimal" if status is Status.OPTIMAL else outcome.reason
    return dataclasses.replace(
        outcome, bound=bound, gap=gap, status=status, reason=reason, seconds=outcome.seconds + seconds
    )
