"""Constraints a study adds to the park's Pyomo model outside any rule (SPEC 10, issue 15), and
sweep run keys that tell two rules apart.

The park and its hand-derived figures are those of ``test_extend``: status quo SQ, the heat
pump's saving S_hp, ash pairs a, b, c saving 30000, 25000 and 22000 a year, the slag truck
losing 10000 a year.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap
from typing import Any

import pyomo.environ as pyo
import pytest
from test_extend import ASH, HEAT_PUMP, PLAIN, REL, S_HP, SLAG, SQ, park_data, plan

import circflow
from circflow.decompose import independent_parts
from circflow.extend import PyomoAdditions, describe, record
from circflow.network import build_network


@pytest.fixture(scope="module")
def park() -> circflow.Park:
    return circflow.park_from_dict(park_data())


def test_a_cap_added_to_the_pyomo_model_reaches_the_run(park: circflow.Park) -> None:
    """``sum(y) <= 2`` on `circflow.pyomo_model` (y exists for new links only), given as
    ``extra=``: the two contracts that save most, the heat pump and ash pair a.

    total_cost = SQ - S_hp - 30000, and results name the row ``contracts`` (binding at 2).
    """
    p = circflow.pyomo_model(park)
    assert set(p.link_index) == {link.id for link in build_network(park).links}
    p.contracts = pyo.Constraint(expr=sum(p.y.values()) <= 2)
    result = circflow.optimize(park, gap=0.0, extra=p)
    assert plan(result) == {HEAT_PUMP, ASH["a"]}
    assert result.kpis["total_cost"] == pytest.approx(SQ - S_HP - 30_000, rel=REL)
    (row,) = result.extra
    assert (row["name"], row["sense"], row["rhs"], row["binding"]) == ("contracts", "<=", 2.0, True)


def test_pyomo_additions_keep_the_parts_apart_and_pruning(park: circflow.Park) -> None:
    """``y[heat pump] <= y[slag truck]`` names two links of two parts: the park's five parts
    (heat, slag, a, b, c) become four, not one. The slag truck loses money (pruning would drop
    it were it not in a ``>=`` side); with the heat pump worth S_hp both are built:
    total_cost = PLAIN + 10000.
    """
    p = circflow.pyomo_model(park)
    p.hp_needs_slag = pyo.Constraint(expr=p.y[p.link_index[HEAT_PUMP]] <= p.y[p.link_index[SLAG]])
    net = build_network(park)
    assert len(independent_parts(net, record(p, net))) == 4
    assert SLAG in record(p, net).protected_links()
    result = circflow.optimize(park, gap=0.0, extra=p)
    assert plan(result) == {HEAT_PUMP, SLAG, *ASH.values()}
    assert result.kpis["total_cost"] == pytest.approx(PLAIN + 10_000, rel=REL)


def test_a_term_added_to_the_pyomo_cost_is_money_in_the_plan(park: circflow.Park) -> None:
    """A subsidy of 15000 CNY/yr on the slag truck written into ``cost``: the truck now gains
    5000 a year, so all five are built; total_cost = PLAIN + 10000 - 15000 = PLAIN - 5000 and
    ``kpis["extra"]`` names the term."""
    p = circflow.pyomo_model(park)
    p.cost.expr = p.cost.expr - 15_000 * p.y[p.link_index[SLAG]]
    result = circflow.optimize(park, gap=0.0, extra=p)
    assert plan(result) == {HEAT_PUMP, SLAG, *ASH.values()}
    assert result.kpis["extra"] == {"pyomo_cost": pytest.approx(-15_000)}
    assert result.kpis["total_cost"] == pytest.approx(PLAIN - 5_000, rel=REL)


def test_a_pyomo_model_in_a_sweep_and_beside_a_rule(park: circflow.Park, dask_client: Any) -> None:
    """The Pyomo model travels to a sweep's worker as plain rows (`PyomoAdditions`), and joins
    a rule given beside it: cap 2 and the heat pump only with the slag truck give the heat
    pump and the slag truck, SQ - S_hp + 10000 (test_extend.test_both_rules_together)."""
    p = circflow.pyomo_model(park)
    p.contracts = pyo.Constraint(expr=sum(p.y.values()) <= 2)
    table = circflow.sweep(
        park,
        {"economics.carbon_price": [0.0, 100.0]},
        extra=[p, "extra_rules:no_heat_pump_without_slag"],
        gap=0.0,
        client=dask_client,
    )
    assert list(table["status"]) == ["optimal", "optimal"]
    assert table["total_cost"].to_list() == pytest.approx([SQ - S_HP + 10_000] * 2, rel=REL)


def test_what_a_pyomo_model_cannot_say(park: circflow.Park) -> None:
    """A product of two variables, a variable of another model and a ranged row are refused
    with ParkError naming the constraint."""
    p = circflow.pyomo_model(park)
    p.product = pyo.Constraint(expr=p.y[0] * p.y[1] <= 0)
    with pytest.raises(circflow.ParkError, match="product is not linear"):
        PyomoAdditions.of(p)
    q = circflow.pyomo_model(park)
    q.foreign = pyo.Var()
    q.uses_foreign = pyo.Constraint(expr=q.foreign + q.y[0] <= 1)
    with pytest.raises(circflow.ParkError, match="uses_foreign uses foreign, which is not a variable"):
        circflow.optimize(park, extra=q)
    r = circflow.pyomo_model(park)
    r.ranged = pyo.Constraint(expr=pyo.inequality(0, r.y[0], 1))
    with pytest.raises(circflow.ParkError, match="ranged: give a linear relation"):
        PyomoAdditions.of(r)


def at_most(n: int) -> circflow.extend.Rule:
    def cap(m: circflow.ModelView) -> None:
        m.add_constraint("new_contracts", m.sum(m.built(link) for link in m.links(new=True)) <= n)

    return cap


def test_two_closures_of_one_rule_are_two_runs(park: circflow.Park, tmp_path: pathlib.Path, dask_client: Any) -> None:
    """``at_most(2)`` and ``at_most(1)`` share a module and a qualified name. A sweep into a
    folder that holds ``at_most(2)``'s rows must run ``at_most(1)`` again, not reuse them:
    with one contract the heat pump alone is built, SQ - S_hp (against SQ - S_hp - 30000)."""
    assert describe(at_most(2)) != describe(at_most(1))
    assert describe(at_most(2)) == describe(at_most(2))
    out = tmp_path / "sweep"
    vary = {"economics.carbon_price": [0.0]}
    two = circflow.sweep(park, vary, extra=at_most(2), gap=0.0, client=dask_client, output=out)
    one = circflow.sweep(park, vary, extra=at_most(1), gap=0.0, client=dask_client, output=out)
    assert two["total_cost"][0] == pytest.approx(SQ - S_HP - 30_000, rel=REL)
    assert one.attrs["reused"] == 0
    assert one["total_cost"][0] == pytest.approx(SQ - S_HP, rel=REL)


def test_a_rules_key_is_the_same_in_another_process() -> None:
    """A resumed sweep runs in a new process: a rule's key must not depend on ids or hash order."""
    code = textwrap.dedent(
        """
        import extra_rules
        from circflow.extend import describe
        print(describe([extra_rules.at_most_two_contracts, extra_rules.no_heat_pump_without_slag]))
        """
    )
    import extra_rules

    here = str(describe([extra_rules.at_most_two_contracts, extra_rules.no_heat_pump_without_slag]))
    tests = str(pathlib.Path(__file__).parent)
    there = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": tests, "PYTHONHASHSEED": "123"},
    ).stdout.strip()
    assert there == here


def test_a_park_wide_rule_keeps_the_link_it_builds_for_nothing() -> None:
    """At least 4.0e6 CNY of capex, where the plain plan invests 3.6e6 (pipe 1e6, heat pump 2e6,
    three ash trucks 0.2e6 each). The slag truck (0.4e6) makes up the rest; at 40 CNY/t of opex
    against 30 saved it carries nothing. Reading the plan must keep it (before, a link named by
    no rule's build decision was dropped as idle, and the plan reported broke the rule):
    total_cost = PLAIN + 40000 (its capex a year), capex 4.0e6, the row binding."""
    data = park_data()
    data["modes"]["o_slagtruck"]["opex_per_unit"] = 40.0
    park = circflow.park_from_dict(data)

    def invest(m: circflow.ModelView) -> None:
        m.add_constraint("min_capex", m.capex >= 4.0e6)

    result = circflow.optimize(park, gap=0.0, extra=invest)
    assert SLAG in plan(result)
    assert result.kpis["capex"] == pytest.approx(4.0e6, rel=REL)
    assert result.kpis["total_cost"] == pytest.approx(PLAIN + 40_000, rel=REL)
    (row,) = result.extra
    assert row["value"] == pytest.approx(4.0e6, rel=REL)


def test_run_keys_see_a_pyomo_models_numbers_and_a_methods_object(park: circflow.Park) -> None:
    """Two Pyomo models with the same constraint name but caps 1 and 2, and the same method of
    two objects holding 1 and 2, are four rules with four keys."""
    one, two = circflow.pyomo_model(park), circflow.pyomo_model(park)
    one.cap = pyo.Constraint(expr=sum(one.y.values()) <= 1)
    two.cap = pyo.Constraint(expr=sum(two.y.values()) <= 2)

    class Cap:
        def __init__(self, n: int) -> None:
            self.n = n

        def rule(self, m: circflow.ModelView) -> None:
            m.add_constraint("cap", m.sum(m.built(link) for link in m.links(new=True)) <= self.n)

    keys = [describe(one), describe(two), describe(Cap(1).rule), describe(Cap(2).rule)]
    assert len({str(key) for key in keys}) == 4
    assert describe(Cap(1).rule) == describe(Cap(1).rule)


def test_edits_other_than_added_rows_are_refused(park: circflow.Park) -> None:
    """A fixed variable, a changed bound, a deactivated circflow row or another objective would be
    dropped without a word: each is refused, naming it."""
    fixed = circflow.pyomo_model(park)
    fixed.y[0].fix(1)
    with pytest.raises(circflow.ParkError, match=r"y\[0\] is fixed"):
        circflow.optimize(park, extra=fixed)
    bounded = circflow.pyomo_model(park)
    bounded.y[0].setlb(1)
    with pytest.raises(circflow.ParkError, match=r"bounds of y\[0\] were changed"):
        PyomoAdditions.of(bounded)
    quiet = circflow.pyomo_model(park)
    name = sorted(quiet.circflow_rows)[0]
    quiet.component(name).deactivate()
    with pytest.raises(circflow.ParkError, match=f"constraint {name} was deleted or deactivated"):
        PyomoAdditions.of(quiet)
    other = circflow.pyomo_model(park)
    other.mine = pyo.Objective(expr=sum(other.y.values()))
    with pytest.raises(circflow.ParkError, match="objectives were added or removed"):
        PyomoAdditions.of(other)
