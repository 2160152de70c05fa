"""The cost-emissions Pareto front (SPEC 4 "Pareto front", SPEC 5 ``circflow pareto``, SPEC 6).

Small parks whose fronts are derived by hand in each docstring: every park defines its own
resources and modes (prefixed ``o_``) and economics with discount rate 0, so a capex C
costs C / lifetime a year. The ends of every front must equal separate ``optimize`` runs
with ``objective="cost"`` and ``objective="emissions"``; the points in between must be
strictly monotone (cost rising as emissions fall), so none is duplicated or weakly dominated.
Solves use gap 0 so the asserted values are HiGHS's proven optima.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import pathlib

import helpers
import pandas as pd
import pytest
import yaml
from helpers import (
    ASH_BY_TRUCK,
    DATA,
    consumer,
    random_ash_enterprises,
    random_ash_parks,
    random_truck,
    run,
    supplier,
    write_park,
)
from helpers import mode as spec_mode
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import circflow
from circflow import pareto
from circflow.front import pareto_results

REL = 1e-6

mode = functools.partial(spec_mode, lifetime_years=10.0)  # every SPEC 3.4 field; lifetime 10 years


def park_data(enterprises: list[dict], resources: dict, modes: dict, **sections: object) -> dict:
    return helpers.park_data("pareto test", enterprises, resources=resources, modes=modes, **sections)


def ash_park(enterprises: list[dict], truck: dict) -> circflow.Park:
    """A park of ``enterprises`` trading ash (`ASH_BY_TRUCK`, ``o_ash``) by ``truck`` (``o_truck``)."""
    return circflow.park_from_dict(park_data(enterprises, ASH_BY_TRUCK, {"o_truck": truck}))


def exact_front(enterprises: list[dict], truck: dict) -> tuple[circflow.Park, pd.DataFrame]:
    """`ash_park` and its front of three points, each proven optimal (gap 0)."""
    park = ash_park(enterprises, truck)
    return park, pareto(park, points=3, gap=0.0)


def two_lumpy_links_data(ash_opex: float = 15.0, ash_capex: float = 60_000.0) -> dict:
    """Ash: a -> b, 1 km, 1000 t; slag: c -> d, 1 km, 2000 t. Every tonne left over costs 10
    CNY to dispose of and emits 0.05 tCO2; every tonne not delivered costs 10 CNY of baseline
    (no emissions). Both modes cost 15 CNY/t, so a link once built saves 5 CNY per tonne and
    carries everything:

    - A (ash, truck capex 60000 -> 6000/yr): + 6000 - 5000 = +1000 CNY/yr, -50 tCO2
    - B (slag, lorry capex 130000 -> 13000/yr): + 13000 - 10000 = +3000 CNY/yr, -100 tCO2

    status quo: 10 x (1000 + 1000 + 2000 + 2000) = 60000 CNY, 0.05 x 3000 = 150 tCO2.
    The four plans none (60000, 150), A (61000, 100), B (63000, 50), A+B (64000, 0) are each
    non-dominated: the front.
    """
    resources = {
        "o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]},
        "o_slag": {"kind": "material", "unit": "t", "modes": ["o_lorry"]},
    }
    enterprises = [
        supplier("a", (0, 0), "o_ash", 1000, 10, 0.05),
        consumer("b", (1, 0), "o_ash", 1000, 10),
        supplier("c", (0, 5), "o_slag", 2000, 10, 0.05),
        consumer("d", (1, 5), "o_slag", 2000, 10),
    ]
    modes = {
        "o_truck": mode(capex_fixed=ash_capex, opex_per_unit=ash_opex),
        "o_lorry": mode(capex_fixed=130_000, opex_per_unit=15),
    }
    return park_data(enterprises, resources, modes)


LUMPY_FRONT = [(60_000, 150, []), (61_000, 100, ["a"]), (63_000, 50, ["c"]), (64_000, 0, ["a", "c"])]


def linear_data() -> dict:
    """Ash a -> b, 1 km, 1000 t. Disposal 10 CNY/t and 0.1 tCO2/t, baseline 10 CNY/t. The truck
    costs 1000 (100 CNY/yr) and 24 CNY/t, and emits 0.02 tCO2/t: each tonne moved costs
    24 - 20 = +4 CNY and saves 0.1 - 0.02 = 0.08 tCO2.

    cost end: nothing built, (10 x 1000 + 10 x 1000, 0.1 x 1000) = (20000, 100).
    emissions end: all 1000 t moved, (20000 + 100 + 4000, 100 - 80) = (24100, 20).
    An emission cap E between them moves t = (100 - E) / 0.08 tonnes at 20100 + 4 t CNY.
    """
    resources = {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}}
    enterprises = [supplier("a", (0, 0), "o_ash", 1000, 10, 0.1), consumer("b", (1, 0), "o_ash", 1000, 10)]
    modes = {"o_truck": mode(capex_fixed=1000, opex_per_unit=24, emissions_per_unit_km=0.02)}
    return park_data(enterprises, resources, modes)


def linear_front(points: int) -> list[tuple[float, float]]:
    """Evenly spaced caps from 100 to 20 tCO2; the first is the cost end (nothing built)."""
    front = [(20_000.0, 100.0)]
    for k in range(1, points):
        cap = 100 - k * 80 / (points - 1)
        front.append((20_100 + 4 * (100 - cap) / 0.08, cap))
    return front


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL, abs=1e-5)


def assert_strictly_monotone(front: pd.DataFrame) -> None:
    """Cheapest first; each next point costs strictly more and emits strictly less, by more
    than 1e-7 relative (what circflow.pareto itself calls the same point)."""
    costs, emissions = list(front["objective"]), list(front["emissions"])
    for k in range(1, len(front)):
        assert costs[k] > costs[k - 1] + 1e-7 * max(1.0, abs(costs[k - 1])), (k, costs, emissions)
        assert emissions[k] < emissions[k - 1] - 1e-7 * max(1.0, abs(emissions[k - 1])), (k, costs, emissions)


# -- fronts derived by hand -------------------------------------------------------------------------


@pytest.mark.parametrize("points", [5, 9])
def test_front_of_two_lumpy_links(points: int) -> None:
    """5 points: caps 150, 112.5, 75, 37.5, 0 give none, A (100 <= 112.5), B (50 <= 75, the
    cheapest plan under 75), A+B (37.5 and 0). 9 points (caps every 18.75) meet the same four
    plans, some twice: the duplicates are kept once. Cheapest first, numbered from 1.
    """
    front = pareto(circflow.park_from_dict(two_lumpy_links_data()), points=points, gap=0.0)
    assert list(front["point"]) == [1, 2, 3, 4]
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(cost), approx(emissions)) for cost, emissions, _ in LUMPY_FRONT
    ]
    assert list(front["objective"]) == [approx(cost) for cost, _, _ in LUMPY_FRONT]  # no carbon price
    assert [sorted(link.split(">")[0] for link in row.links.split()) for row in front.itertuples()] == [
        froms for _, _, froms in LUMPY_FRONT
    ]
    assert list(front["links_built"]) == [0, 1, 1, 2]
    assert list(front["capex"]) == [approx(0), approx(60_000), approx(130_000), approx(190_000)]
    assert list(front["status"]) == ["optimal"] * 4
    assert_strictly_monotone(front)


def test_two_points_are_the_two_ends() -> None:
    """points=2 is the cost optimum (nothing built) and the emissions optimum (A+B) only."""
    front = pareto(circflow.park_from_dict(two_lumpy_links_data()), points=2, gap=0.0)
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(60_000), approx(150)),
        (approx(64_000), approx(0)),
    ]


def test_linear_front_is_evenly_spaced_in_emissions() -> None:
    """4 points: caps 100, 73.33, 46.67, 20 tCO2 move 0, 333.3, 666.7, 1000 t (see linear_data):
    costs 20000, 21433.33, 22766.67, 24100.
    """
    front = pareto(circflow.park_from_dict(linear_data()), points=4, gap=0.0)
    expected = linear_front(4)
    assert expected[1] == (pytest.approx(21_433.333333), pytest.approx(73.333333))
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(cost), approx(emissions)) for cost, emissions in expected
    ]
    assert list(front["links_built"]) == [0, 1, 1, 1]
    assert_strictly_monotone(front)


def test_all_or_nothing_link_gives_two_points() -> None:
    """Only the slag of the lumpy park: status quo 10 x (2000 + 2000) = 40000 CNY, 100 tCO2.
    Link B is all or nothing: any cap below 100 needs B and then all 2000 t move, so every
    point past the first is the emissions end (43000, 0), however many points are asked for.
    """
    data = two_lumpy_links_data()
    data["enterprises"] = data["enterprises"][2:]
    data["resources"].pop("o_ash")
    data["modes"].pop("o_truck")
    front = pareto(circflow.park_from_dict(data), points=6, gap=0.0)
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(40_000), approx(100)),
        (approx(43_000), approx(0)),
    ]


def test_park_without_trade_off_is_one_point(minimal_park_yaml: str, tmp_path: pathlib.Path) -> None:
    """The conftest park's cost optimum (11918.12 CNY, 2 tCO2) is also its emissions optimum (the
    200 t of ash left over have no taker): the front is that one point.
    """
    path = tmp_path / "park.yaml"
    path.write_text(minimal_park_yaml, encoding="utf-8")
    front = pareto(circflow.load_park(path), points=4, gap=0.0)
    assert len(front) == 1
    assert front["total_cost"].iloc[0] == pytest.approx(11_918.115942, rel=1e-6)
    assert front["emissions"].iloc[0] == approx(2.0)


def test_cost_end_is_the_cleanest_of_the_cheapest_plans() -> None:
    """Ash link A costs nothing (capex 0) and its opex 20 CNY/t equals the 10 + 10 it saves: every
    ash flow from 0 to 1000 t costs 60000 CNY, emitting 150 - 0.05 t. The plan with all ash
    moved, (60000, 100), weakly dominates the one with none, (60000, 150), so the cheap end of
    the front must be (60000, 100); the other end is A+B, (63000, 0). A front holding
    (60000, 150) would show a weakly dominated point (SPEC 4).
    """
    park = circflow.park_from_dict(two_lumpy_links_data(ash_opex=20.0, ash_capex=0.0))
    front = pareto(park, points=2, gap=0.0)
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(60_000), approx(100)),
        (approx(63_000), approx(0)),
    ]
    assert front["objective"].iloc[0] == approx(circflow.optimize(park, gap=0.0).objective)


def test_carbon_price_moves_the_cost_axis() -> None:
    """carbon_price 10 CNY/tCO2: the cost axis is total_cost + 10 x emissions, so the four plans
    are at 61500, 62000, 63500 and 64000 (still all non-dominated); total_cost and emissions
    are as without a price.
    """
    park = circflow.park_from_dict(two_lumpy_links_data())
    front = pareto(park, points=5, gap=0.0, carbon_price=10.0)
    assert list(front["objective"]) == [approx(61_500), approx(62_000), approx(63_500), approx(64_000)]
    assert list(front["total_cost"]) == [approx(cost) for cost, _, _ in LUMPY_FRONT]
    assert front["objective"].iloc[0] == approx(circflow.optimize(park, gap=0.0, carbon_price=10.0).objective)


# -- the ends are the optimize runs, on hand parks and realistic ones ------------------------------------


def assert_ends_match_optimize(park: circflow.Park, front: pd.DataFrame, rel: float, **options: object) -> None:
    by_cost = circflow.optimize(park, objective="cost", gap=0.0, **options)
    by_emissions = circflow.optimize(park, objective="emissions", gap=0.0, **options)
    first, last = front.iloc[0], front.iloc[-1]
    assert first["objective"] == pytest.approx(by_cost.objective, rel=rel, abs=1e-6)
    assert first["total_cost"] == pytest.approx(by_cost.kpis["total_cost"], rel=rel, abs=1e-6)
    # the cost stage of either emissions run may use up to 1e-6 tCO2 above the least (the lock's
    # tolerance), trading it for a little cost; rates below HiGHS's tolerance (1e-8 t/h) times
    # 8760 h may add 1e-4 t of flow
    assert last["emissions"] == pytest.approx(by_emissions.kpis["emissions"], rel=rel, abs=1e-4)
    assert last["total_cost"] == pytest.approx(by_emissions.kpis["total_cost"], rel=rel, abs=1e-2)


@pytest.mark.parametrize("carbon_price", [None, 10.0])
@pytest.mark.parametrize("make", [two_lumpy_links_data, linear_data], ids=["lumpy", "linear"])
def test_ends_equal_optimize_on_hand_parks(make, carbon_price: float | None) -> None:
    park = circflow.park_from_dict(make())
    options = {} if carbon_price is None else {"carbon_price": carbon_price}
    front = pareto(park, points=3, gap=0.0, **options)
    assert_ends_match_optimize(park, front, REL, **options)


def test_emissions_end_builds_nothing_when_every_link_adds_emissions() -> None:
    """s at (17, 20) has 325 t of ash (disposal 52 CNY/t, no emissions); c at (4, 17), L = sqrt(178)
    = 13.3417 km away, takes 221 t (baseline 48 CNY/t and 0.01 tCO2/t); w at (17, 3), 17 km
    away, takes 328 t (baseline 1 CNY/t). Truck: capex 11705 (1170.5 a year), 1 + 5 L CNY/t,
    0.001 L tCO2/t.

    s -> c saves 100 - 1 - 5 L = 32.2917 CNY per tonne but adds 0.001 L - 0.01 = 0.0033417
    tCO2; s -> w loses money and adds emissions. Status quo: 325 x 52 + 221 x 48 + 328 = 27836
    CNY, 2.21 tCO2.
    cost end: s -> c carries 221 t: 27836 + 1170.5 - 221 x 32.2917 = 21870.04 CNY, 2.948508 tCO2.
    emissions end: nothing built, (27836, 2.21).
    middle (3 points): cap 2.579254 lets 110.5 t move: 27836 + 1170.5 - 110.5 x 32.2917 = 25438.26.
    """
    length = math.sqrt(178)
    saving, added = 100 - 1 - 5 * length, 0.001 * length - 0.01
    enterprises = [
        supplier("s", (17, 20), "o_ash", 325, 52, 0.0),
        consumer("c", (4, 17), "o_ash", 221, 48, 0.01),
        consumer("w", (17, 3), "o_ash", 328, 1, 0.0),
    ]
    park, front = exact_front(
        enterprises, mode(capex_fixed=11705, opex_per_unit=1, opex_per_unit_km=5, emissions_per_unit_km=0.001)
    )
    expected = [
        (27836 + 1170.5 - 221 * saving, 2.21 + 221 * added),
        (27836 + 1170.5 - 110.5 * saving, 2.21 + 110.5 * added),
        (27836, 2.21),
    ]
    assert expected[0] == (pytest.approx(21870.04), pytest.approx(2.948508))
    assert [(row.total_cost, row.emissions) for row in front.itertuples()] == [
        (approx(cost), approx(emissions)) for cost, emissions in expected
    ]
    assert list(front["links"]) == ["s>c:o_ash:o_truck", "s>c:o_ash:o_truck", ""]
    assert_ends_match_optimize(park, front, REL)


def test_ends_equal_optimize_when_one_zero_km_link_is_best_both_ways() -> None:
    """s0 at (7, 0) has 100 t of ash that emit 0.1 tCO2/t when disposed of; d0 at the same spot
    takes 100 t (baseline 2 CNY/t and 0.1 tCO2/t). s1 and d1 at (0, 7) hold 100 t each, free
    and clean. Truck: capex 1 (0.1 a year), 1 CNY/t + 0.5 CNY/t-km, 0.01 tCO2/t-km.

    s0 -> d0 (0 km) removes all 20 tCO2 and costs 0.1 + 100 x 1 = 100.1 against d0's 200 of
    baseline: it is the cost optimum and the emissions optimum. Any other link only adds capex
    (and, over 9.9 km, transport). So the front is the one point (100.1 CNY, 0 tCO2), and
    ``optimize`` with either objective finds that plan, proven optimal (no time limit).
    """
    enterprises = [
        supplier("s0", (7, 0), "o_ash", 100, 0, 0.1),
        supplier("s1", (0, 7), "o_ash", 100, 0, 0.0),
        consumer("d0", (7, 0), "o_ash", 100, 2, 0.1),
        consumer("d1", (0, 7), "o_ash", 100, 0, 0.0),
    ]
    park, front = exact_front(
        enterprises, mode(capex_fixed=1, opex_per_unit=1, opex_per_unit_km=0.5, emissions_per_unit_km=0.01)
    )
    assert [(row.total_cost, row.emissions, row.links) for row in front.itertuples()] == [
        (approx(100.1), approx(0), "s0>d0:o_ash:o_truck")
    ]
    for objective in ("cost", "emissions"):
        result = circflow.optimize(park, objective=objective, gap=0.0)
        assert result.status == "optimal", objective
        assert list(result.links["id"]) == ["s0>d0:o_ash:o_truck"], objective
        assert (result.kpis["total_cost"], result.kpis["emissions"]) == (approx(100.1), approx(0)), objective
    assert_ends_match_optimize(park, front, REL)


@pytest.mark.parametrize("name", ["gen-n6-s100", "emissions-n15-s150", "plan-n14-s160"])
def test_ends_equal_optimize_on_generated_parks(name: str) -> None:
    """Realistic parks (carbon price, several resources, forced links in plan-n14): the ends
    match ``optimize`` within HiGHS's feasibility tolerance (1e-5 relative), and the front is
    strictly monotone.
    """
    park = circflow.load_park(DATA / f"{name}.yaml")
    front = pareto(park, points=4, gap=0.0)
    assert 2 <= len(front) <= 4
    assert_strictly_monotone(front)
    assert_ends_match_optimize(park, front, 1e-5)


random_parks = random_ash_parks([0.5, 1.0, 2.0, 5.0], points=st.integers(2, 5))


def with_found_examples(test):
    """``test`` run besides on each spec of ``tests/data/pareto-found.yaml`` (parks on which it
    once failed; the file says how), as hypothesis examples."""
    found = yaml.safe_load((DATA / "pareto-found.yaml").read_text(encoding="utf-8"))
    for spec in reversed(found):
        for stream in spec["supplies"] + spec["demands"]:
            stream["at"] = tuple(stream["at"])
        test = example(spec=spec)(test)
    return test


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=random_parks)
@with_found_examples
def test_front_is_monotone_and_ends_match_optimize(spec: dict) -> None:
    """On random one-resource parks: at most ``points`` points, strictly monotone, and the ends
    are the cost and emissions optima."""
    park = ash_park(random_ash_enterprises(spec), random_truck(spec))
    front = pareto(park, points=spec["points"], gap=0.0)
    assert 1 <= len(front) <= spec["points"]
    assert list(front["point"]) == list(range(1, len(front) + 1))
    assert_strictly_monotone(front)
    assert_ends_match_optimize(park, front, 1e-5)


# -- the API ------------------------------------------------------------------------------------------------


def test_pareto_returns_a_table_and_results_agree() -> None:
    """``pareto`` is the table of ``pareto_results``: same points, same order."""
    park = circflow.park_from_dict(linear_data())
    front = pareto(park, points=3, gap=0.0)
    assert isinstance(front, pd.DataFrame)
    for column in ("point", "total_cost", "emissions", "objective", "capex", "links_built", "links"):
        assert column in front.columns
    results = pareto_results(park, points=3, gap=0.0)
    assert [r.kpis["total_cost"] for r in results] == [approx(v) for v in front["total_cost"]]
    assert [r.kpis["emissions"] for r in results] == [approx(v) for v in front["emissions"]]
    assert all(r.objective_name == "cost" for r in results)
    assert [r.objective for r in results] == [approx(v) for v in front["objective"]]


@pytest.mark.parametrize("points", [1, 0, -3])
def test_fewer_than_two_points_is_an_error(points: int) -> None:
    with pytest.raises(circflow.ParkError, match="at least 2 points"):
        pareto(circflow.park_from_dict(linear_data()), points=points)


def test_infeasible_park_is_a_status_with_the_diagnosis() -> None:
    """Utilisation 0.95 of 1000 t of ash with 1000 t of demand is reachable; with the demand cut
    to 600 t at most 0.6 is. Like ``optimize``, ``pareto`` says so in its answer (no exception):
    one point with status infeasible, and the same diagnosis as ``optimize`` gives.
    """
    data = linear_data()
    data["enterprises"][1]["demands"][0]["amount"] = 600
    data["targets"] = {"utilization": {"o_ash": 0.95}}
    park = circflow.park_from_dict(data)
    expected = ["target utilization.o_ash = 0.95 cannot be met: at most 0.6 is reachable"]
    front = pareto(park, points=3)
    assert list(front["status"]) == ["infeasible"]
    assert math.isnan(front["total_cost"].iloc[0])
    assert front.attrs["diagnosis"] == expected
    [result] = pareto_results(park, points=3)
    assert result.status == circflow.Status.INFEASIBLE
    assert result.diagnosis == expected == circflow.optimize(park).diagnosis


# -- the command ------------------------------------------------------------------------------------------


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_cli_pareto_writes_csv_html_and_each_point(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_park(tmp_path / "park.yaml", linear_data())
    result = run("pareto", path, "--points", "4", "-o", "front", "--gap", "0")
    assert result.exit_code == 0, result.output
    out = tmp_path / "front"
    rows = read_csv(out / "pareto.csv")
    for column in ("point", "total_cost", "emissions", "objective", "capex", "links_built"):
        assert column in rows[0], column
    expected = linear_front(4)
    assert [row["point"] for row in rows] == ["1", "2", "3", "4"]
    assert [(float(row["total_cost"]), float(row["emissions"])) for row in rows] == [
        (approx(cost), approx(emissions)) for cost, emissions in expected
    ]
    assert [int(row["links_built"]) for row in rows] == [0, 1, 1, 1]
    html = (out / "pareto.html").read_text(encoding="utf-8")
    assert "<html" in html.lower()
    assert "Plotly" in html
    for k, row in enumerate(rows, start=1):
        content = json.loads((out / f"point-{k}" / "results.json").read_text(encoding="utf-8"))
        assert content["status"] == "optimal"
        assert content["kpis"]["total_cost"] == approx(float(row["total_cost"]))
        assert content["kpis"]["emissions"] == approx(float(row["emissions"]))
        assert content["objective"] == approx(float(row["objective"]))
        assert math.isfinite(content["kpis"]["baseline"]["total_cost"])
    assert not (out / "point-5").exists()
    assert not (out / "point-0").exists()


def test_cli_pareto_carbon_price_option(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--carbon-price puts the price on the cost axis (see test_carbon_price_moves_the_cost_axis)."""
    monkeypatch.chdir(tmp_path)
    path = write_park(tmp_path / "park.yaml", two_lumpy_links_data())
    result = run("pareto", path, "--points", "5", "--carbon-price", "10", "--gap", "0", "-o", "front", "-q")
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "front" / "pareto.csv")
    assert [float(row["objective"]) for row in rows] == [approx(v) for v in (61_500, 62_000, 63_500, 64_000)]
    assert [float(row["total_cost"]) for row in rows] == [approx(cost) for cost, _, _ in LUMPY_FRONT]


def test_cli_pareto_default_folder(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without -o the front goes to ``<park-stem>-pareto/``."""
    monkeypatch.chdir(tmp_path)
    path = write_park(tmp_path / "district.yaml", two_lumpy_links_data())
    result = run("pareto", path, "--points", "5", "-q")
    assert result.exit_code == 0, result.output
    assert len(read_csv(tmp_path / "district-pareto" / "pareto.csv")) == 4


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--points", "1"], "--points"),
        (["--points", "0"], "--points"),
        (["--scenario", "nope"], "nope"),
    ],
    ids=["one-point", "zero-points", "unknown-scenario"],
)
def test_cli_pareto_bad_use_exits_2(
    args: list[str], says: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_park(tmp_path / "park.yaml", linear_data())
    result = run("pareto", path, *args, "-o", "front")
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert not (tmp_path / "front").exists()


def test_cli_pareto_of_infeasible_park_exits_3(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 5: exit 3 for an infeasible park, naming the target; nothing is written."""
    monkeypatch.chdir(tmp_path)
    data = linear_data()
    data["enterprises"][1]["demands"][0]["amount"] = 600
    data["targets"] = {"utilization": {"o_ash": 0.95}}
    path = write_park(tmp_path / "park.yaml", data)
    result = run("pareto", path, "--points", "3", "-o", "front")
    assert result.exit_code == 3, result.output
    assert "utilization.o_ash = 0.95 cannot be met: at most 0.6 is reachable" in result.output
    assert not (tmp_path / "front").exists()


def test_pareto_folder_holds_plotly_once_and_pages_on_request(tmp_path: pathlib.Path) -> None:
    """pareto.html reads plotly.min.js beside it; the points' folders hold their data only, unless
    --pages asks for each point's self-contained report and Sankey."""
    from circflow.catalog import data_dir

    tiny = data_dir("parks") / "tiny.yaml"
    assert run("pareto", tiny, "--points", "3", "-o", tmp_path / "lean", "-q").exit_code == 0
    lean = tmp_path / "lean"
    page = (lean / "pareto.html").read_text(encoding="utf-8")
    assert "<script type='text/javascript' src='plotly.min.js'></script>" in page
    assert "Tiny teaching park" in page
    assert "marginal abatement cost (CNY/tCO2)" in page
    assert sorted(p.name for p in lean.rglob("*.html")) == ["pareto.html"]
    assert sum(p.stat().st_size for p in lean.rglob("*")) < 8_000_000  # plotly.js (4.6 MB) once
    assert run("pareto", tiny, "--points", "3", "-o", tmp_path / "full", "--pages", "-q").exit_code == 0
    assert (tmp_path / "full" / "point-1" / "report.html").is_file()


def test_marginal_abatement_cost_between_neighbours() -> None:
    """Point 2 costs 60 more than point 1 and emits 10 t less: 6 per tCO2; point 3 saves nothing more."""
    from circflow.exports.paretochart import abatement

    points = [
        {"kpis": {"total_cost": 100.0, "emissions": 50.0}},
        {"kpis": {"total_cost": 160.0, "emissions": 40.0}},
        {"kpis": {"total_cost": 170.0, "emissions": 40.0}},
    ]
    assert abatement(points) == [None, 6.0, None]
