"""Near-optimal alternatives: which links and processes of a plan are sure (SPEC 9).

Beside ``optimize``: ``network -> decompose -> model -> solve`` run once per candidate. With
the objective held within ``slack`` of the optimum, each candidate link and process is

- ``essential``: in the optimum, and no plan within the slack does without it;
- ``optional``: in the optimum, but some plan within the slack does without it;
- ``possible``: not in the optimum, but some plan within the slack builds it;
- ``excluded``: not in the optimum, and every plan that builds it is beyond the slack;

with the best objective without it (``y = 0``) and with it (``y = 1``). A candidate only
affects its own independent part of the park (`circflow.decompose`), so each question is
a small problem: the part's optimum plus the slack. Most are settled without branch and
bound, by a bound:

- the *plan without it*: the optimum less the link and its flows (when no target,
  forced link or cap needs it) is a plan; if it is within the slack, the link is optional;
- the *idle link*: the optimum plus the link built and unused is a plan; if its capex fits
  the slack, the link is possible;
- the *margin bound*: a link's flow is worth at most its margin (as in
  `circflow.model.prune_dominated`); if even its best use cannot pay back enough of its
  capex to stay within the slack, it is excluded;
- the *LP bound*: the linear relaxation with the build decision fixed is a lower bound; if
  it is beyond the slack, the link is essential (or excluded).

The rest are solved with the decision fixed, starting from the optimum (HiGHS's
``setSolution``) and stopped as soon as a plan within the slack is found or the bound
passes it. ``exact=True`` solves every one to the gap instead, for the values.

`modelling_to_generate_alternatives` (``plans``) adds whole plans: Brill's
Hop-Skip-Jump MGA, each plan minimising the number of links and processes the earlier
plans used, with the objective held within the slack.
"""

from __future__ import annotations

import copy
import math
import os
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np
import pandas as pd

from circflow.decompose import independent_parts, unlinked_streams
from circflow.diagnosis import diagnose
from circflow.exceptions import InfeasibleError, ParkError
from circflow.extend import Extra, Rules, record
from circflow.folders import save_folder
from circflow.interrupts import on_threads
from circflow.linear import Linear, constant
from circflow.model import Options, ParkModel, _best_annual_value, build_model, prune_dominated
from circflow.naming import link_name, place_names, process_name
from circflow.network import Network, build_network
from circflow.objectives import Objective, checked_objective
from circflow.optimizer import prepare
from circflow.results import Solution, json_value, kpis, write_marker
from circflow.schema import Park
from circflow.solve import Solver, SolverProfile, Status
from circflow.studies import StudyOptions, check_options, stage_of, study_profile
from circflow.sweeps import _dask_client, _park_tree
from circflow.vary import assign, build_park
from circflow.yamlfile import copy_tree

CLASSES = ("essential", "optional", "possible", "excluded")
COLUMNS = [
    "link",
    "id",
    "kind",
    "resource",
    "technology",
    "in_optimum",
    "class",
    "best_without",
    "best_with",
    "best_without_is",
    "best_with_is",
    "settled_by",
    "capex",
]
"""``best_*_is``: ``optimum`` (solved to the gap), ``at most`` (a plan of that value exists)
or ``at least`` (a bound proves no plan is better)."""


@dataclass(frozen=True)
class Alternatives:
    """How sure each part of a plan is (SPEC 9): the classes, the values, and MGA plans."""

    park: str
    objective_name: str
    currency: str
    slack: float
    optimum: float
    threshold: float
    """The objective every plan within the slack stays under: optimum + slack x |optimum|."""
    table: pd.DataFrame
    """One row per candidate link and process (`COLUMNS`)."""
    plans: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Plan 0 is the optimum; plans 1..N maximally different ones within the slack."""
    timings: dict[str, float] = field(default_factory=dict)
    lang: str = "en"
    """The language of ``alternatives.html`` (the park's ``park.lang``)."""

    @property
    def counts(self) -> dict[str, int]:
        """Candidates per class."""
        found = self.table["class"].value_counts().to_dict() if not self.table.empty else {}
        return {name: int(found.get(name, 0)) for name in CLASSES}

    def to_dict(self) -> dict[str, Any]:
        """The findings as ``results.json`` keeps them under ``robustness.alternatives``."""
        return {
            "slack": self.slack,
            "objective_name": self.objective_name,
            "optimum": self.optimum,
            "threshold": self.threshold,
            "counts": self.counts,
            "candidates": [json_value(row) for row in self.table.to_dict("records")],
            "plans": [json_value(row) for row in self.plans.to_dict("records")],
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
        }

    def save(self, folder: str | pathlib.Path) -> pathlib.Path:
        """Write ``alternatives.csv``, ``plans.csv`` (with MGA plans) and ``alternatives.html``."""
        from circflow.exports.robustness import alternatives_page

        def write(tmp: pathlib.Path) -> None:
            self.table.to_csv(tmp / "alternatives.csv", index=False)
            if not self.plans.empty:
                self.plans.to_csv(tmp / "plans.csv", index=False)
            (tmp / "alternatives.html").write_text(
                alternatives_page(self.to_dict(), self.park, self.currency, self.lang), encoding="utf-8"
            )
            write_marker(tmp, "alternatives")

        return save_folder(pathlib.Path(folder), write)


def alternatives(
    park: Park,
    slack: float = 0.05,
    *,
    plans: int = 0,
    objective: Objective = "cost",
    exact: bool = False,
    **options: Unpack[StudyOptions],
) -> Alternatives:
    """Class every candidate link and process within ``slack`` of the optimum (SPEC 9).

    Parameters
    ----------
    park
        A validated park.
    slack
        Share of the optimum's objective a plan may cost more and still count (0.05: 5 %).
    plans
        Also find this many maximally different plans within the slack (Hop-Skip-Jump MGA).
    objective
        ``cost`` (the cost objective) or ``emissions`` (the slack is on emissions).
    exact
        Solve every restricted problem to the gap, for its value, rather than stopping
        as soon as its class is settled.
    **options
        How each solve runs (`circflow.StudyOptions`): ``solver``, ``time_limit`` (of each
        solve), ``gap``, ``carbon_price``, ``extra`` (every plan within the slack keeps
        them); ``workers`` or ``scheduler`` classify the independent parts as tasks on a Dask
        cluster, for parks of many large parts (by default, threads of this process, one
        per CPU); ``on_stage``.

    Returns
    -------
    Alternatives

    Raises
    ------
    ParkError
        On a bad park, an unknown objective or a slack below 0.
    InfeasibleError
        When the park has no feasible plan.
    """
    check_options("alternatives", options)
    checked_objective(objective)
    stage = stage_of(options)
    carbon_price, extra = options.get("carbon_price"), options.get("extra")
    workers, scheduler = options.get("workers"), options.get("scheduler")
    if not (math.isfinite(slack) and slack >= 0):
        msg = f"slack must be a finite share >= 0 of the optimum (0.05 for 5 %), got {slack}"
        raise ParkError(msg)
    if plans < 0:
        msg = f"plans must be >= 0, got {plans}"
        raise ParkError(msg)
    given = park
    park, profile = prepare(park, study_profile(options), carbon_price=carbon_price)
    name = "emission" if objective == "emissions" else "cost"
    timings: dict[str, float] = {}
    started = time.perf_counter()
    stage("building candidate network")
    net = build_network(park)
    rules = record(extra, net, objective)
    parts = independent_parts(net, rules) if net.links else []
    rest = unlinked_streams(net, parts)
    constant = Solver(build_model(rest, Options(targets=False)), profile).solve(name).objective
    if name == "cost":
        constant += rules.constant  # the rules' fixed money, once for the park
    studies = [_PartStudy(part, profile, name, rules) for part in parts]
    threads = max(1, min(len(studies), os.cpu_count() or 1))
    stage(f"solving the optimum of {len(studies)} independent parts")
    outcomes = _each(studies, lambda study: study.solve_optimum(), threads)
    if any(not ok for ok in outcomes):
        raise InfeasibleError(diagnose(net, profile, rules))
    optimum = constant + sum(study.optimum for study in studies)
    budget = slack * abs(optimum)
    for study in studies:  # a candidate changes its own part only: the others stay at their optimum
        study.offset = optimum - study.optimum
    timings["optimum_s"] = time.perf_counter() - started
    stage(f"classifying {sum(len(s.candidates) for s in studies)} candidates within {slack:.1%} of the optimum")
    classify_started = time.perf_counter()
    if workers is not None or scheduler is not None:
        remote = _RemoteParts.of(given, carbon_price, name, profile, budget, exact, optimum, extra)
        rows = [row for found in remote.run(studies, workers, scheduler, stage) for row in found]
    else:
        rows = [row for found in _each(studies, lambda study: study.classify(budget, exact), threads) for row in found]
    timings["classify_s"] = time.perf_counter() - classify_started
    table = pd.DataFrame.from_records(rows, columns=COLUMNS)
    plan_table = pd.DataFrame()
    if plans:
        stage(f"finding {plans} maximally different plans within the slack")
        mga_started = time.perf_counter()
        plan_table = modelling_to_generate_alternatives(
            net, profile, name, optimum + budget, plans, _optimum_built(net, studies), rules
        )
        timings["plans_s"] = time.perf_counter() - mga_started
    timings["total_s"] = time.perf_counter() - started
    order = {name: k for k, name in enumerate(CLASSES)}
    table = table.sort_values(
        ["class", "link"], key=lambda c: c.map(order) if c.name == "class" else c, ignore_index=True
    )
    return Alternatives(
        park=park.park.name,
        objective_name=objective,
        currency=park.economics.currency,
        slack=slack,
        optimum=optimum,
        threshold=optimum + budget,
        table=table,
        plans=plan_table,
        timings=timings,
        lang=park.park.lang,
    )


@dataclass(frozen=True)
class _RemoteParts:
    """Parts classified as Dask tasks: each worker rebuilds the park and its part from the
    park's mapping (as a sweep's runs do), solves the part's optimum and classifies it."""

    tree: Any
    base_dir: str | None
    name: str
    profile: SolverProfile
    budget: float
    exact: bool
    optimum: float
    extra: Extra = None

    @classmethod
    def of(
        cls,
        park: Park,
        carbon_price: float | None,
        name: str,
        profile: SolverProfile,
        budget: float,
        exact: bool,
        optimum: float,
        extra: Extra = None,
    ) -> _RemoteParts:
        tree, base_dir = _park_tree(park)
        if carbon_price is not None:
            tree = copy_tree(tree)
            assign(tree, "economics.carbon_price", carbon_price)
        if profile.threads is None:  # parts run side by side: each solve keeps to one core
            profile = profile.model_copy(update={"threads": 1})
        return cls(tree, base_dir, name, profile, budget, exact, optimum, extra)

    def run(
        self, studies: list[_PartStudy], workers: int | None, scheduler: str | None, stage: Callable[[str], None]
    ) -> list[list[dict[str, Any]]]:
        if workers is not None and scheduler is not None:
            msg = "give workers (a local cluster) or scheduler (a running one), not both"
            raise ParkError(msg)
        with _dask_client(None, workers, scheduler, stage) as client:
            stage(f"classifying {len(studies)} parts on Dask")
            futures = [
                client.submit(classify_part, self, tuple(sorted(link.id for link in study.part.links)), pure=False)
                for study in studies
            ]
            return client.gather(futures)


def classify_part(task: _RemoteParts, link_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """On a Dask worker: the rows of the part whose links are ``link_ids``."""
    park = build_park(task.tree, [], {}, task.base_dir)
    net = build_network(park)
    rules = record(task.extra, net, "emissions" if task.name == "emission" else "cost")
    part = next(p for p in independent_parts(net, rules) if tuple(sorted(link.id for link in p.links)) == link_ids)
    study = _PartStudy(part, task.profile, task.name, rules)
    if not study.solve_optimum():
        raise InfeasibleError(diagnose(part, task.profile, rules))
    study.offset = task.optimum - study.optimum
    return study.classify(task.budget, task.exact)


def _each(studies: list[_PartStudy], task: Callable[[_PartStudy], Any], threads: int) -> list[Any]:
    """Run ``task`` on every part, side by side (HiGHS releases Python's lock while it solves)."""
    if threads > 1 and len(studies) > 1:
        return on_threads(task, studies, threads, "circflow-part")
    return [task(study) for study in studies]


class _PartStudy:
    """One independent part: its model, its optimum, and the questions about its candidates.

    Values are the part's objective; `classify` reports them as the park's (the other parts
    stay at their optimum), through ``offset``.
    """

    def __init__(self, part: Network, profile: SolverProfile, name: str, rules: Rules | None = None) -> None:
        self.part = part
        self.name = name
        self.rules = rules or Rules()
        self.named = {s[1] for s in self.rules.symbols() if s[0] in ("r", "y", "k")}
        """Links a rule names: the bounds that remove or idle a link do not hold for them."""
        self.model = build_model(part, extra=self.rules)
        self.solver = Solver(self.model, profile)
        self.relaxed = Solver(_relaxation(self.model), profile)
        self.optimum = math.nan
        self.best = np.zeros(self.model.shape[1])
        self.solution: Solution | None = None
        model = self.model
        self.candidates = [("link", int(i)) for i in np.flatnonzero(model.built >= 0)]
        self.candidates += [("process", int(q)) for q in np.flatnonzero(model.process_built >= 0)]
        self.offset = 0.0

    def solve_optimum(self) -> bool:
        """The part's optimum, solved without the links that can never pay (as `circflow.optimize`
        does: the same optimum, often much faster) and read into this part's full model."""
        part = self.part
        kept = prune_dominated(part, "emissions" if self.name == "emission" else "cost", self.rules.protected_links())
        if len(kept.links) == len(part.links):
            outcome = self.solver.solve(self.name)
            values = self.solver.values
        else:
            pruned = build_model(kept, extra=self.rules)
            solver = Solver(pruned, self.solver.profile)
            outcome = solver.solve(self.name)
            found = solver.values if pruned.shape[1] else np.zeros(0)  # no link pays: nothing is built
            values = None if found is None else _widened(pruned, found, self.model)
        if not outcome.is_ok or values is None:
            return False
        self.optimum = outcome.objective
        self.best = values.copy()
        self.solution = Solution.from_values(self.model, self.best)
        return True

    def classify(self, budget: float, exact: bool) -> list[dict[str, Any]]:
        """One row per candidate of this part (values still the part's: see `alternatives`)."""
        assert self.solution is not None
        threshold = self.optimum + budget
        part, model = self.part, self.model
        names = place_names(part)
        margins = self._margin_values() if self.name == "cost" else np.full(len(part.links), np.nan)
        coef = model.coef
        rows = []
        for kind, index in self.candidates:
            if kind == "link":
                column = int(model.built[index])
                inside = bool(self.solution.built[index])
                link = part.links[index]
                label, ident, resource = link_name(part, link, names), link.id, link.resource
                technology: str = link.type
                capex = (
                    float(coef.capex_fixed[index] + coef.capex_per_rate[index] * self.solution.capacity[index])
                    if inside
                    else None
                )
            else:
                column = int(model.process_built[index])
                inside = bool(self.solution.process_built[index])
                process = part.processes[index]
                label, ident, resource = (
                    process_name(part, process, names),
                    process.path,
                    part.demands[process.input].resource,
                )
                technology = "process"
                capex = (
                    float(
                        coef.process_capex_fixed[index]
                        + coef.process_capex_per_rate[index] * self.solution.process_capacity[index]
                    )
                    if inside
                    else None
                )
            value, how, settled = self._settle(kind, index, column, inside, threshold, exact, margins)
            within = value <= threshold if how != "at least" else False
            if inside:
                klass = "optional" if within else "essential"
                without, without_is, with_, with_is = value, how, self.optimum, "optimum"
            else:
                klass = "possible" if within else "excluded"
                without, without_is, with_, with_is = self.optimum, "optimum", value, how
            rows.append(
                {
                    "link": label,
                    "id": ident,
                    "kind": kind,
                    "resource": resource,
                    "technology": technology,
                    "in_optimum": inside,
                    "class": klass,
                    "best_without": without + self.offset,
                    "best_with": with_ + self.offset,
                    "best_without_is": without_is,
                    "best_with_is": with_is,
                    "settled_by": settled,
                    "capex": capex,
                }
            )
        return rows

    def _settle(
        self, kind: str, index: int, column: int, inside: bool, threshold: float, exact: bool, margins: np.ndarray
    ) -> tuple[float, str, str]:
        """The part's best objective with the candidate's decision flipped: (value, how known, by what)."""
        # the plan-without, idle-link and margin bounds assume the link is tied to nothing else:
        # a rule added from Python that names it (SPEC 10) leaves only the LP bound and a solve
        free = kind == "link" and not self.rules.park_wide and self.part.links[index].id not in self.named
        if not exact:
            if inside and free:
                without = self._plan_without(index)
                if without is not None and without <= threshold:
                    return without, "at most", "plan without it"
            if not inside and free:
                idle = self.optimum + float(self.model.coef.annual_fixed[index]) if self.name == "cost" else None
                if idle is not None and self.part.park.targets.max_capex is None and idle <= threshold:
                    return idle, "at most", "idle link"
                if math.isfinite(margins[index]) and self.optimum - margins[index] > threshold:
                    return self.optimum - margins[index], "at least", "margin bound"
            fixed = 0.0 if inside else 1.0
            self.relaxed.set_bounds(np.array([column]), fixed, fixed)
            bound = self.relaxed.solve(self.name)
            self.relaxed.set_bounds(np.array([column]), 0.0, 1.0)
            if bound.status is Status.INFEASIBLE:
                return math.inf, "at least", "LP bound"
            if bound.is_ok and bound.objective > threshold:
                return bound.objective, "at least", "LP bound"
        return self._solve_flipped(kind, index, column, inside, threshold, exact)

    def _solve_flipped(
        self, kind: str, index: int, column: int, inside: bool, threshold: float, exact: bool
    ) -> tuple[float, str, str]:
        fixed = 0.0 if inside else 1.0
        start = self.best.copy()
        start[column] = fixed
        if inside:
            start[self._columns_of(kind, index)] = (
                0.0  # the optimum without it (HiGHS repairs or drops an infeasible start)
            )
        self.solver.set_bounds(np.array([column]), fixed, fixed)
        self.solver.start(start)

        def settled(plan: float, bound: float) -> bool:
            return plan <= threshold or bound > threshold

        try:
            outcome = self.solver.solve(self.name, watch=None if exact else settled)
        finally:
            self.solver.set_bounds(np.array([column]), 0.0, 1.0)
        how = "solve to the gap" if exact else "solve"
        if outcome.status is Status.INFEASIBLE:
            return math.inf, "at least", how
        if not outcome.is_ok:  # the time limit left no plan: the bound is what is known
            return (outcome.bound if math.isfinite(outcome.bound) else -math.inf), "at least", how
        if outcome.objective <= threshold:
            return outcome.objective, "optimum" if outcome.status is Status.OPTIMAL else "at most", how
        if outcome.status is Status.OPTIMAL:
            return outcome.objective, "optimum", how
        return max(outcome.bound, threshold) if math.isfinite(outcome.bound) else threshold, "at least", how

    def _columns_of(self, kind: str, index: int) -> np.ndarray:
        """The columns of a link (y, k, rates), or of a process and every link touching it."""
        model = self.model
        if kind == "link":
            links = [index]
            own: list[int] = []
        else:
            process = self.part.processes[index]
            links = [
                i
                for i, link in enumerate(self.part.links)
                if link.demand == process.input or link.supply in process.outputs
            ]
            own = [int(c) for c in (model.process_built[index], model.process_size[index]) if c >= 0]
        columns = own + [int(c) for i in links for c in (model.built[i], model.size[i]) if c >= 0]
        columns += [int(c) for i in links for c in model.rate[i]]
        return np.array(columns, dtype=np.int64)

    def _plan_without(self, index: int) -> float | None:
        """The part's objective for the optimum less one link and its flows, if that is a plan.

        Removing a link's flows sends its supply to disposal and its demand to the
        conventional supply: feasible unless a target, a forced entry, a process or an
        emission cap needs the link.
        """
        part, link = self.part, self.part.links[index]
        targets = part.park.targets
        touches_process = (
            part.supplies[link.supply].process is not None or part.demands[link.demand].process is not None
        )
        if link.forced or touches_process or targets.max_emissions is not None:
            return None
        if targets.utilization.get(link.resource, 0) > 0:
            return None
        coef = self.model.coef
        assert self.solution is not None
        flow = float(self.solution.flow[index].sum())
        per_flow = coef.objective_per_flow[index] if self.name == "cost" else coef.emissions_per_flow[index]
        own = flow * float(per_flow)
        if self.name == "cost":
            own += float(coef.annual_fixed[index] + coef.annual_per_rate[index] * self.solution.capacity[index])
        return self.optimum - own

    def _margin_values(self) -> np.ndarray:
        """Most each link can lower the cost objective (NaN where that bound does not hold).

        As `circflow.model.prune_dominated`: a link's flow is worth at most its margin, so
        taking it out of any plan raises the objective by at most its best annual value,
        unless a target, a cap, a forced entry or a process needs it.
        """
        part, coef = self.part, self.model.coef
        values = _best_annual_value(part, coef, -coef.objective_per_flow)
        targets = part.park.targets
        cleaner = coef.emissions_per_flow < 0
        protected = {r for r, share in targets.utilization.items() if share > 0}
        for i, link in enumerate(part.links):
            if (
                link.forced
                or link.prebuilt
                or link.resource in protected
                or (targets.max_emissions is not None and cleaner[i])
                or part.supplies[link.supply].process is not None
                or part.demands[link.demand].process is not None
            ):
                values[i] = np.nan
        return values


def _widened(pruned: ParkModel, values: np.ndarray, full: ParkModel) -> np.ndarray:
    """Column values of a plan of ``pruned`` as a plan of ``full`` (the same part with every
    candidate): the links left out carry nothing and are not built."""
    out = np.zeros(full.shape[1])
    position = {link.id: i for i, link in enumerate(full.net.links)}
    for j, link in enumerate(pruned.net.links):
        i = position[link.id]
        out[full.rate[i]] = values[pruned.rate[j]]
        for mine, theirs in ((full.built, pruned.built), (full.size, pruned.size)):
            if mine[i] >= 0 and theirs[j] >= 0:
                out[mine[i]] = values[theirs[j]]
    for mine, theirs in ((full.process_built, pruned.process_built), (full.process_size, pruned.process_size)):
        both = (mine >= 0) & (theirs >= 0)
        out[mine[both]] = values[theirs[both]]
    return out


def _relaxation(model: ParkModel) -> ParkModel:
    """The same model with every build decision continuous: its optimum is a lower bound."""
    relaxed = copy.copy(model)
    relaxed.__dict__["integer"] = np.zeros(model.shape[1], dtype=bool)  # overrides the cached array
    return relaxed


def _optimum_built(net: Network, studies: list[_PartStudy]) -> tuple[set[str], set[str]]:
    """Ids of the new links and the candidate processes the optimum builds."""
    links: set[str] = set()
    processes: set[str] = set()
    for study in studies:
        assert study.solution is not None
        links |= {link.id for i, link in enumerate(study.part.links) if study.solution.built[i] and not link.prebuilt}
        processes |= {
            study.part.processes[q].path
            for q in np.flatnonzero(study.model.process_built >= 0)
            if study.solution.process_built[q]
        }
    return links, processes


def modelling_to_generate_alternatives(
    net: Network,
    profile: SolverProfile,
    name: str,
    threshold: float,
    count: int,
    optimum: tuple[set[str], set[str]],
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Maximally different plans within the slack: Brill's Hop-Skip-Jump MGA.

    Each plan minimises how often its new links and candidate processes were built in the
    earlier plans (the optimum first; each counts once per earlier plan that built it, as
    SPORES weighs them), with the objective held at or below ``threshold``. A tie-break
    below 1e-3, the plan's objective relative to the slack, makes the cheaper of equally
    different plans come first; a solve stops once no plan can reuse fewer. The search ends
    early when it finds a plan it found before: no more different plans fit the slack.

    Returns
    -------
    pandas.DataFrame
        One row per plan (0 = the optimum): objective, total_cost, emissions, capex,
        links built (readable names), shared with the optimum, added and left out.
    """
    model = build_model(net, extra=rules)
    solver = Solver(model, profile)
    expression, _ = model.objectives[name]
    candidates = {net.links[i].id: int(model.built[i]) for i in np.flatnonzero(model.built >= 0)}
    candidates |= {net.processes[q].path: int(model.process_built[q]) for q in np.flatnonzero(model.process_built >= 0)}
    names = place_names(net)
    labels = {link.id: link_name(net, link, names) for link in net.links}
    labels |= {p.path: process_name(net, p, names) for p in net.processes}
    first = optimum[0] | optimum[1]
    best = solver.solve(name)
    if not best.is_ok or solver.values is None:
        return pd.DataFrame()
    rows = [_plan_row(0, net, model, solver.values, first, first, labels)]
    found = [first]
    previous = solver.values.copy()
    solver.hold(expression, threshold)
    tie_break = 1e-3 / max(threshold - best.objective, 1e-9 * max(abs(threshold), 1.0))
    for k in range(1, count + 1):
        times = {ident: sum(ident in plan for plan in found) for ident in candidates}
        used = [ident for ident in sorted(times) if times[ident]]
        reuse = Linear(
            np.array([candidates[i] for i in used], dtype=np.int64), np.array([float(times[i]) for i in used])
        )
        model.add_objective(f"alternative_{k}", reuse + (expression + constant(-best.objective)) * tie_break)
        solver.start(previous)  # within the slack: an incumbent from the start
        outcome = solver.solve(f"alternative_{k}", watch=lambda plan, bound: bound > math.floor(plan) - 1 + 2e-3)
        if not outcome.is_ok or solver.values is None:
            break
        previous = solver.values.copy()
        solution = Solution.from_values(model, solver.values)
        built = {net.links[i].id for i in np.flatnonzero(solution.built) if not net.links[i].prebuilt}
        built |= {
            net.processes[q].path for q in np.flatnonzero(solution.process_built) if not net.processes[q].existing
        }
        if built in found:
            break
        rows.append(_plan_row(k, net, model, solver.values, built, first, labels))
        found.append(built)
    return pd.DataFrame(rows)


def _plan_row(
    k: int,
    net: Network,
    model: ParkModel,
    values: np.ndarray | None,
    built: set[str],
    first: set[str],
    labels: dict[str, str],
) -> dict[str, Any]:
    row: dict[str, Any] = {"plan": k}
    if values is not None:
        figures = kpis(net, model.coef, Solution.from_values(model, values))
        row.update(
            objective=figures["total_cost"] + figures["carbon_cost"],
            total_cost=figures["total_cost"],
            emissions=figures["emissions"],
            capex=figures["capex"],
        )
    row.update(
        built=len(built),
        shared=len(built & first),
        links="; ".join(sorted(labels[i] for i in built)),
        added="; ".join(sorted(labels[i] for i in built - first)),
        left_out="; ".join(sorted(labels[i] for i in first - built)),
    )
    return row
