"""SPEC 8.1-8.2: markets (buyers outside the park) and processes (conversions inside an enterprise).

Every park defines its own resources and modes (names prefixed ``m_``) so nothing depends on
the shipped catalog. Money is at discount rate 0, so CRF = 1 / lifetime and annualised capex
is capex / lifetime. Each test derives its optimum by hand in its docstring; `helpers.assert_optimum`
checks that the KPI parts add up to total_cost (SPEC 4 and 8):

    total_cost = annualized_capex + variable_cost + electricity_cost + drive_cost
                 + process_cost + disposal_cost + baseline_cost - market_revenue
"""

from __future__ import annotations

import importlib
import json
import math
import pathlib
import re

import helpers
import numpy as np
import pytest
from helpers import EXACT_REL as REL
from helpers import KPI_PARTS, STEEL_SLAG_YAML, assert_breakdown, assert_optimum, links_by_id, mode, run, solve_exact

import circflow
from circflow.decompose import independent_parts
from circflow.exports.geojson import network_geojson
from circflow.exports.netmap import network_map_figure_dict
from circflow.exports.report import cost_figure
from circflow.model import prune_dominated
from circflow.network import build_network

OPTIMIZE = importlib.import_module("circflow.optimizer")  # SPLIT_FROM_LINKS lives there
ECONOMICS = {**helpers.ECONOMICS, "electricity_price": 500.0, "grid_emission_factor": 0.5}
RESOURCES = {
    "m_slag": {"kind": "material", "unit": "t", "modes": ["m_truck"]},
    "m_ash": {"kind": "material", "unit": "t", "modes": ["m_truck"]},
}
TRUCK = mode(opex_per_unit_km=0.5)
"""0.5 per t per km, no capex: a 4 km haul costs 2 per t."""
CONTRACT_TRUCK = mode(opex_per_unit_km=0.5, capex_fixed=1000.0, lifetime_years=10.0)
"""As TRUCK, plus 1,000 per contract over 10 years: 100 a year per link built."""


def make_park(enterprises: list[dict], *, truck: dict | None = None, **sections: object) -> circflow.Park:
    """A park of ``enterprises`` whose `RESOURCES` go by ``truck`` (`TRUCK` when None), in
    `ECONOMICS`; ``sections`` add to these or replace them."""
    sections = {"economics": ECONOMICS, "resources": RESOURCES, **sections}
    return circflow.park_from_dict(
        helpers.park_data("markets and processes", enterprises, modes={"m_truck": truck or TRUCK}, **sections)
    )


def process_row(result: circflow.Result, path: str) -> dict:
    rows = result.processes[result.processes["id"] == path].to_dict("records")
    assert len(rows) == 1
    return rows[0]


# -- markets (SPEC 8.1) ----------------------------------------------------------------------

STEEL = {
    "id": "steel",
    "location": {"x": 0, "y": 0},
    "supplies": [{"resource": "m_slag", "amount": 10_000, "disposal": {"cost": 30}}],
}


def market(price: float, *, x: float = 10.0, market_id: str = "buyer", **buy: object) -> dict:
    return {"id": market_id, "location": {"x": x, "y": 0}, "buys": [{"resource": "m_slag", "price": price, **buy}]}


@pytest.mark.parametrize(
    ("price", "sold", "total_cost"),
    [
        (50.0, 10_000, 100 + 10_000 * (5 - 50)),  # -449,900: sold
        (-20.0, 10_000, 100 + 10_000 * (5 + 20)),  # 250,100: a gate fee of 20, still below landfill
        (-25.0, 0, 300_000),  # gate fee 25 + haul 5 = landfill 30, and the contract costs 100: landfill
    ],
    ids=["price", "gate-fee-pays", "gate-fee-too-high"],
)
def test_one_market_against_landfill(price: float, sold: float, total_cost: float) -> None:
    """Steel's 10,000 t of slag go to landfill at 30 per t, or 10 km by truck to one market.

    Selling costs 100 a year (the contract, 1,000 / 10 years) plus 0.5 x 10 = 5 per t hauled,
    and earns ``price`` per t (negative: a gate fee the park pays):

        sell all:  100 + 10,000 (5 - price);   landfill: 10,000 x 30 = 300,000.

    Selling wins iff 100 + 10,000 (5 - price) < 300,000, i.e. price > -24.99:

    - price 50:  100 + 10,000 x (-45) = -449,900; market_revenue 500,000;
    - price -20: 100 + 10,000 x 25 = 250,100; market_revenue = -200,000 (the fee paid);
    - price -25: 300,100 > 300,000, so nothing is built and total_cost = 300,000.

    The status quo is landfill (300,000) in every case.
    """
    result = solve_exact(make_park([STEEL], truck=CONTRACT_TRUCK, markets=[market(price)]))
    links = links_by_id(result)
    if sold:
        assert list(links) == ["steel>buyer:m_slag:m_truck"]
        link = links["steel>buyer:m_slag:m_truck"]
        assert link["flow_total"] == pytest.approx(sold, rel=REL)
        assert link["length_km"] == pytest.approx(10.0)
        assert link["market_revenue"] == pytest.approx(price * sold, rel=REL)
        assert_optimum(
            result,
            total_cost,
            annualized_capex=100.0,
            variable_cost=5 * sold,
            market_revenue=price * sold,
            capex=1000.0,
        )
    else:
        assert links == {}
        assert_optimum(result, 300_000.0, disposal_cost=300_000.0, market_revenue=0.0, capex=0.0)
    assert result.kpis["baseline"]["total_cost"] == pytest.approx(300_000.0, rel=REL)
    assert result.kpis["utilization"]["m_slag"] == pytest.approx(sold / 10_000, rel=REL, abs=1e-12)


def test_a_market_amount_limit_sends_the_rest_to_landfill(tmp_path: pathlib.Path) -> None:
    """The market takes at most 6,000 t a year (``amount``); price 50, haul 5, landfill 30.

    Each t sold saves 30 + 50 - 5 = 75 against landfill, so the market gets all it takes:

        total_cost = 100 + 6,000 x (5 - 50) + 4,000 x 30 = 100 - 270,000 + 120,000 = -149,900;

    market_revenue 300,000, variable_cost 30,000, disposal_cost 120,000; 4,000 t disposed of,
    utilisation 0.6 (a market counts as used, SPEC 8.1). results.json lists the sale under
    ``market_sales`` and the rest under ``disposal``.
    """
    result = solve_exact(make_park([STEEL], truck=CONTRACT_TRUCK, markets=[market(50.0, amount=6_000)]))
    assert_optimum(
        result,
        -149_900.0,
        annualized_capex=100.0,
        variable_cost=30_000.0,
        disposal_cost=120_000.0,
        market_revenue=300_000.0,
    )
    assert result.kpis["utilization"]["m_slag"] == pytest.approx(0.6, rel=REL)
    content = result.to_dict()
    assert content["market_sales"] == [
        {"enterprise": "buyer", "stream": 0, "resource": "m_slag", "amount": {"year": pytest.approx(6_000.0, rel=REL)}}
    ]
    assert content["disposal"][0]["amount"]["year"] == pytest.approx(4_000.0, rel=REL)
    result.save(tmp_path / "out")
    assert (tmp_path / "out" / "results.json").is_file()


def test_a_utilization_target_counts_sales_to_a_market() -> None:
    """Gate fee 40 + haul 5 = 45 per t sold against landfill 30: unprofitable on its own, so
    with no target nothing is sold (300,000). ``targets.utilization.m_slag: 0.5`` counts what
    the market takes (SPEC 8.1), so 5,000 t are sold and no more:

        total_cost = 100 + 5,000 x 45 + 5,000 x 30 = 100 + 225,000 + 150,000 = 375,100;

    market_revenue = -40 x 5,000 = -200,000 (the fee), variable_cost 25,000.
    """
    free = solve_exact(make_park([STEEL], truck=CONTRACT_TRUCK, markets=[market(-40.0)]))
    assert free.objective == pytest.approx(300_000.0, rel=REL)
    targeted = solve_exact(
        make_park([STEEL], truck=CONTRACT_TRUCK, markets=[market(-40.0)], targets={"utilization": {"m_slag": 0.5}})
    )
    assert_optimum(
        targeted,
        375_100.0,
        annualized_capex=100.0,
        variable_cost=25_000.0,
        disposal_cost=150_000.0,
        market_revenue=-200_000.0,
    )
    assert targeted.kpis["utilization"]["m_slag"] == pytest.approx(0.5, rel=REL)


def contract_park(**contract: object) -> circflow.Park:
    """Steel's slag, ``buyer`` (10 km, price 50) over an existing contract of 0.5 t/h (with the
    ``contract``'s other fields) and ``far_buyer`` (20 km, price 40) over a new one."""
    return make_park(
        [STEEL],
        truck=CONTRACT_TRUCK,
        markets=[market(50.0), market(40.0, x=20.0, market_id="far_buyer")],
        links=[{"from": "steel", "to": "buyer", "resource": "m_slag", "existing": True, "capacity": 0.5, **contract}],
    )


@pytest.mark.parametrize(
    ("expandable", "new_link", "total_cost", "variable_cost", "market_revenue"),
    [
        (False, "steel>far_buyer:m_slag:m_truck", -365_600.0, 4_380 * 5 + 5_620 * 10, 4_380 * 50 + 5_620 * 40),
        (True, "steel>buyer:m_slag:m_truck:expansion", -449_900.0, 50_000.0, 500_000.0),
    ],
    ids=["existing", "expandable"],
)
def test_an_existing_sales_contract_is_the_status_quo(
    expandable: bool, new_link: str, total_cost: float, variable_cost: float, market_revenue: float
) -> None:
    """Today the steel works sells to ``buyer`` (10 km, price 50) over an existing contract
    limited to 0.5 t/h = 4,380 t a year (``links`` with ``existing: true``); a second market,
    ``far_buyer`` at 20 km paying 40, could take the rest.

    Per t: existing contract 5 - 50 = -45 (no capex, sunk); far buyer 10 - 40 = -30 plus
    100 a year for the new contract; landfill 30.

    - status quo (existing links only): 4,380 x (-45) + 5,620 x 30 = -197,100 + 168,600 = -28,500;
    - optimum: the contract full, the rest to far_buyer:
      4,380 x (-45) + 100 + 5,620 x (-30) = -197,100 + 100 - 168,600 = -365,600;
    - savings 337,100. The existing link reports capex 0 and capacity 0.5 t/h.

    The contract ``expandable: true``: a new link beside it, priced as new (1,000 over 10
    years = 100 a year), carries what the old one cannot. Per t it earns as the contract does
    (5 - 50 = -45), better than far_buyer (-30), so all 5,620 t go there:

        total_cost = 4,380 x (-45) + 100 + 5,620 x (-45) = -450,000 + 100 = -449,900;

    the status quo is the contract alone, -28,500, as before (savings 421,400); the
    expansion's capacity is 5,620 / 8,760 = 0.64155 t/h and its capex 1,000.
    """
    result = solve_exact(contract_park(expandable=expandable))
    assert result.kpis["savings"]["total_cost"] == pytest.approx(-28_500.0 - total_cost, rel=REL)
    assert result.kpis["baseline"]["market_revenue"] == pytest.approx(4_380 * 50.0, rel=REL)
    links = links_by_id(result)
    assert set(links) == {"steel>buyer:m_slag:m_truck", new_link}
    contract, new = links["steel>buyer:m_slag:m_truck"], links[new_link]
    assert contract["existing"]
    assert contract["capex"] == 0.0
    assert contract["flow_total"] == pytest.approx(4_380.0, rel=REL)
    assert contract["capacity"] == pytest.approx(0.5, rel=REL)
    assert not new["existing"]
    assert new["flow_total"] == pytest.approx(5_620.0, rel=REL)
    assert new["capex"] == pytest.approx(1_000.0, rel=REL)
    if expandable:
        assert new["capacity"] == pytest.approx(5_620 / 8_760, rel=REL)
    assert_optimum(
        result,
        total_cost,
        status_quo=-28_500.0,
        annualized_capex=100.0,
        capex=1_000.0,
        variable_cost=variable_cost,
        market_revenue=market_revenue,
    )


@pytest.mark.parametrize(("carbon_price", "sold"), [(50.0, True), (100.0, False)])
def test_market_emissions_count_and_can_turn_a_sale_down(carbon_price: float, sold: bool) -> None:
    """The market adds ``emissions: 0.8`` tCO2 per t delivered (landfill emits nothing here).

    Selling: 100 + 10,000 (5 - 50) = -449,900 of total_cost and 8,000 tCO2; landfill:
    300,000 and 0 tCO2. The cost objective adds carbon_price x emissions:

    - carbon 50:  -449,900 + 50 x 8,000 = -49,900 < 300,000: sold, emissions 8,000
      (emission_sources.market), carbon_cost 400,000;
    - carbon 100: -449,900 + 800,000 = 350,100 > 300,000: landfill, objective 300,000.

    (Break-even: 100 + 10,000 (5 - 50 + 0.8 c) = 300,000 at c = 93.7375.)
    """
    park = make_park(
        [STEEL],
        truck=CONTRACT_TRUCK,
        economics={**ECONOMICS, "carbon_price": carbon_price},
        markets=[market(50.0, emissions=0.8)],
    )
    result = solve_exact(park)
    if sold:
        assert result.objective == pytest.approx(-49_900.0, rel=REL)
        assert result.kpis["emissions"] == pytest.approx(8_000.0, rel=REL)
        assert result.kpis["emission_sources"]["market"] == pytest.approx(8_000.0, rel=REL)
        assert result.kpis["carbon_cost"] == pytest.approx(400_000.0, rel=REL)
        assert_breakdown(
            result.kpis, total_cost=-449_900.0, annualized_capex=100.0, variable_cost=50_000.0, market_revenue=500_000.0
        )
        assert links_by_id(result)["steel>buyer:m_slag:m_truck"]["emissions"] == pytest.approx(8_000.0, rel=REL)
    else:
        assert result.objective == pytest.approx(300_000.0, rel=REL)
        assert result.kpis["emissions"] == pytest.approx(0.0, abs=1e-9)
        assert result.links.empty


def test_maps_and_diagrams_place_a_market_and_its_sales(tmp_path: pathlib.Path) -> None:
    """A market has a location like an enterprise (SPEC 8.1): network.geojson gives it a Point
    and the sale a LineString from the steel works (0, 0) to it (10, 0); the report's map marks
    it and draws the link; the Sankey names it by its name."""
    buyer = market(50.0)
    buyer["name"] = "Cement plants up north"
    result = solve_exact(make_park([STEEL], truck=CONTRACT_TRUCK, markets=[buyer]))
    content = json.loads((result.save(tmp_path / "out") / "results.json").read_text(encoding="utf-8"))
    features = {f["id"]: f for f in network_geojson(content)["features"]}
    assert features["buyer"]["geometry"] == {"type": "Point", "coordinates": [10.0, 0.0]}
    assert features["buyer"]["properties"]["feature"] == "market"
    assert features["buyer"]["properties"]["buys"] == ["m_slag"]
    sale = features["steel>buyer:m_slag:m_truck"]
    assert sale["geometry"] == {"type": "LineString", "coordinates": [[0.0, 0.0], [10.0, 0.0]]}
    saved = json.loads((tmp_path / "out" / "network.geojson").read_text(encoding="utf-8"))
    assert all(f["geometry"] is not None for f in saved["features"])
    figure = network_map_figure_dict(content)
    data = figure["data"]
    (markets,) = [trace for trace in data if trace["name"] == "markets (outside buyers)"]
    assert markets["x"] == [10.0]
    assert markets["hovertext"][0].startswith("<b>Cement plants up north</b> (buyer)")
    names = [note["text"] for note in network_map_figure_dict(content)["layout"]["annotations"]]
    assert "Cement plants up north" in names  # placed beside the marker, clear of other names
    (line,) = [trace for trace in data if trace["name"] == "m slag" and trace["mode"] == "lines"]
    assert (line["x"][0], line["x"][2]) == (0.0, 10.0)
    labels = circflow.sankey_figure(content).data[0].node.label
    assert (
        "Cement plants up north<br>(market)<br><span style='font-size:10px'>m\u00a0slag\u00a010\u00a0kt</span>"
        in labels
    )


# -- processes (SPEC 8.2) --------------------------------------------------------------------


def grinding(*, capex_fixed: float = 942_000.0, existing: bool = False, **fields: object) -> dict:
    """Grinds blast-furnace slag into S95 slag: yield 0.9, 40 per t of input, 20 years."""
    return {
        "id": "grinding",
        "input": {"resource": "m_slag", "requires": {"type": ["blast_furnace"]}},
        "outputs": [
            {
                "resource": "m_slag",
                "yield": 0.9,
                "quality": {"type": "blast_furnace", "grade": "S95"},
                "disposal": {"cost": 30},
            }
        ],
        "opex_per_unit": 40.0,
        "capex_fixed": capex_fixed,
        "lifetime_years": 20.0,
        "existing": existing,
        **fields,
    }


def slag_works(amount: float | None = None, *, processes: list[dict] | None = None, **stream: object) -> dict:
    supply = {"resource": "m_slag", "quality": {"type": "blast_furnace"}, "disposal": {"cost": 30}, **stream}
    if amount is not None:
        supply["amount"] = amount
    return {"id": "steel", "location": {"x": 0, "y": 0}, "supplies": [supply], "processes": processes or []}


GRINDER_AT = {"x": 4, "y": 0}
S95_MARKET = {
    "id": "cement_market",
    "location": {"x": 8, "y": 0},
    "buys": [{"resource": "m_slag", "price": 120.0, "requires": {"grade": ["S95"]}}],
}


def grinder(process: dict) -> dict:
    """The enterprise at `GRINDER_AT` that runs ``process``."""
    return {"id": "grinder", "location": GRINDER_AT, "processes": [process]}


def grinding_park(volume: float, process: dict | None = None, **sections: object) -> circflow.Park:
    """``volume`` t of slag at the steel works, ``process`` (`grinding()` when None) at the
    grinder, and `S95_MARKET`."""
    return make_park([slag_works(volume), grinder(process or grinding())], markets=[S95_MARKET], **sections)


EXISTING_CONTRACTS = [
    {"from": "steel", "to": "grinder", "resource": "m_slag", "existing": True},
    {"from": "grinder", "to": "cement_market", "resource": "m_slag", "existing": True},
]
"""Truck contracts steel -> grinder -> market that exist today."""


def existing_grinding_park() -> circflow.Park:
    """400 t of slag, the grinding station existing and its two truck contracts too."""
    return grinding_park(400.0, grinding(existing=True), links=EXISTING_CONTRACTS)


@pytest.mark.parametrize(("volume", "built"), [(400.0, False), (600.0, True)])
def test_a_grinding_station_pays_only_above_its_break_even_volume(volume: float, built: bool) -> None:
    """Steel (0, 0) makes ``volume`` t of blast-furnace slag (landfill 30 per t); a candidate
    grinding station at (4, 0) turns it into S95 slag (yield 0.9, opex 40 per t of input,
    capex 942,000 over 20 years = 47,100 a year) that a market at (8, 0) buys at 120. Raw slag
    has no grade, so it cannot be sold directly. Trucks: 0.5 per t per km, no capex.

    Per t of slag ground: haul 4 km = 2, opex 40, and 0.9 t of S95 hauled 4 km and sold:
    0.9 x (2 - 120) = -106.2; together 42 - 106.2 = -64.2, against +30 of landfill, so each t
    is worth 94.2 a year. Break-even volume 47,100 / 94.2 = 500 t:

    - 400 t: not built; total_cost = 400 x 30 = 12,000 (the status quo);
    - 600 t: built; total_cost = 47,100 - 64.2 x 600 = 8,580 = annualised 47,100 + haul
      600 x 2 + 540 x 2 = 2,280 + process 600 x 40 = 24,000 - revenue 540 x 120 = 64,800.

    A candidate that is not built carries nothing: no link in or out, input 0, output 0.
    """
    result = solve_exact(grinding_park(volume))
    station = process_row(result, "grinder#grinding")
    assert result.kpis["baseline"]["total_cost"] == pytest.approx(30 * volume, rel=REL)
    if built:
        assert_optimum(
            result,
            8_580.0,
            annualized_capex=47_100.0,
            capex=942_000.0,
            variable_cost=2_280.0,
            process_cost=24_000.0,
            market_revenue=64_800.0,
        )
        assert station["built"]
        assert station["input_total"] == pytest.approx(600.0, rel=REL)
        assert station["outputs"][0]["amount"]["year"] == pytest.approx(540.0, rel=REL)
        assert station["outputs"][0]["taken"]["year"] == pytest.approx(540.0, rel=REL)
        assert station["capex"] == pytest.approx(942_000.0, rel=REL)
        assert set(links_by_id(result)) == {
            "steel>grinder#grinding:m_slag:m_truck",
            "grinder#grinding>cement_market:m_slag:m_truck",
        }
        assert result.kpis["processes_built"] == 1
    else:
        assert_optimum(result, 12_000.0, disposal_cost=12_000.0, capex=0.0, market_revenue=0.0)
        assert not station["built"]
        assert station["input_total"] == 0.0
        assert station["capacity"] == 0.0
        assert station["outputs"][0]["amount"]["year"] == 0.0
        assert result.links.empty
        assert result.flows.empty
        process_streams = result.balances[result.balances["path"].str.startswith("grinder#")]
        assert len(process_streams) == 2
        assert (process_streams["amount"] == 0).all()
        assert (process_streams["linked"] == 0).all()
        assert result.kpis["processes_built"] == 0


def test_a_forced_link_into_a_process_left_unbuilt_stays_in_the_plan() -> None:
    """``plan.force`` the truck contract steel -> grinder (1,000 over 10 years = 100 a year)
    at 400 t, below the station's break-even (its second contract, grinder -> market, adds
    another 100: it would pay from (47,100 + 100) / 94.2 = 501 t). The forced link is built
    (SPEC 4: y = 1) and carries nothing, since the station is not built:

        total_cost = 100 + 400 x 30 = 12,100 (the solver's bound too).

    The plan lists the forced link with its capex, so the reported optimum is its cost.
    """
    park = grinding_park(
        400.0, truck=CONTRACT_TRUCK, plan={"force": [{"from": "steel", "to": "grinder", "resource": "m_slag"}]}
    )
    result = solve_exact(park)
    assert result.bound == pytest.approx(12_100.0, rel=1e-7)
    assert_optimum(result, 12_100.0, annualized_capex=100.0, capex=1_000.0, disposal_cost=12_000.0)
    forced = links_by_id(result)["steel>grinder#grinding:m_slag:m_truck"]
    assert forced["forced"]
    assert forced["flow_total"] == 0.0
    assert forced["capex"] == pytest.approx(1_000.0, rel=REL)
    assert not process_row(result, "grinder#grinding")["built"]


def test_the_summary_says_the_capex_pays_for_a_process(write_park_yaml, tmp_path: pathlib.Path) -> None:
    """At 600 t the grinding station is built: the plan's 942,000 of capex is the station's
    (its trucks cost nothing to build), so the summary, the report and the workbook call it the
    capex of new links and processes (the summary: an investment in new links and a process); a
    park that builds no process says new links."""
    path = write_park_yaml(
        PROCESS_YAML.replace("input: {resource: m_slag}", GRINDING_ECONOMICS).replace(
            "quality: {type: blast_furnace}}", "quality: {type: blast_furnace}, disposal: {cost: 30}}"
        )
        + "markets:\n  - {id: cement_market, location: {x: 8, y: 0}, buys: [{resource: m_slag, "
        "price: 120, requires: {grade: [S95]}}]}\n"
    )
    result = run("optimize", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "investment 942.00 k CNY in 2 new links and 1 new process" in result.output
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "The plan builds 2 new links and 1 new process." in report  # the executive summary
    assert "capex of new links and processes" in report
    plain = run("optimize", write_park_yaml(), "-o", tmp_path / "plain")
    assert re.search(r"investment [0-9.]+ [kM]? ?CNY in \d+ new links?;", plain.output), plain.output


@pytest.mark.parametrize(("max_capex", "total_cost"), [(942_000.0, 8_580.0), (941_999.0, 18_000.0)])
def test_a_capex_budget_counts_a_process(max_capex: float, total_cost: float) -> None:
    """``targets.max_capex`` is the capex of new links and processes (SPEC 3.8, 8.2): the
    grinding station at 600 t costs 942,000 (its trucks nothing), so a budget of 942,000
    lets it be built (8,580) and one of 941,999 does not (landfill, 600 x 30 = 18,000)."""
    park = grinding_park(600.0, targets={"max_capex": max_capex})
    result = solve_exact(park)
    assert result.objective == pytest.approx(total_cost, rel=REL)
    assert result.kpis["capex"] <= max_capex
    assert bool(process_row(result, "grinder#grinding")["built"]) == (total_cost < 18_000)


def test_a_classifier_sends_two_grades_to_two_demands() -> None:
    """A power plant's 10,000 t of fly ash (landfill 25 per t, no grade) reach a candidate
    classifier 2 km away (capex 100,000 over 20 years = 5,000 a year, opex 10 per t). It
    makes 0.3 grade I (for concrete, 2,000 t wanted, baseline 150) and 0.6 grade II (for
    cement, 8,000 t wanted, baseline 60); 0.1 is lost. Every haul is 2 km = 1 per t; an
    unsold output is landfilled at 25.

    Marginal t of ash once concrete is full: in 1 + opex 10 + 0.3 x 25 (grade I landfilled)
    + 0.6 x (1 - 60) (grade II replaces cement's baseline) - 25 (landfill avoided) = -41.9 < 0,
    so all 10,000 t are classified: 3,000 t grade I (2,000 to concrete, 1,000 landfilled) and
    6,000 t grade II (all to cement, which still buys 2,000 t conventionally):

        annualised 5,000 + haul (10,000 + 2,000 + 6,000) x 1 = 18,000 + process 100,000
        + disposal 1,000 x 25 = 25,000 + baseline 2,000 x 60 = 120,000  = 268,000.

    Status quo: 250,000 + 2,000 x 150 + 8,000 x 60 = 1,030,000.
    """
    ash = {"resource": "m_ash", "amount": 10_000, "disposal": {"cost": 25}}
    classify = {
        "id": "classify",
        "input": {"resource": "m_ash"},
        "opex_per_unit": 10.0,
        "capex_fixed": 100_000.0,
        "lifetime_years": 20.0,
        "outputs": [
            {"resource": "m_ash", "yield": 0.3, "quality": {"grade": "I"}, "disposal": {"cost": 25}},
            {"resource": "m_ash", "yield": 0.6, "quality": {"grade": "II"}, "disposal": {"cost": 25}},
        ],
    }
    park = make_park(
        [
            {"id": "power", "location": {"x": 0, "y": 0}, "supplies": [ash]},
            {"id": "classifier", "location": {"x": 2, "y": 0}, "processes": [classify]},
            {
                "id": "concrete",
                "location": {"x": 4, "y": 0},
                "demands": [
                    {"resource": "m_ash", "amount": 2_000, "requires": {"grade": ["I"]}, "baseline": {"cost": 150}}
                ],
            },
            {
                "id": "cement",
                "location": {"x": 2, "y": 2},
                "demands": [
                    {"resource": "m_ash", "amount": 8_000, "requires": {"grade": ["II"]}, "baseline": {"cost": 60}}
                ],
            },
        ]
    )
    result = solve_exact(park)
    assert_optimum(
        result,
        268_000.0,
        status_quo=10_000 * 25 + 2_000 * 150 + 8_000 * 60,
        annualized_capex=100_000 / 20,
        variable_cost=(10_000 + 2_000 + 6_000) * 1,
        process_cost=10_000 * 10,
        disposal_cost=1_000 * 25,
        baseline_cost=2_000 * 60,
        market_revenue=0.0,
    )
    links = links_by_id(result)
    grade_i, grade_ii = "classifier#classify.outputs[0]", "classifier#classify.outputs[1]"  # one resource twice
    assert set(links) == {
        "power>classifier#classify:m_ash:m_truck",
        f"{grade_i}>concrete:m_ash:m_truck",
        f"{grade_ii}>cement:m_ash:m_truck",
    }
    assert links[f"{grade_i}>concrete:m_ash:m_truck"]["from_stream"] == grade_i
    assert links[f"{grade_ii}>cement:m_ash:m_truck"]["from_stream"] == grade_ii
    assert links[f"{grade_i}>concrete:m_ash:m_truck"]["flow_total"] == pytest.approx(2_000.0, rel=REL)
    assert links[f"{grade_ii}>cement:m_ash:m_truck"]["flow_total"] == pytest.approx(6_000.0, rel=REL)
    outputs = process_row(result, "classifier#classify")["outputs"]
    assert [o["amount"]["year"] for o in outputs] == [pytest.approx(3_000.0, rel=REL), pytest.approx(6_000.0, rel=REL)]
    assert [o["taken"]["year"] for o in outputs] == [pytest.approx(2_000.0, rel=REL), pytest.approx(6_000.0, rel=REL)]
    rest = result.balances.set_index("path")["rest"]
    assert rest["classifier#classify.outputs[0]"] == pytest.approx(1_000.0, rel=REL)
    assert rest["cement.demands[0]"] == pytest.approx(2_000.0, rel=REL)
    assert rest["concrete.demands[0]"] == pytest.approx(0.0, abs=1e-6)


def test_an_existing_process_runs_in_the_status_quo() -> None:
    """The grinding station of the break-even test exists (capex sunk) and so do its two
    truck contracts (steel -> grinder, grinder -> market). At 400 t, below the candidate's
    break-even, it still runs: each t is worth -64.2 (derived above) with no capex to pay:

        status quo = optimum = -64.2 x 400 = -25,680
        (haul 400 x 2 + 360 x 2 = 1,520, process 16,000, revenue 360 x 120 = 43,200);

    savings 0, capex 0. With the station a candidate the status quo is landfill, 12,000.
    """
    result = solve_exact(existing_grinding_park())
    assert result.kpis["baseline"]["process_cost"] == pytest.approx(16_000.0, rel=REL)
    assert result.kpis["savings"]["total_cost"] == pytest.approx(0.0, abs=1e-6)
    assert_optimum(
        result,
        -25_680.0,
        status_quo=-25_680.0,
        capex=0.0,
        variable_cost=1_520.0,
        process_cost=16_000.0,
        market_revenue=43_200.0,
    )
    station = process_row(result, "grinder#grinding")
    assert station["existing"]
    assert station["built"]
    assert station["capex"] == 0.0
    assert all(row["existing"] for row in links_by_id(result).values())
    assert solve_exact(grinding_park(400.0)).kpis["baseline"]["total_cost"] == pytest.approx(12_000.0, rel=REL)


def test_a_process_at_its_supplys_enterprise_is_fed_on_site() -> None:
    """The steel works grinds its own 600 t of slag: its supply reaches the process by an
    on-site link (length 0, no cost, nothing to build); only the S95 slag is trucked 8 km
    to the market (4 per t). The mill also uses 0.02 MWh of electricity per t (500 per MWh,
    0.5 tCO2 per MWh) and emits 0.01 tCO2 per t.

    Per t: opex 40 + electricity 10 + 0.9 x (4 - 120) = 50 - 104.4 = -54.4, so
        total_cost = 47,100 - 54.4 x 600 = 14,460 < 18,000 (landfill, the status quo)
        (haul 540 x 4 = 2,160, process 24,000, electricity 12 MWh = 6,000,
        revenue 540 x 120 = 64,800); emissions 12 x 0.5 + 600 x 0.01 = 6 + 6 = 12 tCO2.
    """
    process = grinding(electricity_per_unit=0.02, emissions_per_unit=0.01)
    park = make_park([slag_works(600.0, processes=[process])], markets=[S95_MARKET])
    result = solve_exact(park)
    assert_optimum(
        result,
        47_100 - 54.4 * 600,
        status_quo=18_000.0,
        annualized_capex=47_100.0,
        variable_cost=540 * 4,
        process_cost=600 * 40,
        electricity_cost=12 * 500,
        electricity_mwh=600 * 0.02,
        market_revenue=540 * 120,
        emissions=12 * 0.5 + 600 * 0.01,
    )
    assert result.kpis["emission_sources"]["process"] == pytest.approx(6.0, rel=REL)
    assert result.kpis["emission_sources"]["electricity"] == pytest.approx(6.0, rel=REL)
    links = links_by_id(result)
    on_site = links["steel>steel#grinding:m_slag:on_site"]
    assert on_site["on_site"]
    assert on_site["length_km"] == 0.0
    assert on_site["variable_cost"] == 0.0
    assert on_site["capex"] == 0.0
    assert on_site["to_stream"] == "steel#grinding.input"
    assert on_site["flow_total"] == pytest.approx(600.0, rel=REL)
    assert links["steel#grinding>cement_market:m_slag:m_truck"]["length_km"] == pytest.approx(8.0)
    station = process_row(result, "steel#grinding")
    assert station["electricity_mwh"] == pytest.approx(12.0, rel=REL)
    assert station["emissions"] == pytest.approx(12.0, rel=REL)


SEASONS = [{"name": "winter", "hours": 2000.0}, {"name": "summer", "hours": 6760.0}]


@pytest.mark.parametrize(
    ("capacity", "capex_per_capacity", "size", "ground", "total_cost"),
    [
        (1.5, 100_000.0, 1.5, 3_000 + 6_760, 7_500 - 64.4 * 9_760 + 30 * 1_000),
        (None, 5_000_000.0, 1.0, 2_000 + 6_760, 250_000 - 64.4 * 8_760 + 30 * 2_000),
    ],
    ids=["capacity-limit-binds", "capex-sizes-for-the-base"],
)
def test_process_capacity_and_its_capex_size_the_station(
    capacity: float | None, capex_per_capacity: float, size: float, ground: float, total_cost: float
) -> None:
    """The on-site station of the previous test, in two seasons: 4,000 t of slag in 2,000
    winter hours (2 t/h) and 6,760 t in 6,760 summer hours (1 t/h); no fixed capex but
    ``capex_per_capacity`` per t/h of input (20 years). Each t ground is worth 64.4 + 30 = 94.4.

    - capacity 1.5 t/h, 100,000 per t/h (5,000 a year): one more t/h above 1 t/h serves 2,000
      winter t, worth 188,800 > 5,000, so the station is as big as allowed, 1.5 t/h:
      winter 3,000 t ground and 1,000 landfilled, summer 6,760 ground;
      total_cost = 1.5 x 5,000 - 64.4 x 9,760 + 1,000 x 30 = 7,500 - 628,544 + 30,000 = -591,044.
    - no limit, 5,000,000 per t/h (250,000 a year): above 1 t/h a t/h earns 188,800 < 250,000,
      below it 8,760 x 94.4 = 826,944 > 250,000, so 1 t/h: 2,000 + 6,760 = 8,760 t ground,
      2,000 landfilled; total_cost = 250,000 - 564,144 + 60,000 = -254,144.
    """
    supply = {"per_period": {"winter": 4_000, "summer": 6_760}}
    process = grinding(capex_fixed=0.0, capacity=capacity, capex_per_capacity=capex_per_capacity)
    park = make_park([slag_works(processes=[process], **supply)], markets=[S95_MARKET], periods=SEASONS)
    result = solve_exact(park)
    station = process_row(result, "steel#grinding")
    assert station["capacity"] == pytest.approx(size, rel=REL)
    assert station["capex"] == pytest.approx(size * capex_per_capacity, rel=REL)
    assert station["input_total"] == pytest.approx(ground, rel=REL)
    assert station["input"]["winter"] == pytest.approx(size * 2000, rel=REL)
    assert_optimum(
        result,
        total_cost,
        annualized_capex=size * capex_per_capacity / 20,
        capex=size * capex_per_capacity,
        variable_cost=0.9 * ground * 4,
        process_cost=40 * ground,
        disposal_cost=30 * (10_760 - ground),
        market_revenue=0.9 * ground * 120,
    )


def test_yields_above_one_are_refused_with_the_field_path(write_park_yaml) -> None:
    """0.6 + 0.5 = 1.1 units out per unit in is not a process (SPEC 8.2: yields sum <= 1):
    a ParkError at ``enterprises[1].processes[0]``, in code and from a file (exit 2)."""
    bad = grinding()
    bad["outputs"] = [dict(bad["outputs"][0], **{"yield": 0.6}), dict(bad["outputs"][0], **{"yield": 0.5})]
    with pytest.raises(circflow.ParkError) as caught:
        make_park([slag_works(600.0), grinder(bad)])
    assert [p.path for p in caught.value.problems] == ["enterprises[1].processes[0]"]
    assert "add up to 1.1" in str(caught.value)
    text = PROCESS_YAML.replace("yield: 0.9", "yield: 0.6") + "          - {resource: m_slag, yield: 0.5}\n"
    path = write_park_yaml(text)
    result = run("validate", path)
    assert result.exit_code == 2
    assert "enterprises[1].processes[0]" in result.output
    assert "1.1" in result.output


GRINDING_ECONOMICS = (
    "input: {resource: m_slag}\n        opex_per_unit: 40\n        capex_fixed: 942000\n        lifetime_years: 20"
)
PROCESS_YAML = (
    "park: {name: yields}\n"
    + STEEL_SLAG_YAML
    + """\
    supplies: [{resource: m_slag, amount: 600, quality: {type: blast_furnace}}]
  - id: grinder
    location: {x: 4, y: 0}
    processes:
      - id: grinding
        input: {resource: m_slag}
        outputs:
          - {resource: m_slag, yield: 0.9, quality: {grade: S95}, disposal: {cost: 30}}
"""
)


def test_utilization_counts_what_enters_a_process_not_what_leaves_it() -> None:
    """1,000 t of slag (landfill 10) may be ground (opex 40, yield 0.5, no capex) at 4 km
    and the product sold at 20 another 4 km on. Per t ground: 2 + 40 + 0.5 x (2 - 20) = 33
    against landfill 10: nobody grinds for money. ``utilization.m_slag: 0.8`` counts the
    steel works' own slag that enters the process (SPEC 8.2), not the ground slag that
    leaves it, so 800 t must be ground:

        total_cost = 800 x 33 + 200 x 10 = 26,400 + 2,000 = 28,400

    (counting the product too would need only 800 / 1.5 = 533.3 t: 17,600 + 4,666.7 = 22,266.7).
    Reported utilisation: 800 / 1,000 = 0.8.
    """

    def park(target: float) -> circflow.Park:
        process = grinding(capex_fixed=0.0, opex_per_unit=40.0)
        process["outputs"][0]["yield"] = 0.5
        cheap = dict(S95_MARKET, buys=[dict(S95_MARKET["buys"][0], price=20.0)])
        works = slag_works(1_000.0)
        works["supplies"][0]["disposal"] = {"cost": 10}
        return make_park(
            [works, grinder(process)],
            markets=[cheap],
            targets={"utilization": {"m_slag": target}},
        )

    assert solve_exact(park(0.0)).objective == pytest.approx(10_000.0, rel=REL)
    result = solve_exact(park(0.8))
    assert result.kpis["utilization"]["m_slag"] == pytest.approx(0.8, rel=REL)
    assert process_row(result, "grinder#grinding")["input_total"] == pytest.approx(800.0, rel=REL)
    assert_optimum(
        result,
        28_400.0,
        variable_cost=800 * 2 + 400 * 2,
        process_cost=32_000.0,
        disposal_cost=2_000.0,
        market_revenue=400 * 20.0,
    )


@pytest.mark.parametrize("split", [False, True], ids=["one-model", "parts"])
def test_a_target_on_a_resource_only_a_process_makes_holds_trivially(
    monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    """``utilization.m_s95: 0.5`` where no enterprise supplies m_s95: only the grinding station
    would make it (its output), and nothing takes it. Utilisation counts original supplies only
    (SPEC 8.2), so the target holds with nothing used (as the network warns) and the park is
    solved as without it: the station does not pay without a buyer, total_cost = 600 x 30 =
    18,000, in one model or in parts."""
    process = grinding(capex_fixed=0.0)
    process["outputs"][0]["resource"] = "m_s95"
    park = make_park(
        [slag_works(600.0), grinder(process)],
        resources={**RESOURCES, "m_s95": {"kind": "material", "unit": "t", "modes": ["m_truck"]}},
        targets={"utilization": {"m_s95": 0.5}},
    )
    if split:
        monkeypatch.setattr(OPTIMIZE, "SPLIT_FROM_LINKS", 0)
    result = solve_exact(park)
    assert result.objective == pytest.approx(18_000.0, rel=REL)
    assert any("no enterprise supplies m_s95" in warning for warning in result.warnings)
    assert not process_row(result, "grinder#grinding")["built"]


def test_the_reports_cost_chart_adds_up_to_total_cost() -> None:
    """report.html's annual-cost bars, stacked, make the plan's and the status quo's
    total_cost: processing and market revenue (a negative bar) are parts of it (SPEC 8).

    The existing process of `test_an_existing_process_runs_in_the_status_quo` (plan and status
    quo -25,680: haul 1,520 + processing 16,000 - revenue 43,200) and the grinding station
    built at 600 t (plan 8,580: capex 47,100 + haul 2,280 + processing 24,000 - revenue
    64,800; status quo 18,000 of landfill).
    """
    for park, plan, status_quo in (
        (existing_grinding_park(), -25_680.0, -25_680.0),
        (grinding_park(600.0), 8_580.0, 18_000.0),
    ):
        figure = cost_figure(solve_exact(park).to_dict())
        totals = {"status quo": 0.0, "plan": 0.0}
        for bar in figure.data:
            for row, value in zip(bar.y, bar.x, strict=True):
                totals[row] += value or 0.0
        assert totals == {"status quo": pytest.approx(status_quo, rel=REL), "plan": pytest.approx(plan, rel=REL)}
        names = [bar.name for bar in figure.data]
        assert "running processes" in names
        assert "sales to markets (negative cost)" in names
        assert "steam driving absorption heat pumps" not in names  # no absorption here: no empty bar
        assert figure.layout.barmode == "relative"


# -- decomposition (SPEC 8.2: a process joins its input and outputs) --------------------------


def cluster_park(clusters: int, seed: int) -> circflow.Park:
    """``clusters`` groups 200 km apart (trucks reach 50 km): in each, two steel works, a
    grinding station (candidate), a cement plant that takes ground slag and a market."""
    rng = np.random.default_rng(seed)
    enterprises, markets = [], []
    for c in range(clusters):

        def sited(ident: str, x0: float = 200.0 * c) -> dict:
            """An enterprise or market ``ident`` at a random place of cluster ``c``."""
            return {"id": ident, "location": {"x": x0 + rng.uniform(0, 10), "y": rng.uniform(0, 10)}}

        for k in range(2):
            place = sited(f"steel{c}_{k}")
            amount, cost = float(rng.integers(300, 3_000)), float(rng.integers(10, 40))
            enterprises.append({**slag_works(amount, disposal={"cost": cost}), **place})
        process = grinding(
            capex_fixed=float(rng.integers(2, 20)) * 10_000,
            capacity=float(rng.uniform(0.1, 0.4)),
            capex_per_capacity=float(rng.integers(0, 50_000)),
        )
        enterprises.append({**sited(f"grinder{c}"), "processes": [process]})
        place = sited(f"cement{c}")
        amount, cost = float(rng.integers(200, 1_500)), float(rng.integers(60, 140))
        cement = {"resource": "m_slag", "amount": amount, "requires": {"grade": ["S95"]}, "baseline": {"cost": cost}}
        enterprises.append({**place, "demands": [cement]})
        place = sited(f"market{c}")
        price, amount = float(rng.integers(-20, 60)), float(rng.integers(100, 2_000))
        markets.append({**place, "buys": [{"resource": "m_slag", "price": price, "amount": amount}]})
    truck = mode(opex_per_unit_km=0.5, capex_fixed=2_000.0, lifetime_years=10.0, max_distance_km=50.0)
    return make_park(enterprises, truck=truck, markets=markets)


@pytest.mark.parametrize(("clusters", "seed"), [(3, 1), (4, 7), (5, 12)])
def test_independent_parts_keep_a_process_whole(clusters: int, seed: int) -> None:
    """Each cluster is one part: its supplies reach the process input, whose output reaches
    the cement plant and market. Every part holds a process's input together with all its
    outputs (SPEC 8.2: the output rows tie them), and the parts cover every link once."""
    net = prune_dominated(build_network(cluster_park(clusters, seed)), "cost")
    parts = independent_parts(net)
    assert len(parts) == clusters
    for process in net.processes:
        holding = [k for k, part in enumerate(parts) if process.input in part.accounted[1]]
        assert len(holding) == 1
        part = parts[holding[0]]
        assert all(output in part.accounted[0] for output in process.outputs)
        assert [p.index for p in part.active_processes()] == [process.index]
    assert sorted(id(link) for part in parts for link in part.links) == sorted(id(link) for link in net.links)


@pytest.mark.parametrize(("clusters", "seed"), [(3, 1), (4, 7), (5, 12)])
def test_parts_solved_apart_give_the_monoliths_optimum(
    monkeypatch: pytest.MonkeyPatch, clusters: int, seed: int
) -> None:
    """Splitting into independent parts is exact (the objective is a sum over parts): with
    the exact profile, the park solved as one model and in parts have the same optimum, the
    same KPI breakdown and the same processes built."""
    park = cluster_park(clusters, seed)
    whole = solve_exact(park, decompose=False)
    monkeypatch.setattr(OPTIMIZE, "SPLIT_FROM_LINKS", 0)
    apart = solve_exact(park)
    assert apart.model_facts["independent_parts"] == clusters
    assert whole.model_facts["independent_parts"] == 1
    assert apart.objective == pytest.approx(whole.objective, rel=1e-7)
    for key in (*KPI_PARTS, "market_revenue", "emissions"):
        assert apart.kpis[key] == pytest.approx(whole.kpis[key], rel=1e-6, abs=1e-3), key
    assert_breakdown(apart.kpis, others_zero=False)
    assert list(apart.processes["built"]) == list(whole.processes["built"])
    assert apart.kpis["processes_built"] >= 1
    assert not math.isnan(apart.bound)
