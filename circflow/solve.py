"""Running the solver: profiles, HiGHS in process, and plain outcomes.

Sixth stage: ``model -> solve -> results``. HiGHS runs embedded through highspy and gets
the model's arrays in one call (no file round trip, no external binary, no per-row
translation). Solver profiles are data (``solvers/*.yaml``): backend and options such as
gap, time limit, threads. Outcomes are a `Status` enum (what the end means for the plan)
and a frozen `Outcome` that keeps HiGHS's termination reason as a plain name
(`termination`); highspy's own objects never leave this module.
"""

from __future__ import annotations

import enum
import math
import os
import pathlib
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from pydantic import Field, ValidationError

from circflow.catalog import data_dir
from circflow.exceptions import ParkError, Problem, SolverError
from circflow.interrupts import raise_if_stopped, run_solver, stop_event
from circflow.linear import Linear, LinearProgram
from circflow.schema import Strict
from circflow.yamlfile import locate, read_yaml

HIGHS_OPTIONS: dict[str, Any] = {
    "mip_feasibility_tolerance": 1e-7,
    # HiGHS's root reduced-cost heuristic solves sub-MIPs (36 of them, 0.79 of 1.09 s, on the Jinan
    # park) that find no better plan here: off, Jinan solves in 0.4 s instead of 0.8-1.0 s, the merged
    # 200-enterprise district with a park-wide cap in 3.5 s instead of 5.0-5.6 s, and the 200-district's
    # parts as fast as before (benchmarks/RESULTS.md). RINS and RENS stay on: without them Jinan
    # takes 0.16 s, but the 200-district as one model 51 s instead of 7.7 s
    "mip_heuristic_run_root_reduced_cost": False,
}
"""circflow's HiGHS options under every profile's own (``SolverProfile.options`` may set them back)."""


class Status(enum.StrEnum):
    """What a solve's end means for the plan (SPEC 5 ``status``); `Outcome.reason` says why it ended."""

    OPTIMAL = "optimal"
    """A plan proven within the profile's gap (for ``emissions``, in both lexicographic stages)."""
    FEASIBLE = "feasible"
    """A plan not proven within the gap: a limit (time, nodes, solutions) stopped the search,
    or the second lexicographic stage did not finish; the gap says how far from optimal it may be."""
    INFEASIBLE = "infeasible"
    """No plan satisfies the targets, forced links and capacities together."""
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    """A limit (time, nodes, solutions) stopped the search before any plan was found."""

    @property
    def is_ok(self) -> bool:
        """A plan exists (optimal or feasible)."""
        return self in (Status.OPTIMAL, Status.FEASIBLE)


class SolverProfile(Strict):
    """A solver profile file (``solvers/NAME.yaml``)."""

    name: str = "highs"
    description: str | None = None
    backend: str = "highs"
    """Solver backend; ``highs`` (embedded) is the one shipped."""
    gap: float | None = 1e-4
    """Relative MIP gap at which to stop."""
    time_limit: float | None = None
    """Seconds; None for no limit."""
    threads: int | None = None
    memory_gib: float | None = Field(default=None, gt=0)
    """GiB the parts of a park may hold at once; beyond it they are solved in turn. None: 80 %
    of what the machine has free when the run starts (Linux; elsewhere no limit)."""
    options: dict[str, Any] = {}
    """Further backend options passed as they are (HiGHS option names)."""


def load_profile(name_or_path: str = "highs") -> SolverProfile:
    """Read a solver profile by name (``solvers/NAME.yaml``) or path.

    Raises
    ------
    ParkError
        When no such profile exists or it is not valid.
    """
    path = pathlib.Path(name_or_path)
    if not path.suffix:
        folder = data_dir("solvers")
        path = folder / f"{name_or_path}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
            msg = f"unknown solver profile {name_or_path!r} (profiles: {known}; or give a path to a .yaml file)"
            raise ParkError(msg)
    tree = read_yaml(path)
    try:
        profile = SolverProfile.model_validate(tree or {})
    except ValidationError as err:
        problems = []
        for error in err.errors(include_url=False):
            loc = locate(tree, tuple(error["loc"]))
            problems.append(
                Problem(
                    str(error["msg"]),
                    path=".".join(map(str, error["loc"])),
                    file=str(path),
                    line=loc.line if loc else None,
                    column=loc.column if loc else None,
                )
            )
        raise ParkError(problems) from None
    if profile.backend != "highs":
        msg = f"solver backend {profile.backend!r} is not available in this installation; use backend: highs"
        raise ParkError(Problem(msg, path="backend", file=str(path)))
    return profile.model_copy(update={"name": path.stem})


def run_profile(
    solver: str | SolverProfile = "highs", *, time_limit: float | None = None, gap: float | None = None
) -> SolverProfile:
    """A profile, given or read by name (`load_profile`), with a run's time limit and gap over its own.

    Raises
    ------
    ParkError
        When no such profile exists or it is not valid.
    """
    profile = solver if isinstance(solver, SolverProfile) else load_profile(solver)
    updates = {key: value for key, value in (("time_limit", time_limit), ("gap", gap)) if value is not None}
    return profile.model_copy(update=updates)


@dataclass(frozen=True)
class Outcome:
    """What one solve returned."""

    status: Status
    objective: float = math.nan
    bound: float = math.nan
    """The best bound HiGHS proved; NaN when it proved none (then the gap is unknown, NaN too)."""
    gap: float = math.nan
    seconds: float = 0.0
    """Time HiGHS itself ran (modelling and transfer excluded)."""
    reason: str = ""
    """Why the solve ended, as HiGHS says it (`termination`): ``optimal``, ``infeasible``,
    ``time_limit``, ``interrupt`` (stopped by circflow's race of parts), ``solution_limit``
    (HiGHS's node or solution limits), ...; `status` says what that means for the plan."""

    @property
    def is_ok(self) -> bool:
        return self.status.is_ok


class Solver:
    """One HiGHS instance for one model, re-solved as objectives and held rows change.

    The model's arrays go to HiGHS in one ``passModel``; objectives are switched by
    changing column costs, so HiGHS keeps what it learnt between solves.

    Parameters
    ----------
    model
        The model (`circflow.model.build_model`).
    profile
        Gap, time limit, threads and further HiGHS options.
    on_log
        Called with each HiGHS log line; None for silence.
    on_progress
        Called with each branch-and-bound row condensed to incumbent, bound and gap in
        the park's money (`condensed_progress`), for a progress display.
    """

    def __init__(
        self,
        model: LinearProgram,
        profile: SolverProfile,
        on_log: Callable[[str], None] | None = None,
        on_progress: Callable[[str], None] | None = None,
    ) -> None:
        self.model = model
        self.profile = profile
        self.on_log = on_log
        self.on_progress = on_progress
        self.values: np.ndarray | None = None
        """Column values of the last plan found (or set by the caller), None before any."""
        self.best_read: tuple[float, np.ndarray] | None = None
        """With ``solve(plan_value=)``: the incumbent whose value as read was the least, and
        that value (it may be another than HiGHS's last, which is cheaper by HiGHS's count)."""
        self.highs: highspy.Highs | None = None
        self._held: list[int] = []
        self._scale = 1.0
        self._last_run: tuple[str, int] | None = None
        self._rows_changed = 0
        self._start: np.ndarray | None = None
        self._stop = stop_event()

    def load(self) -> None:
        """Hand the model to HiGHS now rather than at the first solve (to time it apart)."""
        if self.model.shape[1]:
            self._instance()

    def unload(self) -> None:
        """Free HiGHS's copy of the model and its search; the plan found stays in `values`.

        A later solve hands the model to a new HiGHS (rows added by `hold` and bounds set
        by `set_bounds` are gone with the old one). Parts solved in turn unload when done,
        so that only the running parts hold memory.
        """
        self.highs = None
        self._held, self._last_run, self._rows_changed = [], None, 0

    def _instance(self) -> highspy.Highs:
        """HiGHS with the model passed to it (on first use)."""
        if self.highs is not None:
            return self.highs
        model = self.model
        check_representable(model)
        highs = _quiet_highs()
        matrix = sp.csc_array(model.matrix)
        n_rows, n_cols = model.shape
        status = highs.passModel(
            n_cols,
            n_rows,
            matrix.nnz,
            int(highspy.MatrixFormat.kColwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            np.zeros(n_cols),
            model.col_lower,
            model.col_upper,
            model.row_lower,
            model.row_upper,
            matrix.indptr.astype(np.int32),
            matrix.indices.astype(np.int32),
            matrix.data,
            model.integer.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            msg = "HiGHS refused the model"
            raise SolverError(msg)
        if self.on_log is not None or self.on_progress is not None:
            highs.cbLogging.subscribe(self._log_event)
            self._stream = _LogStream(self._log_line)
        for callback in (highs.cbMipInterrupt, highs.cbSimplexInterrupt, highs.cbIpmInterrupt):
            callback.subscribe(self._stop_when_asked)  # Ctrl-C reaches every solve, in any thread
        self.highs = highs
        return highs

    def _stop_when_asked(self, event: Any) -> None:
        """HiGHS's interrupt callbacks: stop the run once the user asked to stop (`circflow.interrupts`)."""
        if self._stop.is_set():
            event.interrupt()

    def _log_event(self, event: Any) -> None:
        self._stream.write(event.message)

    def _log_line(self, text: str) -> None:
        if self.on_log is not None:
            self.on_log(text)
        progress = condensed_progress(text, self._scale) if self.on_progress is not None else None
        if progress is not None and self.on_progress is not None:
            self.on_progress(progress)

    def solve(
        self,
        objective: str = "cost",
        *,
        time_limit: float | None = None,
        watch: Callable[[float, float], bool] | None = None,
        offer: Callable[[], np.ndarray | None] | None = None,
        plan_value: Callable[[np.ndarray, float], float] | None = None,
    ) -> Outcome:
        """Minimise one of the model's objectives; keep the plan in `values`.

        Parameters
        ----------
        objective
            A name in ``model.objectives``.
        time_limit
            Seconds, overriding the profile's.
        watch
            Called as branch and bound goes with the incumbent and the bound (objective
            units); returning True stops the solve with the plan found so far.
        offer
            Asked now and then during branch and bound for a plan (every column's value)
            to hand HiGHS while it runs (its user-solution callback); None when it has none.
        plan_value
            With ``watch``: the value of an incumbent as the caller will read it, from its
            column values and its objective (e.g. less the links it builds for nothing,
            `circflow.results.idle_value`); ``watch`` then gets that value as the plan.
        """
        model = self.model
        expression, scale = model.objectives[objective]
        if model.shape[1] == 0:
            return _constant_outcome(model, expression)  # the status quo is the only plan
        highs = self._instance()
        self._scale = scale
        self._use_objective(objective)
        profile = self.profile
        limit = time_limit if time_limit is not None else profile.time_limit
        listening = self.on_log is not None or self.on_progress is not None
        # HiGHS keeps options between runs of one instance: every run says all of them
        # (the profile's further options over circflow's defaults; this run's limits over both)
        options: dict[str, Any] = {
            **HIGHS_OPTIONS,
            **profile.options,
            "output_flag": listening,
            "log_to_console": False,
            "mip_rel_gap": profile.gap if profile.gap is not None else 1e-4,
            "mip_abs_gap": 1e-6,
            "time_limit": max(limit, 0.01) if limit is not None else math.inf,
            **({"threads": profile.threads} if profile.threads is not None else {}),
        }
        for name, value in options.items():
            refused = highs.setOptionValue(name, value) == highspy.HighsStatus.kError
            if refused and name in HIGHS_OPTIONS and name not in profile.options:
                continue  # a tuning of circflow's that an older HiGHS does not have: it runs without it
            if refused:
                msg = f"HiGHS does not accept option {name} = {value!r} (solver profile {profile.name})"
                raise SolverError(msg)
        if (objective, self._rows_changed) != self._last_run:
            # HiGHS 1.16 may hand back the last incumbent as "optimal" once the objective or
            # a row changed (seen when presolve settles the model); an unchanged model keeps
            # it as a start
            highs.clearSolver()
        self._last_run, self._rows_changed = (objective, 0), 0
        if self._start is not None:  # after the clearing above, which would drop it
            start = highspy.HighsSolution()
            start.col_value = self._start.tolist()
            highs.setSolution(start)
            self._start = None

        latest: list[tuple[float, float]] = []  # the last incumbent's objective and its value as read
        self.best_read = None

        def improved(event: Any) -> None:
            assert plan_value is not None
            value = float(event.data_out.objective_function_value) * scale
            values = np.array(event.data_out.mip_solution, dtype=float)  # a copy: HiGHS reuses its buffer
            read = plan_value(values, value)
            latest[:] = [(value, read)]
            if self.best_read is None or read < self.best_read[0]:
                self.best_read = (read, values)  # a later incumbent may read worse than this one

        def interrupt(event: Any) -> None:
            assert watch is not None
            plan = event.data_out.mip_primal_bound * scale
            if latest and abs(latest[0][0] - plan) <= 1e-9 * max(1.0, abs(plan)):
                plan = latest[0][1]
            # set either way: HiGHS keeps the flag between runs, and a run after a stopped one
            # would otherwise stop at its first callback. HiGHS calls this after
            # `_stop_when_asked`, whose interrupt it would undo: the user's stop is asked here too
            stop = self._stop.is_set() or watch(plan, event.data_out.mip_dual_bound * scale)
            event.interrupt(bool(stop))

        def give(event: Any) -> None:
            assert offer is not None
            values = offer()
            if values is not None:
                event.data_in.setSolution(np.ascontiguousarray(values, dtype=float))

        if watch is not None:
            highs.cbMipInterrupt.subscribe(interrupt)
        reading = watch is not None and plan_value is not None
        if reading:
            highs.cbMipImprovingSolution.subscribe(improved)
        if offer is not None:
            highs.cbMipUserSolution.subscribe(give)
        self._stop = stop_event()
        raise_if_stopped()
        before = highs.getRunTime()
        try:
            run_solver(lambda: _run(highs, profile.threads))  # the main thread's on a helper: Ctrl-C is taken at once
        except Exception as err:  # a solver crash is not the user's fault: report it plainly
            msg = f"HiGHS failed: {err}"
            raise SolverError(msg) from err
        finally:
            if watch is not None and not self._stop.is_set():  # once stopped, HiGHS may still be on its way out
                highs.cbMipInterrupt.unsubscribe(interrupt)
                if reading:
                    highs.cbMipImprovingSolution.unsubscribe(improved)
            if offer is not None:
                highs.cbMipUserSolution.unsubscribe(give)
        if listening:
            self._stream.flush_line()
        if highs.getModelStatus() == highspy.HighsModelStatus.kInterrupt and self._stop.is_set():
            raise KeyboardInterrupt  # the user's Ctrl-C, not circflow's race of parts
        seconds = highs.getRunTime() - before
        return self._outcome(highs, scale, seconds)

    def _outcome(self, highs: highspy.Highs, scale: float, seconds: float) -> Outcome:
        term = highs.getModelStatus()
        reason = termination(term)
        info = highs.getInfo()
        has_solution = info.primal_solution_status == _FEASIBLE_SOLUTION
        kinds = highspy.HighsModelStatus
        if term == kinds.kOptimal and has_solution:
            status = Status.OPTIMAL
        elif term in (kinds.kInfeasible, kinds.kUnboundedOrInfeasible):
            return Outcome(Status.INFEASIBLE, seconds=seconds, reason=reason)
        elif has_solution:
            status = Status.FEASIBLE
        elif term in (kinds.kTimeLimit, kinds.kIterationLimit, kinds.kInterrupt, kinds.kSolutionLimit):
            bound = float(info.mip_dual_bound) * scale
            return Outcome(
                Status.TIME_LIMIT_NO_SOLUTION,
                bound=bound if math.isfinite(bound) else math.nan,
                seconds=seconds,
                reason=reason,
            )
        else:
            msg = f"HiGHS stopped without a plan ({highs.modelStatusToString(term)})"
            raise SolverError(msg)
        value = float(info.objective_function_value) * scale
        # The bound is what HiGHS proved, never the plan's own value: a run stopped before
        # it had a bound (a limit in presolve, or an LP cut short) has none, and its gap is unknown
        proven = value if status is Status.OPTIMAL else math.nan
        if self.model.integer.any():
            dual = float(info.mip_dual_bound)
            bound = dual * scale if math.isfinite(dual) else proven
        else:
            bound = proven
        self.values = np.asarray(highs.getSolution().col_value, dtype=float)
        return Outcome(status, value, bound, relative_gap(value, bound), seconds, reason)

    def _use_objective(self, objective: str) -> None:
        """Give HiGHS one of the model's objectives, in the solver's units (divided by its scale)."""
        expression, scale = self.model.objectives[objective]
        n_cols = self.model.shape[1]
        highs = self._instance()
        highs.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), expression.dense(n_cols) / scale)
        highs.changeObjectiveOffset(expression.constant / scale)

    def hold(self, expression: Linear, upper: float) -> int:
        """Add the row ``expression <= upper``; returns its index for `release` or `move`."""
        highs = self._instance()
        row = self.model.shape[0] + len(self._held)
        terms = expression.compact()
        status = highs.addRow(
            -math.inf, upper - terms.constant, len(terms.columns), terms.columns.astype(np.int32), terms.values
        )
        if status == highspy.HighsStatus.kError:
            msg = "HiGHS refused a held row"
            raise SolverError(msg)
        self._held.append(row)
        self._rows_changed += 1
        return row

    def move(self, row: int, expression: Linear, upper: float) -> None:
        """Change the upper side of a held row."""
        self._instance().changeRowBounds(row, -math.inf, upper - expression.constant)
        self._rows_changed += 1

    def release(self, row: int) -> None:
        """Remove the last held row."""
        if not self._held or self._held[-1] != row:
            msg = "held rows are released last first"
            raise ValueError(msg)
        self._instance().deleteRows(1, np.array([row], dtype=np.int32))
        self._held.pop()
        self._rows_changed += 1

    def set_bounds(self, columns: np.ndarray, lower: np.ndarray | float, upper: np.ndarray | float) -> None:
        """Change the bounds of some columns in place, e.g. fix a build decision to 0 or 1.

        HiGHS keeps its instance; like a changed row, the next solve starts afresh (or from
        `start`).
        """
        columns = np.asarray(columns, dtype=np.int32)
        lower = np.broadcast_to(np.asarray(lower, dtype=float), columns.shape)
        upper = np.broadcast_to(np.asarray(upper, dtype=float), columns.shape)
        self._instance().changeColsBounds(
            len(columns), columns, np.ascontiguousarray(lower), np.ascontiguousarray(upper)
        )
        self._rows_changed += 1

    def relax(self, relaxed: bool = True) -> None:
        """Solve the LP relaxation (every integer column continuous), or the MIP again."""
        integer = np.flatnonzero(self.model.integer).astype(np.int32)
        if len(integer):
            kind = np.full(len(integer), 0 if relaxed else 1, dtype=np.uint8)  # HiGHS: 0 continuous, 1 integer
            self._instance().changeColsIntegrality(len(integer), integer, kind)
            self._rows_changed += 1

    def start(self, values: np.ndarray) -> None:
        """Give the next solve a plan to start from (every column's value; HiGHS's ``setSolution``).

        A feasible start is an incumbent from the first node, so a solve that only has to
        tell whether a plan within some objective exists can stop at once.
        """
        self._start = np.asarray(values, dtype=float).copy()

    def reprice(self, model: LinearProgram) -> None:
        """Solve another model with the same columns and rows but other objectives.

        For a parameter that only changes prices or emission factors: HiGHS keeps its
        instance and gets the new costs at the next solve, instead of a new model.

        Raises
        ------
        ValueError
            When ``model``'s columns or rows differ from the current one's.
        """
        old = self.model
        same = (
            old.shape == model.shape
            and np.array_equal(old.col_lower, model.col_lower)
            and np.array_equal(old.col_upper, model.col_upper)
            and np.array_equal(old.integer, model.integer)
            and np.array_equal(old.row_lower, model.row_lower)
            and np.array_equal(old.row_upper, model.row_upper)
            and (old.matrix != model.matrix).nnz == 0
        )
        if not same:
            msg = "reprice needs a model with the same columns and rows; build a new Solver instead"
            raise ValueError(msg)
        self.model = model
        self._last_run = None  # new costs under the same objective name: start afresh

    def forget_solution(self) -> None:
        """Drop the last solution HiGHS holds, so the next solve does not start from it.

        Seen with HiGHS 1.16: after an objective change, a solve that presolve settles can
        return the previous incumbent as "optimal" although a cheaper plan exists.
        """
        if self.highs is not None:
            self.highs.clearSolver()

    def write(self, path: pathlib.Path, objective: str = "cost") -> None:
        """Write the model as HiGHS holds it to ``.mps`` or ``.lp``, with readable names.

        Columns and rows carry the model's names (``r_12_0`` is the rate of link 12 in
        period 0, ``y_12`` its build decision), so the file can be read and re-solved on
        its own. The objective is ``objective`` in the solver's units.
        """
        model = self.model
        if model.shape[1] == 0:
            msg = "the model has no decision to write (no candidate link)"
            raise SolverError(msg)
        highs = self._instance()
        self._use_objective(objective)
        for j, name in enumerate(model.column_names()):
            highs.passColName(j, name)
        for i, name in enumerate(model.row_names()):
            highs.passRowName(i, name)
        status = highs.writeModel(str(path))
        if status != highspy.HighsStatus.kOk or not path.exists():
            msg = f"HiGHS could not write the model to {path}"
            raise SolverError(msg)


_FEASIBLE_SOLUTION = 2  # HiGHS's kSolutionStatusFeasible

LARGE_MATRIX_VALUE = 1e15
"""HiGHS's ``large_matrix_value``: it refuses a model with a larger coefficient."""
INFINITE = 1e20
"""HiGHS's ``infinite_bound`` and ``infinite_cost``: from here on a number means infinity."""


def check_representable(model: LinearProgram) -> None:
    """Refuse a model HiGHS cannot represent, naming the row and column, before HiGHS sees it.

    Each number of a park is checked against what the model can represent when the park
    is read (`circflow.schema`); this catches what only their combination makes too large
    (a heat pipe's capex per MW over a water temperature difference of a few mK, say).

    Raises
    ------
    ParkError
        With the value, where it is in the model and what to look for.
    """
    matrix = sp.coo_array(model.matrix)
    if matrix.nnz and np.abs(matrix.data).max() >= LARGE_MATRIX_VALUE:
        k = int(np.abs(matrix.data).argmax())
        where = f"row {model.row_names()[matrix.row[k]]}, {_column(model, int(matrix.col[k]))}"
        raise ParkError(_beyond(float(matrix.data[k]), where, LARGE_MATRIX_VALUE))
    for name, (expression, scale) in model.objectives.items():
        costs = expression.dense(model.shape[1]) / scale
        if len(costs) and np.abs(costs).max() >= INFINITE:
            j = int(np.abs(costs).argmax())
            raise ParkError(
                _beyond(float(costs[j] * scale), f"objective {name}, {_column(model, j)}", INFINITE * scale)
            )
    for side, values in (("lower", model.row_lower), ("upper", model.row_upper)):
        finite = np.where(np.isfinite(values), np.abs(values), 0.0)
        if len(finite) and finite.max() >= INFINITE:
            i = int(finite.argmax())
            raise ParkError(_beyond(float(values[i]), f"the {side} side of row {model.row_names()[i]}", INFINITE))


def _column(model: LinearProgram, j: int) -> str:
    """A column as people read it: the link it belongs to, when the model is a park's."""
    name = model.column_names()[j]
    links = getattr(getattr(model, "net", None), "links", None)
    for block in model.columns.values():
        if links is not None and block.start <= j < block.start + block.size and block.labels is not None:
            label = np.atleast_1d(block.labels[j - block.start])[0]
            if isinstance(label, (int, np.integer)) and 0 <= label < len(links) and block.name in ("r", "y", "k"):
                return f"column {name} (link {links[int(label)].id})"
    return f"column {name}"


def _beyond(value: float, where: str, limit: float) -> Problem:
    msg = (
        f"the park's numbers combine into {value:.3g} ({where}), beyond what the solver can represent "
        f"({limit:g}); look for a number written in a unit too small (a price per kg given per t, a "
        "length in m) or a temperature difference of almost nothing"
    )
    return Problem(msg)


_scheduler = threading.local()
"""Per calling thread: the thread count its HiGHS scheduler was last restarted with."""


def _run(highs: highspy.Highs, threads: int | None) -> None:
    """One HiGHS run, in the thread that calls it (`circflow.interrupts.run_solver` picks the thread)."""
    _share_scheduler(threads)
    highs.run()


def _share_scheduler(threads: int | None) -> None:
    """Restart the calling thread's HiGHS scheduler when a profile asks for another count.

    HiGHS (1.16) starts a scheduler for each calling thread at its first run and refuses to
    run (status "Not Set") when a later run in that thread asks for a different
    ``threads``; an engineer may well run profiles with different thread counts in one
    session. A restart affects only the calling thread.
    """
    if threads is not None and getattr(_scheduler, "threads", None) != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _scheduler.threads = threads


_banner_lock = threading.Lock()
_banner_shown = [False]


def _quiet_highs() -> highspy.Highs:
    """A silent HiGHS instance. The first one in a process prints a banner on the C
    stdout, below Python; it goes to /dev/null so that piped and --quiet runs stay silent.
    Only that first one touches the descriptor, under a lock (threads may create solvers)."""
    with _banner_lock:
        if _banner_shown[0]:
            highs = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with pathlib.Path(os.devnull).open("w") as null:
                    os.dup2(null.fileno(), 1)
                    highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _banner_shown[0] = True
    highs.setOptionValue("output_flag", False)
    return highs


def _constant_outcome(model: LinearProgram, objective: Linear) -> Outcome:
    """A model without columns: feasible when its (empty) rows admit 0."""
    lower, upper = model.row_lower, model.row_upper
    if np.any(lower > 1e-9) or np.any(upper < -1e-9):
        return Outcome(Status.INFEASIBLE, reason="infeasible")
    return Outcome(Status.OPTIMAL, objective.constant, objective.constant, 0.0, reason="optimal")


def termination(model_status: highspy.HighsModelStatus) -> str:
    """HiGHS's model status as a plain name, the `Outcome.reason` of a solve.

    Examples
    --------
    >>> termination(highspy.HighsModelStatus.kTimeLimit), termination(highspy.HighsModelStatus.kOptimal)
    ('time_limit', 'optimal')
    """
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model_status.name.removeprefix("k")).lower()


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(1, |objective|) (HiGHS's convention, never negative)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return abs(objective - bound) / max(1.0, abs(objective))


class _LogStream:
    """Cuts HiGHS's log messages (pieces of lines) into whole lines for a callback."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self.on_line = on_line
        self.buffer_text = ""

    def write(self, text: str) -> None:
        self.buffer_text += text
        while "\n" in self.buffer_text:
            line, self.buffer_text = self.buffer_text.split("\n", 1)
            self.on_line(line)

    def flush_line(self) -> None:
        """Hand over a last line that had no newline."""
        if self.buffer_text:
            line, self.buffer_text = self.buffer_text, ""
            self.on_line(line)


def condensed_progress(line: str, scale: float = 1.0) -> str | None:
    """One HiGHS branch-and-bound log row as ``best X, bound Y, gap Z`` (None for other lines).

    HiGHS prints rows such as
    ``L  0  0  0  0.00%  132945598.75  140406928.81  5.31%  2395  179  0  4899  1.6s``:
    source, nodes, queue, leaves, explored, best bound, best solution, gap, cuts ..., time.
    ``scale`` multiplies the objective values back into the park's units.

    Examples
    --------
    >>> condensed_progress(" L   0   0   0   0.00%   132945598.75   140406928.81   5.31%   2395   179   0   4899   1.6s")
    'incumbent 1.4041e+08, bound 1.3295e+08, gap 5.31% (1.6 s)'
    >>> condensed_progress("Presolving model") is None
    True
    """
    fields = line.split()
    if len(fields) < 9 or not fields[-1].endswith("s") or "%" not in line:
        return None
    try:
        percents = [i for i, field in enumerate(fields) if field.endswith("%")]
        if len(percents) < 2:
            return None
        first, second = percents[0], percents[1]
        bound, incumbent, gap = fields[first + 1], fields[first + 2], fields[second]
        seconds = float(fields[-1].rstrip("s"))
    except (ValueError, IndexError):
        return None
    if second != first + 3:
        return None
    shown = [_sci(value, scale) for value in (incumbent, bound)]
    return f"incumbent {shown[0]}, bound {shown[1]}, gap {gap} ({seconds:g} s)"


def _sci(text: str, scale: float) -> str:
    try:
        value = float(text) * scale
    except ValueError:
        return text  # "inf", "-inf"
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.4e}"
