"""Write docs/jinan-walkthrough.md: the Jinan example park's optimal plan, explained.

    python docs/make_walkthrough.py                 # writes docs/jinan-walkthrough.md
    python docs/make_walkthrough.py -o other.md     # anywhere else

Regenerate the document with this script, never edit its numbers by hand. The script solves
``parks/jinan_eco_park.yaml`` and each of its scenarios with circflow (through
`circflow.comparison.compare_park`), solves the status quo of each on its own (today's contracts
and existing processes only), varies the catalog's estimates marked *(verify)* that the park
uses, and runs sanity checks on every result: balances and money add up, the split by resource
adds up to the saving, the status quo uses what today's contracts and the published
utilisation rates say, heat links follow SPEC 8.3, CO2 avoided per tonne or MWh lies in the
range of the catalog's factors (``models/factors.yaml``), scenarios move cost and emissions
the way optimisation theory says they must. If any check fails, the script prints every
failure, exits with status 1 and writes nothing.

The page leads with the saving against the status quo (``kpis.savings``, split by
``kpis.by_resource``) and shows the gross value of all exchanges (the links' ``avoided`` and
``net_saving``, which count against a park without any exchange) in a section of its own.
"""

from __future__ import annotations

import argparse
import copy
import math
import pathlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import circflow
from circflow.comparison import compare_park
from circflow.network import Network, StreamNode, build_network
from circflow.yamlfile import read_yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
PARK_FILE = REPO / "parks" / "jinan_eco_park.yaml"
MODELS = REPO / "models"
FACTORS_FILE = MODELS / "factors.yaml"
DEFAULT_OUTPUT = REPO / "docs" / "jinan-walkthrough.md"

#: Relative tolerance of accounting checks (solver tolerances are ~1e-9 of the objective).
REL_TOL = 1e-6
#: Relative tolerance when two optimisations are compared: the default solver profile's MIP gap
#: (solvers/highs.yaml).
OPT_TOL = 1e-4
#: No tonne of fly ash or slag avoids more than the clinker it could replace (factors.yaml
#: clinker_emissions, 0.85 tCO2/t); links add the avoided landfill (+0.002) and subtract their
#: own trucking (~0.001-0.004 over 10-50 km): 0.01 of slack.
SLACK = 0.01
#: Status-quo utilisation may differ from a published rate by this much (share of supply):
#: contracts are sized in whole t/h.
RATE_TOL = 0.03
SOLIDS = ("fly_ash", "gypsum", "slag")

#: Which published utilisation rate (models/factors.yaml, named in the park file's header) a
#: by-product stream is compared with: by resource, and for slag by its `type`.
PUBLISHED_RATE = {
    ("fly_ash", None): "utilization_fly_ash_china",
    ("gypsum", None): "utilization_byproduct_gypsum_china",
    ("slag", "blast_furnace"): "utilization_blast_furnace_slag_china",
    ("slag", "steel"): "utilization_steel_slag_china",
}
ALL_SOLIDS_RATE = "utilization_general_industrial_solid_waste_jinan"


# --- running circflow ------------------------------------------------------------------------


@dataclass
class Run:
    """One alternative: the park, its optimum and its status quo solved separately."""

    name: str
    park: circflow.Park
    result: circflow.Result
    status_quo: circflow.Result
    net: Network
    streams: dict[str, StreamNode] = field(default_factory=dict)
    """Stream path (``steel.supplies[0]``, ``steel#grinding.outputs[0]``) -> its node."""


def status_quo_overrides(park: circflow.Park) -> dict[str, Any]:
    """The park as it is (SPEC 4, 8.2): existing links and processes only, no new candidates,
    no targets or plan."""
    return {
        "modes": {name: {"max_distance_km": 0} for name in park.modes},
        "links": [
            {**link.model_dump(by_alias=True, exclude_none=True), "expandable": False}
            for link in park.links
            if link.existing
        ],
        "targets": {
            "utilization": dict.fromkeys(park.targets.utilization, 0.0),
            "max_emissions": None,
            "max_capex": None,
        },
        "plan": {"force": [], "forbid": []},
        "enterprises": [
            {
                "id": e.id,
                "processes": [p.model_dump(by_alias=True, exclude_none=True) for p in e.processes if p.existing],
            }
            for e in park.enterprises
            if e.processes
        ],
    }


def solve_all(path: pathlib.Path) -> tuple[pd.DataFrame, dict[str, Run]]:
    base = circflow.load_park(path)
    table, results = compare_park(path, list(base.scenarios))
    runs = {}
    for name, result in results.items():
        scenarios = [] if name == "base" else [name]
        park = circflow.load_park(path, scenarios=scenarios)
        status_quo = circflow.optimize(
            circflow.load_park(path, scenarios=scenarios, overrides=status_quo_overrides(park))
        )
        net = build_network(park)
        streams = {node.path: node for node in (*net.supplies, *net.demands)}
        runs[name] = Run(name, park, result, status_quo, net, streams)
    return table, runs


# --- accounts ---------------------------------------------------------------------------------

#: KPI items of total cost, in the order the page lists them; market revenue lowers the cost.
COST_ITEMS = {
    "annualized_capex": "annualised capex of new links and processes",
    "variable_cost": "haulage and variable O&M",
    "electricity_cost": "electricity (pumps, heat pumps, grinding)",
    "drive_cost": "driving steam of absorption heat pumps",
    "process_cost": "process opex (grinding, water treatment)",
    "disposal_cost": "disposal (landfill, cooling towers)",
    "baseline_cost": "conventional supply (boilers, bought slag and fly ash, clinker, gypsum, water)",
    "market_revenue": "market revenue (counts against cost)",
}


def item_accounts(run: Run, result: circflow.Result) -> pd.DataFrame:
    """Cost items (COST_ITEMS) and emissions per resource, rebuilt from links, processes and the
    rest of every stream (disposal, baseline); market revenue with a minus sign in ``cost``."""
    rows: dict[str, dict[str, float]] = {}

    def account(resource: str) -> dict[str, float]:
        return rows.setdefault(resource, dict.fromkeys([*COST_ITEMS, "emissions"], 0.0))

    for link in result.links.itertuples():
        acc = account(link.resource)
        for item in (
            "annualized_capex",
            "variable_cost",
            "electricity_cost",
            "drive_cost",
            "process_cost",
            "market_revenue",
        ):
            acc[item] += getattr(link, item)
        acc["emissions"] += link.emissions
    for process in result.processes.itertuples():
        if process.built and not process.existing:
            account(process.resource)["annualized_capex"] += process.annualized_capex
    for row in result.balances.itertuples():
        if row.role not in ("supply", "demand") or not row.rest > 0:
            continue
        node = run.streams[row.path]
        acc = account(row.resource)
        acc["disposal_cost" if row.role == "supply" else "baseline_cost"] += row.rest * node.price_cost
        acc["emissions"] += row.rest * node.price_emissions
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table["cost"] = (
        table[[item for item in COST_ITEMS if item != "market_revenue"]].sum(axis=1) - table["market_revenue"]
    )
    return table


def use_accounts(run: Run, result: circflow.Result) -> pd.DataFrame:
    """Per resource: original supply, what links take from it, demand and what links bring."""
    bal = result.balances
    rows = {}
    for resource, part in bal.groupby("resource"):
        own = part[(part["role"] == "supply") & own_supply(run, part["path"])]
        wanted = part[part["role"] == "demand"]
        rows[resource] = {
            "supplied": own["amount"].sum(),
            "used": own["linked"].sum(),
            "demanded": wanted["amount"].sum(),
            "delivered": wanted["linked"].sum(),
            "sold": part.loc[part["role"] == "market", "linked"].sum(),
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def own_supply(run: Run, paths: pd.Series) -> np.ndarray:
    """Which of these stream paths are an enterprise's own supply (not a process output)."""
    return np.array([run.streams[p].role == "supply" for p in paths], dtype=bool)


def gross_value(result: circflow.Result, resource: str | None = None) -> float:
    """What all exchanges of a plan (of one resource) are worth against a park without any
    exchange: the links' ``net_saving`` less the annualised capex of new processes (which no
    link carries; a process counts with the resource it takes in)."""
    links, processes = result.links, result.processes
    if resource is not None:
        links, processes = links[links["resource"] == resource], processes[processes["resource"] == resource]
    capex = (
        processes.loc[processes["built"] & ~processes["existing"], "annualized_capex"].sum()
        if not processes.empty
        else 0.0
    )
    return float(links["net_saving"].sum() - capex)


def link_accounts(run: Run, result: circflow.Result | None = None) -> pd.DataFrame:
    """The plan's links with their streams' prices, per unit delivered."""
    result = result or run.result
    carbon = run.park.economics.carbon_price
    rows = []
    for link in result.links.to_dict("records"):
        supply, demand = run.streams[link["from_stream"]], run.streams[link["to_stream"]]
        delivered = link["delivered_total"]
        cop = link["cop"] if link["cop"] is not None and not pd.isna(link["cop"]) else math.nan
        rows.append(
            {
                **link,
                "cop": cop,
                "delivered": delivered,
                "cost_per_unit": (link["annual_cost"] + carbon * link["emissions"]) / delivered
                if delivered
                else math.nan,
                "avoided_per_unit": link["co2_avoided"] / delivered if delivered else math.nan,
                "to_role": demand.role,
                "from_role": supply.role,
                "replaced_emissions": demand.price_emissions,
                "replaced_cost": demand.price_cost,
                "sale_price": demand.sale_price,
                "disposal_cost": supply.price_cost,
                "disposal_emissions": supply.price_emissions,
                "sector_to": run.net.enterprises[link["to"]].sector if link["to"] in run.net.enterprises else "market",
                "t_in": link["source_inlet_c"],
                "t_out": link["source_outlet_c"],
                "t_supply": link["sink_supply_c"],
                "t_return": link["sink_return_c"],
            }
        )
    return pd.DataFrame(rows)


def crf(rate: float, years: float) -> float:
    """Capital recovery factor (SPEC 4)."""
    if rate == 0:
        return 1 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def spec_cop(outlet_c: float, supply_c: float, park: circflow.Park) -> float:
    """COP of an electric heat pump, SPEC 8.3, computed here independently of circflow."""
    pump = park.technologies.heat_pump
    hot = supply_c + pump.approach_k + 273.15
    cold = outlet_c - pump.approach_k + 273.15
    return pump.cop_max if hot <= cold else min(pump.cop_max, pump.carnot_efficiency * hot / (hot - cold))


def heat_pump_candidates(run: Run) -> pd.DataFrame:
    """Every electric and absorption heat-pump candidate with rough unit economics per MWh
    delivered, before pipeline costs."""
    park = run.park
    econ = park.economics
    built = set(run.result.links["id"])
    rows = []
    for link in run.net.links:
        if link.type not in ("heat_pump", "absorption"):
            continue
        supply, demand = run.net.supplies[link.supply], run.net.demands[link.demand]
        peak = max(amount / hours for amount, hours in zip(demand.amounts, run.net.hours, strict=True))
        full_load_hours = demand.amounts.sum() / peak if peak else math.nan
        cop = link.cop
        if link.type == "heat_pump":
            unit = park.technologies.heat_pump
            energy = (econ.electricity_price + econ.carbon_price * econ.grid_emission_factor) / cop
        else:
            unit = park.technologies.absorption_heat_pump
            energy = (unit.drive_cost_per_mwh + econ.carbon_price * unit.drive_emissions_per_mwh) / cop
        energy += unit.opex_per_mwh
        capex = unit.capex_per_mw * (crf(econ.discount_rate, unit.lifetime_years) + unit.om_fraction) / full_load_hours
        value = (
            demand.price_cost
            + econ.carbon_price * demand.price_emissions
            + (supply.price_cost + econ.carbon_price * supply.price_emissions) * (cop - 1) / cop
        )
        t = link.temperatures
        rows.append(
            {
                "id": link.id,
                "type": link.type,
                "origin": supply.enterprise,
                "to": demand.enterprise,
                "t_out": t.outlet,
                "t_supply": t.supply,
                "cop": cop,
                "length_km": link.length_km,
                "energy": energy,
                "capex": capex,
                "value": value,
                "margin": value - energy - capex,
                "built": link.id in built,
            }
        )
    return pd.DataFrame(rows).sort_values("margin", ascending=False)


def factor_name(factors: dict[str, Any], value: float, unit: str) -> str | None:
    """The factors.yaml entry with this value and unit (tCO2/t, CNY/MWh, ...), if any."""
    for name, entry in factors.items():
        if entry["unit"] == unit and math.isclose(entry["value"], value, rel_tol=1e-9):
            return name
    return None


def contract_reach(run: Run, link_index: int) -> np.ndarray:
    """Most an existing contract can carry in each period: its capacity, what its buyer takes
    (per unit drawn) and what its seller has (a process output: yield x process capacity)."""
    net, link = run.net, run.net.links[link_index]
    reach = link.capacity_limit * net.hours if link.capacity_limit is not None else np.full(len(net.hours), np.inf)
    demand, supply = net.demands[link.demand], net.supplies[link.supply]
    reach = np.minimum(reach, demand.amounts / link.gain)
    if supply.role == "output":
        process = net.processes[supply.process]
        if process.spec.capacity is not None:
            reach = np.minimum(reach, supply.output_yield * process.spec.capacity * net.hours)
    else:
        reach = np.minimum(reach, supply.amounts)
    return reach


def status_quo_rates(run: Run, factors: dict[str, Any]) -> pd.DataFrame:
    """Status-quo use of each by-product group against the published rate the park file names."""
    bal = run.status_quo.balances
    own = bal[(bal["role"] == "supply") & bal["resource"].isin(SOLIDS) & own_supply(run, bal["path"])]
    groups: dict[str, list[float]] = {}
    for row in own.itertuples():
        spec = run.streams[row.path].spec
        kind = spec.quality.get("type") if row.resource == "slag" else None
        name = PUBLISHED_RATE.get((row.resource, kind))
        for key in ([name] if name else []) + [ALL_SOLIDS_RATE]:
            acc = groups.setdefault(key, [0.0, 0.0])
            acc[0] += row.amount
            acc[1] += row.linked
    rows = []
    for name, (supplied, used) in groups.items():
        rows.append(
            {
                "factor": name,
                "supplied": supplied,
                "used": used,
                "share": used / supplied,
                "published": factors[name]["value"],
                "source": factors[name]["source"],
                "year": factors[name]["year"],
            }
        )
    return pd.DataFrame(rows)


# --- the estimates a sceptical engineer should check ------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A catalog number marked (verify) and where the park uses it, varied over a range."""

    name: str
    """factors.yaml entry, or ``file:entry.field`` of technologies.yaml / modes.yaml."""
    low: float
    high: float
    why_range: str
    where: str
    """What the park file carries it in, for the page."""
    places: Callable[[dict[str, Any], float], list[tuple[str, float]]]
    """(dotted key, value it carries) of every place in the park mapping that holds it."""


def _streams(tree: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any], str]]:
    """(dotted key, stream mapping, kind) of every supply, demand, market buy and process output."""
    for enterprise in tree.get("enterprises") or []:
        for kind in ("supplies", "demands"):
            for i, stream in enumerate(enterprise.get(kind) or []):
                yield f"enterprises.{enterprise['id']}.{kind}.{i}", stream, kind
        for process in enterprise.get("processes") or []:
            for i, output in enumerate(process.get("outputs") or []):
                yield f"enterprises.{enterprise['id']}.processes.{process['id']}.outputs.{i}", output, "supplies"
    for market in tree.get("markets") or []:
        for i, buy in enumerate(market.get("buys") or []):
            yield f"markets.{market['id']}.buys.{i}", buy, "buys"


def prices(resources: tuple[str, ...], kind: str, field_: str, offsets: tuple[float, ...] = (0.0,)) -> Callable:
    """Places whose ``field_`` (``disposal.cost``, ``baseline.cost``, ``price``) equals the
    factor's value plus one of ``offsets`` (a delivered price = ex works + haulage)."""

    def find(tree: dict[str, Any], value: float) -> list[tuple[str, float]]:
        found = []
        for key, stream, stream_kind in _streams(tree):
            if stream.get("resource") not in resources or stream_kind != kind:
                continue
            node: Any = stream
            for step in field_.split("."):
                node = node.get(step) if isinstance(node, dict) else None
            if isinstance(node, (int, float)) and any(math.isclose(node, value + o) for o in offsets):
                found.append((f"{key}.{field_}", float(node)))
        return found

    return find


def catalog_field(section: str, entry: str, name: str) -> Callable:
    def find(tree: dict[str, Any], value: float) -> list[tuple[str, float]]:
        return [(f"{section}.{entry}.{name}", value)]

    return find


#: Delivered prices in the park file are ex works + ~25 CNY/t of haulage (its comments).
HAULAGE = 25.0


def market_and_delivered(resource: str) -> Callable:
    """Places of a market price: the markets buying ``resource`` at it, and the park's demands
    that buy ``resource`` at it delivered (`HAULAGE` on top)."""
    at_market = prices((resource,), "buys", "price")
    delivered = prices((resource,), "demands", "baseline.cost", (HAULAGE,))

    def find(tree: dict[str, Any], value: float) -> list[tuple[str, float]]:
        return at_market(tree, value) + delivered(tree, value)

    return find


ESTIMATES = (
    Estimate(
        "landfill_cost_solid_byproduct",
        20,
        60,
        "catalog range",
        "disposal of every fly ash, gypsum and slag stream",
        prices(SOLIDS, "supplies", "disposal.cost"),
    ),
    Estimate(
        "coal_boiler_heat_cost",
        152,
        228,
        "+-20 %, no range in the catalog",
        "baseline of the city network (coal boiler houses)",
        prices(("heat",), "demands", "baseline.cost"),
    ),
    Estimate(
        "gas_boiler_heat_cost",
        304,
        456,
        "+-20 %, no range in the catalog",
        "baseline of the new low-temperature network",
        prices(("heat",), "demands", "baseline.cost"),
    ),
    Estimate(
        "gbfs_price",
        40,
        100,
        "catalog range",
        "the slag mills' price for granulated slag, and the cement plant's bought slag (+25 haulage)",
        market_and_delivered("slag"),
    ),
    Estimate(
        "fly_ash_price_grade_ii",
        72,
        108,
        "+-20 %, no range in the catalog",
        "the regional concrete market's price, and the park's concrete stations' bought fly ash (+25)",
        market_and_delivered("fly_ash"),
    ),
    Estimate(
        "clinker_marginal_cost",
        180,
        280,
        "catalog range",
        "baseline of fly ash in the cement plant",
        prices(("fly_ash", "slag"), "demands", "baseline.cost"),
    ),
    Estimate(
        "avoided_fresh_water_tap_user",
        2.4,
        3.6,
        "catalog range",
        "baseline of the tap-water users (steel, chemical, carbon)",
        prices(("reclaimed_water",), "demands", "baseline.cost"),
    ),
    Estimate(
        "avoided_fresh_water_self_supplied",
        0.6,
        1.8,
        "+-50 %, no range in the catalog",
        "baseline of the power plants' own river water",
        prices(("reclaimed_water",), "demands", "baseline.cost"),
    ),
    Estimate(
        "technologies.yaml:absorption_heat_pump.capex_per_mw",
        0.8e6,
        4.7e6,
        "catalog range",
        "the catalog",
        catalog_field("technologies", "absorption_heat_pump", "capex_per_mw"),
    ),
    Estimate(
        "modes.yaml:heat_pipeline.capex_per_flow_km",
        1600,
        5400,
        "catalog range by pipe size; ~4,000 in mountains",
        "the catalog",
        catalog_field("modes", "heat_pipeline", "capex_per_flow_km"),
    ),
    Estimate(
        "economics.yaml:electricity_price",
        550,
        850,
        "catalog range by time of use",
        "the catalog",
        lambda tree, v: [("economics.electricity_price", v)],
    ),
)


def catalog_entry(name: str, factors: dict[str, Any]) -> tuple[float, str]:
    """Value and citation of a factors.yaml entry or a ``file:entry.field`` of the catalog."""
    if ":" not in name:
        return factors[name]["value"], factors[name]["source"]
    file_name, dotted = name.split(":")
    tree = read_yaml(MODELS / file_name)
    if "." in dotted:
        entry, key = dotted.split(".")
        return tree[entry][key], tree[entry]["sources"][key]
    return tree[dotted], tree["sources"][dotted]


def set_key(tree: dict[str, Any], key: str, value: float) -> None:
    """Set a dotted key (lists addressed by id or index), creating mappings on the way."""
    steps = key.split(".")
    node: Any = tree
    for step in steps[:-1]:
        if isinstance(node, list):
            node = (
                next((item for item in node if isinstance(item, dict) and item.get("id") == step), None)
                if not step.isdigit()
                else node[int(step)]
            )
        else:
            node = node.setdefault(step, {})
    node[steps[-1]] = value


def new_build(result: circflow.Result) -> set[str]:
    """What a plan builds beyond today's: its new links' ids and ``process ID`` for its new processes."""
    links, processes = result.links, result.processes
    built = set(links.loc[~links["existing"], "id"])
    return built | {f"process {p}" for p in processes.loc[processes["built"] & ~processes["existing"], "id"]}


def vary_estimates(path: pathlib.Path, base: Run, factors: dict[str, Any]) -> pd.DataFrame:
    """Solve the base park with each estimate at the ends of its range; the saving and what changes."""
    tree = read_yaml(path)
    built = new_build(base.result)
    rows = []
    for estimate in ESTIMATES:
        value, source = catalog_entry(estimate.name, factors)
        places = estimate.places(tree, value)
        row: dict[str, Any] = {
            "estimate": estimate,
            "value": value,
            "verify": "verify" in source.lower(),
            "places": len(places),
        }
        for end, varied in (("low", estimate.low), ("high", estimate.high)):
            changed = copy.deepcopy(tree)
            for key, carried in places:
                set_key(changed, key, carried + (varied - value))
            changed_park = circflow.park_from_dict(changed, base_dir=path.parent, source=str(path))
            result = circflow.optimize(changed_park, marginals=False)  # the plan and its saving only
            plan = new_build(result)
            row[f"{end}_status"] = result.status
            row[f"{end}_saving"] = result.kpis["savings"]["total_cost"]
            row[f"{end}_added"] = sorted(plan - built)
            row[f"{end}_removed"] = sorted(built - plan)
        row["swing"] = abs(row["high_saving"] - row["low_saving"])
        rows.append(row)
    return pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)


# --- sanity checks ----------------------------------------------------------------------------


@dataclass
class Checks:
    """Sanity checks: each has a name, what it guards, and a line of evidence per run."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def record(self, name: str, guards: str, ok: bool, evidence: str) -> None:
        """Add one run's outcome of the check ``name`` (created on first use)."""
        entry = next((e for e in self.entries if e["name"] == name), None)
        if entry is None:
            entry = {"name": name, "guards": guards, "ok": True, "evidence": [], "failures": []}
            self.entries.append(entry)
        entry["ok"] = entry["ok"] and bool(ok)
        entry["evidence"].append(evidence)
        if not ok:
            entry["failures"].append(evidence)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if not entry["ok"]]

    def number(self, name: str) -> int:
        """The position of a check on the page (1-based)."""
        return next(i for i, entry in enumerate(self.entries, start=1) if entry["name"] == name)


def evidence(run: Run, found: Iterable[str], separator: str = "; ", none: str = "") -> str:
    """One run's line of evidence for a check: its name, then ``found`` (``none`` if empty)."""
    return f"{run.name}: " + (separator.join(found) or none)


def close(a: float, b: float, rel: float = REL_TOL) -> bool:
    """Equal within ``rel`` of the larger magnitude (or of 1)."""
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


CHECK_SOLVED = "solved to optimality"
CHECK_STATUS_QUO = "status quo reproduced"
CHECK_BALANCES = "balances close"
CHECK_ACCOUNTS = "cost and emissions add up"
CHECK_BY_RESOURCE = "savings by resource add up to the total saving"
CHECK_GROSS = "gross value of the plan's exchanges minus today's equals the saving"
CHECK_CONTRACTS = "status-quo utilisation matches today's contracts and the published rates"
CHECK_UTILISATION = "utilisation within [0, 1] and at least the target"
CHECK_HEAT = "heat links as SPEC 8.3 builds them: COP from the source outlet, preheat within its band"
CHECK_REACH = "flows within capacity, links within reach"
CHECK_SAVINGS = "savings non-negative without forced links"
CHECK_TONNE = "CO2 avoided per tonne of fly ash or slag at the factor it displaces, at most clinker's"
CHECK_MWH = "CO2 avoided per MWh of heat within 0 and what a coal boiler emits"
CHECK_SCENARIOS = "scenarios move the optimum the right way"
CHECK_ESTIMATES = "each varied estimate is a (verify) number the park uses, and every run solves"


def check_solved(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    ok = all(r.status is circflow.Status.OPTIMAL and not (r.gap > OPT_TOL) for r in (run.result, run.status_quo))
    checks.record(
        CHECK_SOLVED,
        f"a plan exists and HiGHS proved it optimal within the default "
        f"profile's gap ({OPT_TOL:g}); later checks that compare two optima allow that gap",
        ok,
        f"{run.name}: {run.result.status}, gap {run.result.gap:.1e}; status quo {run.status_quo.status}",
    )


def check_status_quo(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """The status quo solved as its own park is the baseline that optimize reports."""
    sq, baseline = run.status_quo, run.result.kpis["baseline"]
    only_existing = bool(sq.links["existing"].all() or (sq.links.loc[~sq.links["existing"], "on_site"]).all())
    only_existing = only_existing and bool((~sq.processes["built"] | sq.processes["existing"]).all())
    same = close(sq.kpis["total_cost"], baseline["total_cost"], OPT_TOL) and close(
        sq.kpis["emissions"], baseline["emissions"], OPT_TOL
    )
    checks.record(
        CHECK_STATUS_QUO,
        "the baseline behind `savings` is the park with its existing links and processes only, no "
        "targets and no plan (SPEC 4, 8.2), here solved as a park of its own",
        only_existing and same,
        f"{run.name}: {fm(sq.kpis['total_cost'])} M CNY/yr, {fk(sq.kpis['emissions'])} ktCO2/yr "
        f"(reported baseline {fm(baseline['total_cost'])}, {fk(baseline['emissions'])})",
    )


def balance_gap(run: Run, result: circflow.Result) -> float:
    """Largest relative gap of a stream balance, of the flows against the balances, of a process."""
    bal, flows, links = result.balances, result.flows, result.links
    finite = bal[np.isfinite(bal["amount"])]
    worst = float(
        ((finite["linked"] + finite["rest"] - finite["amount"]).abs() / finite["amount"].clip(lower=1.0)).max()
    )
    ends = links.set_index("id")[["from_stream", "to_stream"]]
    flows = flows.join(ends, on="link")
    linked = bal.set_index(["path", "period"])["linked"]
    amount = bal.set_index(["path", "period"])["amount"]
    for end, column in (("from_stream", "flow"), ("to_stream", "delivered")):
        moved = flows.groupby([end, "period"])[column].sum()
        for index, value in moved.items():
            scale = max(abs(amount.get(index, 1.0)) if math.isfinite(amount.get(index, 1.0)) else value, 1.0)
            worst = max(worst, abs(value - linked.get(index, 0.0)) / scale)
    for process in run.net.processes:
        if process.path not in set(result.processes["id"]):
            continue
        inputs = linked.get(f"{process.path}.input")
        for output in process.outputs:
            node = run.net.supplies[output]
            made = amount.get(node.path)
            if inputs is None or made is None:
                continue
            gap = (made - node.output_yield * inputs).abs() / inputs.clip(lower=1.0)
            worst = max(worst, float(gap.max()))
    return worst


def check_balances(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    worst = max(balance_gap(run, run.result), balance_gap(run, run.status_quo))
    checks.record(
        CHECK_BALANCES,
        "for every stream and period (slices included): flows + disposal = supply, deliveries + "
        "baseline = demand; the flows table rebuilds what the balances call linked at both ends of "
        "every link (markets and process inputs included); a process's output = yield x its input",
        worst <= REL_TOL,
        f"{run.name}: largest relative gap {worst:.1e} (plan and status quo)",
    )


def check_accounts(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Money and emissions add up, from the KPIs' parts and rebuilt from links, processes and balances."""
    ok, shown = True, []
    for label, result in (("plan", run.result), ("status quo", run.status_quo)):
        k = result.kpis
        parts = sum(k[item] for item in COST_ITEMS if item != "market_revenue") - k["market_revenue"]
        accounts = item_accounts(run, result)
        capex = result.links["capex"].sum() + result.processes["capex"].sum()
        items = all(close(accounts[item].sum(), k[item]) for item in COST_ITEMS)
        ok = (
            ok
            and close(parts, k["total_cost"])
            and close(accounts["cost"].sum(), k["total_cost"])
            and close(accounts["emissions"].sum(), k["emissions"])
            and close(capex, k["capex"])
            and items
        )
        shown.append(
            f"{label} {fm(k['total_cost'])} M CNY/yr, rebuilt {fm(accounts['cost'].sum())}; "
            f"{fk(k['emissions'])} ktCO2/yr, rebuilt {fk(accounts['emissions'].sum())}"
        )
    checks.record(
        CHECK_ACCOUNTS,
        "total cost = annualised capex + haulage and O&M + electricity + driving steam + process opex "
        "+ disposal + baseline - market revenue; each item rebuilt from the links' and processes' "
        "tables and each stream's rest times its disposal or baseline price; capex of links and "
        "processes adds up to the capex KPI; the same for the status quo",
        ok,
        evidence(run, shown),
    )


def check_by_resource(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """kpis.by_resource of the plan and the baseline: each matches an independent rebuild, and the
    differences add up to kpis.savings."""
    k = run.result.kpis
    plan, before = k["by_resource"], k["baseline"]["by_resource"]
    saving = sum(before[r]["total_cost"] - plan[r]["total_cost"] for r in plan)
    co2 = sum(before[r]["emissions"] - plan[r]["emissions"] for r in plan)
    ok = (
        set(plan) == set(before) and close(saving, k["savings"]["total_cost"]) and close(co2, k["savings"]["emissions"])
    )
    for by_resource, result in ((plan, run.result), (before, run.status_quo)):
        rebuilt = item_accounts(run, result)
        ok = ok and all(
            close(by_resource[r]["total_cost"], rebuilt.loc[r, "cost"] if r in rebuilt.index else 0.0)
            and close(by_resource[r]["emissions"], rebuilt.loc[r, "emissions"] if r in rebuilt.index else 0.0)
            for r in by_resource
        )
    checks.record(
        CHECK_BY_RESOURCE,
        "`kpis.by_resource` of the plan and of the baseline each match a rebuild from links, processes "
        "and balances, and baseline minus plan summed over resources is `kpis.savings` (cost and CO2)",
        ok,
        f"{run.name}: sum over resources {fm(saving)} M CNY/yr and {fk(co2)} ktCO2/yr; "
        f"savings {fm(k['savings']['total_cost'])} and {fk(k['savings']['emissions'])}",
    )


def check_gross(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    plan, today = gross_value(run.result), gross_value(run.status_quo)
    saving = run.result.kpis["savings"]["total_cost"]
    nothing = run.result.kpis["total_cost"] + plan
    k = run.result.kpis
    per_resource = all(
        close(
            gross_value(run.result, r) - gross_value(run.status_quo, r),
            k["baseline"]["by_resource"][r]["total_cost"] - k["by_resource"][r]["total_cost"],
        )
        for r in k["by_resource"]
    )
    checks.record(
        CHECK_GROSS,
        "the links' `net_saving` (less new processes' annualised capex) count against a park without "
        "any exchange; that park costs the same under both plans, so plan minus today must be the "
        "saving against today, in total and for each resource",
        close(plan - today, saving) and close(nothing, run.status_quo.kpis["total_cost"] + today) and per_resource,
        f"{run.name}: {fm(plan)} - {fm(today)} = {fm(plan - today)} M CNY/yr; saving {fm(saving)}",
    )


def check_contracts(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Today's contracts run at what they can carry in the status quo, their flows are its
    utilisation, and that utilisation is the published rates the park file names."""
    sq = run.status_quo
    flows = sq.links.set_index("id")["flow_total"]
    ok, worst = True, 0.0
    for i, link in enumerate(run.net.links):
        if link.existing and not link.on_site:
            reach = float(contract_reach(run, i).sum())
            worst = max(worst, abs(float(flows.get(link.id, 0.0)) - reach) / max(reach, 1.0))
    ok = worst <= REL_TOL
    used = use_accounts(run, sq)
    for resource, share in sq.kpis["utilization"].items():
        from_contracts = sq.links.loc[sq.links["resource"] == resource]
        own = from_contracts[own_supply(run, from_contracts["from_stream"])]
        ok = ok and close(own["flow_total"].sum() / used.loc[resource, "supplied"], share)
    rates = status_quo_rates(run, factors)
    shown = []
    for row in rates.itertuples():
        if row.factor == ALL_SOLIDS_RATE:
            ok = ok and row.share >= row.published - 1e-9  # "above 70 %"
        else:
            ok = ok and abs(row.share - row.published) <= RATE_TOL
        shown.append(f"{row.factor} {row.share:.1%} (published {row.published:.0%})")
    checks.record(
        CHECK_CONTRACTS,
        f"in the status quo every existing contract carries what its capacity, its buyer and its seller "
        f"allow; the contracts' flows from the enterprises' own supplies are the status quo's "
        f"utilisation; each by-product's share is within {RATE_TOL:.0%} of the published rate named in "
        f"the park file, and all solids together at least Jinan's",
        ok,
        f"{run.name}: contracts within {worst:.1e} of their reach; " + ", ".join(shown),
    )


def check_utilisation(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    used = use_accounts(run, run.result)
    ok, shown = True, []
    for resource, share in run.result.kpis["utilization"].items():
        rebuilt = used.loc[resource, "used"] / used.loc[resource, "supplied"]
        target = run.park.targets.utilization.get(resource, 0.0)
        ok = ok and -1e-9 <= share <= 1 + 1e-9 and close(share, rebuilt) and share >= target - 1e-6
        shown.append(f"{resource} {share:.3f}" + (f" (target {target:g})" if target else ""))
    checks.record(
        CHECK_UTILISATION,
        "utilisation = what links take from the enterprises' own supplies / those supplies over the year "
        "(SPEC 3.8, 8.2: a process output is not new supply), rebuilt from the balances; every target "
        "holds",
        ok,
        evidence(run, shown, ", "),
    )


def check_heat_links(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Heat links follow SPEC 8.3: technology from the temperatures, COP, driving energy, bands."""
    park = run.park
    links = link_accounts(run)
    pump, exchange = park.technologies.heat_pump, park.technologies.heat_exchange
    absorber, d_t = park.technologies.absorption_heat_pump, exchange.min_approach_k
    ok, shown = True, []
    candidates = {link.id: link for link in run.net.links}
    for link in links[links["resource"] == "heat"].itertuples():
        pumping = park.modes[link.mode].electricity_per_unit_km * link.length_km * link.flow_total
        if link.type == "direct":
            ok = ok and link.t_in >= link.t_supply + d_t and math.isnan(link.cop)
        elif link.type == "preheat":
            ok = ok and link.t_return + d_t < link.t_in < link.t_supply + d_t and math.isnan(link.cop)
        elif link.type == "heat_pump":
            ok = (
                ok
                and 1 < link.cop <= pump.cop_max + 1e-12
                and close(link.cop, spec_cop(link.t_out, link.t_supply, park))
                and link.t_supply - link.t_out <= pump.max_lift_k
                and close(link.electricity_mwh - pumping, link.delivered / link.cop)
            )
        else:
            ok = (
                ok
                and close(link.cop, absorber.cop)
                and link.t_supply - link.t_out <= absorber.max_lift_k
                and close(link.drive_mwh, link.delivered / link.cop)
            )
        text = f"{short(link.id)} {link.type} {link.t_in:g}/{link.t_out:g} -> {link.t_supply:g}/{link.t_return:g} degC"
        shown.append(text + ("" if math.isnan(link.cop) else f" COP {link.cop:.2f}"))
    # Nested preheat bands: heat from preheat links with rho <= rho* is at most rho* x demand.
    flows, bal = run.result.flows, run.result.balances.set_index(["path", "period"])["amount"]
    delivered = flows.join(run.result.links.set_index("id")["to_stream"], on="link")
    for (to_stream, period), part in delivered.groupby(["to_stream", "period"]):
        bands = sorted(
            (candidates[link].band, heat)
            for link, heat in zip(part["link"], part["delivered"], strict=True)
            if candidates[link].type == "preheat"
        )
        total = 0.0
        for band, heat in bands:
            total += heat
            ok = ok and total <= band * bal[(to_stream, period)] * (1 + REL_TOL) + 1e-6
    checks.record(
        CHECK_HEAT,
        f"direct: Ti >= Ts + min_approach_k ({d_t:g} K); preheat: Tr + {d_t:g} < Ti < Ts + {d_t:g} and, "
        f"per demand and slice, heat from preheat links with band rho <= rho* is at most rho* x the "
        f"demand; electric heat pump: COP = min(cop_max, eta Tc / (Tc - Te)) recomputed with Te at the "
        f"source outlet, 1 < COP <= {pump.cop_max:g}, lift Ts - To <= {pump.max_lift_k:g} K, compressor "
        f"electricity = delivered / COP; absorption: COP {absorber.cop:g}, lift <= "
        f"{absorber.max_lift_k:g} K, driving steam = delivered / COP",
        ok,
        evidence(run, shown, none="no heat link"),
    )


def check_capacity_and_reach(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    park, result = run.park, run.result
    hours = result.period_hours
    capacity = result.links.set_index("id")["capacity"]
    excess = max((row.flow / hours[row.period] - capacity[row.link] for row in result.flows.itertuples()), default=0.0)
    for process in result.processes.itertuples():
        for period, value in process.input.items():
            excess = max(excess, value / hours[period] - process.capacity)
    candidates = {link.id: link for link in run.net.links}
    in_reach = True
    for link in link_accounts(run).itertuples():
        candidate = candidates[link.id]
        if candidate.on_site or candidate.explicit:
            continue
        reach = park.modes[link.mode].max_distance_km
        in_reach = in_reach and (reach is None or link.length_km <= reach + 1e-9)
    checks.record(
        CHECK_REACH,
        "flow in a period <= capacity x hours, for links and for process inputs; a generated "
        "candidate's length <= its mode's max_distance_km",
        in_reach and excess <= 1e-6,
        f"{run.name}: largest excess of hourly flow over capacity {max(excess, 0.0):.1e}",
    )


def check_savings(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Savings against the status quo, in the objective's terms (total cost + carbon price x emissions)."""
    k, park = run.result.kpis, run.park
    forced = bool(park.plan.force)
    saving = k["savings"]["total_cost"] + park.economics.carbon_price * k["savings"]["emissions"]
    checks.record(
        CHECK_SAVINGS,
        "without forced links the plan is at least as good as the status quo in the objective's terms "
        "(total cost + carbon price x emissions); only a target could make it worse, and none does here",
        forced or saving >= -OPT_TOL * abs(k["baseline"]["total_cost"]),
        f"{run.name}: {fm(saving)} M CNY/yr" + (" (forced links: not required)" if forced else ""),
    )


def check_co2_per_tonne(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    links = link_accounts(run)
    solids = links[
        links["resource"].isin(["fly_ash", "slag"]) & (links["to_role"] != "input") & (links["delivered"] > 0)
    ]
    clinker = factors["clinker_emissions"]["value"]
    ok = True
    for link in solids.itertuples():
        displaced = link.replaced_emissions if link.to_role == "demand" else 0.0
        upper = displaced + link.disposal_emissions * link.flow_total / link.delivered
        ok = ok and displaced - SLACK <= link.avoided_per_unit <= upper + 1e-9 and displaced <= clinker
    values = solids["avoided_per_unit"]
    checks.record(
        CHECK_TONNE,
        f"a tonne delivered to a park user avoids what that user's conventional supply emits (its "
        f"baseline factor: clinker {clinker:g} tCO2/t, `clinker_emissions`, for the cement plant's fly "
        f"ash; bought slag or fly ash for users that buy them on the market today) plus the landfill it "
        f"spares, less at most {SLACK:g} t/t of trucking; a tonne sold to a market avoids its landfill "
        f"less the haulage; no baseline above clinker's",
        ok,
        f"{run.name}: {len(values)} links, {values.min():.3f} to {values.max():.3f} tCO2/t",
    )


def check_co2_per_mwh(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    links = link_accounts(run)
    heat = links[(links["resource"] == "heat") & (links["delivered"] > 0)]
    coal = factors["coal_boiler_heat_emissions"]["value"]
    ok = all(-1e-9 <= row.avoided_per_unit <= coal + SLACK for row in heat.itertuples()) and all(
        abs(row.avoided_per_unit - row.replaced_emissions) <= 2 * SLACK
        for row in heat.itertuples()
        if row.type in ("direct", "preheat")
    )
    checks.record(
        CHECK_MWH,
        f"no heat link avoids more than a coal boiler emits ({coal:g} tCO2/MWh, factors.yaml "
        f"`coal_boiler_heat_emissions`) or less than nothing; a direct or preheat link avoids what the "
        f"boiler it replaces emits, within {2 * SLACK:g} (pipe losses, pumping); heat pumps less their "
        f"electricity or steam",
        ok,
        evidence(
            run, (f"{short(row.id)} {row.avoided_per_unit:.3f}" for row in heat.itertuples()), ", ", "no heat link"
        ),
    )


#: The checks run on every alternative, in the order the page lists them.
RUN_CHECKS = (
    check_solved,
    check_status_quo,
    check_balances,
    check_accounts,
    check_by_resource,
    check_gross,
    check_contracts,
    check_utilisation,
    check_heat_links,
    check_capacity_and_reach,
    check_savings,
    check_co2_per_tonne,
    check_co2_per_mwh,
)


def check_scenarios(checks: Checks, runs: dict[str, Run]) -> None:
    """A higher carbon price never raises emissions or lowers total cost; a restriction (forced links,
    shorter reach) never lowers the objective. Both hold for optima, up to the solver's gap."""
    base = runs["base"]
    for name, run in runs.items():
        if name == "base":
            continue
        kind = scenario_kind(base.park, base.park.scenarios[name])
        b, s = base.result.kpis, run.result.kpis
        if kind == "carbon":
            ok = s["emissions"] <= b["emissions"] * (1 + OPT_TOL) and s["total_cost"] >= b["total_cost"] * (1 - OPT_TOL)
            evidence = (
                f"{name} (carbon price): emissions {fk(b['emissions'])} -> {fk(s['emissions'])} ktCO2/yr, "
                f"total cost {fm(b['total_cost'])} -> {fm(s['total_cost'])} M CNY/yr"
            )
        elif kind == "restriction":
            ok = run.result.objective >= base.result.objective * (1 - OPT_TOL)
            evidence = (
                f"{name} (restriction): objective {fm(base.result.objective)} -> {fm(run.result.objective)} M CNY/yr"
            )
        else:
            evidence, ok = f"{name}: neither a carbon price nor a restriction; not checked", True
        checks.record(
            CHECK_SCENARIOS,
            "a higher carbon price never raises emissions or lowers total cost; forcing links or "
            "shortening a mode's reach never lowers the objective",
            ok,
            evidence,
        )


def check_estimates(checks: Checks, varied: pd.DataFrame) -> None:
    ok = bool(varied["verify"].all() and (varied["places"] > 0).all())
    ok = ok and all(
        str(row[f"{end}_status"]) == str(circflow.Status.OPTIMAL)
        for _, row in varied.iterrows()
        for end in ("low", "high")
    )
    checks.record(
        CHECK_ESTIMATES,
        "every number varied in [the sceptic's list](#what-a-sceptical-engineer-should-check) is marked "
        "verify in its catalog citation and is found in the park (or the catalog it uses); each of "
        "the runs at the ends of its range solves to optimality",
        ok,
        f"{len(varied)} estimates, {2 * len(varied)} runs: "
        + ", ".join(
            f"{row.estimate.name} ({row.places} place{'s' if row.places > 1 else ''})" for row in varied.itertuples()
        ),
    )


def scenario_kind(park: circflow.Park, overlay: dict[str, Any]) -> str | None:
    """``carbon`` (only raises the carbon price), ``restriction`` (only forces links or
    shortens reach), or None."""
    if set(overlay) == {"economics"} and set(overlay["economics"]) == {"carbon_price"}:
        return "carbon" if overlay["economics"]["carbon_price"] >= park.economics.carbon_price else None
    for section, content in overlay.items():
        if section == "plan":
            if set(content) - {"force"} or park.plan.force:
                return None
        elif section == "modes":
            for mode, fields in content.items():
                reach = park.modes[mode].max_distance_km if mode in park.modes else None
                if set(fields) != {"max_distance_km"} or (reach is not None and fields["max_distance_km"] > reach):
                    return None
        else:
            return None
    return "restriction"


# --- formatting -------------------------------------------------------------------------------


def fm(value: float) -> str:
    """Money in millions, one decimal (never "-0.0")."""
    return f"{value / 1e6 if abs(value) >= 5e4 else 0.0:,.1f}"


def fk(value: float) -> str:
    """Emissions in thousands (kt), one decimal (never "-0.0")."""
    return f"{value / 1e3 if abs(value) >= 50 else 0.0:,.1f}"


def number(value: float) -> str:
    """A catalog number as people write it: 1,500,000, 2,100, 0.6."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def requirement(requires: dict[str, Any]) -> str:
    """A demand's ``requires`` in words: ``type blast_furnace, purity >= 90``."""
    parts = []
    for key, value in requires.items():
        if isinstance(value, list):
            parts.append(f"{key} {'/'.join(map(str, value))}")
        elif getattr(value, "min", None) is not None or getattr(value, "max", None) is not None:
            if value.min is not None:
                parts.append(f"{key} >= {value.min:g}")
            if value.max is not None:
                parts.append(f"{key} <= {value.max:g}")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts)


def amount(value: float, unit: str) -> str:
    if unit == "m3":
        return f"{value / 1e6:,.2f} Mm3"
    if unit == "MWh":
        return f"{value / 1e3:,.1f} GWh"
    return f"{value / 1e3:,.1f} kt"


def share(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else ""


def table(headers: list[str], rows: Iterable[list[Any]], align: str | None = None) -> str:
    """A markdown table; ``align`` is one letter per column, l or r."""
    align = align or "l" * len(headers)
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def short(link_id: str, technology: bool = True) -> str:
    """``steel#3>district_heat_city:heat:heat_pipeline`` -> ``steel#3 > district_heat_city``;
    ``...:absorption`` keeps its technology unless ``technology`` is False."""
    head, *rest = link_id.split(":")
    tech = f" ({rest[2]})" if len(rest) > 2 and technology else ""
    return head.replace(">", " > ") + tech


def stream_name(run: Run, path: str) -> str:
    """A stream as a reader knows it: ``steel slag (type steel, form raw)``."""
    node = run.streams[path]
    spec = node.spec
    quality = getattr(spec, "quality", None) or {}
    text = ", ".join(f"{k} {v}" for k, v in quality.items() if k in ("type", "form", "grade", "origin"))
    return f"{node.enterprise} {node.resource}" + (f" ({text})" if text else "")


def flh(hours: float | None) -> str:
    """Full-load hours, or "idle" for a link built without flow."""
    return "idle" if hours is None or not math.isfinite(hours) else f"{hours:,.0f}"


def unit_of(result: circflow.Result, resource: str) -> str:
    return result.resources[resource]["unit"]


RATE_UNITS = {"MWh": "MW", "t": "t/h", "m3": "m3/h"}


# --- the document -----------------------------------------------------------------------------


def write_document(
    compare: pd.DataFrame, runs: dict[str, Run], checks: Checks, factors: dict[str, Any], varied: pd.DataFrame
) -> str:
    base = runs["base"]
    park = base.park
    out: list[str] = []
    add = out.append

    add("# The Jinan eco-industrial park, explained\n")
    add(
        "<!-- Generated by docs/make_walkthrough.py from parks/jinan_eco_park.yaml. Do not edit the numbers "
        "by hand: change the park or the catalog and run `python docs/make_walkthrough.py`. -->\n"
    )
    add(
        f"This page walks through what circflow {circflow.__version__} recommends for "
        f"`parks/jinan_eco_park.yaml`: {park.park.description.strip()}\n"
    )
    add(
        "The park is illustrative: generic plants sized from the yields in `models/factors.yaml`, placed "
        "around central Jinan, with the region's buyers as markets; the file's comments say where each figure "
        "comes from. Money is in CNY per year at 2023-2024 prices, emissions in tCO2 per year. Every number "
        "below comes from one run of `docs/make_walkthrough.py`, which solves the park with circflow and runs "
        "the [sanity checks](#sanity-checks) listed at the end. To reproduce the base plan and the scenarios:\n"
    )
    add(
        "```bash\ncircflow optimize parks/jinan_eco_park.yaml\ncircflow compare parks/jinan_eco_park.yaml "
        + " ".join(f"--scenario {n}" for n in runs if n != "base")
        + "\n```\n"
    )

    add_headline(add, base, checks)
    add_status_quo(add, base, factors, checks)
    add_markets(add, base)
    add_processes(add, base, varied)
    add_built(add, base, park.economics.currency)
    add_heat(add, base, runs)
    add_utilisation(add, base)
    add_co2(add, base, factors, checks)
    add_gross(add, base, checks)
    add_scenarios(add, runs, compare)
    add_sceptic(add, base, varied, factors)

    add("## Sanity checks\n")
    add(
        "`docs/make_walkthrough.py` asserts these on the base plan and on every scenario before it writes this "
        "page; a failure stops it with exit status 1 and nothing is written. `tests/test_examples.py` runs the "
        "script, so the checks run with the test suite.\n"
    )
    for number, entry in enumerate(checks.entries, start=1):
        add(f"{number}. **{entry['name']}** ({'passed' if entry['ok'] else 'FAILED'}): {entry['guards']}.")
        for evidence in entry["evidence"]:
            add(f"   - {evidence}")
    add("")
    add(
        "What the checks do not cover: the catalog's and the park's numbers themselves (each is sourced in "
        "`models/` and commented in the park file; `tests/test_catalog.py` checks that every catalog number "
        "has a citation), and plans outside the candidate links circflow generates.\n"
    )
    return "\n".join(out).rstrip() + "\n"


def resource_table(base: Run) -> pd.DataFrame:
    """By resource: status-quo and plan cost and emissions (kpis.by_resource) and the saving."""
    k = base.result.kpis
    plan, before = k["by_resource"], k["baseline"]["by_resource"]
    rows = {
        r: {
            "sq_cost": before[r]["total_cost"],
            "plan_cost": plan[r]["total_cost"],
            "sq_co2": before[r]["emissions"],
            "plan_co2": plan[r]["emissions"],
        }
        for r in plan
    }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame["saving"] = frame["sq_cost"] - frame["plan_cost"]
    frame["co2_saved"] = frame["sq_co2"] - frame["plan_co2"]
    return frame.sort_values("saving", ascending=False)


def add_headline(add: Callable[[str], None], base: Run, checks: Checks) -> None:
    result, sq = base.result, base.status_quo
    k, before = result.kpis, result.kpis["baseline"]
    links = result.links
    new_links = links[~links["existing"] & ~links["on_site"]]
    processes = result.processes
    new_processes = processes[processes["built"] & ~processes["existing"]]
    by_resource = resource_table(base)
    saving, co2 = k["savings"]["total_cost"], k["savings"]["emissions"]

    add("## The saving against today's practice\n")
    add(
        f"**The optimal plan saves {fm(saving)} M CNY a year against today's practice, "
        f"{share(saving, before['total_cost'])} of the status quo's {fm(before['total_cost'])} M CNY, and "
        f"{fk(co2)} ktCO2 a year, {share(co2, before['emissions'])} of its {fk(before['emissions'])} ktCO2.** "
        f"It builds {len(new_links)} new links and {len(new_processes)} new "
        f"process{'es' if len(new_processes) != 1 else ''} for {fm(k['capex'])} M CNY of capex, whose annualised "
        f"cost ({fm(k['annualized_capex'])} M CNY a year, with fixed O&M) is already inside the saving.\n"
    )
    add(
        "The **status quo** is today's practice, not landfill: today's contracts with the region's markets and the "
        "park's users (existing links), the existing processes ("
        + ", ".join(p.name for p in result.processes.itertuples() if p.existing)
        + "), and for everything else "
        "the ash yard, the cooling towers, the boiler houses and bought materials "
        "([below](#todays-practice-contracts-and-what-the-status-quo-already-uses)). It is the `kpis.baseline` "
        "of `results.json`, and the saving is `kpis.savings`.\n"
    )
    top = by_resource.head(3)
    add(
        "The three biggest contributions, by resource (`kpis.by_resource`; a process counts with the resource "
        "it takes in):\n"
    )
    accounts_sq, accounts_plan = item_accounts(base, sq), item_accounts(base, result)
    for rank, (resource, row) in enumerate(top.iterrows(), start=1):
        add(
            f"{rank}. **{resource}: {fm(row.saving)} M CNY a year** ({share(row.saving, saving)} of the saving) and "
            f"{fk(row.co2_saved)} ktCO2. " + contribution_text(base, resource, accounts_sq, accounts_plan)
        )
    add("")
    rows = []
    for resource, row in by_resource.iterrows():
        rows.append(
            [
                resource,
                fm(row.sq_cost),
                fm(row.plan_cost),
                fm(row.saving),
                share(row.saving, saving),
                fk(row.sq_co2),
                fk(row.plan_co2),
                fk(row.co2_saved),
            ]
        )
    rows.append(
        [
            "**total**",
            fm(before["total_cost"]),
            fm(k["total_cost"]),
            f"**{fm(saving)}**",
            "100%",
            fk(before["emissions"]),
            fk(k["emissions"]),
            f"**{fk(co2)}**",
        ]
    )
    add(
        table(
            [
                "resource",
                "status quo M CNY",
                "plan M CNY",
                "saving M CNY",
                "share",
                "status quo ktCO2",
                "plan ktCO2",
                "saved ktCO2",
            ],
            rows,
            "lrrrrrrr",
        )
        + "\n"
    )
    add(
        f"The rows add up to the total (check {checks.number(CHECK_BY_RESOURCE)}). The same saving by cost item, "
        "summed over resources:\n"
    )
    rows = []
    for item, label in COST_ITEMS.items():
        sign = -1.0 if item == "market_revenue" else 1.0
        rows.append([label, fm(before[item]), fm(k[item]), fm(sign * (before[item] - k[item]))])
    rows.append(["**total cost**", fm(before["total_cost"]), fm(k["total_cost"]), f"**{fm(saving)}**"])
    add(table(["M CNY per year", "status quo", "plan", "saving"], rows, "lrrr") + "\n")
    add(
        f"This saving is **not** the value of all the park's exchanges. Counted against a park without any "
        f"exchange, the plan's exchanges are worth {fm(gross_value(result))} M CNY a year, but "
        f"{fm(gross_value(sq))} M of that is earned today by today's contracts; see "
        "[the gross value of all exchanges](#gross-value-of-all-exchanges-against-doing-nothing-not-against-today), "
        "kept apart on purpose.\n"
    )


def contribution_text(base: Run, resource: str, before: pd.DataFrame, after: pd.DataFrame) -> str:
    """What drives one resource's saving: its largest items and links, from the run."""
    items = {
        item: (before.loc[resource, item] if resource in before.index else 0.0)
        - (after.loc[resource, item] if resource in after.index else 0.0)
        for item in COST_ITEMS
    }
    items["market_revenue"] = -items["market_revenue"]
    gains = sorted(((v, i) for i, v in items.items() if v > 1e5), reverse=True)
    costs = sorted((v, i) for i, v in items.items() if v < -1e5)
    text = ""
    if gains:
        text += "It comes from " + ", ".join(f"{COST_ITEMS[i].split(' (')[0]} ({fm(v)} M)" for v, i in gains[:2])
    if costs:
        text += ", against " + ", ".join(f"{COST_ITEMS[i].split(' (')[0]} ({fm(-v)} M)" for v, i in costs[:3])
    text += ". "
    links = link_accounts(base)
    links = links[(links["resource"] == resource) & ~links["on_site"]]
    sq_flows = base.status_quo.links.set_index("id")["flow_total"]
    unit = unit_of(base.result, resource)
    new = links[~links["existing"] & (links["delivered"] > 0)].sort_values("delivered", ascending=False)
    if not new.empty:
        text += (
            "Largest new links: "
            + "; ".join(
                f"{short(row.id, technology=False)} ({row.type if row.type != 'transport' else row.mode}, "
                f"{amount(row.delivered, unit)})"
                for row in new.head(3).itertuples()
            )
            + ". "
        )
    dropped = [
        (row.id, sq_flows.get(row.id, 0.0), row.flow_total)
        for row in links[links["existing"]].itertuples()
        if row.flow_total < sq_flows.get(row.id, 0.0) * (1 - 1e-6)
    ]
    if dropped:
        text += (
            "Today's "
            + "; ".join(f"{short(i)} falls from {amount(a, unit)} to {amount(b, unit)}" for i, a, b in dropped)
            + ". "
        )
    processes = base.result.processes
    built = processes[processes["built"] & ~processes["existing"] & (processes["resource"] == resource)]
    for row in built.itertuples():
        text += f"New process {row.name} ({fm(row.capex)} M CNY). "
    return text.strip()


def add_status_quo(add: Callable[[str], None], base: Run, factors: dict[str, Any], checks: Checks) -> None:
    sq, result = base.status_quo, base.result
    add("## Today's practice: contracts and what the status quo already uses\n")
    add(
        "The status quo is solved as a park of its own: existing links and processes only, no candidate, no "
        f"target (check {checks.number(CHECK_STATUS_QUO)}). Today's contracts are the park's links with "
        "`existing: true`; *reach* is what a contract can carry over the year (its capacity, what its buyer takes, "
        "what its seller has).\n"
    )
    sq_links, plan_links = sq.links.set_index("id"), result.links.set_index("id")
    rows = []
    for i, link in enumerate(base.net.links):
        if not link.existing:
            continue
        unit = unit_of(result, link.resource)
        capacity = f"{link.capacity_limit:,.0f} {RATE_UNITS[unit]}" if link.capacity_limit is not None else ""
        kind = "on site" if link.on_site else link.mode
        today = sq_links.loc[link.id] if link.id in sq_links.index else None
        plan = plan_links.loc[link.id] if link.id in plan_links.index else None
        revenue = today["market_revenue"] if today is not None else 0.0
        rows.append(
            [
                short(link.id),
                link.resource,
                kind,
                f"{link.length_km:.1f}",
                capacity,
                "" if link.on_site else amount(float(contract_reach(base, i).sum()), unit),
                amount(today["flow_total"] if today is not None else 0.0, unit),
                fm(revenue) if revenue else "",
                amount(plan["flow_total"] if plan is not None else 0.0, unit),
            ]
        )
    add(
        table(
            [
                "contract",
                "resource",
                "mode",
                "km",
                "capacity",
                "reach per year",
                "status quo per year",
                "market revenue M CNY",
                "plan per year",
            ],
            rows,
            "lllrrrrrr",
        )
        + "\n"
    )
    specs = {process.path: process.spec for process in base.net.processes}
    for process in sq.processes.itertuples():
        if process.existing:
            unit = unit_of(sq, process.resource)
            limit = specs[process.id].capacity
            add(
                f"The existing process **{process.name}** ({process.id}) treats {amount(process.input_total, unit)} "
                f"a year in the status quo, at up to {process.capacity:,.0f} {RATE_UNITS[unit]}"
                + (f" of its {limit:,.0f}" if limit is not None else "")
                + f", for {fm(process.annual_cost)} M CNY a year of opex"
                + (
                    ": what its customers take today limits it, not its size.\n"
                    if limit is not None and process.input_total < limit * sum(sq.period_hours.values()) * (1 - 1e-6)
                    else ".\n"
                )
            )
    rates = status_quo_rates(base, factors)
    add(
        f"What the status quo already uses, against the published utilisation rates the park file names "
        f"(check {checks.number(CHECK_CONTRACTS)} holds each by-product within {RATE_TOL:.0%} of its rate):\n"
    )
    rows = []
    for row in rates.itertuples():
        what = {
            "utilization_fly_ash_china": "fly ash",
            "utilization_byproduct_gypsum_china": "FGD gypsum",
            "utilization_blast_furnace_slag_china": "granulated blast-furnace slag",
            "utilization_steel_slag_china": "steel slag",
            ALL_SOLIDS_RATE: "all solid by-products",
        }.get(row.factor, row.factor)
        rows.append(
            [
                what,
                amount(row.supplied, "t"),
                amount(row.used, "t"),
                f"{row.share:.1%}",
                f"`{row.factor}` {row.published:.0%}" + (" (at least)" if row.factor == ALL_SOLIDS_RATE else ""),
                f"{row.source} ({row.year})",
            ]
        )
    add(
        table(["by-product", "supplied", "used today", "share today", "published rate", "source"], rows, "lrrrll")
        + "\n"
    )
    utilisation = sq.kpis["utilization"]
    add(
        "Status-quo utilisation by resource (`kpis.baseline.utilization`): "
        + ", ".join(f"{r} {v:.1%}" for r, v in utilisation.items())
        + ". The heat share is zero: no waste heat is used today, the boiler houses make all of it.\n"
    )


def add_markets(add: Callable[[str], None], base: Run) -> None:
    sq, result = base.status_quo, base.result
    add("## Markets: revenue today and in the plan\n")
    add(
        "The region's buyers (SPEC 8.1) pay a price per unit delivered and take up to their limit; the haulage "
        "is the link's own cost. Market revenue counts against total cost (`kpis.market_revenue`).\n"
    )
    sold = {}
    for label, res in (("sq", sq), ("plan", result)):
        links = res.links
        for row in links[links["market_revenue"] != 0].itertuples():
            entry = sold.setdefault(row.to_stream, {"sq": [0.0, 0.0], "plan": [0.0, 0.0]})
            entry[label][0] += row.delivered_total
            entry[label][1] += row.market_revenue
    rows = []
    for node in base.net.demands:
        if node.role != "market":
            continue
        spec = node.spec
        requires = requirement(spec.requires or {})
        entry = sold.get(node.path, {"sq": [0.0, 0.0], "plan": [0.0, 0.0]})
        limit = node.amounts.sum()
        unit = unit_of(result, node.resource)
        rows.append(
            [
                node.path,
                node.resource,
                requires,
                f"{node.sale_price:g}",
                amount(limit, unit) if math.isfinite(limit) else "no limit",
                amount(entry["sq"][0], unit),
                fm(entry["sq"][1]),
                amount(entry["plan"][0], unit),
                fm(entry["plan"][1]),
            ]
        )
    rows.append(["**total**", "", "", "", "", "", fm(sq.kpis["market_revenue"]), "", fm(result.kpis["market_revenue"])])
    add(
        table(
            [
                "market buy",
                "resource",
                "requires",
                f"price {result.currency}/unit",
                "limit",
                "sold today",
                "revenue today M CNY",
                "sold in plan",
                "revenue in plan M CNY",
            ],
            rows,
            "lllrrrrrr",
        )
        + "\n"
    )
    drop = sq.kpis["market_revenue"] - result.kpis["market_revenue"]
    if drop > 0:
        add(
            f"The plan earns {fm(drop)} M CNY a year less from markets than today: by-products that are sold "
            "today go to park users instead, where they are worth more after haulage (see "
            "[what is built](#what-is-built-and-why)). Market revenue lost is a cost of the plan, inside the saving.\n"
        )


def add_processes(add: Callable[[str], None], base: Run, varied: pd.DataFrame) -> None:
    sq, result = base.status_quo, base.result
    add("## Processes\n")
    add(
        "Conversion inside an enterprise (SPEC 8.2): existing ones run in the status quo, candidates are built only "
        "if they pay. Capacity is input per hour; capex is once, annual cost includes annualised capex, opex and "
        "electricity.\n"
    )
    today = sq.processes.set_index("id")
    rows = []
    for row in result.processes.itertuples():
        unit = unit_of(result, row.resource)
        outputs = "; ".join(
            f"{amount(sum(o['amount'].values()), unit_of(result, o['resource']))} "
            f"{o['resource']} ({stream_name(base, o['stream']).split('(')[-1].rstrip(')')})"
            for o in row.outputs
        )
        rows.append(
            [
                row.id,
                row.name,
                "existing" if row.existing else "candidate",
                "yes" if row.id in today.index and today.loc[row.id, "built"] else "no",
                "yes" if row.built else "no",
                f"{row.capacity:,.1f} {RATE_UNITS[unit]}" if row.built else "",
                amount(row.input_total, unit) if row.built else "",
                outputs if row.built else "",
                fm(row.capex),
                fm(row.annual_cost),
            ]
        )
    add(
        table(
            [
                "process",
                "name",
                "kind",
                "runs today",
                "in the plan",
                "capacity",
                "input per year",
                "outputs per year",
                "capex M CNY",
                "annual cost M CNY",
            ],
            rows,
            "llllllrlrr",
        )
        + "\n"
    )
    links = link_accounts(base)
    for row in result.processes.itertuples():
        if not row.built or row.existing or row.input_total <= 0:
            continue
        unit = unit_of(result, row.resource)
        feeding = links[links["to_stream"] == f"{row.id}.input"]
        leaving = links[links["from_stream"].str.startswith(f"{row.id}.outputs")]
        running = feeding["annual_cost"].sum()  # the process's opex and electricity ride on its input links
        text = (
            f"**{row.name}** takes {amount(row.input_total, unit)} a year and costs "
            f"{(row.annualized_capex + running) / row.input_total:,.0f} {result.currency} per {unit} of input "
            f"({row.annualized_capex / row.input_total:,.0f} annualised capex, {running / row.input_total:,.0f} "
            "opex and electricity). "
        )
        if not leaving.empty:
            text += (
                "Its output goes to "
                + "; ".join(
                    f"{row2.to} ({amount(row2.delivered, unit_of(result, row2.resource))}, replacing supply worth "
                    f"{row2.replaced_cost + row2.sale_price:,.0f} {result.currency}/{unit_of(result, row2.resource)})"
                    for row2 in leaving.itertuples()
                )
                + "."
            )
        add(text + "\n")
    idle = result.processes[~result.processes["built"]]
    if not idle.empty:
        for row in idle.itertuples():
            text = (
                f"Not built: **{row.name}** ({row.id}). The optimum leaves it out: what its output would still "
                "save its users does not cover its capex, its running cost and the pipes or trucks it needs."
            )
            enters = [
                f"`{v.estimate.name}` at {number(getattr(v.estimate, end))}"
                for v in varied.itertuples()
                for end in ("low", "high")
                if f"process {row.id}" in getattr(v, f"{end}_added")
            ]
            if enters:
                text += (
                    " It enters the plan with "
                    + " or ".join(enters)
                    + " ([the sceptic's list](#what-a-sceptical-engineer-should-check))."
                )
            add(text + "\n")


def add_built(add: Callable[[str], None], base: Run, cur: str) -> None:
    result, sq = base.result, base.status_quo
    links = link_accounts(base)
    sq_flows = sq.links.set_index("id")["flow_total"]
    add("## What is built, and why\n")
    add(
        "Every link of the plan, and today's contracts, with what each carries today and in the plan (drawn from "
        "the supply, per year). *Capacity* is a contract's for today's contracts, the size the plan needs for new "
        "links. *Capex* is for new links only (existing ones are sunk). On-site links join a process to its own "
        "enterprise at no cost.\n"
    )
    rows = []
    contract = {link.id: link.capacity_limit for link in base.net.links if link.existing}
    order = links.sort_values(
        ["resource", "existing", "to_role", "from", "to"], ascending=[True, False, True, True, True]
    )
    for link in order.itertuples():
        unit = unit_of(result, link.resource)
        if link.on_site and link.flow_total <= 0 and sq_flows.get(link.id, 0.0) <= 0:
            continue  # a candidate process's on-site link, process not built
        kind = "today's contract" if link.existing else ("on site" if link.on_site else "new")
        size = contract[link.id] if link.existing and contract.get(link.id) is not None else link.capacity
        rows.append(
            [
                short(link.id),
                link.resource,
                kind,
                f"{link.mode}, {link.type}",
                f"{link.length_km:.1f}",
                f"{size:,.1f} {RATE_UNITS[unit]}",
                amount(sq_flows.get(link.id, 0.0), unit),
                amount(link.flow_total, unit),
                fm(link.capex) if not link.existing else "",
            ]
        )
    add(
        table(
            ["link", "resource", "kind", "mode, technology", "km", "capacity", "today", "plan", "capex M CNY"],
            rows,
            "lllllrrrr",
        )
        + "\n"
    )
    add(
        "Why each by-product goes where it goes: per unit delivered, what the destination pays (a market's price) "
        "or saves (a park user's `baseline`: what it buys or makes today), plus the disposal the unit spares at "
        "its source (the same wherever it goes), against the link's own cost (annualised capex, haulage, "
        "pumping). A unit goes where the net is largest until that destination is full; a negative net is "
        "built only for a target. The grinding station's input is in [Processes](#processes).\n"
    )
    rows = []
    for link in (
        links[~links["on_site"] & (links["delivered"] > 0)].sort_values(["resource", "from_stream", "to"]).itertuples()
    ):
        if link.resource == "heat":
            continue
        unit = unit_of(result, link.resource)
        if link.to_role == "input":
            worth, what = math.nan, "process input"
        elif link.to_role == "market":
            worth, what = link.sale_price, "market price"
        else:
            worth, what = link.replaced_cost, "baseline saved"
        if math.isnan(worth):
            continue
        spared = link.disposal_cost * link.flow_total / link.delivered
        net = worth + spared - link.cost_per_unit
        rows.append(
            [
                stream_name(base, link.from_stream),
                link.to,
                what,
                f"{worth:,.2f}",
                f"{spared:,.2f}",
                f"{link.cost_per_unit:,.2f}",
                f"{net:,.2f}",
                amount(link.delivered, unit),
            ]
        )
    add(
        table(
            [
                "from",
                "to",
                "destination",
                f"worth {cur}/unit",
                f"disposal spared {cur}/unit",
                f"link cost {cur}/unit",
                f"net {cur}/unit",
                "delivered per year",
            ],
            rows,
            "lllrrrrr",
        )
        + "\n"
    )
    idle = links[links["existing"] & (links["flow_total"] <= 0)]
    smaller = [
        (row.id, sq_flows.get(row.id, 0.0), row.flow_total, row.resource)
        for row in links[links["existing"]].itertuples()
        if 0 < row.flow_total < sq_flows.get(row.id, 0.0) * (1 - 1e-6)
    ]
    if not idle.empty or smaller:
        text = "Today's contracts the plan gives up or shrinks: "
        text += "; ".join(
            [
                f"{short(row.id)} (today {amount(sq_flows.get(row.id, 0.0), unit_of(result, row.resource))}, "
                "plan nothing)"
                for row in idle.itertuples()
            ]
            + [
                f"{short(i)} (today {amount(a, unit_of(result, r))}, plan {amount(b, unit_of(result, r))})"
                for i, a, b, r in smaller
            ]
        )
        text += (
            ". Those tonnes are worth more to a park user than to today's buyer after haulage; ending or "
            "renegotiating a contract is a commercial step the model does not price."
        )
        add(text + "\n")
    parallel = []
    existing_pairs = {
        (row["from_stream"], row["to_stream"]): row["mode"] for _, row in links[links["existing"]].iterrows()
    }
    for link in links[~links["existing"] & ~links["on_site"]].itertuples():
        mode = existing_pairs.get((link.from_stream, link.to_stream))
        if mode is not None and mode != link.mode:
            parallel.append(f"{short(link.id)} by {link.mode} beside today's {mode} contract ({fm(link.capex)} M CNY)")
    if parallel:
        add(
            "New links beside today's contracts on the same route: " + "; ".join(parallel) + ". An existing "
            "contract's capacity is fixed and circflow offers one candidate per route and mode, so more volume on "
            "that route needs another mode; in practice the contract would simply be enlarged.\n"
        )


def add_heat(add: Callable[[str], None], base: Run, runs: dict[str, Run]) -> None:
    park = base.park
    links = link_accounts(base)
    heat = links[links["resource"] == "heat"].sort_values(["to", "type", "from"])
    add("### Heat links: technology, temperatures, COP and full-load hours\n")
    add(
        "Temperatures in degC: the source's inlet Ti and outlet To (how far it may be cooled), the network's "
        "supply Ts and return Tr (SPEC 8.3). *Capacity* is the heat drawn from the source per hour (MW); "
        "*full-load hours* = heat drawn over the year / capacity. Absorption units burn driving steam (extraction "
        "steam valued at the power the turbine no longer makes); electric heat pumps burn power.\n"
    )
    rows = []
    for link in heat.itertuples():
        driver = (
            f"{amount(link.drive_mwh, 'MWh')} steam"
            if link.drive_mwh > 0
            else (f"{amount(link.electricity_mwh, 'MWh')} power" if link.type == "heat_pump" else "")
        )
        rows.append(
            [
                short(link.id),
                link.type,
                f"{link.t_in:g} / {link.t_out:g}",
                f"{link.t_supply:g} / {link.t_return:g}",
                "" if math.isnan(link.cop) else f"{link.cop:.2f}",
                f"{link.length_km:.1f}",
                f"{link.capacity:,.1f}",
                flh(link.full_load_hours),
                amount(link.delivered, "MWh"),
                driver,
                fm(link.capex),
            ]
        )
    add(
        table(
            [
                "link",
                "technology",
                "source Ti / To",
                "network Ts / Tr",
                "COP",
                "km",
                "capacity MW",
                "full-load hours",
                "delivered per year",
                "driven by",
                "capex M CNY",
            ],
            rows,
            "lllllrrrrrr",
        )
        + "\n"
    )
    others = []
    for name, run in runs.items():
        if name == "base":
            continue
        for link in link_accounts(run).itertuples():
            if link.resource == "heat" and link.id not in set(heat["id"]):
                others.append(
                    [
                        f"`{name}`",
                        short(link.id),
                        link.type,
                        f"{link.t_in:g} / {link.t_out:g}",
                        f"{link.t_supply:g} / {link.t_return:g}",
                        "" if math.isnan(link.cop) else f"{link.cop:.2f}",
                        f"{link.capacity:,.1f}",
                        flh(link.full_load_hours),
                        amount(link.delivered, "MWh"),
                    ]
                )
    if others:
        add("Heat links that only a scenario builds:\n")
        add(
            table(
                [
                    "scenario",
                    "link",
                    "technology",
                    "source Ti / To",
                    "network Ts / Tr",
                    "COP",
                    "capacity MW",
                    "full-load hours",
                    "delivered per year",
                ],
                others,
                "lllllrrrr",
            )
            + "\n"
        )
    pump, absorber = park.technologies.heat_pump, park.technologies.absorption_heat_pump
    candidates = heat_pump_candidates(base)
    add("### Heat pumps: which waste heat is worth lifting\n")
    add(
        f"Where a source is too cold to feed a network directly, an electric heat pump (`models/technologies.yaml`: "
        f"Carnot efficiency {pump.carnot_efficiency:g} with the COP at the source **outlet**, approach "
        f"{pump.approach_k:g} K, COP at most {pump.cop_max:g}, lift at most {pump.max_lift_k:g} K, "
        f"{pump.capex_per_mw / 1e6:g} M CNY per MW) or, where driving steam is at hand (`absorption: true`), an "
        f"absorption heat pump (COP {absorber.cop:g}, steam at {absorber.drive_cost_per_mwh:g} CNY/MWh, "
        f"{absorber.capex_per_mw / 1e6:g} M CNY per MW) may lift it. The table prices one MWh delivered by every "
        "candidate **before** its pipe: power or steam (price / COP) and O&M, plus the unit's annualised capex "
        "spread over the network's full-load hours (annual load / peak slice), against the heat it displaces and "
        "the cooling it spares the source. A negative margin can never pay; a positive one pays only if it also "
        "covers the pipe, and only while the network still needs heat that cheaper links do not bring.\n"
    )
    rows = []
    for row in candidates.itertuples():
        rows.append(
            [
                short(row.id),
                row.type,
                f"{row.t_out:g} -> {row.t_supply:g}",
                f"{row.cop:.2f}",
                f"{row.length_km:.1f}",
                f"{row.energy:,.0f}",
                f"{row.capex:,.0f}",
                f"{row.value:,.0f}",
                f"{row.margin:+,.0f}",
                "yes" if row.built else "no",
            ]
        )
    add(
        table(
            [
                "source > network",
                "technology",
                "To -> Ts degC",
                "COP",
                "km",
                "energy + O&M",
                "unit capex",
                "value",
                "margin",
                "built",
            ],
            rows,
            "llrrrrrrrl",
        )
        + "\n"
    )
    add("(CNY per MWh delivered.) " + heat_candidate_text(base, candidates) + "\n")
    add_slices(add, base)


def heat_candidate_text(base: Run, candidates: pd.DataFrame) -> str:
    built = candidates[candidates["built"]]
    paying = candidates[(candidates["margin"] >= 0) & ~candidates["built"]]
    never = candidates[candidates["margin"] < 0]
    text = ""
    if not built.empty:
        text += (
            "Built: "
            + "; ".join(f"{short(row.id)} ({row.type}, COP {row.cop:.2f})" for row in built.itertuples())
            + ". "
        )
    else:
        text += "No heat-pump candidate is built. "
    if not never.empty:
        text += (
            f"{len(never)} candidates can never pay: their energy and capex alone exceed the heat they displace ("
            + ", ".join(f"{short(row.id)} {row.margin:+,.0f}" for row in never.head(4).itertuples())
            + (", ..." if len(never) > 4 else "")
            + "). "
        )
    bal = base.result.balances
    demand = (
        bal[(bal["role"] == "demand") & (bal["resource"] == "heat")].groupby("enterprise")[["amount", "linked"]].sum()
    )
    for network, part in paying.groupby("to"):
        covered = demand.loc[network, "linked"] / demand.loc[network, "amount"]
        names = ", ".join(f"{short(row.id)} ({row.margin:+,.0f})" for row in part.itertuples())
        text += (
            f"{network} takes {covered:.0%} of its heat from links already; for {names} the margin does not "
            "cover the pipe and the peak-sized unit once cheaper preheat and direct heat are taken. "
        )
    return text.strip()


def add_slices(add: Callable[[str], None], base: Run) -> None:
    result = base.result
    series = result.time_series or {}
    hours = result.period_hours
    add("### Heat demand per time slice, peak included\n")
    if series:
        columns = series.get("columns", {})
        errors = "; ".join(
            f"`{name}`: peak {c['peak']:.3f} kept as {c['peak_kept']:.3f}, relative RMSE of the "
            f"slices against the hours {c['relative_rmse']:.1%}"
            for name, c in columns.items()
        )
        file_name = pathlib.Path(series["file"])
        shown_file = (
            file_name.relative_to(REPO) if file_name.is_absolute() and file_name.is_relative_to(REPO) else file_name
        )
        add(
            f"The city's load follows an hourly profile (`{shown_file}`, a degree-hour model of Jinan's "
            f"climate; its header gives the method and sources). circflow cuts each season into time slices "
            f"({series['method']}; SPEC 8.4) and keeps the peak hour as a slice of its own, so capacity is sized "
            f"for the peak and the boilers cover what the links do not. {len(result.periods)} periods: "
            + ", ".join(f"{name} {hours[name]:,.0f} h" for name in result.periods)
            + f". {errors}.\n"
        )
    bal = result.balances
    demands = bal[(bal["role"] == "demand") & (bal["resource"] == "heat")]
    links = result.links
    flows = result.flows.join(links.set_index("id")[["to_stream", "type"]], on="link")
    for path, part in demands.groupby("path", sort=False):
        node = base.streams[path]
        spec = node.spec
        add(
            f"**{node.enterprise}** ({spec.temperature:g}/{spec.return_temperature if spec.return_temperature is not None else spec.temperature:g} "
            f"degC, boilers at {node.price_cost:g} CNY/MWh and {node.price_emissions:g} tCO2/MWh):\n"
        )
        rows = []
        mine = flows[flows["to_stream"] == path]
        for row in part.itertuples():
            if row.amount <= 0:
                continue
            h = hours[row.period]
            by_type = mine[mine["period"] == row.period].groupby("type")["delivered"].sum()
            mix = ", ".join(f"{t} {v / h:,.0f}" for t, v in by_type.items() if v > 1e-6)
            label = f"**{row.period}**" if row.period.endswith("peak") else row.period
            rows.append(
                [
                    label,
                    f"{h:,.0f}",
                    f"{row.amount / h:,.1f}",
                    f"{row.linked / h:,.1f}",
                    mix,
                    f"{row.rest / h:,.1f}",
                    f"{row.linked / row.amount:.0%}",
                ]
            )
        total = part[part["amount"] > 0]
        rows.append(
            [
                "**season**",
                f"{sum(hours[p] for p in total['period']):,.0f}",
                "",
                "",
                "",
                "",
                f"{total['linked'].sum() / total['amount'].sum():.0%}",
            ]
        )
        add(
            table(
                ["slice", "hours", "load MW", "from links MW", "by technology MW", "boilers MW", "covered"],
                rows,
                "lrrrlrr",
            )
            + "\n"
        )
    peak = [p for p in result.periods if p.endswith("peak")]
    season_hours = sum(hours[p] for p in set(demands.loc[demands["amount"] > 0, "period"]))
    if peak:
        part = demands[demands["period"] == peak[0]]
        load, rest = part["amount"].sum(), part["rest"].sum()
        add(
            f"In the peak hour ({peak[0]}) the heat networks need {load:,.0f} MW; the links bring "
            f"{load - rest:,.0f} MW and the boilers stay for {rest:,.0f} MW. Links are sized by the slice in which "
            "they carry most: a source whose band or size limits it carries the same MW in every cold slice, so "
            f"its full-load hours stay below the season's {season_hours:,.0f}.\n"
        )


def add_utilisation(add: Callable[[str], None], base: Run) -> None:
    result, park = base.result, base.park
    k, before = result.kpis, result.kpis["baseline"]
    used = use_accounts(base, result)
    add("## Utilisation per resource\n")
    add(
        "Share of each resource's supply that links take over the year (SPEC 3.8; a process output is not new "
        "supply, and what flows into a process or to a market counts as used), today against the plan and the "
        "park's targets, which follow the plan's call for comprehensive use of fly ash, slag and by-product "
        "gypsum.\n"
    )
    rows = []
    for resource in used.index:
        unit = unit_of(result, resource)
        target = park.targets.utilization.get(resource)
        share_now, share_then = k["utilization"].get(resource, 0.0), before["utilization"].get(resource, 0.0)
        rows.append(
            [
                resource,
                amount(used.loc[resource, "supplied"], unit),
                amount(used.loc[resource, "used"], unit),
                f"{share_then:.1%}",
                f"{share_now:.1%}",
                f"{target:.0%}" if target is not None else "",
                ("met" if share_now >= target - 1e-6 else "**missed**") if target is not None else "",
            ]
        )
    add(table(["resource", "supplied", "used in plan", "status quo", "plan", "target", ""], rows, "lrrrrrl") + "\n")
    bal = result.balances
    left = bal[(bal["role"] == "supply") & own_supply(base, bal["path"])]
    left = left.groupby("path", sort=False)[["rest", "amount"]].sum()
    parts = []
    for path, row in left.iterrows():
        resource = base.streams[path].resource
        if resource == "heat" or row["rest"] < 1:
            continue
        parts.append(
            f"{amount(row['rest'], unit_of(result, resource))} of {stream_name(base, path)} "
            f"({row['rest'] / row['amount']:.0%} of it)"
        )
    heat = bal[bal["resource"] == "heat"]
    offered, wanted = heat[heat["role"] == "supply"]["amount"].sum(), heat[heat["role"] == "demand"]["amount"].sum()
    text = ("Left unused in the plan: " + "; ".join(parts) + ". ") if parts else ""
    text += (
        f"The park offers {amount(offered, 'MWh')} of waste heat a year against {amount(wanted, 'MWh')} of "
        "heat demand, so most of it stays in the cooling towers whatever is built."
    )
    add(text + "\n")


def add_co2(add: Callable[[str], None], base: Run, factors: dict[str, Any], checks: Checks) -> None:
    result, sq = base.result, base.status_quo
    accounts, sq_accounts = item_accounts(base, result), item_accounts(base, sq)
    used, sq_used = use_accounts(base, result), use_accounts(base, sq)
    add("## CO2 avoided, per tonne and per MWh\n")
    add(
        f"Emissions by resource, status quo against the plan: each link's own emissions plus, for every stream, "
        f"what is not linked times its disposal or baseline factor (these rebuild the total, check "
        f"{checks.number(CHECK_ACCOUNTS)}). The emissions avoided divided by the extra quantity used is the CO2 "
        "avoided per unit of extra use.\n"
    )
    rows = []
    for resource in accounts.index:
        unit = unit_of(result, resource)
        extra = used.loc[resource, "used"] - sq_used.loc[resource, "used"]
        avoided = sq_accounts.loc[resource, "emissions"] - accounts.loc[resource, "emissions"]
        rows.append(
            [
                resource,
                fk(sq_accounts.loc[resource, "emissions"]),
                fk(accounts.loc[resource, "emissions"]),
                fk(avoided),
                amount(extra, unit),
                f"{avoided / extra:.3g} tCO2/{unit}" if extra > 1 else "",
            ]
        )
    add(
        table(
            ["resource", "status quo ktCO2", "plan ktCO2", "avoided ktCO2", "extra used", "avoided per unit"],
            rows,
            "lrrrrr",
        )
        + "\n"
    )
    links = link_accounts(base)
    links = links[~links["on_site"] & (links["delivered"] > 0)]
    add(
        "By destination, against the catalog's reference factors (`models/factors.yaml`). A link's CO2 avoided per "
        "unit delivered is the displaced supply's factor (the user's `baseline`) plus the disposal it spares, "
        "minus the link's own emissions (trucking, pumping, power or steam of a heat pump, a process's "
        "emissions on the links that feed it):\n"
    )
    rows = []
    for (resource, sector, role, replaced), part in links.groupby(
        ["resource", "sector_to", "to_role", "replaced_emissions"]
    ):
        unit = unit_of(result, resource)
        name = factor_name(factors, replaced, f"tCO2/{unit}")
        if role == "market":
            shown = "none (a market)"
        elif role == "input":
            shown = "none (a process input)"
        else:
            shown = f"`{name}` {replaced:g}" if name else f"{replaced:g} (bought on the market, delivered)"
        pooled = part["co2_avoided"].sum() / part["delivered"].sum()
        rows.append([resource, sector, amount(part["delivered"].sum(), unit), shown, f"{pooled:.3g}", f"tCO2/{unit}"])
    add(
        table(
            ["resource", "to sector", "delivered", "displaced (catalog factor)", "avoided per unit", "unit"],
            rows,
            "llrlrl",
        )
        + "\n"
    )
    clinker, cement = factors["clinker_emissions"]["value"], factors["cement_emissions"]["value"]
    coal, gas = factors["coal_boiler_heat_emissions"]["value"], factors["gas_boiler_heat_emissions"]["value"]
    today = sq.kpis["utilization"]
    saved = resource_table(base)["co2_saved"]
    add(
        f"A tonne of fly ash or slag that replaces clinker ({clinker:g} tCO2/t, `clinker_emissions`) or cement "
        f"({cement:g}, `cement_emissions`) avoids that much. Today's contracts already use "
        f"{today.get('fly_ash', 0.0):.0%} of the fly ash and {today.get('slag', 0.0):.0%} of the slag, so the "
        "status quo has most of that CO2 saving already; the users that take more in the plan mostly buy the "
        "same by-product on the market today (a baseline of a few kg of haulage, or the grinding emissions of "
        "bought S95), and moving a tonne between buyers avoids little CO2. "
        f"Heat is {saved.get('heat', 0.0) / saved.sum():.0%} of the CO2 the plan saves: waste heat fed directly "
        f"or as preheat avoids what the boiler it replaces emits ({coal:g} tCO2/MWh coal, "
        f"`coal_boiler_heat_emissions`; {gas:g} gas, `gas_boiler_heat_emissions`); a heat pump avoids that minus "
        "its power (grid factor / COP) or its steam (the lost power's emissions / COP) (checks "
        f"{checks.number(CHECK_TONNE)} and {checks.number(CHECK_MWH)}).\n"
    )


def add_gross(add: Callable[[str], None], base: Run, checks: Checks) -> None:
    result, sq = base.result, base.status_quo
    plan_gross, today_gross = gross_value(result), gross_value(sq)
    nothing = result.kpis["total_cost"] + plan_gross
    add("## Gross value of all exchanges (against doing nothing, not against today)\n")
    add(
        "`results.json` gives every link an `avoided` (what it saves where it starts and ends: the disposal at "
        "the source, the conventional supply or the market price at the destination) and a `net_saving` "
        "(`avoided` less the link's own annual cost). Both count against a park **without any exchange**: "
        "every by-product in the ash yard, every user buying or boiling what it needs, not even today's "
        "contracts. They are the gross value of the exchanges, **not the saving of the plan**: today's "
        "contracts earn much of it already.\n"
    )
    add(
        f"A park without any exchange would cost {fm(nothing)} M CNY a year. Against it, the plan's exchanges are "
        f"worth {fm(plan_gross)} M CNY a year (the links' `net_saving`, less "
        f"{fm(result.links['net_saving'].sum() - plan_gross)} M of new processes' annualised capex that no link "
        f"carries) and today's contracts {fm(today_gross)} M. The "
        f"difference, {fm(plan_gross - today_gross)} M CNY a year, is the saving against today "
        f"(check {checks.number(CHECK_GROSS)}).\n"
    )
    rows = []
    plan_links, sq_links = result.links, sq.links
    for resource in sorted(set(plan_links["resource"]) | set(sq_links["resource"])):
        gp, gs = gross_value(result, resource), gross_value(sq, resource)
        rows.append([resource, fm(gs), fm(gp), fm(gp - gs)])
    rows.append(["**total**", fm(today_gross), fm(plan_gross), f"**{fm(plan_gross - today_gross)}**"])
    add(
        table(
            ["resource", "today's exchanges M CNY", "plan's exchanges M CNY", "difference = saving M CNY"], rows, "lrrr"
        )
        + "\n"
    )
    add("Each link of the plan against doing nothing (sorted by `net_saving`; M CNY per year):\n")
    rows = []
    for link in result.links.sort_values("net_saving", ascending=False).itertuples():
        rows.append(
            [
                short(link.id),
                "today's" if link.existing else ("on site" if link.on_site else "new"),
                fm(link.avoided),
                fm(link.annual_cost),
                fm(link.net_saving),
            ]
        )
    rows.append(
        [
            "**sum**",
            "",
            fm(result.links["avoided"].sum()),
            fm(result.links["annual_cost"].sum()),
            fm(result.links["net_saving"].sum()),
        ]
    )
    add(table(["link", "kind", "avoided", "annual cost", "net saving"], rows, "llrrr") + "\n")
    add(
        'Read a row as "this exchange is worth so much compared with not having it and nothing else changing". '
        "Links into a process carry its opex and electricity and show a negative net saving; the value appears "
        "on the links that take its output.\n"
    )


def add_scenarios(add: Callable[[str], None], runs: dict[str, Run], compare: pd.DataFrame) -> None:
    base = runs["base"]
    park = base.park
    add("## What the scenarios change\n")
    add(
        "`circflow compare parks/jinan_eco_park.yaml "
        + " ".join(f"--scenario {n}" for n in runs if n != "base")
        + "` solves each scenario on its own (`circflow.comparison.compare_park`), each against its own status quo"
        + (
            " (the same today's practice for all: "
            f"{fm(base.status_quo.kpis['total_cost'])} M CNY and {fk(base.status_quo.kpis['emissions'])} ktCO2 a year)"
            if all(close(r.status_quo.kpis["total_cost"], base.status_quo.kpis["total_cost"]) for r in runs.values())
            else ""
        )
        + ". Costs in M CNY per year, emissions in ktCO2 per year; the "
        "*abatement cost* is the extra total cost per tCO2 avoided against the base plan.\n"
    )
    rows = []
    first = compare.iloc[0]
    for row in compare.itertuples():
        d_cost, d_em = row.total_cost - first.total_cost, first.emissions - row.emissions
        abatement = f"{d_cost / d_em:,.1f}" if row.scenario != "base" and d_em > 1 else ""
        rows.append(
            [
                f"`{row.scenario}`" if row.scenario != "base" else "base",
                fm(row.total_cost),
                fk(row.emissions),
                fm(row.capex),
                fm(row.savings_cost),
                fk(row.savings_emissions),
                row.links_built,
                abatement,
            ]
        )
    add(
        table(
            [
                "scenario",
                "total cost",
                "emissions",
                "capex (once)",
                "saving vs status quo",
                "CO2 saved vs status quo",
                "links",
                "abatement CNY/tCO2",
            ],
            rows,
            "lrrrrrrr",
        )
        + "\n"
    )
    base_links = base.result.links.set_index("id")
    for row in compare.itertuples():
        if row.scenario == "base":
            continue
        run = runs[row.scenario]
        added = [short(x) for x in str(row.links_added or "").split()]
        removed = [short(x) for x in str(row.links_removed or "").split()]
        d_cost, d_em = row.total_cost - first.total_cost, row.emissions - first.emissions
        text = (
            f"- **`{row.scenario}`** sets `{_inline(park.scenarios[row.scenario])}`: total cost "
            f"{d_cost / 1e6:+,.1f} M CNY/yr, emissions {d_em / 1e3:+,.1f} ktCO2/yr, capex "
            f"{(row.capex - first.capex) / 1e6:+,.1f} M CNY against the base plan. "
        )
        text += ("Adds " + ", ".join(added) + ". ") if added else "Adds no link. "
        text += ("Drops " + ", ".join(removed) + ". ") if removed else "Drops no link. "
        resized = []
        for link in run.result.links.itertuples():
            if link.id in base_links.index and not link.existing:
                old = base_links.loc[link.id, "capacity"]
                if abs(link.capacity - old) > 1e-3 * max(old, 1.0):
                    resized.append(f"{short(link.id)} {old:,.1f} -> {link.capacity:,.1f} {RATE_UNITS[link.unit]}")
        if resized:
            text += "Resizes " + ", ".join(resized) + ". "
        idle = run.result.links[run.result.links["forced"] & (run.result.links["flow_total"] <= 0)]
        for link in idle.itertuples():
            text += (
                f"The forced {short(link.id)} ({link.type}, COP {link.cop:.2f}) is built for {fm(link.capex)} M "
                "CNY but carries nothing: forcing a link builds it, and sizing and running it would cost more than the "
                "heat it would replace. "
            )
        add(text.rstrip())
    add("")
    base_co2 = resource_table(base)["plan_co2"]
    top = base_co2.idxmax()
    text = (
        f"Of the base plan's {fk(base_co2.sum())} ktCO2 a year, {fk(base_co2[top])} "
        f"({base_co2[top] / base_co2.sum():.0%}) come with {top}"
    )
    bal, links = base.result.balances, base.result.links
    part = bal[(bal["resource"] == top) & bal["role"].isin(["supply", "demand"])]
    conventional = sum(
        row.rest * base.streams[row.path].price_emissions for row in part.itertuples() if row.role == "demand"
    )
    disposal = sum(
        row.rest * base.streams[row.path].price_emissions for row in part.itertuples() if row.role == "supply"
    )
    own = links.loc[links["resource"] == top, "emissions"].sum()
    text += (
        f": {fk(conventional)} from its conventional supply (for heat, the boilers that stay), {fk(disposal)} "
        f"from disposal (for heat, cooling towers) and {fk(own)} from the links themselves (steam, power, "
        "haulage, processes)."
    )
    add(text + "\n")


def add_sceptic(add: Callable[[str], None], base: Run, varied: pd.DataFrame, factors: dict[str, Any]) -> None:
    saving = base.result.kpis["savings"]["total_cost"]
    add("## What a sceptical engineer should check\n")
    add(
        f"The catalog marks its estimates *(verify)*: typical values still waiting for a citable source. These "
        f"are the ones the park uses, each solved at both ends of its range with everything else unchanged "
        f"(the saving against today's practice, base {fm(saving)} M CNY a year; largest swing first):\n"
    )
    rows = []
    for row in varied.itertuples():
        estimate = row.estimate
        changes = []
        for end in ("low", "high"):
            added, removed = getattr(row, f"{end}_added"), getattr(row, f"{end}_removed")
            if added or removed:
                changes.append(
                    f"{end}: " + ", ".join([f"+{short(x)}" for x in added] + [f"-{short(x)}" for x in removed])
                )
        rows.append(
            [
                f"`{estimate.name}`",
                number(row.value),
                f"{number(estimate.low)} to {number(estimate.high)} ({estimate.why_range})",
                estimate.where,
                fm(row.low_saving),
                fm(row.high_saving),
                fm(row.swing),
                "; ".join(changes) if changes else "same plan",
            ]
        )
    add(
        table(
            ["estimate", "value", "range tried", "used in", "saving at low", "saving at high", "swing", "plan changes"],
            rows,
            "lrllrrrl",
        )
        + "\n"
    )
    add("Before quoting the saving, check in this order:\n")
    for rank, row in enumerate(varied.head(5).itertuples(), start=1):
        add(
            f"{rank}. **`{row.estimate.name}`** ({number(row.value)}): moves the saving between {fm(min(row.low_saving, row.high_saving))} "
            f"and {fm(max(row.low_saving, row.high_saving))} M CNY a year. {SCEPTIC_HINTS.get(row.estimate.name, '')}".rstrip()
        )
    add(
        f"{min(5, len(varied)) + 1}. **Today's contracts.** Their capacities set the status quo; the park sizes them "
        "to national utilisation rates, not to the real plants' contracts. Replace them with the plants' own sales "
        "figures: every tonne sold today is a tonne the plan cannot claim."
    )
    add(
        f"{min(5, len(varied)) + 2}. **The peak slice and the heat profile.** The city load is a degree-hour model, "
        "not metered data; the peak hour sizes every heat link and the boilers that stay.\n"
    )


SCEPTIC_HINTS = {
    "coal_boiler_heat_cost": "The heat saving is priced at what the boiler houses spend per MWh; get their fuel "
    "bills and efficiency.",
    "gas_boiler_heat_cost": "The new zone's alternative is gas boilers; check the gas tariff it would pay.",
    "landfill_cost_solid_byproduct": "What the plants pay their ash yard per tonne; no environmental protection tax "
    "on top in a compliant yard.",
    "gbfs_price": "What the slag mills pay for granulated slag, and what the cement plant pays for the slag it buys.",
    "fly_ash_price_grade_ii": "Grade II fly ash at the plant gate in Jinan, and what the concrete stations pay delivered.",
    "clinker_marginal_cost": "The cement plant's marginal cost of clinker: fuel, power and raw meal per tonne.",
    "avoided_fresh_water_tap_user": "The users' water bills: tap price and the sewage fee they keep paying on discharge.",
    "avoided_fresh_water_self_supplied": "The power plants' water-resource tax rate and raw-water charges.",
    "technologies.yaml:absorption_heat_pump.capex_per_mw": "A Chinese supplier's quote for the absorption units; the "
    "catalog's value is Danish.",
    "modes.yaml:heat_pipeline.capex_per_flow_km": "The pipe routes: urban digging, crossings and terrain can double "
    "the cost per m3/h.",
    "economics.yaml:electricity_price": "The grinding station's and heat pumps' tariff, by time of use.",
}


def _inline(value: Any) -> str:
    """A scenario overlay on one line, YAML flow style."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=pathlib.Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument("--park", type=pathlib.Path, default=PARK_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    factors = read_yaml(FACTORS_FILE)
    compare, runs = solve_all(args.park)
    varied = vary_estimates(args.park, runs["base"], factors)
    checks = Checks()
    for check in RUN_CHECKS:
        for run in runs.values():
            check(checks, run, factors)
    check_scenarios(checks, runs)
    check_estimates(checks, varied)

    for number, entry in enumerate(checks.entries, start=1):
        print(f"check {number} {'passed' if entry['ok'] else 'FAILED'}: {entry['name']}")
    if checks.failed:
        for entry in checks.failed:
            for failure in entry["failures"]:
                print(f"FAILED {entry['name']}: {failure}", file=sys.stderr)
        return 1
    text = write_document(compare, runs, checks, factors, varied)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(checks.entries)} sanity checks passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
