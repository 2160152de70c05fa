"""A plan stopped short of the gap is optimal when the plan as read back is within it.

HiGHS's incumbents may build a new link and send nothing through it; reading the plan
(`Solution.from_values`) drops such a link, so the plan reported is cheaper than the
solver's incumbent and its gap to the proven bound smaller (seen on a generated district:
the parts' incumbents summed to 1.05 % above the bound, the plan read back 0.89 %, and the
run said "feasible" for a 1 % gap it had met).

The park is test_extend's: the plain optimum PLAIN builds the heat pump and the three ash
trucks; the slag truck costs 40000 a year of capex (400000 over 10 years) and is not built.
"""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pytest
from test_extend import PLAIN, REL, SLAG, park_data

import circflow
from circflow.model import build_model
from circflow.network import build_network
from circflow.optimizer import make_result, solve_status_quo
from circflow.results import Solution, idle_links, idle_value
from circflow.solve import Outcome, Solver, SolverProfile, Status, relative_gap

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))
from benchmarks.generate import generate_park


def test_an_idle_link_of_the_incumbent_does_not_cost_the_status() -> None:
    """The optimum's columns with the slag truck's build decision set to 1 and nothing through
    it: HiGHS would value that plan at PLAIN + 40000. With the bound PLAIN, the solver's gap
    is g = 40000 / (PLAIN + 40000); the plan as read back is PLAIN, gap 0. With a target of
    g / 2 the run is optimal; with the bound lower, PLAIN (1 - g), the read-back's gap (about
    g) is outside the target and the run stays feasible; without a target, as HiGHS said."""
    park = circflow.park_from_dict(park_data())
    net = build_network(park)
    model = build_model(net)
    solver = Solver(model, SolverProfile(gap=0.0))
    best = solver.solve("cost")
    assert best.objective == pytest.approx(PLAIN, rel=REL)
    values = np.array(solver.values)
    slag = [link.id for link in net.links].index(SLAG)
    values[model.built[slag]] = 1.0
    expression, _ = model.objectives["cost"]
    incumbent = expression.value(values)
    assert incumbent == pytest.approx(PLAIN + 40_000, rel=REL)
    solution = Solution.from_values(model, values)
    assert not solution.built[slag]

    status_quo = solve_status_quo(park, "cost", SolverProfile(gap=0.0))
    between = 0.5 * relative_gap(incumbent, PLAIN)

    def result(bound: float, target: float | None) -> circflow.Result:
        outcome = Outcome(Status.FEASIBLE, incumbent, bound, relative_gap(incumbent, bound), 1.0, "interrupt")
        return make_result(net, model.coef, solution, "cost", outcome, status_quo, {}, gap_target=target)

    within = result(PLAIN, between)
    assert within.status is Status.OPTIMAL
    assert within.objective == pytest.approx(PLAIN, rel=REL)
    assert within.gap == pytest.approx(0.0, abs=1e-9)
    outside = result(PLAIN * (1 - 2 * between), between)
    assert outside.status is Status.FEASIBLE
    assert result(PLAIN, None).status is Status.FEASIBLE  # no target given: as HiGHS said


def test_idle_links_and_their_value() -> None:
    """The optimum's columns with the slag truck built for nothing: `idle_links` marks the slag
    truck alone (the links of the plan carry their flows), and `idle_value` is its 40000 CNY a
    year of capex, what reading the plan drops: PLAIN + 40000 - 40000 = PLAIN."""
    park = circflow.park_from_dict(park_data())
    net = build_network(park)
    model = build_model(net)
    solver = Solver(model, SolverProfile(gap=0.0))
    solver.solve("cost")
    values = np.array(solver.values)
    slag = [link.id for link in net.links].index(SLAG)
    assert not idle_links(model, values).any()
    values[model.built[slag]] = 1.0
    assert list(np.flatnonzero(idle_links(model, values))) == [slag]
    cost = model.objectives["cost"][0].dense(model.shape[1])
    assert idle_value(model, values, cost) == pytest.approx(40_000, rel=REL)
    assert model.objectives["cost"][0].value(values) - idle_value(model, values, cost) == pytest.approx(PLAIN, rel=REL)


def test_the_race_sees_each_incumbent_as_it_will_be_read() -> None:
    """`Solver.solve` hands ``watch`` the plan_value of HiGHS's latest incumbent. With a
    plan_value 1000 below HiGHS's own, every plan ``watch`` sees is an incumbent's objective
    less 1000 (a generated 30-enterprise district, whose branch and bound reports several
    incumbents), and the last one is the final objective less 1000."""
    park = circflow.park_from_dict(generate_park(30, 2))
    model = build_model(build_network(park))
    solver = Solver(model, SolverProfile(gap=0.0, threads=1))
    seen: list[float] = []
    incumbents: list[float] = []

    def plan_value(x: np.ndarray, value: float) -> float:
        incumbents.append(value)
        return value - 1000.0

    def watch(plan: float, bound: float) -> bool:
        if np.isfinite(plan):
            seen.append(plan)
        return False

    outcome = solver.solve("cost", watch=watch, plan_value=plan_value)
    assert incumbents
    assert seen
    assert {round(p, 3) for p in seen} <= {round(v - 1000.0, 3) for v in incumbents}
    assert seen[-1] == pytest.approx(outcome.objective - 1000.0, rel=1e-12)
    assert solver.best_read is not None
    assert solver.best_read[0] == pytest.approx(min(incumbents) - 1000.0, rel=1e-12)
