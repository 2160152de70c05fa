"""SPEC 8.4: periods built from an hourly file (time slices), profiles read from its columns.

The time-series files are written into ``tmp_path``; the parks define their own resources
and modes (``m_`` names). Expected amounts and optima are derived by hand in each docstring.
"""

from __future__ import annotations

import pathlib

import helpers
import numpy as np
import pytest
from helpers import EXACT_REL as REL
from helpers import KPI_PARTS, STEEL_SLAG_YAML, mode, run, solve_exact

import circflow
from circflow import timeslices
from circflow.network import build_network
from circflow.sweeps import plan_sweep, run_one
from circflow.timeslices import periods_of
from circflow.yamlfile import read_yaml

ECONOMICS = {**helpers.ECONOMICS, "electricity_price": 500.0, "grid_emission_factor": 0.5}
RESOURCES = {
    "m_heat": {"kind": "heat", "unit": "MWh", "modes": ["m_pipe"]},
    "m_slag": {"kind": "material", "unit": "t", "modes": ["m_truck"]},
}


def make_park(
    enterprises: list[dict], time_series: dict | None, *, pipe: dict | None = None, **sections: object
) -> circflow.Park:
    """A park of ``enterprises`` whose periods come from ``time_series`` (when given), on the pipe
    ``m_pipe`` (`mode()` when None) and a truck at 0.5 per t km."""
    data = helpers.park_data(
        "time slices",
        enterprises,
        resources=RESOURCES,
        modes={"m_pipe": pipe or mode(), "m_truck": mode(opex_per_unit_km=0.5)},
        economics=ECONOMICS,
        technologies={"heat_exchange": {"min_approach_k": 10.0}},
        **sections,
    )
    if time_series is not None:
        data["time_series"] = time_series
    return circflow.park_from_dict(data)


def write_csv(path: pathlib.Path, columns: dict[str, list]) -> pathlib.Path:
    names = list(columns)
    rows = zip(*(columns[name] for name in names), strict=True)
    path.write_text(
        ",".join(names) + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows), encoding="utf-8"
    )
    return path


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Parsing and slicing are cached by file content; start every test from a cold cache."""
    timeslices._parse.cache_clear()
    timeslices._slices.cache_clear()


# -- keep_peak: the peak hour sizes the plant ---------------------------------------------------


def peak_park(tmp_path: pathlib.Path, keep_peak: list[str]) -> circflow.Park:
    """The default period (one ``year`` of 8,760 h) cut from a file whose ``city`` column is
    0.5 in every hour but hour 4,000, where it is 1.0."""
    city = [0.5] * 8760
    city[4000] = 1.0
    csv = write_csv(tmp_path / "loads.csv", {"hour": list(range(8760)), "city": city})
    pipe = mode(capex_per_capacity=1_000.0, lifetime_years=20.0)
    return make_park(
        [
            {
                "id": "plant",
                "location": {"x": 0, "y": 0},
                "supplies": [{"resource": "m_heat", "rate": 20, "temperature": 90}],
            },
            {
                "id": "city",
                "location": {"x": 1, "y": 0},
                "demands": [
                    {
                        "resource": "m_heat",
                        "rate": 10,
                        "profile": {"series": "city"},
                        "temperature": 70,
                        "baseline": {"cost": 100},
                    }
                ],
            },
        ],
        {"file": str(csv), "slices": 1, "keep_peak": keep_peak},
        pipe=pipe,
    )


@pytest.mark.parametrize(
    ("keep_peak", "hours", "capacity"),
    [(["city"], {"year-1": 8759.0, "year-peak": 1.0}, 10.0), ([], {"year-1": 8760.0}, 10 * (0.5 * 8759 + 1.0) / 8760)],
    ids=["peak-kept", "no-peak"],
)
def test_the_peak_slice_sets_the_capacity(
    tmp_path: pathlib.Path, keep_peak: list[str], hours: dict, capacity: float
) -> None:
    """The city needs 10 MW x ``city`` (so 5 MW but 10 MW in hour 4,000) at 70 degC from a 20 MW
    90 degC source (direct); the pipe costs 1,000 per MW over 20 years = 50 a year per MW and
    boiler heat 100 per MWh. The year's heat demand is 10 x (0.5 x 8,759 + 1.0) = 43,805 MWh.

    - ``slices: 1, keep_peak: [city]``: two slices, ``year-1`` (8,759 h at 0.5) and ``year-peak``
      (1 h at 1.0). The pipe must carry 10 MW in the peak slice; the last 5 MW serve one hour,
      worth 5 x 100 = 500 > 5 x 50 = 250 a year, so capacity 10 MW:
      total_cost = 10 x 50 = 500.
    - no keep_peak: one slice of 8,760 h at the mean 0.50005708, so the pipe is sized for
      5.0005708 MW: total_cost = 250.0285 (the peak is averaged away).

    Both serve all 43,805 MWh (column means are exact); the status quo is 4,380,500.
    """
    result = solve_exact(peak_park(tmp_path, keep_peak))
    assert result.period_hours == pytest.approx(hours, rel=REL)
    assert sum(result.period_hours.values()) == 8760.0
    assert result.objective == pytest.approx(50 * capacity, rel=REL)
    (link,) = result.links.to_dict("records")
    assert link["capacity"] == pytest.approx(capacity, rel=REL)
    assert link["delivered_total"] == pytest.approx(43_805.0, rel=REL)
    if keep_peak:
        assert link["flow"] == pytest.approx({"year-1": 43_795.0, "year-peak": 10.0}, rel=REL)
    kpis = result.kpis
    assert kpis["baseline"]["total_cost"] == pytest.approx(4_380_500.0, rel=REL)
    assert kpis["annualized_capex"] == pytest.approx(50 * capacity, rel=REL)
    assert sum(kpis[key] for key in KPI_PARTS) - kpis["market_revenue"] == pytest.approx(kpis["total_cost"], rel=REL)
    content = result.to_dict()
    slices = content["time_series"]["slices"]
    assert [(s["name"], s["hours"]) for s in slices] == list(hours.items())
    assert content["time_series"]["columns"]["city"]["peak_kept"] == (
        1.0 if keep_peak else pytest.approx(0.50005708, rel=1e-7)
    )


# -- slices from tsam: hours add up, column means exact ---------------------------------------


def profiles(hours: int, seed: int) -> dict[str, list]:
    """``heat``: a seasonal swing with noise; ``shift``: a day-night pattern (values in per-unit)."""
    rng = np.random.default_rng(seed)
    h = np.arange(hours)
    heat = np.round(np.clip(0.6 + 0.35 * np.cos(2 * np.pi * h / hours) + 0.05 * rng.standard_normal(hours), 0, None), 4)
    shift = np.round(0.7 + 0.25 * np.sin(2 * np.pi * h / 24) + 0.02 * rng.standard_normal(hours), 4)
    return {"heat": heat.tolist(), "shift": shift.tolist()}


@pytest.mark.parametrize(("slices", "seed"), [(4, 1), (7, 2), (12, 3)])
def test_slices_cover_the_files_hours_and_keep_every_columns_total(
    tmp_path: pathlib.Path, slices: int, seed: int
) -> None:
    """Two seasons given by a ``period`` column: ``cold`` (120 h) and ``warm`` (48 h). The
    slices are shared by hours (largest remainder, at least one each): ``slices`` x 120/168
    and x 48/168, plus ``cold-peak`` or ``warm-peak`` for the ``heat`` column's peak hour.

    What must hold exactly (SPEC 8.4):

    - each slice stands for the hours assigned to it: a season's slices add up to its hours
      (120 and 48), all of them to the file's 168;
    - a slice's value of a column is its mean over the slice's hours, so a column's sum over
      a season (mean x hours, summed over its slices) equals its sum in the file;
    - a stream with ``rate: 3, profile: {series: heat}`` has 3 x (the file's heat total)
      over the year, and one with ``amount: 500, profile: {series: shift}`` exactly 500,
      spread as ``shift``'s slice sums;
    - the slicing is deterministic: built again from a cold cache, the same slices.
    """
    columns = profiles(168, seed)
    season = ["cold"] * 120 + ["warm"] * 48
    csv = write_csv(tmp_path / "loads.csv", {"period": season, **columns})
    park = make_park(
        [
            {
                "id": "steel",
                "location": {"x": 0, "y": 0},
                "supplies": [
                    {"resource": "m_slag", "rate": 3, "profile": {"series": "heat"}},
                    {"resource": "m_slag", "amount": 500, "profile": {"series": "shift"}},
                ],
            }
        ],
        {"file": str(csv), "slices": slices, "keep_peak": ["heat"]},
        periods=[{"name": "cold", "hours": 120}, {"name": "warm", "hours": 48}],
    )
    periods = periods_of(park)
    heat, shift = np.array(columns["heat"]), np.array(columns["shift"])
    assert len(periods.names) == slices + 1  # the peak hour is a slice of its own
    assert sum(name.endswith("-peak") for name in periods.names) == 1
    assert periods.hours.sum() == 168.0
    for name, count in (("cold", 120), ("warm", 48)):
        in_season = np.array([s == name for s in periods.season])
        assert periods.hours[in_season].sum() == count
        for column, values in (("heat", heat), ("shift", shift)):
            file_sum = values[:120].sum() if name == "cold" else values[120:].sum()
            assert periods.series[column][in_season].sum() == pytest.approx(file_sum, rel=1e-12)
    peak = periods.names.index(next(n for n in periods.names if n.endswith("-peak")))
    assert periods.hours[peak] == 1.0
    assert periods.series["heat"][peak] == pytest.approx(heat.max(), rel=1e-12)
    report = periods.report
    for k, entry in enumerate(report["slices"]):
        assert entry["hours"] == periods.hours[k]
        assert entry["mean"]["heat"] * entry["hours"] == pytest.approx(periods.series["heat"][k], rel=1e-12)
    assert report["columns"]["heat"]["peak_kept"] == pytest.approx(heat.max(), rel=1e-12)

    net = build_network(park)
    by_rate, by_amount = net.supplies
    assert by_rate.amounts.sum() == pytest.approx(3 * heat.sum(), rel=1e-12)
    np.testing.assert_allclose(by_rate.amounts, 3 * periods.series["heat"], rtol=1e-12)
    assert by_amount.amounts.sum() == pytest.approx(500.0, rel=1e-12)
    np.testing.assert_allclose(by_amount.amounts, 500 * periods.series["shift"] / shift.sum(), rtol=1e-12)

    timeslices._parse.cache_clear()
    timeslices._slices.cache_clear()
    again = periods_of(park)
    assert again.names == periods.names
    np.testing.assert_array_equal(again.hours, periods.hours)
    np.testing.assert_array_equal(again.series["heat"], periods.series["heat"])


# -- profile: {series: COL} with rate and with amount, beside the other stream forms ---------------

TINY = {"period": ["winter"] * 4 + ["summer"] * 6, "heat": [1.0, 0.8, 0.6, 0.6] + [0.2] * 6}
"""winter: heat sums to 3.0 over 4 h; summer: 1.2 over 6 h; the file's peak is winter's first hour."""


@pytest.mark.parametrize(
    ("keep_peak", "names", "expected"),
    [
        (
            [],
            ["winter-1", "summer-1"],
            {"rate": [30, 12], "amount": [3000, 1200], "per_period": [100, 60], "profile": [8, 6], "plain": [400, 600]},
        ),
        (
            ["heat"],
            ["winter-1", "winter-peak", "summer-1"],
            {
                "rate": [20, 10, 12],
                "amount": [2000, 1000, 1200],
                "per_period": [75, 25, 60],
                "profile": [6, 2, 6],
                "plain": [300, 100, 600],
            },
        ),
    ],
    ids=["one-slice-per-season", "winter-peak-kept"],
)
def test_stream_amounts_in_time_slices(
    tmp_path: pathlib.Path, keep_peak: list[str], names: list[str], expected: dict[str, list[float]]
) -> None:
    """A tiny file: winter 4 h (heat 1.0, 0.8, 0.6, 0.6: sum 3.0), summer 6 h (0.2 each: 1.2);
    ``slices: 2`` gives one slice per season. The five ways to give a stream (SPEC 3.5, 8.4):

    - ``rate: 10, profile: {series: heat}``: rate x the column's sum over the slice
      (its mean x hours): winter 10 x 3.0 = 30, summer 10 x 1.2 = 12;
    - ``amount: 4,200, profile: {series: heat}``: in proportion to the column,
      4,200 x 3.0 / 4.2 = 3,000 and 4,200 x 1.2 / 4.2 = 1,200;
    - ``per_period: {winter: 100, summer: 60}``: a season's amount, shared by its slices' hours;
    - ``rate: 2, profile: {winter: 1, summer: 0.5}``: 2 x 4 x 1 = 8 and 2 x 6 x 0.5 = 6;
    - ``amount: 1,000`` alone: by hours, 1,000 x 4/10 = 400 and 600.

    With ``keep_peak: [heat]`` winter's first hour (heat 1.0) is ``winter-peak`` and
    ``winter-1`` keeps 3 h summing to 2.0: rate 20 | 10 | 12; amount 4,200 x (2.0, 1.0, 1.2)
    / 4.2 = 2,000 | 1,000 | 1,200; per_period 100 x 3/4 = 75 | 25 | 60; profile 2 x 3 = 6 |
    2 | 6; plain 1,000 x (3, 1, 6) / 10 = 300 | 100 | 600.
    """
    csv = write_csv(tmp_path / "tiny.csv", TINY)
    streams = {
        "rate": {"rate": 10, "profile": {"series": "heat"}},
        "amount": {"amount": 4_200, "profile": {"series": "heat"}},
        "per_period": {"per_period": {"winter": 100, "summer": 60}},
        "profile": {"rate": 2, "profile": {"winter": 1.0, "summer": 0.5}},
        "plain": {"amount": 1_000},
    }
    park = make_park(
        [
            {
                "id": "steel",
                "location": {"x": 0, "y": 0},
                "supplies": [{"resource": "m_slag", **stream} for stream in streams.values()],
            }
        ],
        {"file": str(csv), "slices": 2, "keep_peak": keep_peak},
        periods=[{"name": "winter", "hours": 4}, {"name": "summer", "hours": 6}],
    )
    net = build_network(park)
    assert net.periods == names
    assert dict(zip(streams, (list(s.amounts) for s in net.supplies), strict=True)) == {
        key: pytest.approx(values, rel=1e-12) for key, values in expected.items()
    }


def test_a_tiny_two_season_park_optimises_on_its_slices(tmp_path: pathlib.Path) -> None:
    """The tiny file, ``slices: 2, keep_peak: [heat]``: slices winter-1 (3 h), winter-peak
    (1 h), summer-1 (6 h). Steel gives slag at 10 t/h x heat: 20 | 10 | 12 t; a cement plant
    1 km away (haul 0.5 per t) takes 15 t in each slice (``per_period`` winter 30 split by
    hours as 22.5 | 7.5, summer 15) and pays 50 a t conventionally; landfill 30.

    Each t moved saves 30 + 50 - 0.5 = 79.5, so as much as both sides allow moves:
    min(20, 22.5) + min(10, 7.5) + min(12, 15) = 20 + 7.5 + 12 = 39.5 t, i.e.

        total_cost = 0.5 x 39.5 + 30 x (42 - 39.5) + 50 x (45 - 39.5)
                   = 19.75 + 75 + 275 = 369.75;  status quo 30 x 42 + 50 x 45 = 3,510.
    """
    csv = write_csv(tmp_path / "tiny.csv", TINY)
    park = make_park(
        [
            {
                "id": "steel",
                "location": {"x": 0, "y": 0},
                "supplies": [
                    {"resource": "m_slag", "rate": 10, "profile": {"series": "heat"}, "disposal": {"cost": 30}}
                ],
            },
            {
                "id": "cement",
                "location": {"x": 1, "y": 0},
                "demands": [
                    {"resource": "m_slag", "per_period": {"winter": 30, "summer": 15}, "baseline": {"cost": 50}}
                ],
            },
        ],
        {"file": str(csv), "slices": 2, "keep_peak": ["heat"]},
        periods=[{"name": "winter", "hours": 4}, {"name": "summer", "hours": 6}],
    )
    result = solve_exact(park)
    assert result.periods == ["winter-1", "winter-peak", "summer-1"]
    assert result.objective == pytest.approx(369.75, rel=REL)
    assert result.kpis["baseline"]["total_cost"] == pytest.approx(3_510.0, rel=REL)
    (link,) = result.links.to_dict("records")
    assert link["flow"] == pytest.approx({"winter-1": 20.0, "winter-peak": 7.5, "summer-1": 12.0}, rel=REL)
    assert link["capacity"] == pytest.approx(7.5, rel=REL)  # t/h: 7.5 t in the 1 h peak slice
    kpis = result.kpis
    assert kpis["variable_cost"] == pytest.approx(19.75, rel=REL)
    assert kpis["disposal_cost"] == pytest.approx(75.0, rel=REL)
    assert kpis["baseline_cost"] == pytest.approx(275.0, rel=REL)


# -- bad files: ParkError with the file and the field, exit 2 ----------------------------------------

PARK_YAML = (
    """\
park: {name: bad time series}
periods: [{name: winter, hours: 4}, {name: summer, hours: 6}]
time_series: {file: loads.csv, slices: 2, keep_peak: [heat]}
"""
    + STEEL_SLAG_YAML
    + """\
    supplies: [{resource: m_slag, rate: 10, profile: {series: heat}, disposal: {cost: 30}}]
  - id: cement
    location: {x: 1, y: 0}
    demands: [{resource: m_slag, per_period: {winter: 30, summer: 15}, baseline: {cost: 50}}]
"""
)
GOOD_CSV = "period,heat\n" + "winter,1.0\nwinter,0.8\nwinter,0.6\nwinter,0.6\n" + "summer,0.2\n" * 6


@pytest.mark.parametrize(
    ("edit", "csv", "path", "words"),
    [
        (
            {"{series: heat}": "{series: steam}"},
            GOOD_CSV,
            "enterprises[0].supplies[0].profile.series",
            ["no column 'steam'", "columns: heat"],
        ),
        (
            {},
            GOOD_CSV.replace("winter,0.6\n", "", 1),
            "time_series.file",
            ["loads.csv has 3 hours in period 'winter'", "the park says 4"],
        ),
        (
            {
                "periods: [{name: winter, hours: 4}, {name: summer, hours: 6}]\n": "",
                "per_period: {winter: 30, summer: 15}": "amount: 45",
            },
            "heat\n" + "0.5\n" * 10,
            "time_series.file",
            ["loads.csv has 10 hours in period 'year'", "the park says 8760"],
        ),
        ({}, "heat\n" + "0.5\n" * 10, "time_series.file", ["loads.csv needs a 'period' column", "winter, summer"]),
        (
            {"keep_peak: [heat]": "keep_peak: [hot]"},
            GOOD_CSV,
            "time_series.keep_peak",
            ["keep_peak names 'hot'", "not a column of", "loads.csv"],
        ),
        ({}, GOOD_CSV + "spring,0.1\n", "time_series.file", ["names period(s) spring"]),
        ({}, GOOD_CSV.replace("summer,0.2\n", "summer,lots\n", 1), "time_series.file", ["line 6", "not a number"]),
        ({}, None, "time_series.file", ["cannot read the time-series file", "loads.csv"]),
        (
            {"time_series: {file: loads.csv, slices: 2, keep_peak: [heat]}\n": ""},
            None,
            "enterprises[0].supplies[0].profile",
            ["add time_series"],
        ),
    ],
    ids=[
        "missing-column",
        "hours-per-period",
        "default-year-hours",
        "no-period-column",
        "keep-peak-column",
        "unknown-period",
        "not-a-number",
        "no-file",
        "no-time-series",
    ],
)
@pytest.mark.parametrize("command", ["validate", "optimize"])
def test_bad_time_series_exit_2_naming_file_and_field(
    tmp_path: pathlib.Path, command: str, edit: dict[str, str], csv: str | None, path: str, words: list[str]
) -> None:
    """Each bad input is a ParkError (exit 2 through the CLI, no traceback) that names the park
    file with line and column, the field path, and what is wrong with the time-series file."""
    text = PARK_YAML
    for old, new in edit.items():
        assert text.count(old) == 1
        text = text.replace(old, new)
    park_file = tmp_path / "park.yaml"
    park_file.write_text(text, encoding="utf-8")
    if csv is not None:
        (tmp_path / "loads.csv").write_text(csv, encoding="utf-8")
    extra = ["-o", tmp_path / "out"] if command == "optimize" else []
    result = run(command, park_file, *extra)
    assert result.exit_code == 2, result.output
    assert f"{park_file}:" in result.output
    assert f" {path}: " in result.output
    for word in words:
        assert word in result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(circflow.ParkError) as caught:
        build_network(circflow.load_park(park_file))
    assert [problem.path for problem in caught.value.problems] == [path]


def test_the_good_file_of_the_bad_cases_is_fine(tmp_path: pathlib.Path) -> None:
    """The base of the bad cases optimises: the optimum of the tiny two-season park, 369.75."""
    (tmp_path / "park.yaml").write_text(PARK_YAML, encoding="utf-8")
    (tmp_path / "loads.csv").write_text(GOOD_CSV, encoding="utf-8")
    result = run("optimize", tmp_path / "park.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert circflow.read_results(tmp_path / "out")["objective"] == pytest.approx(369.75, rel=REL)


def test_a_relative_time_series_file_is_read_from_the_park_folder(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``time_series.file: loads.csv`` is relative to the park file (SPEC 8.4), wherever circflow
    runs: a park rebuilt from its mapping with ``base_dir`` (as every sweep run is, on a worker)
    reads the file beside the park, not in the working folder. The run is the tiny two-season
    park: optimum 369.75."""
    folder = tmp_path / "park"
    folder.mkdir()
    (folder / "park.yaml").write_text(PARK_YAML, encoding="utf-8")
    (folder / "loads.csv").write_text(GOOD_CSV, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    tree = read_yaml(folder / "park.yaml")
    park = circflow.park_from_dict(tree, base_dir=folder)
    assert build_network(park).periods == ["winter-1", "winter-peak", "summer-1"]
    row = run_one(tree, str(folder), [], {"values": {"economics.carbon_price": 10.0}, "key": "k"}, {"solver": "exact"})
    assert row["status"] == "optimal", row["reason"]
    assert row["objective"] == pytest.approx(369.75, rel=REL)


def test_a_park_with_series_profiles_dumps_without_warnings(tmp_path: pathlib.Path) -> None:
    """A sweep hashes the park's JSON dump (its run keys); a ``{series: COLUMN}`` profile dumps
    as itself, with no serializer warning (pytest turns warnings into errors), and the dump
    validates back into the same park."""
    (tmp_path / "park.yaml").write_text(PARK_YAML, encoding="utf-8")
    (tmp_path / "loads.csv").write_text(GOOD_CSV, encoding="utf-8")
    park = circflow.load_park(tmp_path / "park.yaml")
    dumped = park.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped["enterprises"][0]["supplies"][0]["profile"] == {"series": "heat"}
    again = circflow.Park.model_validate(dumped, context={"resolved": True})
    assert again.enterprises[0].supplies[0].profile == park.enterprises[0].supplies[0].profile
    assert again.model_dump(mode="json") == park.model_dump(mode="json")
    plan = plan_sweep(tmp_path / "park.yaml", {"economics.carbon_price": [0, 10]}, {})
    assert len({run["key"] for run in plan.runs}) == 2
