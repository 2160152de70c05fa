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
from helpers import mode

import circflow
from circflow.decompose import independent_parts
from circflow.network import build_network
from circflow.race import available_cores, part_threads, part_workers, solve_parts
from circflow.solve import SolverProfile, Status

TASKS = pathlib.Path("/proc/self/task")


def pairs_park(n: int) -> circflow.Park:
    truck = mode(lifetime_years=10.0, capex_fixed=10_000, opex_per_unit=1)
    enterprises = []
    for k in range(n):
        enterprises += [
            {"id": f"s{k}", "location": {"x": 100.0 * k, "y": 0},
             "supplies": [{"resource": "o_ash", "amount": 1000, "disposal": {"cost": 10}}]},
            {"id": f"d{k}", "location": {"x": 100.0 * k + 1, "y": 0},
             "demands": [{"resource": "o_ash", "amount": 1000, "baseline": {"cost": 10}}]},
        ]
    return circflow.park_from_dict({
        "park": {"name": "pairs"},
        "economics": {"discount_rate": 0.0, "carbon_price": 0.0},
        "resources": {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}},
        "modes": {"o_truck": {**truck, "max_distance_km": 10}},
        "enterprises": enterprises,
    })


def test_parts_add_up_to_the_parks_optimum() -> None:
    net = build_network(pairs_park(6))
    parts = independent_parts(net)
    assert len(parts) == 6
    outcome, solution = solve_parts(net, parts, "cost", SolverProfile(gap=0.0))
    assert (outcome.status, outcome.reason) == (Status.OPTIMAL, "optimal")
    assert outcome.objective == pytest.approx(6 * 2000.0)
    assert solution.built.all()


@pytest.mark.skipif(not TASKS.is_dir(), reason="counts the process's threads in /proc (Linux)")
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
