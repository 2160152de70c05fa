"""Scenario sweeps on Dask (`circflow.sweep`, ``circflow sweep``).

The runs go to a real dask.distributed LocalCluster of 1 worker process with 2 threads, started
once for the session (conftest's ``dask_client``), and real HiGHS; one test starts a sweep's own
cluster. Each grid row is checked against a separate `optimize` of a park whose values were
set by hand; failing runs must be recorded without stopping the rest; a rerun into the same
folder must only run what is missing. Bad ``--vary`` input must stop with exit 2 before any
cluster starts.
"""

from __future__ import annotations

import json
import pathlib

import pandas as pd
import pytest
from typer.testing import CliRunner

import circflow
from circflow.cli import app
from circflow.sweeps import JOURNAL_FILE, sweep
from circflow.vary import assign, parse_vary, plan_runs
from circflow.yamlfile import copy_tree, read_yaml

TINY = pathlib.Path(__file__).resolve().parents[1] / "parks" / "tiny.yaml"
RUNNER = CliRunner()


def hand_made_park(carbon_price: float, fly_ash_t: float, scenario: str) -> circflow.Park:
    """The tiny park with two values set by hand in the mapping, not through `assign`."""
    tree = copy_tree(read_yaml(TINY))
    tree["economics"]["carbon_price"] = carbon_price
    power_plant = tree["enterprises"][0]
    assert power_plant["id"] == "power_plant"
    assert power_plant["supplies"][0]["resource"] == "fly_ash"
    power_plant["supplies"][0]["amount"] = fly_ash_t
    return circflow.park_from_dict(tree, scenarios=[] if scenario == "base" else [scenario], base_dir=TINY.parent)


def test_each_grid_row_equals_a_separate_optimize_run(dask_client):
    vary = {
        "economics.carbon_price": "0,300",
        "enterprises.power_plant.supplies.0.amount": [300000, 100000],
        "scenario": "base,grid_power",
    }
    table = sweep(TINY, vary, client=dask_client)

    assert len(table) == 8
    assert list(table.columns[:3]) == list(vary)
    assert table[["economics.carbon_price", "scenario"]].drop_duplicates().shape[0] == 4  # a full grid
    for row in table.to_dict("records"):
        result = circflow.optimize(
            hand_made_park(
                row["economics.carbon_price"], row["enterprises.power_plant.supplies.0.amount"], row["scenario"]
            )
        )
        assert row["status"] == str(result.status) == "optimal"
        for column in ("total_cost", "emissions", "capex"):
            assert row[column] == pytest.approx(result.kpis[column], rel=1e-9)
        assert row["objective"] == pytest.approx(result.objective, rel=1e-9)
        assert row["savings_cost"] == pytest.approx(result.kpis["savings"]["total_cost"], rel=1e-9)
        assert row["savings_emissions"] == pytest.approx(result.kpis["savings"]["emissions"], rel=1e-9)
        for resource, share in result.kpis["utilization"].items():
            assert row[f"utilization.{resource}"] == pytest.approx(share, abs=1e-12)
        assert row["links"].split() == sorted(result.links["id"])
        assert row["links_built"] == result.links_built
        assert row["reason"] == ""
    assert table["worker"].nunique() >= 1


def test_the_same_sweep_twice_on_one_client_runs_twice(dask_client):
    """The same sweep again on the same client (a notebook cell run twice) gives every row again.

    Before, a sweep named its data and tasks by the runs' keys alone; the second sweep reused
    the first's names while they were being released, and 5 of 40 repeats lost every run
    (``FutureCancelledError ... lost dependencies``). Each call now has names of its own: 4
    task keys for the 2 x 2 runs (2 before, whatever the timing), and both tables optimal with
    the same costs."""
    from distributed import get_task_stream

    vary = {"economics.carbon_price": [0.0, 100.0]}
    with get_task_stream(dask_client) as stream:
        first = sweep(TINY, vary, client=dask_client)
        second = sweep(TINY, vary, client=dask_client)
    keys = [task["key"] for task in stream.data if str(task["key"]).startswith("circflow-sweep-")]
    assert len(keys) == len(set(keys)) == 4
    assert list(first["status"]) == list(second["status"]) == ["optimal", "optimal"]
    assert list(second["total_cost"]) == pytest.approx(list(first["total_cost"]))


def test_a_mapping_park_sweep_matches_the_hand_derived_optimum(dask_client, minimal_park_yaml):
    """conftest's minimal park: 800 t of ash go by lorry, so each CNY/t of opex adds 800 CNY."""
    from circflow.yamlfile import parse_yaml

    table = sweep(parse_yaml(minimal_park_yaml), {"modes.lorry_t.opex_per_unit": [1, 2, 5]}, client=dask_client)

    assert list(table["status"]) == ["optimal"] * 3
    assert list(table["total_cost"]) == pytest.approx([11_918.12 + 800 * (opex - 1) for opex in (1, 2, 5)], abs=0.01)
    assert list(table["emissions"]) == pytest.approx([2.0] * 3)


def test_failing_runs_are_recorded_and_the_rest_complete(dask_client, tmp_path):
    """Negative carbon prices drawn from uniform(-100, 100) fail validation on the worker;
    a 1 tCO2 emissions cap is infeasible; every other run is solved."""
    progress: list[tuple[int, int]] = []
    vary = {"economics.carbon_price": "uniform(-100,100)", "targets.max_emissions": [1e12, 1]}

    def run_the_sweep() -> pd.DataFrame:
        return sweep(
            TINY,
            vary,
            samples=4,
            seed=1,
            client=dask_client,
            output=tmp_path / "out",
            on_progress=lambda done, total: progress.append((done, total)),
        )

    table = run_the_sweep()

    assert len(table) == 8
    assert progress[-1] == (8, 8)
    negative = table["economics.carbon_price"] < 0
    capped = table["targets.max_emissions"] == 1
    assert negative.any(), "seed 1 draws both signs"
    assert (~negative).any(), "seed 1 draws both signs"
    errors = table[negative]
    assert set(errors["status"]) == {"error"}
    assert errors["reason"].str.contains("economics.carbon_price: must be >= 0").all()
    infeasible = table[~negative & capped]
    assert set(infeasible["status"]) == {"infeasible"}
    assert infeasible["reason"].str.contains("max_emissions").all()
    assert set(table[~negative & ~capped]["status"]) == {"optimal"}

    # A rerun retries the runs that ended in error (here they fail again) and nothing else.
    progress.clear()
    again = run_the_sweep()
    assert progress[-1] == (len(errors), len(errors))
    assert again.attrs["reused"] == 8 - len(errors)
    pd.testing.assert_series_equal(again["status"], table["status"])


def test_a_rerun_skips_the_rows_already_done(dask_client, tmp_path):
    folder = tmp_path / "sweep"
    first = sweep(TINY, {"economics.carbon_price": "0,100"}, client=dask_client, output=folder)
    progress: list[tuple[int, int]] = []
    second = sweep(
        TINY,
        {"economics.carbon_price": "0,100,200"},
        client=dask_client,
        output=folder,
        on_progress=lambda done, total: progress.append((done, total)),
    )

    assert progress == [(0, 1), (1, 1)]
    assert second.attrs["reused"] == 2
    assert list(second["economics.carbon_price"]) == [0, 100, 200]
    pd.testing.assert_frame_equal(
        second.iloc[:2].drop(columns=["utilization.heat"]), first.drop(columns=["utilization.heat"]), check_dtype=False
    )
    assert len((folder / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()) == 3
    assert len(pd.read_csv(folder / "sweep.csv")) == 3

    # the same sweep once more runs nothing and starts no cluster
    third = sweep(TINY, {"economics.carbon_price": "0,100,200"}, workers=2, output=folder)
    assert third.attrs["reused"] == 3


def test_cli_sweep_on_a_running_cluster_writes_csv_parquet_and_html(dask_client, tmp_path):
    folder = tmp_path / "out"
    result = RUNNER.invoke(
        app,
        [
            "sweep",
            str(TINY),
            "--vary",
            "economics.carbon_price=0:400:3",
            "--vary",
            "economics.electricity_price=394.9,700",
            "--scheduler",
            dask_client.scheduler.address,
            "-o",
            str(folder),
        ],
    )

    assert result.exit_code == 0, result.output
    assert "6 runs: optimal 6" in result.output
    csv = pd.read_csv(folder / "sweep.csv")
    parquet = pd.read_parquet(folder / "sweep.parquet")
    assert list(csv.columns[:2]) == ["economics.carbon_price", "economics.electricity_price"]
    assert list(csv["economics.carbon_price"]) == [0, 0, 200, 200, 400, 400]
    pd.testing.assert_frame_equal(
        csv.drop(columns=["links", "reason"]), parquet.drop(columns=["links", "reason"]), check_dtype=False
    )
    page = (folder / "sweep.html").read_text(encoding="utf-8")
    assert "Main effects" in page
    assert "electricity price (CNY/MWh)" in page  # the KEY as people read it, with its unit
    assert "<title>Tiny teaching park: sweep of carbon price (CNY/tCO2), electricity price (CNY/MWh)</title>" in page
    assert "<script type='text/javascript' src='plotly.min.js'></script>" in page  # beside it, once per folder
    assert (folder / "plotly.min.js").stat().st_size > 1_000_000
    assert json.loads((folder / "circflow.json").read_text(encoding="utf-8"))["kind"] == "sweep"


def test_a_sweep_on_its_own_local_cluster():
    table = sweep(TINY, {"economics.carbon_price": [0, 200]}, workers=2)
    assert list(table["status"]) == ["optimal", "optimal"]
    assert table["worker"].str.startswith("tcp://").all()


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("economics.carbon_prize=1", "did you mean 'carbon_price'"),
        ("econ.carbon_price=1", "unknown section 'econ'; did you mean 'economics'"),
        ("enterprises.power.supplies.0.amount=1", "enterprises has no 'power'; did you mean 'power_plant'"),
        ("enterprises.power_plant.supplies.7.amount=1", "give an index from 0 to 2, got '7'"),
        ("economics.carbon_price.x=1", "economics.carbon_price is a single value"),
        ("modes.truk.opex_per_unit=1", "no modes entry 'truk'; did you mean 'truck'"),
        ("economics.carbon_price=0:400", "a range is start:stop:count"),
        ("economics.carbon_price=0:400:1", "whole number >= 2"),
        ("economics.carbon_price=0:x:3", "'x' is not a number"),
        ("economics.carbon_price=0,,3", "an empty value in the list"),
        ("economics.carbon_price=lognormal(1,2)", "unknown distribution 'lognormal'"),
        ("economics.carbon_price=uniform(5,1)", "uniform(a,b) needs a < b"),
        ("economics.carbon_price=normal(1)", "normal takes 2 numbers"),
        ("economics.carbon_price=normal(10,2)", "is a distribution: give --samples N"),
        ("economics.carbon_price=0,-5,10", "must be >= 0, got -5 (with --vary economics.carbon_price=-5)"),
        ("economics.discount_rate=0:2:3", "must be <= 1, got 2"),
        ("scenario=grid_power,nope", "unknown scenario 'nope'"),
        ("economics.carbon_price", "write KEY=VALUES"),
    ],
)
def test_bad_vary_stops_with_exit_2_before_any_run(tmp_path, vary, message):
    folder = tmp_path / "out"
    result = RUNNER.invoke(app, ["sweep", str(TINY), "--vary", vary, "-o", str(folder)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not folder.exists()


@pytest.mark.parametrize(
    "extra",
    [
        ["--samples", "3"],
        ["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"],
        ["--vary", "economics.carbon_price=1"],
        ["--solver", "nope"],
    ],
)
def test_bad_sweep_options_stop_with_exit_2(tmp_path, extra):
    result = RUNNER.invoke(
        app, ["sweep", str(TINY), "--vary", "economics.carbon_price=0,1", *extra, "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2, result.output


def test_a_folder_circflow_did_not_write_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(circflow.OutputError, match="not a circflow sweep folder"):
        sweep(TINY, {"economics.carbon_price": [0]}, output=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("economics.carbon_price=0:400:9", (0, 50, 100, 150, 200, 250, 300, 350, 400)),
        ("economics.electricity_price=0.1:0.3:3", (0.1, 0.2, 0.3)),
        ("economics.carbon_price=0,150,300", (0, 150, 300)),
        ("economics.carbon_price = 0.5, 2", (0.5, 2.0)),
        ("economics.electricity_price=0.65 CNY/kWh,700", ("0.65 CNY/kWh", 700.0)),
        ("scenario=base,grid_power+no_carbon_price", ("base", "grid_power+no_carbon_price")),
    ],
)
def test_vary_values_are_read_as_written(text, values):
    assert parse_vary(text).values == values


def test_monte_carlo_draws_are_reproducible_and_shared_by_every_grid_point():
    varies = [parse_vary("scenario=base,grid_power"), parse_vary("economics.carbon_price=uniform(0,400)")]
    runs = plan_runs(varies, samples=5, seed=7)
    assert runs == plan_runs(varies, samples=5, seed=7)
    assert runs != plan_runs(varies, samples=5, seed=8)
    prices = [run["values"]["economics.carbon_price"] for run in runs]
    assert prices[:5] == prices[5:]
    assert all(0 <= price <= 400 for price in prices)
    assert [run["sample"] for run in runs] == [0, 1, 2, 3, 4] * 2


def test_assign_walks_enterprises_and_periods_by_name_and_other_lists_by_index():
    park = {
        "periods": [{"name": "heating", "hours": 2880}],
        "enterprises": [{"id": "power", "supplies": [{"amount": 5}, {"amount": 6}]}],
    }
    assign(park, "enterprises.power.supplies.1.amount", 7)
    assign(park, "periods.heating.hours", 3000)
    assign(park, "targets.utilization.fly_ash", 0.5)
    assert park["enterprises"][0]["supplies"] == [{"amount": 5}, {"amount": 7}]
    assert park["periods"][0]["hours"] == 3000
    assert park["targets"] == {"utilization": {"fly_ash": 0.5}}
