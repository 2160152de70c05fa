"""Write docs/jinan-walkthrough.md: the Jinan example park's optimal plan, explained.

    python docs/make_walkthrough.py                 # writes docs/jinan-walkthrough.md
    python docs/make_walkthrough.py -o other.md     # anywhere else

Regenerate the document with this script, never edit its numbers by hand. The script solves
``parks/jinan_eco_park.yaml`` and each of its scenarios with circflow (through
`circflow.compare.compare_park`), solves the status quo of each on its own, and runs sanity
checks on every result: balances and money add up, utilisation lies in [0, 1] and meets the
targets, heat-pump COPs follow SPEC 3.4, CO2 avoided per tonne or MWh lies in the range of the
catalog's factors (``models/factors.yaml``), scenarios move cost and emissions the way
optimisation theory says they must. If any check fails, the script prints every failure,
exits with status 1 and writes nothing.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import circflow
from circflow.compare import compare_park
from circflow.network import Network, build_network
from circflow.yamlfile import read_yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
PARK_FILE = REPO / "parks" / "jinan_eco_park.yaml"
FACTORS_FILE = REPO / "models" / "factors.yaml"
DEFAULT_OUTPUT = REPO / "docs" / "jinan-walkthrough.md"

#: Relative tolerance of accounting checks (solver tolerances are ~1e-9 of the objective).
REL_TOL = 1e-6
#: Relative tolerance when two optimisations are compared: the default solver profile's MIP gap
#: (solvers/highs.yaml).
OPT_TOL = 1e-4
#: A tonne of fly ash or slag that replaces cement or clinker avoids 0.6-0.85 tCO2: 0.6-0.8 for
#: cement (shared REFERENCE-DATA.md; models/factors.yaml cement_emissions, "~0.6-0.7 in China"),
#: up to 0.85 for clinker (factors.yaml clinker_emissions, GCCA GNR). Links add the avoided
#: landfill (+0.002) and subtract trucking (~0.001-0.002 over 10-20 km): 0.01 of slack.
CEMENT_RANGE = (0.60, 0.85)
SLACK = 0.01
#: Sectors whose fly ash and slag demand replaces cement or clinker.
CEMENT_SECTORS = {"cement", "concrete"}


# --- running circflow ------------------------------------------------------------------------

@dataclass
class Run:
    """One alternative: the park, its optimum and its status quo solved separately."""

    name: str
    park: circflow.Park
    result: circflow.Result
    status_quo: circflow.Result
    net: Network
    streams: dict[tuple[str, str, int], Any] = field(default_factory=dict)
    """(enterprise, supply|demand, position) -> the stream (schema object)."""


def status_quo_park(path: pathlib.Path, scenarios: list[str], park: circflow.Park) -> circflow.Park:
    """The park as it is: existing links only, no new candidates, no targets or plan (SPEC 4)."""
    overrides = {
        "modes": {name: {"max_distance_km": 0} for name in park.modes},
        "links": [link.model_dump(by_alias=True, exclude_none=True) for link in park.links if link.existing],
        "targets": {"utilization": dict.fromkeys(park.targets.utilization, 0.0),
                    "max_emissions": None, "max_capex": None},
        "plan": {"force": [], "forbid": []},
    }
    return circflow.load_park(path, scenarios=scenarios, overrides=overrides)


def solve_all(path: pathlib.Path) -> tuple[pd.DataFrame, dict[str, Run]]:
    base = circflow.load_park(path)
    names = list(base.scenarios)
    table, results = compare_park(path, names)
    runs = {}
    for name, result in results.items():
        scenarios = [] if name == "base" else [name]
        park = circflow.load_park(path, scenarios=scenarios)
        status_quo = circflow.optimize(status_quo_park(path, scenarios, park))
        run = Run(name, park, result, status_quo, build_network(park))
        for enterprise in park.enterprises:
            for position, supply in enumerate(enterprise.supplies):
                run.streams[(enterprise.id, "supply", position)] = supply
            for position, demand in enumerate(enterprise.demands):
                run.streams[(enterprise.id, "demand", position)] = demand
        runs[name] = run
    return table, runs


# --- accounts ---------------------------------------------------------------------------------

def stream_price(run: Run, row: Any) -> Any:
    stream = run.streams[(row.enterprise, row.role, int(row.stream))]
    return stream.disposal if row.role == "supply" else stream.baseline


def resource_accounts(run: Run, result: circflow.Result) -> pd.DataFrame:
    """Per resource: supplied, used, delivered, demanded, and cost and emissions by cause."""
    rows: dict[str, dict[str, float]] = {}

    def account(resource: str) -> dict[str, float]:
        return rows.setdefault(resource, dict.fromkeys(
            ["supplied", "used", "demanded", "delivered", "link_cost", "link_emissions",
             "rest_cost", "rest_emissions"], 0.0))

    for row in result.balances.itertuples():
        acc = account(row.resource)
        price = stream_price(run, row)
        if row.role == "supply":
            acc["supplied"] += row.amount
            acc["used"] += row.linked
        else:
            acc["demanded"] += row.amount
            acc["delivered"] += row.linked
        acc["rest_cost"] += row.rest * price.cost
        acc["rest_emissions"] += row.rest * price.emissions
    for link in result.links.itertuples():
        acc = account(link.resource)
        acc["link_cost"] += link.annual_cost
        acc["link_emissions"] += link.emissions
    table = pd.DataFrame.from_dict(rows, orient="index").sort_index()
    table["cost"] = table["link_cost"] + table["rest_cost"]
    table["emissions"] = table["link_emissions"] + table["rest_emissions"]
    return table


def link_streams(run: Run) -> dict[str, tuple[Any, Any]]:
    """Link id -> (supply node, demand node) of the candidate network."""
    return {link.id: (run.net.supplies[link.supply], run.net.demands[link.demand]) for link in run.net.links}


def link_accounts(run: Run) -> pd.DataFrame:
    """The built links with the value they create and the CO2 they avoid per unit delivered."""
    streams = link_streams(run)
    carbon = run.park.economics.carbon_price
    rows = []
    for link in run.result.links.to_dict("records"):
        supply, demand = streams[link["id"]]
        flow, delivered, emissions = link["flow_total"], link["delivered_total"], link["emissions"]
        avoided = supply.price_emissions * flow + demand.price_emissions * delivered - emissions
        value = (supply.price_cost + carbon * supply.price_emissions) * flow + \
            (demand.price_cost + carbon * demand.price_emissions) * delivered
        cop = link["cop"] if link["cop"] is not None and not pd.isna(link["cop"]) else math.nan
        rows.append({
            "id": link["id"], "origin": link["from"], "to": link["to"], "resource": link["resource"],
            "mode": link["mode"], "type": link["type"], "length_km": link["length_km"], "existing": link["existing"],
            "capacity": link["capacity"], "cop": cop, "flow_total": flow, "delivered": delivered,
            "capex": link["capex"], "annual_cost": link["annual_cost"], "emissions": emissions,
            "cost_per_unit": (link["annual_cost"] + carbon * emissions) / delivered if delivered else math.nan,
            "value_per_unit": value / delivered if delivered else math.nan,
            "avoided_per_unit": avoided / delivered if delivered else math.nan,
            "replaced_emissions": demand.price_emissions, "replaced_cost": demand.price_cost,
            "disposal_cost": supply.price_cost,
            "sector_to": run.net.enterprises[link["to"]].sector,
            "t_source": supply.temperature, "t_sink": demand.temperature,
            "electricity_mwh": link["electricity_mwh"],
        })
    return pd.DataFrame(rows)


def crf(rate: float, years: float) -> float:
    """Capital recovery factor (SPEC 4)."""
    if rate == 0:
        return 1 / years
    growth = (1 + rate) ** years
    return rate * growth / (growth - 1)


def spec_cop(source_c: float, sink_c: float, park: circflow.Park) -> float:
    """COP of SPEC 3.4, computed here independently of circflow.network."""
    pump = park.technologies.heat_pump
    hot = sink_c + pump.approach_k + 273.15
    cold = source_c - pump.approach_k + 273.15
    return min(pump.cop_max, pump.carnot_efficiency * hot / (hot - cold))


def heat_pump_candidates(run: Run) -> pd.DataFrame:
    """Every heat-pump candidate with rough unit economics per MWh delivered, before pipeline costs."""
    park = run.park
    econ, pump = park.economics, park.technologies.heat_pump
    built = set(run.result.links["id"]) if not run.result.links.empty else set()
    annual_per_mw = pump.capex_per_mw * (crf(econ.discount_rate, pump.lifetime_years) + pump.om_fraction)
    hours = {name: period.hours for name, period in zip(park.period_names(), park.periods, strict=True)}
    rows = []
    for link in run.net.links:
        if link.type != "heat_pump":
            continue
        supply, demand = run.net.supplies[link.supply], run.net.demands[link.demand]
        peak = max(amount / hours[name] for name, amount in zip(park.period_names(), demand.amounts, strict=True))
        full_load_hours = demand.amounts.sum() / peak if peak else math.nan
        cop = link.cop
        energy = econ.electricity_price / cop + pump.opex_per_mwh + econ.carbon_price * econ.grid_emission_factor / cop
        capex = annual_per_mw / full_load_hours
        value = demand.price_cost + econ.carbon_price * demand.price_emissions + \
            (supply.price_cost + econ.carbon_price * supply.price_emissions) * (cop - 1) / cop
        rows.append({"id": link.id, "origin": supply.enterprise, "to": demand.enterprise,
                     "t_source": supply.temperature, "t_sink": demand.temperature, "cop": cop,
                     "length_km": link.length_km, "energy": energy, "capex": capex, "value": value,
                     "margin": value - energy - capex, "built": link.id in built})
    return pd.DataFrame(rows).sort_values("margin", ascending=False)


def factor_name(factors: dict[str, Any], value: float, unit: str) -> str | None:
    """The factors.yaml entry with this value and unit (tCO2/t, CNY/MWh, ...), if any."""
    for name, entry in factors.items():
        if entry["unit"] == unit and math.isclose(entry["value"], value, rel_tol=1e-9):
            return name
    return None


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


def close(a: float, b: float, rel: float = REL_TOL) -> bool:
    """Equal within ``rel`` of the larger magnitude (or of 1)."""
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


def check_solved(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    ok = all(r.status is circflow.Status.OPTIMAL and not (r.gap > OPT_TOL) for r in (run.result, run.status_quo))
    checks.record("solved to optimality", f"a plan exists and HiGHS proved it optimal within the default "
                  f"profile's gap ({OPT_TOL:g}); later checks that compare two optima allow that gap", ok,
                  f"{run.name}: {run.result.status}, gap {run.result.gap:.1e}; status quo {run.status_quo.status}")


def check_status_quo(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """The status quo solved as its own park is what optimize reports as ``kpis.baseline``."""
    sq, baseline = run.status_quo, run.result.kpis["baseline"]
    only_existing = sq.links.empty or bool(sq.links["existing"].all())
    same = close(sq.kpis["total_cost"], baseline["total_cost"], OPT_TOL) and \
        close(sq.kpis["emissions"], baseline["emissions"], OPT_TOL)
    checks.record("status quo reproduced",
                  "the status quo behind `savings` (`kpis.baseline`) is the park with its existing links only, no targets and no "
                  "plan (SPEC 4), here solved as a park of its own", only_existing and same,
                  f"{run.name}: {fm(sq.kpis['total_cost'])} M CNY/yr, {fk(sq.kpis['emissions'])} ktCO2/yr "
                  f"(reported baseline {fm(baseline['total_cost'])}, {fk(baseline['emissions'])})")


def check_balances(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Every stream's amount is what links take or bring plus the rest; flows rebuild the linked part."""
    bal, flows = run.result.balances, run.result.flows
    worst = max((abs(row.linked + row.rest - row.amount) / max(row.amount, 1.0) for row in bal.itertuples()),
                default=0.0)
    keys = ["enterprise", "resource", "period"]
    for role, end, column in (("supply", "from", "flow"), ("demand", "to", "delivered")):
        moved = flows.groupby([end, "resource", "period"])[column].sum()
        linked = bal[bal["role"] == role].groupby(keys)["linked"].sum()
        amount_ = bal[bal["role"] == role].groupby(keys)["amount"].sum()
        for index, value in moved.items():
            scale = max(amount_.get(index, 1.0), 1.0)
            worst = max(worst, abs(value - linked.get(index, 0.0)) / scale, (value - amount_.get(index, 0.0)) / scale)
    checks.record("balances close",
                  "for every stream and period: flows + disposal = supply and deliveries + baseline = demand; "
                  "the flows table rebuilds what the balances call linked",
                  worst <= REL_TOL, f"{run.name}: largest relative gap {worst:.1e}")


def check_accounts(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Money and emissions add up, from the KPIs' parts and rebuilt from links and balances."""
    k = run.result.kpis
    parts = sum(k[key] for key in ("annualized_capex", "variable_cost", "electricity_cost", "disposal_cost",
                                   "baseline_cost"))
    accounts = resource_accounts(run, run.result)
    capex = run.result.links["capex"].sum() if not run.result.links.empty else 0.0
    ok = close(parts, k["total_cost"]) and close(accounts["cost"].sum(), k["total_cost"]) and \
        close(accounts["emissions"].sum(), k["emissions"]) and close(capex, k["capex"])
    checks.record("cost and emissions add up",
                  "total cost = annualised capex + variable + electricity + disposal + baseline; the links' "
                  "annual costs and emissions plus each stream's rest times its disposal or baseline price "
                  "rebuild total cost and emissions; link capex adds up to the capex KPI", ok,
                  f"{run.name}: total cost {fm(k['total_cost'])} M CNY/yr, rebuilt {fm(accounts['cost'].sum())}; "
                  f"emissions {fk(k['emissions'])} ktCO2/yr, rebuilt {fk(accounts['emissions'].sum())}")


def check_utilisation(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    accounts = resource_accounts(run, run.result)
    ok, shown = True, []
    for resource, share in run.result.kpis["utilization"].items():
        rebuilt = accounts.loc[resource, "used"] / accounts.loc[resource, "supplied"]
        target = run.park.targets.utilization.get(resource, 0.0)
        ok = ok and -1e-9 <= share <= 1 + 1e-9 and close(share, rebuilt) and share >= target - 1e-6
        shown.append(f"{resource} {share:.3f}" + (f" (target {target:g})" if target else ""))
    checks.record("utilisation within [0, 1] and at least the target",
                  "utilisation = used / supplied over the year (SPEC 3.8), rebuilt from the balances; every "
                  "target holds", ok, f"{run.name}: " + ", ".join(shown))


def check_heat_links(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Heat links follow SPEC 3.4: direct when hot enough, otherwise a heat pump with the SPEC COP."""
    park = run.park
    links = link_accounts(run)
    pump, exchange = park.technologies.heat_pump, park.technologies.heat_exchange
    ok, cops = True, []
    for link in links[links["resource"] == "heat"].itertuples():
        if link.type == "direct":
            ok = ok and link.t_source >= link.t_sink + exchange.min_approach_k and math.isnan(link.cop)
            continue
        pumping = park.modes[link.mode].electricity_per_unit_km * link.length_km * link.flow_total
        compressor = link.electricity_mwh - pumping
        ok = (ok and 1 < link.cop <= pump.cop_max + 1e-12 and close(link.cop, spec_cop(link.t_source, link.t_sink, park))
              and link.t_sink - link.t_source <= pump.max_lift_k and close(compressor, link.delivered / link.cop))
        cops.append(f"{short(link.id)} {link.t_source:g}->{link.t_sink:g} degC COP {link.cop:.2f}")
    checks.record("COPs between 1 and cop_max, as SPEC 3.4 computes them",
                  f"1 < COP <= cop_max ({pump.cop_max:g}); COP = min(cop_max, eta Tc / (Tc - Te)) recomputed from "
                  "the stream temperatures; lift <= max_lift_k; compressor electricity = heat delivered / COP; "
                  "direct links have Ts >= Td + min_approach_k", ok,
                  f"{run.name}: " + ("; ".join(cops) if cops else "no heat-pump link"))


def check_capacity_and_reach(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    park, result = run.park, run.result
    hours = dict(zip(park.period_names(), (p.hours for p in park.periods), strict=True))
    capacity = result.links.set_index("id")["capacity"] if not result.links.empty else pd.Series(dtype=float)
    excess = max((row.flow / hours[row.period] - capacity[row.link] for row in result.flows.itertuples()),
                 default=0.0)
    in_reach = True
    for link in link_accounts(run).itertuples():
        reach = park.modes[link.mode].max_distance_km
        explicit = any(ref.from_ == link.origin and ref.to == link.to and ref.resource == link.resource
                       for ref in park.links)
        in_reach = in_reach and (explicit or reach is None or link.length_km <= reach + 1e-9)
    checks.record("flows within capacity, links within reach",
                  "flow in a period <= capacity x hours; a generated candidate's length <= its mode's "
                  "max_distance_km", in_reach and excess <= 1e-6,
                  f"{run.name}: largest excess of hourly flow over capacity {max(excess, 0.0):.1e}")


def check_savings(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    """Savings against the status quo, in the objective's terms (total cost + carbon price x emissions)."""
    k, park = run.result.kpis, run.park
    forced = bool(park.plan.force)
    saving = k["savings"]["total_cost"] + park.economics.carbon_price * k["savings"]["emissions"]
    checks.record("savings non-negative without forced links",
                  "without forced links the plan is at least as good as the status quo in the objective's terms "
                  "(total cost + carbon price x emissions); only a target could make it worse, and none does here",
                  forced or saving >= -OPT_TOL * abs(k["baseline"]["total_cost"]),
                  f"{run.name}: {fm(saving)} M CNY/yr" + (" (forced links: not required)" if forced else ""))


def check_co2_per_tonne(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    links = link_accounts(run)
    solids = links[links["resource"].isin(["fly_ash", "slag"]) & links["sector_to"].isin(CEMENT_SECTORS)]
    low, high = CEMENT_RANGE[0] - SLACK, CEMENT_RANGE[1] + SLACK
    values = list(solids["avoided_per_unit"])
    pooled = (solids["avoided_per_unit"] * solids["delivered"]).sum() / solids["delivered"].sum() \
        if len(solids) else math.nan
    cement, clinker = factors["cement_emissions"]["value"], factors["clinker_emissions"]["value"]
    checks.record(f"CO2 avoided per tonne of fly ash or slag in cement and concrete within "
                  f"{CEMENT_RANGE[0]:g}-{CEMENT_RANGE[1]:g} tCO2/t",
                  f"a tonne replacing cement ({cement:g} tCO2/t, factors.yaml cement_emissions, 0.6-0.7 in China) "
                  f"or clinker ({clinker:g}, clinker_emissions) avoids {CEMENT_RANGE[0]:g}-{CEMENT_RANGE[1]:g} "
                  f"tCO2, +-{SLACK:g} for the landfill it spares and the trucking it needs; per link and pooled",
                  all(low <= v <= high for v in values) and (not values or low <= pooled <= high),
                  f"{run.name}: {len(values)} links, {min(values, default=math.nan):.3f}-"
                  f"{max(values, default=math.nan):.3f} tCO2/t, pooled {pooled:.3f}")


def check_co2_per_mwh(checks: Checks, run: Run, factors: dict[str, Any]) -> None:
    links = link_accounts(run)
    heat = links[links["resource"] == "heat"]
    coal = factors["coal_boiler_heat_emissions"]["value"]
    ok = all(-1e-9 <= row.avoided_per_unit <= coal + SLACK for row in heat.itertuples()) and \
        all(abs(row.avoided_per_unit - row.replaced_emissions) <= 2 * SLACK
            for row in heat.itertuples() if row.type == "direct")
    checks.record(f"CO2 avoided per MWh of heat within 0-{coal:g} tCO2/MWh",
                  f"no heat link avoids more than a coal boiler emits ({coal:g} tCO2/MWh, factors.yaml "
                  f"coal_boiler_heat_emissions); a direct link avoids what the boiler it replaces emits, within "
                  f"{2 * SLACK:g} (pipe losses, pumping)", ok,
                  f"{run.name}: " + (", ".join(f"{short(row.id)} {row.avoided_per_unit:.3f}" for row in heat.itertuples())
                                     or "no heat link"))


#: The checks run on every alternative, in the order the page lists them.
RUN_CHECKS = (check_solved, check_status_quo, check_balances, check_accounts, check_utilisation, check_heat_links,
              check_capacity_and_reach, check_savings, check_co2_per_tonne, check_co2_per_mwh)


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
            evidence = (f"{name} (carbon price): emissions {fk(b['emissions'])} -> {fk(s['emissions'])} ktCO2/yr, "
                        f"total cost {fm(b['total_cost'])} -> {fm(s['total_cost'])} M CNY/yr")
        elif kind == "restriction":
            ok = run.result.objective >= base.result.objective * (1 - OPT_TOL)
            evidence = (f"{name} (restriction): objective {fm(base.result.objective)} -> "
                        f"{fm(run.result.objective)} M CNY/yr")
        else:
            evidence, ok = f"{name}: neither a carbon price nor a restriction; not checked", True
        checks.record("scenarios move the optimum the right way",
                      "a higher carbon price never raises emissions or lowers total cost; forcing links or "
                      "shortening a mode's reach never lowers the objective", ok, evidence)


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
    """Money in millions, one decimal."""
    return f"{value / 1e6:,.1f}"


def fk(value: float) -> str:
    """Emissions in thousands (kt), one decimal."""
    return f"{value / 1e3:,.1f}"


def amount(value: float, unit: str) -> str:
    if unit == "m3":
        return f"{value / 1e6:,.2f} Mm3"
    if unit == "MWh":
        return f"{value / 1e3:,.1f} GWh"
    return f"{value / 1e3:,.1f} kt"


def table(headers: list[str], rows: Iterable[list[Any]], align: str | None = None) -> str:
    """A markdown table; ``align`` is one letter per column, l or r."""
    align = align or "l" * len(headers)
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def short(link_id: str) -> str:
    """``steel#3>district_heat_city:heat:heat_pipeline`` -> ``steel#3 > district_heat_city``."""
    return link_id.split(":")[0].replace(">", " > ")


# --- the document -----------------------------------------------------------------------------

RATE_UNITS = {"MWh": "MW", "t": "t/h", "m3": "m3/h"}
SAVING_LABELS = {
    "annualized_capex": "annualised capex of new links",
    "variable_cost": "variable cost (haulage, heat-pump O&M)",
    "electricity_cost": "electricity (pumps, heat pumps)",
    "disposal_cost": "disposal (landfill and tax, cooling towers)",
    "baseline_cost": "conventional supply (clinker, cement, gypsum, fresh water, boiler heat)",
}


def write_document(compare: pd.DataFrame, runs: dict[str, Run], checks: Checks, factors: dict[str, Any]) -> str:
    base = runs["base"]
    park, result = base.park, base.result
    k, sq = result.kpis, base.status_quo.kpis
    econ = park.economics
    cur = econ.currency
    links = link_accounts(base)
    accounts = resource_accounts(base, result)
    sq_accounts = resource_accounts(base, base.status_quo)
    units = {name: spec["unit"] for name, spec in result.resources.items()}
    out: list[str] = []
    add = out.append

    add("# The Jinan eco-industrial park, explained\n")
    add("<!-- Generated by docs/make_walkthrough.py from parks/jinan_eco_park.yaml. Do not edit the numbers "
        "by hand: change the park or the catalog and run `python docs/make_walkthrough.py`. -->\n")
    add(f"This page walks through what circflow {circflow.__version__} recommends for "
        f"[`parks/jinan_eco_park.yaml`](../parks/jinan_eco_park.yaml): {park.park.description.strip()}\n")
    add("The park is illustrative: generic plants sized from the yields in `models/factors.yaml` and placed "
        "around central Jinan; the file's comments say where each figure comes from. Money is in CNY per "
        "year at 2023-2024 prices, emissions in tCO2 per year. Every number below comes from one run of "
        "`docs/make_walkthrough.py`, which also runs the [sanity checks](#sanity-checks) listed at the end. "
        "To reproduce the base plan:\n")
    add("```bash\ncircflow optimize parks/jinan_eco_park.yaml\n```\n")

    # Headline
    existing = links[links["existing"]]
    add("## The answer in one table\n")
    add(f"Electricity costs {econ.electricity_price:g} {cur}/MWh and carries {econ.grid_emission_factor:g} tCO2/MWh "
        f"(catalog defaults, `models/economics.yaml`); the carbon price is {econ.carbon_price:g}. "
        "The **status quo** is the park with only its existing links ("
        + "; ".join(f"{row.resource} {short(row.id)} by {row.mode}" for row in existing.itertuples())
        + "): every other by-product is landfilled, waste heat goes to cooling towers, and every other demand "
        "is met the conventional way.\n")
    rows = [[SAVING_LABELS[key], fm(sq[key]), fm(k[key]), fm(sq[key] - k[key])] for key in SAVING_LABELS]
    rows.append(["**total cost**", fm(sq["total_cost"]), fm(k["total_cost"]), fm(k["savings"]["total_cost"])])
    rows.append(["**emissions** (ktCO2 per year)", fk(sq["emissions"]), fk(k["emissions"]), fk(k["savings"]["emissions"])])
    rows.append(["capex of new links (M CNY, once)", "", fm(k["capex"]), ""])
    add(table(["M CNY per year", "status quo", "optimal plan", "saving"], rows, "lrrr") + "\n")
    biggest = max(SAVING_LABELS, key=lambda key: sq[key] - k[key])
    add(f"The plan builds {int((~links['existing']).sum())} new links for {fm(k['capex'])} M CNY and saves "
        f"{fm(k['savings']['total_cost'])} M CNY and {fk(k['savings']['emissions'])} ktCO2 a year, "
        f"{k['savings']['emissions'] / sq['emissions']:.0%} of the status quo's emissions. The largest item is "
        f"{SAVING_LABELS[biggest].split(' (')[0]} ({fm(sq[biggest] - k[biggest])} M CNY a year): by-products "
        "replace clinker, cement and boiler heat. Read the saving as the value of the exchanges for the park "
        "as a whole: the money a cement plant pays a steel works for its slag stays inside the park, and the "
        "status quo is a park without any exchange beyond the existing links (in the real Jinan much of this "
        "slag and fly ash already has a market).\n")

    # What is built and why
    add("## What is built, and why\n")
    add("Each row is a link in the plan. *Cost* is the link's annual cost (annualised capex, O&M, haulage, "
        "electricity) per unit delivered; *value* is what one delivered unit saves: the disposal of the supply "
        "it takes (landfill and tax, cooling tower) plus the conventional supply it displaces (the demand's "
        "`baseline`). A link is built when its value exceeds its cost, or when a target needs it. *CO2 "
        "avoided* is the same sum in tCO2, net of the link's own trucking, pumping and heat-pump electricity. "
        "The per-unit columns are per t, m3 or MWh of the resource.\n")
    rows = []
    for link in links.sort_values(["resource", "type", "origin", "to"]).itertuples():
        unit = units[link.resource]
        cop = "" if math.isnan(link.cop) else f"{link.cop:.2f}"
        rows.append([f"{short(link.id)}{' (existing)' if link.existing else ''}", link.resource,
                     f"{link.mode}, {link.type}", f"{link.length_km:.1f}", f"{link.capacity:,.1f} {RATE_UNITS.get(unit, unit + '/h')}",
                     amount(link.delivered, unit), cop, fm(link.capex), f"{link.cost_per_unit:,.2f}",
                     f"{link.value_per_unit:,.2f}", f"{link.avoided_per_unit:.3g}"])
    add(table(["link", "resource", "mode, type", "km", "capacity", "delivered per year", "COP", "capex M CNY",
               f"cost {cur}/unit", f"value {cur}/unit", "CO2 avoided t/unit"], rows, "lllrrrrrrrr") + "\n")
    add(_why_paragraphs(links, cur))

    # Heat pumps
    candidates = heat_pump_candidates(base)
    pump = park.technologies.heat_pump
    add("### Heat pumps: which waste heat is worth lifting\n")
    add(f"A heat source less than {park.technologies.heat_exchange.min_approach_k:g} K hotter than the network it "
        f"feeds needs a heat pump (`models/technologies.yaml`: Carnot efficiency {pump.carnot_efficiency:g}, "
        f"approach {pump.approach_k:g} K, COP at most {pump.cop_max:g}, lift at most {pump.max_lift_k:g} K, "
        f"{pump.capex_per_mw / 1e6:g} M CNY per MW of heat output). The table prices one MWh delivered by every "
        "heat-pump candidate **before** its heat pipeline: electricity (price / COP) and heat-pump O&M, plus the "
        "heat pump's annualised capex spread over the network's full-load hours, against the value of the "
        "boiler heat it displaces (and the cooling it spares the source). A negative margin can never pay; a "
        "positive one pays only if it also covers the pipeline, and only while the network still needs heat.\n")
    rows = []
    for row in candidates.itertuples():
        rows.append([short(row.id), f"{row.t_source:g} -> {row.t_sink:g}", f"{row.cop:.2f}", f"{row.length_km:.1f}",
                     f"{row.energy:,.0f}", f"{row.capex:,.0f}", f"{row.value:,.0f}", f"{row.margin:+,.0f}",
                     "yes" if row.built else "no"])
    add(table(["source > network", "degC", "COP", "km", "electricity + O&M", "heat-pump capex", "value",
               "margin", "built"], rows, "llrrrrrrl") + "\n")
    add(_heat_pump_paragraph(base, candidates))

    # Utilisation
    add("## Utilisation per resource\n")
    add("Share of each resource's supply that links use over the year (SPEC 3.8), against the park's targets, "
        "which follow the plan's call for comprehensive use of fly ash, slag and by-product gypsum (Jinan's "
        "general industrial solid waste is over 70 % utilised).\n")
    rows = []
    for resource in accounts.index:
        unit = units[resource]
        target = park.targets.utilization.get(resource)
        share, before = k["utilization"].get(resource, 0.0), sq["utilization"].get(resource, 0.0)
        rows.append([resource, amount(accounts.loc[resource, "supplied"], unit), amount(accounts.loc[resource, "used"], unit),
                     f"{before:.1%}", f"{share:.1%}", f"{target:.0%}" if target is not None else "",
                     ("met" if share >= target - 1e-6 else "**missed**") if target is not None else ""])
    add(table(["resource", "supplied", "used", "status quo", "plan", "target", ""], rows, "lrrrrrl") + "\n")
    add(_leftover_paragraph(base, units))

    # CO2 avoided
    add("## CO2 avoided, per tonne and per MWh\n")
    add("Emissions by resource, status quo against the plan: each link's own emissions plus, for every "
        "stream, what is not linked times its disposal or baseline factor (these rebuild the total, see check "
        "4). The emissions avoided divided by the extra quantity used is the CO2 avoided per unit.\n")
    rows = []
    for resource in accounts.index:
        unit = units[resource]
        extra = accounts.loc[resource, "used"] - sq_accounts.loc[resource, "used"]
        avoided = sq_accounts.loc[resource, "emissions"] - accounts.loc[resource, "emissions"]
        rows.append([resource, fk(sq_accounts.loc[resource, "emissions"]), fk(accounts.loc[resource, "emissions"]),
                     fk(avoided), amount(extra, unit), f"{avoided / extra:.3g} tCO2/{unit}" if extra > 0 else ""])
    add(table(["resource", "status quo ktCO2", "plan ktCO2", "avoided ktCO2", "extra used", "avoided per unit"],
              rows, "lrrrrr") + "\n")
    add(_factor_paragraph(links, factors, units))

    # Scenarios
    add("## What the scenarios change\n")
    add("`circflow compare parks/jinan_eco_park.yaml " + " ".join(f"--scenario {n}" for n in runs if n != "base")
        + "` solves each scenario on its own (`circflow.compare.compare_park`). Costs in M CNY per year, "
        "emissions in ktCO2 per year; the *abatement cost* is the extra total cost per tCO2 avoided against "
        "the base plan.\n")
    rows = []
    first = compare.iloc[0]
    for row in compare.itertuples():
        d_cost, d_em = row.total_cost - first.total_cost, first.emissions - row.emissions
        abatement = f"{d_cost / d_em:,.1f}" if row.scenario != "base" and d_em > 1 else ""
        rows.append([row.scenario, fm(row.total_cost), fk(row.emissions), fm(row.capex), fm(row.savings_cost),
                     fk(row.savings_emissions), row.links_built, abatement])
    add(table(["scenario", "total cost", "emissions", "capex (once)", "saving vs status quo",
               "CO2 saved vs status quo", "links", "abatement CNY/tCO2"], rows, "lrrrrrrr") + "\n")
    for row in compare.itertuples():
        if row.scenario == "base":
            continue
        added = [short(x) for x in str(row.links_added or "").split()]
        removed = [short(x) for x in str(row.links_removed or "").split()]
        d_cost, d_em = row.total_cost - first.total_cost, row.emissions - first.emissions
        text = (f"- **`{row.scenario}`** sets `{_inline(park.scenarios[row.scenario])}`: total cost "
                f"{d_cost / 1e6:+,.1f} M CNY/yr, emissions {d_em / 1e3:+,.1f} ktCO2/yr against the base plan. ")
        text += ("Adds " + ", ".join(added) + ". ") if added else "Adds no link. "
        text += ("Drops " + ", ".join(removed) + ".") if removed else "Drops no link."
        add(text)
    add("")
    add(_scenario_paragraph(runs, accounts))

    # Sanity checks
    add("## Sanity checks\n")
    add("`docs/make_walkthrough.py` asserts these on the base plan and on every scenario before it writes this "
        "page; a failure stops it with exit status 1 and nothing is written. `tests/test_examples.py` runs the "
        "script, so the checks run with the test suite.\n")
    for number, entry in enumerate(checks.entries, start=1):
        add(f"{number}. **{entry['name']}** ({'passed' if entry['ok'] else 'FAILED'}): {entry['guards']}.")
        for evidence in entry["evidence"]:
            add(f"   - {evidence}")
    add("")
    add("What the checks do not cover: the catalog's and the park's numbers themselves (each is sourced in "
        "`models/` and commented in the park file; `tests/test_catalog.py` checks that every catalog number "
        "has a citation), and plans outside the candidate links circflow generates.\n")
    return "\n".join(out).rstrip() + "\n"


def _inline(value: Any) -> str:
    """A scenario overlay on one line, YAML flow style."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_inline(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _span(values: Iterable[float], digits: int = 1) -> str:
    values = sorted(values)
    low, high = f"{values[0]:,.{digits}f}", f"{values[-1]:,.{digits}f}"
    return low if low == high else f"{low}-{high}"


def _why_paragraphs(links: pd.DataFrame, cur: str) -> str:
    lines = []
    for resource in ("fly_ash", "slag", "gypsum"):
        part = links[links["resource"] == resource]
        if part.empty:
            continue
        lines.append(
            f"- **{resource}** goes by {', '.join(sorted(set(part['mode'])))} to {', '.join(sorted(set(part['to'])))}. "
            f"A tonne displaces material worth {_span(part['replaced_cost'], 0)} {cur} and spares "
            f"{_span(part['disposal_cost'], 0)} {cur} of landfill and tax; trucking and silos cost "
            f"{_span(part['cost_per_unit'])} {cur}/t over {_span(part['length_km'])} km.")
    water = links[links["resource"] == "reclaimed_water"]
    if not water.empty:
        lines.append(
            f"- **reclaimed water** is piped from {', '.join(sorted(set(water['origin'])))} to "
            f"{', '.join(sorted(set(water['to'])))} for {_span(water['cost_per_unit'], 2)} {cur}/m3 against "
            f"{_span(water['replaced_cost'], 2)} {cur}/m3 of fresh industrial water. A main costs about the same "
            "whatever flows through it, so only large users within reach are connected.")
    heat = links[links["resource"] == "heat"]
    if not heat.empty:
        direct = heat[heat["type"] == "direct"]
        pumps = heat[heat["type"] == "heat_pump"]
        text = "- **heat**: "
        if not direct.empty:
            text += "direct links (heat exchangers) carry " + "; ".join(
                f"{short(row.id)} at {row.t_source:g} degC into a {row.t_sink:g} degC network"
                for row in direct.itertuples()) + ". "
        if not pumps.empty:
            text += "Heat pumps lift " + "; ".join(
                f"{short(row.id)} from {row.t_source:g} to {row.t_sink:g} degC at COP {row.cop:.2f}"
                for row in pumps.itertuples()) + "."
        lines.append(text)
    return "\n".join(lines) + "\n"


def _heat_pump_paragraph(run: Run, candidates: pd.DataFrame) -> str:
    built = candidates[candidates["built"]]
    never = candidates[candidates["margin"] < 0]
    idle = candidates[(candidates["margin"] >= 0) & ~candidates["built"]]
    text = "(CNY per MWh delivered.) "
    if not built.empty:
        text += "Built: " + "; ".join(f"{short(row.id)} (lift {row.t_sink - row.t_source:g} K, COP {row.cop:.2f})"
                                      for row in built.itertuples()) + ". "
    if not never.empty:
        text += (f"Never worth it: lifts of {_span(never['t_sink'] - never['t_source'], 0)} K give COPs of "
                 f"{_span(never['cop'], 2)}, and the electricity alone costs about as much as the heat it would "
                 "replace (" + ", ".join(short(x) for x in never["id"]) + "). ")
    bal = run.result.balances
    demand = bal[(bal["role"] == "demand") & (bal["resource"] == "heat")].groupby("enterprise")[["amount", "linked"]].sum()
    for network, part in idle.groupby("to"):
        share = demand.loc[network, "linked"] / demand.loc[network, "amount"]
        names = ", ".join(f"{short(row.id).split(' > ')[0]} ({row.margin:+,.0f} CNY/MWh, {row.length_km:.1f} km)"
                          for row in part.itertuples())
        one = len(part) == 1
        if share > 0.999:
            text += f"{network} is fully served by the links above, so {names} {'has' if one else 'have'} nothing to sell. "
        else:
            text += (f"{network} still takes {1 - share:.0%} of its heat from its boilers: the "
                     f"{'margin' if one else 'margins'} of {names} {'does' if one else 'do'} not cover the heat "
                     f"{'pipeline' if one else 'pipelines'}. ")
    if (candidates["t_source"] >= candidates["t_sink"]).any():
        text += ("A source a few kelvin hotter than the network still counts as a heat-pump link (a heat exchanger "
                 "needs min_approach_k), with its COP capped at cop_max.")
    return text.rstrip() + "\n"


def _leftover_paragraph(run: Run, units: dict[str, str]) -> str:
    """What supply is left, and whether every user within reach that accepts it is fully served."""
    result = run.result
    bal = result.balances
    unmet = bal[bal["role"] == "demand"].groupby(["enterprise", "stream"])["rest"].sum()
    parts = []
    left = bal[bal["role"] == "supply"].groupby(["enterprise", "stream", "resource"])["rest"].sum()
    for (enterprise, position, resource), value in left.items():
        if resource == "heat" or value < 1:
            continue
        supply = run.streams[(enterprise, "supply", int(position))]
        quality = ", ".join(f"{key} {item}" for key, item in supply.quality.items())
        reachable = [run.net.demands[link.demand] for link in run.net.links
                     if run.net.supplies[link.supply].enterprise == enterprise
                     and run.net.supplies[link.supply].position == int(position)]
        open_users = sorted({d.enterprise for d in reachable if unmet.get((d.enterprise, d.position), 0.0) > 1})
        verb = "still meets its" if len(open_users) == 1 else "still meet their"
        why = (f"{', '.join(open_users)} {verb} demand the conventional way: a link does not pay"
               if open_users
               else "every user within reach that accepts this quality is fully supplied")
        parts.append(f"{amount(value, units[resource])} of {resource} from {enterprise} ({quality}): {why}")
    heat = bal[bal["resource"] == "heat"]
    offered = heat[heat["role"] == "supply"]["amount"].sum()
    wanted = heat[heat["role"] == "demand"]["amount"].sum()
    text = "What is left over:\n\n" + "\n".join(f"- {part}" for part in parts) + "\n" if parts else ""
    return text + (f"- heat: the park offers {amount(offered, 'MWh')} of waste heat a year against "
                   f"{amount(wanted, 'MWh')} of heat demand, so most of it stays in the cooling towers whatever "
                   "is built.\n")


def _factor_paragraph(links: pd.DataFrame, factors: dict[str, Any], units: dict[str, str]) -> str:
    lines = ["By destination, against the catalog's reference factors (`models/factors.yaml`). A link's CO2 "
             "avoided per unit delivered is the displaced supply's factor plus the disposal it spares, minus the "
             "link's own emissions:\n"]
    rows = []
    for (resource, sector, replaced), part in links.groupby(["resource", "sector_to", "replaced_emissions"]):
        unit = units[resource]
        name = factor_name(factors, replaced, f"tCO2/{unit}")
        pooled = (part["avoided_per_unit"] * part["delivered"]).sum() / part["delivered"].sum()
        rows.append([resource, sector, amount(part["delivered"].sum(), unit),
                     f"`{name}` {replaced:g}" if name else f"{replaced:g} (not a catalog factor)",
                     f"{pooled:.3g}", f"tCO2/{unit}"])
    lines.append(table(["resource", "to sector", "delivered", "displaced (catalog factor)", "avoided per unit", "unit"],
                       rows, "llrlrl") + "\n")
    trucks = links[links["mode"] == "truck"]
    clinker, cement = factors["clinker_emissions"]["value"], factors["cement_emissions"]["value"]
    text = (f"A tonne of fly ash or slag that replaces cement ({cement:g} tCO2/t, `cement_emissions`) or clinker "
            f"({clinker:g}, `clinker_emissions`) avoids {CEMENT_RANGE[0]:g}-{CEMENT_RANGE[1]:g} tCO2 (check 9). ")
    if not trucks.empty:
        per_t = trucks["emissions"] / trucks["flow_total"]
        text += (f"The plan's links sit at the factor of what they displace, because trucking "
                 f"{_span(trucks['length_km'], 0)} km emits only {_span(per_t * 1000, 1)} kgCO2/t. ")
    low = links[links["resource"].isin(["fly_ash", "slag"]) & (links["replaced_emissions"] < CEMENT_RANGE[0] / 2)]
    if not low.empty:
        text += ("Per resource the average is lower where part of the supply goes to users that displace "
                 "little CO2 (" + ", ".join(f"{row.resource} to {row.to}, {row.replaced_emissions:g} tCO2/t"
                                            for row in low.itertuples())
                 + "): that link is there for the landfill fee and the utilisation target, not for CO2. ")
    text += (f"Heat fed directly avoids what the boiler it replaces emits "
             f"({factors['coal_boiler_heat_emissions']['value']:g} tCO2/MWh coal, "
             f"{factors['gas_boiler_heat_emissions']['value']:g} gas); a heat pump avoids that minus its "
             "electricity, grid factor / COP per MWh.\n")
    lines.append(text)
    return "\n".join(lines)


def _scenario_paragraph(runs: dict[str, Run], accounts: pd.DataFrame) -> str:
    base = runs["base"]
    lines = []
    kinds = {name: scenario_kind(base.park, base.park.scenarios[name]) for name in runs if name != "base"}
    for a in kinds:
        for b in kinds:
            if kinds[a] == "carbon" and kinds[b] == "restriction" and \
                    set(runs[a].result.links["id"]) == set(runs[b].result.links["id"]):
                lines.append(f"`{a}` and `{b}` build the same links: the carbon price makes the optimiser choose "
                             f"by itself the retrofit that `{b}` forces.\n")
    share = accounts["emissions"] / accounts["emissions"].sum()
    top = share.idxmax()
    lines.append(f"Of the base plan's {fk(accounts['emissions'].sum())} ktCO2 a year, {fk(accounts.loc[top, 'emissions'])} "
                 f"({share[top]:.0%}) are {top}: the heat still made the conventional way.\n"
                 if top == "heat" else
                 f"Of the base plan's {fk(accounts['emissions'].sum())} ktCO2 a year, {fk(accounts.loc[top, 'emissions'])} "
                 f"({share[top]:.0%}) come with {top}.\n")
    return "\n".join(lines)


# --- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=pathlib.Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument("--park", type=pathlib.Path, default=PARK_FILE, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    factors = read_yaml(FACTORS_FILE)
    compare, runs = solve_all(args.park)
    checks = Checks()
    for check in RUN_CHECKS:
        for run in runs.values():
            check(checks, run, factors)
    check_scenarios(checks, runs)

    for number, entry in enumerate(checks.entries, start=1):
        print(f"check {number} {'passed' if entry['ok'] else 'FAILED'}: {entry['name']}")
    if checks.failed:
        for entry in checks.failed:
            for failure in entry["failures"]:
                print(f"FAILED {entry['name']}: {failure}", file=sys.stderr)
        return 1
    text = write_document(compare, runs, checks, factors)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(checks.entries)} sanity checks passed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
