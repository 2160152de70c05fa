"""Independent parts solved side by side (`circflow.race`): threads, the race, the combined plan.

The park is hand-made: ``n`` pairs of a supply and a demand of ash, each pair 1 km apart and
100 km from the next, so each pair is its own part. Each link pays: a truck costs 1000 a
year (capex 10,000 over 10 years at discount rate 0) and 1 CNY/t, and moves 1000 t that
would cost 10 CNY/t to dispose of and 10 CNY/t of baseline: 1000 + 1000 x 1 = 2000 against
20,000 saved, so every link is built and each part's optimum is 2000.
"""

from __future__ import annotations

import os
import pathlib

import pytest
from helpers import ASH_BY_TRUCK, consumer, mode, park_data, supplier

import circflow
from circflow import race
from circflow.decompose import independent_parts
from circflow.network import build_network
from circflow.race import available_cores, part_threads, part_workers, solve_parts
from circflow.solve import SolverProfile, Status

TASKS = pathlib.Path("/proc/self/task")


def ash_park(name: str, enterprises: list[dict]) -> circflow.Park:
    """``enterprises`` trading ash by a truck of 10,000 capex (10 years, discount rate 0) and
    1 CNY/t that reaches 10 km."""
    truck = mode(lifetime_years=10.0, capex_fixed=10_000, opex_per_unit=1, max_distance_km=10)
    return circflow.park_from_dict(park_data(name, enterprises, resources=ASH_BY_TRUCK, modes={"o_truck": truck}))


def pairs_park(n: int) -> circflow.Park:
    enterprises = []
    for k in range(n):
        x = 100.0 * k
        enterprises += [supplier(f"s{k}", (x, 0), "o_ash", 1000, 10), consumer(f"d{k}", (x + 1, 0), "o_ash", 1000, 10)]
    return ash_park("pairs", enterprises)


def test_parts_add_up_to_the_parks_optimum() -> None:
    net = build_network(pairs_park(6))
    parts = independent_parts(net)
    assert len(parts) == 6
    outcome, solution = solve_parts(net, parts, "cost", SolverProfile(gap=0.0))
    assert (outcome.status, outcome.reason) == (Status.OPTIMAL, "optimal")
    assert outcome.objective == pytest.approx(6 * 2000.0)
    assert solution.built.all()


@pytest.mark.skipif(not TASKS.is_dir(), reason="counts the process's threads in /proc (Linux)")
@pytest.mark.usefixtures("every_core")
def test_parts_never_run_more_solver_threads_than_cores() -> None:
    """Twelve parts and no ``threads`` in the profile: the threads running at any moment of the
    solve, beyond those before it, are at most the cores (each part a pool thread, each
    HiGHS one thread when the cores are fewer than the parts). It was one pool thread per
    part, each HiGHS with its own helper threads: 26 threads for 12 parts on 2 cores."""
    net = build_network(pairs_park(12))
    parts = independent_parts(net)
    before = len(list(TASKS.iterdir()))
    peak = [before]

    def sample(_: str) -> None:
        peak[0] = max(peak[0], len(list(TASKS.iterdir())))

    outcome, _ = solve_parts(net, parts, "cost", SolverProfile(gap=0.0), on_log=sample)
    assert outcome.status is Status.OPTIMAL
    assert peak[0] > before  # the sampling saw the parts run
    assert peak[0] - before <= available_cores()


@pytest.mark.parametrize(("threads", "parts"), [(None, 12), (None, 1), (1, 5), (2, 5), (8, 3), (3, 12)])
def test_workers_times_threads_stay_within_the_budget(threads: int | None, parts: int) -> None:
    profile = SolverProfile(threads=threads)
    budget = threads or available_cores()
    workers = part_workers(profile, parts)
    assert 1 <= workers <= min(parts, budget)
    assert workers * part_threads(profile, workers) <= max(budget, workers)


def test_available_cores_are_this_process_s() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert available_cores() == expected


def shared_park() -> circflow.Park:
    """Two supplies of 1000 t and three demands of 700 t in one part: the relaxation spreads
    the fixed costs over more links than the optimum builds."""
    supplies = [supplier(f"s{k}", (2.0 * k, 0), "o_ash", 1000, 10) for k in range(2)]
    return ash_park("shared", supplies + [consumer(f"d{k}", (1.0 * k, 1), "o_ash", 700, 10) for k in range(3)])


def test_support_plan_is_a_plan_of_the_whole_model_between_bound_and_any_plan() -> None:
    from circflow.model import Options, build_model
    from circflow.solve import Solver
    from circflow.warmstart import support_plan

    model = build_model(build_network(shared_park()), Options())
    found = support_plan(model, SolverProfile(gap=0.0))
    assert found is not None
    values, plan, bound = found
    optimum = Solver(model, SolverProfile(gap=0.0)).solve("cost")
    assert bound <= optimum.objective + 1e-6 <= plan + 2e-6
    expression, _ = model.objectives["cost"]
    assert expression.value(values) == pytest.approx(plan)
    checked = Solver(model, SolverProfile(gap=0.0))  # the plan satisfies every row and bound
    checked.set_bounds(range(model.shape[1]), values - 1e-9, values + 1e-9)
    assert checked.solve("cost").is_ok


@pytest.mark.parametrize(
    "choices",
    [
        race.RaceOptions(warm_start_links=0, warm_after=0.0, hard_gap=-1.0),
        race.RaceOptions(share_gap=False),
        race.RaceOptions(warm_start=False, share_gap=False),
    ],
)
def test_warm_start_and_shared_gap_keep_the_optimum(monkeypatch: pytest.MonkeyPatch, choices: race.RaceOptions) -> None:
    monkeypatch.setattr(race, "RACE_OPTIONS", choices)
    net = build_network(pairs_park(4))
    parts = independent_parts(net)
    outcome, solution = solve_parts(net, parts, "cost", SolverProfile(gap=0.0))
    assert outcome.status is Status.OPTIMAL
    assert outcome.objective == pytest.approx(4 * 2000.0)
    assert solution.built.all()
    outcome, _ = solve_parts(net, parts, "cost", SolverProfile(gap=0.01))
    assert outcome.status is Status.OPTIMAL
    assert outcome.gap <= 0.01


def test_a_part_within_its_share_of_the_parks_gap_gives_way_to_parts_waiting_for_a_core() -> None:
    waiting = [True]
    shared = race._Race(2, 0.0, 0.01, share=True, push=0.25, waiting=lambda: waiting[0])
    assert not shared.update(0, 1000.0, 900.0)  # 100 held; its share: 1 % of 1000 over 2 parts, 5
    assert shared.update(0, 1000.0, 995.0)  # 5 held, and a part waits: stops
    assert not shared.update(1, 5000.0, 4000.0)  # the other part holds the park's gap
    waiting[0] = False
    assert shared.update(1, 5000.0, 4999.0)  # 1 held, within a quarter of its share (7.5): pushed far enough
    plain = race._Race(2, 0.0, 0.01)
    assert not plain.update(0, 1000.0, 995.0)  # without sharing only the park's gap stops a part
    assert plain.update(1, 5000.0, 4990.0)


def test_a_warm_start_found_beside_the_solve_is_offered_once_and_keeps_the_optimum() -> None:
    from circflow.model import Options, build_model
    from circflow.solve import Solver
    from circflow.warmstart import WarmStart

    model = build_model(build_network(shared_park()), Options())
    warm = WarmStart(model, SolverProfile(gap=0.0))
    warm.begin(None)
    warm.wait()
    assert warm.found is not None
    optimum = Solver(model, SolverProfile(gap=0.0)).solve("cost")
    assert warm.bound <= optimum.objective + 1e-6
    given = []
    outcome = Solver(model, SolverProfile(gap=0.0)).solve("cost", offer=lambda: given.append(1) or warm.offer())
    assert outcome.status is Status.OPTIMAL
    assert outcome.objective == pytest.approx(optimum.objective)
    assert warm.offer() is None  # once only (asked by HiGHS above, or now for the first time)


def test_a_better_warm_plan_stands_when_the_solve_stopped_without_it() -> None:
    from circflow.model import Options, build_model
    from circflow.solve import Outcome, Solver
    from circflow.warmstart import WarmStart

    model = build_model(build_network(shared_park()), Options())
    warm = WarmStart(model, SolverProfile(gap=0.0))
    warm.begin(None)
    warm.wait()
    solver = Solver(model, SolverProfile(gap=0.0))
    stopped = Outcome(Status.TIME_LIMIT_NO_SOLUTION, reason="time_limit")
    outcome = race._better_of(solver, stopped, warm)
    assert outcome.status is Status.FEASIBLE
    assert outcome.objective == pytest.approx(warm.found[1])
    assert outcome.bound == pytest.approx(warm.found[2])
    assert solver.values is not None
