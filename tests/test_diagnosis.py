"""Runs that find no plan (SPEC 5 exit codes 3 and 4, SPEC 7) and ids that name nothing.

Infeasible parks: each small park below is infeasible in one known way, and its docstring
derives what is reachable by hand. ``optimize`` must return status ``infeasible`` with a
diagnosis naming exactly that culprit (and not the other, satisfiable targets each park
also sets), and the CLI must exit 3 and print it.

Limits: a run stopped by a limit with a plan in hand is ``feasible`` with its gap (exit 0);
without one it is ``time_limit_no_solution`` (exit 4). The park is a fixed-charge network
of 400 candidate links whose optimum HiGHS does not prove within minutes, though a first
plan comes within milliseconds (`helpers.fixed_charge_data`); HiGHS's solution and node
limits stop it at the same point on every machine, where a wall-clock limit would not.

Unknown ids in ``targets`` and ``plan`` are input errors (exit 2) naming what exists.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import pathlib
from collections.abc import Callable

import helpers
import pytest
from helpers import ASH_BY_TRUCK, consumer, fixed_charge_data, run, supplier, write_park, write_profile
from helpers import mode as spec_mode

import circflow
from circflow import pareto
from circflow.solve import SolverProfile

mode = functools.partial(spec_mode, lifetime_years=10.0)  # every SPEC 3.4 field; lifetime 10 years


ASH = ASH_BY_TRUCK
ROOMY = {"max_capex": 1.0e9, "max_emissions": 1.0e9}  # satisfiable targets that must not be named


def supply(ident: str, x: float, amount: float, emissions: float = 0.0, resource: str = "o_ash") -> dict:
    """An enterprise at (x, 0) supplying ``amount`` t, disposal 30 per t."""
    return supplier(ident, (x, 0.0), resource, amount, 30.0, emissions)


def demand(ident: str, x: float, amount: float, emissions: float = 0.0, resource: str = "o_ash") -> dict:
    """An enterprise at (x, 0) wanting ``amount`` t, baseline 20 per t."""
    return consumer(ident, (x, 0.0), resource, amount, 20.0, emissions)


def park_data(enterprises: list[dict], *, modes: dict, resources: dict = ASH, **sections: object) -> dict:
    return helpers.park_data("diagnosis test", enterprises, resources=resources, modes=modes, **sections)


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# -- parks infeasible in one known way ------------------------------------------------------------------


def utilization_target() -> dict:
    """a supplies 1000 t of ash; the truck reaches 20 km: b (500 t, 5 km) and c (310 t, 8 km)
    can take ash, e (400 t, 50 km) cannot. At most 500 + 310 = 810 t are used: 0.81 < 0.95.
    """
    enterprises = [supply("a", 0, 1000), demand("b", 5, 500), demand("c", -8, 310), demand("e", 50, 400)]
    return park_data(
        enterprises,
        modes={"o_truck": mode(max_distance_km=20, capex_fixed=1000, opex_per_unit=1)},
        targets={"utilization": {"o_ash": 0.95}, **ROOMY},
    )


def utilization_with_losses() -> dict:
    """A water pipe over 5 km loses 2 %/km, gain 0.9; utilisation counts what is drawn from the
    supply (SPEC 4). b takes 720 m3, so at most 720 / 0.9 = 800 of the 1000 m3 are drawn: 0.8.
    """
    water = {"o_water": {"kind": "water", "unit": "m3", "modes": ["o_pipe"]}}
    enterprises = [supply("a", 0, 1000, resource="o_water"), demand("b", 5, 720, resource="o_water")]
    return park_data(
        enterprises,
        resources=water,
        modes={"o_pipe": mode(loss_per_km=0.02, capex_fixed=1000)},
        targets={"utilization": {"o_water": 0.85}, **ROOMY},
    )


def utilization_without_link() -> dict:
    """The only taker is 50 km away, beyond the truck's 20 km: no ash can be used at all."""
    enterprises = [supply("a", 0, 1000), demand("e", 50, 400)]
    return park_data(
        enterprises,
        modes={"o_truck": mode(max_distance_km=20)},
        targets={"utilization": {"o_ash": 0.5}, "max_capex": 1.0e9},
    )


def emission_cap() -> dict:
    """Ash left over emits 0.1 tCO2/t, baseline ash 0.05 tCO2/t, trucks 0.002 tCO2/t-km.
    The least emissions: move 800 t to b over 5 km (8 tCO2), dispose of 200 t (20 tCO2), and c,
    30 km away beyond the truck's reach, takes 150 t of baseline (7.5 tCO2): 35.5 > 30.
    """
    enterprises = [
        supply("a", 0, 1000, emissions=0.1),
        demand("b", 5, 800, emissions=0.05),
        demand("c", 30, 150, emissions=0.05),
    ]
    return park_data(
        enterprises,
        modes={"o_truck": mode(max_distance_km=20, emissions_per_unit_km=0.002)},
        targets={"utilization": {"o_ash": 0.5}, "max_emissions": 30.0, "max_capex": 1.0e9},
    )


def capex_budget() -> dict:
    """The forced link a -> b costs 200000, the budget is 190000: 10000 short (5 %), while
    dropping the forced link would give up all of it: the budget is the culprit.
    """
    enterprises = [supply("a", 0, 1000), demand("b", 5, 800)]
    return park_data(
        enterprises,
        modes={"o_truck": mode(capex_fixed=200_000)},
        targets={"max_capex": 190_000.0, "max_emissions": 1.0e9, "utilization": {"o_ash": 0.5}},
        plan={"force": [{"from": "a", "to": "b", "resource": "o_ash"}]},
    )


def forced_link() -> dict:
    """Trucks cost 10000 per km. The budget of 100000 pays for a -> b (5 km, 50000) but the
    forced link a -> c (60 km, 600000) is six budgets: the forced link is the culprit.
    """
    enterprises = [supply("a", 0, 1000), demand("b", 5, 500), demand("c", 60, 400)]
    return park_data(
        enterprises,
        modes={"o_truck": mode(capex_per_km=10_000)},
        targets={"max_capex": 100_000.0, "utilization": {"o_ash": 0.3}, "max_emissions": 1.0e9},
        plan={"force": [{"from": "a", "to": "c", "resource": "o_ash"}]},
    )


def existing_capacity() -> dict:
    """Ash left over emits 1 tCO2/t; the cap of 100 tCO2 needs 900 of the 1000 t moved. The only
    link, existing a -> b, carries 0.1 t/h = 876 t a year: it needs 900 / 8760 = 0.10274 t/h
    (2.7 % more), while the cap would need 24 tCO2 (24 %) more: the capacity is the culprit.
    """
    enterprises = [supply("a", 0, 1000, emissions=1.0), demand("b", 5, 1000)]
    return park_data(
        enterprises,
        modes={"o_truck": mode()},
        targets={"max_emissions": 100.0, "max_capex": 1.0e9},
        links=[{"from": "a", "to": "b", "resource": "o_ash", "mode": "o_truck", "existing": True, "capacity": 0.1}],
    )


INFEASIBLE = [
    (utilization_target, "target utilization.o_ash = 0.95 cannot be met: at most 0.81 is reachable"),
    (utilization_with_losses, "target utilization.o_water = 0.85 cannot be met: at most 0.8 is reachable"),
    (utilization_without_link, "target utilization.o_ash = 0.5 cannot be met: at most 0 is reachable"),
    (emission_cap, "target max_emissions = 30 tCO2/yr cannot be met: at least 35.5 is needed"),
    (capex_budget, "target max_capex = 190000 cannot be met: the plan needs at least 200000"),
    (forced_link, "forced link plan.force[0] a -> c (o_ash) cannot be built together with the targets"),
    (existing_capacity, "existing link a>b:o_ash:o_truck capacity 0.1 is too small: at least 0.10274 is needed"),
]
CASE_IDS = [
    "utilization",
    "utilization-losses",
    "utilization-no-link",
    "max-emissions",
    "max-capex",
    "forced-link",
    "existing-capacity",
]


@pytest.mark.parametrize(("make", "line"), INFEASIBLE, ids=CASE_IDS)
def test_diagnosis_names_exactly_the_culprit(make: Callable[[], dict], line: str) -> None:
    result = circflow.optimize(circflow.park_from_dict(make()))
    assert result.status == "infeasible"
    assert not result.is_ok
    assert math.isnan(result.objective)
    assert result.diagnosis == [line]


@pytest.mark.parametrize(("make", "line"), INFEASIBLE, ids=CASE_IDS)
def test_cli_exits_3_and_prints_the_diagnosis(
    make: Callable[[], dict], line: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_park(tmp_path / "park.yaml", make())
    result = run("optimize", path, "-o", "out")
    assert result.exit_code == 3, result.output
    assert line in result.output
    content = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert content["status"] == "infeasible"
    assert content["diagnosis"] == [line]
    assert content["links"] == []


def test_feasible_variants_are_feasible() -> None:
    """Guard: each park is feasible once its culprit is eased, so the diagnoses above are about
    that culprit and nothing else."""
    eased = {
        utilization_target: lambda d: d["targets"]["utilization"].update(o_ash=0.81),
        utilization_with_losses: lambda d: d["targets"]["utilization"].update(o_water=0.8),
        utilization_without_link: lambda d: d["targets"]["utilization"].update(o_ash=0.0),
        emission_cap: lambda d: d["targets"].update(max_emissions=35.5 + 1e-6),
        capex_budget: lambda d: d["targets"].update(max_capex=200_000.0),
        forced_link: lambda d: d.update(plan={}),
        existing_capacity: lambda d: d["links"][0].update(capacity=900 / 8760 + 1e-9),
    }
    for make, ease in eased.items():
        data = make()
        ease(data)
        result = circflow.optimize(circflow.park_from_dict(data))
        assert result.status == "optimal", (make.__name__, result.diagnosis)


def test_two_culprits_are_both_named() -> None:
    """Ash as in utilization_target (0.81 reachable) and slag: 100 t supplied, 40 t taken, so at
    most 0.4 of a 0.6 target: two independent targets, each named."""
    data = utilization_target()
    data["resources"]["o_slag"] = {"kind": "material", "unit": "t", "modes": ["o_truck"]}
    data["enterprises"] += [supply("s", 0, 100, resource="o_slag"), demand("t", 3, 40, resource="o_slag")]
    data["targets"]["utilization"]["o_slag"] = 0.6
    result = circflow.optimize(circflow.park_from_dict(data))
    assert result.status == "infeasible"
    assert sorted(result.diagnosis) == [
        "target utilization.o_ash = 0.95 cannot be met: at most 0.81 is reachable",
        "target utilization.o_slag = 0.6 cannot be met: at most 0.4 is reachable",
    ]


# -- time limits ------------------------------------------------------------------------------------------


STOP_AT_FIRST_PLAN = {"mip_max_improving_sols": 1}
"""HiGHS stops at its first improving plan: a plan, not proven optimal."""
STOP_BEFORE_ANY_PLAN = {"mip_max_nodes": 0}
"""HiGHS stops before its first node: no plan (presolve alone finds none for these parks)."""


def limited(options: dict) -> SolverProfile:
    return SolverProfile(gap=0.0, options=options)


def run_limited(folder: pathlib.Path, command: str, data: dict, options: dict, *args: object) -> object:
    """``circflow COMMAND`` on ``data`` written as a park file, with a gap-0 profile of HiGHS ``options``."""
    path = write_park(folder / "park.yaml", data)
    return run(command, path, "--solver", write_profile(folder / "limited.yaml", gap=0.0, options=options), *args)


def test_a_limit_with_a_plan_is_feasible_with_its_gap() -> None:
    result = circflow.optimize(circflow.park_from_dict(fixed_charge_data()), solver=limited(STOP_AT_FIRST_PLAN))
    assert result.status == "feasible"
    assert result.is_ok
    assert math.isfinite(result.objective)
    assert math.isfinite(result.bound)
    assert result.bound <= result.objective * (1 + 1e-9)
    assert 0 < result.gap
    assert result.gap == pytest.approx(abs(result.objective - result.bound) / max(1.0, abs(result.objective)))
    assert result.objective == pytest.approx(result.kpis["total_cost"], rel=1e-9)
    assert result.kpis["baseline"]["total_cost"] >= result.kpis["total_cost"] * (1 - 1e-9)


def test_cli_limit_with_a_plan_exits_0_and_prints_the_gap(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_limited(tmp_path, "optimize", fixed_charge_data(), STOP_AT_FIRST_PLAN, "-o", "out")
    assert result.exit_code == 0, result.output
    assert "feasible" in result.output
    content = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert content["status"] == "feasible"
    assert content["gap"] > 0
    assert f"gap {content['gap']:.2%}" in result.output


def test_a_limit_without_a_plan() -> None:
    """A utilisation target rules out the status quo (building nothing), which is otherwise
    the plan of a part the limit stopped early."""
    park = circflow.park_from_dict(fixed_charge_data(targets={"utilization": {"o_ash": 0.3}}))
    result = circflow.optimize(park, solver=limited(STOP_BEFORE_ANY_PLAN))
    assert result.status == "time_limit_no_solution"
    assert not result.is_ok
    assert math.isnan(result.objective)
    assert result.diagnosis == []


def test_cli_limit_without_a_plan_exits_4(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = fixed_charge_data(targets={"utilization": {"o_ash": 0.3}})
    result = run_limited(tmp_path, "optimize", data, STOP_BEFORE_ANY_PLAN, "-o", "out")
    assert result.exit_code == 4, result.output
    assert "limit" in result.output
    content = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert content["status"] == "time_limit_no_solution"


def test_cli_pareto_without_a_plan_exits_4_and_writes_nothing(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SPEC 5 for ``pareto``: no plan at the emissions end within the limit is exit 4."""
    monkeypatch.chdir(tmp_path)
    result = run_limited(tmp_path, "pareto", fixed_charge_data(), STOP_BEFORE_ANY_PLAN, "--points", "3", "-o", "front")
    assert result.exit_code == 4, result.output
    assert "limit" in result.output
    assert not (tmp_path / "front").exists()


def test_cli_pareto_limit_with_plans_exits_0(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the fixed-charge park every solve has a plan at once but none is proven: exit 0, and
    every point is ``feasible`` with a positive gap in its results."""
    monkeypatch.chdir(tmp_path)
    result = run_limited(tmp_path, "pareto", fixed_charge_data(), STOP_AT_FIRST_PLAN, "--points", "3", "-o", "front")
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "front" / "pareto.csv")
    assert rows
    assert {row["status"] for row in rows} == {"feasible"}
    first = json.loads((tmp_path / "front" / "point-1" / "results.json").read_text(encoding="utf-8"))
    assert first["status"] == "feasible"
    assert first["gap"] > 0


def test_pareto_infeasible_diagnosis_is_the_optimize_diagnosis() -> None:
    park = circflow.park_from_dict(emission_cap())
    front = pareto(park, points=3)
    assert list(front["status"]) == ["infeasible"]
    assert front.attrs["diagnosis"] == circflow.optimize(park).diagnosis


# -- unknown ids in targets and plan: exit 2, naming what exists ----------------------------------------------


@pytest.mark.parametrize(
    ("append", "where", "says"),
    [
        (
            "targets:\n  utilization: {ash: 0.5}\n",
            "ash: 0.5",
            "targets.utilization.ash: unknown resource 'ash'; did you mean 'ash_t'?",
        ),
        (
            "plan:\n  force:\n    - {from: plnt, to: cement, resource: ash_t}\n",
            "plnt",
            "plan.force[0].from: unknown enterprise 'plnt'; did you mean 'plant'? (known: cement, plant, town)",
        ),
        (
            "plan:\n  forbid:\n    - {from: plant, to: cemnt, resource: ash_t}\n",
            "cemnt",
            "plan.forbid[0].to: unknown enterprise 'cemnt'; did you mean 'cement'? (known: cement, plant, town)",
        ),
        (
            "plan:\n  force:\n    - {from: plant, to: cement, resource: ash}\n",
            "ash}",
            "plan.force[0].resource: unknown resource 'ash'; did you mean 'ash_t'?",
        ),
        (
            "plan:\n  force:\n    - {from: plant, to: cement, resource: ash_t, mode: lorry}\n",
            "lorry}",
            "plan.force[0].mode: unknown mode 'lorry'; did you mean 'lorry_t'?",
        ),
        (
            "scenarios:\n  s1:\n    plan:\n      forbid:\n        - {from: plant, to: twn, resource: heat_t}\n",
            "twn",
            "unknown enterprise 'twn'; did you mean 'town'?",
        ),
        (
            "scenarios:\n  s1:\n    targets:\n      utilization: {flyash: 0.5}\n",
            "flyash",
            "unknown resource 'flyash'; did you mean 'fly_ash'?",
        ),
    ],
    ids=[
        "target-resource",
        "force-from",
        "forbid-to",
        "force-resource",
        "force-mode",
        "scenario-forbid",
        "scenario-target",
    ],
)
def test_validate_names_unknown_ids_in_targets_and_plan(
    append: str,
    where: str,
    says: str,
    write_park_yaml: Callable[..., pathlib.Path],
    yaml_position: Callable[[str, str], tuple[int, int]],
) -> None:
    path = write_park_yaml(append=append)
    line, _ = yaml_position(path.read_text(encoding="utf-8"), where)
    result = run("validate", path)
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}:" in result.output
    assert says in result.output
    assert "valid\n" not in result.output
