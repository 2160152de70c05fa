"""Marginal values of a plan: what one more unit of each stream, target or cap is worth (SPEC 9).

Between ``solve`` and ``results``: once `circflow.optimize` has a plan, its build decisions
are fixed and the linear program that remains (flows and capacities of the built links and
processes) is solved again; the duals of its rows, in money per unit, are the marginal
values. The program is `circflow.model.build_model` with ``Options(fixed_plan=True)``:
every stream has its balance row and every limit that follows from an amount is a row, so
no variable bound hides a dual.

Each value is the derivative of the objective (``total_cost + carbon_price x emissions``,
or emissions for the ``emissions`` objective) with respect to one number of the park file,
everything else and the build decisions held, phrased the way a park manager asks:

- ``supply`` (and a process ``output``): what one more unit available is worth,
  ``-dObjective/da``. A by-product that is partly disposed of is worth minus its disposal
  cost; one that is used up is worth what its last use saves.
- ``demand``: what one more unit needed costs, ``dObjective/db``: the conventional
  supply's price, or less where a link can deliver more.
- ``market``: what one more unit the buyer would take is worth, ``-dObjective/dlimit``
  (0 for a market without a limit).
- ``utilization``: what requiring one more unit used costs, ``dObjective/dT`` (and
  ``per_point``: per percentage point of the share).
- ``emission_cap``: the marginal abatement cost, ``-dObjective/dcap`` per tCO2.
- ``capex_budget``: what one more unit of money in the budget saves per year.

A stream's value over the year spreads the extra unit over the periods as the stream's own
amounts are spread (what raising its ``amount`` by one does); ``per_period`` keeps each
period's value per unit. Where the LP is degenerate (a supply that exactly meets a demand)
the derivative differs on the two sides and HiGHS's dual is one of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from circflow.extend import Rules
from circflow.model import Options, ParkModel, build_model
from circflow.naming import place_names, stream_name
from circflow.network import Network, StreamNode
from circflow.solve import Solver, SolverProfile

KINDS = ("supply", "output", "demand", "market", "utilization", "emission_cap", "capex_budget")
COLUMNS = [
    "kind",
    "id",
    "name",
    "enterprise",
    "resource",
    "unit",
    "value",
    "value_unit",
    "per_point",
    "binding",
    "limit",
    "meaning",
]
"""``limit``: a target's share, the emission cap or the capex budget (None for streams)."""
MEANING = {
    "supply": "what one more unit of this supply is worth",
    "output": "what one more unit of this process output is worth",
    "demand": "what one more unit of this demand costs",
    "market": "what one more unit this buyer would take is worth",
    "utilization": "what requiring one more unit used costs",
    "emission_cap": "what one tCO2 less under the cap costs (marginal abatement cost)",
    "capex_budget": "what one more unit of capex budget saves per year",
}


def marginal_values(
    net: Network, built: np.ndarray, profile: SolverProfile, objective: str = "cost", rules: Rules | None = None
) -> pd.DataFrame:
    """Marginal values of a plan: the duals of its linear program, in money per unit.

    Parameters
    ----------
    net
        The park's candidate network.
    built
        Per link of ``net``: built in the plan (existing links included).
    profile
        Solver profile (tolerances, threads).
    objective
        ``cost``: values in money; ``emissions``: in tCO2.
    rules
        Rules added from Python (`circflow.extend`): their rows hold in the plan's linear
        program too (a link the plan leaves out counts as 0).

    Returns
    -------
    pandas.DataFrame
        One row per supply, process output, demand, market, target and cap (`COLUMNS`),
        ``value`` over the year (per unit) and one column per period with that period's
        value per unit. Empty when the plan's linear program has no optimum (it always
        has one for a plan that `circflow.optimize` found).
    """
    keep = [i for i in range(len(net.links)) if built[i]]
    plan = net.subset(keep, net.accounted, net.process_subset)
    model = build_model(plan, Options(fixed_plan=True), rules)
    name = "emission" if objective == "emissions" else "cost"
    solver = Solver(model, profile.model_copy(update={"time_limit": None}))
    outcome = solver.solve(name)
    if not outcome.is_ok or solver.highs is None:
        return pd.DataFrame(columns=[*COLUMNS, *net.periods])
    _, scale = model.objectives[name]
    duals = np.asarray(solver.highs.getSolution().row_dual, dtype=float) * scale
    return _table(model, duals, objective)


def _row_duals(model: ParkModel, duals: np.ndarray, block: str) -> dict[Any, float]:
    """Duals of one row block by label (objective units per unit of the row)."""
    rows = model.rows.get(block)
    if rows is None:
        return {}
    out: dict[Any, float] = {}
    for k in range(rows.size):
        label = rows.label(k)
        out[label] = out.get(label, 0.0) + float(duals[rows.start + k])
    return out


def _table(model: ParkModel, duals: np.ndarray, objective: str) -> pd.DataFrame:
    net = model.net
    park = net.park
    coef = model.coef
    hours = model.hours
    periods = len(net.periods)
    carbon = coef.carbon_price if objective == "cost" else 0.0
    money = park.economics.currency if objective == "cost" else "tCO2"
    names = place_names(net)
    units = {r: resource.unit for r, resource in park.resources.items()}

    supply_rows = _row_duals(model, duals, "supply_balance")
    share_rows = _row_duals(model, duals, "supply_share")
    output_rows = _row_duals(model, duals, "output_balance")
    demand_rows = _row_duals(model, duals, "demand_balance")
    band_by_demand: dict[tuple[int, int], float] = {}
    bands = model.rows.get("preheat_band")
    if bands is not None:
        for k in range(bands.size):
            label = bands.label(k)
            assert isinstance(label, tuple)
            d, p = int(label[0]), int(label[-1])  # (demand, band, period)
            amount = net.demands[d].amounts[p] / hours[p]
            if amount > 0:  # the row's bound is level x b / h: its derivative in b is level / h
                level = model.row_upper[bands.start + k] / amount
                band_by_demand[(d, p)] = band_by_demand.get((d, p), 0.0) + level * float(duals[bands.start + k])
    share_by_supply: dict[tuple[int, int], float] = {}
    for label, dual in share_rows.items():
        assert isinstance(label, tuple)
        i, p = int(label[0]), int(label[1])
        key = (net.links[i].supply, p)
        share_by_supply[key] = share_by_supply.get(key, 0.0) + net.links[i].share * dual

    records = []

    def stream_record(kind: str, stream: StreamNode, per_period: np.ndarray, binding: bool, name: str) -> None:
        amounts = stream.amounts
        usable = kind != "output" and np.all(np.isfinite(amounts)) and amounts.sum() > 0
        weights = amounts if usable else hours  # an output's amount follows the plan: spread by hours
        records.append(
            {
                "kind": kind,
                "id": stream.path,
                "name": name,
                "enterprise": stream.enterprise,
                "resource": stream.resource,
                "unit": units.get(stream.resource, ""),
                "value": float(per_period @ (weights / weights.sum())),
                "value_unit": f"{money}/{units.get(stream.resource, 'unit')}",
                "per_point": None,
                "binding": binding,
                "limit": None,
                "meaning": MEANING[kind],
                **dict(zip(net.periods, map(float, per_period), strict=True)),
            }
        )

    supplies, demands = net.accounted_streams()
    for stream in supplies:
        if stream.role == "supply":
            rows = np.array(
                [
                    supply_rows.get((stream.index, p), 0.0) + share_by_supply.get((stream.index, p), 0.0)
                    for p in range(periods)
                ]
            )
            constant = (
                stream.price_cost + carbon * stream.price_emissions if objective == "cost" else stream.price_emissions
            )
            stream_record(
                "supply", stream, -(constant + rows / hours), bool(np.any(rows != 0)), stream_name(net, stream, names)
            )
        elif stream.role == "output" and stream.process is not None:
            rows = np.array([output_rows.get((stream.index, p), 0.0) for p in range(periods)])
            constant = (
                stream.price_cost + carbon * stream.price_emissions if objective == "cost" else stream.price_emissions
            )
            stream_record(
                "output", stream, -(constant + rows / hours), bool(np.any(rows != 0)), stream_name(net, stream, names)
            )
    for stream in demands:
        if stream.role not in ("demand", "market"):
            continue
        rows = np.array(
            [
                demand_rows.get((stream.index, p), 0.0) + band_by_demand.get((stream.index, p), 0.0)
                for p in range(periods)
            ]
        )
        if stream.role == "demand":
            constant = (
                stream.price_cost + carbon * stream.price_emissions if objective == "cost" else stream.price_emissions
            )
            stream_record(
                "demand", stream, constant + rows / hours, bool(np.any(rows != 0)), stream_name(net, stream, names)
            )
        else:
            stream_record("market", stream, -rows / hours, bool(np.any(rows != 0)), stream_name(net, stream, names))
    year = float(hours.sum())
    for resource, dual in _row_duals(model, duals, "utilization").items():
        total = model.utilization_total.get(str(resource), 0.0)
        value = dual / year
        records.append(
            {
                "kind": "utilization",
                "id": f"targets.utilization.{resource}",
                "name": f"utilisation target, {resource}",
                "enterprise": None,
                "resource": resource,
                "unit": units.get(str(resource), ""),
                "value": value,
                "value_unit": f"{money}/{units.get(str(resource), 'unit')}",
                "per_point": value * total / 100,
                "binding": bool(dual != 0),
                "limit": park.targets.utilization.get(str(resource)),
                "meaning": MEANING["utilization"],
            }
        )
    caps = (
        ("emission_cap", "targets.max_emissions", "tCO2", park.targets.max_emissions),
        ("capex_budget", "targets.max_capex", "", park.targets.max_capex),
    )
    for block, target, unit, limit in caps:
        found = _row_duals(model, duals, block)
        if found:
            dual = next(iter(found.values()))
            records.append(
                {
                    "kind": block,
                    "id": target,
                    "name": block.replace("_", " "),
                    "enterprise": None,
                    "resource": None,
                    "unit": unit or park.economics.currency,
                    "value": -dual,
                    "value_unit": f"{money}/{unit or park.economics.currency}",
                    "per_point": None,
                    "binding": bool(dual != 0),
                    "limit": limit,
                    "meaning": MEANING[block],
                }
            )
    return pd.DataFrame.from_records(records, columns=[*COLUMNS, *net.periods])
