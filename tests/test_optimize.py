"""`circflow.optimize` on tiny parks whose optimum is derived by hand (SPEC 3.4-3.8 and 4).

Every park defines its own resources, modes and heat technologies (names prefixed ``o_`` so
nothing merges with the shipped catalog) and gives its economics explicitly. Each test's
docstring derives the optimum; the test asserts it to 1e-6 relative. Solves use gap 0 so
the asserted optimum is HiGHS's proven one. Properties (scaling, monotonicity, symmetry)
run on generated parks with hypothesis.
"""

from __future__ import annotations

import copy
import functools
import math

import helpers
import numpy as np
import pytest
from helpers import (
    ASH_BY_TRUCK,
    DATA,
    HEAT_PIPE,
    PRICED_HEAT_PUMP,
    consumer,
    heat_source_and_sink,
    mode,
    random_ash_enterprises,
    random_ash_parks,
    random_truck,
    supplier,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import circflow
from circflow.network import stream_amounts

REL = 1e-6

ECONOMICS = {**helpers.ECONOMICS, "discount_rate": 0.05}


def park_data(
    enterprises: list[dict], *, economics: dict | None = None, heat_pump: dict | None = None, **sections: object
) -> dict:
    """The content of a park of ``enterprises`` in `ECONOMICS` updated by ``economics``, with
    `helpers.HEAT_PUMP` updated by ``heat_pump`` (``resources``, ``modes`` and more in ``sections``)."""
    return helpers.park_data(
        "optimize test",
        enterprises,
        economics={**ECONOMICS, **(economics or {})},
        technologies=helpers.heat_technologies(heat_pump),
        **sections,
    )


def make_park(enterprises: list[dict], **kwargs: object) -> circflow.Park:
    return circflow.park_from_dict(park_data(enterprises, **kwargs))


def two_mode_park(modes: list[str], capex_fixed: dict[str, float], **sections: object) -> circflow.Park:
    """a (0, 0) with 1,000 t of ash (disposal 30, 0.01 t CO2/t) and b (3, 4) wanting 800 t
    (baseline 20, 0.05 t CO2/t), 5 km apart; two modes alike but for their fixed capex
    (lifetime 10 years, O&M 2 %, 2 per t, 0.4 per t km, 0.001 t CO2 per t km)."""
    ash = {"o_ash": {"kind": "material", "unit": "t", "modes": modes}}
    common = {
        "lifetime_years": 10,
        "om_fraction": 0.02,
        "opex_per_unit": 2.0,
        "opex_per_unit_km": 0.4,
        "emissions_per_unit_km": 0.001,
    }
    return make_park(
        [supplier("a", (0, 0), "o_ash", 1000, 30, 0.01), consumer("b", (3, 4), "o_ash", 800, 20, 0.05)],
        resources=ash,
        modes={name: mode(capex_fixed=capex, **common) for name, capex in capex_fixed.items()},
        **sections,
    )


def solve(park: circflow.Park, **kwargs: object) -> circflow.Result:
    return circflow.optimize(park, gap=0.0, **kwargs)


def crf(rate: float, years: float) -> float:
    """SPEC 4's capital recovery factor, written out here independently of circflow."""
    return 1 / years if rate == 0 else rate * (1 + rate) ** years / ((1 + rate) ** years - 1)


def built(result: circflow.Result) -> list[tuple[str, str, str]]:
    if result.links.empty:
        return []
    return sorted(zip(result.links["from"], result.links["to"], result.links["mode"], strict=True))


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL, abs=1e-6)


def assert_kpis(result: circflow.Result, **expected: float) -> None:
    for name, value in expected.items():
        assert result.kpis[name] == approx(value), name


def rows(result: circflow.Result, role: str, enterprise: str) -> dict:
    part = result.balances[(result.balances["role"] == role) & (result.balances["enterprise"] == enterprise)]
    return {row.period: (row.amount, row.linked, row.rest) for row in part.itertuples()}


# -- 1. one supply, one demand, one truck ---------------------------------------------------

FACTOR_10Y = crf(0.05, 10) + 0.02  # 0.1295045750 + 0.02 = 0.1495045750
ASH = ASH_BY_TRUCK


def truck_park(
    capex_fixed: float = 200_000.0,
    *,
    opex_per_unit: float = 2.0,
    capex_per_capacity: float = 0.0,
    emissions_per_unit_km: float = 0.001,
    disposal_emissions: float = 0.01,
    baseline_emissions: float = 0.05,
    **sections: object,
) -> circflow.Park:
    """a at (0, 0) supplies 1000 t/yr of ash (disposal 30 CNY/t); b at (3, 4), 5 km away,
    takes 800 t/yr (baseline 20 CNY/t). Truck: opex 2 + 0.4 x 5 = 4 CNY/t, emissions
    0.001 x 5 = 0.005 tCO2/t, lifetime 10 y, O&M 2 %; discount rate 5 %.
    """
    truck = mode(
        capex_fixed=capex_fixed,
        capex_per_capacity=capex_per_capacity,
        lifetime_years=10,
        om_fraction=0.02,
        opex_per_unit=opex_per_unit,
        opex_per_unit_km=0.4,
        emissions_per_unit_km=emissions_per_unit_km,
    )
    return make_park(
        [
            {
                "id": "a",
                "location": {"x": 0, "y": 0},
                "supplies": [
                    {"resource": "o_ash", "amount": 1000, "disposal": {"cost": 30, "emissions": disposal_emissions}}
                ],
            },
            {
                "id": "b",
                "location": {"x": 3, "y": 4},
                "demands": [
                    {"resource": "o_ash", "amount": 800, "baseline": {"cost": 20, "emissions": baseline_emissions}}
                ],
            },
        ],
        resources=ASH,
        modes={"o_truck": truck},
        **sections,
    )


STATUS_QUO = {"total_cost": 30 * 1000 + 20 * 800, "emissions": 0.01 * 1000 + 0.05 * 800}  # 46000, 50


def test_truck_link_built_when_saving_beats_annualised_capex() -> None:
    """Annual saving of the link at full flow f = min(1000, 800) = 800 t:
    800 x (30 + 20 - 4) = 36800 CNY/yr. Annualised capex: (CRF(5 %, 10) + 0.02) x capex =
    0.1495045750 x capex, so the link pays when capex < 36800 / 0.1495 = 246146 CNY.

    capex 200000: built. total_cost = 0.1495045750 x 200000 (29900.915) + 800 x 4 (3200)
    + disposal 200 x 30 (6000) + baseline 0 = 39100.915; emissions = transport 800 x 0.005 (4)
    + disposal 200 x 0.01 (2) = 6; status quo 46000 CNY and 10 + 40 = 50 tCO2.
    """
    result = solve(truck_park(200_000))
    assert result.status == "optimal"
    assert built(result) == [("a", "b", "o_truck")]
    total = FACTOR_10Y * 200_000 + 3200 + 6000
    assert_kpis(
        result,
        total_cost=total,
        emissions=6.0,
        capex=200_000,
        annualized_capex=FACTOR_10Y * 200_000,
        variable_cost=3200,
        disposal_cost=6000,
        baseline_cost=0,
        electricity_cost=0,
        electricity_mwh=0,
    )
    assert result.objective == approx(total)
    assert result.kpis["utilization"] == {"o_ash": approx(0.8)}
    status_quo = {key: result.kpis["baseline"][key] for key in ("total_cost", "emissions")}
    assert status_quo == {"total_cost": approx(46_000), "emissions": approx(50)}
    assert result.kpis["savings"] == {"total_cost": approx(46_000 - total), "emissions": approx(44)}
    # Payback: capex over the saving before the capital charge, 800 x (30 + 20 - 4) less O&M
    # 0.02 x 200000 = 32800 CNY/yr; 200000 / 32800 = 6.10 years (the link alone is the plan).
    assert result.kpis["operating_saving"] == approx(32_800)
    assert result.kpis["payback_years"] == approx(200_000 / 32_800)
    link = result.links.iloc[0]
    assert (link["avoided_disposal"], link["avoided_supply"], link["market_revenue"]) == approx((800 * 30, 800 * 20, 0))
    assert link["capital_charge"] + link["om_cost"] == approx(FACTOR_10Y * 200_000)
    assert link["om_cost"] == approx(0.02 * 200_000)
    assert link["net_saving"] == approx(800 * (30 + 20 - 4) - FACTOR_10Y * 200_000)
    assert link["payback_years"] == approx(200_000 / 32_800)
    (link,) = result.links.to_dict("records")
    assert link["flow_total"] == approx(800)
    assert link["length_km"] == approx(5)
    assert link["capex"] == approx(200_000)


def test_truck_link_not_built_when_annualised_capex_exceeds_saving() -> None:
    """capex 300000: 0.1495 x 300000 = 44851 > 36800 saved, so nothing is built and the plan
    is the status quo: a's 1000 t landfilled (30 CNY, 0.01 tCO2 per t) and b's 800 t bought
    (20 CNY, 0.05 tCO2 per t), total_cost 46000, emissions 50, capex 0.
    """
    result = solve(truck_park(300_000))
    assert result.status == "optimal"
    assert built(result) == []
    assert_kpis(
        result,
        total_cost=1000 * 30 + 800 * 20,
        emissions=1000 * 0.01 + 800 * 0.05,
        capex=0,
        annualized_capex=0,
        variable_cost=0,
        disposal_cost=1000 * 30,
        baseline_cost=800 * 20,
    )
    assert result.kpis["utilization"] == {"o_ash": approx(0.0)}
    assert result.kpis["savings"]["total_cost"] == approx(0)


def test_carbon_price_tips_the_truck_link() -> None:
    """capex 300000 does not pay at carbon price 0. Each tonne moved avoids 0.01 + 0.05 - 0.005
    = 0.055 tCO2; at 200 CNY/tCO2 the saving is 800 x (46 + 0.055 x 200) = 45600 > 44851: built.

    objective = total_cost + 200 x emissions = (44851.37 + 3200 + 6000) + 200 x 6 = 55251.37,
    beating the status quo's 46000 + 200 x 50 = 56000.
    """
    result = solve(truck_park(300_000), carbon_price=200.0)
    assert built(result) == [("a", "b", "o_truck")]
    total = FACTOR_10Y * 300_000 + 3200 + 6000
    assert_kpis(result, total_cost=total, emissions=6.0, carbon_cost=1200.0)
    assert result.objective == approx(total + 200 * 6)
    assert result.kpis["baseline"]["total_cost"] == approx(46_000)


# -- 2. heat pumps and direct heat ------------------------------------------------------------

HEAT = {"o_heat": {"kind": "heat", "unit": "MWh", "modes": ["o_hpipe"]}}


def heat_park(source_c: float) -> circflow.Park:
    """Waste heat s (10 MW, disposal free) 2 km from a 4 MW, 75 degC demand d whose boiler heat
    costs 250 CNY/MWh and emits 0.25 tCO2/MWh; the pipe (`helpers.HEAT_PIPE`) loses 1 %/km, so
    1 - loss L = 0.98; the heat pump is `helpers.PRICED_HEAT_PUMP`.
    """
    return make_park(
        heat_source_and_sink("o_heat", source_c, 75, baseline={"cost": 250, "emissions": 0.25}),
        resources=HEAT,
        modes={"o_hpipe": HEAT_PIPE},
        heat_pump=PRICED_HEAT_PUMP,
    )


def test_heat_pump_link() -> None:
    """35 -> 75 degC: COP = 0.5 x 353.15 / 50 = 3.5315; gain g = 0.98 x COP / (COP - 1) = 1.36714.

    The whole demand D = 4 x 8760 = 35040 MWh is met (margin per MWh delivered
    250 - 3 - (1 + 0.002 x 400) / g - 400 / COP = 132.4 CNY, far above the capacity cost of
    ~17 CNY per MWh): drawn f = D / g = 25630.5 MWh, capacity k = f / 8760 MW drawn, the heat
    pump's output g k = 4 MW.
    electricity = pumping 0.001 x 2 x f + compressor 0.98 f / (COP - 1) (= D / COP = 9922.1)
    capex = pipe 100000 + 50000 x 2 + (1000 + 500 x 2) k + heat pump 2e6 + 1.5e6 x 4
    annualised = (CRF(5 %, 25) + 0.01) x pipe + (CRF(5 %, 20) + 0.02) x heat pump
    variable = 1 x f + 3 x D; electricity cost 400 x electricity; emissions 0.6 x electricity
    (the demand is fully met and unused waste heat has no disposal cost or emissions).
    """
    result = solve(heat_park(35.0))
    cop = 0.5 * 353.15 / 50.0
    gain = 0.98 * cop / (cop - 1)
    delivered = 4 * 8760.0
    drawn = delivered / gain
    capacity = drawn / 8760
    electricity = 0.002 * drawn + 0.98 * drawn / (cop - 1)
    assert 0.98 * drawn / (cop - 1) == pytest.approx(delivered / cop)
    pipe = 200_000 + 2000 * capacity
    pump = 2e6 + 1.5e6 * 4
    annualised = (crf(0.05, 25) + 0.01) * pipe + (crf(0.05, 20) + 0.02) * pump
    variable = drawn + 3 * delivered
    assert built(result) == [("s", "d", "o_hpipe")]
    assert_kpis(
        result,
        capex=pipe + pump,
        annualized_capex=annualised,
        variable_cost=variable,
        electricity_mwh=electricity,
        electricity_cost=400 * electricity,
        disposal_cost=0,
        baseline_cost=0,
        emissions=0.6 * electricity,
        total_cost=annualised + variable + 400 * electricity,
    )
    (link,) = result.links.to_dict("records")
    assert link["type"] == "heat_pump"
    assert link["cop"] == approx(3.5315)
    assert link["gain"] == approx(gain)
    assert link["capacity"] == approx(capacity)
    assert link["delivered_total"] == approx(delivered)
    assert rows(result, "demand", "d") == {"year": (approx(delivered), approx(delivered), approx(0))}


def test_direct_heat_link_needs_no_heat_pump() -> None:
    """90 degC >= 75 + 10: direct. g = 0.98, drawn f = 35040 / 0.98 = 35755.1 MWh, k = f / 8760.

    capex = 200000 + 2000 k (no heat pump); electricity = 0.001 x 2 x f (pumping only);
    variable = 1 x f; emissions 0.6 x electricity.
    """
    result = solve(heat_park(90.0))
    drawn = 4 * 8760 / 0.98
    capacity = drawn / 8760
    electricity = 0.002 * drawn
    annualised = (crf(0.05, 25) + 0.01) * (200_000 + 2000 * capacity)
    (link,) = result.links.to_dict("records")
    assert (link["type"], link["cop"]) == ("direct", None)
    assert_kpis(
        result,
        capex=200_000 + 2000 * capacity,
        electricity_mwh=electricity,
        variable_cost=drawn,
        emissions=0.6 * electricity,
        total_cost=annualised + drawn + 400 * electricity,
    )


def test_heat_beyond_max_lift_is_not_a_candidate() -> None:
    """10 -> 75 degC is a 65 K lift > max_lift_k 60: no link, the boiler serves all 35040 MWh."""
    result = solve(heat_park(10.0))
    assert built(result) == []
    assert_kpis(result, total_cost=250 * 35040, emissions=0.25 * 35040)
    assert any("no candidate link" in w for w in result.warnings)


# -- 3. losses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("supply", "demand", "drawn", "total_cost"),
    [
        # f = 450 / 0.9 = 500; disposal 500 x 2; demand fully met
        (1000.0, 450.0, 500.0, crf(0.05, 10) * 1000 + 0.1 * 500 + 2 * 500),
        # f = 300 (all of it); delivered 270; baseline 180 x 5
        (300.0, 450.0, 300.0, crf(0.05, 10) * 1000 + 0.1 * 300 + 5 * 180),
    ],
)
def test_pipeline_loss(supply: float, demand: float, drawn: float, total_cost: float) -> None:
    """Water pipe losing 2 %/km over 5 km: g = 1 - 0.02 x 5 = 0.9. Capex 1000, 10 years, no O&M;
    opex 0.1 /m3; disposal 2 /m3, baseline 5 /m3: each m3 drawn saves 2 + 0.9 x 5 - 0.1 = 6.4.

    Demand balance: delivered g f + baseline u = b; supply balance: f + w = a.
    """
    park = make_park(
        [
            {
                "id": "a",
                "location": {"x": 0, "y": 0},
                "supplies": [{"resource": "o_water", "amount": supply, "disposal": {"cost": 2}}],
            },
            {
                "id": "b",
                "location": {"x": 0, "y": 5},
                "demands": [{"resource": "o_water", "amount": demand, "baseline": {"cost": 5}}],
            },
        ],
        resources={"o_water": {"kind": "water", "unit": "m3", "modes": ["o_pipe"]}},
        modes={"o_pipe": mode(loss_per_km=0.02, capex_fixed=1000, lifetime_years=10, opex_per_unit=0.1)},
    )
    result = solve(park)
    assert built(result) == [("a", "b", "o_pipe")]
    (link,) = result.links.to_dict("records")
    assert link["gain"] == approx(0.9)
    assert link["flow_total"] == approx(drawn)
    assert link["delivered_total"] == approx(0.9 * drawn)
    assert rows(result, "supply", "a") == {"year": (approx(supply), approx(drawn), approx(supply - drawn))}
    assert rows(result, "demand", "b") == {"year": (approx(demand), approx(0.9 * drawn), approx(demand - 0.9 * drawn))}
    assert result.kpis["total_cost"] == approx(total_cost)


# -- 4. existing links -------------------------------------------------------------------------

WINTER_SUMMER = [{"name": "winter", "hours": 1000.0}, {"name": "summer", "hours": 3000.0}]


def existing_park() -> circflow.Park:
    """a supplies 500 t in winter (1000 h) and 500 t in summer (3000 h), disposal 10 CNY/t and
    0.1 tCO2/t; b (existing truck link from a, capacity 0.1 t/h) and c (no link yet) demand 500
    and 200 t per period, baseline 10 CNY/t. Truck: capex 1000, 10 years, opex 1 CNY/t.
    """
    per_period = {"winter": 500.0, "summer": 500.0}
    return make_park(
        [
            {
                "id": "a",
                "location": {"x": 0, "y": 0},
                "supplies": [
                    {"resource": "o_ash", "per_period": per_period, "disposal": {"cost": 10, "emissions": 0.1}}
                ],
            },
            {
                "id": "b",
                "location": {"x": 1, "y": 0},
                "demands": [{"resource": "o_ash", "per_period": per_period, "baseline": {"cost": 10}}],
            },
            {
                "id": "c",
                "location": {"x": 0, "y": 1},
                "demands": [
                    {"resource": "o_ash", "per_period": {"winter": 200.0, "summer": 200.0}, "baseline": {"cost": 10}}
                ],
            },
        ],
        resources={"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}},
        modes={"o_truck": mode(capex_fixed=1000, lifetime_years=10, opex_per_unit=1.0)},
        periods=WINTER_SUMMER,
        links=[{"from": "a", "to": "b", "resource": "o_ash", "mode": "o_truck", "existing": True, "capacity": 0.1}],
    )


def test_existing_link_capacity_and_status_quo() -> None:
    """Every tonne moved saves 10 + 10 - 1 = 19 CNY. The existing link a -> b carries at most
    0.1 x 1000 = 100 t in winter and 0.1 x 3000 = 300 t in summer, at no capex. The new link
    a -> c (annualised 1000 x CRF(5 %, 10) = 129.50 < 400 x 19) carries 200 + 200 t.

    optimum: disposal (500-300) + (500-500) = 200 t -> 2000 CNY, 20 tCO2; baseline at b
    (500-100) + (500-300) = 600 t -> 6000; variable (400 + 400) x 1 = 800;
    total = 129.50 + 800 + 2000 + 6000 = 8929.50; capex 1000 (the new link only).
    status quo (existing link only, still used): disposal 400 + 200 = 600 t -> 6000, 60 tCO2;
    baseline b 600 t -> 6000, c 400 t -> 4000; variable 400; total 16400.
    """
    result = solve(existing_park())
    annualised = crf(0.05, 10) * 1000
    assert built(result) == [("a", "b", "o_truck"), ("a", "c", "o_truck")]
    assert_kpis(
        result,
        total_cost=annualised + 800 + 2000 + 6000,
        emissions=20,
        capex=1000,
        annualized_capex=annualised,
        variable_cost=800,
    )
    status_quo = {key: result.kpis["baseline"][key] for key in ("total_cost", "emissions")}
    assert status_quo == {"total_cost": approx(16_400), "emissions": approx(60)}
    links = result.links.set_index("to")
    assert bool(links.loc["b", "existing"])
    assert links.loc["b", "capex"] == 0.0
    assert links.loc["b", "flow"] == {"winter": approx(100), "summer": approx(300)}
    assert links.loc["c", "flow"] == {"winter": approx(200), "summer": approx(200)}
    hours = {"winter": 1000.0, "summer": 3000.0}
    for row in result.flows[result.flows["to"] == "b"].itertuples():
        assert row.flow <= 0.1 * hours[row.period] * (1 + 1e-9)


def test_existing_link_without_capacity_is_unlimited() -> None:
    """Without a capacity the existing link carries all it can: 500 t per period to b, so a -> c
    is left with nothing to carry and is not built. total = variable 1000 + baseline at c
    400 x 10 = 5000 CNY; that is also the status quo (capex 0).
    """
    park = existing_park()
    park.links[0].capacity = None
    result = solve(park)
    assert built(result) == [("a", "b", "o_truck")]
    assert_kpis(result, total_cost=5000, capex=0, emissions=0)
    assert result.kpis["baseline"]["total_cost"] == approx(5000)


# -- 5. plan: force and forbid -----------------------------------------------------------------


def test_forced_link_is_built_though_it_does_not_pay() -> None:
    """capex 300000 does not pay (test above), but plan.force builds it; once built it carries
    all 800 t: total = 0.1495045750 x 300000 + 3200 + 6000 = 54051.37 > status quo 46000.
    """
    result = solve(truck_park(300_000, plan={"force": [{"from": "a", "to": "b", "resource": "o_ash"}]}))
    assert built(result) == [("a", "b", "o_truck")]
    assert bool(result.links["forced"].iloc[0])
    assert_kpis(result, total_cost=FACTOR_10Y * 300_000 + 3200 + 6000, capex=300_000, emissions=6)
    assert result.kpis["savings"]["total_cost"] == approx(46_000 - (FACTOR_10Y * 300_000 + 9200))


def test_forced_entry_without_mode_builds_the_cheapest_matching_link() -> None:
    """Truck (capex 300000) and rail (capex 400000, otherwise the same) both fail to pay. A
    plan.force entry without a mode is read as "build this connection": one of its links
    (SPEC 3.8 says the mode is optional), and the cheaper one is chosen:
    total = 0.1495045750 x 300000 + 3200 + 6000 = 54051.37.
    """
    park = two_mode_park(
        ["o_truck", "o_rail"],
        {"o_truck": 300_000, "o_rail": 400_000},
        plan={"force": [{"from": "a", "to": "b", "resource": "o_ash"}]},
    )
    result = solve(park)
    assert built(result) == [("a", "b", "o_truck")]
    assert_kpis(result, total_cost=FACTOR_10Y * 300_000 + 9200, capex=300_000)


def by_truck(*resources: str) -> dict:
    """Materials in tonnes, each carried by ``o_truck``."""
    return {name: {"kind": "material", "unit": "t", "modes": ["o_truck"]} for name in resources}


def process(ident: str, source: str, product: str, yield_: float, **fields: object) -> dict:
    """Process ``ident`` making ``yield_`` t of ``product`` from each t of ``source``."""
    return {"id": ident, "input": {"resource": source}, "outputs": [{"resource": product, "yield": yield_}], **fields}


def test_forced_link_out_of_a_process_that_is_not_built_stays_built() -> None:
    """The grinding process (capex 1e9) never pays, so nothing reaches its output; plan.force
    still builds the truck link from that output to the market (y = 1, no flow). The plan
    pays the link's capex: total = 1000 / 10 (CRF at i = 0) = 100, the solver's optimum, and
    the link is in the plan.
    """
    park = make_park(
        [
            {
                "id": "mill",
                "location": {"x": 0, "y": 0},
                "supplies": [{"resource": "o_slag", "amount": 8760}],
                "processes": [process("grinding", "o_slag", "o_powder", 1.0, capex_fixed=1.0e9)],
            }
        ],
        resources=by_truck("o_slag", "o_powder"),
        modes={"o_truck": mode(capex_fixed=1000.0, lifetime_years=10)},
        economics={"discount_rate": 0.0},
        markets=[{"id": "buyers", "location": {"x": 1, "y": 0}, "buys": [{"resource": "o_powder", "price": 1.0}]}],
        plan={"force": [{"from": "mill", "to": "buyers", "resource": "o_powder"}]},
    )
    result = solve(park)
    assert not result.processes.set_index("process").loc["grinding", "built"]
    assert "mill#grinding>buyers:o_powder:o_truck" in set(result.links["id"])
    assert_kpis(result, total_cost=100.0, capex=1000.0)
    assert result.objective == approx(result.bound)


def test_forbidden_link_is_not_built_though_it_pays() -> None:
    """capex 200000 pays (saves 46000 - 39100.9), but plan.forbid keeps it out: status quo."""
    result = solve(
        truck_park(200_000, plan={"forbid": [{"from": "a", "to": "b", "resource": "o_ash", "mode": "o_truck"}]})
    )
    assert built(result) == []
    assert_kpis(result, total_cost=46_000, emissions=50, capex=0)


# -- 6. targets ---------------------------------------------------------------------------------


def test_utilization_target_forces_an_unprofitable_link() -> None:
    """Truck opex 52 + 0.4 x 5 = 54 CNY/t > the 30 + 20 it saves: each tonne moved loses 4 CNY,
    and capex 300000 does not pay either, so without a target nothing is built. Target
    utilization 0.5 builds the link and moves exactly 500 t:
    total = 0.1495045750 x 300000 + 500 x 54 + disposal 500 x 30 + baseline 300 x 20 = 92851.37;
    emissions = 500 x 0.005 + 500 x 0.01 + 300 x 0.05 = 22.5.
    """
    free = solve(truck_park(300_000, opex_per_unit=52.0))
    assert built(free) == []
    result = solve(truck_park(300_000, opex_per_unit=52.0, targets={"utilization": {"o_ash": 0.5}}))
    assert built(result) == [("a", "b", "o_truck")]
    assert result.kpis["utilization"]["o_ash"] == approx(0.5)
    assert_kpis(result, total_cost=FACTOR_10Y * 300_000 + 27_000 + 15_000 + 6_000, emissions=22.5)
    # the status quo applies no targets
    assert result.kpis["baseline"]["total_cost"] == approx(46_000)


def test_max_capex_binds() -> None:
    """Truck capex 50000 + 1e6 per t/h of capacity. Unconstrained: k = 800 / 8760 t/h,
    capex 50000 + 91324.2 = 141324.2. With max_capex 100000: k = 0.05 t/h, f = 0.05 x 8760 = 438 t
    (each tonne saves 46 CNY against a capacity cost of 1e6 / 8760 x 0.1495 = 17.07, so the
    whole budget is used). total = 0.1495045750 x 100000 + 438 x 4 + 562 x 30 + 362 x 20
    = 40802.46 < 46000; emissions = 438 x 0.005 + 562 x 0.01 + 362 x 0.05 = 25.91.
    """
    free = solve(truck_park(50_000, capex_per_capacity=1e6))
    assert free.kpis["capex"] == approx(50_000 + 1e6 * 800 / 8760)
    result = solve(truck_park(50_000, capex_per_capacity=1e6, targets={"max_capex": 100_000}))
    assert built(result) == [("a", "b", "o_truck")]
    assert result.links["capacity"].iloc[0] == approx(0.05)
    assert result.links["flow_total"].iloc[0] == approx(438)
    assert_kpis(
        result,
        capex=100_000,
        total_cost=FACTOR_10Y * 100_000 + 438 * 4 + 562 * 30 + 362 * 20,
        emissions=438 * 0.005 + 562 * 0.01 + 362 * 0.05,
    )


def test_max_emissions_binds() -> None:
    """Trucks emit 0.01 x 5 = 0.05 tCO2/t; disposal and baseline emit nothing. Capex 20000
    (annualised 2990.09). Unconstrained: 800 t move, emissions 40, total 2990.09 + 3200 + 6000.
    max_emissions 10: f = 200 t; total = 2990.09 + 200 x 4 + 800 x 30 + 600 x 20 = 39790.09 < 46000.
    """
    kwargs = {"emissions_per_unit_km": 0.01, "disposal_emissions": 0.0, "baseline_emissions": 0.0}
    free = solve(truck_park(20_000, **kwargs))
    assert_kpis(free, emissions=40, total_cost=FACTOR_10Y * 20_000 + 9200)
    result = solve(truck_park(20_000, targets={"max_emissions": 10.0}, **kwargs))
    assert built(result) == [("a", "b", "o_truck")]
    assert result.links["flow_total"].iloc[0] == approx(200)
    assert_kpis(result, emissions=10, total_cost=FACTOR_10Y * 20_000 + 800 + 24_000 + 12_000)


@pytest.mark.parametrize(
    ("sections", "named"),
    [
        # b takes at most 800 of 1000 t: utilization 0.9 is out of reach
        ({"targets": {"utilization": {"o_ash": 0.9}}}, ["utilization.o_ash"]),
        # the least emissions any plan reaches is 6 (all 800 t moved)
        ({"targets": {"max_emissions": 5.0}}, ["max_emissions"]),
        # the forced link alone costs 200000
        (
            {"targets": {"max_capex": 1000.0}, "plan": {"force": [{"from": "a", "to": "b", "resource": "o_ash"}]}},
            ["max_capex", "plan.force[0]"],
        ),
    ],
)
def test_infeasible_targets_are_named(sections: dict, named: list[str]) -> None:
    """An infeasible park gives status infeasible, no plan, and a diagnosis naming the
    target (or forced link) behind it (SPEC 5, 7)."""
    result = solve(truck_park(200_000, **sections))
    assert result.status == "infeasible"
    assert not result.is_ok
    assert math.isnan(result.objective)
    assert result.diagnosis
    text = "\n".join(result.diagnosis)
    assert any(name in text for name in named), text


@pytest.mark.parametrize(
    ("targets", "named"),
    [({"max_emissions": 10.0}, "max_emissions"), ({"utilization": {"o_ash": 0.5}}, "utilization.o_ash")],
)
def test_targets_hold_when_no_link_is_possible(targets: dict, named: str) -> None:
    """Truck reach 1 km < 5 km: no candidate link, the status quo (50 tCO2, 0 % used) is the
    only plan. It breaks max_emissions 10 and utilization 0.5, so the park is infeasible
    and the diagnosis names the target (SPEC 4 targets, SPEC 5 exit 3).
    """
    park = truck_park(200_000, targets=targets)
    park.modes["o_truck"].max_distance_km = 1.0
    result = solve(park)
    assert result.status == "infeasible"
    assert any(named in line for line in result.diagnosis), result.diagnosis


def test_utilization_of_a_resource_only_a_process_makes_holds_with_nothing_used() -> None:
    """Utilisation counts original supplies only (SPEC 8.2): nobody supplies o_powder, the
    process makes it from o_slag and no link takes it, so the target on o_powder holds with
    nothing used and the optimum is the one without it. a's 10 t/h of slag (disposal 50)
    feed b's existing process up to its 2 t/h (opex 1): 17520 t moved by a truck of capex
    1000, total = 50 x 87600 - 50 x 17520 + 17520 + CRF(0.05, 20) x 1000.
    """

    def park(targets: dict) -> circflow.Park:
        return make_park(
            [
                {
                    "id": "a",
                    "location": {"x": 0, "y": 0},
                    "supplies": [{"resource": "o_slag", "amount": 87600, "disposal": {"cost": 50}}],
                },
                {
                    "id": "b",
                    "location": {"x": 1, "y": 0},
                    "processes": [
                        process("g", "o_slag", "o_powder", 0.9, existing=True, capacity=2, opex_per_unit=1.0)
                    ],
                },
            ],
            resources=by_truck("o_slag", "o_powder"),
            modes={"o_truck": mode(capex_fixed=1000.0)},
            targets=targets,
        )

    expected = 50 * 87_600 - 50 * 17_520 + 17_520 + crf(0.05, 20) * 1000
    assert_kpis(solve(park({})), total_cost=expected)
    result = solve(park({"utilization": {"o_powder": 0.5}}))
    assert result.status == "optimal", result.diagnosis
    assert_kpis(result, total_cost=expected)


@pytest.mark.parametrize("split_from_links", [1000, 0])
def test_target_whose_supplies_no_link_serves_is_infeasible_also_in_parts(split_from_links: int, monkeypatch) -> None:
    """The only original o_slag supply is 100 km away, beyond the truck's 10 km: no link can
    use it, so utilization 0.5 of o_slag cannot hold (SPEC 8.2 counts original supplies
    only), though links carry the o_slag that a process makes. Infeasible whether the park
    is solved as one model or in independent parts.
    """
    monkeypatch.setattr(circflow.optimizer, "SPLIT_FROM_LINKS", split_from_links)
    park = make_park(
        [
            {"id": "far", "location": {"x": 100, "y": 0}, "supplies": [{"resource": "o_slag", "amount": 1000}]},
            {
                "id": "ash",
                "location": {"x": 0, "y": 0},
                "supplies": [{"resource": "o_ash", "amount": 2000, "disposal": {"cost": 50}}],
            },
            {
                "id": "mill",
                "location": {"x": 1, "y": 0},
                "processes": [process("g", "o_ash", "o_slag", 0.5, existing=True)],
            },
            {
                "id": "user",
                "location": {"x": 2, "y": 0},
                "demands": [{"resource": "o_slag", "amount": 800, "baseline": {"cost": 30}}],
            },
        ],
        resources=by_truck("o_slag", "o_ash"),
        modes={"o_truck": mode(capex_fixed=1000.0, max_distance_km=10.0)},
        targets={"utilization": {"o_slag": 0.5}},
    )
    result = solve(park)
    assert result.status == "infeasible"


def test_infeasible_diagnosis_says_what_is_reachable() -> None:
    """utilization 0.9 of 1000 t with a demand of 800 t: at most 0.8 is reachable."""
    result = solve(truck_park(200_000, targets={"utilization": {"o_ash": 0.9}}))
    (line,) = result.diagnosis
    assert "0.8" in line


# -- 7. the emissions objective is lexicographic ----------------------------------------------------


@pytest.mark.parametrize(("cheap", "dear"), [("o_truck", "o_lorry"), ("o_lorry", "o_truck")])
def test_emissions_objective_breaks_ties_by_cost(cheap: str, dear: str) -> None:
    """Two modes with the same emissions (0.001 t/t-km) and opex, capex 500000 (cheap) and
    800000 (dear). By cost nothing pays (0.1495 x 500000 = 74752 > 36800): status quo, 50 tCO2.

    By emissions the least is 6 tCO2 (800 t moved), reached by either mode; among those plans
    the cheaper is chosen: total = 0.1495045750 x 500000 + 3200 + 6000 = 83952.29. The
    objective is the emissions, 6.
    """
    park = two_mode_park(["o_truck", "o_lorry"], {cheap: 500_000, dear: 800_000})
    by_cost = solve(park)
    assert built(by_cost) == []
    assert_kpis(by_cost, total_cost=46_000, emissions=50)
    result = solve(park, objective="emissions")
    assert result.status == "optimal"
    assert built(result) == [("a", "b", cheap)]
    assert_kpis(result, emissions=6, total_cost=FACTOR_10Y * 500_000 + 9200, capex=500_000)
    assert result.objective == approx(6)
    assert result.objective_name == "emissions"


# -- 8. periods and capacity ------------------------------------------------------------------------

SEASONS = [{"name": "heating", "hours": 2880.0}, {"name": "non_heating", "hours": 5880.0}]


def seasonal_park(max_capacity: float | None = None, capex_per_capacity: float = 10_000) -> circflow.Park:
    """a supplies 1440 t in heating (0.5 t/h) and 1470 t in non_heating (0.25 t/h); b takes
    1 t/h (2880 and 5880 t). Truck: capex 10000 + 10000 per t/h, 10 years, opex 1 CNY/t;
    disposal and baseline 20 CNY/t: each tonne moved saves 39 CNY.
    """
    return make_park(
        [
            {
                "id": "a",
                "location": {"x": 0, "y": 0},
                "supplies": [
                    {
                        "resource": "o_ash",
                        "per_period": {"heating": 1440.0, "non_heating": 1470.0},
                        "disposal": {"cost": 20},
                    }
                ],
            },
            {
                "id": "b",
                "location": {"x": 1, "y": 0},
                "demands": [{"resource": "o_ash", "rate": 1.0, "baseline": {"cost": 20}}],
            },
        ],
        resources=ASH,
        modes={
            "o_truck": mode(
                capex_fixed=10_000,
                capex_per_capacity=capex_per_capacity,
                lifetime_years=10,
                opex_per_unit=1.0,
                max_capacity=max_capacity,
            )
        },
        periods=SEASONS,
    )


def test_capacity_is_the_largest_hourly_flow_over_periods() -> None:
    """All supply moves (39 CNY/t saved vs 10000 x CRF(5 %, 10) = 1295 CNY/yr per t/h, while one
    t/h less would lose 2880 t in heating): capacity = max(1440/2880, 1470/5880) = 0.5 t/h.

    capex = 10000 + 10000 x 0.5 = 15000; total = 15000 x 0.1295046 + 2910 x 1
    + baseline (2880 - 1440 + 5880 - 1470) x 20 = 1942.57 + 2910 + 117000 = 121852.57.
    """
    result = solve(seasonal_park())
    (link,) = result.links.to_dict("records")
    assert link["capacity"] == approx(0.5)
    assert link["flow"] == {"heating": approx(1440), "non_heating": approx(1470)}
    assert_kpis(result, capex=15_000, total_cost=15_000 * crf(0.05, 10) + 2910 + 5850 * 20, disposal_cost=0)
    assert rows(result, "demand", "b") == {
        "heating": (approx(2880), approx(1440), approx(1440)),
        "non_heating": (approx(5880), approx(1470), approx(4410)),
    }


@pytest.mark.parametrize(
    ("limits", "capacity", "heating", "capex", "total_cost"),
    [
        ({"capex_per_capacity": 1e6}, 0.25, 720, 260_000, 260_000 * crf(0.05, 10) + 2190 + 720 * 20 + 6570 * 20),
        ({"max_capacity": 0.3}, 0.3, 864, 13_000, 13_000 * crf(0.05, 10) + 2334 + 576 * 20 + 6426 * 20),
    ],
    ids=["capacity-cost-trims-the-peak-period", "mode-max-capacity-limits-each-period"],
)
def test_capacity_limits_the_heating_flow(
    limits: dict, capacity: float, heating: float, capex: float, total_cost: float
) -> None:
    """Capacity at 1e6 CNY per t/h costs 1e6 x 0.1295046 = 129505 CNY/yr per t/h. Above
    0.25 t/h, one t/h more only adds heating flow, 2880 t x 39 = 112320 CNY/yr: not worth it.
    Below 0.25 it adds flow in both periods, 8760 x 39 = 341640: worth it. So k = 0.25 t/h,
    flows 0.25 x 2880 = 720 t (of 1440) and 1470 t.

    total = (10000 + 250000) x 0.1295046 + 2190 x 1 + disposal 720 x 20
    + baseline (2160 + 4410) x 20 = 33671.19 + 2190 + 14400 + 131400 = 181661.19
    (full capacity 0.5 would cost 185957.4; no link 233400).

    Mode max_capacity 0.3 t/h: heating flow <= 0.3 x 2880 = 864 t, non_heating 1470 < 1764 t.

    capex = 10000 + 3000 = 13000; total = 13000 x 0.1295046 + (864 + 1470) x 1
    + disposal 576 x 20 + baseline (2016 + 4410) x 20 = 1683.56 + 2334 + 11520 + 128520.
    """
    result = solve(seasonal_park(**limits))
    (link,) = result.links.to_dict("records")
    assert link["capacity"] == approx(capacity)
    assert link["flow"] == {"heating": approx(heating), "non_heating": approx(1470)}
    assert_kpis(result, capex=capex, total_cost=total_cost)


def test_amount_per_year_is_spread_by_hours() -> None:
    """A supply of 2910 t/yr (amount) over 2880 + 5880 h gives 956.71 and 1953.29 t; the truck
    (no capacity cost here) moves both in full, and the balances show them period by period.
    """
    park = seasonal_park()
    enterprise = park.enterprises[0]
    # one validated step: each field assigned alone would leave the stream with none or two of them
    given = enterprise.supplies[0].model_dump(exclude={"per_period"}, exclude_none=True)
    enterprise.supplies = [circflow.Supply(**{**given, "amount": 2910.0}), *enterprise.supplies[1:]]
    park.modes["o_truck"].capex_per_capacity = 0.0
    result = solve(park)
    expected = {"heating": 2910 * 2880 / 8760, "non_heating": 2910 * 5880 / 8760}
    assert rows(result, "supply", "a") == {p: (approx(v), approx(v), approx(0)) for p, v in expected.items()}
    assert result.links["flow"].iloc[0] == {p: approx(v) for p, v in expected.items()}


# -- 10. solution check on a generated park ----------------------------------------------------


def check_solution(park: circflow.Park, result: circflow.Result) -> None:
    """Rebuild every balance and KPI of a solution from its tables and the park (SPEC 4)."""
    tol = 1e-6
    hours = {p.name: p.hours for p in park.periods}
    flows, balances, links = result.flows, result.balances, result.links
    # amounts in the balance table are the park's own
    amount = {}
    for enterprise in park.enterprises:
        for role, streams in (("supply", enterprise.supplies), ("demand", enterprise.demands)):
            for position, stream in enumerate(streams):
                values = stream_amounts(stream, park, np.array(list(hours.values())))
                for period, value in zip(hours, values, strict=True):
                    amount[(role, enterprise.id, position, period)] = value
    assert len(balances) == len(amount)
    for row in balances.itertuples():
        assert row.amount == pytest.approx(amount[(row.role, row.enterprise, row.stream, row.period)], rel=tol)
        assert row.amount == pytest.approx(row.linked + row.rest, rel=tol, abs=tol)
        assert -tol <= row.linked <= row.amount * (1 + tol) + tol
        assert row.rest >= -tol
    # flows only on built links, within capacity x hours, delivered = gain x flow
    built_ids = set(links["id"][links["built"]])
    assert set(flows["link"]) <= built_ids
    capacity = dict(zip(links["id"], links["capacity"], strict=True))
    gain = dict(zip(links["id"], links["gain"], strict=True))
    for row in flows.itertuples():
        assert row.flow >= -tol
        assert row.flow <= capacity[row.link] * hours[row.period] * (1 + tol) + tol
        assert row.delivered == pytest.approx(gain[row.link] * row.flow, rel=tol, abs=tol)
    # capacities: the mode's max_capacity, and an existing link's own capacity in every period
    for row in links.itertuples():
        limit = park.modes[row.mode].max_capacity
        assert limit is None or row.capacity <= limit * (1 + tol)
    for declared in park.links:
        if not (declared.existing and declared.capacity is not None):
            continue
        mine = flows[
            (flows["from"] == declared.from_)
            & (flows["to"] == declared.to)
            & (flows["resource"] == declared.resource)
            & (flows["mode"] == (declared.mode or park.resources[declared.resource].modes[0]))
        ]
        assert not links[(links["from"] == declared.from_) & (links["to"] == declared.to) & links["existing"]].empty
        for row in mine.itertuples():
            assert row.flow <= declared.capacity * hours[row.period] * (1 + tol) + tol
    # what links take and bring is what the balances say is linked, per enterprise, resource, period
    taken = flows.groupby(["from", "resource", "period"])["flow"].sum()
    brought = flows.groupby(["to", "resource", "period"])["delivered"].sum()
    linked = balances.groupby(["role", "enterprise", "resource", "period"])["linked"].sum()
    for (role, enterprise, resource, period), value in linked.items():
        side = taken if role == "supply" else brought
        assert value == pytest.approx(side.get((enterprise, resource, period), 0.0), rel=tol, abs=1e-4)
    # KPIs rebuilt from the link table and the balances with the park's prices
    price = {}
    for enterprise in park.enterprises:
        for position, supply in enumerate(enterprise.supplies):
            price[("supply", enterprise.id, position)] = supply.disposal
        for position, demand in enumerate(enterprise.demands):
            price[("demand", enterprise.id, position)] = demand.baseline
    rest_cost = {"supply": 0.0, "demand": 0.0}
    rest_emissions = 0.0
    for row in balances.itertuples():
        unit_price = price[(row.role, row.enterprise, row.stream)]
        rest_cost[row.role] += unit_price.cost * row.rest
        rest_emissions += unit_price.emissions * row.rest
    kpis = result.kpis
    assert kpis["disposal_cost"] == pytest.approx(rest_cost["supply"], rel=tol)
    assert kpis["baseline_cost"] == pytest.approx(rest_cost["demand"], rel=tol)
    for name in ("capex", "annualized_capex", "variable_cost", "electricity_mwh", "electricity_cost"):
        assert kpis[name] == pytest.approx(links[name].sum(), rel=tol, abs=tol), name
    assert kpis["electricity_cost"] == pytest.approx(
        kpis["electricity_mwh"] * park.economics.electricity_price, rel=tol
    )
    assert kpis["total_cost"] == pytest.approx(
        kpis["annualized_capex"]
        + kpis["variable_cost"]
        + kpis["electricity_cost"]
        + kpis["disposal_cost"]
        + kpis["baseline_cost"],
        rel=tol,
    )
    assert kpis["emissions"] == pytest.approx(links["emissions"].sum() + rest_emissions, rel=tol)
    assert links.loc[links["existing"], "capex"].sum() == 0.0
    supplies = balances[balances["role"] == "supply"]
    for resource, share in kpis["utilization"].items():
        part = supplies[supplies["resource"] == resource]
        assert share == pytest.approx(part["linked"].sum() / part["amount"].sum(), rel=tol, abs=tol)
    carbon = park.economics.carbon_price
    if result.objective_name == "cost":
        assert result.objective == pytest.approx(kpis["total_cost"] + carbon * kpis["emissions"], rel=tol)
    else:
        assert result.objective == pytest.approx(kpis["emissions"], rel=tol)
    assert kpis["savings"]["total_cost"] == pytest.approx(
        kpis["baseline"]["total_cost"] - kpis["total_cost"], rel=tol, abs=tol
    )
    assert kpis["savings"]["emissions"] == pytest.approx(
        kpis["baseline"]["emissions"] - kpis["emissions"], rel=tol, abs=tol
    )


@pytest.mark.parametrize(("name", "objective"), [("gen-n20-s104", "cost"), ("emissions-n15-s150", "emissions")])
def test_solution_check_on_generated_park(name: str, objective: str) -> None:
    """Every supply and demand balance, flow bound and KPI of a generated park's optimum holds."""
    park = circflow.load_park(DATA / f"{name}.yaml")
    result = circflow.optimize(park, objective=objective)
    assert result.status == "optimal"
    assert result.links_built > 0
    check_solution(park, result)


def test_solution_check_on_hand_parks() -> None:
    """The same checks hold on the hand-derived parks above (losses, heat pump, existing links)."""
    for park in (heat_park(35.0), existing_park(), seasonal_park(0.3), truck_park(50_000, capex_per_capacity=1e6)):
        check_solution(park, solve(park))


# -- properties ------------------------------------------------------------------------------------

MONEY_MODE = (
    "capex_fixed",
    "capex_per_km",
    "capex_per_capacity",
    "capex_per_capacity_km",
    "opex_per_unit",
    "opex_per_unit_km",
)
MONEY_PUMP = ("capex_fixed", "capex_per_mw", "opex_per_mwh")


@functools.cache
def generated_park_data(name: str) -> dict:
    return YAML(typ="safe").load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))


def scale_money(data: dict, factor: float) -> dict:
    """Every money figure of a park times ``factor``: prices, capex, opex, disposal and baseline costs."""
    data = copy.deepcopy(data)
    economics = data["economics"]
    for key in ("electricity_price", "carbon_price"):
        economics[key] = economics.get(key, 0.0) * factor
    for spec in data.get("modes", {}).values():
        for key in MONEY_MODE:
            if spec.get(key) is not None:
                spec[key] *= factor
    pump = data.get("technologies", {}).get("heat_pump", {})
    for key in MONEY_PUMP:
        if pump.get(key) is not None:
            pump[key] *= factor
    for enterprise in data["enterprises"]:
        for supply in enterprise.get("supplies", []):
            supply.setdefault("disposal", {})["cost"] = supply.get("disposal", {}).get("cost", 0.0) * factor
        for demand in enterprise.get("demands", []):
            demand.setdefault("baseline", {})["cost"] = demand.get("baseline", {}).get("cost", 0.0) * factor
    if data.get("targets", {}).get("max_capex") is not None:
        data["targets"]["max_capex"] *= factor
    return data


@functools.cache
def reference_solution(name: str) -> tuple[float, float, float, tuple[str, ...]]:
    result = solve(circflow.park_from_dict(generated_park_data(name)))
    return result.objective, result.kpis["emissions"], result.kpis["capex"], tuple(sorted(result.links["id"]))


@settings(max_examples=15, deadline=None)
@given(factor=st.floats(0.01, 100.0))
def test_scaling_money_scales_the_objective(factor: float) -> None:
    """Scaling every money figure by c > 0 scales total_cost + carbon_price x emissions by c and
    changes nothing else: the same links are built and the emissions are the same.
    """
    name = "gen-n6-s100"
    objective, emissions, capex, links = reference_solution(name)
    result = solve(circflow.park_from_dict(scale_money(generated_park_data(name), factor)))
    assert result.status == "optimal"
    assert result.objective == pytest.approx(factor * objective, rel=REL)
    assert result.kpis["capex"] == pytest.approx(factor * capex, rel=REL)
    assert result.kpis["emissions"] == pytest.approx(emissions, rel=REL)
    assert tuple(sorted(result.links["id"])) == links


def test_scaling_really_changes_the_park() -> None:
    """Guard for the property above: a scaled park's money differs, so the test is not vacuous."""
    base = circflow.park_from_dict(generated_park_data("gen-n6-s100"))
    scaled = circflow.park_from_dict(scale_money(generated_park_data("gen-n6-s100"), 3.0))
    assert scaled.economics.electricity_price == pytest.approx(3 * base.economics.electricity_price)
    assert scaled.technologies.heat_pump.capex_per_mw == pytest.approx(3 * base.technologies.heat_pump.capex_per_mw)
    assert scaled.enterprises[0].supplies[0].disposal.cost == pytest.approx(
        3 * base.enterprises[0].supplies[0].disposal.cost
    )


random_parks = random_ash_parks([0.0, 0.5, 1.0, 2.0])


def random_park_data(spec: dict, *, disposal_extra: float = 0.0, carbon_price: float = 0.0) -> dict:
    return park_data(
        random_ash_enterprises(spec, disposal_extra=disposal_extra),
        resources=ASH,
        modes={"o_truck": random_truck(spec)},
        economics={"carbon_price": carbon_price},
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_parks, extra=st.integers(1, 100))
def test_raising_disposal_cost_never_lowers_utilization(spec: dict, extra: int) -> None:
    """With w the disposal of the optimum at cost c and w' at c + e (e > 0), optimality of each
    gives e (w' - w) <= 0: disposal cannot grow, utilisation cannot fall.
    """
    low = solve(circflow.park_from_dict(random_park_data(spec)))
    high = solve(circflow.park_from_dict(random_park_data(spec, disposal_extra=extra)))
    assert high.kpis["utilization"]["o_ash"] >= low.kpis["utilization"]["o_ash"] - 1e-6


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_parks, price=st.integers(1, 500))
def test_raising_carbon_price_never_raises_emissions(spec: dict, price: int) -> None:
    """The same argument for the objective total_cost + carbon_price x emissions."""
    free = solve(circflow.park_from_dict(random_park_data(spec)))
    priced = solve(circflow.park_from_dict(random_park_data(spec, carbon_price=price)))
    assert priced.kpis["emissions"] <= free.kpis["emissions"] + 1e-6 * max(1.0, free.kpis["emissions"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_parks)
def test_enterprise_order_does_not_matter(spec: dict) -> None:
    """Listing the enterprises in reverse order is the same park: the same optimum (the plan
    itself may differ where several plans tie)."""
    data = random_park_data(spec)
    forward = solve(circflow.park_from_dict(data))
    data["enterprises"] = data["enterprises"][::-1]
    backward = solve(circflow.park_from_dict(data))
    assert backward.objective == pytest.approx(forward.objective, rel=REL, abs=1e-6)
    assert backward.kpis["baseline"]["total_cost"] == pytest.approx(forward.kpis["baseline"]["total_cost"], rel=REL)


@pytest.mark.parametrize("name", ["tiny", "jinan_eco_park"])
def test_link_economics_add_up(name: str) -> None:
    """Each link's avoided money is its parts; a park whose status quo links nothing (tiny) saves
    exactly what its links save less its processes' annualised capex; with existing links and
    processes (Jinan) that holds against the plan's cost with no flows at all."""
    from circflow.catalog import data_dir

    result = circflow.optimize(circflow.load_park(data_dir("parks") / f"{name}.yaml"))
    links = result.links
    parts = links["avoided_disposal"] + links["avoided_supply"] + links["market_revenue"] - links["caused_disposal"]
    assert list(links["avoided"]) == pytest.approx(list(parts), abs=1e-6)
    assert list(links["net_saving"]) == pytest.approx(list(links["avoided"] - links["annual_cost"]), abs=1e-6)
    assert list(links["annualized_capex"]) == pytest.approx(list(links["capital_charge"] + links["om_cost"]), abs=1e-6)
    assert list(links["operating_saving"]) == pytest.approx(list(links["net_saving"] + links["capital_charge"]))
    new = links[~links["existing"] & (links["capex"] > 0) & (links["operating_saving"] > 0)]
    assert list(new["payback_years"]) == pytest.approx(list(new["capex"] / new["operating_saving"]))
    assert links[links["existing"]]["payback_years"].isna().all()
    process_capex = float(result.processes["annualized_capex"].sum()) if not result.processes.empty else 0.0
    saved_by_links = float(links["net_saving"].sum()) - process_capex
    if name == "tiny":
        assert saved_by_links == pytest.approx(result.kpis["savings"]["total_cost"], rel=1e-9)
    k = result.kpis
    assert k["operating_saving"] == pytest.approx(k["savings"]["total_cost"] + k["capital_charge"])
    assert k["payback_years"] == pytest.approx(k["capex"] / k["operating_saving"])
    assert k["capital_charge"] < k["annualized_capex"]  # O&M is not a capital charge
