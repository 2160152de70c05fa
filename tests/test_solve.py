"""Running HiGHS (`circflow.solve`): outcomes and why a solve ended, held rows, profiles.

The small programs are written as `circflow.linear.LinearProgram` directly, so their optimum
is read off by hand. The limits use the fixed-charge park of `helpers.fixed_charge_data`,
which HiGHS has a first plan for at once but cannot prove optimal for minutes: its node and
solution limits then stop it the same way on every machine (no wall-clock limit).
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from helpers import fixed_charge_data

import circflow
from circflow.linear import Linear, LinearProgram
from circflow.model import build_model
from circflow.network import build_network
from circflow.solve import Outcome, Solver, SolverProfile, Status, load_profile, relative_gap

EXACT = SolverProfile(gap=0.0)


def two_columns(*, integer: bool = False) -> LinearProgram:
    """min -x - 2y subject to x + y <= 4, 0 <= x, y <= 3: y = 3, x = 1, objective -7."""
    lp = LinearProgram()
    x = lp.add_columns("x", np.arange(2), lower=0.0, upper=3.0, integer=integer)
    lp.add_rows("total", None, (np.zeros(2, dtype=np.int64), x, np.ones(2)), lower=-np.inf, upper=4.0)
    lp.add_objective("gain", Linear(x, np.array([-1.0, -2.0])))
    lp.add_objective("first", Linear(x, np.array([-1.0, 0.0])))
    return lp


@functools.cache
def fixed_charge_model() -> circflow.model.ParkModel:
    return build_model(build_network(circflow.park_from_dict(fixed_charge_data())))


def test_an_optimum_keeps_its_plan_and_says_optimal() -> None:
    solver = Solver(two_columns(), EXACT)
    outcome = solver.solve("gain")
    assert outcome.status is Status.OPTIMAL
    assert outcome.reason == "optimal"
    assert outcome.objective == pytest.approx(-7.0)
    assert outcome.bound == pytest.approx(-7.0)
    assert list(solver.values) == pytest.approx([1.0, 3.0])


def test_an_infeasible_program_says_infeasible_and_keeps_no_plan() -> None:
    """x + y >= 7 with both at most 3."""
    lp = LinearProgram()
    x = lp.add_columns("x", np.arange(2), lower=0.0, upper=3.0)
    lp.add_rows("total", None, (np.zeros(2, dtype=np.int64), x, np.ones(2)), lower=7.0, upper=np.inf)
    lp.add_objective("none", Linear(x, np.zeros(2)))
    solver = Solver(lp, EXACT)
    outcome = solver.solve("none")
    assert outcome.status is Status.INFEASIBLE
    assert outcome.reason == "infeasible"
    assert not outcome.is_ok
    assert solver.values is None


def test_a_program_without_columns_is_its_constant() -> None:
    lp = LinearProgram()
    lp.add_objective("fixed", Linear(np.zeros(0, dtype=np.int64), np.zeros(0), 12.5))
    outcome = Solver(lp, EXACT).solve("fixed")
    assert (outcome.status, outcome.reason, outcome.objective, outcome.gap) == (Status.OPTIMAL, "optimal", 12.5, 0.0)


def test_a_solution_limit_with_a_plan_is_feasible_and_says_why() -> None:
    """HiGHS stops at its first improving plan: a plan, not proven, the reason kept."""
    solver = Solver(fixed_charge_model(), SolverProfile(gap=0.0, options={"mip_max_improving_sols": 1}))
    outcome = solver.solve("cost")
    assert outcome.status is Status.FEASIBLE
    assert outcome.reason == "solution_limit"
    assert outcome.bound < outcome.objective
    assert outcome.gap == pytest.approx(relative_gap(outcome.objective, outcome.bound))
    assert outcome.gap > 0
    assert solver.values is not None


def test_a_node_limit_before_any_plan_has_no_solution_and_says_why() -> None:
    """HiGHS's node limit 0 stops it before any plan: SPEC 5's time_limit_no_solution, and
    the reason says it was not the clock."""
    outcome = Solver(fixed_charge_model(), SolverProfile(gap=0.0, options={"mip_max_nodes": 0})).solve("cost")
    assert outcome.status is Status.TIME_LIMIT_NO_SOLUTION
    assert outcome.reason == "solution_limit"
    assert math.isnan(outcome.objective)


def test_a_watch_interrupts_with_the_plan_so_far() -> None:
    """The race of parts stops HiGHS through its MIP callback: the plan found is kept and the
    reason is ``interrupt``."""
    seen: list[tuple[float, float]] = []

    def first_plan(plan: float, bound: float) -> bool:
        seen.append((plan, bound))
        return math.isfinite(plan)

    solver = Solver(fixed_charge_model(), EXACT)
    outcome = solver.solve("cost", watch=first_plan)
    assert seen
    assert outcome.status is Status.FEASIBLE
    assert outcome.reason == "interrupt"
    assert outcome.bound <= outcome.objective


def test_a_held_row_binds_until_released() -> None:
    """Holding ``-x - 2y >= -5`` (gain at most 5) moves the optimum to -5; moving the hold to
    -6 gives -6; releasing it gives -7 back."""
    lp = two_columns()
    solver = Solver(lp, EXACT)
    gain, _ = lp.objectives["gain"]
    worse = Linear(gain.columns, -gain.values)  # -gain <= 5
    row = solver.hold(worse, 5.0)
    assert solver.solve("gain").objective == pytest.approx(-5.0)
    solver.move(row, worse, 6.0)
    assert solver.solve("gain").objective == pytest.approx(-6.0)
    solver.release(row)
    assert solver.solve("gain").objective == pytest.approx(-7.0)


def test_held_rows_are_released_last_first() -> None:
    """Releasing out of order, twice, or with nothing held is a programming error and leaves
    the held rows as they were."""
    lp = two_columns()
    solver = Solver(lp, EXACT)
    x_only, _ = lp.objectives["first"]
    outer = solver.hold(Linear(x_only.columns, -x_only.values), 0.5)  # x <= 0.5
    inner = solver.hold(Linear(np.array([1]), np.array([1.0])), 2.0)  # y <= 2
    with pytest.raises(ValueError, match="last first"):
        solver.release(outer)
    assert solver.solve("gain").objective == pytest.approx(-0.5 - 4.0)  # both rows still hold
    solver.release(inner)
    with pytest.raises(ValueError, match="last first"):
        solver.release(inner)
    solver.release(outer)
    with pytest.raises(ValueError, match="last first"):
        solver.release(outer)
    assert solver.solve("gain").objective == pytest.approx(-7.0)


def test_a_profile_with_an_option_highs_refuses_is_a_solver_error() -> None:
    solver = Solver(two_columns(), SolverProfile(options={"mip_max_nodes": "many"}))
    with pytest.raises(circflow.SolverError, match="mip_max_nodes"):
        solver.solve("gain")


@pytest.mark.parametrize("name", ["highs", "quick", "exact"])
def test_shipped_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.backend == "highs"


def test_an_unknown_profile_names_the_profiles() -> None:
    with pytest.raises(circflow.ParkError, match="profiles: exact, highs, quick"):
        load_profile("fastest")


def test_an_outcome_is_ok_only_with_a_plan() -> None:
    assert Outcome(Status.FEASIBLE).is_ok
    assert not Outcome(Status.TIME_LIMIT_NO_SOLUTION).is_ok


def test_profiles_with_other_thread_counts_run_in_one_session() -> None:
    """HiGHS keeps a thread scheduler per calling thread and refuses a run that asks for
    another count; circflow restarts the caller's. Default, then 3 threads on a pool thread
    (where parts run), then 3, 1 and the default again on this one."""
    lp = two_columns(integer=True)

    def solve(threads: int | None) -> Status:
        return Solver(lp, SolverProfile(gap=0.0, threads=threads)).solve("gain").status

    assert solve(None) is Status.OPTIMAL
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(solve, 3).result() is Status.OPTIMAL
    assert [solve(3), solve(1), solve(None)] == [Status.OPTIMAL] * 3
