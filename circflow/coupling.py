"""Rules that join independent parts: the parts are solved without them first.

A rule row added from Python (SPEC 10) that names links of several independent parts ("at
most 240 new contracts in the park") makes them one problem, and HiGHS solves that one
problem far slower than the parts apart: on the 200-enterprise district, 11.4-11.9 s against
1.9 s (benchmarks/RESULTS.md). Without the joining rows the parts are a relaxation of the
park, so:

1. the parts are solved without the joining rows (with every other rule), at a 1 % gap first
   (`QUICK_GAP`). Their bound is a bound of the park; if their plan keeps every joining row, it
   is the park's plan, and its gap is proven as it stands;
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


QUICK_GAP = 0.01
"""The gap of the first look at the parts without the joining rows (the run's own, if looser):
at the default gap (1e-4) the parts of a 200-enterprise district take 37 s, at 1 % 1.4 s, and a
plan far from keeping the rows is known from the first look."""
FIRST_SHARE = 1 / 3
"""Of a time limit, the share the first look may take (the repair and the park as one need the rest)."""


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

    The parts are solved at `QUICK_GAP` first, then at the run's gap when that is tighter and
    the first look was promising: a plan that keeps every joining row, or one whose repair is
    within `QUICK_GAP` of the parts' bound. A joining row the repair cannot meet (at least N
    contracts, broken) or a repair far from the bound sends the park to be solved as one.

    Returns
    -------
    outcome, solution, how
        ``how`` says which step gave the plan: ``relaxed`` (the parts' plan kept every row),
        ``repaired`` or ``one part``.
    """
    started = time.perf_counter()
    target = profile.gap if profile.gap is not None else DEFAULT_GAP

    def run(gap: float, share: float = 1.0) -> SolverProfile:
        update: dict[str, float] = {"gap": gap}
        if profile.time_limit is not None:
            update["time_limit"] = max(profile.time_limit - (time.perf_counter() - started), 0.0) * share
        return profile.model_copy(update=update)

    floor, seconds = -math.inf, 0.0
    best: tuple[Outcome, Solution] | None = None
    for look, gap in enumerate((max(target, QUICK_GAP), target)):
        stage(f"solving {len(joined.parts)} parts without the {len(joined.joining)} rules that join them")
        relaxed, plan = solve(joined.parts, joined.local, run(gap, FIRST_SHARE if look == 0 else 1.0))
        seconds += relaxed.seconds
        if relaxed.status is Status.INFEASIBLE:
            return relaxed, plan, "relaxed"  # fewer rows and still no plan: the park has none
        if not relaxed.is_ok:
            break
        if math.isfinite(relaxed.bound):
            floor = max(floor, relaxed.bound)
        broken = [row for row in joined.joining if not keeps(row, plan, net)]
        if not broken:
            outcome = _with_floor(relaxed, floor, target, seconds - relaxed.seconds)
            if outcome.status is Status.OPTIMAL or look == 1:
                return outcome, plan, "relaxed"
            continue  # proven to the first look's gap (or its share of the time) only
        if not all(repairable(row, plan, net) for row in broken):
            break
        stage("repairing the plan: every rule, over the links it builds")
        index = {id(link): i for i, link in enumerate(net.links)}
        chosen = [i for i, link in enumerate(kept.links) if plan.built[index[id(link)]]]
        repaired, fixed = solve([kept.subset(chosen)], rules, run(target, 0.5))
        seconds += repaired.seconds
        if not repaired.is_ok:
            break
        if best is None or repaired.objective < best[0].objective:
            best = repaired, fixed
        distance = relative_gap(repaired.objective, floor)
        if distance <= max(target, 1e-9):
            # the restricted model's own bound bounds that model only: the park's is the relaxation's
            unbounded = dataclasses.replace(repaired, bound=math.nan)
            return _with_floor(unbounded, floor, target, seconds - repaired.seconds), fixed, "repaired"
        if distance > max(target, QUICK_GAP) or gap == target:
            break  # the rows cost more than the parts' gap: only the park as one can prove a plan
    stage("solving the park as one part: its rules join the parts")
    whole, solution = solve([kept], rules, run(target))
    if best is not None and (not whole.is_ok or best[0].objective < whole.objective):
        whole, solution = dataclasses.replace(best[0], bound=whole.bound, seconds=whole.seconds), best[1]
    return _with_floor(whole, floor, target, seconds), solution, "one part"


def repairable(row: Row, solution: Solution, net: Network) -> bool:
    """Whether a plan over fewer links may keep ``row``, which ``solution`` breaks: False for a
    row of build decisions alone that would need more of them (at least N contracts)."""
    if any(symbol[0] != "y" for symbol in row.body.terms):
        return True  # flows and capacities may still move on the links kept
    high = evaluate(row.body, solution, net) > row.rhs
    return any(value > 0 if high else value < 0 for value in row.body.terms.values())


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
