"""Helpers several test files share: the CLI run in process, a mode with every field, and
the fixed-charge park that HiGHS has a first plan for at once but cannot prove optimal.

Imported as ``from helpers import ...`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
from typer.testing import CliRunner

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


def park_data(name: str, enterprises: list[dict], *, resources: dict, modes: dict, **sections: object) -> dict:
    """A park file's content: `ECONOMICS` (a copy), one period of a whole year, and ``sections``."""
    return {
        "park": {"name": name},
        "economics": dict(ECONOMICS),
        "periods": [{"name": "year", "hours": 8760.0}],
        "resources": resources,
        "modes": modes,
        "enterprises": enterprises,
        **sections,
    }


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
    truck = mode(
        lifetime_years=10.0,
        capex_fixed=300_000,
        capex_per_capacity=200_000,
        opex_per_unit_km=3,
        emissions_per_unit_km=0.001,
    )
    return park_data(
        "fixed charge",
        enterprises,
        resources={"o_ash": {"kind": "material", "unit": "t", "modes": ["o_truck"]}},
        modes={"o_truck": truck},
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
