"""Independent parts of a park solved side by side, and stopped together at the park's gap.

Between ``decompose``/``model`` and ``results``: `circflow.decompose` splits a park into
parts that share no stream; `solve_parts` builds each part's model, runs the parts at once
(HiGHS releases Python's lock while it solves) and adds their plans, objectives and bounds
into the park's. Each part stops at the profile's gap on its own objective; once every part
has a plan, all stop together as soon as the park's combined gap is within the profile's
(`_Race`), so a part slow to close its own gap is not solved tighter than the park needs.
A part that finds nothing within the time limit falls back to its status quo (build
nothing new) when that is a plan: no target and no forced link. Under the ``emissions``
objective every part first finds its least emissions; then each part's second stage holds
them within the tolerance of the park's least (`circflow.objectives.hold_tolerance`), as the
park's one model would.

Threads: the parts share the profile's ``threads``, or the machine's cores when it gives
none (`thread_budget`). Solved to gap 0, for emissions, or with ``threads`` set, as many parts
run at once as there are threads, each HiGHS with its share (`part_workers`, `part_threads`).
Racing to a gap with ``threads`` unset, up to `RaceOptions.parts_per_core` parts per core run
at once, each HiGHS on one thread: HiGHS
cannot pause a part, so the cores are shared among the parts by the operating system, none
starts late, and the race stops the parts that have met their share of the park's gap.

Memory: each part's HiGHS needs about `MEMORY_PER_NONZERO` bytes per nonzero of its model;
when the parts together need more than the budget (`memory_budget`: the profile's
``memory_gib``, or `MEMORY_SHARE` of the memory free), they are solved in turn (`_Memory`),
each freeing its HiGHS when done.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import pathlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from circflow.decompose import unlinked_streams
from circflow.extend import Rules
from circflow.interrupts import on_threads, raise_if_stopped
from circflow.model import Options, build_model
from circflow.network import Network
from circflow.objectives import Objective, hold_tolerance, solve_objective, solve_second_stage
from circflow.results import Solution, idle_value
from circflow.solve import Outcome, Solver, SolverProfile, Status, relative_gap
from circflow.warmstart import WarmStart

DEFAULT_GAP = 1e-4
"""HiGHS's own relative gap, for a profile that gives none."""


@dataclass(frozen=True)
class RaceOptions:
    """circflow's techniques for parts whose gap stays large (issue 17), each measured in
    ``benchmarks/hard.py``; on by default only where it paid (benchmarks/RESULTS.md)."""

    warm_start: bool = False
    """Hand a hard part a plan found over the links its LP relaxation uses (`circflow.warmstart`).
    Off: on the hard district's water part alone it gave a plan 1.6 % better than HiGHS's
    own after 90 s, but inside the race on two cores the relaxations of the large parts,
    solved beside them, took their CPU and the park ended worse (benchmarks/RESULTS.md)."""
    share_gap: bool = True
    """Share the park's gap among the parts by absolute gap (`_Race`)."""
    warm_start_links: int = 2000
    """Parts with at least this many candidate links may get a warm start."""
    warm_start_columns: int | None = None
    """Parts whose model has more columns than this get no warm start (their relaxation is
    slow, and it would run on the cores the parts' own solves need)."""
    warm_after: float = 10.0
    """Seconds into a part's solve when it is found hard or not: no plan yet, or its own gap
    above `hard_gap`."""
    hard_gap: float = 0.03
    """A part whose own relative gap stays above this gets a warm start."""
    warm_start_share: float = 0.5
    """At most this share of a part's remaining time goes to finding its warm start."""
    push: float = 0.25
    """With ``share_gap``, each part's own gap target is the park's times this."""
    parts_per_core: int = 4
    """Racing parts that run at once per core, one HiGHS thread each, when the profile leaves
    ``threads`` unset (one that sets it, as a sweep's runs do, gets one part per thread).
    HiGHS cannot pause a part and resume it, so the operating system shares the cores among
    the parts: none starts late, and a part whose absolute gap is within its share of the
    park's stops and leaves its core to those that hold the park's gap. On the hard district
    this took the park to 1 % in about 2 minutes where two parts at a time, largest first,
    ended at 2.4 %; on the clustered 1,000 in 144 s instead of 244 s (benchmarks/RESULTS.md).
    1 runs as many parts as cores."""


RACE_OPTIONS = RaceOptions()
MEMORY_PER_NONZERO = 2500.0
"""Bytes a part's HiGHS holds at its peak per nonzero of the part's model (its copies of the
matrix, presolve, factorisation, cuts and search tree), with some room: measured on the
hard 1,000-enterprise district, whose six parts (986,352 nonzeros) peaked at 2.3-2.5 GiB
of the process's memory while solved at once (benchmarks/RESULTS.md)."""
MEMORY_SHARE = 0.8
"""Of the memory the machine has available when a run starts, the share its parts may hold."""
MIN_SHARE = 0.02
"""With ``share_gap``, the least share of the time limit a part gets, however late it starts."""


def solve_parts(
    net: Network,
    parts: list[Network],
    objective: Objective,
    profile: SolverProfile,
    on_log: Callable[[str], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    options: Options | None = None,
    on_progress: Callable[[str], None] | None = None,
    timings: dict[str, float] | None = None,
    *,
    rules: Rules | None = None,
) -> tuple[Outcome, Solution]:
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
    choices = RACE_OPTIONS
    parts = sorted(parts, key=lambda part: -len(part.links))
    weights = [float(len(part.links)) for part in parts]
    models = [build_model(part, options or Options(), rules) for part in parts]
    racing = objective == "cost" and len(parts) > 1 and bool(profile.gap)
    # racing parts share the machine's cores; a profile that sets threads (a sweep's run: 1) keeps to them
    sharing = racing and profile.threads is None
    workers = part_workers(profile, len(parts), choices.parts_per_core if sharing else 1)
    cores = thread_budget(profile)
    park_gap = profile.gap
    if len(parts) > 1:  # side by side, each part's HiGHS gets its share of the threads
        profile = profile.model_copy(update={"threads": part_threads(profile, workers)})
    if racing and choices.share_gap and park_gap is not None:  # parts may go further than the park needs
        profile = profile.model_copy(update={"gap": park_gap * choices.push})
    solvers = [Solver(model, profile, on_log, _labelled(on_progress, k, len(parts))) for k, model in enumerate(models)]
    costs = [model.objectives["cost"][0].dense(model.shape[1]) for model in models]  # money per unit of each column
    needs = [MEMORY_PER_NONZERO * model.matrix.nnz for model in models]
    memory = _Memory(memory_budget(profile), needs, solvers)
    if memory.in_turn:
        stage(f"solving the parts in turn: they need about {sum(needs) / 2**30:.1f} GiB, more than is free")
    else:
        for solver in solvers:
            solver.load()
    if timings is not None:
        timings["build_s"] = time.perf_counter() - build_started
    limit = profile.time_limit
    started = time.perf_counter()
    waiting = {"links": sum(weights), "parts": len(parts)}  # parts not started yet
    running = [0]  # parts solving now: more than the cores, and each waits for CPU
    race = (
        _Race(
            len(parts),
            constant,
            park_gap or 0.0,
            share=choices.share_gap,
            push=choices.push,
            waiting=lambda: waiting["parts"] > 0 or running[0] > cores,
        )
        if racing
        else None
    )
    # Emissions in parts: every part's least emissions first, then each part's second stage (its
    # cost) holds its emissions within the park's tolerance, below
    in_two_passes = objective == "emissions" and len(parts) > 1
    lock = threading.Lock()
    floors = [-math.inf] * len(parts)

    unfinished = {"links": waiting["links"]}  # links of the parts running or not started

    def time_share(k: int) -> float | None:
        """The remaining time, or with fewer workers than parts a share in proportion to links:
        of the parts not started yet, or with ``share_gap`` of all parts not finished (the
        first parts do not take the time of those after them), and at least `MIN_SHARE` of
        the limit, so that no part is left without time to find a plan."""
        with lock:
            links_left = unfinished["links"] if choices.share_gap else waiting["links"]
            waiting["links"] -= weights[k]
            waiting["parts"] -= 1
        if limit is None:
            return None
        remaining = max(limit - (time.perf_counter() - started), 0.0)
        at_once = 1 if memory.in_turn else workers  # in turn, a part may have the machine to itself
        if at_once >= len(parts):  # every part runs from the start: the race stops them, not a share
            return remaining
        share = remaining * min(1.0, at_once * weights[k] / max(links_left, 1e-9))
        return max(share, MIN_SHARE * limit) if choices.share_gap else share

    warm = [
        WarmStart(models[k], profile)
        if choices.warm_start
        and objective == "cost"
        and len(parts[k].links) >= choices.warm_start_links
        and (choices.warm_start_columns is None or models[k].shape[1] <= choices.warm_start_columns)
        else None
        for k in range(len(parts))
    ]
    begun = [time.perf_counter()] * len(parts)
    shares: list[float | None] = [None] * len(parts)

    gaps = [math.nan] * len(parts)  # each part's own gap as it last reported it

    def warm_if_hard(k: int) -> None:
        """Start part k's warm start when it has no plan yet or its own gap is above `hard_gap`
        (called `warm_after` seconds into its solve: HiGHS may say nothing for long in its root)."""
        helper, share = warm[k], shares[k]
        if helper is not None and not helper.begun and not gaps[k] <= choices.hard_gap:
            left = None if share is None else max(share - (time.perf_counter() - begun[k]), 0.0)
            helper.begin(None if left is None else left * choices.warm_start_share)

    def watch(k: int, plan: float, bound: float) -> bool:
        """The race's verdict for part k (with its warm start's plan and bound once found)."""
        gaps[k] = relative_gap(plan, bound)
        helper = warm[k]
        if helper is not None and helper.found is not None and race is not None:
            race.update(k, helper.found[1], helper.found[2])
        return race.update(k, plan, bound) if race is not None else False

    def run(k: int) -> Outcome:
        with memory.held(k):
            with lock:
                running[0] += 1
            try:
                return solve_part(k)
            finally:
                with lock:
                    running[0] -= 1

    def solve_part(k: int) -> Outcome:
        share = time_share(k)
        begun[k], shares[k] = time.perf_counter(), share
        if len(parts) > 1 and workers == 1:
            stage(f"solving part {k + 1} of {len(parts)} ({len(parts[k].links)} links)")
        if race is not None:
            race.begin(k)
        timer, helper = None, warm[k]
        if helper is not None:
            timer = threading.Timer(choices.warm_after, warm_if_hard, (k,))
            timer.daemon = True
            timer.start()
        try:
            if in_two_passes:
                outcome = solvers[k].solve("emission", time_limit=share)
            elif objective != "cost" or not (race is not None or helper is not None):
                outcome = solve_objective(solvers[k], objective, time_limit=share)
            else:
                outcome = solvers[k].solve(
                    "cost",
                    time_limit=share,
                    watch=lambda plan, bound: watch(k, plan, bound),
                    offer=None if helper is None else helper.offer,
                    plan_value=lambda x, value: value - idle_value(models[k], x, costs[k]),
                )
        except BaseException:
            if race is not None:
                race.stop()  # the others need not finish: the run fails
            raise
        if timer is not None:
            timer.cancel()
        if helper is not None:
            helper.wait()
            floors[k] = helper.bound  # the relaxation's bound is proven too
            outcome = _better_of(solvers[k], outcome, helper)
        if (
            outcome.status is Status.TIME_LIMIT_NO_SOLUTION
            and _status_quo_allowed(parts[k])
            and "extra" not in models[k].rows
        ):
            outcome = _status_quo_outcome(solvers[k], objective, outcome)  # no new link is a plan too
            fallen_back.add(k)
        values = solvers[k].values
        if objective == "cost" and outcome.is_ok and values is not None:
            # the plan as it will be read (`Solution.from_values`), without the links it builds for nothing;
            # an earlier incumbent may read cheaper (the race counted it): that one is the part's plan
            value = outcome.objective - idle_value(models[k], values, costs[k])
            best = solvers[k].best_read
            if best is not None and best[0] < value - 1e-9 * max(1.0, abs(value)):
                value, solvers[k].values = best
            outcome = dataclasses.replace(outcome, objective=value, gap=relative_gap(value, outcome.bound))
        if race is not None:
            race.finish(k, outcome)
        with lock:
            unfinished["links"] -= weights[k]
        return outcome

    def each_part(job: Callable[[int], Outcome]) -> list[Outcome]:
        if workers == 1:
            return [job(k) for k in range(len(parts))]
        return on_threads(job, range(len(parts)), workers, "circflow-part")

    fallen_back: set[int] = set()
    if len(parts) > 1 and workers > 1:
        stage(f"solving {len(parts)} independent parts")
    outcomes = each_part(run)
    if in_two_passes and all(o.is_ok for o in outcomes):
        # The park's least emissions are the sum of the parts'; each part's second stage may move
        # its own by the park's tolerance, as the park's one model may move the sum, so the one
        # model's plan is open to every part and the split's plan costs no more (issue 19: held
        # within 1e-9 of its own least, a small part was left rounding-level plans only). A part
        # on its status quo has no second stage.
        tolerance = hold_tolerance(constant + sum(o.objective for o in outcomes))
        waiting["links"] = unfinished["links"] = sum(weights)
        waiting["parts"] = len(parts)
        firsts = outcomes

        def second(k: int) -> Outcome:
            with memory.held(k):
                share = time_share(k)
                try:
                    if k in fallen_back:
                        return firsts[k]
                    return solve_second_stage(solvers[k], "emission", firsts[k], tolerance, share)
                finally:
                    with lock:
                        unfinished["links"] -= weights[k]

        outcomes = each_part(second)
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
        bound_sum += _proven(outcome.bound, floors[k])
        seconds += outcome.seconds
    gap = relative_gap(objective_sum, bound_sum)
    if len(parts) == 1:
        status, reason = outcomes[0].status, outcomes[0].reason
    else:  # optimal means within the park's gap, whatever each part's own gap says
        target = park_gap if park_gap is not None else DEFAULT_GAP
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

    With ``share``, the park's gap is a budget in money shared by the parts (issue 17): what
    counts is the sum of the parts' absolute gaps, not each part's own relative gap. Each
    part's share is the park's gap times the park's objective so far, over the parts. A
    part within its share goes on only while that is cheap: until it has spent as long again
    as it took to get there, not while a part waits for a core (one not started yet, or more
    parts running than cores), and not past ``push`` times its share. Then it stops and its
    core goes to the parts still running, so the cheap parts leave the budget to the part
    that holds the park's gap.
    """

    def __init__(
        self,
        parts: int,
        constant: float,
        gap: float,
        *,
        share: bool = False,
        push: float = 1.0,
        waiting: Callable[[], bool] = lambda: False,
    ) -> None:
        self.plans = [math.inf] * parts
        self.bounds = [-math.inf] * parts
        self.constant = constant
        self.gap = gap
        self.share = share
        self.push = push
        self.waiting = waiting
        self.started = [time.perf_counter()] * parts
        self.reached: list[float | None] = [None] * parts
        self.done = False
        self.lock = threading.Lock()

    def begin(self, k: int) -> None:
        """Part k starts now (its time to reach the gap counts from here)."""
        with self.lock:
            self.started[k] = time.perf_counter()

    def update(self, k: int, plan: float, bound: float) -> bool:
        """Record part k's incumbent and bound; True when part k may stop."""
        with self.lock:
            self.plans[k] = min(self.plans[k], plan)
            self.bounds[k] = max(self.bounds[k], bound)
            if not self.done:
                total = self.constant + sum(self.plans)
                self.done = math.isfinite(total) and relative_gap(total, self.constant + sum(self.bounds)) <= self.gap
            return self.done or (self.share and self._pushed_enough(k))

    def _pushed_enough(self, k: int) -> bool:
        """Whether part k's absolute gap is within its share of the park's budget, pushed
        `RaceOptions.push` further; or within the share itself and it has gone on long
        enough (as long again as it took to get there) or a part waits for its worker."""
        plan, bound = self.plans[k], self.bounds[k]
        if not (math.isfinite(plan) and math.isfinite(bound)):
            return False
        plans = [p for p in self.plans if math.isfinite(p)]
        allowance = self.gap * max(1.0, abs(self.constant + sum(plans))) / len(self.plans)  # the park's so far
        held = plan - bound
        if held <= allowance * self.push:
            return True
        if held > allowance:
            return False
        now = time.perf_counter()
        reached = self.reached[k]
        if reached is None:
            reached = self.reached[k] = now
        return self.waiting() or now - reached >= reached - self.started[k]

    def stop(self) -> None:
        """Stop every part now (one is infeasible or failed)."""
        with self.lock:
            self.done = True

    def finish(self, k: int, outcome: Outcome) -> None:
        if outcome.status is Status.INFEASIBLE:
            self.stop()
        elif outcome.is_ok:  # a bound HiGHS did not prove stays -inf: the race cannot end on it
            with self.lock:  # the plan the part ended with, whatever it reported before
                self.plans[k] = outcome.objective
            self.update(k, outcome.objective, outcome.bound if math.isfinite(outcome.bound) else -math.inf)


class _Memory:
    """Parts in turn when memory is short: a part starts only when the running parts' needs
    (`MEMORY_PER_NONZERO` per nonzero) and its own fit in the budget (`memory_budget`), or
    when no other part runs; a finished part frees its HiGHS. When every part fits at once,
    or there is no budget, nothing waits."""

    def __init__(self, budget: float | None, needs: list[float], solvers: list[Solver]) -> None:
        self.budget = budget
        self.needs = needs
        self.in_turn = self.budget is not None and sum(needs) > self.budget
        self.used = 0.0
        self.running = 0
        self.changed = threading.Condition()
        self.solvers = solvers

    @contextlib.contextmanager
    def held(self, k: int) -> Iterator[None]:
        if not self.in_turn:
            yield
            return
        assert self.budget is not None
        with self.changed:
            while self.running and self.used + self.needs[k] > self.budget:
                raise_if_stopped()
                self.changed.wait(0.2)
            self.used += self.needs[k]
            self.running += 1
        try:
            yield
        finally:
            self.solvers[k].unload()
            with self.changed:
                self.used -= self.needs[k]
                self.running -= 1
                self.changed.notify_all()


def memory_budget(profile: SolverProfile) -> float | None:
    """Bytes a run's parts may hold at once: the profile's ``memory_gib``, else `MEMORY_SHARE`
    of what the machine has free now; None where that is unknown."""
    if profile.memory_gib is not None:
        return profile.memory_gib * 2**30
    free = available_memory()
    return None if free is None else free * MEMORY_SHARE


def available_memory() -> float | None:
    """Bytes the machine can give now without swapping (``MemAvailable``; Linux), else None."""
    try:
        text = pathlib.Path("/proc/meminfo").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return float(line.split()[1]) * 1024
    return None


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


def part_workers(profile: SolverProfile, parts: int, per_thread: int = 1) -> int:
    """How many parts run at once: ``per_thread`` per thread of the budget, at most all of them.

    Examples
    --------
    >>> part_workers(SolverProfile(threads=2), 12), part_workers(SolverProfile(threads=8), 3)
    (2, 3)
    >>> part_workers(SolverProfile(threads=2), 6, per_thread=4)
    6
    """
    return max(1, min(parts, thread_budget(profile) * per_thread))


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


def _proven(bound: float, relaxed: float) -> float:
    """A part's bound: the solver's or its relaxation's, the higher; NaN when neither was proven."""
    known = [b for b in (bound, relaxed) if math.isfinite(b)]
    return max(known) if known else math.nan


def _better_of(solver: Solver, outcome: Outcome, warm: WarmStart) -> Outcome:
    """The part's outcome, or its warm start's plan when that is better (HiGHS may have
    stopped before taking it): a plan of the whole part all the same, from a solve over
    fewer links. The relaxation's bound stands with the solver's."""
    if warm.found is None or (outcome.is_ok and outcome.objective <= warm.found[1]):
        return outcome
    values, plan, relaxed = warm.found
    solver.values = values.copy()
    bound = max(outcome.bound if math.isfinite(outcome.bound) else -math.inf, relaxed)
    status = outcome.status if outcome.is_ok else Status.FEASIBLE  # a better plan keeps a proven gap
    return Outcome(status, plan, bound, relative_gap(plan, bound), outcome.seconds, outcome.reason)


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
