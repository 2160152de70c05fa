"""Rules that join independent parts (`circflow.coupling`): the parts solved without them first.

The hand park of ``test_extend.py`` (its docstring derives the numbers) has five independent
parts: heat (the heat pump saves S_hp), slag (a truck that loses 10000/yr) and three ash pairs
that save 30000 (a), 25000 (b) and 22000 (c). A cap on new contracts names links of every
part, so it joins them. Parts are split here from 0 links (`SPLIT_FROM_LINKS`), as a
district's are from 1000.
"""

from __future__ import annotations

import pytest
from test_extend import ASH, HEAT_PUMP, PLAIN, S_HP, SLAG, SQ, park_data, plan

import circflow
from benchmarks.generate import generate_park
from circflow import optimizer
from circflow.coupling import joining_rows
from circflow.extend import record
from circflow.network import build_network

REL = 1e-6


def at_most(n: int):
    def cap(m: circflow.ModelView) -> None:
        m.add_constraint("new_contracts", m.sum(m.built(link) for link in m.links(new=True)) <= n)

    return cap


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 0)


@pytest.fixture(scope="module")
def park() -> circflow.Park:
    return circflow.park_from_dict(park_data())


def test_a_cap_joins_parts_and_a_local_rule_does_not(park: circflow.Park) -> None:
    """The cap names links of all five parts: one joining row, the parts stay five."""
    net = build_network(park)
    joined = joining_rows(net, record(at_most(2), net))
    assert joined is not None
    assert len(joined.parts) == 5
    assert [row.name for row in joined.joining] == ["new_contracts"]
    assert joined.local.rows == []
    assert joining_rows(net, record([], net)) is None


def test_a_cap_the_parts_plan_keeps_costs_nothing_more(split: None, park: circflow.Park) -> None:
    """At most 4 new contracts: the parts' own plan (heat pump, a, b, c) keeps it, so it is the
    park's plan, proven at gap 0 without solving the park as one: total_cost = PLAIN. (Pruning
    drops the slag truck, which never pays: four parts are left.)"""
    result = circflow.optimize(park, gap=0.0, extra=at_most(4))
    assert result.status == "optimal"
    assert plan(result) == {HEAT_PUMP, *ASH.values()}
    assert result.kpis["total_cost"] == pytest.approx(PLAIN, rel=REL)
    assert result.model_facts["independent_parts"] == 4
    assert result.model_facts["rules_joining_parts"] == 1
    assert result.model_facts["solved_as_one_part"] == 0
    assert result.extra[0]["binding"] is True  # 4 built, rhs 4


@pytest.mark.parametrize(("gap", "as_one"), [(0.0, 1), (0.02, 0)])
def test_a_binding_cap_is_repaired_or_solved_as_one(split: None, park: circflow.Park, gap: float, as_one: int) -> None:
    """At most 2: the parts' plan builds 4. Repaired over those 4 links, the best 2 are the heat
    pump and pair a: SQ - S_hp - 30000 = 4245852.1. The parts' bound is PLAIN = SQ - S_hp -
    77000, 47000 lower: 47000 / 4245852.1 = 1.107 %. At gap 0 that is not proven, so the park is
    solved as one part (same plan, its bound proves it); at 2 % the repaired plan is proven
    against the parts' bound, and nothing is solved as one."""
    result = circflow.optimize(park, gap=gap, extra=at_most(2))
    expected = SQ - S_HP - 30_000
    assert result.status == "optimal"
    assert plan(result) == {HEAT_PUMP, ASH["a"]}
    assert result.kpis["total_cost"] == pytest.approx(expected, rel=REL)
    assert result.model_facts["solved_as_one_part"] == as_one
    if as_one:
        assert result.gap == pytest.approx(0.0, abs=1e-9)
    else:
        assert result.gap == pytest.approx(47_000 / expected, rel=1e-3)  # against the relaxation's bound


def test_an_infeasible_joining_rule_is_infeasible(split: None, park: circflow.Park) -> None:
    """At least 6 new contracts of 5 candidates: no plan, and the diagnosis names the row."""

    def at_least_six(m: circflow.ModelView) -> None:
        m.add_constraint("six_contracts", m.sum(m.built(link) for link in m.links(new=True)) >= 6)

    result = circflow.optimize(park, gap=0.0, extra=at_least_six)
    assert result.status == "infeasible"
    assert any("six_contracts" in line for line in result.diagnosis)


@pytest.mark.parametrize(("seed", "fewer"), [(3, 1), (3, 5), (3, 20), (1, 3)])
def test_joined_parts_match_the_park_solved_as_one(monkeypatch: pytest.MonkeyPatch, seed: int, fewer: int) -> None:
    """A generated district (30 enterprises in 6 parts) capped at its plain plan's new contracts
    less 1, 5, 20 or 3: split with the cap joining parts, and as one model, both at gap 0, give
    the same optimum (the cap binds: more than the plain optimum)."""
    park = circflow.park_from_dict(generate_park(30, seed))
    plain = circflow.optimize(park, gap=0.0, marginals=False)
    new = int((~plain.links["existing"] & ~plain.links["on_site"]).sum())
    cap = at_most(new - fewer)
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 10**9)
    whole = circflow.optimize(park, gap=0.0, marginals=False, extra=cap)
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 0)
    split = circflow.optimize(park, gap=0.0, marginals=False, extra=cap)
    assert whole.status == split.status == "optimal"
    assert split.model_facts["rules_joining_parts"] == 1
    assert split.objective == pytest.approx(whole.objective, rel=1e-7)
    assert split.objective > plain.objective * (1 + 1e-9)
    assert split.extra[0]["value"] <= new - fewer
    # at a 5 % gap the repair may end it: a feasible plan, within 5 % of the optimum, whose
    # bound (the parts' without the cap) is a true bound of the capped park
    loose = circflow.optimize(park, gap=0.05, marginals=False, extra=cap)
    assert loose.status == "optimal"
    assert loose.extra[0]["value"] <= new - fewer
    assert whole.objective * (1 - 1e-9) <= loose.objective <= whole.objective * 1.05
    assert loose.bound <= whole.objective * (1 + 1e-9)
    assert loose.gap <= 0.05


def test_a_broken_at_least_row_goes_to_the_park_as_one(split: None, park: circflow.Park) -> None:
    """At least 5 new contracts of 5 candidates: the parts' plan builds 4, and a repair over
    those 4 can never build a fifth, so it is skipped and the park is solved as one part, even
    at a 2 % gap: all five, the slag truck's 10000 loss included: PLAIN + 10000."""

    def at_least_five(m: circflow.ModelView) -> None:
        m.add_constraint("five_contracts", m.sum(m.built(link) for link in m.links(new=True)) >= 5)

    result = circflow.optimize(park, gap=0.02, extra=at_least_five)
    assert result.status == "optimal"
    assert plan(result) == {HEAT_PUMP, SLAG, *ASH.values()}
    assert result.kpis["total_cost"] == pytest.approx(PLAIN + 10_000, rel=REL)
    assert result.model_facts["solved_as_one_part"] == 1
    assert result.model_facts["independent_parts"] == 1
