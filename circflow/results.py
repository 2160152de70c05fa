"""The answer of an optimisation: `Result`, its KPIs, tables and results folder (SPEC 5-6).

Seventh stage: ``solve -> results -> exports / cli``. KPIs are evaluated from the solved
flows with the same `circflow.model.Coefficients` the objective was built from. `save`
writes the results folder atomically: everything goes to a temporary sibling that is
renamed into place, so a failed run never leaves a half-written folder and an existing
results folder is replaced only when it is one of circflow's.
"""

from __future__ import annotations

import json
import math
import pathlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from circflow._version import __version__
from circflow.exports.csvtext import write_csv
from circflow.folders import MARKER_FILE as MARKER_FILE  # re-exported: the folder rules lived here once
from circflow.folders import RESULTS_FILE, write_folder
from circflow.folders import is_results_folder as is_results_folder
from circflow.folders import write_marker as write_marker
from circflow.linktypes import TECHNOLOGIES
from circflow.model import Coefficients, ParkModel, crf
from circflow.network import Network
from circflow.solve import Status

LINK_COLUMNS = [
    "id",
    "from",
    "to",
    "from_stream",
    "to_stream",
    "resource",
    "unit",
    "mode",
    "type",
    "technology",
    "length_km",
    "existing",
    "on_site",
    "built",
    "forced",
    "capacity",
    "cop",
    "gain",
    "source_inlet_c",
    "source_outlet_c",
    "sink_supply_c",
    "sink_return_c",
    "flow",
    "delivered",
    "flow_total",
    "delivered_total",
    "full_load_hours",
    "capex",
    "capex_technology",
    "annualized_capex",
    "capital_charge",
    "om_cost",
    "variable_cost",
    "electricity_mwh",
    "electricity_cost",
    "drive_mwh",
    "drive_cost",
    "process_cost",
    "avoided_disposal",
    "avoided_supply",
    "market_revenue",
    "caused_disposal",
    "annual_cost",
    "avoided",
    "net_saving",
    "operating_saving",
    "payback_years",
    "emissions",
    "co2_avoided",
]
"""Columns of `Result.links` (`link_table`), also when the run has no plan."""
PROCESS_COLUMNS = [
    "id",
    "enterprise",
    "process",
    "name",
    "resource",
    "existing",
    "built",
    "capacity",
    "input",
    "input_total",
    "outputs",
    "capex",
    "annualized_capex",
    "capital_charge",
    "om_cost",
    "opex",
    "electricity_mwh",
    "annual_cost",
    "emissions",
]
"""Columns of `Result.processes` (`process_table`)."""
FLOW_COLUMNS = ["link", "from", "to", "resource", "mode", "period", "flow", "delivered", "unit"]
"""Columns of `Result.flows` (`flow_table`)."""
BALANCE_COLUMNS = [
    "enterprise",
    "role",
    "stream",
    "path",
    "resource",
    "period",
    "amount",
    "linked",
    "rest",
    "rest_kind",
    "unit",
]
"""Columns of `Result.balances` (`balance_table`)."""


class PendingExports(Protocol):
    """Exports being written elsewhere (`Result.save`'s ``exports``)."""

    def wait(self) -> None:
        """Return once they are written; raise `circflow.OutputError` when they could not be."""

    def abort(self) -> None:
        """Stop writing them now."""


def idle_links(model: ParkModel, x: np.ndarray) -> np.ndarray:
    """Per link of ``model``: a new link the column values ``x`` build (y > 0.5) for a flow
    at the solver's rounding level (below 1e-9 of what it could carry). Reading a plan drops
    them (`Solution.from_values`): they would only add capex. Forced links and links a rule
    added from Python names (`circflow.extend`) are kept."""
    net: Network = model.net
    if not net.links:
        return np.zeros(0, dtype=bool)
    built = np.zeros(len(net.links), dtype=bool)
    new = model.built >= 0
    built[new] = x[model.built[new]] > 0.5
    return built & _carrying_nothing(net, np.maximum(x[model.rate], 0.0) * net.hours[None, :]) & removable_links(model)


def _carrying_nothing(net: Network, flow: np.ndarray) -> np.ndarray:
    """Per link: its flow (links x periods) is at the solver's rounding level, below 1e-9 of what it could carry."""
    return flow.sum(axis=1) <= 1e-9 * np.array([max(link.max_flow.sum(), 1e-12) for link in net.links])


def removable_links(model: ParkModel) -> np.ndarray:
    """Per link: reading a plan may drop it (not existing, not forced, named by no rule)."""
    return np.array(
        [not (link.prebuilt or link.forced or link.id in model.rule_links) for link in model.net.links], dtype=bool
    )


def idle_value(model: ParkModel, x: np.ndarray, cost: np.ndarray) -> float:
    """What the idle links of ``x`` (`idle_links`) add to the objective whose coefficients are
    ``cost`` (one per column): their build decision, capacity and flows. A plan's value less
    this is its value as read back."""
    idle = np.flatnonzero(idle_links(model, x))
    if not len(idle):
        return 0.0
    columns = [model.rate[idle].ravel(), model.built[idle]]
    sized = model.size[idle]
    columns.append(sized[sized >= 0])
    cols = np.concatenate(columns)
    return float(cost[cols] @ x[cols])


@dataclass(frozen=True)
class Solution:
    """Decision values of a solved model as arrays.

    Per link: flows (links x periods), built, capacity; per process: built and input
    capacity (SPEC 8.2).
    """

    flow: np.ndarray
    built: np.ndarray
    capacity: np.ndarray
    process_built: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    process_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_values(cls, model: ParkModel, values: np.ndarray | None) -> Solution:
        """Read a plan from the column values of a solved `circflow.model.build_model` model.

        None (no plan) reads as nothing built and nothing flowing. A new link or process
        built for a flow at the solver's rounding level (below 1e-9 of what it could carry)
        is read as not built: it would only add capex (seen after a held first stage).
        Links into or out of a candidate process that is not built carry nothing and are
        not built, except forced ones: the plan builds and pays them all the same.
        """
        net: Network = model.net
        n, periods = len(net.links), len(net.periods)
        x = np.zeros(model.shape[1]) if values is None else np.asarray(values, dtype=float)
        flow = np.maximum(x[model.rate], 0.0) * net.hours[None, :] if n else np.zeros((0, periods))
        built = model.coef.prebuilt.copy()
        new = model.built >= 0
        built[new] = x[model.built[new]] > 0.5
        removable = removable_links(model)
        built &= ~(_carrying_nothing(net, flow) & removable)  # the idle links (`idle_links`)
        q = len(net.processes)
        process_built = model.coef.process_existing.copy()
        decided = model.process_built >= 0
        process_built[decided] = x[model.process_built[decided]] > 0.5
        demand_of = np.array([link.demand for link in net.links], dtype=np.int64)
        supply_of = np.array([link.supply for link in net.links], dtype=np.int64)
        for process in net.processes:
            if not process_built[process.index]:
                touching = (demand_of == process.input) | np.isin(supply_of, process.outputs)
                built[touching & removable] = False
                flow[touching] = 0.0
        flow[~built] = 0.0
        gain = model.coef.gain
        process_input = np.zeros((q, periods))
        for process in net.processes:
            into = demand_of == process.input
            process_input[process.index] = (gain[into, None] * flow[into]).sum(axis=0)
            possible = max(float(process.max_input.sum()), 1e-12) if len(process.max_input) else 1e-12
            if (
                process_built[process.index]
                and not process.existing
                and process.path not in model.rule_processes
                and process_input[process.index].sum() <= 1e-9 * possible
            ):
                process_built[process.index] = False
        capacity = np.where(built, (flow / net.hours).max(axis=1, initial=0.0), 0.0) if n else np.zeros(0)
        sized = built & (model.size >= 0)
        capacity[sized] = np.maximum(capacity[sized], x[model.size[sized]])
        process_capacity = (
            np.where(process_built, (process_input / net.hours).max(axis=1, initial=0.0), 0.0) if q else np.zeros(0)
        )
        sized_q = process_built & (model.process_size >= 0)
        process_capacity[sized_q] = np.maximum(process_capacity[sized_q], x[model.process_size[sized_q]])
        return cls(flow, built, capacity, process_built, process_capacity)

    @classmethod
    def from_pyomo(cls, model: ParkModel, pyomo_model: Any) -> Solution:
        """Read a plan from a solved Pyomo form of ``model`` (`ParkModel.to_pyomo`)."""
        return cls.from_values(model, np.array([var.value or 0.0 for var in pyomo_model.columns], dtype=float))

    def process_input(self, net: Network, coef: Coefficients) -> np.ndarray:
        """Input each process receives in each period (processes x periods)."""
        out = np.zeros((len(net.processes), len(net.periods)))
        for i, link in enumerate(net.links):
            process = net.demands[link.demand].process
            if process is not None:
                out[process] += coef.gain[i] * self.flow[i]
        return out

    def for_processes(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Process built and capacity arrays, empty ones filled for parks without processes."""
        if len(self.process_built) == count:
            return self.process_built, self.process_capacity
        return np.zeros(count, dtype=bool), np.zeros(count)


def kpis(net: Network, coef: Coefficients, solution: Solution) -> dict[str, Any]:
    """Money, emissions and utilisation of one year for a solution (SPEC 4, 5 and 8).

    Money and emissions come from `circflow.model.Coefficients.totals`, the objective's own
    arrays. Utilisation counts what leaves the enterprises' own supplies (SPEC 8.2).
    """
    flow_total = solution.flow.sum(axis=1) if solution.flow.size else np.zeros(len(net.links))
    process_built, process_capacity = solution.for_processes(len(net.processes))
    values = coef.totals(flow_total, solution.built, solution.capacity, process_built, process_capacity)
    supplied = np.array([s.amounts.sum() for s in net.supplies])
    used = np.zeros(len(net.supplies))
    for i, link in enumerate(net.links):
        used[link.supply] += flow_total[i]
    utilization = {}
    for resource in sorted({s.resource for s in net.supplies if s.role == "supply"}):
        streams = [s.index for s in net.supplies if s.resource == resource and s.role == "supply"]
        total = float(supplied[streams].sum())
        if total > 0:
            utilization[resource] = float(used[streams].sum() / total)
    values["utilization"] = utilization
    values["processes_built"] = int(process_built.sum())
    values["by_resource"] = _by_resource(
        net, coef, flow_total, solution.built, solution.capacity, process_built, process_capacity
    )
    return values


def _by_resource(
    net: Network,
    coef: Coefficients,
    flow_total: np.ndarray,
    built: np.ndarray,
    capacity: np.ndarray,
    process_built: np.ndarray,
    process_capacity: np.ndarray,
) -> dict[str, dict[str, float]]:
    """total_cost and emissions of each resource's links, streams and processes (a process
    counts with the resource it takes in); they add up to the park's."""
    out = {}
    resource_of = np.array([link.resource for link in net.links], dtype=object)
    supplies, demands = net.accounted_streams()
    for resource in sorted({s.resource for s in net.supplies} | {d.resource for d in net.demands}):
        links = resource_of == resource
        processes = np.array([net.demands[p.input].resource == resource for p in net.processes], dtype=bool)
        constant_cost = sum(
            s.price_cost * float(s.amounts.sum()) for s in supplies if s.role == "supply" and s.resource == resource
        ) + sum(d.price_cost * float(d.amounts.sum()) for d in demands if d.role == "demand" and d.resource == resource)
        constant_emissions = sum(
            s.price_emissions * float(s.amounts.sum())
            for s in supplies
            if s.role == "supply" and s.resource == resource
        ) + sum(
            d.price_emissions * float(d.amounts.sum()) for d in demands if d.role == "demand" and d.resource == resource
        )
        new = links & built & ~coef.prebuilt
        new_q = processes & process_built & ~coef.process_existing
        annual = float(
            np.where(new, coef.annual_fixed + coef.annual_per_rate * capacity, 0.0).sum()
            + np.where(new_q, coef.process_annual_fixed + coef.process_annual_per_rate * process_capacity, 0.0).sum()
        )
        out[resource] = {
            "total_cost": constant_cost + annual + float(coef.cost_per_flow[links] @ flow_total[links]),
            "emissions": constant_emissions + float(coef.emissions_per_flow[links] @ flow_total[links]),
        }
    return out


@dataclass(frozen=True)
class Result:
    """One optimisation's answer (SPEC 5-6): plain values and pandas tables.

    ``status``, ``objective``, ``bound``, ``gap`` and ``kpis`` are plain values; ``links``,
    ``flows`` and ``balances`` are DataFrames; `to_dict` is ``results.json``; `save` writes
    the results folder.
    """

    park: str
    objective_name: str
    status: Status
    objective: float
    bound: float
    gap: float
    kpis: dict[str, Any]
    links: pd.DataFrame
    """Built and existing links (`LINK_COLUMNS`); ids as in docs/model.md (link ids)."""
    flows: pd.DataFrame
    """Flow of every built link in every period, long format (`FLOW_COLUMNS`)."""
    balances: pd.DataFrame
    """Every stream in every period: amount, linked, rest (`BALANCE_COLUMNS`)."""
    periods: list[str]
    scenarios: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    diagnosis: list[str] = field(default_factory=list)
    currency: str = "CNY"
    source: str | None = None
    crs: str = "local_km"
    enterprises: list[dict[str, Any]] = field(default_factory=list)
    """id, name, sector and location of every enterprise (for maps and diagrams)."""
    resources: dict[str, dict[str, str]] = field(default_factory=dict)
    """kind and unit of every resource that has a stream."""
    model_facts: dict[str, int] = field(default_factory=dict)
    """Size of the problem: candidate links, links pruned as never paying, independent parts."""
    processes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROCESS_COLUMNS))
    """Every process (SPEC 8.2): built, capacity, input and outputs, capex and annual cost."""
    markets: list[dict[str, Any]] = field(default_factory=list)
    """id, name and location of every market (SPEC 8.1)."""
    period_hours: dict[str, float] = field(default_factory=dict)
    """Hours of each period (a time slice stands for that many hours of the year)."""
    time_series: dict[str, Any] | None = None
    """How the periods were made from the hourly file (SPEC 8.4), None without one."""
    marginals: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Marginal values of the plan (SPEC 9, `circflow.marginals`): per supply, process output,
    demand, market, target and cap, money per unit over the year and per period."""
    robustness: dict[str, Any] = field(default_factory=dict)
    """How sure the plan is (SPEC 9): ``alternatives`` and ``sensitivity`` findings, when
    computed (`circflow.optimize(..., robustness=True)` or added to a results folder)."""
    lang: str = "en"
    """Language of the pages, workbook headers and summary (``park.lang`` or ``--lang``)."""
    assumptions: dict[str, Any] = field(default_factory=dict)
    """Discount rate, prices, lifetimes and CRFs behind the money (`assumptions`)."""

    extra: list[dict[str, Any]] = field(default_factory=list)
    """The rules added from Python (SPEC 10, `circflow.extend`): each row's name, kind
    (``constraint`` or ``objective``), text and value in the plan; ``model.extra`` in
    ``results.json``."""

    @property
    def is_ok(self) -> bool:
        """A plan exists (status optimal or feasible)."""
        return self.status.is_ok

    def __repr__(self) -> str:
        """One line: park, objective, status, value, gap and links built (the tables stay out)."""
        shown = [f"park={self.park!r}", f"objective={self.objective_name!r}", f"status={str(self.status)!r}"]
        if self.is_ok:
            unit = "tCO2/yr" if self.objective_name == "emissions" else f"{self.currency}/yr"
            shown.append(f"value={self.objective:.6g} {unit}")
            if math.isfinite(self.gap):
                shown.append(f"gap={self.gap:.2%}")
            shown.append(f"links_built={self.links_built}")
        elif self.diagnosis:
            shown.append(f"diagnosis={self.diagnosis[:2]!r}" + (" ..." if len(self.diagnosis) > 2 else ""))
        return f"Result({', '.join(shown)})"

    def _repr_html_(self) -> str:
        """A notebook's view: the status, the main KPIs against the status quo, the links built."""
        from circflow.resultview import result_html  # only notebooks need it

        return result_html(self)

    def kpi_table(self) -> pd.DataFrame:
        """The KPIs as a table: one row per KPI, nested keys joined by dots (``utilization.fly_ash``).

        ``pd.DataFrame(result.kpis)`` cannot read the nested mapping; this is the table
        ``kpis.csv`` holds.
        """
        return kpi_table(self.kpis)

    @classmethod
    def load(cls, folder: str | pathlib.Path) -> Result:
        """Read a results folder written by `save` (or ``circflow optimize``) back into a `Result`.

        Raises
        ------
        ParkError
            When ``folder`` is not a circflow results folder.
        """
        from circflow.resultview import read_result

        return read_result(folder)

    @property
    def links_built(self) -> int:
        """Number of links in the plan, existing ones included."""
        return 0 if self.links.empty else int(self.links["built"].sum())

    def to_dict(self) -> dict[str, Any]:
        """The content of ``results.json`` (SPEC 5)."""
        return {
            "circflow_version": __version__,
            "park": self.park,
            "source": self.source,
            "scenarios": list(self.scenarios),
            "objective_name": self.objective_name,
            "status": str(self.status),
            "objective": finite_or_none(self.objective),
            "bound": finite_or_none(self.bound),
            "gap": finite_or_none(self.gap),
            "currency": self.currency,
            "lang": self.lang,
            "crs": self.crs,
            "resources": self.resources,
            "enterprises": self.enterprises,
            "periods": list(self.periods),
            "links_built": self.links_built,
            "kpis": self.kpis,
            "period_hours": dict(self.period_hours),
            "time_series": self.time_series,
            "assumptions": self.assumptions,
            "markets": list(self.markets),
            "links": [json_value(row) for row in self.links.to_dict("records")],
            "processes": [json_value(row) for row in self.processes.to_dict("records")],
            "disposal": _leftovers(self.balances, "supply", self.periods),
            "baseline_supply": _leftovers(self.balances, "demand", self.periods),
            "market_sales": _leftovers(self.balances, "market", self.periods, column="linked"),
            "model": {**self.model_facts, **({"extra": json_value(self.extra)} if self.extra else {})},
            "marginals": marginal_records(self.marginals, self.periods),
            "robustness": json_value(self.robustness),
            "diagnosis": list(self.diagnosis),
            "warnings": list(self.warnings),
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
        }

    def save(
        self,
        folder: str | pathlib.Path,
        extra: Callable[[pathlib.Path, Result], None] | None = None,
        pages: bool = True,
        exports: Callable[[pathlib.Path, dict[str, Any], bool], PendingExports] | None = None,
    ) -> pathlib.Path:
        """Write the results folder (SPEC 5), replacing an older circflow results folder.

        Parameters
        ----------
        folder
            Destination; created, or replaced atomically when it is a results folder.
        extra
            Writes further files into the (temporary) folder, e.g. charts.
        pages
            Also write ``report.html`` and ``sankey.html`` (each embeds plotly.js, a few MB);
            a folder of many runs (compare, pareto) leaves them out unless asked.
        exports
            Writes the workbook, map and pages elsewhere while this writes the tables
            (`circflow.exports.forked.ForkedExports`, the CLI's); waited for before the
            folder is moved into place. None writes them here.

        Raises
        ------
        OutputError
            When ``folder`` cannot take the results (`circflow.folders.check_destination`):
            not circflow's, holding files circflow did not write, read-only; nothing is touched.
        """

        def write(tmp: pathlib.Path) -> None:
            started = time.perf_counter()
            content = self.to_dict()  # the exports only read it
            pending = None
            try:
                if exports is not None:
                    pending = exports(tmp, content, pages)
                write_csv(self.links.drop(columns=["flow", "delivered"], errors="ignore"), tmp / "links.csv")
                write_csv(self.flows, tmp / "flows.csv")
                write_csv(self.balances, tmp / "balances.csv")
                if not self.processes.empty:
                    write_csv(self.processes.drop(columns=["input", "outputs"]), tmp / "processes.csv")
                write_csv(kpi_table(self.kpis), tmp / "kpis.csv")
                if not self.marginals.empty:
                    write_csv(self.marginals, tmp / "marginals.csv")
                if pending is None:
                    from circflow.exports.outputs import write_outputs  # plotly and openpyxl load on writing

                    write_outputs(tmp, content, pages=pages)
                if extra is not None:
                    extra(tmp, self)
                if pending is not None:
                    pending.wait()
            except BaseException:
                if pending is not None:
                    pending.abort()  # before the folder is removed: nothing may write into it after
                raise
            content["timings"]["write_s"] = round(time.perf_counter() - started, 4)
            (tmp / RESULTS_FILE).write_text(json.dumps(content, indent=1, allow_nan=False) + "\n", encoding="utf-8")

        return write_folder(pathlib.Path(folder), write)


def marginal_records(marginals: pd.DataFrame, periods: list[str]) -> list[dict[str, Any]]:
    """Marginal values as ``results.json`` holds them: each row with its values per period
    under ``per_period`` (SPEC 9)."""
    if marginals.empty:
        return []
    records = []
    for row in marginals.to_dict("records"):
        per_period = {p: row.pop(p) for p in periods if p in row}
        row["per_period"] = per_period if any(v is not None and not pd.isna(v) for v in per_period.values()) else None
        records.append(json_value(row))
    return records


def park_facts(net: Network) -> dict[str, Any]:
    """The park facts a results folder carries for maps and diagrams (crs, enterprises, resources)."""
    park = net.park
    enterprises = []
    for enterprise in park.enterprises:
        location = enterprise.location.model_dump(exclude_none=True)
        enterprises.append(
            {
                "id": enterprise.id,
                "name": enterprise.name or enterprise.id,
                "sector": enterprise.sector,
                "location": location,
                "supplies": [s.resource for s in enterprise.supplies],
                "demands": [d.resource for d in enterprise.demands],
            }
        )
    markets = [
        {
            "id": market.id,
            "name": market.name or market.id,
            "location": market.location.model_dump(exclude_none=True),
            "buys": [b.resource for b in market.buys],
        }
        for market in park.markets
    ]
    used = {s.resource for s in net.supplies} | {d.resource for d in net.demands}
    resources = {name: {"kind": park.resources[name].kind, "unit": park.resources[name].unit} for name in sorted(used)}
    time_series = net.time.report if net.time is not None else None
    return {
        "crs": park.park.crs,
        "lang": park.park.lang,
        "assumptions": assumptions(net),
        "enterprises": enterprises,
        "resources": resources,
        "markets": markets,
        "period_hours": {name: float(h) for name, h in zip(net.periods, net.hours, strict=True)},
        "time_series": time_series,
    }


def assumptions(net: Network) -> dict[str, Any]:
    """The numbers behind the money of a run, so an annualised capex or a saving can be checked by hand.

    Economics (discount rate, carbon and electricity prices, grid factor, the steam driving
    absorption heat pumps); per mode, heat technology and process that the park can build: its
    lifetime, O&M fraction and capital recovery factor (CRF); per stream: its disposal cost
    (supplies), conventional supply cost (demands) or price (markets), with emissions.
    """
    park = net.park
    econ = park.economics
    rate = econ.discount_rate
    lifetimes = []
    modes = sorted({link.mode for link in net.links if link.mode in park.modes})
    for name in modes:
        mode = park.modes[name]
        lifetimes.append(
            {
                "kind": "mode",
                "name": name,
                "lifetime_years": mode.lifetime_years,
                "om_fraction": mode.om_fraction,
                "crf": crf(rate, mode.lifetime_years),
            }
        )
    for name in sorted({link.type for link in net.links}):
        equipment = TECHNOLOGIES[name].equipment(park)
        if equipment is not None:
            lifetimes.append(
                {
                    "kind": "technology",
                    "name": name,
                    "lifetime_years": equipment.lifetime_years,
                    "om_fraction": equipment.om_fraction,
                    "crf": crf(rate, equipment.lifetime_years),
                }
            )
    for process in net.processes:
        spec = process.spec
        lifetimes.append(
            {
                "kind": "process",
                "name": process.path,
                "lifetime_years": spec.lifetime_years,
                "om_fraction": spec.om_fraction,
                "crf": crf(rate, spec.lifetime_years),
            }
        )
    prices = []
    for stream in [*net.supplies, *net.demands]:
        if stream.role == "input":
            continue  # a process input has no price of its own
        sells = stream.role == "market"
        prices.append(
            {
                "enterprise": stream.enterprise,
                "stream": stream.path,
                "role": stream.role,
                "resource": stream.resource,
                "unit": park.resources[stream.resource].unit,
                "cost": stream.sale_price if sells else stream.price_cost,
                "emissions": stream.sale_emissions if sells else stream.price_emissions,
            }
        )
    absorption = park.technologies.absorption_heat_pump
    return {
        "currency": econ.currency,
        "discount_rate": rate,
        "carbon_price": econ.carbon_price,
        "electricity_price": econ.electricity_price,
        "grid_emission_factor": econ.grid_emission_factor,
        "steam_price": absorption.drive_cost_per_mwh,
        "steam_emission_factor": absorption.drive_emissions_per_mwh,
        "lifetimes": lifetimes,
        "prices": prices,
    }


def kpi_table(values: dict[str, Any], prefix: str = "") -> pd.DataFrame:
    """KPIs as a two-column table, nested keys joined by dots (``utilization.fly_ash``)."""
    rows = []
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += kpi_table(value, f"{name}.").to_dict("records")
        else:
            rows.append({"kpi": name, "value": value})
    return pd.DataFrame(rows, columns=["kpi", "value"])


def payback_years(capex: float, operating_saving: float) -> float | None:
    """Simple payback: ``capex / operating_saving`` in years; None when nothing is invested or it never pays.

    The operating saving is the annual saving before the capital charge (CRF x capex):
    what the investment earns back each year.

    >>> payback_years(100.0, 40.0)
    2.5
    >>> payback_years(100.0, -5.0) is None
    True
    """
    if capex <= 0 or operating_saving <= 0:
        return None
    return capex / operating_saving


def capital_charge(links: pd.DataFrame, processes: pd.DataFrame) -> float:
    """The plan's annualised capital charge: CRF x capex of every new link and process (no O&M)."""
    total = 0.0
    for table in (links, processes):
        if not table.empty and "capital_charge" in table:
            total += float(table["capital_charge"].sum())
    return total


def link_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Built and existing links with their technology, size, money and emissions per year.

    Per-link economics come from the objective's own per-flow terms (`Coefficients`):

    - ``avoided`` is what the link saves where it starts and ends:
      ``avoided_disposal`` at the source + ``avoided_supply`` (the conventional supply at the
      sink) + ``market_revenue`` - ``caused_disposal`` (the disposal of a process's outputs
      that the flow into it creates);
    - ``annual_cost`` is its own cost: ``annualized_capex`` (``capital_charge``, CRF x capex,
      plus ``om_cost``), transport and technology opex, electricity, driving steam, the
      receiving process's opex;
    - ``net_saving = avoided - annual_cost``; ``co2_avoided`` the same for emissions;
    - ``operating_saving = net_saving + capital_charge`` (the saving before paying for the
      capital; O&M stays a cost) and ``payback_years = capex / operating_saving`` for a new
      link that costs something and pays (None otherwise).
    """
    rows = []
    unit_of = {name: resource.unit for name, resource in net.park.resources.items()}
    for i, link in enumerate(net.links):
        if not solution.built[i]:
            continue
        flow = solution.flow[i]
        total = float(flow.sum())
        new = not link.prebuilt
        capex = (coef.capex_fixed[i] + coef.capex_per_rate[i] * solution.capacity[i]) if new else 0.0
        annualised = (coef.annual_fixed[i] + coef.annual_per_rate[i] * solution.capacity[i]) if new else 0.0
        money = {term: float(coef.cost[term][i] * total) for term in coef.cost}
        tco2 = {term: float(coef.emissions[term][i] * total) for term in coef.emissions}
        capital = (coef.capital_fixed[i] + coef.capital_per_rate[i] * solution.capacity[i]) if new else 0.0
        technology_capex = (
            (coef.technology_capex_fixed[i] + coef.technology_capex_per_rate[i] * solution.capacity[i]) if new else 0.0
        )
        own = annualised + money["variable"] + money["electricity"] + money["drive"] + money["process"]
        avoided = -(money["disposal"] + money["baseline"] + money["market"])
        avoided_disposal = float(net.supplies[link.supply].price_cost * total)
        operating = float(avoided - own + capital)
        own_emissions = tco2["transport"] + tco2["electricity"] + tco2["drive"] + tco2["process"] + tco2["market"]
        t = link.temperatures
        supply, demand = net.supplies[link.supply], net.demands[link.demand]
        delivered_total = total * float(coef.gain[i])
        capacity = float(solution.capacity[i])
        rows.append(
            {
                "id": link.id,
                "from": supply.enterprise,
                "to": demand.enterprise,
                "from_stream": supply.path,
                "to_stream": demand.path,
                "resource": link.resource,
                "unit": unit_of[link.resource],
                "mode": link.mode,
                "type": link.type,
                "technology": TECHNOLOGIES[link.type].label,
                "length_km": link.length_km,
                "existing": link.existing,
                "on_site": link.on_site,
                "built": True,
                "forced": link.forced,
                "capacity": capacity,
                "cop": link.cop,
                "gain": float(coef.gain[i]),
                "source_inlet_c": None if t is None else t.inlet,
                "source_outlet_c": None if t is None else t.outlet,
                "sink_supply_c": None if t is None else t.supply,
                "sink_return_c": None if t is None else t.return_,
                "flow": {p: float(v) for p, v in zip(net.periods, flow, strict=True)},
                "delivered": {p: float(v * coef.gain[i]) for p, v in zip(net.periods, flow, strict=True)},
                "flow_total": total,
                "delivered_total": delivered_total,
                "full_load_hours": total / capacity if capacity > 0 else None,
                "capex": float(capex),
                "capex_technology": float(technology_capex),
                "annualized_capex": float(annualised),
                "capital_charge": float(capital),
                "om_cost": float(annualised - capital),
                "variable_cost": money["variable"],
                "electricity_mwh": float(coef.electricity[i] * total),
                "electricity_cost": money["electricity"],
                "drive_mwh": float(coef.drive_heat[i] * total),
                "drive_cost": money["drive"],
                "process_cost": money["process"],
                "market_revenue": -money["market"],
                "avoided_disposal": avoided_disposal,
                "avoided_supply": -money["baseline"],
                "caused_disposal": money["disposal"] + avoided_disposal,
                "annual_cost": float(own),
                "avoided": float(avoided),
                "net_saving": float(avoided - own),
                "operating_saving": operating,
                "payback_years": payback_years(capex, operating) if new else None,
                "emissions": float(own_emissions),
                "co2_avoided": float(-sum(tco2.values())),
            }
        )
    return pd.DataFrame(rows, columns=LINK_COLUMNS)


def process_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Every process (SPEC 8.2): built, capacity, input and outputs per period, capex and annual cost.

    A process's running costs (opex, electricity, emissions per unit of input) are counted
    on the links that deliver into it, so the link table and this one add up, not double.
    """
    built, capacity = solution.for_processes(len(net.processes))
    received = solution.process_input(net, coef)
    taken = np.zeros((len(net.supplies), len(net.periods)))
    for i, link in enumerate(net.links):
        taken[link.supply] += solution.flow[i]
    econ = net.park.economics
    rows = []
    for process in net.processes:
        q, spec = process.index, process.spec
        new = bool(built[q]) and not process.existing
        size = float(capacity[q])
        made = [
            {
                "resource": net.supplies[s].resource,
                "stream": net.supplies[s].path,
                "amount": {p: float(net.supplies[s].output_yield * received[q, k]) for k, p in enumerate(net.periods)},
                "taken": {p: float(taken[s, k]) for k, p in enumerate(net.periods)},
            }
            for s in process.outputs
        ]
        total_in = float(received[q].sum())
        opex = spec.opex_per_unit * total_in
        electricity = spec.electricity_per_unit * total_in
        annualised = float(coef.process_annual_fixed[q] + coef.process_annual_per_rate[q] * size) if new else 0.0
        capital = float(coef.process_capital_fixed[q] + coef.process_capital_per_rate[q] * size) if new else 0.0
        rows.append(
            {
                "id": process.path,
                "enterprise": process.enterprise,
                "process": process.id,
                "name": spec.name or process.id,
                "resource": net.demands[process.input].resource,
                "existing": process.existing,
                "built": bool(built[q]),
                "capacity": size,
                "input": {p: float(received[q, k]) for k, p in enumerate(net.periods)},
                "input_total": total_in,
                "outputs": made,
                "capex": float(coef.process_capex_fixed[q] + coef.process_capex_per_rate[q] * size) if new else 0.0,
                "annualized_capex": annualised,
                "capital_charge": capital,
                "om_cost": annualised - capital,
                "opex": opex,
                "electricity_mwh": electricity,
                "annual_cost": annualised + opex + electricity * econ.electricity_price,
                "emissions": spec.emissions_per_unit * total_in + electricity * econ.grid_emission_factor,
            }
        )
    return pd.DataFrame(rows, columns=PROCESS_COLUMNS)


def flow_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Flow drawn and delivered on every built link in every period (long format)."""
    rows = []
    for i, link in enumerate(net.links):
        if not solution.built[i]:
            continue
        unit = net.park.resources[link.resource].unit
        for p, period in enumerate(net.periods):
            rows.append(
                {
                    "link": link.id,
                    "from": net.supplies[link.supply].enterprise,
                    "to": net.demands[link.demand].enterprise,
                    "resource": link.resource,
                    "mode": link.mode,
                    "period": period,
                    "flow": float(solution.flow[i, p]),
                    "delivered": float(solution.flow[i, p] * coef.gain[i]),
                    "unit": unit,
                }
            )
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)


def balance_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Every stream in every period: amount, what links take or bring, and the rest.

    For a supply (a process output included, whose amount is its yield times the input) the
    rest is disposal ``w``; for a demand it is the baseline supply ``u`` (SPEC 4), so
    ``amount = linked + rest`` row by row. A market's rest is what it would still buy (NaN
    without a limit); a process input's amount is what it received.
    """
    periods = len(net.periods)
    linked_s = np.zeros((len(net.supplies), periods))
    linked_d = np.zeros((len(net.demands), periods))
    for i, link in enumerate(net.links):
        linked_s[link.supply] += solution.flow[i]
        linked_d[link.demand] += solution.flow[i] * coef.gain[i]
    received = solution.process_input(net, coef)
    rows = []
    kinds = {
        "supply": ("supply", "disposal"),
        "output": ("supply", "disposal"),
        "demand": ("demand", "baseline"),
        "market": ("market", "unsold"),
        "input": ("process input", "none"),
    }
    for streams, linked in ((net.supplies, linked_s), (net.demands, linked_d)):
        for stream in streams:
            role, rest_kind = kinds[stream.role]
            unit = net.park.resources[stream.resource].unit
            for p, period in enumerate(net.periods):
                if stream.role == "output":
                    amount = float(stream.output_yield * received[stream.process, p])
                elif stream.role == "input":
                    amount = float(linked[stream.index, p])
                else:
                    amount = float(stream.amounts[p]) if np.isfinite(stream.amounts[p]) else math.nan
                used = (
                    float(min(linked[stream.index, p], amount))
                    if math.isfinite(amount)
                    else float(linked[stream.index, p])
                )
                rows.append(
                    {
                        "enterprise": stream.enterprise,
                        "role": role,
                        "stream": stream.position,
                        "path": stream.path,
                        "resource": stream.resource,
                        "period": period,
                        "amount": amount,
                        "linked": used,
                        "rest": max(amount - used, 0.0) if math.isfinite(amount) else math.nan,
                        "rest_kind": rest_kind,
                        "unit": unit,
                    }
                )
    return pd.DataFrame(rows, columns=BALANCE_COLUMNS)


def _leftovers(balances: pd.DataFrame, role: str, periods: list[str], column: str = "rest") -> list[dict[str, Any]]:
    """Per stream of one role, ``column`` (the rest: disposal, baseline; or what was linked) by period."""
    out: list[dict[str, Any]] = []
    if balances.empty:
        return out
    part = balances[balances["role"] == role]
    # Streams in order of first appearance, read column by column (a groupby loop is slow).
    rests: dict[tuple[str, Any, str], dict[str, float]] = {}
    for enterprise, stream, resource, period, rest in zip(
        part["enterprise"], part["stream"], part["resource"], part["period"], part[column], strict=True
    ):
        key = stream if isinstance(stream, str) else int(stream)
        rests.setdefault((enterprise, key, resource), {})[period] = rest
    for (enterprise, stream, resource), amounts in rests.items():
        out.append(
            {
                "enterprise": enterprise,
                "stream": stream,
                "resource": resource,
                "amount": {p: finite_or_none(float(amounts.get(p, 0.0))) for p in periods},
            }
        )
    return out


def json_value(value: Any) -> Any:
    """A table row (or any value in it) as plain JSON: numpy scalars to Python, non-finite to None.

    Examples
    --------
    >>> json_value({"gap": np.float64("nan"), "built": np.bool_(True), "links": (np.int64(3),)})
    {'gap': None, 'built': True, 'links': [3]}
    """
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, (np.floating, float)):
        return finite_or_none(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, None where it is None, infinite or NaN (JSON has no such numbers)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)
