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
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from circflow._version import __version__
from circflow.exceptions import ParkError
from circflow.exports.outputs import write_outputs
from circflow.model import Coefficients, ParkModel
from circflow.network import Network
from circflow.solve import Status

RESULTS_FILE = "results.json"
MARKER_FILE = "circflow.json"
"""Marks folders of several runs (compare, pareto) as circflow's, so they may be replaced."""


@dataclass(frozen=True)
class Solution:
    """Decision values of a solved model as arrays: flows (links x periods), built, capacity."""

    flow: np.ndarray
    built: np.ndarray
    capacity: np.ndarray

    @classmethod
    def from_values(cls, model: ParkModel, values: np.ndarray | None) -> Solution:
        """Read a plan from the column values of a solved `circflow.model.build_model` model.

        None (no plan) reads as nothing built and nothing flowing.
        """
        net: Network = model.net
        n, periods = len(net.links), len(net.periods)
        x = np.zeros(model.shape[1]) if values is None else np.asarray(values, dtype=float)
        flow = np.maximum(x[model.rate], 0.0) * net.hours[None, :] if n else np.zeros((0, periods))
        built = model.coef.existing.copy()
        new = model.built >= 0
        built[new] = x[model.built[new]] > 0.5
        # A new link built for a flow at the solver's rounding level (below 1e-9 of what it
        # could carry) is not built: it would only add capex (seen after a held first stage).
        negligible = flow.sum(axis=1) <= 1e-9 * np.array([max(link.max_flow.sum(), 1e-12) for link in net.links])
        removable = np.array([not (link.existing or link.forced) for link in net.links], dtype=bool)
        built &= ~(negligible & removable)
        flow[~built] = 0.0
        capacity = np.where(built, (flow / net.hours).max(axis=1, initial=0.0), 0.0) if n else np.zeros(0)
        sized = built & (model.size >= 0)
        capacity[sized] = np.maximum(capacity[sized], x[model.size[sized]])
        return cls(flow, built, capacity)

    @classmethod
    def from_pyomo(cls, model: ParkModel, pyomo_model: Any) -> Solution:
        """Read a plan from a solved Pyomo form of ``model`` (`ParkModel.to_pyomo`)."""
        return cls.from_values(model, np.array([var.value or 0.0 for var in pyomo_model.columns], dtype=float))


def kpis(net: Network, coef: Coefficients, solution: Solution) -> dict[str, Any]:
    """Money, emissions and utilisation of one year for a solution (SPEC 4 and 5)."""
    flow_total = solution.flow.sum(axis=1) if solution.flow.size else np.zeros(len(net.links))
    new = solution.built & ~coef.existing
    capex_links = np.where(new, coef.capex_fixed + coef.capex_per_rate * solution.capacity, 0.0)
    annual_links = np.where(new, coef.annual_fixed + coef.annual_per_rate * solution.capacity, 0.0)
    variable = float(coef.variable @ flow_total)
    electricity_mwh = float(coef.electricity @ flow_total)
    supplied = np.array([s.amounts.sum() for s in net.supplies])
    demanded = np.array([d.amounts.sum() for d in net.demands])
    used = np.zeros(len(net.supplies))
    delivered = np.zeros(len(net.demands))
    for i, link in enumerate(net.links):
        used[link.supply] += flow_total[i]
        delivered[link.demand] += coef.gain[i] * flow_total[i]
    disposed = np.maximum(supplied - used, 0.0)
    met_conventionally = np.maximum(demanded - delivered, 0.0)
    disposal_cost = sum(s.price_cost * disposed[s.index] for s in net.supplies)
    baseline_cost = sum(d.price_cost * met_conventionally[d.index] for d in net.demands)
    emissions = float(
        coef.transport_emissions @ flow_total
        + electricity_mwh * coef.grid_factor
        + sum(s.price_emissions * disposed[s.index] for s in net.supplies)
        + sum(d.price_emissions * met_conventionally[d.index] for d in net.demands)
    )
    electricity_cost = electricity_mwh * coef.electricity_price
    annualised = float(annual_links.sum())
    total_cost = annualised + variable + electricity_cost + disposal_cost + baseline_cost
    utilization = {}
    for resource in sorted({s.resource for s in net.supplies}):
        total = sum(supplied[s.index] for s in net.supplies if s.resource == resource)
        if total > 0:
            utilization[resource] = float(sum(used[s.index] for s in net.supplies if s.resource == resource) / total)
    return {
        "total_cost": float(total_cost),
        "carbon_cost": float(coef.carbon_price * emissions),
        "emissions": emissions,
        "capex": float(capex_links.sum()),
        "annualized_capex": annualised,
        "variable_cost": variable,
        "electricity_cost": float(electricity_cost),
        "disposal_cost": float(disposal_cost),
        "baseline_cost": float(baseline_cost),
        "electricity_mwh": electricity_mwh,
        "utilization": utilization,
    }


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
    flows: pd.DataFrame
    balances: pd.DataFrame
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

    @property
    def is_ok(self) -> bool:
        """A plan exists (status optimal or feasible)."""
        return self.status.is_ok

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
            "objective": _number(self.objective),
            "bound": _number(self.bound),
            "gap": _number(self.gap),
            "currency": self.currency,
            "crs": self.crs,
            "resources": self.resources,
            "enterprises": self.enterprises,
            "periods": list(self.periods),
            "links_built": self.links_built,
            "kpis": self.kpis,
            "links": [_link_record(row, self.periods) for row in self.links.to_dict("records")],
            "disposal": _leftovers(self.balances, "supply", "disposal", self.periods),
            "baseline_supply": _leftovers(self.balances, "demand", "baseline", self.periods),
            "model": dict(self.model_facts),
            "diagnosis": list(self.diagnosis),
            "warnings": list(self.warnings),
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
        }

    def save(self, folder: str | pathlib.Path, extra: Callable[[pathlib.Path, Result], None] | None = None) -> pathlib.Path:
        """Write the results folder (SPEC 5), replacing an older circflow results folder.

        Parameters
        ----------
        folder
            Destination; created, or replaced atomically when it is a results folder.
        extra
            Writes further files into the (temporary) folder, e.g. charts.

        Raises
        ------
        ParkError
            When ``folder`` exists and is not a circflow results folder (nothing is touched).
        """
        def write(tmp: pathlib.Path) -> None:
            started = time.perf_counter()
            self.links.drop(columns=["flow", "delivered"], errors="ignore").to_csv(tmp / "links.csv", index=False)
            self.flows.to_csv(tmp / "flows.csv", index=False)
            self.balances.to_csv(tmp / "balances.csv", index=False)
            kpi_table(self.kpis).to_csv(tmp / "kpis.csv", index=False)
            content = self.to_dict()  # the exports only read it
            write_outputs(tmp, content)
            if extra is not None:
                extra(tmp, self)
            content["timings"]["write_s"] = round(time.perf_counter() - started, 4)
            (tmp / RESULTS_FILE).write_text(json.dumps(content, indent=1, allow_nan=False) + "\n", encoding="utf-8")

        return write_folder(pathlib.Path(folder), write)


def park_facts(net: Network) -> dict[str, Any]:
    """The park facts a results folder carries for maps and diagrams (crs, enterprises, resources)."""
    park = net.park
    enterprises = []
    for enterprise in park.enterprises:
        location = enterprise.location.model_dump(exclude_none=True)
        enterprises.append({"id": enterprise.id, "name": enterprise.name or enterprise.id,
                            "sector": enterprise.sector, "location": location,
                            "supplies": [s.resource for s in enterprise.supplies],
                            "demands": [d.resource for d in enterprise.demands]})
    used = {s.resource for s in net.supplies} | {d.resource for d in net.demands}
    resources = {name: {"kind": park.resources[name].kind, "unit": park.resources[name].unit} for name in sorted(used)}
    return {"crs": park.park.crs, "enterprises": enterprises, "resources": resources}


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


def is_results_folder(folder: pathlib.Path) -> bool:
    """An empty folder, or one holding a ``results.json`` (or ``circflow.json``) written by circflow."""
    if not folder.is_dir():
        return False
    if not any(folder.iterdir()):
        return True
    for name in (RESULTS_FILE, MARKER_FILE):
        try:
            content = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(content, dict) and "circflow_version" in content:
            return True
    return False


def write_marker(folder: pathlib.Path, kind: str) -> None:
    """Mark a folder of several runs as written by circflow."""
    (folder / MARKER_FILE).write_text(json.dumps({"circflow_version": __version__, "kind": kind}) + "\n", encoding="utf-8")


def write_folder(folder: pathlib.Path, write: Callable[[pathlib.Path], None]) -> pathlib.Path:
    """Run ``write`` on a temporary sibling of ``folder``, then move it into place."""
    if folder.exists() and not is_results_folder(folder):
        msg = (f"{folder} exists and is not a circflow results folder; "
               "nothing was written (choose another folder with -o, or remove it)")
        raise ParkError(msg)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if folder.exists():
        old = folder.parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
        folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(folder)
    return folder


def link_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Built and existing links with their size, money and emissions per year."""
    rows = []
    for i, link in enumerate(net.links):
        if not solution.built[i]:
            continue
        flow = solution.flow[i]
        total = float(flow.sum())
        new = not link.existing
        capex = (coef.capex_fixed[i] + coef.capex_per_rate[i] * solution.capacity[i]) if new else 0.0
        annualised = (coef.annual_fixed[i] + coef.annual_per_rate[i] * solution.capacity[i]) if new else 0.0
        electricity = coef.electricity[i] * total
        rows.append({
            "id": link.id,
            "from": net.supplies[link.supply].enterprise,
            "to": net.demands[link.demand].enterprise,
            "resource": link.resource,
            "mode": link.mode,
            "type": link.type,
            "length_km": link.length_km,
            "existing": link.existing,
            "built": True,
            "forced": link.forced,
            "capacity": float(solution.capacity[i]),
            "cop": link.cop,
            "gain": float(coef.gain[i]),
            "flow": {p: float(v) for p, v in zip(net.periods, flow, strict=True)},
            "delivered": {p: float(v * coef.gain[i]) for p, v in zip(net.periods, flow, strict=True)},
            "flow_total": total,
            "delivered_total": total * float(coef.gain[i]),
            "capex": float(capex),
            "annualized_capex": float(annualised),
            "variable_cost": float(coef.variable[i] * total),
            "electricity_mwh": float(electricity),
            "electricity_cost": float(electricity * coef.electricity_price),
            "annual_cost": float(annualised + coef.variable[i] * total + electricity * coef.electricity_price),
            "emissions": float(coef.transport_emissions[i] * total + electricity * coef.grid_factor),
        })
    columns = ["id", "from", "to", "resource", "mode", "type", "length_km", "existing", "built", "forced",
               "capacity", "cop", "gain", "flow", "delivered", "flow_total", "delivered_total", "capex",
               "annualized_capex", "variable_cost", "electricity_mwh", "electricity_cost", "annual_cost", "emissions"]
    return pd.DataFrame(rows, columns=columns)


def flow_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Flow drawn and delivered on every built link in every period (long format)."""
    rows = []
    for i, link in enumerate(net.links):
        if not solution.built[i]:
            continue
        unit = net.park.resources[link.resource].unit
        for p, period in enumerate(net.periods):
            rows.append({"link": link.id, "from": net.supplies[link.supply].enterprise,
                         "to": net.demands[link.demand].enterprise, "resource": link.resource,
                         "mode": link.mode, "period": period, "flow": float(solution.flow[i, p]),
                         "delivered": float(solution.flow[i, p] * coef.gain[i]), "unit": unit})
    return pd.DataFrame(rows, columns=["link", "from", "to", "resource", "mode", "period", "flow", "delivered", "unit"])


def balance_table(net: Network, coef: Coefficients, solution: Solution) -> pd.DataFrame:
    """Every stream in every period: amount, what links take or bring, and the rest.

    For a supply the rest is disposal ``w``; for a demand it is the baseline supply ``u``
    (SPEC 4), so ``amount = linked + rest`` row by row.
    """
    periods = len(net.periods)
    linked_s = np.zeros((len(net.supplies), periods))
    linked_d = np.zeros((len(net.demands), periods))
    for i, link in enumerate(net.links):
        linked_s[link.supply] += solution.flow[i]
        linked_d[link.demand] += solution.flow[i] * coef.gain[i]
    rows = []
    for role, streams, linked in (("supply", net.supplies, linked_s), ("demand", net.demands, linked_d)):
        for stream in streams:
            unit = net.park.resources[stream.resource].unit
            for p, period in enumerate(net.periods):
                amount = float(stream.amounts[p])
                used = float(min(linked[stream.index, p], amount))
                rows.append({"enterprise": stream.enterprise, "role": role, "stream": stream.position,
                             "resource": stream.resource, "period": period, "amount": amount,
                             "linked": used, "rest": max(amount - used, 0.0),
                             "rest_kind": "disposal" if role == "supply" else "baseline", "unit": unit})
    columns = ["enterprise", "role", "stream", "resource", "period", "amount", "linked", "rest", "rest_kind", "unit"]
    return pd.DataFrame(rows, columns=columns)


def _leftovers(balances: pd.DataFrame, role: str, kind: str, periods: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if balances.empty:
        return out
    part = balances[balances["role"] == role]
    # Streams in order of first appearance, read column by column (a groupby loop is slow).
    rests: dict[tuple[str, int, str], dict[str, float]] = {}
    for enterprise, stream, resource, period, rest in zip(part["enterprise"], part["stream"], part["resource"],
                                                          part["period"], part["rest"], strict=True):
        rests.setdefault((enterprise, int(stream), resource), {})[period] = rest
    for (enterprise, stream, resource), amounts in rests.items():
        out.append({"enterprise": enterprise, "stream": stream, "resource": resource,
                    "amount": {p: float(amounts.get(p, 0.0)) for p in periods}})
    return out


def _link_record(row: dict[str, Any], periods: list[str]) -> dict[str, Any]:
    record = {}
    for key, value in row.items():
        if isinstance(value, (np.floating, float)):
            record[key] = _number(float(value))
        elif isinstance(value, np.bool_):
            record[key] = bool(value)
        else:
            record[key] = value
    return record


def _number(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return float(value)
