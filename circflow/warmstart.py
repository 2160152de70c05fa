"""A first plan for a hard part from its LP relaxation's support (issue 17).

Between ``model`` and ``solve``, used by `circflow.race`. Fixed-charge networks with scarce
supply shared by many candidates have a weak LP relaxation: the build decisions' fixed
costs are spread fractionally over many links, HiGHS stays long in its root cut loop, and
its own heuristics may find a good plan only after minutes. Their LP solution still points
at the links worth having: `support_plan` solves the relaxation, then the MIP over the
links the relaxation uses (every other build decision fixed at 0, a small model), and
returns that plan. Fixing decisions only tightens bounds, so the plan is feasible for the
whole part and HiGHS can start from it (`circflow.solve.Solver.start`). Its quality
bounds nothing: the part's own solve still proves the gap.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from circflow.interrupts import in_this_run, joined
from circflow.linear import LinearProgram
from circflow.solve import Solver, SolverProfile

USED = 1e-6
"""A build decision the relaxation sets above this is in its support."""
SUPPORT_GAP = 5e-3
"""Relative gap of the MIP over the support: it is small, and its plan should be good."""
RELAXATION_OPTIONS = {"solver": "ipm", "run_crossover": "off"}
"""The relaxation by interior point without crossover: only its support matters, and on the
hard district's water part (54,576 rows) it took 15.8 s against the simplex's 28.7 s."""
SUPPORT_SECONDS = 60.0
"""Seconds for the relaxation and the MIP over its support when the run has no time limit."""


def support_plan(
    model: LinearProgram, profile: SolverProfile, objective: str = "cost", time_limit: float | None = None
) -> tuple[np.ndarray, float, float] | None:
    """A plan for ``model`` from the links its LP relaxation uses.

    Parameters
    ----------
    model
        A part's model (it is not changed: this solves a copy in its own HiGHS).
    profile
        Threads and options; the gap is `SUPPORT_GAP`.
    objective
        The objective to minimise (``cost``; one of ``model.objectives``).
    time_limit
        Seconds for the relaxation and the MIP over its support together (default
        `SUPPORT_SECONDS`).

    Returns
    -------
    tuple or None
        Every column's value, the plan's objective and the relaxation's bound (objective
        units); None when the relaxation or the MIP found nothing in time.
    """
    started = time.perf_counter()
    time_limit = SUPPORT_SECONDS if time_limit is None else time_limit
    probe = Solver(model, profile.model_copy(update={"options": {**profile.options, **RELAXATION_OPTIONS}}))
    probe.relax()
    relaxed = probe.solve(objective, time_limit=time_limit)
    if not relaxed.is_ok or probe.values is None:
        return None
    integer = np.flatnonzero(model.integer)
    unused = integer[probe.values[integer] <= USED]
    probe.relax(relaxed=False)
    probe.profile = profile.model_copy(update={"gap": SUPPORT_GAP})
    probe.set_bounds(unused, 0.0, 0.0)
    left = time_limit - (time.perf_counter() - started)
    if left <= 0:
        return None
    found = probe.solve(objective, time_limit=left)
    if not found.is_ok or probe.values is None or not math.isfinite(found.objective):
        return None
    return probe.values, found.objective, relaxed.objective


class WarmStart:
    """A support plan found beside a running solve, and offered to it once (HiGHS's
    user-solution callback: no restart, the solve keeps its cuts and tree).

    `begin` starts the search in a thread of its own; `offer` hands the plan over once it
    is there; `bound` is the relaxation's bound once known (a proven lower bound of the
    part); `wait` lets the thread end.
    """

    def __init__(self, model: LinearProgram, profile: SolverProfile, objective: str = "cost") -> None:
        self.model = model
        self.profile = profile
        self.objective = objective
        self.thread: threading.Thread | None = None
        self.found: tuple[np.ndarray, float, float] | None = None
        self.given = False
        self.closed = False
        self.lock = threading.Lock()
        self._in_its_run = in_this_run(self._search)  # a search begun after its run was stopped does not start

    @property
    def begun(self) -> bool:
        return self.thread is not None

    def begin(self, time_limit: float | None) -> None:
        """Look for the plan in the background, within ``time_limit`` seconds."""
        with self.lock:
            if self.thread is None and not self.closed:
                thread = threading.Thread(target=self._in_its_run, args=(time_limit,), daemon=True)
                thread.start()
                self.thread = thread

    def _search(self, time_limit: float | None) -> None:
        self.found = support_plan(self.model, self.profile, self.objective, time_limit)

    def offer(self) -> np.ndarray | None:
        """The plan, the first time it is asked for once found; else None."""
        if self.found is None or self.given:
            return None
        self.given = True
        return self.found[0]

    @property
    def bound(self) -> float:
        return self.found[2] if self.found is not None else -math.inf

    def wait(self) -> None:
        """Let the search end (if it began); none begins after this."""
        with self.lock:
            self.closed = True
            thread = self.thread
        if thread is not None:
            joined(thread)
