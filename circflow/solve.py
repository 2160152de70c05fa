"""Running the solver: profiles, HiGHS in process, and plain outcomes.

Sixth stage: ``model -> solve -> results``. HiGHS runs embedded through highspy, driven by
Pyomo's persistent ``highs`` interface (no file round trip, no external binary). Solver
profiles are data (``solvers/*.yaml``): backend and options such as gap, time limit,
threads. Outcomes are a `Status` enum and a frozen `Outcome`; raw solver strings never
leave this module.
"""

from __future__ import annotations

import enum
import io
import math
import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import pyomo.environ as pyo
from pydantic import ValidationError
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from circflow.catalog import data_dir
from circflow.exceptions import ParkError, Problem, SolverError
from circflow.schema import Strict
from circflow.yamlfile import locate, read_yaml


class Status(enum.StrEnum):
    """How a solve ended (SPEC 5 ``status``)."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """Stopped by the time limit with a plan; the gap says how far from optimal it may be."""
    INFEASIBLE = "infeasible"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"

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
            problems.append(Problem(str(error["msg"]), path=".".join(map(str, error["loc"])),
                                    file=str(path), line=loc.line if loc else None, column=loc.column if loc else None))
        raise ParkError(problems) from None
    if profile.backend != "highs":
        msg = f"solver backend {profile.backend!r} is not available in this installation; use backend: highs"
        raise ParkError(Problem(msg, path="backend", file=str(path)))
    return profile.model_copy(update={"name": path.stem})


@dataclass(frozen=True)
class Outcome:
    """What one solve returned."""

    status: Status
    objective: float = math.nan
    bound: float = math.nan
    gap: float = math.nan
    seconds: float = 0.0
    """Time HiGHS itself ran (modelling and transfer excluded)."""
    log: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return self.status.is_ok


class Solver:
    """One persistent HiGHS instance for one model, re-solved as objectives change.

    Parameters
    ----------
    model
        The Pyomo model (`circflow.model.build_model`).
    profile
        Gap, time limit, threads and further HiGHS options.
    on_log
        Called with each HiGHS log line; None for silence.
    on_progress
        Called with each branch-and-bound row condensed to incumbent, bound and gap in
        the park's money (`condensed_progress`), for a progress display.
    """

    def __init__(self, model: pyo.ConcreteModel, profile: SolverProfile, on_log: Callable[[str], None] | None = None,
                 on_progress: Callable[[str], None] | None = None) -> None:
        self.model = model
        self.profile = profile
        self.on_log = on_log
        self.on_progress = on_progress
        self.highs = Highs()
        if not self.highs.available():
            msg = "HiGHS (highspy) is not importable; reinstall circflow"
            raise SolverError(msg)

    def solve(self, *, time_limit: float | None = None, abs_gap: float | None = None, relaxation: bool = False) -> Outcome:
        """Solve with the model's active objective and load the solution into the model.

        Parameters
        ----------
        time_limit
            Seconds, overriding the profile's.
        abs_gap
            Also stop once incumbent and bound are this close (objective units).
        relaxation
            Solve the LP relaxation only: its value is a bound, no plan is loaded.
        """
        if self.model.unreachable_targets:
            return Outcome(Status.INFEASIBLE)
        objective = next(self.model.component_data_objects(pyo.Objective, active=True))
        scale = self.model.objective_scales.get(objective.local_name, 1.0)
        if next(self.model.component_data_objects(pyo.Var), None) is None:
            return _constant_outcome(self.model, objective, scale)  # the status quo is the only plan
        profile = self.profile
        # HiGHS keeps options between runs of one instance: say solve_relaxation every time
        options = {"mip_feasibility_tolerance": 1e-7, **profile.options, "solve_relaxation": relaxation}
        def line(text: str) -> None:
            if self.on_log is not None:
                self.on_log(text)
            progress = condensed_progress(text, scale) if self.on_progress is not None else None
            if progress is not None:
                self.on_progress(progress)

        listening = self.on_log is not None or self.on_progress is not None
        stream = _LogStream(line)
        limit = time_limit if time_limit is not None else profile.time_limit
        config: dict[str, Any] = {
            "load_solutions": False,
            "raise_exception_on_nonoptimal_result": False,
            "solver_options": options,
            "tee": [stream] if listening else False,
        }
        if profile.gap is not None:
            config["rel_gap"] = profile.gap
        if abs_gap is not None:
            config["abs_gap"] = max(abs_gap / scale, 0.0)
        if limit is not None:
            config["time_limit"] = max(limit, 0.01)
        if profile.threads is not None:
            config["threads"] = profile.threads
        before = self._highs_seconds()
        try:
            results = self.highs.solve(self.model, **config)
        except Exception as err:  # a solver crash is not the user's fault: report it plainly
            msg = f"HiGHS failed: {err}"
            raise SolverError(msg) from err
        term = results.termination_condition
        has_solution = results.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        seconds = self._highs_seconds() - before  # HiGHS's own run time, without Pyomo's
        if term == TerminationCondition.convergenceCriteriaSatisfied and has_solution:
            status = Status.OPTIMAL
        elif term in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded,
                      TerminationCondition.locallyInfeasible):
            return Outcome(Status.INFEASIBLE, seconds=seconds)
        elif has_solution:
            status = Status.FEASIBLE
        elif term in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit, TerminationCondition.interrupted):
            bound = results.objective_bound
            bound = float(bound) * scale if bound is not None and math.isfinite(bound) else math.nan
            return Outcome(Status.TIME_LIMIT_NO_SOLUTION, bound=bound, seconds=seconds)
        else:
            msg = f"HiGHS stopped without a plan ({term.name})"
            raise SolverError(msg)
        if not relaxation:
            results.solution_loader.load_vars()
        value = float(results.incumbent_objective) * scale
        bound = results.objective_bound
        bound = value if bound is None or not math.isfinite(bound) else float(bound) * scale
        if status is Status.OPTIMAL and not self.model_has_integers():
            bound = value
        gap = relative_gap(value, bound)
        return Outcome(status, value, bound, gap, seconds)

    def forget_solution(self) -> None:
        """Drop the last solution HiGHS holds, so the next solve does not start from it.

        Seen with HiGHS 1.16: after an objective change, a solve that presolve settles can
        return the previous incumbent as "optimal" although a cheaper plan exists.
        """
        highs = self.highs._solver_model  # noqa: SLF001
        if highs is not None:
            highs.clearSolver()

    def _highs_seconds(self) -> float:
        highs = self.highs._solver_model  # noqa: SLF001 (pyomo keeps the highspy object here)
        return 0.0 if highs is None else float(highs.getRunTime())

    def model_has_integers(self) -> bool:
        return len(self.model.y) > 0

    def write(self, path: pathlib.Path) -> None:
        """Write the model as HiGHS holds it to ``.mps`` or ``.lp``, with readable names.

        Columns and rows carry the Pyomo names (``f_12_0`` is the flow of link 12 in period 0,
        ``y_12`` its build decision), so the file can be read and re-solved on its own.
        """
        solver = self.highs
        if solver._solver_model is None:  # noqa: SLF001 (pyomo keeps the highspy object here)
            solver.set_instance(self.model)
        highs = solver._solver_model  # noqa: SLF001
        columns = solver._pyomo_var_to_solver_var_map  # noqa: SLF001
        for var in self.model.component_data_objects(pyo.Var):
            if id(var) in columns:
                highs.passColName(columns[id(var)], _plain_name(var.name))
        rows = solver._pyomo_con_to_solver_con_map  # noqa: SLF001
        for con in self.model.component_data_objects(pyo.Constraint, active=True):
            if con in rows:
                highs.passRowName(rows[con], _plain_name(con.name))
        highs.setOptionValue("output_flag", False)
        try:
            status = highs.writeModel(str(path))
        finally:
            highs.setOptionValue("output_flag", True)
        if status != highspy.HighsStatus.kOk or not path.exists():
            msg = f"HiGHS could not write the model to {path}"
            raise SolverError(msg)


def _plain_name(name: str) -> str:
    """``f[12,0]`` -> ``f_12_0``: names that MPS and LP readers accept."""
    return name.replace("[", "_").replace("]", "").replace(",", "_").replace(" ", "").replace("'", "")


def _constant_outcome(model: pyo.ConcreteModel, objective: pyo.Objective, scale: float) -> Outcome:
    """A model without variables: feasible when its constant rows hold."""
    for con in model.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(con.body)
        if (con.lower is not None and body < pyo.value(con.lower) - 1e-6 * max(1.0, abs(body))) or (
            con.upper is not None and body > pyo.value(con.upper) + 1e-6 * max(1.0, abs(body))
        ):
            return Outcome(Status.INFEASIBLE)
    value = float(pyo.value(objective.expr)) * scale
    return Outcome(Status.OPTIMAL, value, value, 0.0)


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(1, |objective|) (HiGHS's convention, never negative)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return abs(objective - bound) / max(1.0, abs(objective))


class _LogStream(io.TextIOBase):
    """Hands HiGHS's log to a callback line by line; Pyomo may close it, which is ignored."""

    def __init__(self, on_line: Callable[[str], None] | None) -> None:
        self.on_line = on_line
        self.buffer_text = ""

    def close(self) -> None:
        self.flush()

    @property
    def closed(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.on_line is None:
            return len(text)
        self.buffer_text += text
        while "\n" in self.buffer_text:
            line, self.buffer_text = self.buffer_text.split("\n", 1)
            self.on_line(line)
        return len(text)


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
