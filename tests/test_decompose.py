"""Independent parts: solving a park piece by piece (and side by side) gives the monolith's plan.

The parks are generated districts (`benchmarks.generate`: clusters of enterprises far apart,
so their candidate graph falls into several components) and the shipped Jinan park.
"""

from __future__ import annotations

import pytest
from helpers import mode

import circflow
from benchmarks.generate import generate_park
from circflow import optimizer
from circflow.decompose import independent_parts, unlinked_streams
from circflow.model import prune_dominated
from circflow.network import build_network
from circflow.race import part_workers, solve_parts
from circflow.solve import SolverProfile

EXACT = SolverProfile(gap=1e-9)


@pytest.fixture(autouse=True)
def split_every_park(monkeypatch: pytest.MonkeyPatch) -> None:
    """These districts are small enough to be solved as one model by default; split them."""
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 0)


@pytest.fixture(scope="module", params=[(60, 3), (90, 5)], ids=["district-60", "district-90"])
def district(request: pytest.FixtureRequest) -> circflow.Park:
    n, seed = request.param
    return circflow.park_from_dict(generate_park(n, seed))


def test_parts_cover_every_link_once_and_share_no_stream(district: circflow.Park) -> None:
    net = prune_dominated(build_network(district), "cost")
    parts = independent_parts(net)
    assert len(parts) > 1
    seen = [id(link) for part in parts for link in part.links]
    assert sorted(seen) == sorted(id(link) for link in net.links)
    supplies = [part.accounted[0] for part in parts]
    demands = [part.accounted[1] for part in parts]
    for k in range(len(parts)):
        for j in range(k):
            assert not supplies[k] & supplies[j]
            assert not demands[k] & demands[j]
    rest_s, rest_d = unlinked_streams(net, parts).accounted
    assert set().union(*supplies, rest_s) == set(range(len(net.supplies)))
    assert set().union(*demands, rest_d) == set(range(len(net.demands)))


@pytest.mark.parametrize("objective", ["cost", "emissions"])
def test_parts_give_the_monoliths_optimum(district: circflow.Park, objective: str) -> None:
    """Same objective as one model of the whole park, to the exact profile's gap; the combined
    bound is a true lower bound."""
    apart = circflow.optimize(district, objective=objective, solver=EXACT)
    whole = circflow.optimize(district, objective=objective, solver=EXACT, decompose=False)
    assert apart.status == whole.status == circflow.Status.OPTIMAL
    assert apart.model_facts["independent_parts"] > 1
    assert apart.objective == pytest.approx(whole.objective, rel=1e-7)
    assert apart.kpis["total_cost"] == pytest.approx(whole.kpis["total_cost"], rel=1e-7)
    assert apart.bound <= apart.objective + 1e-6 * abs(apart.objective)


def test_side_by_side_equals_one_at_a_time(district: circflow.Park) -> None:
    """Parts solved on one thread or on several give the same plan value and the same bound
    convention (the gap budget is shared the same way)."""
    one = circflow.optimize(district, solver=SolverProfile(gap=1e-3, threads=1))
    many = circflow.optimize(district, solver=SolverProfile(gap=1e-3))
    assert one.status.is_ok
    assert many.status.is_ok
    assert one.gap <= 1e-3
    assert many.gap <= 1e-3
    assert many.objective == pytest.approx(one.objective, rel=2e-3)


def test_a_park_gap_shared_by_parts_is_kept(district: circflow.Park) -> None:
    """At a 1 % park gap the combined plan is within 1 % of the exact optimum."""
    exact = circflow.optimize(district, solver=EXACT, decompose=False)
    loose = circflow.optimize(district, gap=0.01)
    assert loose.objective <= exact.objective * (1 + 0.01) + 1e-6
    assert loose.bound <= exact.objective + 1e-6 * abs(exact.objective)


def test_small_parks_are_solved_as_one_model(district: circflow.Park, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 1000)
    assert circflow.optimize(district, gap=0.01).model_facts["independent_parts"] == 1


def test_coupling_targets_keep_one_model() -> None:
    park = circflow.park_from_dict(generate_park(60, 3))
    capped = park.model_copy(update={"targets": park.targets.model_copy(update={"max_capex": 1e12})})
    assert len(independent_parts(build_network(capped))) == 1


@pytest.mark.parametrize(("threads", "parts", "expected_at_most"), [(1, 5, 1), (None, 1, 1), (2, 5, 2)])
def test_part_workers(threads: int | None, parts: int, expected_at_most: int) -> None:
    workers = part_workers(SolverProfile(threads=threads), parts)
    assert 1 <= workers <= expected_at_most


def test_a_watch_stops_the_solve_with_the_plan_so_far(district: circflow.Park) -> None:
    """The race of parts stops HiGHS through the MIP callback: the first plan is kept."""
    from circflow.model import build_model
    from circflow.solve import Solver, Status

    net = prune_dominated(build_network(district), "cost")
    largest = max(independent_parts(net), key=lambda part: len(part.links))
    seen: list[tuple[float, float]] = []

    def first_plan(plan: float, bound: float) -> bool:
        seen.append((plan, bound))
        return plan < float("inf")

    outcome = Solver(build_model(largest), EXACT).solve("cost", watch=first_plan)
    assert outcome.status in (Status.FEASIBLE, Status.OPTIMAL)
    assert seen
    assert outcome.bound <= outcome.objective + 1e-6 * abs(outcome.objective)


def test_profiles_with_other_thread_counts_run_in_one_session(district: circflow.Park) -> None:
    """HiGHS keeps a thread scheduler per calling thread and refuses a run asking for another
    count; circflow restarts the caller's. Default, then 3 threads on a pool thread (where the
    parts run), then 3 threads on this one."""
    from concurrent.futures import ThreadPoolExecutor

    three = SolverProfile(gap=1e-2, threads=3)
    here = {"decompose": False}  # one model, solved on the calling thread
    assert circflow.optimize(district, gap=1e-2, **here).status.is_ok
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(circflow.optimize, district, solver=three, **here).result().status.is_ok
    assert circflow.optimize(district, solver=three, **here).status.is_ok
    assert circflow.optimize(district, solver=SolverProfile(gap=1e-2, threads=1), **here).status.is_ok


def test_gap_zero_on_parts_is_optimal(district: circflow.Park) -> None:
    """Asked for gap 0, parts solved to optimality are reported optimal (rounding aside)."""
    result = circflow.optimize(district, gap=0.0)
    assert result.model_facts["independent_parts"] > 1
    assert result.status == circflow.Status.OPTIMAL


def forced_choice_park() -> circflow.Park:
    """Plant a has 1000 t of grade I ash and 500 t of grade III; plant b, 1 km away, needs
    1000 t of grade I only and 500 t of grade III only: two links, a>b (I) and a>b (III),
    that share no stream, so they are two independent parts.

    ``plan.force`` names a -> b without a mode or stream: one of the two must be built.
    Discount rate 0; a truck costs 120,000 over 10 years (12,000 a year) and 10 CNY/t, and
    each tonne moved saves 10 of disposal and 10 of baseline: 10 CNY/t net. Neither link
    pays on its own (link I: 12,000 - 10,000 = +2,000; link III: 12,000 - 5,000 = +7,000),
    so the optimum builds link I only: status quo 15,000 + 15,000 = 30,000, plus 2,000 =
    32,000. Building both (each part forcing its own link) would cost 39,000.
    """
    truck = mode(capex_fixed=120_000, lifetime_years=10, opex_per_unit=10)
    ash = {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"],
                     "attributes": {"grade": "I, II or III"}}}

    def stream(amount: float, grade: str, role: str) -> dict:
        if role == "supply":
            return {"resource": "o_ash", "amount": amount, "quality": {"grade": grade}, "disposal": {"cost": 10}}
        return {"resource": "o_ash", "amount": amount, "requires": {"grade": [grade]}, "baseline": {"cost": 10}}

    return circflow.park_from_dict({
        "park": {"name": "forced choice"},
        "economics": {"discount_rate": 0.0, "carbon_price": 0.0},
        "resources": ash,
        "modes": {"o_truck": truck},
        "enterprises": [
            {"id": "a", "location": {"x": 0, "y": 0}, "supplies": [stream(1000, "I", "supply"), stream(500, "III", "supply")]},
            {"id": "b", "location": {"x": 1, "y": 0}, "demands": [stream(1000, "I", "demand"), stream(500, "III", "demand")]},
        ],
        "plan": {"force": [{"from": "a", "to": "b", "resource": "o_ash"}]},
    })


def test_a_forced_choice_stays_in_one_part() -> None:
    """The links of one ``plan.force`` entry are one choice: they land in one part, and the
    race of parts builds one of them (fuzzing found both built, 0.14 % dearer, "optimal")."""
    net = build_network(forced_choice_park())
    assert len(net.links) == 2
    assert len(net.forced_groups) == 1
    parts = independent_parts(net)
    assert len(parts) == 1
    outcome, solution = solve_parts(net, parts, "cost", EXACT)
    assert outcome.status == circflow.Status.OPTIMAL
    assert outcome.objective == pytest.approx(32_000, rel=1e-9)
    assert solution.built.sum() == 1
