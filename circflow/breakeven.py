"""One parameter at a time: the objective over a range and where the plan changes (SPEC 9).

Beside ``sweep``: each varied KEY (the sweep's dotted paths, `circflow.vary`) is moved over
``LOW:HIGH`` (absolute, or ``-20%:+20%`` of the park's value) with every other number
held. The objective is solved at both ends, at the park's value and on a coarse grid; where
two neighbouring values give different plans (a link or process entering or leaving), the
interval is bisected until it is at most ``tolerance`` (1 %) of the range, so each change
point is known to that precision, with the links that enter and leave there.

Each value rebuilds the park and its candidate network (cheap), splits it into
independent parts (`circflow.decompose`) and leaves out the links that can never pay there
(`circflow.model.prune_dominated`, as `optimize` does); a part whose model is the same as at a value
solved before is not solved again, so a disposal price of one supply re-solves only that
supply's part. A part whose rows and columns are the same but whose costs differ (prices,
emission factors, the carbon price) is re-solved on the same HiGHS instance with the new
costs (`circflow.solve.Solver.reprice`), starting from its last plan; a part whose
candidates change (distances, temperatures, amounts) gets a new instance.

Several KEYs run side by side in threads, or as tasks on the sweep's Dask cluster
(``workers`` / ``scheduler``).
"""

from __future__ import annotations

import hashlib
import math
import os
import pathlib
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np
import pandas as pd
from pydantic import BaseModel

from circflow.decompose import independent_parts, unlinked_streams
from circflow.diagnosis import diagnose
from circflow.exceptions import InfeasibleError, ParkError, Problem
from circflow.extend import Extra, Rules, record, resolve
from circflow.folders import save_folder
from circflow.interrupts import on_threads
from circflow.model import Options, ParkModel, build_model, coefficients, prune_dominated
from circflow.naming import link_name, place_names, process_name, short_name
from circflow.network import Network, build_network
from circflow.objectives import Objective, checked_objective, solve_objective
from circflow.results import Solution, finite_or_none, json_value, kpis, write_marker
from circflow.schema import Park
from circflow.solve import Solver, SolverProfile, Status
from circflow.studies import StudyOptions, check_options, stage_of, study_profile
from circflow.sweeps import _dask_client, _park_tree
from circflow.vary import assign, build_park, check_keys
from circflow.yamlfile import copy_tree

TOLERANCE = 0.01
"""Change points are bracketed to this share of the range (SPEC 9: 1 %)."""
GRID = 5
"""Values solved before bisecting: both ends, the park's value and this many in between
(catches a plan that changes and changes back between two values)."""
COLUMNS = [
    "key",
    "point",
    "value",
    "objective",
    "total_cost",
    "emissions",
    "links_added",
    "links_removed",
    "bracket_low",
    "bracket_high",
]
"""``point``: ``low``, ``base`` (the park's value), ``change`` or ``high``. At ``low`` and
``high`` the links are added to or removed from the plan at the park's value; at a
``change`` they enter or leave as the value rises through ``[bracket_low, bracket_high]``,
``value`` being its middle and the figures the mean of the two sides."""
_RANGE = re.compile(r"^\s*([^:]+?)\s*:\s*([^:]+?)\s*$")


@dataclass(frozen=True)
class Range:
    """One KEY's range, as given and as numbers."""

    key: str
    low: float
    high: float
    base: float
    """The park's value."""
    text: str = ""
    label: str = ""
    """The KEY as people read it: ``electricity price``, ``District heating: heat, baseline cost``."""


@dataclass
class Point:
    """The park solved at one value of a KEY."""

    value: float
    objective: float
    total_cost: float
    emissions: float
    plan: frozenset[str]
    """Ids of the new links and candidate processes built."""
    gap: float = 0.0
    """How far the objective may be from the optimum: the parts' objectives less their bounds."""


@dataclass(frozen=True)
class Sensitivity:
    """The findings of `sensitivity` for every KEY: the table, the break-even values, timings."""

    park: str
    objective_name: str
    currency: str
    base_objective: float
    table: pd.DataFrame
    """`COLUMNS`, rows by KEY and rising value."""
    ranges: list[Range]
    break_even: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per link or process in some plan of a range and KEY: whether the park's plan builds
    it, and the nearest values below and above the park's value where that flips."""
    names: dict[str, str] = field(default_factory=dict)
    """Readable name of every link and process id in the findings."""
    timings: dict[str, float] = field(default_factory=dict)
    solves: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per KEY: values evaluated, parts solved, and parts re-solved with new costs only."""
    lang: str = "en"
    """The language of ``sensitivity.html`` (the park's ``park.lang``)."""

    def to_dict(self) -> dict[str, Any]:
        """The findings as ``results.json`` keeps them under ``robustness.sensitivity``."""
        return {
            "objective_name": self.objective_name,
            "base_objective": finite_or_none(self.base_objective),
            "ranges": [
                {"key": r.key, "label": r.label or r.key, "low": r.low, "high": r.high, "base": r.base, "given": r.text}
                for r in self.ranges
            ],
            "points": [json_value(row) for row in self.table.to_dict("records")],
            "break_even": [json_value(row) for row in self.break_even.to_dict("records")],
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
            "solves": dict(self.solves),
        }

    def save(self, folder: str | pathlib.Path) -> pathlib.Path:
        """Write ``sensitivity.csv``, ``break_even.csv`` and ``sensitivity.html`` (tornado chart)."""
        from circflow.exports.robustness import sensitivity_page

        def write(tmp: pathlib.Path) -> None:
            self.table.to_csv(tmp / "sensitivity.csv", index=False)
            self.break_even.to_csv(tmp / "break_even.csv", index=False)
            (tmp / "sensitivity.html").write_text(
                sensitivity_page(self.to_dict(), self.park, self.currency, self.lang), encoding="utf-8"
            )
            write_marker(tmp, "sensitivity")

        return save_folder(pathlib.Path(folder), write)


def parse_range(text: str) -> tuple[str, str]:
    """``KEY=LOW:HIGH`` -> (KEY, ``LOW:HIGH``).

    Examples
    --------
    >>> parse_range("economics.electricity_price=-20%:+20%")
    ('economics.electricity_price', '-20%:+20%')
    """
    key, sep, spec = text.partition("=")
    if not sep or not key.strip() or not _RANGE.match(spec):
        msg = (
            f"cannot read --vary {text!r}: write KEY=LOW:HIGH, e.g. economics.electricity_price=500:900 "
            "or economics.electricity_price=-20%:+20% (of the park's value)"
        )
        raise ParkError(msg)
    return key.strip(), spec.strip()


def resolve_range(park: Park, key: str, spec: str | tuple[float, float]) -> Range:
    """The numbers of a range: ``LOW:HIGH`` as given, or ``-20%:+20%`` of the park's value.

    Raises
    ------
    ParkError
        When KEY names no number of the park, a bound is not a number, LOW >= HIGH, or a
        relative range is asked of a value of 0.
    """
    base = value_at(park, key)
    text = spec if isinstance(spec, str) else f"{spec[0]}:{spec[1]}"
    ends = _RANGE.match(text)
    if ends is None:
        msg = f"--vary {key}={text}: write LOW:HIGH, e.g. 500:900 or -20%:+20%"
        raise ParkError(msg)
    numbers = []
    for part in ends.groups():
        relative = part.endswith("%")
        try:
            number = float(part.rstrip("%"))
        except ValueError:
            msg = f"--vary {key}={text}: {part!r} is not a number (or a percentage such as -20%)"
            raise ParkError(msg) from None
        if relative:
            if base == 0:
                msg = f"--vary {key}={text}: the park's value is 0, so a percentage of it is 0; give LOW:HIGH in the KEY's units"
                raise ParkError(msg)
            number = base * (1 + number / 100)
        numbers.append(number)
    low, high = sorted(numbers)
    if not (math.isfinite(low) and math.isfinite(high)) or low == high:
        msg = f"--vary {key}={text}: LOW and HIGH must be two different finite numbers"
        raise ParkError(msg)
    return Range(key, low, high, base, text, key_label(park, key))


def key_label(park: Park, key: str) -> str:
    """A dotted KEY as people read it: ``economics.electricity_price`` -> ``electricity price``;
    ``enterprises.city_heat.demands.0.baseline.cost`` -> ``City heating: heat, baseline cost``."""
    steps = key.split(".")
    words = [step.replace("_", " ") for step in steps]
    if steps[0] == "economics" and len(steps) == 2:
        return words[1]
    if steps[0] in ("enterprises", "markets") and len(steps) >= 4:
        owner = _step(park, steps[0])
        place = _step(owner, steps[1])
        name = short_name(getattr(place, "name", None) or steps[1])
        stream = _step(_step(place, steps[2]), steps[3])
        resource = getattr(stream, "resource", None)
        what = " ".join(words[4:]) or words[2]
        if steps[2] == "buys" and what == "price":
            what = "market price"
        return f"{name}: {resource.replace('_', ' ') if isinstance(resource, str) else words[3]}, {what}"
    return " ".join(words[1:]) if len(words) > 1 else words[0]


def value_at(park: Park, key: str) -> float:
    """The park's number at a dotted KEY (catalog defaults merged), e.g. 700 for economics.electricity_price.

    Raises
    ------
    ParkError
        When the path does not exist in the park or does not end at a number.
    """
    node: Any = park
    for depth, step in enumerate(key.split(".")):
        where = ".".join(key.split(".")[:depth]) or "the park"
        node = _step(node, step)
        if node is _MISSING:
            msg = f"--vary {key}: {where} has no {step!r}"
            raise ParkError(msg)
    if node is None:
        return 0.0  # an optional number not given (e.g. a disposal cost left at its default)
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        msg = f"--vary {key}: the park's value there is {node!r}, not a number; sensitivity varies numbers"
        raise ParkError(msg)
    return float(node)


_MISSING = object()


def _step(node: Any, step: str) -> Any:
    """One step of a dotted KEY into the validated park: a field (by name or alias), a key, a list item."""
    if isinstance(node, BaseModel):
        for name, info in type(node).model_fields.items():
            if step in (name, info.alias):
                return getattr(node, name)
        extra = node.model_extra or {}
        return extra.get(step, _MISSING)
    if isinstance(node, Mapping):
        return node.get(step, _MISSING)
    if isinstance(node, list):
        for item in node:
            if step in (getattr(item, "id", None), getattr(item, "name", None)):
                return item
        if step.isdigit() and int(step) < len(node):
            return node[int(step)]
    return _MISSING


def sensitivity(
    park: str | os.PathLike[str] | Mapping[str, Any] | Park,
    vary: Mapping[str, str | tuple[float, float]] | Iterable[str],
    *,
    scenarios: Iterable[str] = (),
    objective: Objective = "cost",
    tolerance: float = TOLERANCE,
    **options: Unpack[StudyOptions],
) -> Sensitivity:
    """Vary each KEY over its range alone; find the objective at the ends and where the plan changes.

    Parameters
    ----------
    park
        A park file, a park mapping, or a `Park` from `circflow.load_park`.
    vary
        KEY -> ``"LOW:HIGH"`` (absolute), ``"-20%:+20%"`` (of the park's value) or a
        (low, high) pair; or ``KEY=LOW:HIGH`` strings as on the command line.
    scenarios
        Scenarios applied before the varied value.
    objective
        ``cost`` or ``emissions``, as for `circflow.optimize`.
    tolerance
        Change points are bracketed to this share of each range.
    **options
        How each solve runs (`circflow.StudyOptions`): ``solver``, ``time_limit`` (of each
        solve), ``gap``, ``carbon_price``, ``extra`` (kept at every value); ``workers`` or
        ``scheduler`` run the KEYs as tasks on a Dask cluster (by default, threads of this
        process); ``on_stage``.

    Returns
    -------
    Sensitivity

    Raises
    ------
    ParkError
        On a bad park, KEY or range, before any solve.
    InfeasibleError
        When the park at some value has no feasible plan.
    """
    check_options("sensitivity", options)
    stage = stage_of(options)
    carbon_price, extra = options.get("carbon_price"), options.get("extra")
    workers, scheduler = options.get("workers"), options.get("scheduler")
    started = time.perf_counter()
    objective = checked_objective(objective)
    if not 0 < tolerance < 1:
        msg = f"tolerance is a share of the range between 0 and 1, got {tolerance}"
        raise ParkError(msg)
    tree, base_dir = _park_tree(park)
    if carbon_price is not None:  # the park's own, before a varied value
        tree = copy_tree(tree)
        assign(tree, "economics.carbon_price", carbon_price)
    scenarios = list(scenarios)
    base = build_park(tree, scenarios, {}, base_dir)
    items = vary.items() if isinstance(vary, Mapping) else (parse_range(text) for text in vary)
    ranges = [resolve_range(base, key, spec) for key, spec in items]
    check_keys([r.key for r in ranges], "KEY=LOW:HIGH")
    for r in ranges:  # a typo or a value the schema refuses fails here, before any solve
        for value in (r.low, r.high):
            _checked_park(tree, scenarios, r.key, value, base_dir)
    profile = study_profile(options)
    stage(f"varying {len(ranges)} parameters one at a time")
    if extra is not None:
        resolve(extra)  # a bad import path fails here, before any solve
    task = (tree, base_dir, scenarios, objective, profile, tolerance, extra)
    if workers is not None or scheduler is not None:
        studies = _on_dask(task, ranges, workers, scheduler, stage)
    else:
        threads = max(1, min(len(ranges), os.cpu_count() or 1))
        studies = on_threads(lambda r: study_range(*task, r), ranges, threads, "circflow-range")
    names: dict[str, str] = {}
    rows, flips = [], []
    for r, (points, found, _) in zip(ranges, studies, strict=True):
        names |= found
        rows += _rows(r, points, tolerance)
        flips += _flips(r, points)
    base_point = next(p for p in studies[0][0] if p.value == ranges[0].base)
    table = pd.DataFrame.from_records(rows, columns=COLUMNS)
    for column in ("links_added", "links_removed"):
        table[column] = table[column].map(lambda ids: "; ".join(sorted(names.get(i, i) for i in ids)))
    break_even = pd.DataFrame.from_records(flips, columns=["key", "id", "in_plan", "below", "above"])
    break_even.insert(1, "link", break_even["id"].map(lambda i: names.get(i, i)))
    solves = {r.key: count for r, (_, _, count) in zip(ranges, studies, strict=True)}
    return Sensitivity(
        park=base.park.name,
        objective_name=objective,
        currency=base.economics.currency,
        base_objective=base_point.objective,
        table=table,
        ranges=ranges,
        break_even=break_even,
        names=names,
        timings={"total_s": time.perf_counter() - started},
        solves=solves,
        lang=park.park.lang if isinstance(park, Park) else base.park.lang,
    )


def _checked_park(tree: Any, scenarios: list[str], key: str, value: float, base_dir: str | None) -> Park:
    try:
        return build_park(tree, scenarios, {key: value}, base_dir)
    except ParkError as error:
        raise ParkError(
            [Problem(f"{p.message} (with --vary {key}={value:g})", path=p.path) for p in error.problems]
        ) from None


def study_range(
    tree: Any,
    base_dir: str | None,
    scenarios: list[str],
    objective: Objective,
    profile: SolverProfile,
    tolerance: float,
    extra: Extra,
    r: Range,
) -> tuple[list[Point], dict[str, str], dict[str, int]]:
    """Solve one KEY over its range: the grid, then bisection of every interval whose plans differ.

    Returns
    -------
    points, names, counts
        Every value solved (rising), the readable names of the links and processes in
        their plans, and how many values were evaluated, parts solved afresh and parts
        re-solved with new costs only.
    """
    study = _Study(tree, base_dir, scenarios, r.key, objective, profile, extra)
    inside = r.low < r.base < r.high
    values = sorted(
        {r.low, r.high, *np.linspace(r.low, r.high, GRID + 2)[1:-1].tolist(), r.base}
        if inside
        else {r.low, r.high, *np.linspace(r.low, r.high, GRID + 2)[1:-1].tolist()}
    )
    points = {v: study.evaluate(v) for v in values}
    if not inside:
        points[r.base] = study.evaluate(r.base)
    width = tolerance * (r.high - r.low)

    def differ(a: float, b: float) -> bool:
        """Whether the plan changes from a to b; a tie within the gap keeps a's plan at b."""
        if points[a].plan == points[b].plan:
            return False
        if study.as_good(points[a].plan, points[b]):
            points[b].plan = points[a].plan  # both optimal at b: no change, and one name for it
            return False
        return True

    def bisect(a: float, b: float) -> None:
        if b - a <= width:
            return
        middle = (a + b) / 2
        points[middle] = study.evaluate(middle)
        if differ(a, middle):
            bisect(a, middle)
        if differ(middle, b):
            bisect(middle, b)

    ordered = sorted(points)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if differ(a, b):
            bisect(a, b)
    return [points[v] for v in sorted(points)], study.names, dict(study.counts)


class _Study:
    """The park at any value of one KEY, re-using HiGHS instances and solved parts."""

    def __init__(
        self,
        tree: Any,
        base_dir: str | None,
        scenarios: list[str],
        key: str,
        objective: Objective,
        profile: SolverProfile,
        extra: Extra = None,
    ) -> None:
        self.tree, self.base_dir, self.scenarios, self.key = tree, base_dir, scenarios, key
        self.extra = extra
        self.rules: dict[float, Rules] = {}
        """The rules added from Python, as recorded at each value (SPEC 10)."""
        self.objective = objective
        self.profile = profile
        self.solvers: dict[str, Solver] = {}
        """Rows and columns of a part's model -> the HiGHS instance solving it."""
        self.solved: dict[tuple[str, str], tuple[float, dict[str, float], frozenset[str], float]] = {}
        """(rows and columns, costs) -> the part's objective, KPIs, plan and absolute gap."""
        self.names: dict[str, str] = {}
        self.counts = {"values": 0, "solved": 0, "repriced": 0, "reused": 0, "ties": 0}
        self.networks: dict[float, Network] = {}

    def as_good(self, plan: frozenset[str], point: Point) -> bool:
        """Whether ``plan`` is also optimal at ``point``'s value, within the solver's gap.

        Near-optimal plans tie: a solver stopping at a gap may return either, and a change
        of plan between two values is real only if the plan of the first is worse at the
        second by more than the solves there proved. ``plan``'s own linear program at that
        value (its build decisions fixed, `circflow.model.Options.fixed_plan`) says.
        """
        net = self.networks[point.value]
        built = _built_mask(net, plan)
        model = build_model(net.subset(list(np.flatnonzero(built))), Options(fixed_plan=True), self.rules[point.value])
        outcome = Solver(model, self.profile.model_copy(update={"time_limit": None})).solve(
            "emission" if self.objective == "emissions" else "cost"
        )
        # within what the solves at that value proved (their gap), and the LP's rounding
        tie = outcome.is_ok and outcome.objective <= point.objective + point.gap + 1e-7 * max(1.0, abs(point.objective))
        self.counts["ties"] += int(tie)
        return tie

    def evaluate(self, value: float) -> Point:
        self.counts["values"] += 1
        park = build_park(self.tree, self.scenarios, {self.key: value}, self.base_dir)
        net = build_network(park)
        self.networks[value] = net
        self._name(net)
        rules = self.rules[value] = record(self.extra, net, self.objective)
        parts = independent_parts(net, rules) if net.links else []
        rest = unlinked_streams(net, parts)
        figures = _constants(rest)
        figures["total_cost"] += rules.constant  # the rules' fixed money, once for the park
        objective = figures["total_cost"] + figures["carbon_cost"] if self.objective == "cost" else figures["emissions"]
        total_cost, emissions = figures["total_cost"], figures["emissions"]
        plan: set[str] = set()
        gap = 0.0
        for part in parts:
            part_objective, part_figures, part_plan, part_gap = self._solve(part, value, rules)
            gap += part_gap
            objective += part_objective
            total_cost += part_figures["total_cost"]
            emissions += part_figures["emissions"]
            plan |= part_plan
        return Point(value, objective, total_cost, emissions, frozenset(plan), gap)

    def _solve(
        self, part: Network, value: float, rules: Rules
    ) -> tuple[float, dict[str, float], frozenset[str], float]:
        part = prune_dominated(part, self.objective, rules.protected_links())  # as optimize: the same optimum, faster
        model = build_model(part, extra=rules)
        shape, costs = _signature(model)
        known = self.solved.get((shape, costs))
        if known is not None:
            self.counts["reused"] += 1
            return known
        solver = self.solvers.get(shape)
        if solver is None:
            solver = Solver(model, self.profile)
            self.solvers[shape] = solver
            self.counts["solved"] += 1
        else:
            last = solver.values
            solver.reprice(model)
            if last is not None:
                solver.start(last)  # the last plan is feasible: the rows did not change
            self.counts["repriced"] += 1
        outcome = solve_objective(solver, self.objective)
        if outcome.is_ok and not model.shape[1]:
            solver.values = np.zeros(0)  # no link pays here: the part's streams are a constant
        if not outcome.is_ok or solver.values is None:
            reasons = (
                diagnose(part, self.profile, rules) if outcome.status is Status.INFEASIBLE else [f"{outcome.status}"]
            )
            raise InfeasibleError([f"with {self.key} = {value:g}: {reason}" for reason in reasons])
        solution = Solution.from_values(model, solver.values)
        figures = kpis(part, model.coef, solution)
        if rules.terms:  # the part's share of the rules' objective terms is money of the plan
            figures["total_cost"] += sum(rules.costs(solution, part, figures).values()) - rules.constant
        plan = {link.id for i, link in enumerate(part.links) if solution.built[i] and not link.prebuilt}
        plan |= {part.processes[q].path for q in np.flatnonzero(model.process_built >= 0) if solution.process_built[q]}
        gap = outcome.objective - outcome.bound if math.isfinite(outcome.bound) else math.inf
        found = (
            outcome.objective,
            {"total_cost": figures["total_cost"], "emissions": figures["emissions"]},
            frozenset(plan),
            max(gap, 0.0),
        )
        self.solved[(shape, costs)] = found
        return found

    def _name(self, net: Network) -> None:
        places = place_names(net)
        for link in net.links:
            if link.id not in self.names:
                self.names[link.id] = link_name(net, link, places)
        for process in net.processes:
            if process.path not in self.names:
                self.names[process.path] = process_name(net, process, places)


def _built_mask(net: Network, plan: frozenset[str]) -> np.ndarray:
    """The links of ``net`` a plan has: its new links, and the existing and on-site ones that do
    not serve a candidate process the plan leaves out."""
    left_out = {p.index for p in net.processes if not p.existing and p.path not in plan}
    mask = np.zeros(len(net.links), dtype=bool)
    for i, link in enumerate(net.links):
        if link.id in plan:
            mask[i] = True
        elif link.prebuilt:
            ends = (net.supplies[link.supply].process, net.demands[link.demand].process)
            mask[i] = not any(end is not None and end in left_out for end in ends)
    return mask


def _signature(model: ParkModel) -> tuple[str, str]:
    """Digests of a model's rows and columns, and of its costs (the objectives)."""
    shape = hashlib.sha1(usedforsecurity=False)
    matrix = model.matrix
    for array in (
        model.col_lower,
        model.col_upper,
        model.integer,
        model.row_lower,
        model.row_upper,
        matrix.indptr,
        matrix.indices,
        matrix.data,
    ):
        shape.update(np.ascontiguousarray(array).tobytes())
    costs = hashlib.sha1(usedforsecurity=False)
    for name in sorted(model.objectives):
        expression, scale = model.objectives[name]
        compact = expression.compact()
        costs.update(name.encode())
        for array in (compact.columns, compact.values, np.array([compact.constant, scale])):
            costs.update(np.ascontiguousarray(array).tobytes())
    return shape.hexdigest(), costs.hexdigest()


def _constants(rest: Network) -> dict[str, float]:
    """Money and emissions of the streams no link touches (their disposal and baseline)."""
    coef = coefficients(rest)
    figures = coef.totals(
        np.zeros(0),
        np.zeros(0, dtype=bool),
        np.zeros(0),
        np.zeros(len(rest.processes), dtype=bool),
        np.zeros(len(rest.processes)),
    )
    return {
        "total_cost": figures["total_cost"],
        "carbon_cost": figures["carbon_cost"],
        "emissions": figures["emissions"],
    }


def _rows(r: Range, points: list[Point], tolerance: float) -> list[dict[str, Any]]:
    """The sensitivity.csv rows of one KEY: ends, the park's value and each change, rising."""
    base = next(p for p in points if p.value == r.base)
    rows = []

    def row(
        point: str,
        value: float,
        figures: list[Point],
        added: Iterable[str],
        removed: Iterable[str],
        bracket: tuple[float, float] | None = None,
    ) -> dict[str, Any]:
        return {
            "key": r.key,
            "point": point,
            "value": value,
            "objective": float(np.mean([p.objective for p in figures])),
            "total_cost": float(np.mean([p.total_cost for p in figures])),
            "emissions": float(np.mean([p.emissions for p in figures])),
            "links_added": sorted(added),
            "links_removed": sorted(removed),
            "bracket_low": None if bracket is None else bracket[0],
            "bracket_high": None if bracket is None else bracket[1],
        }

    for k, a in enumerate(points):
        if a.value == r.low:
            rows.append(row("low", a.value, [a], a.plan - base.plan, base.plan - a.plan))
        if a.value == r.base:
            rows.append(row("base", a.value, [a], (), ()))
        if a.value == r.high:
            rows.append(row("high", a.value, [a], a.plan - base.plan, base.plan - a.plan))
        if k + 1 < len(points) and a.plan != points[k + 1].plan:
            b = points[k + 1]
            rows.append(
                row("change", (a.value + b.value) / 2, [a, b], b.plan - a.plan, a.plan - b.plan, (a.value, b.value))
            )
    return rows


def _flips(r: Range, points: list[Point]) -> list[dict[str, Any]]:
    """For every link or process in some plan of the range: the nearest values below and above
    the park's value where its presence flips (the middle of the bisected interval)."""
    values = [p.value for p in points]
    at = values.index(r.base)
    base = points[at]
    ids = sorted(set().union(*(p.plan for p in points)))
    rows = []
    for ident in ids:
        present = ident in base.plan
        above = next(
            (
                (points[k - 1].value + points[k].value) / 2
                for k in range(at + 1, len(points))
                if (ident in points[k].plan) != present
            ),
            None,
        )
        below = next(
            (
                (points[k + 1].value + points[k].value) / 2
                for k in range(at - 1, -1, -1)
                if (ident in points[k].plan) != present
            ),
            None,
        )
        rows.append({"key": r.key, "id": ident, "in_plan": present, "below": below, "above": above})
    return rows


def _on_dask(
    task: tuple[Any, ...], ranges: list[Range], workers: int | None, scheduler: str | None, stage: Callable[[str], None]
) -> list[tuple[list[Point], dict[str, str], dict[str, int]]]:
    """Each KEY a task on a Dask cluster (the sweep's: a local one of ``workers`` processes, or ``scheduler``)."""
    if workers is not None and scheduler is not None:
        msg = "give workers (a local cluster) or scheduler (a running one), not both"
        raise ParkError(msg)
    profile = task[4]
    if profile.threads is None:  # the KEYs run side by side: each solve keeps to one core
        task = (*task[:4], profile.model_copy(update={"threads": 1}), *task[5:])
    with _dask_client(None, workers, scheduler, stage) as client:
        stage(f"running {len(ranges)} parameters on Dask")
        call = uuid.uuid4().hex[:8]  # keys of this study's own: a cluster may run another park's study of the KEY
        futures = [
            client.submit(study_range, *task, r, key=f"circflow-sensitivity-{r.key}-{r.low}-{r.high}-{call}")
            for r in ranges
        ]
        return client.gather(futures)
