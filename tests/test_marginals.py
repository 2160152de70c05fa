"""Marginal values of a plan (SPEC 9): duals of the plan's linear program, in money per unit.

Every park here is the minimal park of ``conftest.py`` (discount rate 0, so CRF = 1/lifetime)
with one change; each expected value is derived by hand in the test's docstring and, where
it says so, checked against finite differences of full re-solves with `circflow.optimize`
(the build decisions may change freely there; the steps are small enough that they do not).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import pytest
from helpers import run

import circflow

CEMENT_DEMAND = "        amount: 800\n        baseline: {cost: 100, emissions: 0.5}"
LORRY = "    capex_fixed: 1000\n    opex_per_unit: 1\n    lifetime_years: 10"


def value(result: circflow.Result, kind: str, stream: str) -> float:
    table = result.marginals
    row = table[(table["kind"] == kind) & (table["id"] == stream)]
    assert len(row) == 1, f"no single {kind} row for {stream}: {table[['kind', 'id']].to_dict('records')}"
    return float(row["value"].iloc[0])


def solve(write: Callable[..., object], **edits: str) -> circflow.Result:
    result = circflow.optimize(circflow.load_park(write(replace=edits or None)))
    assert result.status == "optimal"
    return result


def test_surplus_supply_is_worth_minus_its_disposal_and_demand_costs_less_than_baseline(write_park_yaml) -> None:
    """Minimal park: 1000 t of ash, cement takes 800, the other 200 t are disposed of at 50.

    - one more tonne of ash is disposed of too: worth -50 CNY/t;
    - one more tonne of cement demand is met with ash that would otherwise be disposed of:
      the park pays the lorry's 1 CNY/t and saves the 50 of disposal, so it costs -49 CNY/t.
    """
    result = solve(write_park_yaml)
    assert value(result, "supply", "plant.supplies[0]") == pytest.approx(-50.0, abs=1e-6)
    assert value(result, "demand", "cement.demands[0]") == pytest.approx(-49.0, abs=1e-6)


def test_used_up_supply_is_worth_the_baseline_it_replaces_less_transport(write_park_yaml) -> None:
    """Cement needs 1,500 t, more than the 1,000 t of ash: every tonne is used.

    One more tonne replaces a tonne of conventional material (100 CNY/t) and costs 1 CNY/t
    by lorry: worth 99 CNY/t. Re-solving with 1,000 +- 10 t moves the objective by -+990.
    """
    result = solve(write_park_yaml, **{CEMENT_DEMAND: CEMENT_DEMAND.replace("800", "1500")})
    assert value(result, "supply", "plant.supplies[0]") == pytest.approx(99.0, abs=1e-6)
    more = solve(
        write_park_yaml,
        **{CEMENT_DEMAND: CEMENT_DEMAND.replace("800", "1500"), "        amount: 1000\n": "        amount: 1010\n"},
    )
    less = solve(
        write_park_yaml,
        **{CEMENT_DEMAND: CEMENT_DEMAND.replace("800", "1500"), "        amount: 1000\n": "        amount: 990\n"},
    )
    assert -(more.objective - less.objective) / 20 == pytest.approx(99.0, rel=1e-9)


def test_heat_demand_costs_the_capacity_it_needs(write_park_yaml) -> None:
    """The town's 5,000 MWh in winter (2,760 h) come over the pipe, whose capacity is sized
    to 5,000 / 2,760 MW at 100 CNY per MW, annualised over 10 years: one more winter MWh needs
    1/2,760 MW more, i.e. 10 / 2,760 = 0.003623 CNY/MWh a year (the boiler's 200 CNY/MWh is
    saved in full). Summer has no demand: its period value is 0 (the pipe has room). The
    finite difference of re-solves with 5,000 +- 50 MWh agrees.
    """
    result = solve(write_park_yaml)
    rows = result.marginals.set_index("id")
    assert rows.loc["town.demands[0]", "value"] == pytest.approx(10 / 2760, rel=1e-6)
    assert rows.loc["town.demands[0]", "winter"] == pytest.approx(10 / 2760, rel=1e-6)
    assert rows.loc["town.demands[0]", "summer"] == pytest.approx(0.0, abs=1e-9)
    winter = "per_period: {winter: 5000, summer: 0}"
    more = solve(write_park_yaml, **{winter: winter.replace("5000", "5050")})
    less = solve(write_park_yaml, **{winter: winter.replace("5000", "4950")})
    assert (more.objective - less.objective) / 100 == pytest.approx(10 / 2760, rel=1e-6)


def test_utilisation_target_costs_its_objective_difference_per_tonne(write_park_yaml) -> None:
    """Ash costs 30 CNY/t to move and saves 20 (conventional material) + 5 (disposal): each
    tonne used costs 5 CNY net, so without a target none is used. A 60 % target makes the
    park use 600 t: the objective rises by 3,000 CNY, 5 CNY per tonne required, which is
    the target's marginal value; per percentage point of the share, 5 x 1,000 / 100 = 50.
    """
    edits = {
        LORRY: "    capex_fixed: 0\n    opex_per_unit: 30\n    lifetime_years: 10",
        "        disposal: {cost: 50, emissions: 0.01}": "        disposal: {cost: 5, emissions: 0.01}",
        CEMENT_DEMAND: CEMENT_DEMAND.replace("cost: 100", "cost: 20"),
    }
    free = solve(write_park_yaml, **edits)
    assert "plant>cement:ash_t:lorry_t" not in set(free.links["id"])
    path = write_park_yaml(replace=edits, append="targets:\n  utilization: {ash_t: 0.6}\n")
    held = circflow.optimize(circflow.load_park(path))
    assert held.kpis["utilization"]["ash_t"] == pytest.approx(0.6)
    per_tonne = (held.objective - free.objective) / 600
    assert per_tonne == pytest.approx(5.0, rel=1e-9)
    rows = held.marginals.set_index("id")
    assert rows.loc["targets.utilization.ash_t", "value"] == pytest.approx(per_tonne, rel=1e-6)
    assert rows.loc["targets.utilization.ash_t", "per_point"] == pytest.approx(50.0, rel=1e-6)
    assert bool(rows.loc["targets.utilization.ash_t", "binding"])


def test_emission_cap_costs_the_marginal_abatement_cost(write_park_yaml) -> None:
    """As above, ash used costs 5 CNY/t net but avoids 0.5 tCO2 of conventional material and
    0.01 of disposal: 0.51 tCO2 per tonne, so abatement costs 5 / 0.51 = 9.80 CNY/tCO2. A cap
    100 tCO2 below the free optimum's emissions binds; lowering it by 10 more tCO2 raises the
    objective by 98.0 CNY.
    """
    edits = {
        LORRY: "    capex_fixed: 0\n    opex_per_unit: 30\n    lifetime_years: 10",
        "        disposal: {cost: 50, emissions: 0.01}": "        disposal: {cost: 5, emissions: 0.01}",
        CEMENT_DEMAND: CEMENT_DEMAND.replace("cost: 100", "cost: 20"),
    }
    free = solve(write_park_yaml, **edits)
    cap = free.kpis["emissions"] - 100

    def capped(limit: float) -> circflow.Result:
        return circflow.optimize(
            circflow.load_park(write_park_yaml(replace=edits, append=f"targets:\n  max_emissions: {limit!r}\n"))
        )

    held = capped(cap)
    rows = held.marginals.set_index("kind")
    assert rows.loc["emission_cap", "value"] == pytest.approx(5 / 0.51, rel=1e-6)
    assert (capped(cap - 10).objective - held.objective) / 10 == pytest.approx(5 / 0.51, rel=1e-6)


@pytest.mark.parametrize(("limit", "market", "supply"), [(100, 109.0, -50.0), (300, 0.0, 59.0)])
def test_market_limit_and_supply_value(write_park_yaml, limit: int, market: float, supply: float) -> None:
    """A market 5 km away buys ash at 60 CNY/t, up to ``limit`` t. Cement's 800 t come first
    (each saves 100 + 50 - 1 = 149), the market's next (60 + 50 - 1 = 109).

    - limit 100: 900 t used, 100 t disposed of: one more tonne the market takes is worth
      109, one more tonne of ash -50 (disposed of).
    - limit 300: all 1,000 t used, the market takes only 200: its limit is worth 0, and one
      more tonne of ash is worth what the market pays less the lorry, 59. The finite
      difference of re-solves agrees.
    """
    market_yaml = (
        f"markets:\n  - id: buyer\n    location: {{x: 4, y: -3}}\n    buys:\n"
        f"      - {{resource: ash_t, price: 60, amount: {limit}}}\n"
    )
    path = write_park_yaml(append=market_yaml)
    result = circflow.optimize(circflow.load_park(path))
    assert value(result, "market", "buyer.buys[0]") == pytest.approx(market, abs=1e-6)
    assert value(result, "supply", "plant.supplies[0]") == pytest.approx(supply, abs=1e-6)
    if limit == 300:
        more = circflow.optimize(
            circflow.load_park(
                write_park_yaml(
                    replace={"        amount: 1000\n": "        amount: 1020\n"}, append=market_yaml, name="more.yaml"
                )
            )
        )
        assert -(more.objective - result.objective) / 20 == pytest.approx(supply, rel=1e-9)


def test_marginals_in_results_json_csv_and_off_on_request(write_park_yaml, tmp_path) -> None:
    """results.json holds ``marginals`` with per-period values; marginals.csv beside it;
    ``--no-marginals`` writes neither (and the API's ``marginals=False`` skips the solve)."""
    park = write_park_yaml()
    out = tmp_path / "out"
    assert run("optimize", park, "-o", out, "--quiet").exit_code == 0
    content = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {row["id"]: row for row in content["marginals"]}
    assert rows["plant.supplies[0]"]["value"] == pytest.approx(-50.0)
    assert rows["town.demands[0]"]["per_period"]["winter"] == pytest.approx(10 / 2760, rel=1e-6)
    assert "marginals.csv" in {p.name for p in out.iterdir()}
    off = tmp_path / "off"
    assert run("optimize", park, "-o", off, "--quiet", "--no-marginals").exit_code == 0
    assert json.loads((off / "results.json").read_text(encoding="utf-8"))["marginals"] == []
    assert not (off / "marginals.csv").exists()
    result = circflow.optimize(circflow.load_park(park), marginals=False)
    assert result.marginals.empty
    assert "marginals_s" not in result.timings
    assert math.isfinite(result.objective)
