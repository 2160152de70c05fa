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

import numpy as np
import pytest
from test_extend import PLAIN, REL, SLAG, park_data

import circflow
from circflow.model import build_model
from circflow.network import build_network
from circflow.optimizer import make_result, solve_status_quo
from circflow.results import Solution
from circflow.solve import Outcome, Solver, SolverProfile, Status, relative_gap


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
