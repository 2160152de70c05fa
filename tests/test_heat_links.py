"""SPEC 8.3: heat inlet/outlet and supply/return, the four heat-link technologies, heat pipes
priced per m3/h of water.

Every park defines its own heat resource, pipe and heat technologies (``m_`` names), so nothing
depends on the shipped catalog; discount rate 0, so annualised capex is capex / lifetime.
Temperatures in degC, approach dT = ``min_approach_k`` = 10 K. Each test derives its
optimum by hand in its docstring; `helpers.assert_optimum` checks the KPI parts add up to
total_cost.
"""

from __future__ import annotations

import helpers
import numpy as np
import pytest
from helpers import EXACT_REL as REL
from helpers import assert_optimum, heat_technologies, links_by_id, mode, solve_exact

import circflow
from circflow.model import build_model, coefficients
from circflow.network import build_network

ECONOMICS = {**helpers.ECONOMICS, "electricity_price": 500.0, "grid_emission_factor": 0.5}
HEAT = {"m_heat": {"kind": "heat", "unit": "MWh", "modes": ["m_pipe"]}}
ABSORPTION = {
    "cop": 1.7,
    "max_lift_k": 45.0,
    "drive_cost_per_mwh": 0.0,
    "drive_emissions_per_mwh": 0.0,
    "capex_fixed": 0.0,
    "capex_per_mw": 0.0,
    "lifetime_years": 20.0,
    "om_fraction": 0.0,
    "opex_per_mwh": 0.0,
}
KELVIN = 273.15
WATER = 1.163e-3
"""MWh per m3 of water per K (SPEC 8.3)."""
YEAR = 8760.0


def make_park(
    enterprises: list[dict],
    *,
    pipe: dict | None = None,
    heat_pump: dict | None = None,
    absorption: dict | None = None,
) -> circflow.Park:
    """A park of ``enterprises`` on the pipe ``m_pipe`` (`mode()` when None), with
    `helpers.HEAT_PUMP` and `ABSORPTION` updated by ``heat_pump`` and ``absorption``."""
    return circflow.park_from_dict(
        helpers.park_data(
            "heat links",
            enterprises,
            resources=HEAT,
            modes={"m_pipe": pipe or mode()},
            economics=ECONOMICS,
            technologies=heat_technologies(heat_pump, absorption_heat_pump={**ABSORPTION, **(absorption or {})}),
        )
    )


def source(ident: str, x: float, temperature: float, outlet: float | None = None, **stream: object) -> dict:
    supply = {"resource": "m_heat", "temperature": temperature, **stream}
    if outlet is not None:
        supply["outlet_temperature"] = outlet
    return {"id": ident, "location": {"x": x, "y": 0}, "supplies": [supply]}


def city(
    temperature: float, return_temperature: float | None = None, *, baseline: float = 300.0, **stream: object
) -> dict:
    demand = {"resource": "m_heat", "temperature": temperature, "baseline": {"cost": baseline}, **stream}
    if return_temperature is not None:
        demand["return_temperature"] = return_temperature
    return {"id": "city", "location": {"x": 0, "y": 0}, "demands": [demand]}


def cop(source_c: float, sink_c: float, eta: float = 0.5, approach: float = 5.0) -> float:
    """SPEC 8.3 written out: Te = To - approach, Tc = Ts + approach (K), COP = eta Tc / (Tc - Te)."""
    hot, cold = sink_c + approach + KELVIN, source_c - approach + KELVIN
    return min(8.0, eta * hot / (hot - cold))


# -- direct: sigma ----------------------------------------------------------------------------


def test_a_direct_link_draws_only_the_share_sigma_of_its_source() -> None:
    """A source releases 10,000 MWh cooling from Ti = 90 to To = 40; the city needs 20,000 MWh
    from Tr = 50 to Ts = 70. Direct, since Ti = 90 >= Ts + dT = 80. A heat exchanger cools the
    source only down to Tr + dT = 60 (above To), so

        sigma = (Ti - max(To, Tr + dT)) / (Ti - To) = (90 - 60) / (90 - 40) = 0.6:

    at most 6,000 MWh drawn. The 5 km pipe loses 1 %/km (gain 0.95): 5,700 MWh delivered;
    pipe capex 10,000 over 10 years = 1,000 a year, opex 5 per MWh drawn; boiler 200 per MWh.

        total_cost = 1,000 + 6,000 x 5 + (20,000 - 5,700) x 200 = 1,000 + 30,000 + 2,860,000
                   = 2,891,000;  status quo 20,000 x 200 = 4,000,000.

    The other 4,000 MWh of the source are released unused (its disposal, at no cost here).
    """
    pipe = mode(capex_fixed=10_000.0, lifetime_years=10.0, opex_per_unit=5.0, loss_per_km=0.01)
    park = make_park([source("plant", 5, 90, 40, amount=10_000), city(70, 50, baseline=200, amount=20_000)], pipe=pipe)
    net = build_network(park)
    assert [(link.type, link.share, link.band) for link in net.links] == [("direct", pytest.approx(0.6), None)]
    result = solve_exact(park)
    link = links_by_id(result)["plant>city:m_heat:m_pipe"]
    assert link["type"] == "direct"
    assert link["flow_total"] == pytest.approx(6_000.0, rel=REL)
    assert link["delivered_total"] == pytest.approx(5_700.0, rel=REL)
    assert link["capacity"] == pytest.approx(6_000.0 / YEAR, rel=REL)
    assert (link["source_inlet_c"], link["source_outlet_c"], link["sink_supply_c"], link["sink_return_c"]) == (
        90,
        40,
        70,
        50,
    )
    assert_optimum(
        result,
        2_891_000.0,
        status_quo=4_000_000.0,
        annualized_capex=1_000.0,
        variable_cost=30_000.0,
        baseline_cost=14_300 * 200.0,
    )
    rest = result.balances.set_index("path")["rest"]
    assert rest["plant.supplies[0]"] == pytest.approx(4_000.0, rel=REL)


# -- preheat: nested bands rho ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount_a", "drawn_a", "total_cost"),
    [
        (40_000.0, 10_000.0, 10_000 * 1 + 20_000 * 2 + 30_000 * 220),
        (16_000.0, 8_000.0, 8_000 * 1 + 22_000 * 2 + 30_000 * 220),
    ],
    ids=["band-of-A-binds", "sigma-of-A-binds"],
)
def test_two_preheat_sources_share_the_demands_nested_bands(amount_a: float, drawn_a: float, total_cost: float) -> None:
    """The city heats 60,000 MWh of water from Tr = 50 to Ts = 80 (boiler 220 per MWh). Two
    sources are too cold for direct use (Ti < Ts + dT = 90) but hot enough to preheat the
    return water (Ti > Tr + dT = 60), each up to Ti - dT only:

        rho_A = (65 - 10 - 50) / (80 - 50) = 1/6 -> 10,000 MWh;  sigma_A = (65 - 60) / (65 - 55) = 0.5
        rho_B = (75 - 10 - 50) / (80 - 50) = 1/2 -> 30,000 MWh;  sigma_B = (75 - 72) / (75 - 72) = 1

    The nested bands (SPEC 8.3) are A <= 10,000 (one link: its own bound) and A + B <= 30,000
    (the one band row, rho* = 1/2): water preheated by A to 55 degC is not preheated again by
    B, so together they cover at most 30,000 MWh, not 40,000. A's pipe is 1 km (1 per MWh),
    B's 2 km (2 per MWh), so A goes first. Heat pumps are out of reach (max_lift_k 5 K).

    - A offers 40,000 MWh: sigma_A a = 20,000 > its band, so A = 10,000 and B = 20,000;
      total_cost = 10,000 + 40,000 + 30,000 x 220 = 6,650,000;
    - A offers 16,000 MWh: sigma_A a = 8,000 < its band, so A = 8,000 and B = 22,000;
      total_cost = 8,000 + 44,000 + 6,600,000 = 6,652,000.

    Either way the band row A + B <= 30,000 binds and the boiler makes 30,000 MWh.
    """
    park = make_park(
        [
            source("a", 1, 65, 55, amount=amount_a),
            source("b", 2, 75, 72, amount=100_000),
            city(80, 50, baseline=220, amount=60_000),
        ],
        pipe=mode(opex_per_unit_km=1.0),
        heat_pump={"max_lift_k": 5.0},
    )
    net = build_network(park)
    bands = {link.id: (link.type, link.band, link.share) for link in net.links}
    assert bands == {
        "a>city:m_heat:m_pipe:preheat": ("preheat", pytest.approx(1 / 6), pytest.approx(0.5)),
        "b>city:m_heat:m_pipe:preheat": ("preheat", pytest.approx(0.5), pytest.approx(1.0)),
    }
    model = build_model(net)
    block = model.rows["preheat_band"]
    assert block.size == 1  # the rho* = 1/2 row; rho* = 1/6 holds A alone, implied by A's bound
    row = block.start
    members = model.matrix[[row], :].toarray().ravel()
    assert sorted(np.flatnonzero(members)) == sorted(model.rate[:, 0])
    assert model.row_upper[row] == pytest.approx(0.5 * 60_000 / YEAR, rel=REL)
    result = solve_exact(park)
    links = links_by_id(result)
    delivered_a = links["a>city:m_heat:m_pipe:preheat"]["delivered_total"]
    delivered_b = links["b>city:m_heat:m_pipe:preheat"]["delivered_total"]
    assert delivered_a == pytest.approx(drawn_a, rel=REL)
    assert delivered_a + delivered_b == pytest.approx(30_000.0, rel=REL)
    assert links["a>city:m_heat:m_pipe:preheat"]["type"] == "preheat"
    assert_optimum(result, total_cost, variable_cost=drawn_a + 2 * (30_000 - drawn_a), baseline_cost=30_000 * 220.0)


# -- electric heat pump: COP at the source outlet ----------------------------------------------


def test_a_heat_pumps_cop_comes_from_the_source_outlet() -> None:
    """A source releases 30,000 MWh cooling from Ti = 45 to To = 25; the city needs 100,000 MWh
    at Ts = 70 (boiler 300). Neither direct (45 < 80) nor preheat (45 < Tr + dT = 80): an
    electric heat pump (lift Ts - To = 45 <= 60). Its evaporator must reach the outlet:

        COP = 0.5 x (70 + 5 + 273.15) / ((70 + 5) - (25 - 5)) = 0.5 x 348.15 / 55 = 3.165
        (from the inlet it would be 0.5 x 348.15 / 35 = 4.9736);

    per MWh drawn it delivers g = 3.165 / 2.165 = 1.46189 MWh using 1 / 2.165 = 0.46189 MWh
    of electricity (500 per MWh): worth 300 x 1.46189 - 500 x 0.46189 = 207.62 > 0, so all
    30,000 MWh are drawn. Heat pump capex 100,000 per MW of output over 20 years, at the
    output rate g x 30,000 / 8,760 = 5.00648 MW:

        delivered   = 30,000 x 1.46189 = 43,856.81 MWh; electricity = 13,856.81 MWh
        total_cost  = 100,000 x 5.00648 / 20 + 500 x 13,856.81 + 300 x (100,000 - 43,856.81)
                    = 25,032.4 + 6,928,406.5 + 16,842,956.1 = 23,796,395.

    The same park without ``outlet_temperature`` (To = Ti, SPEC 3.4) runs at COP 4.9736.
    """
    cop_out, cop_in = cop(25, 70), cop(45, 70)
    assert cop_out == pytest.approx(3.165, rel=1e-12)
    assert cop_in == pytest.approx(174.075 / 35, rel=1e-12)
    gain = cop_out / (cop_out - 1)
    delivered, electricity = 30_000 * gain, 30_000 / (cop_out - 1)
    capex = 100_000 * gain * 30_000 / YEAR
    total_cost = capex / 20 + 500 * electricity + 300 * (100_000 - delivered)
    assert total_cost == pytest.approx(23_796_395, rel=1e-6)  # the docstring's rounding

    def park(outlet: float | None) -> circflow.Park:
        return make_park(
            [source("plant", 3, 45, outlet, amount=30_000), city(70, amount=100_000)],
            heat_pump={"capex_per_mw": 100_000.0},
        )

    result = solve_exact(park(25))
    link = links_by_id(result)["plant>city:m_heat:m_pipe"]
    assert link["type"] == "heat_pump"
    assert link["cop"] == pytest.approx(cop_out, rel=1e-12)
    assert link["cop"] != pytest.approx(cop_in, rel=1e-3)
    assert link["flow_total"] == pytest.approx(30_000.0, rel=REL)
    assert link["delivered_total"] == pytest.approx(delivered, rel=REL)
    assert link["capacity"] == pytest.approx(30_000 / YEAR, rel=REL)
    assert_optimum(
        result,
        total_cost,
        annualized_capex=capex / 20,
        capex=capex,
        electricity_cost=500 * electricity,
        electricity_mwh=electricity,
        baseline_cost=300 * (100_000 - delivered),
        emissions=0.5 * electricity,
    )
    inlet = solve_exact(park(None))
    assert links_by_id(inlet)["plant>city:m_heat:m_pipe"]["cop"] == pytest.approx(cop_in, rel=1e-12)


def test_a_source_cooled_to_zero_degrees_keeps_its_outlet() -> None:
    """River water at Ti = 10 degC cooled to To = 0 degC feeds a heat pump for a 50 degC
    network: Te = 0 - 5 + 273.15 = 268.15 K, Tc = 328.15 K, COP = 0.5 x 328.15 / 60 = 2.73458.
    An outlet of 0 degC is a temperature like any other, not "no outlet given" (COP 3.2815)."""
    park = make_park([source("river", 1, 10, 0, amount=1_000), city(50, amount=5_000)])
    net = build_network(park)
    assert [(link.type, link.temperatures.outlet) for link in net.links] == [("heat_pump", 0.0)]
    assert net.links[0].cop == pytest.approx(0.5 * 328.15 / 60, rel=1e-12)
    demand_at_zero = make_park([source("plant", 1, 30, amount=1_000), city(20, 0, amount=5_000)])
    (link,) = build_network(demand_at_zero).links
    assert link.temperatures.return_ == 0.0
    assert link.share == pytest.approx(1.0)  # Ti = To: sigma 1; pipe dT = Ts - Tr = 20
    assert (link.type, link.temperatures.supply - link.temperatures.return_) == ("direct", 20.0)


# -- absorption against electric: the break-even steam price -----------------------------------

COP_ELECTRIC = 0.5 * (70 + 5 + KELVIN) / ((70 + 5) - (40 - 5))  # 174.075 / 40 = 4.351875
BREAK_EVEN_STEAM = 1.7 * 500 / COP_ELECTRIC  # 195.3181 per MWh of driving steam


@pytest.mark.parametrize("steam_price", [0.99 * BREAK_EVEN_STEAM, 1.01 * BREAK_EVEN_STEAM], ids=["below", "above"])
def test_absorption_against_electric_heat_pump_at_the_break_even_steam_price(steam_price: float) -> None:
    """A 40 degC source with driving steam at hand (``absorption: true``, 10^6 MWh: plenty)
    and a city needing 10,000 MWh at 70 degC (boiler 300). Two candidates on the pair:

    - electric: COP = 0.5 x 348.15 / (348.15 - 308.15) = 4.351875, so per MWh delivered
      500 / 4.351875 = 114.8930 of electricity;
    - absorption: cop 1.7, so per MWh delivered 1 / 1.7 MWh of steam at ``steam_price``.

    Both beat the boiler, the city's demand binds and nothing else differs (no capex, the
    waste heat is free), so the cheaper per MWh delivered takes all 10,000 MWh. Break-even:

        p* / 1.7 = 500 / 4.351875  ->  p* = 1.7 x 500 / 4.351875 = 195.3181 per MWh.

    - 0.99 p* = 193.3649: absorption; drive 10,000 / 1.7 = 5,882.35 MWh, total_cost
      = 5,882.35 x 193.3649 = 1,137,440.8, emissions 5,882.35 x 0.2 = 1,176.47 tCO2;
    - 1.01 p* = 197.2713: electric; 10,000 / 4.351875 = 2,297.86 MWh of electricity,
      total_cost = 1,148,930.1, emissions 2,297.86 x 0.5 = 1,148.93 tCO2.
    """
    absorbs = steam_price < BREAK_EVEN_STEAM
    park = make_park(
        [source("plant", 2, 40, amount=1_000_000, absorption=True), city(70, amount=10_000)],
        absorption={"drive_cost_per_mwh": steam_price, "drive_emissions_per_mwh": 0.2},
    )
    assert sorted(link.type for link in build_network(park).links) == ["absorption", "heat_pump"]
    result = solve_exact(park)
    links = links_by_id(result)
    if absorbs:
        drive = 10_000 / 1.7
        assert list(links) == ["plant>city:m_heat:m_pipe:absorption"]
        link = links["plant>city:m_heat:m_pipe:absorption"]
        assert link["cop"] == pytest.approx(1.7)
        assert link["flow_total"] == pytest.approx(10_000 * 0.7 / 1.7, rel=REL)
        assert_optimum(
            result,
            drive * steam_price,
            drive_cost=drive * steam_price,
            drive_mwh=drive,
            emissions=0.2 * drive,
            electricity_mwh=0.0,
        )
    else:
        electricity = 10_000 / COP_ELECTRIC
        assert list(links) == ["plant>city:m_heat:m_pipe"]
        assert links["plant>city:m_heat:m_pipe"]["type"] == "heat_pump"
        assert_optimum(
            result,
            500 * electricity,
            electricity_cost=500 * electricity,
            electricity_mwh=electricity,
            emissions=0.5 * electricity,
            drive_mwh=0.0,
        )
    delivered = sum(row["delivered_total"] for row in links.values())
    assert delivered == pytest.approx(10_000.0, rel=REL)
    without_steam = make_park([source("plant", 2, 40, amount=1_000_000), city(70, amount=10_000)])
    assert [link.type for link in build_network(without_steam).links] == ["heat_pump"]


def test_the_sankey_shows_an_absorption_units_steam_as_heat_not_electricity() -> None:
    """An absorption heat pump is driven by steam (SPEC 8.3): of the 10,000 MWh it delivers,
    10,000 / 1.7 = 5,882.35 MWh come from its driving steam and 4,117.65 from the waste heat.
    The Sankey draws the steam as heat flowing in from a steam node, not as electricity."""
    park = make_park(
        [source("plant", 2, 40, amount=1_000_000, absorption=True), city(70, amount=10_000)],
        absorption={"drive_cost_per_mwh": 100.0},
    )
    trace = circflow.sankey_figure(solve_exact(park).to_dict()).data[0]
    names = [hover.split("<br>")[0] for hover in trace.node.customdata]
    assert "<b>Electricity for heat pumps</b>" not in names
    steam, plant, city_node = (names.index(f"<b>{n}</b>") for n in ("Steam for absorption heat pumps", "plant", "city"))
    flows = {
        (s, t): (value, resource)
        for s, t, (*_, value, resource) in zip(trace.link.source, trace.link.target, trace.link.customdata, strict=True)
    }
    assert flows[steam, city_node] == (pytest.approx(10_000 / 1.7, rel=REL), "steam")
    assert flows[plant, city_node] == (pytest.approx(10_000 * 0.7 / 1.7, rel=REL), "m_heat")
    # The city takes both as its own heat: 10 GWh of m heat, no other resource and no unitless amount.
    assert trace.node.customdata[city_node] == "<b>city</b><br>takes m\u00a0heat\u00a010\u00a0GWh"


# -- heat pipes priced per m3/h of water -------------------------------------------------------

PER_FLOW_KM = 2_000.0
"""Money per m3/h of water per km."""


@pytest.mark.parametrize(
    ("supply", "demand", "kind", "delta_t", "cop_value"),
    [
        ((95, None), (80, 50), "direct", 80 - 50, None),  # Ts - Tr
        ((95, None), (80, None), "direct", 35.0, None),  # Ts = Tr: the mode's design_delta_t_k
        ((40, 25), (70, None), "heat_pump", 40 - 25, 0.5 * 348.15 / 55),  # Ti - To
        ((40, None), (70, None), "heat_pump", 35.0, 0.5 * 348.15 / 40),  # Ti = To: design_delta_t_k
    ],
    ids=["direct-supply-return", "direct-design-dT", "heat-pump-inlet-outlet", "heat-pump-design-dT"],
)
def test_pipe_capex_per_flow_uses_the_water_temperature_difference(
    supply: tuple, demand: tuple, kind: str, delta_t: float, cop_value: float | None
) -> None:
    """A 5 km heat pipe priced ``capex_per_flow_km`` = 2,000 per m3/h of water per km, over 20
    years. One m3/h of water carries 1.163e-3 dT MW, so per MW (drawn) per km it costs
    2,000 / (1.163e-3 dT) (SPEC 8.3), with dT the water the pipe carries: Ts - Tr on a direct
    link, Ti - To on a heat-pump link, ``design_delta_t_k`` = 35 where that is 0:

        dT = 30: 57,323.0 per MW km;  dT = 15: 114,646.1;  dT = 35: 49,134.0.

    The city needs 4 MW all year (boiler 300) from a 10 MW source: a direct link draws 4 MW,
    a heat pump 4 / g = 4 (COP - 1) / COP MW. The pipe pays at once (at most 0.6 million per MW
    against 876,000 a year per MW of boiler heat), so

        capex = 5 x 2,000 / (1.163e-3 dT) x drawn;  total_cost = capex / 20 + electricity
        35,040 / COP x 500 (heat pump only).
    """
    pipe = mode(capex_per_flow_km=PER_FLOW_KM, design_delta_t_k=35.0, lifetime_years=20.0)
    park = make_park([source("plant", 5, supply[0], supply[1], rate=10), city(demand[0], demand[1], rate=4)], pipe=pipe)
    net = build_network(park)
    (link,) = net.links
    assert link.type == kind
    per_mw = 5 * PER_FLOW_KM / (WATER * delta_t)
    assert coefficients(net).capex_per_rate[0] == pytest.approx(per_mw, rel=1e-12)
    drawn = 4.0 if cop_value is None else 4.0 * (cop_value - 1) / cop_value
    electricity = 0.0 if cop_value is None else 4 * YEAR / cop_value
    capex = per_mw * drawn
    result = solve_exact(park)
    row = links_by_id(result)["plant>city:m_heat:m_pipe"]
    assert row["capacity"] == pytest.approx(drawn, rel=REL)
    assert row["capex"] == pytest.approx(capex, rel=REL)
    assert_optimum(
        result,
        capex / 20 + 500 * electricity,
        capex=capex,
        annualized_capex=capex / 20,
        electricity_cost=500 * electricity,
    )


def test_capex_per_flow_and_per_capacity_km_together_are_refused() -> None:
    """A pipe is priced per m3/h of water or per MW, not both (one would silently win)."""
    with pytest.raises(circflow.ParkError, match="capex_per_flow_km"):
        make_park(
            [source("plant", 1, 90, rate=1), city(70, rate=1)],
            pipe=mode(capex_per_flow_km=1.0, capex_per_capacity_km=1.0),
        )


def test_capex_per_flow_km_on_a_mode_that_carries_no_heat_is_refused() -> None:
    """``capex_per_flow_km`` is converted with the water's dT of a heat link (SPEC 8.3); on a
    mode carrying water or materials it has no dT and would price nothing: a ParkError at the
    field, saying what to give instead."""
    resources = {"m_water": {"kind": "water", "unit": "m3", "modes": ["m_wpipe"]}}
    with pytest.raises(circflow.ParkError) as caught:
        circflow.park_from_dict(
            helpers.park_data(
                "water",
                [
                    {"id": "plant", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "m_water", "rate": 5}]},
                    {"id": "tower", "location": {"x": 1, "y": 0}, "demands": [{"resource": "m_water", "rate": 5}]},
                ],
                resources=resources,
                modes={"m_wpipe": mode(capex_per_flow_km=1_000.0)},
                economics=ECONOMICS,
            )
        )
    assert [p.path for p in caught.value.problems] == ["modes.m_wpipe.capex_per_flow_km"]
    assert "give capex_per_capacity_km (money per m3/h per km)" in str(caught.value)


# -- parks without the new keys ----------------------------------------------------------------


def test_a_park_without_the_new_heat_keys_keeps_direct_and_heat_pump_links() -> None:
    """Only ``temperature`` on each stream (SPEC 3.4): To = Ti, Tr = Ts, so sigma = 1, no
    preheat (it would need Ts + dT < Ti < Ts + dT) and no absorption (no ``absorption: true``).

    - ``hot`` at 90 degC, 5,000 MWh: direct to the 70 degC city (90 >= 80);
    - ``cold`` at 35 degC, 10,000 MWh: heat pump, COP = 0.5 x 348.15 / (348.15 - 303.15)
      = 3.868333; per MWh drawn it delivers 1.348634 and uses 0.348634 MWh of electricity
      (174.32 at 500): worth 200 x 1.348634 - 174.32 = 95.41 > 0, so all 10,000 are drawn.

        delivered = 5,000 + 13,486.34 = 18,486.34 of the city's 20,000 MWh;
        total_cost = 500 x 3,486.34 + 200 x (20,000 - 18,486.34) = 1,743,172.6 + 302,731.0 = 2,045,903.5.
    """
    park = make_park(
        [
            source("hot", 1, 90, amount=5_000),
            source("cold", 2, 35, amount=10_000),
            city(70, baseline=200, amount=20_000),
        ]
    )
    net = build_network(park)
    kinds = {link.id: (link.type, link.share, link.band) for link in net.links}
    assert kinds == {
        "hot>city:m_heat:m_pipe": ("direct", 1.0, None),
        "cold>city:m_heat:m_pipe": ("heat_pump", 1.0, None),
    }
    heat_pump_cop = 0.5 * 348.15 / 45
    (pump,) = [link for link in net.links if link.type == "heat_pump"]
    assert pump.cop == pytest.approx(heat_pump_cop, rel=1e-12)
    assert pump.gain == pytest.approx(heat_pump_cop / (heat_pump_cop - 1), rel=1e-12)
    electricity = 10_000 / (heat_pump_cop - 1)
    delivered = 5_000 + 10_000 * heat_pump_cop / (heat_pump_cop - 1)
    total_cost = 500 * electricity + 200 * (20_000 - delivered)
    assert total_cost == pytest.approx(2_045_903.5, rel=1e-7)
    result = solve_exact(park)
    assert_optimum(result, total_cost, electricity_cost=500 * electricity, baseline_cost=200 * (20_000 - delivered))
    assert {row["type"] for row in links_by_id(result).values()} == {"direct", "heat_pump"}
