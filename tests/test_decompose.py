"""Independent parts (`circflow.decompose`): solving a park piece by piece gives the monolith's plan.

The invariants are shown on a hand-made park of ten candidate links in three clusters 100 km
apart (`ten_link_park`), small enough to read; one small generated district
(`benchmarks.generate`, 40 enterprises in five parts) checks the same optimum on a
realistic mix of resources, heat pumps and targets.
"""

from __future__ import annotations

import csv
import functools

import pytest
from helpers import mode
from places import DATA

import circflow
from benchmarks.generate import generate_park
from circflow import optimizer
from circflow.decompose import independent_parts, unlinked_streams
from circflow.model import prune_dominated
from circflow.network import build_network
from circflow.race import solve_parts
from circflow.solve import SolverProfile

EXACT = SolverProfile(gap=1e-9)


@pytest.fixture(autouse=True)
def split_every_park(monkeypatch: pytest.MonkeyPatch) -> None:
    """These parks are small enough to be solved as one model by default; split them."""
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 0)


def ash_site(row: dict[str, str]) -> dict:
    """A site at (x, 0) with one ash stream, from a row of ``ten-link-park.csv``: a supply
    (its price the disposal's) or a demand (its price the baseline's)."""
    key, price = ("supplies", "disposal") if row["role"] == "supply" else ("demands", "baseline")
    stream = {
        "resource": "o_ash",
        "amount": float(row["amount"]),
        price: {"cost": float(row["cost"]), "emissions": float(row["emissions"])},
    }
    return {"id": row["id"], "location": {"x": float(row["x"]), "y": 0.0}, "supplies": [], "demands": [], key: [stream]}


@functools.cache
def ten_link_park(**targets: float) -> circflow.Park:
    """Three clusters 100 km apart (trucks reach 5 km), so each is a part of its own:

    - x = 0: supplies s1, s2 and demands d1, d2 within 2 km of each other: 4 links;
    - x = 100: supply s3 and demands d3, d4: 2 links;
    - x = 200: supplies s4, s5 and demands d5, d6: 4 links;
    - x = 300: supply s6 alone, no link (its disposal is the constant of unlinked streams).

    A truck costs 20,000 (2,000 a year over 10 years at discount rate 0), 2 CNY/t and
    0.001 tCO2/t per km. Disposal and baseline prices differ stream by stream, so some links
    pay, some do not, and the fixed cost makes the choices depend on each other. The sites,
    one ash stream each, are the rows of ``tests/data/ten-link-park.csv`` (amount in t, price
    in CNY/t and tCO2/t: disposal for a supply, baseline for a demand).
    """
    truck = {
        **mode(lifetime_years=10.0, capex_fixed=20_000, opex_per_unit=2, emissions_per_unit_km=0.001),
        "max_distance_km": 5,
    }
    with (DATA / "ten-link-park.csv").open(newline="", encoding="utf-8") as handle:
        enterprises = [ash_site(row) for row in csv.DictReader(handle)]
    return circflow.park_from_dict(
        {
            "park": {"name": "ten links"},
            "economics": {"discount_rate": 0.0, "carbon_price": 50.0},
            "resources": {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}},
            "modes": {"o_truck": truck},
            "enterprises": enterprises,
            **({"targets": {"utilization": {"o_ash": targets["utilization"]}}} if targets else {}),
        }
    )


@functools.cache
def district() -> circflow.Park:
    return circflow.park_from_dict(generate_park(40, 3))


def test_the_hand_park_has_ten_links_in_three_parts() -> None:
    net = build_network(ten_link_park())
    assert len(net.links) == 10
    assert sorted(len(part.links) for part in independent_parts(net)) == [2, 4, 4]


@pytest.mark.parametrize("park", [ten_link_park, district], ids=["ten-links", "district-40"])
def test_parts_cover_every_link_once_and_share_no_stream(park: object) -> None:
    net = prune_dominated(build_network(park()), "cost")
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


@pytest.mark.parametrize(
    ("park", "objective"),
    [(ten_link_park, "cost"), (ten_link_park, "emissions"), (district, "cost"), (district, "emissions")],
    ids=["ten-links-cost", "ten-links-emissions", "district-40-cost", "district-40-emissions"],
)
def test_parts_give_the_monoliths_optimum(park: object, objective: str) -> None:
    """Same objective as one model of the whole park, to the exact profile's gap; the combined
    bound is a true lower bound."""
    apart = circflow.optimize(park(), objective=objective, solver=EXACT)
    whole = circflow.optimize(park(), objective=objective, solver=EXACT, decompose=False)
    assert apart.status == whole.status == circflow.Status.OPTIMAL
    assert apart.model_facts["independent_parts"] > 1
    assert whole.model_facts["independent_parts"] == 1
    assert apart.objective == pytest.approx(whole.objective, rel=1e-7)
    assert apart.kpis["total_cost"] == pytest.approx(whole.kpis["total_cost"], rel=1e-7)
    assert apart.bound <= apart.objective + 1e-6 * abs(apart.objective)


def test_side_by_side_equals_one_at_a_time() -> None:
    """Parts solved on one thread or on several give the same plan value within the gap."""
    one = circflow.optimize(ten_link_park(), solver=SolverProfile(gap=1e-3, threads=1))
    many = circflow.optimize(ten_link_park(), solver=SolverProfile(gap=1e-3, threads=3))
    assert one.status.is_ok
    assert many.status.is_ok
    assert one.gap <= 1e-3
    assert many.gap <= 1e-3
    assert many.objective == pytest.approx(one.objective, rel=2e-3)


def test_a_park_gap_shared_by_parts_is_kept() -> None:
    """At a 1 % park gap the combined plan is within 1 % of the exact optimum."""
    exact = circflow.optimize(ten_link_park(), solver=EXACT, decompose=False)
    loose = circflow.optimize(ten_link_park(), gap=0.01)
    assert loose.objective <= exact.objective * (1 + 0.01) + 1e-6
    assert loose.bound <= exact.objective + 1e-6 * abs(exact.objective)


def test_gap_zero_on_parts_is_optimal() -> None:
    """Asked for gap 0, parts solved to optimality are reported optimal (rounding aside)."""
    result = circflow.optimize(ten_link_park(), gap=0.0)
    assert result.model_facts["independent_parts"] == 3
    assert result.status == circflow.Status.OPTIMAL


def test_small_parks_are_solved_as_one_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer, "SPLIT_FROM_LINKS", 1000)
    assert circflow.optimize(ten_link_park(), gap=0.01).model_facts["independent_parts"] == 1


def test_a_utilisation_target_ties_its_resources_links() -> None:
    assert len(independent_parts(build_network(ten_link_park(utilization=0.5)))) == 1


def test_coupling_targets_keep_one_model() -> None:
    park = ten_link_park()
    capped = park.model_copy(update={"targets": park.targets.model_copy(update={"max_capex": 1e12})})
    assert len(independent_parts(build_network(capped))) == 1


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
    ash = {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"], "attributes": {"grade": "I, II or III"}}}

    def stream(amount: float, grade: str, role: str) -> dict:
        if role == "supply":
            return {"resource": "o_ash", "amount": amount, "quality": {"grade": grade}, "disposal": {"cost": 10}}
        return {"resource": "o_ash", "amount": amount, "requires": {"grade": [grade]}, "baseline": {"cost": 10}}

    return circflow.park_from_dict(
        {
            "park": {"name": "forced choice"},
            "economics": {"discount_rate": 0.0, "carbon_price": 0.0},
            "resources": ash,
            "modes": {"o_truck": truck},
            "enterprises": [
                {
                    "id": "a",
                    "location": {"x": 0, "y": 0},
                    "supplies": [stream(1000, "I", "supply"), stream(500, "III", "supply")],
                },
                {
                    "id": "b",
                    "location": {"x": 1, "y": 0},
                    "demands": [stream(1000, "I", "demand"), stream(500, "III", "demand")],
                },
            ],
            "plan": {"force": [{"from": "a", "to": "b", "resource": "o_ash"}]},
        }
    )


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
