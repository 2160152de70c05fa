"""The lexicographic ladder of the ``emissions`` objective (`circflow.objectives`, SPEC 4).

One ash link whose every tonne costs money and saves CO2, so the two stages disagree: least
emissions moves everything, least cost moves nothing. Discount rate 0.

a supplies 1000 t of ash (disposal 10 CNY/t, 0.1 tCO2/t); b, 1 km away, needs 1000 t
(baseline 10 CNY/t, no emissions). The truck costs 1000 (100 CNY/yr over 10 years), 24 CNY/t
and 0.02 tCO2/t: each tonne moved costs 24 - 20 = +4 CNY and saves 0.08 tCO2.

- least emissions: all 1000 t moved, 20 tCO2; among those plans the cheapest costs
  10 x 0 + 10 x 0 + 100 + 24,000 = 24,100 CNY (there is one).
- status quo: 20,000 CNY, 100 tCO2.
"""

from __future__ import annotations

import pytest
from helpers import ASH_BY_TRUCK, consumer, mode, park_data, supplier

import circflow
from circflow.model import build_model
from circflow.network import build_network
from circflow.objectives import lock_tolerance, solve_lexicographic, solve_objective
from circflow.solve import Solver, SolverProfile, Status


def one_link_park() -> circflow.Park:
    truck = mode(lifetime_years=10.0, capex_fixed=1000, opex_per_unit=24, emissions_per_unit_km=0.02)
    enterprises = [supplier("a", (0, 0), "o_ash", 1000, 10, 0.1), consumer("b", (1, 0), "o_ash", 1000, 10, 0.0)]
    return circflow.park_from_dict(park_data("ladder", enterprises, resources=ASH_BY_TRUCK, modes={"o_truck": truck}))


def test_both_stages_optimal_is_optimal() -> None:
    result = circflow.optimize(one_link_park(), objective="emissions", gap=0.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(20.0)
    assert result.kpis["total_cost"] == pytest.approx(24_100.0)


def test_a_second_stage_without_a_plan_is_feasible_not_optimal() -> None:
    """HiGHS's ``objective_bound`` prunes every plan whose objective (in the solver's units) is
    above it. 1000 lets the first stage's 20 tCO2 through and cuts off every plan of the
    second (24,100 CNY, 2,410 in the solver's units of 10 CNY): the second stage finds
    nothing at every hold of the ladder. The plan is the first stage's, least emissions, but
    its cost is not proven least: ``feasible`` (it was reported ``optimal``)."""
    profile = SolverProfile(gap=0.0, options={"objective_bound": 1000.0})
    result = circflow.optimize(one_link_park(), objective="emissions", solver=profile)
    assert result.status is Status.FEASIBLE
    assert result.objective == pytest.approx(20.0)
    assert result.links_built == 1


def test_the_ladder_keeps_the_first_stages_plan_and_says_why_it_stopped() -> None:
    model = build_model(build_network(one_link_park()))
    solver = Solver(model, SolverProfile(gap=0.0, options={"objective_bound": 1000.0}))
    outcome = solve_lexicographic(solver, "emission")
    assert outcome.status is Status.FEASIBLE
    assert outcome.reason == "infeasible"  # the second stage's own end, as HiGHS said it
    assert outcome.objective == pytest.approx(20.0)
    assert model.expressions["emissions"].value(solver.values) == pytest.approx(20.0)


def test_the_cost_side_of_the_ladder_holds_the_cost_optimum() -> None:
    """From the cost side (the Pareto front's cost end): least cost first (nothing moved,
    20,000 CNY), then least emissions among the plans that cost that (100 tCO2)."""
    model = build_model(build_network(one_link_park()))
    solver = Solver(model, SolverProfile(gap=0.0))
    outcome = solve_lexicographic(solver, "cost")
    assert (outcome.status, outcome.reason) == (Status.OPTIMAL, "optimal")
    assert outcome.objective == pytest.approx(20_000.0)
    assert model.expressions["emissions"].value(solver.values) == pytest.approx(100.0)


def test_the_cost_objective_is_one_stage() -> None:
    model = build_model(build_network(one_link_park()))
    outcome = solve_objective(Solver(model, SolverProfile(gap=0.0)), "cost")
    assert outcome.status is Status.OPTIMAL
    assert outcome.objective == pytest.approx(20_000.0)


def test_the_hold_widens_by_the_rows_rounding() -> None:
    """The emissions row is one rate column: (0.02 - 0.1) tCO2/t x 8760 h = -700.8 per t/h.
    Held at 20 tCO2: 1e-9 x (20 + 700.8 + 1)."""
    model = build_model(build_network(one_link_park()))
    held, _ = model.objectives["emission"]
    assert lock_tolerance(held, 20.0) == pytest.approx(1e-9 * (20 + 700.8 + 1), rel=1e-9)
