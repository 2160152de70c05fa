"""Rules added from Python (SPEC 10, `circflow.extend`): two clients' rules on a small park, by hand.

The park (discount rate 0, carbon price 0, so the objective is total_cost and a capex C over
L years costs C / L a year):

- ``steel`` at (0, 0) has 10 MW of waste heat at 35 degC (free to dump) and 1000 t/yr of
  slag (disposal 10 CNY/t); ``city`` at (2, 0) needs 4 MW of heat at 75 degC (boiler heat
  250 CNY/MWh); ``cement`` at (0, 5) takes 1000 t/yr of slag (baseline 20 CNY/t).
- Heat: only a heat pump can lift 35 to 75 degC. COP = 0.5 x (75 + 5 + 273.15) / (75 + 5 -
  (35 - 5)) = 3.5315; the pipe loses nothing, so the pump meets the whole demand
  D = 4 x 8760 = 35040 MWh with electricity D / COP = 9922.1 MWh at 400 CNY/MWh. Capex: pipe
  1e6 over 25 y (40000/yr), heat pump 2e6 over 20 y (100000/yr). Its saving
  S_hp = 250 D - 400 D / COP - 140000 = 8760000 - 3968852.1 - 140000 = 4651147.9 CNY/yr.
- Slag truck: capex 400000 over 10 y = 40000/yr against 1000 x (10 + 20) = 30000 saved: it
  loses 10000/yr, so the plain optimum leaves it out.
- Three ash pairs 100 km apart (truck reach 10 km, so one candidate each): 1000 t each,
  disposal 30, 25 and 22 CNY/t, baseline 20 CNY/t, truck capex 200000 over 10 y. Savings
  50000 - 20000 = 30000 (a), 25000 (b), 22000 (c).

Status quo SQ = 10000 + 77000 (disposal) + 20000 + 60000 + 8760000 (baseline) = 8927000.
Plain optimum: heat pump, a, b, c: SQ - S_hp - 77000.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import helpers
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from extra_rules import at_most_two_contracts, no_heat_pump_without_slag
from helpers import ASH_BY_TRUCK, consumer, heat_technologies, mode, supplier

import circflow
from circflow.decompose import independent_parts
from circflow.diagnosis import iis_rows
from circflow.extend import record
from circflow.network import build_network
from circflow.solve import load_profile

REL = 1e-6
COP = 0.5 * 353.15 / 50.0
D = 4 * 8760.0
S_HP = 250 * D - 400 * D / COP - 140_000
SQ = 10_000 + 77_000 + 20_000 + 60_000 + 250 * D
PLAIN = SQ - S_HP - 77_000
HEAT_PUMP = "steel>city:o_heat:o_hpipe"
SLAG = "steel>cement:o_slag:o_slagtruck"
ASH = {"a": "a1>a2:o_ash:o_truck", "b": "b1>b2:o_ash:o_truck", "c": "c1>c2:o_ash:o_truck"}


def park_data() -> dict:
    truck = mode(max_distance_km=10.0, capex_fixed=200_000, lifetime_years=10)
    slag_truck = mode(max_distance_km=10.0, capex_fixed=400_000, lifetime_years=10)
    pipe = mode(capex_fixed=1_000_000, lifetime_years=25)
    enterprises = [
        {
            "id": "steel",
            "location": {"x": 0, "y": 0},
            "supplies": [
                {"resource": "o_heat", "rate": 10, "temperature": 35},
                {"resource": "o_slag", "amount": 1000, "disposal": {"cost": 10}},
            ],
        },
        {
            "id": "city",
            "location": {"x": 2, "y": 0},
            "demands": [
                {"resource": "o_heat", "rate": 4, "temperature": 75, "baseline": {"cost": 250, "emissions": 0.25}}
            ],
        },
        {
            "id": "cement",
            "location": {"x": 0, "y": 5},
            "demands": [{"resource": "o_slag", "amount": 1000, "baseline": {"cost": 20}}],
        },
    ]
    for name, x, disposal in (("a", 100, 30), ("b", 200, 25), ("c", 300, 22)):
        enterprises += [
            supplier(f"{name}1", (x, 0), "o_ash", 1000, disposal),
            consumer(f"{name}2", (x + 1, 0), "o_ash", 1000, 20),
        ]
    resources = {
        "o_heat": {"kind": "heat", "unit": "MWh", "modes": ["o_hpipe"]},
        "o_slag": {"kind": "material", "unit": "t", "modes": ["o_slagtruck"]},
        **ASH_BY_TRUCK,
    }
    return helpers.park_data(
        "rules test",
        enterprises,
        resources=resources,
        modes={"o_truck": truck, "o_slagtruck": slag_truck, "o_hpipe": pipe},
        technologies=heat_technologies({"capex_fixed": 2e6}),
    )


@pytest.fixture(scope="module")
def park() -> circflow.Park:
    return circflow.park_from_dict(park_data())


def plan(result: circflow.Result) -> set[str]:
    return set(result.links["id"])


def test_plain_optimum(park: circflow.Park) -> None:
    """Without rules: the heat pump and the three ash trucks (each pays), not the slag truck."""
    result = circflow.optimize(park, gap=0.0)
    assert plan(result) == {HEAT_PUMP, *ASH.values()}
    assert result.kpis["baseline"]["total_cost"] == pytest.approx(SQ, rel=REL)
    assert result.kpis["total_cost"] == pytest.approx(PLAIN, rel=REL)
    assert result.extra == []


def test_at_most_two_new_contracts(park: circflow.Park) -> None:
    """At most 2 new contracts: the two that save most, the heat pump and ash pair a.

    total_cost = SQ - S_hp - 30000; the row is binding (2 links built, rhs 2).
    """
    result = circflow.optimize(park, gap=0.0, extra=at_most_two_contracts)
    assert plan(result) == {HEAT_PUMP, ASH["a"]}
    assert result.kpis["total_cost"] == pytest.approx(SQ - S_HP - 30_000, rel=REL)
    (row,) = result.extra
    assert row["name"] == "new_contracts"
    assert row["sense"] == "<="
    assert row["rhs"] == 2
    assert row["value"] == pytest.approx(2)
    assert row["binding"] is True


def test_no_heat_pump_unless_steel_sends_slag(park: circflow.Park) -> None:
    """The heat pump needs the slag truck; S_hp far exceeds its 10000 loss, so both are built.

    total_cost = plain optimum + 10000 (the slag truck: 40000 capex a year - 30000 saved).
    """
    result = circflow.optimize(park, gap=0.0, extra="extra_rules:no_heat_pump_without_slag")
    assert plan(result) == {HEAT_PUMP, SLAG, *ASH.values()}
    assert result.kpis["total_cost"] == pytest.approx(PLAIN + 10_000, rel=REL)
    assert [row["name"] for row in result.extra] == ["heat_pump_needs_slag_0"]


def test_both_rules_together(park: circflow.Park) -> None:
    """Two contracts, and the heat pump only with the slag truck: the heat pump and slag truck
    (S_hp - 10000) beat the best pair without the heat pump (a and b, 55000).

    total_cost = SQ - S_hp + 10000.
    """
    result = circflow.optimize(park, gap=0.0, extra=[at_most_two_contracts, no_heat_pump_without_slag])
    assert plan(result) == {HEAT_PUMP, SLAG}
    assert result.kpis["total_cost"] == pytest.approx(SQ - S_HP + 10_000, rel=REL)
    assert result.objective == pytest.approx(SQ - S_HP + 10_000, rel=REL)


def test_rule_on_the_pyomo_form_and_an_objective_term(park: circflow.Park) -> None:
    """The contract cap written on the Pyomo form, and a subsidy of 15000 CNY/yr for the slag
    truck as an objective term. The slag truck now gains 5000 a year, less than ash pair a's
    30000, so the cap still keeps the heat pump and a: SQ - S_hp - 30000. Without the cap the
    subsidy builds all five: PLAIN + 10000 - 15000 = PLAIN - 5000, the term -15000.
    """

    def cap_in_pyomo(m: circflow.ModelView) -> None:
        p = m.pyomo
        p.new_contracts = pyo.Constraint(expr=sum(p.y[p.link_index[link]] for link in m.links(new=True)) <= 2)

    def subsidy(m: circflow.ModelView) -> None:
        m.add_objective("slag_subsidy", -15_000 * m.built(SLAG))

    capped = circflow.optimize(park, gap=0.0, extra=[cap_in_pyomo, subsidy])
    assert plan(capped) == {HEAT_PUMP, ASH["a"]}
    assert capped.kpis["total_cost"] == pytest.approx(SQ - S_HP - 30_000, rel=REL)
    assert capped.extra[0]["name"] == "new_contracts"

    subsidised = circflow.optimize(park, gap=0.0, extra=subsidy)
    assert plan(subsidised) == {HEAT_PUMP, SLAG, *ASH.values()}
    assert subsidised.kpis["extra"] == {"slag_subsidy": pytest.approx(-15_000)}
    assert subsidised.kpis["total_cost"] == pytest.approx(PLAIN - 5_000, rel=REL)


def test_pyomo_form_objective_is_in_money(park: circflow.Park) -> None:
    """The Pyomo form's cost objective at the plain optimum's plan is total_cost (SQ - S_hp -
    77000) in CNY, not divided by a solver scale (issue 15)."""
    from pyomo.contrib.appsi.solvers import Highs

    from circflow.model import build_model

    m = build_model(build_network(park)).to_pyomo()
    Highs().solve(m)
    assert pyo.value(m.cost) == pytest.approx(PLAIN, rel=REL)


def test_rules_join_the_parts_they_name(park: circflow.Park) -> None:
    """Five independent parts (heat, slag, a, b, c); the heat-pump rule joins heat and slag (4),
    the contract cap names every new link (1)."""
    net = build_network(park)
    assert len(independent_parts(net)) == 5
    assert len(independent_parts(net, record(no_heat_pump_without_slag, net))) == 4
    assert len(independent_parts(net, record(at_most_two_contracts, net))) == 1


def test_pruning_keeps_a_link_a_rule_needs() -> None:
    """A slag truck whose opex (40 CNY/t) exceeds what a tonne saves (30) can never pay:
    pruning drops it. A rule that it be built keeps it, and it is built though nothing flows
    (each tonne would lose 10): total_cost = plain optimum + 40000 of capex a year."""
    data = park_data()
    data["modes"]["o_slagtruck"]["opex_per_unit"] = 40.0
    park = circflow.park_from_dict(data)
    plain = circflow.optimize(park, gap=0.0)
    assert plain.model_facts["pruned_links"] >= 1

    def build_slag(m: circflow.ModelView) -> None:
        m.add_constraint("slag_contract", m.built(SLAG) >= 1)

    result = circflow.optimize(park, gap=0.0, extra=build_slag)
    assert SLAG in plan(result)
    assert result.kpis["total_cost"] == pytest.approx(PLAIN + 40_000, rel=REL)
    (slag,) = result.links[result.links["id"] == SLAG].to_dict("records")
    assert slag["flow_total"] == pytest.approx(0, abs=1e-6)


def test_infeasible_rule_is_named(park: circflow.Park) -> None:
    """Six new contracts of five candidates cannot be: the diagnosis names the rule; HiGHS's IIS
    of the model names its row too."""

    def six(m: circflow.ModelView) -> None:
        m.add_constraint("six_contracts", m.sum(m.built(link) for link in m.links(new=True)) >= 6)

    result = circflow.optimize(park, extra=six)
    assert result.status is circflow.Status.INFEASIBLE
    assert any("six_contracts" in line for line in result.diagnosis)
    net = build_network(park)
    found = iis_rows(net, load_profile("highs"), record(six, net))
    assert any("rule six_contracts" in line for line in found)


def test_results_json_records_the_rules(park: circflow.Park, tmp_path: pathlib.Path) -> None:
    """``model.extra`` lists each row with its text, value and whether it binds; Result.load reads it back."""
    result = circflow.optimize(park, gap=0.0, extra=[at_most_two_contracts, no_heat_pump_without_slag])
    folder = result.save(tmp_path / "out")
    content = json.loads((pathlib.Path(folder) / "results.json").read_text(encoding="utf-8"))
    names = [row["name"] for row in content["model"]["extra"]]
    assert names == ["new_contracts", "heat_pump_needs_slag_0"]
    assert "built[steel>city:o_heat:o_hpipe]" in content["model"]["extra"][1]["text"]
    again = circflow.Result.load(tmp_path / "out")
    assert [row["name"] for row in again.extra] == names


def test_bad_rules_are_park_errors(park: circflow.Park) -> None:
    """An unknown link, a reused name, a bad import path: ParkError naming what is wrong."""

    def unknown(m: circflow.ModelView) -> None:
        m.add_constraint("x", m.built("steel>city:o_heat:o_hpip") <= 0)

    def twice(m: circflow.ModelView) -> None:
        m.add_constraint("x", m.built(SLAG) <= 1)
        m.add_constraint("x", m.built(SLAG) <= 1)

    with pytest.raises(circflow.ParkError, match="did you mean 'steel>city:o_heat:o_hpipe'"):
        circflow.optimize(park, extra=unknown)
    with pytest.raises(circflow.ParkError, match="'x' exists already"):
        circflow.optimize(park, extra=twice)
    with pytest.raises(circflow.ParkError, match="cannot import"):
        circflow.optimize(park, extra="extra_rules:nothing_here")


def test_rules_in_every_study(park: circflow.Park) -> None:
    """compare, pareto, sensitivity and alternatives keep both rules (the plan is the heat pump
    and the slag truck, SQ - S_hp + 10000 at 400 CNY/MWh).

    Sensitivity of the electricity price 300..500: with both rules the plan stays; total_cost
    = SQ - (250 D - e D / COP - 140000) + 10000 at each end e.
    """
    both = [at_most_two_contracts, no_heat_pump_without_slag]
    table = circflow.compare({"plain": park, "rules": park}, extra=both, gap=0.0)
    assert plan(table.loc[1, "result"]) == {HEAT_PUMP, SLAG}
    assert table.loc[1, "total_cost"] == pytest.approx(SQ - S_HP + 10_000, rel=REL)

    front = circflow.pareto(park, points=2, extra=both, gap=0.0)
    for result in front["result"]:
        assert len(plan(result)) <= 2
    assert front["total_cost"].min() == pytest.approx(SQ - S_HP + 10_000, rel=REL)

    found = circflow.sensitivity(park, {"economics.electricity_price": (300.0, 500.0)}, extra=both, gap=0.0)
    ends = found.table.set_index("value")["total_cost"]
    for price in (300.0, 500.0):
        expected = SQ - (250 * D - price * D / COP - 140_000) + 10_000
        assert ends[price] == pytest.approx(expected, rel=REL)

    classes = circflow.alternatives(park, slack=0.001, extra=both, gap=0.0).table.set_index("id")["class"]
    assert classes[HEAT_PUMP] == "essential"
    assert classes[SLAG] == "essential"
    assert classes[ASH["a"]] == "excluded"

    sure = circflow.how_sure(park, slack=0.001, vary={"economics.electricity_price": "300:500"}, extra=both, gap=0.0)
    assert plan(sure) == {HEAT_PUMP, SLAG}
    found = sure.robustness["alternatives"]
    assert found["optimum"] == pytest.approx(SQ - S_HP + 10_000, rel=REL)


def test_rules_in_a_sweep(park: circflow.Park, dask_client: Any) -> None:
    """A sweep of the carbon price (0, 100) with rules by function and by import path: every
    run builds the heat pump and the slag truck. At carbon price p the objective adds p x
    emissions; total_cost stays SQ - S_hp + 10000 (the plan does not change: heat pump
    emissions 0.6 x D / COP = 5953 t against the boiler's 0.25 D = 8760 t)."""
    for extra in (
        [at_most_two_contracts, no_heat_pump_without_slag],
        ["extra_rules:at_most_two_contracts", "extra_rules:no_heat_pump_without_slag"],
    ):
        table = circflow.sweep(park, {"economics.carbon_price": [0.0, 100.0]}, extra=extra, gap=0.0, client=dask_client)
        assert list(table["status"]) == ["optimal", "optimal"]
        assert np.allclose(table["total_cost"], SQ - S_HP + 10_000, rtol=REL)
        assert isinstance(table, pd.DataFrame)
