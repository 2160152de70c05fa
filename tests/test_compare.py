"""Comparing retrofit plans (SPEC 3.9 scenarios, SPEC 5 ``circflow compare``).

The park is the minimal park of ``conftest.py`` (optimum derived there: 11918.12 CNY/yr,
2 tCO2/yr, both links built; status quo 1,130,000 CNY and 1,910 tCO2) with these scenarios
(``tests/data/parks/minimal-scenarios.yaml``, appended to the park):

- ``no_heat`` forbids the heat pipe plant -> town: the town's 5000 MWh come from its boiler
  (200 CNY and 0.3 tCO2 per MWh), so total = 100 + 800 + 10000 + 1,000,000 = 1,010,900 and
  emissions = 2 + 1500 = 1502; capex 1000 (the lorry link only).
- ``dear_lorry`` makes the lorry link cost 1e7 (1e6 a year): the ash link is not built.
- ``no_heat+dear_lorry`` is the status quo: 1,130,000 CNY, 1,910 tCO2, nothing built.
- ``carbon`` prices CO2 at 100 CNY/t: the same plan, objective 11918.12 + 200.
- ``wallboard`` adds an enterprise (enterprises merge by id) taking 150 t of ash at (0, 2),
  2 km from the plant, baseline 100 CNY/t: 150 of the 200 t left over go there.
- ``strict`` asks for 95 % ash use; at most 80 % is reachable: infeasible.

Each row of a comparison must equal a separate ``optimize`` run of its scenarios.
"""

from __future__ import annotations

import csv
import json
import math
import pathlib
from collections.abc import Callable

import pandas as pd
import pytest
from helpers import run
from places import park_text

import circflow
from circflow.comparison import compare_folders, compare_park, split_alternative

REL = 1e-6

ROW_NUMBERS: dict[str, Callable[[circflow.Result], float]] = {
    "objective": lambda result: result.objective,
    "total_cost": lambda result: result.kpis["total_cost"],
    "emissions": lambda result: result.kpis["emissions"],
    "capex": lambda result: result.kpis["capex"],
    "annualized_capex": lambda result: result.kpis["annualized_capex"],
    "savings_cost": lambda result: result.kpis["savings"]["total_cost"],
    "savings_emissions": lambda result: result.kpis["savings"]["emissions"],
    "market_revenue": lambda result: result.kpis["market_revenue"],
    "processes_built": lambda result: result.kpis["processes_built"],
}
"""The numbers of a run a comparison row holds: column -> where the run's `Result` has it."""
COLUMNS = ["scenario", "status", *ROW_NUMBERS, "links_built", "links_added", "links_removed"]

SCENARIOS = park_text("minimal-scenarios")

ASH_LINK = "plant>cement:ash_t:lorry_t"
HEAT_LINK = "plant>town:heat_t:pipe_t"
WALLBOARD_LINK = "plant>wallboard:ash_t:lorry_t"
BASE_TOTAL = 100 + 800 + 10_000 + 10_000 / 10 + 100 * 5000 / 2760 / 10  # 11918.12
BASE_CAPEX = 1000 + 10_000 + 100 * 5000 / 2760


def approx(value: float) -> object:
    return pytest.approx(value, rel=REL, abs=1e-6)


@pytest.fixture
def park_path(write_park_yaml: Callable[..., pathlib.Path]) -> pathlib.Path:
    return write_park_yaml(append=SCENARIOS)


def snapshot(folder: pathlib.Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ids(text: object) -> set[str]:
    """The link ids of a links_added / links_removed cell (empty cells read back as NaN)."""
    return set() if not isinstance(text, str) else set(text.split())


def assert_row_is_the_run(row: pd.Series, result: circflow.Result, base: circflow.Result) -> None:
    """A comparison row holds the run's own numbers and its link difference to the base run."""
    assert row["status"] == str(result.status)
    for column, number in ROW_NUMBERS.items():
        assert row[column] == approx(number(result)), column
    assert row["links_built"] == result.links_built
    mine, reference = set(result.links["id"]), set(base.links["id"])
    assert ids(row["links_added"]) == mine - reference
    assert ids(row["links_removed"]) == reference - mine


# -- the API ---------------------------------------------------------------------------------------------


def test_rows_equal_separate_optimize_runs(park_path: pathlib.Path) -> None:
    """Base first, then each alternative in the order given; ``a+b`` stacks both scenarios."""
    alternatives = ["no_heat", "no_heat+dear_lorry", "carbon", "wallboard"]
    table, results = compare_park(park_path, alternatives, gap=0.0)
    assert list(table.columns) == COLUMNS
    assert list(table["scenario"]) == ["base", *alternatives]
    assert list(results) == ["base", *alternatives]
    base = circflow.optimize(circflow.load_park(park_path), gap=0.0)
    assert_row_is_the_run(table.iloc[0], base, base)
    for position, name in enumerate(alternatives, start=1):
        alone = circflow.optimize(circflow.load_park(park_path, scenarios=split_alternative(name)), gap=0.0)
        assert_row_is_the_run(table.iloc[position], alone, base)
        assert results[name].scenarios == split_alternative(name)


def test_rows_hold_the_hand_derived_numbers(park_path: pathlib.Path) -> None:
    """The numbers of the module docstring. wallboard: 150 t at 1 CNY/t over a link of annual
    capex 1000 / 10 = 100 (saving 50 + 100 - 1 per tonne); 50 t left to dispose of:
    total = 100 + 800 + 100 + 150 + 50 x 50 + 1018.12 = 4668.12, emissions 50 x 0.01 = 0.5;
    its status quo adds 150 x 100 CNY and 150 x 0.5 tCO2.
    """
    table, _ = compare_park(park_path, ["no_heat", "no_heat+dear_lorry", "carbon", "wallboard"], gap=0.0)
    rows = table.set_index("scenario")
    expected = {
        "base": (BASE_TOTAL, BASE_TOTAL, 2.0, BASE_CAPEX, 2, 1_130_000 - BASE_TOTAL, 1908.0),
        "no_heat": (1_010_900, 1_010_900, 1502.0, 1000.0, 1, 119_100, 408.0),
        "no_heat+dear_lorry": (1_130_000, 1_130_000, 1910.0, 0.0, 0, 0.0, 0.0),
        "carbon": (BASE_TOTAL + 200, BASE_TOTAL, 2.0, BASE_CAPEX, 2, 1_130_000 - BASE_TOTAL, 1908.0),
        "wallboard": (
            BASE_TOTAL - 7250,
            BASE_TOTAL - 7250,
            0.5,
            BASE_CAPEX + 1000,
            3,
            1_145_000 - (BASE_TOTAL - 7250),
            1985.0 - 0.5,
        ),
    }
    for name, (objective, total, emissions, capex, links, saving, avoided) in expected.items():
        row = rows.loc[name]
        assert (row["objective"], row["total_cost"], row["emissions"], row["capex"]) == (
            approx(objective),
            approx(total),
            approx(emissions),
            approx(capex),
        ), name
        assert row["links_built"] == links, name
        assert (row["savings_cost"], row["savings_emissions"]) == (approx(saving), approx(avoided)), name
        assert row["status"] == "optimal"
    assert ids(rows.loc["base", "links_added"]) == ids(rows.loc["base", "links_removed"]) == set()
    assert ids(rows.loc["no_heat", "links_removed"]) == {HEAT_LINK}
    assert ids(rows.loc["no_heat+dear_lorry", "links_removed"]) == {HEAT_LINK, ASH_LINK}
    assert ids(rows.loc["carbon", "links_added"]) == ids(rows.loc["carbon", "links_removed"]) == set()
    assert ids(rows.loc["wallboard", "links_added"]) == {WALLBOARD_LINK}
    assert ids(rows.loc["wallboard", "links_removed"]) == set()


@pytest.mark.parametrize(
    ("alternative", "ash_link_built"), [("cheap_lorry+dear_lorry", False), ("dear_lorry+cheap_lorry", True)]
)
def test_stacked_scenarios_apply_in_order(park_path: pathlib.Path, alternative: str, ash_link_built: bool) -> None:
    """Both scenarios set lorry_t.capex_fixed; the one named last wins (SPEC 3.9). At 1e7 the
    ash link does not pay (1e6 a year against 800 x 149 saved); at 500 it does.
    """
    table, results = compare_park(park_path, [alternative], gap=0.0)
    assert (ASH_LINK in set(results[alternative].links["id"])) is ash_link_built
    assert ids(table.iloc[1]["links_removed"]) == (set() if ash_link_built else {ASH_LINK})


def test_split_alternative() -> None:
    assert split_alternative("a+b") == ["a", "b"]
    assert split_alternative(" a + b+c ") == ["a", "b", "c"]
    for bad in ("a+", "+a", "a++b", ""):
        with pytest.raises(circflow.ParkError, match="joined by"):
            split_alternative(bad)


def test_infeasible_alternative_is_a_row_without_a_plan(park_path: pathlib.Path) -> None:
    """A plan that cannot meet its targets is reported as such: status infeasible, no numbers,
    and no link difference (it has no plan, so it removes nothing); the others still solve.
    """
    table, results = compare_park(park_path, ["strict", "no_heat"], gap=0.0)
    row = table.set_index("scenario").loc["strict"]
    assert row["status"] == "infeasible"
    for column in ("objective", "total_cost", "emissions", "capex", "savings_cost"):
        assert row[column] is None or math.isnan(row[column]), column
    assert ids(row["links_added"]) == set()
    assert ids(row["links_removed"]) == set()
    assert results["strict"].diagnosis == ["target utilization.ash_t = 0.95 cannot be met: at most 0.8 is reachable"]
    assert table.set_index("scenario").loc["no_heat", "status"] == "optimal"


def test_a_scenario_called_base_does_not_replace_the_base_row(write_park_yaml: Callable[..., pathlib.Path]) -> None:
    """A plan may well be named ``base``: the first row is still the park without scenarios and
    the scenario gets its own row.
    """
    path = write_park_yaml(append="scenarios:\n  base:\n    economics: {carbon_price: 100}\n")
    table, _ = compare_park(path, ["base"], gap=0.0)
    assert len(table) == 2
    assert table.iloc[0]["objective"] == approx(BASE_TOTAL)
    assert table.iloc[1]["objective"] == approx(BASE_TOTAL + 200)


def test_compare_folders_reads_results_written_earlier(park_path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    base = circflow.optimize(circflow.load_park(park_path), gap=0.0)
    plan = circflow.optimize(circflow.load_park(park_path, scenarios=["no_heat"]), gap=0.0)
    base.save(tmp_path / "before")
    plan.save(tmp_path / "after")
    table = compare_folders([tmp_path / "before", tmp_path / "after"])
    assert list(table["scenario"]) == ["before", "after"]
    assert_row_is_the_run(table.iloc[0], base, base)
    assert_row_is_the_run(table.iloc[1], plan, base)


def test_compare_folders_with_the_same_name_keeps_both(park_path: pathlib.Path, tmp_path: pathlib.Path) -> None:
    result = circflow.optimize(circflow.load_park(park_path), gap=0.0)
    result.save(tmp_path / "one" / "results")
    result.save(tmp_path / "two" / "results")
    table = compare_folders([tmp_path / "one" / "results", tmp_path / "two" / "results"])
    assert len(table) == 2
    assert len(set(table["scenario"])) == 2


# -- the command ------------------------------------------------------------------------------------------


def test_cli_compare_writes_csv_xlsx_html(
    park_path: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(
        "compare", park_path, "--scenario", "no_heat", "--scenario", "no_heat+dear_lorry", "-o", "plans", "--gap", "0"
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "plans"
    rows = read_csv(out / "compare.csv")
    with (out / "compare.csv").open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == COLUMNS
    assert [row["scenario"] for row in rows] == ["base", "no_heat", "no_heat+dear_lorry"]
    assert [float(row["total_cost"]) for row in rows] == [approx(BASE_TOTAL), approx(1_010_900), approx(1_130_000)]
    assert [int(row["links_built"]) for row in rows] == [2, 1, 0]
    assert set(rows[2]["links_removed"].split()) == {ASH_LINK, HEAT_LINK}
    workbook = pd.read_excel(out / "compare.xlsx")
    assert list(workbook.columns) == COLUMNS
    assert list(workbook["scenario"]) == ["base", "no_heat", "no_heat+dear_lorry"]
    assert list(workbook["total_cost"]) == [approx(float(row["total_cost"])) for row in rows]
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "Plotly" in html
    assert "no_heat+dear_lorry" in html
    assert HEAT_LINK in result.output  # the links each plan drops are listed


def test_cli_compare_default_folder(
    park_path: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("compare", park_path, "-s", "carbon", "-q")
    assert result.exit_code == 0, result.output
    assert [row["scenario"] for row in read_csv(tmp_path / "park-compare" / "compare.csv")] == ["base", "carbon"]


def test_cli_compare_results_folders(
    park_path: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("optimize", park_path, "-o", "before", "-q").exit_code == 0
    assert run("optimize", park_path, "-s", "no_heat", "-o", "after", "-q").exit_code == 0
    result = run("compare", "before", "after", "-o", "diff")
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "diff" / "compare.csv")
    assert [row["scenario"] for row in rows] == ["before", "after"]
    for row, folder in zip(rows, ("before", "after"), strict=True):
        content = json.loads((tmp_path / folder / "results.json").read_text(encoding="utf-8"))
        assert float(row["total_cost"]) == approx(content["kpis"]["total_cost"])
        assert float(row["emissions"]) == approx(content["kpis"]["emissions"])
        assert int(row["links_built"]) == len(content["links"])
    assert rows[1]["links_removed"] == HEAT_LINK
    assert (tmp_path / "diff" / "compare.xlsx").is_file()
    assert (tmp_path / "diff" / "compare.html").is_file()


def _not_results(root: pathlib.Path) -> pathlib.Path:
    folder = root / "notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    return folder


def _empty(root: pathlib.Path) -> pathlib.Path:
    folder = root / "empty"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["{park}", "--scenario", "nope"], "nope"),
        (["{park}", "--scenario", "no_heat+nope"], "nope"),
        (["{park}", "--scenario", "no_heat+"], "no_heat+"),
        (["{park}"], "--scenario"),
        (["{notes}"], "not a circflow results folder"),
        (["{empty}"], "not a circflow results folder"),
        (["{results}", "{notes}"], "not a circflow results folder"),
        (["{results}", "{results}", "--scenario", "no_heat"], "--scenario"),
        (["{park}", "{results}"], "results folders"),
        (["{missing}", "--scenario", "no_heat"], "missing.yaml"),
    ],
    ids=[
        "unknown-scenario",
        "unknown-stacked-scenario",
        "empty-stacked-name",
        "no-scenario",
        "folder-not-results",
        "empty-folder",
        "one-folder-not-results",
        "scenario-with-folders",
        "park-and-folder",
        "missing-park",
    ],
)
def test_cli_compare_bad_use_exits_2(
    args: list[str], says: str, park_path: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad uses end in one clear message and exit 2; nothing is written."""
    monkeypatch.chdir(tmp_path)
    circflow.optimize(circflow.load_park(park_path)).save(tmp_path / "results")
    places = {"{park}": park_path, "{results}": tmp_path / "results", "{missing}": tmp_path / "missing.yaml"}
    if "{notes}" in args:
        places["{notes}"] = _not_results(tmp_path)
    if "{empty}" in args:
        places["{empty}"] = _empty(tmp_path)
    before = snapshot(tmp_path)
    result = run("compare", *[places.get(arg, arg) for arg in args], "-o", "out")
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "error" in result.output
    assert snapshot(tmp_path) == before


def test_compare_page_names_the_park_the_status_quo_and_the_differences(
    park_path: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    """compare.html: the park's name, the status quo as the first row, each plan's added and dropped
    links by name; plotly.js beside it once; compare.xlsx without exponents."""
    import openpyxl

    from circflow.comparison import save_comparison

    table, results = compare_park(park_path, ["no_heat"], gap=0.0)
    folder = save_comparison(tmp_path / "cmp", table, results)
    page = (folder / "compare.html").read_text(encoding="utf-8")
    base = results["base"].to_dict()
    assert f"<h1>{base['park']}</h1>" in page
    assert "<td>status quo</td>" in page
    assert "drops" in page
    assert "<li>Power plant → town: heat t by pipe t, direct heat exchange</li>" in page  # no_heat drops it
    assert "<script type='text/javascript' src='plotly.min.js'></script>" in page
    assert (folder / "plotly.min.js").is_file()
    assert not (folder / "base" / "report.html").exists()  # pages on request (--pages)
    sheet = openpyxl.load_workbook(folder / "compare.xlsx")["compare"]
    header = [cell.value for cell in sheet[1]]
    cost = sheet.cell(row=2, column=header.index("total_cost") + 1)
    assert cost.number_format == "#,##0"
