"""Helpers several test files share: the CLI run in process, and a mode with every field.

Imported as ``from helpers import ...`` (pytest puts ``tests/`` on the import path).
"""

from __future__ import annotations

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
    spec = {"max_distance_km": None, "detour": 1.0, "capex_fixed": 0.0, "capex_per_km": 0.0,
            "capex_per_capacity": 0.0, "capex_per_capacity_km": 0.0, "lifetime_years": lifetime_years,
            "om_fraction": 0.0, "opex_per_unit": 0.0, "opex_per_unit_km": 0.0,
            "electricity_per_unit_km": 0.0, "emissions_per_unit_km": 0.0, "loss_per_km": 0.0,
            "max_capacity": None}
    spec.update(fields)
    return spec
