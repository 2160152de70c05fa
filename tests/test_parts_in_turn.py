"""Parts solved in turn when memory is short, and racing parts sharing the cores (issue 17).

The park is test_race's: ``n`` pairs of an ash supply and demand, each pair its own part, each
part's optimum 2000 CNY a year (truck capex 1000 a year and 1 CNY/t on 1000 t, against 20,000
of disposal and baseline avoided), so the park's optimum is 2000 n.
"""

from __future__ import annotations

import threading

import pytest
from test_race import pairs_park

from circflow import race
from circflow.decompose import independent_parts
from circflow.network import build_network
from circflow.race import memory_budget, part_workers, solve_parts
from circflow.solve import Solver, SolverProfile, Status


class Running:
    """Counts the parts' solves running at once (the real solves: it only counts)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = self.peak = 0
        self.lock = threading.Lock()
        solve = Solver.solve

        def counted(solver: Solver, *args: object, **kwargs: object) -> object:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            try:
                return solve(solver, *args, **kwargs)  # type: ignore[arg-type]
            finally:
                with self.lock:
                    self.now -= 1

        monkeypatch.setattr(Solver, "solve", counted)


@pytest.mark.parametrize("objective", ["cost", "emissions"])
def test_parts_in_turn_when_the_memory_budget_is_small(monkeypatch: pytest.MonkeyPatch, objective: str) -> None:
    """A budget below one part's need (1e-9 GiB): one part at a time, each freeing its HiGHS
    when done, and the same optimum, 8 x 2000 (cost) or the same plan (emissions: every link
    built, the least emissions)."""
    net = build_network(pairs_park(8))
    parts = independent_parts(net)
    running = Running(monkeypatch)
    stages: list[str] = []
    profile = SolverProfile(gap=0.01, threads=2, memory_gib=1e-9)
    outcome, solution = solve_parts(net, parts, objective, profile, on_stage=stages.append)
    assert outcome.status is Status.OPTIMAL
    assert running.peak == 1
    assert any("in turn" in text for text in stages)
    assert solution.built.all()
    if objective == "cost":
        assert outcome.objective == pytest.approx(8 * 2000.0)
    together, _ = solve_parts(net, parts, objective, SolverProfile(gap=0.01, threads=2, memory_gib=64))
    assert together.objective == pytest.approx(outcome.objective)


def test_a_finished_part_frees_its_highs() -> None:
    """`Solver.unload` drops HiGHS; the plan stays, and the next solve loads the model again."""
    net = build_network(pairs_park(1))
    from circflow.model import build_model

    solver = Solver(build_model(net), SolverProfile(gap=0.0))
    first = solver.solve("cost")
    values = solver.values
    solver.unload()
    assert solver.highs is None
    assert solver.values is values
    again = solver.solve("cost")
    assert again.objective == pytest.approx(first.objective) == pytest.approx(2000.0)


def test_memory_budget_is_the_profiles_or_a_share_of_what_is_free() -> None:
    assert memory_budget(SolverProfile(memory_gib=12)) == 12 * 2**30
    free = race.available_memory()
    budget = memory_budget(SolverProfile())
    if free is None:
        assert budget is None
    else:
        assert 0 < budget <= free


def test_racing_parts_share_the_cores() -> None:
    """With a gap to race to, up to `RaceOptions.parts_per_core` parts per thread of the budget
    run at once (one HiGHS thread each); without one (gap 0), one part per thread."""
    per_core = race.RACE_OPTIONS.parts_per_core
    assert part_workers(SolverProfile(threads=2), 12, per_core) == min(12, 2 * per_core)
    assert part_workers(SolverProfile(threads=2), 12) == 2


def test_a_profile_that_sets_threads_keeps_to_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep's run has ``threads: 1``: its racing parts run one at a time, not four per core
    (8 pairs, gap 1 %: the optimum 8 x 2000 all the same)."""
    net = build_network(pairs_park(8))
    running = Running(monkeypatch)
    outcome, _ = solve_parts(net, independent_parts(net), "cost", SolverProfile(gap=0.01, threads=1))
    assert outcome.objective == pytest.approx(8 * 2000.0)
    assert running.peak == 1
