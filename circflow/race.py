"""Independent parts of a park solved side by side, and stopped together at the park's gap.

Between ``decompose``/``model`` and ``results``: `circflow.decompose` splits a park into
parts that share no stream; `solve_parts` builds each part's model, runs the parts at once
(HiGHS releases Python's lock while it solves) and adds their plans, objectives and bounds
into the park's. Each part stops at the profile's gap on its own objective; once every part
has a plan, all stop together as soon as the park's combined gap is within the profile's
(`_Race`), so a part slow to close its own gap is not solved tighter than the park needs.
A part that finds nothing within the time limit falls back to its status quo (build
nothing new) when that is a plan: no target and no forced link.

Threads: the parts share the profile's ``threads``, or the machine's cores when it gives
none (`thread_budget`): as many parts run at once as there are threads to give, and each
part's HiGHS gets its share (`part_workers`, `part_threads`), so a park of many parts
never runs more solver threads than cores.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from circflow.decompose import unlinked_streams
from circflow.extend import Rules
from circflow.model import Options, build_model
from circflow.network import Network
from circflow.objectives import Objective, solve_objective
from circflow.results import Solution
from circflow.solve import Outcome, Solver, SolverProfile, Status, relative_gap

DEFAULT_GAP = 1e-4
"""HiGHS's own relative gap, for a profile that gives none."""


def solve_parts(net: Network, parts: list[Network], objective: Objective, profile: SolverProfile,
                on_log: Callable[[str], None] | None = None,
                on_stage: Callable[[str], None] | None = None,
                options: Options | None = None,
                on_progress: Callable[[str], None] | None = None,
                timings: dict[str, float] | None = None, *, rules: Rules | None = None) -> tuple[Outcome, Solution]:
    """Solve independent parts together and combine them into one outcome and solution.

    Parameters
    ----------
    net
        The park's candidate network; the parts' links are its links.
    parts
        `circflow.decompose.independent_parts` of ``net`` (or ``[net]``).
    objective, profile
        What to minimise, and the gap, time limit and threads.
    on_log, on_stage, on_progress
        As for `circflow.optimize`.
    options
        What to build into each part's model.
    timings
        Receives ``build_s``, the time to build the parts' models and hand them to HiGHS.
    rules
        Rules added from Python (`circflow.extend`): each part gets the rows of its links.

    Returns
    -------
    outcome, solution
        The objective and bound are the sums of the parts' (plus the constant of streams
        with no link), so the combined gap is honest; one part without a proven bound makes
        the park's bound and gap unknown (NaN) and its status ``feasible``.
    """
    stage = on_stage or (lambda _: None)
    build_started = time.perf_counter()
    rest = unlinked_streams(net, parts)
    constant = solve_objective(Solver(build_model(rest, Options(targets=False)), profile), objective).objective
    if rules is not None and objective == "cost":
        constant += rules.constant  # the rules' fixed money, counted once for the park
    index = {id(link): i for i, link in enumerate(net.links)}
    flow = np.zeros((len(net.links), len(net.periods)))
    built = np.array([link.prebuilt for link in net.links], dtype=bool)
    capacity = np.zeros(len(net.links))
    process_built = np.array([p.existing for p in net.processes], dtype=bool)
    process_capacity = np.zeros(len(net.processes))
    parts = sorted(parts, key=lambda part: -len(part.links))
    models = [build_model(part, options or Options(), rules) for part in parts]
    workers = part_workers(profile, len(parts))
    if len(parts) > 1:  # side by side, each part's HiGHS gets its share of the threads
        profile = profile.model_copy(update={"threads": part_threads(profile, workers)})
    solvers = [Solver(model, profile, on_log, _labelled(on_progress, k, len(parts))) for k, model in enumerate(models)]
    for solver in solvers:
        solver.load()
    if timings is not None:
        timings["build_s"] = time.perf_counter() - build_started
    limit = profile.time_limit
    started = time.perf_counter()
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
        if outcome.status is Status.TIME_LIMIT_NO_SOLUTION and _status_quo_allowed(parts[k]) and "extra" not in models[k].rows:
            outcome = _status_quo_outcome(solvers[k], objective, outcome)  # no new link is a plan too
        if race is not None:
            race.finish(k, outcome)
        return outcome

    if len(parts) > 1 and workers > 1:
        stage(f"solving {len(parts)} independent parts")
    if workers > 1:
        pool, interrupted = ThreadPoolExecutor(max_workers=workers), False
        try:
            outcomes = list(pool.map(run, range(len(parts))))
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            # On Ctrl-C (the stop event is set) each part stops at HiGHS's next check; the run
            # does not wait for the slowest (HiGHS checks rarely in presolve and the root LP)
            pool.shutdown(wait=not interrupted, cancel_futures=interrupted)
    else:
        outcomes = [run(k) for k in range(len(parts))]
    if any(o.status is Status.INFEASIBLE for o in outcomes):
        seconds = sum(o.seconds for o in outcomes)
        return Outcome(Status.INFEASIBLE, seconds=seconds, reason="infeasible"), Solution(flow, built, capacity)

    objective_sum, bound_sum, seconds = constant, constant, 0.0
    for k, outcome in enumerate(outcomes):
        if not outcome.is_ok:
            failed = Outcome(outcome.status, seconds=seconds + outcome.seconds, reason=outcome.reason)
            return failed, Solution(flow, built, capacity)
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
        status, reason = outcomes[0].status, outcomes[0].reason
    else:  # optimal means within the park's gap, whatever each part's own gap says
        target = profile.gap if profile.gap is not None else DEFAULT_GAP
        status = Status.OPTIMAL if gap <= max(target, 1e-9) else Status.FEASIBLE  # 1e-9: gap 0 asked, rounding left
        reason = _combined_reason(outcomes, raced=race is not None)
    solution = Solution(flow, built, capacity, process_built, process_capacity)
    return Outcome(status, objective_sum, bound_sum, gap, seconds, reason), solution


def _combined_reason(outcomes: list[Outcome], *, raced: bool) -> str:
    """Why the parts ended, as one reason: the first that is neither ``optimal`` nor (in a race)
    ``interrupt``, which is the race stopping a part once the park's gap is reached."""
    ignored = {"optimal", "interrupt"} if raced else {"optimal"}
    return next((o.reason for o in outcomes if o.reason not in ignored), "optimal")


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


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity where the system says, else all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def thread_budget(profile: SolverProfile) -> int:
    """Solver threads a run may use in all: the profile's ``threads``, or the available cores."""
    return profile.threads or available_cores()


def part_workers(profile: SolverProfile, parts: int) -> int:
    """How many parts run at once: one per thread of the budget, at most all of them.

    Examples
    --------
    >>> part_workers(SolverProfile(threads=2), 12), part_workers(SolverProfile(threads=8), 3)
    (2, 3)
    """
    return max(1, min(parts, thread_budget(profile)))


def part_threads(profile: SolverProfile, workers: int) -> int:
    """HiGHS threads of each part when ``workers`` parts run at once: the budget shared out.

    Examples
    --------
    >>> part_threads(SolverProfile(threads=2), 2), part_threads(SolverProfile(threads=8), 3)
    (1, 2)
    """
    return max(1, thread_budget(profile) // workers)


def _status_quo_allowed(part: Network) -> bool:
    """Whether building nothing new is feasible for a part: no forced link, no target."""
    targets = part.park.targets
    has_targets = any(share > 0 for share in targets.utilization.values()) or targets.max_emissions is not None
    return not part.forced_groups and not has_targets


def _status_quo_outcome(solver: Solver, objective: str, timed_out: Outcome) -> Outcome:
    """The part's status quo as a feasible plan when the time limit left no solution.

    Nothing flows (existing links idle too: feasible, if not the best use of them); the
    bound stays the solver's, so the reported gap says how far this may be from optimal, and
    without one (HiGHS stopped before it proved any) the gap is unknown: NaN, never 0.
    """
    model = solver.model
    solver.values = np.zeros(model.shape[1])
    expression, _ = model.objectives["emission" if objective == "emissions" else "cost"]
    value = expression.value(solver.values)
    bound = timed_out.bound if math.isfinite(timed_out.bound) else math.nan
    return Outcome(Status.FEASIBLE, value, bound, relative_gap(value, bound), timed_out.seconds, timed_out.reason)
