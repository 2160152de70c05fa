"""One parameter at a time (SPEC 9): objective at both ends, change points found by bisection.

The heat-pump park (``tests/data/parks/heat-pump.yaml``), derived by hand. A data centre's 30 degC cooling water (10 MW all year)
can heat a district network at 70 degC only through an electric heat pump (a direct or
preheating link needs the source above 70 + 10 or 70 + 10 above the return):

- COP = eta Tc / (Tc - Te) with Tc = 70 + 5 + 273.15 = 348.15 K and Te = 30 - 5 + 273.15 =
  298.15 K: 0.5 x 348.15 / 50 = 3.4815 (SPEC 3.4); each MWh delivered takes 1/COP MWh of
  electricity;
- the network needs 10,000 MWh a year, met by a boiler at 200 CNY/MWh without the pump;
- the heat pump's capex is 300,000 CNY once, 30,000 a year over 10 years at a 0 % discount
  rate; the pipe and the pump's running costs are free.

The pump pays while 10,000 x (200 - p / COP) > 30,000, i.e. below the electricity price
p* = COP x (200 - 3) = 3.4815 x 197 = 685.86 CNY/MWh. The objective is 10,000 p / COP +
30,000 below p* (1,466,163 at p = 500) and 2,000,000 above it. At the park's 600 CNY/MWh the
pump is in the plan. (A lorry of ash to a cement plant, as in conftest.py, is a second
independent part that no electricity price touches: 10,900 a year.)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import run
from places import park_text

import circflow
from circflow.breakeven import resolve_range, value_at

COP = 0.5 * 348.15 / 50
BREAK_EVEN = COP * 197
HEAT_PUMP = "data_centre>city:heat_t:pipe_t"

HEAT_PUMP_PARK = park_text("heat-pump")


@pytest.fixture
def heat_pump_park(write_park_yaml) -> circflow.Park:
    return circflow.load_park(write_park_yaml(HEAT_PUMP_PARK))


def test_heat_pump_leaves_at_the_analytic_electricity_price(heat_pump_park) -> None:
    """Bisection brackets p* = 685.86 within 1 % of the 400 CNY/MWh range (4 CNY/MWh)."""
    found = circflow.sensitivity(heat_pump_park, {"economics.electricity_price": "500:900"})
    table = found.table
    changes = table[table["point"] == "change"]
    assert len(changes) == 1
    change = changes.iloc[0]
    assert change["bracket_low"] <= BREAK_EVEN <= change["bracket_high"]
    assert change["bracket_high"] - change["bracket_low"] <= 0.01 * 400 + 1e-9
    assert abs(change["value"] - BREAK_EVEN) <= 0.005 * 400
    assert change["links_removed"] == "Data centre -> City district heating, electric heat pump"
    assert change["links_added"] == ""
    ends = table.set_index("point")
    # the ash part is the same everywhere: 1,000 at the lorry's capex, 200 t disposed of
    ash = 100 + 800 * 1 + 200 * 50
    assert ends.loc["low", "objective"] == pytest.approx(10_000 * 500 / COP + 30_000 + ash, rel=1e-9)
    assert ends.loc["high", "objective"] == pytest.approx(2_000_000 + ash, rel=1e-9)
    assert ends.loc["high", "links_removed"] == "Data centre -> City district heating, electric heat pump"
    flips = found.break_even.set_index("id")
    assert flips.loc[HEAT_PUMP, "in_plan"]
    assert pd.isna(flips.loc[HEAT_PUMP, "below"])  # in the plan all the way down to 500
    assert abs(flips.loc[HEAT_PUMP, "above"] - BREAK_EVEN) <= 0.005 * 400


def test_a_price_only_reprices_the_parts_it_touches(heat_pump_park) -> None:
    """The electricity price changes only costs: the heat part is re-solved on its first HiGHS
    instance with new costs, and the ash part (no electricity) is solved once and reused. (Up
    to 650 CNY/MWh the pump's best use pays back its capex, so no value leaves it out of the
    model as never paying, which would change the part's rows.) A disposal price of the ash
    touches the ash part only."""
    found = circflow.sensitivity(
        heat_pump_park,
        {"economics.electricity_price": "500:650", "enterprises.plant.supplies.0.disposal.cost": "-20%:+20%"},
    )
    electricity = found.solves["economics.electricity_price"]
    assert electricity["solved"] == 2  # two parts, one HiGHS instance each
    assert electricity["repriced"] == electricity["values"] - 1  # the heat part at every other value
    assert electricity["reused"] == electricity["values"] - 1  # the ash part
    disposal = found.solves["enterprises.plant.supplies.0.disposal.cost"]
    assert disposal["reused"] == disposal["values"] - 1  # the heat part
    assert disposal["repriced"] == disposal["values"] - 1


def test_warm_started_reprices_match_fresh_solves(heat_pump_park) -> None:
    """Every value solved on a repriced instance gives the objective a fresh optimize gives."""
    found = circflow.sensitivity(heat_pump_park, {"economics.electricity_price": "600:800"}, tolerance=0.05)
    for row in found.table.to_dict("records"):
        if row["point"] == "change":
            continue
        park = circflow.park_from_dict(
            {
                **heat_pump_park._tree,
                "economics": {
                    **heat_pump_park._tree["economics"],
                    "electricity_price": row["value"],
                },
            }
        )
        assert circflow.optimize(park, marginals=False).objective == pytest.approx(row["objective"], rel=1e-9)


def test_a_key_that_changes_candidates_rebuilds(heat_pump_park) -> None:
    """The pipe's reach below the 2 km to the city removes the candidate: the heat part is gone
    (its streams are a constant) and nothing is repriced; from 2 km on the part's model is the
    same at every value and solved once."""
    found = circflow.sensitivity(heat_pump_park, {"modes.pipe_t.max_distance_km": "1:20"})
    changes = found.table[found.table["point"] == "change"]
    assert len(changes) == 1
    assert changes.iloc[0]["bracket_low"] <= 2 <= changes.iloc[0]["bracket_high"]
    counts = found.solves["modes.pipe_t.max_distance_km"]
    assert counts["solved"] == 2  # the heat part with its link, and the ash part
    assert counts["repriced"] == 0


def test_ranges_relative_and_absolute(heat_pump_park) -> None:
    assert value_at(heat_pump_park, "economics.electricity_price") == 600
    assert value_at(heat_pump_park, "enterprises.city.demands.0.baseline.cost") == 200
    r = resolve_range(heat_pump_park, "economics.electricity_price", "-20%:+20%")
    assert (r.low, r.high, r.base) == pytest.approx((480, 720, 600))
    assert r.label == "electricity price"
    assert resolve_range(heat_pump_park, "enterprises.city.demands.0.baseline.cost", "150:250").label == (
        "City district heating: heat t, baseline cost"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("economics.carbon_price=-20%:+20%", "the park's value is 0"),
        ("economics.electricity_price=900:900", "two different"),
        ("economics.electricity_price=cheap:900", "is not a number"),
        ("economics.electricity_price=500", "KEY=LOW:HIGH"),
        ("economics.elektricity_price=500:900", "has no 'elektricity_price'"),
        ("enterprises.city.name=0:1", "not a number"),
    ],
)
def test_bad_ranges_exit_2(write_park_yaml, tmp_path, spec: str, message: str) -> None:
    done = run("sensitivity", write_park_yaml(HEAT_PUMP_PARK), "--vary", spec, "-o", tmp_path / "out")
    assert done.exit_code == 2
    assert message in done.output
    assert not (tmp_path / "out").exists()


def test_cli_writes_table_and_tornado_and_adds_to_results(write_park_yaml, tmp_path) -> None:
    park = write_park_yaml(HEAT_PUMP_PARK)
    results = tmp_path / "results"
    assert run("optimize", park, "-o", results, "--quiet").exit_code == 0
    out = tmp_path / "sens"
    done = run("sensitivity", park, "--vary", "economics.electricity_price=500:900", "-o", out, "--results", results)
    assert done.exit_code == 0, done.output
    assert "the plan changes" in done.output
    assert "- Data centre -> City district heating, electric heat pump" in done.output
    header = (out / "sensitivity.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("key,point,value,objective,total_cost,emissions,links_added,links_removed")
    page = (out / "sensitivity.html").read_text(encoding="utf-8")
    assert "tornado-chart" in page
    assert "<script src" not in page
    content = json.loads((results / "results.json").read_text(encoding="utf-8"))
    flips = content["robustness"]["sensitivity"]["break_even"]
    moving = [f for f in flips if f["above"] is not None or f["below"] is not None]
    assert [f["link"] for f in moving] == ["Data centre -> City district heating, electric heat pump"]
    assert abs(moving[0]["above"] - BREAK_EVEN) <= 2
    assert "Break-even prices" in (results / "report.html").read_text(encoding="utf-8")


def test_keys_run_on_a_local_dask_cluster(heat_pump_park) -> None:
    """The same findings from a local Dask cluster of one worker process that the study starts
    (``workers``; `test_alternatives` reaches a running cluster by its address)."""
    here = circflow.sensitivity(heat_pump_park, {"economics.electricity_price": "500:900"})
    there = circflow.sensitivity(heat_pump_park, {"economics.electricity_price": "500:900"}, workers=1)
    assert_same_findings(there, here)


def assert_same_findings(there: circflow.Sensitivity, here: circflow.Sensitivity) -> None:
    """A study on a cluster found what the same study found in this process."""
    assert there.table.drop(columns=["links_added", "links_removed"]).equals(
        here.table.drop(columns=["links_added", "links_removed"])
    )
    assert list(there.table["links_removed"]) == list(here.table["links_removed"])


def test_parks_with_a_time_series_vary_from_any_folder(tmp_path, monkeypatch) -> None:
    """A varied park finds the files it names (Jinan's hourly heat load) beside the park file,
    whatever the working folder: the sweep and sensitivity rebuild it from its mapping."""
    from circflow.catalog import data_dir
    from circflow.vary import build_park
    from circflow.yamlfile import read_yaml

    path = data_dir("parks") / "jinan_eco_park.yaml"
    monkeypatch.chdir(tmp_path)
    park = build_park(read_yaml(path), [], {"economics.carbon_price": 50}, str(path.parent))
    assert park.economics.carbon_price == 50
    assert len(circflow.network.build_network(park).periods) > 2  # the time slices were made


def test_the_base_value_may_lie_outside_the_range(heat_pump_park) -> None:
    """The park's 600 CNY/MWh is below a 650:900 range: the table still has both ends and the
    park's value, and the change at p* = 685.86 between them."""
    table = circflow.sensitivity(heat_pump_park, {"economics.electricity_price": "650:900"}).table
    assert list(table["point"]) == ["base", "low", "change", "high"]
    assert table.iloc[2]["bracket_low"] <= BREAK_EVEN <= table.iloc[2]["bracket_high"]


def test_how_sure_with_a_carbon_price_varies_it_around_that_price(heat_pump_park) -> None:
    """With a carbon price given, the default range is -20 %:+20 % of it; without one (the
    park has 0), it runs from 0 to the ETS allowance price of models/factors.yaml (80)."""
    result = circflow.optimize(heat_pump_park, carbon_price=100)
    found = circflow.how_sure(heat_pump_park, result, carbon_price=100)
    ranges = {r["key"]: r for r in found.robustness["sensitivity"]["ranges"]}
    assert (ranges["economics.carbon_price"]["low"], ranges["economics.carbon_price"]["high"]) == pytest.approx(
        (80, 120)
    )
    assert found.robustness["alternatives"]["optimum"] == pytest.approx(result.objective)
    plain = circflow.how_sure(heat_pump_park)
    ranges = {r["key"]: r for r in plain.robustness["sensitivity"]["ranges"]}
    assert (ranges["economics.carbon_price"]["low"], ranges["economics.carbon_price"]["high"]) == (0, 80)
    assert "enterprises.city.demands.0.baseline.cost" in ranges  # the demand the plan saves most on


def test_optimize_robustness_puts_both_in_results_and_report(write_park_yaml, tmp_path) -> None:
    out = tmp_path / "out"
    done = run("optimize", write_park_yaml(HEAT_PUMP_PARK), "--robustness", "-o", out)
    assert done.exit_code == 0, done.output
    assert "how sure: within 5% of the optimum, essential" in done.output
    assert "break-even: 1 links or processes change within the ranges of electricity price" in done.output
    content = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(content["robustness"]) == {"alternatives", "sensitivity"}
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Break-even prices" in report
    assert "Which links are sure" in report


def test_two_parks_on_one_running_cluster_get_their_own_findings(heat_pump_park, dask_client) -> None:
    """Two parks, the same KEY and range, studied on one running cluster (by its address): each
    study finds what this process finds for its own park, and the cluster ran the two tasks
    under two keys. Before, a task was named by KEY and range alone: both parks' tasks had one
    key, so on a shared scheduler a study could be handed the other park's findings."""
    from distributed import get_task_stream

    from circflow.catalog import data_dir

    tiny = circflow.load_park(data_dir("parks") / "tiny.yaml")
    vary = {"economics.electricity_price": "500:900"}
    with get_task_stream(dask_client) as stream:
        there = [
            circflow.sensitivity(park, vary, scheduler=dask_client.scheduler.address) for park in (heat_pump_park, tiny)
        ]
    keys = [task["key"] for task in stream.data if str(task["key"]).startswith("circflow-sensitivity-")]
    assert len(keys) == len(set(keys)) == 2
    for park, found in zip((heat_pump_park, tiny), there, strict=True):
        assert_same_findings(found, circflow.sensitivity(park, vary))
