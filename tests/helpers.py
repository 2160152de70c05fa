"""Helpers several test files share: the CLI run in process; the content hand-derived parks
are built from (a mode with every field, economics, enterprises of one stream, a costless
heat pump, the heat-pump parks' pipe and pair, a slag park's text); the checks of a
hand-derived optimum and its KPI breakdown; the random one-resource parks of the property
tests; and the fixed-charge park that HiGHS has a first plan for at once but cannot prove
optimal.

Imported as ``from helpers import ...`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

import copy
import json
import pathlib

import numpy as np
import pytest
import yaml
from hypothesis import strategies as st
from places import DATA
from typer.testing import CliRunner

import circflow
from circflow.cli import app

RUNNER = CliRunner()


def run(*args: object):
    """Invoke ``circflow ARGS`` in process; fail on any uncaught exception (a traceback)."""
    result = RUNNER.invoke(app, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}\n{result.output}"
    )
    assert "Traceback" not in result.output
    return result


def mode(*, lifetime_years: float = 20.0, **fields: object) -> dict:
    """A mode with every SPEC 3.4 field given (defaults of SPEC), overridden by ``fields``."""
    spec = {
        "max_distance_km": None,
        "detour": 1.0,
        "capex_fixed": 0.0,
        "capex_per_km": 0.0,
        "capex_per_capacity": 0.0,
        "capex_per_capacity_km": 0.0,
        "lifetime_years": lifetime_years,
        "om_fraction": 0.0,
        "opex_per_unit": 0.0,
        "opex_per_unit_km": 0.0,
        "electricity_per_unit_km": 0.0,
        "emissions_per_unit_km": 0.0,
        "loss_per_km": 0.0,
        "max_capacity": None,
    }
    spec.update(fields)
    return spec


ECONOMICS = {
    "currency": "CNY",
    "discount_rate": 0.0,
    "carbon_price": 0.0,
    "electricity_price": 400.0,
    "grid_emission_factor": 0.6,
}
"""No discounting and no carbon price: a hand-derived optimum is sums of products."""
YEAR = {"name": "year", "hours": 8760.0}
"""The one period of a park that names none."""


def park_data(
    name: str,
    enterprises: list[dict],
    *,
    resources: dict,
    modes: dict,
    economics: dict | None = None,
    periods: list[dict] | None = None,
    **sections: object,
) -> dict:
    """A park file's content: `ECONOMICS` updated by ``economics``, ``periods`` (one whole
    year when None), and ``sections``; a deep copy, so that a test editing it leaves the
    constants it was built from (`ASH_BY_TRUCK`, ...) as they were."""
    return copy.deepcopy(
        {
            "park": {"name": name},
            "economics": {**ECONOMICS, **(economics or {})},
            "periods": periods or [YEAR],
            "resources": resources,
            "modes": modes,
            "enterprises": enterprises,
            **sections,
        }
    )


ASH_BY_TRUCK = {"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}}
"""Ash, in tonnes, carried by the truck ``o_truck``."""


def supplier(
    ident: str, at: tuple[float, float], resource: str, amount: float, cost: float, emissions: float | None = None
) -> dict:
    """Enterprise ``ident`` at ``at`` (x, y) supplying ``amount`` of ``resource`` a year, whose
    disposal costs ``cost`` (and emits ``emissions``, when given) per unit."""
    return _site(ident, at, "supplies", {"resource": resource, "amount": amount}, "disposal", cost, emissions)


def consumer(
    ident: str, at: tuple[float, float], resource: str, amount: float, cost: float, emissions: float | None = None
) -> dict:
    """Enterprise ``ident`` at ``at`` (x, y) wanting ``amount`` of ``resource`` a year, whose
    baseline supply costs ``cost`` (and emits ``emissions``, when given) per unit."""
    return _site(ident, at, "demands", {"resource": resource, "amount": amount}, "baseline", cost, emissions)


def _site(
    ident: str, at: tuple[float, float], role: str, stream: dict, price: str, cost: float, emissions: float | None
) -> dict:
    priced = {"cost": cost} if emissions is None else {"cost": cost, "emissions": emissions}
    return {"id": ident, "location": {"x": at[0], "y": at[1]}, role: [{**stream, price: priced}]}


HEAT_PUMP = {
    "carnot_efficiency": 0.5,
    "approach_k": 5.0,
    "cop_max": 8.0,
    "max_lift_k": 60.0,
    "capex_fixed": 0.0,
    "capex_per_mw": 0.0,
    "lifetime_years": 20.0,
    "om_fraction": 0.0,
    "opex_per_mwh": 0.0,
}
"""An electric heat pump that costs nothing itself: COP half of Carnot's at a 5 K approach,
at most 8, lifting at most 60 K (SPEC 8.3)."""


def heat_technologies(heat_pump: dict | None = None, *, min_approach_k: float = 10.0, **others: dict) -> dict:
    """The ``technologies`` section: heat exchangers at ``min_approach_k``, `HEAT_PUMP` updated
    by ``heat_pump``, and ``others`` (``absorption_heat_pump``)."""
    return {
        "heat_exchange": {"min_approach_k": min_approach_k},
        "heat_pump": {**HEAT_PUMP, **(heat_pump or {})},
        **others,
    }


MODES = {
    name: mode(**fields) for name, fields in yaml.safe_load((DATA / "modes.yaml").read_text(encoding="utf-8")).items()
}
"""The modes of ``tests/data/modes.yaml`` by name, each with every field (`mode`)."""
HEAT_PIPE = MODES["heat_pipe"]
"""The heat-pump parks' pipe: loses 1 %/km; 100,000 + 50,000 per km, 1,000 + 500 per km per
MW drawn, over 25 years with 1 % O&M; 1 per MWh drawn; pumping 0.001 MWh per MWh km."""
PRICED_HEAT_PUMP = {
    "capex_fixed": 2e6,
    "capex_per_mw": 1.5e6,
    "lifetime_years": 20,
    "om_fraction": 0.02,
    "opex_per_mwh": 3.0,
}
"""The heat-pump parks' heat pump: 2e6 + 1.5e6 per MW of output, 20 years, 2 % O&M, 3 per MWh delivered."""


def heat_source_and_sink(resource: str, source_c: float, sink_c: float, **demand: object) -> list[dict]:
    """s, 10 MW of waste heat at ``source_c`` degC at (0, 0), and d, 4 MW wanted at ``sink_c``
    degC 2 km away at (2, 0), with the ``demand``'s other fields."""
    return [
        {
            "id": "s",
            "location": {"x": 0, "y": 0},
            "supplies": [{"resource": resource, "rate": 10, "temperature": source_c}],
        },
        {
            "id": "d",
            "location": {"x": 2, "y": 0},
            "demands": [{"resource": resource, "rate": 4, "temperature": sink_c, **demand}],
        },
    ]


STEEL_SLAG_YAML = """\
economics: {discount_rate: 0, electricity_price: 500, grid_emission_factor: 0.5}
resources:
  m_slag: {kind: material, unit: t, modes: [m_truck]}
modes:
  m_truck: {opex_per_unit_km: 0.5}
enterprises:
  - id: steel
    location: {x: 0, y: 0}
"""
"""The middle of a park file written as text: no discounting, electricity at 500 CNY/MWh and
0.5 tCO2/MWh; slag (``m_slag``, t) trucked at 0.5 per t km; and a steel works at (0, 0)
whose streams, and the enterprises after it, follow."""


EXACT_REL = 1e-9
"""Relative tolerance of numbers derived by hand for parks solved with the ``exact`` profile (gap 0)."""
KPI_PARTS = (
    "annualized_capex",
    "variable_cost",
    "electricity_cost",
    "drive_cost",
    "process_cost",
    "disposal_cost",
    "baseline_cost",
)
"""The parts of total_cost (SPEC 4 and 8), less market_revenue."""


def assert_breakdown(kpis: dict, *, others_zero: bool = True, **expected: float) -> None:
    """The given KPIs equal ``expected`` (to `EXACT_REL`) and the parts add up to total_cost
    (SPEC 4, 8); with ``others_zero`` the cost parts not given are 0."""
    for key, value in expected.items():
        assert kpis[key] == pytest.approx(value, rel=EXACT_REL, abs=1e-6), key
    assert sum(kpis[key] for key in KPI_PARTS) - kpis["market_revenue"] == pytest.approx(
        kpis["total_cost"], rel=EXACT_REL
    )
    for key in KPI_PARTS if others_zero else ():
        if key not in expected:
            assert kpis[key] == pytest.approx(0.0, abs=1e-6), f"{key} should be 0"


def assert_optimum(
    result: circflow.Result, total_cost: float, *, status_quo: float | None = None, **parts: float
) -> None:
    """``result``'s objective (no carbon price: its total_cost) is ``total_cost``, which breaks
    down into ``parts`` as `assert_breakdown` checks; with ``status_quo``, the status quo's
    total_cost too."""
    assert result.objective == pytest.approx(total_cost, rel=EXACT_REL)
    if status_quo is not None:
        assert result.kpis["baseline"]["total_cost"] == pytest.approx(status_quo, rel=EXACT_REL)
    assert_breakdown(result.kpis, total_cost=total_cost, **parts)


def solve_exact(park: circflow.Park, **options: object) -> circflow.Result:
    """``park`` solved to optimality with the ``exact`` solver profile (gap 0)."""
    result = circflow.optimize(park, solver="exact", **options)
    assert result.status == circflow.Status.OPTIMAL
    return result


def links_by_id(result: circflow.Result) -> dict[str, dict]:
    """The built and existing links of a run, by id."""
    return {row["id"]: row for row in result.links.to_dict("records")}


def random_ash_parks(opex_per_unit_km: list[float], **more: st.SearchStrategy) -> st.SearchStrategy:
    """Specs of random parks of `ASH_BY_TRUCK`: 1 to 3 supplies and 1 to 3 demands on a 20 x 20
    km grid (100 to 1,000 t; disposal or baseline 0 to 60 per t and 0 to 0.1 tCO2 per t), and a
    truck of 0 to 100,000 fixed capex, ``opex_per_unit_km`` per t km and 0 to 0.01 tCO2 per t km;
    with the strategies ``more`` besides. `random_ash_enterprises` and `random_truck` build them.
    """
    point = st.tuples(st.integers(0, 20), st.integers(0, 20))
    stream = st.fixed_dictionaries(
        {
            "at": point,
            "amount": st.integers(100, 1000),
            "cost": st.integers(0, 60),
            "emissions": st.sampled_from([0.0, 0.01, 0.05, 0.1]),
        }
    )
    return st.fixed_dictionaries(
        {
            "supplies": st.lists(stream, min_size=1, max_size=3),
            "demands": st.lists(stream, min_size=1, max_size=3),
            "capex_fixed": st.integers(0, 100_000),
            "opex_per_unit_km": st.sampled_from(opex_per_unit_km),
            "emissions_per_unit_km": st.sampled_from([0.0, 0.001, 0.01]),
            **more,
        }
    )


def random_ash_enterprises(spec: dict, *, disposal_extra: float = 0.0) -> list[dict]:
    """The supplies (``s0``, ``s1``, ...) and demands (``d0``, ...) of a `random_ash_parks` spec,
    each an enterprise of its own; ``disposal_extra`` is added to every disposal cost."""
    return [
        supplier(f"s{i}", s["at"], "o_ash", s["amount"], s["cost"] + disposal_extra, s["emissions"])
        for i, s in enumerate(spec["supplies"])
    ] + [
        consumer(f"d{j}", d["at"], "o_ash", d["amount"], d["cost"], d["emissions"])
        for j, d in enumerate(spec["demands"])
    ]


def random_truck(spec: dict) -> dict:
    """The truck of a `random_ash_parks` spec: 10 years, 1 per t besides its opex per t km."""
    return mode(
        capex_fixed=spec["capex_fixed"],
        lifetime_years=10,
        opex_per_unit=1.0,
        opex_per_unit_km=spec["opex_per_unit_km"],
        emissions_per_unit_km=spec["emissions_per_unit_km"],
    )


def fixed_charge_data(n: int = 20, seed: int = 1, **sections: object) -> dict:
    """n ash supplies and n demands scattered over 10 x 10 km, every pair a candidate truck link
    with a large fixed and capacity cost: a fixed-charge network HiGHS takes minutes to prove
    (gap 0), though a first plan (build nothing) is at hand at once. So HiGHS's node and
    solution limits stop it deterministically: ``mip_max_improving_sols: 1`` with a plan and a
    gap, ``mip_max_nodes: 0`` before any plan.
    """
    rng = np.random.default_rng(seed)
    enterprises = []
    for i in range(n):
        for role, key, price in (("s", "supplies", "disposal"), ("d", "demands", "baseline")):
            location = {"x": float(rng.uniform(0, 10)), "y": float(rng.uniform(0, 10))}
            stream = {
                "resource": "o_ash",
                "amount": float(rng.integers(500, 5000)),
                price: {"cost": 40.0, "emissions": 0.01 if role == "s" else 0.05},
            }
            enterprises.append({"id": f"{role}{i}", "location": location, key: [stream]})
    return park_data(
        "fixed charge",
        enterprises,
        resources=ASH_BY_TRUCK,
        modes={"o_truck": MODES["fixed_charge_truck"]},
        **sections,
    )


def write_park(path: pathlib.Path, data: dict) -> pathlib.Path:
    """A park file; JSON is YAML, so the data is written as it is."""
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def write_profile(path: pathlib.Path, **fields: object) -> pathlib.Path:
    """A solver profile file (``solvers/NAME.yaml`` format; JSON is YAML)."""
    path.write_text(json.dumps(fields), encoding="utf-8")
    return path
