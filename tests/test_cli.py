"""The ``circflow`` command end to end (SPEC 5 and 7): exit codes, messages, files written.

Most tests drive the typer app in process through `typer.testing.CliRunner`; a few run the
installed ``circflow`` script in a subprocess, where output written by the solver itself
(below Python) is seen too. Real files in ``tmp_path``, real HiGHS.

The park is the minimal park of ``conftest.py``, whose optimum is derived there by hand.
"""

from __future__ import annotations

import csv
import json
import math
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys

import pytest
from helpers import run
from test_load import BAD_FILES, BAD_PARKS, write_bad_file  # the same bad inputs, through the CLI

FORCE_WITHOUT_CANDIDATE = "plan:\n  force:\n    - {from: cement, to: plant, resource: ash_t}\n"
SCENARIO = "scenarios:\n  high_carbon:\n    economics: {carbon_price: 100}\n"


def snapshot(folder: pathlib.Path) -> dict[str, tuple[bytes, int] | None]:
    """Every path under ``folder`` with the bytes and modification time of each file."""
    state: dict[str, tuple[bytes, int] | None] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        state[key] = (path.read_bytes(), path.stat().st_mtime_ns) if path.is_file() else None
    return state


@pytest.fixture
def park_here(write_park_yaml, tmp_path, monkeypatch) -> pathlib.Path:
    """conftest's minimal park, written in ``tmp_path``, the working directory."""
    monkeypatch.chdir(tmp_path)
    return write_park_yaml()


def run_refused(folder: pathlib.Path, *args: object):
    """``circflow ARGS``, which must exit 2 and leave ``folder`` as it was (SPEC 7: a failed
    run writes nothing)."""
    before = snapshot(folder)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert snapshot(folder) == before, "a failed run must write nothing"
    return result


def read_csv(path: pathlib.Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def circflow_script() -> str:
    found = shutil.which("circflow", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("circflow")
    assert found, "the installed `circflow` command is missing (pip install -e .)"
    return found


def run_installed(*args: object, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [circflow_script(), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


# -- bad input: exit 2, file:line:col and field path, no traceback, nothing written (SPEC 7) -------------


@pytest.mark.parametrize("command", ["optimize", "validate"])
@pytest.mark.parametrize("case", BAD_PARKS, ids=lambda case: case.id)
def test_bad_park_exits_2_naming_where(case, command, write_park_yaml, yaml_position, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_park_yaml(replace=case.replace, append=case.append)
    line, _ = yaml_position(path.read_text(encoding="utf-8"), case.where)
    result = run_refused(tmp_path, command, path)
    where = re.escape(f"{path}:{line}:") + r"\d+ " + re.escape(f"{case.path}: ")
    assert re.search(where, result.stderr), f"no '{path}:{line}:<col> {case.path}: ' in {result.stderr!r}"
    assert all(fragment in result.stderr for fragment in case.says), result.stderr
    assert not (tmp_path / "park-results").exists()


@pytest.mark.parametrize("case", BAD_FILES, ids=lambda case: case.id)
def test_bad_file_exits_2_naming_where(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_bad_file(tmp_path, case)
    result = run_refused(tmp_path, "optimize", path)
    assert str(path) in result.stderr
    if case.position is not None:
        line, column = case.position
        assert f"{path}:{line}:{column}" in result.stderr, result.stderr
    assert all(fragment in result.stderr for fragment in case.says), result.stderr


def test_forced_link_without_candidate_is_located(write_park_yaml, yaml_position, tmp_path, monkeypatch):
    """A plan.force entry that matches no candidate is bad input: exit 2, where, and why."""
    monkeypatch.chdir(tmp_path)
    path = write_park_yaml(append=FORCE_WITHOUT_CANDIDATE)
    line, _ = yaml_position(path.read_text(), "{from: cement, to: plant")
    result = run("optimize", path)
    assert result.exit_code == 2, result.output
    assert "plan.force[0]" in result.stderr
    assert "cement supplies no ash_t" in result.stderr
    assert f"{path}:{line}:" in result.stderr, f"no file:line:col in {result.stderr!r}"
    assert not (tmp_path / "park-results").exists()


def test_bad_input_through_the_installed_command(write_park_yaml, tmp_path):
    path = write_park_yaml(replace={"        amount: 1000": "        amount: -5"})
    completed = run_installed("optimize", path.name, cwd=tmp_path)
    assert completed.returncode == 2
    assert "park.yaml:41:17 enterprises[0].supplies[0].amount: must be >= 0, got -5" in completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["park.yaml"]


def test_unknown_scenario_names_the_scenarios(write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_park_yaml(append=SCENARIO)
    result = run_refused(tmp_path, "optimize", path, "--scenario", "nope")
    assert "'nope'" in result.stderr
    assert "high_carbon" in result.stderr
    assert f"{path}:" in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["optimize"], "Missing argument"),
        (["validate"], "Missing argument"),
        (["optimize", "{park}", "--frobnicate"], "No such option"),
        (["optimize", "{park}", "--objective", "foo"], "foo"),
        (["frobnicate", "{park}"], "No such command"),
        (["optimize", "{park}", "--carbon-price", "abc"], "--carbon-price"),
        (["optimize", "{park}", "--carbon-price", "-5"], "carbon price"),
        (["optimize", "{park}", "--carbon-price", "nan"], "carbon price"),
        (["optimize", "{park}", "--gap", "-1"], "--gap"),
        (["optimize", "{park}", "--time-limit", "-1"], "--time-limit"),
        (["optimize", "{park}", "--solver", "nope"], "nope"),
        (["optimize", "{park}", "--write-model", "model.txt"], ".mps"),
    ],
    ids=[
        "optimize-missing-argument",
        "validate-missing-argument",
        "unknown-option",
        "unknown-objective",
        "unknown-command",
        "carbon-price-not-a-number",
        "negative-carbon-price",
        "nan-carbon-price",
        "negative-gap",
        "negative-time-limit",
        "unknown-solver-profile",
        "model-file-suffix",
    ],
)
def test_cli_misuse_exits_2(args, says, park_here, tmp_path):
    result = run_refused(tmp_path, *[str(park_here) if arg == "{park}" else arg for arg in args])
    assert says in result.output


# -- results folders: never overwrite what is not ours; replace ours whole (SPEC 5 and 7) -------------------


def _foreign_folder(kind: str, root: pathlib.Path) -> pathlib.Path:
    out = root / "out"
    if kind == "the-park-file-itself":
        return root / "park.yaml"
    if kind == "a-file":
        out.write_text("my notes\n")
        return out
    out.mkdir()
    if kind == "folder-with-files":
        (out / "notes.txt").write_text("keep me\n")
        (out / "sub").mkdir()
        (out / "sub" / "data.csv").write_text("a,b\n1,2\n")
    elif kind == "folder-with-foreign-results-json":
        (out / "results.json").write_text('{"mine": true}\n')
    elif kind == "folder-with-broken-results-json":
        (out / "results.json").write_text("not json at all\n")
    return out


@pytest.mark.parametrize(
    "kind",
    [
        "folder-with-files",
        "folder-with-foreign-results-json",
        "folder-with-broken-results-json",
        "a-file",
        "the-park-file-itself",
    ],
)
def test_foreign_output_folder_is_refused_and_untouched(kind, park_here, tmp_path):
    out = _foreign_folder(kind, tmp_path)
    result = run_refused(tmp_path, "optimize", park_here, "-o", out)
    assert str(out) in result.stderr
    assert "not a circflow results folder" in result.stderr


@pytest.mark.parametrize("command", ["optimize", "pareto"])
def test_an_output_folder_that_cannot_be_written_exits_2(command, park_here, tmp_path):
    """-o under a file: the folder cannot be made. A usage problem (exit 2) that names the
    folder, not an internal error (it was exit 1 with "internal error: FileExistsError")."""
    (tmp_path / "notes.txt").write_text("mine\n")
    result = run_refused(tmp_path, command, park_here, "-o", tmp_path / "notes.txt" / "out")
    assert f"cannot write {tmp_path / 'notes.txt' / 'out'}" in result.stderr
    assert "internal error" not in result.output


def test_second_run_replaces_the_results_folder(park_here, tmp_path):
    assert run("optimize", park_here, "-q").exit_code == 0
    folder = tmp_path / "park-results"
    first = json.loads((folder / "results.json").read_text())
    (folder / "stale.txt").write_text("from an older run\n")  # a file an older run wrote and listed
    marker = json.loads((folder / "circflow.json").read_text())
    (folder / "circflow.json").write_text(json.dumps({**marker, "files": [*marker["files"], "stale.txt"]}))

    result = run("optimize", park_here, "-q", "--carbon-price", "100")

    assert result.exit_code == 0, result.output
    second = json.loads((folder / "results.json").read_text())
    assert first["kpis"]["carbon_cost"] == 0
    assert second["kpis"]["carbon_cost"] > 0
    assert not (folder / "stale.txt").exists(), "the folder is replaced whole, not merged"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["park-results", "park.yaml"], "no temporary leftovers"


@pytest.mark.parametrize(
    ("append", "extra"),
    [
        ("", ["--scenario", "nope"]),
        ("", ["--solver", "nope"]),
        ("", ["--write-model", "model.txt"]),
        ("", ["--objective", "foo"]),
        (FORCE_WITHOUT_CANDIDATE, []),
        ("enterprise: []\n", []),
    ],
    ids=[
        "unknown-scenario",
        "unknown-solver",
        "bad-model-file",
        "bad-objective",
        "force-without-candidate",
        "schema-error",
    ],
)
def test_failed_run_leaves_existing_results_as_they_were(append, extra, write_park_yaml, park_here, tmp_path):
    assert run("optimize", park_here, "-o", "out", "-q").exit_code == 0
    bad = write_park_yaml(append=append, name="bad.yaml")
    run_refused(tmp_path, "optimize", bad, "-o", "out", *extra)


# -- validate, init, schema ------------------------------------------------------------------------------------

WARNING_PARK = {
    "        baseline: {cost: 100, emissions: 0.5}": "        requires: {grade: [II]}\n        baseline: {cost: 100, emissions: 0.5}",
}
FARAWAY = """\
  - id: faraway
    location: {x: 500, y: 0}
    supplies:
      - resource: ash_t
        amount: 10
        quality: {grade: II}
"""


def test_validate_good_park_prints_valid_without_warnings(write_park_yaml):
    result = run("validate", write_park_yaml())
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout
    assert "warning" not in result.output


def test_validate_warns_but_exits_0(write_park_yaml):
    """Warnings (SPEC 3.6, 7): a supply out of every mode's reach has no candidate link; a
    supply lacking an attribute a demand requires cannot serve it."""
    path = write_park_yaml(replace=WARNING_PARK, append=FARAWAY)
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "warning" in line]
    assert any("faraway.supplies[0]" in w and "no candidate link" in w for w in warnings), warnings
    assert any("plant.supplies[0]" in w and "lacks quality attribute 'grade'" in w for w in warnings), warnings


def test_validate_warns_of_a_target_on_a_resource_nobody_supplies(write_park_yaml):
    """A utilisation target on a resource with no supply is met by using nothing: likely a typo
    or a forgotten stream, so validate says so (and the park stays valid)."""
    path = write_park_yaml(append="targets:\n  utilization: {gypsum: 0.8}\n")
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    assert "targets.utilization.gypsum = 0.8: no enterprise supplies gypsum" in result.output


def _shipped_tiny_park() -> pathlib.Path | None:
    import circflow

    package = pathlib.Path(circflow.__file__).resolve().parent
    for candidate in (package / "data" / "parks" / "tiny.yaml", package.parent / "parks" / "tiny.yaml"):
        if candidate.is_file():
            return candidate
    return None


@pytest.mark.skipif(_shipped_tiny_park() is None, reason="parks/tiny.yaml (the init template) is not written yet")
def test_init_writes_a_park_that_optimizes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init", "starter.yaml")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "starter.yaml").stat().st_size > 0
    solved = run("optimize", "starter.yaml", "-q")
    assert solved.exit_code == 0, solved.output
    content = json.loads((tmp_path / "starter-results" / "results.json").read_text())
    assert content["status"] == "optimal"
    assert content["links"], "the starter park should build at least one link"


def test_init_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "park.yaml").write_text("mine\n")
    result = run("init", "park.yaml")
    assert result.exit_code == 2
    assert "exists" in result.stderr
    assert (tmp_path / "park.yaml").read_text() == "mine\n"


def test_schema_prints_json_schema():
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert {"park", "enterprises", "economics", "periods", "targets", "plan", "scenarios"} <= set(schema["properties"])


def test_version():
    import circflow

    result = run("--version")
    assert result.exit_code == 0
    assert circflow.__version__ in result.stdout


# -- optimize --------------------------------------------------------------------------------------------------

RESULTS_KEYS = {
    "circflow_version",
    "park",
    "scenarios",
    "objective_name",
    "status",
    "objective",
    "bound",
    "gap",
    "kpis",
    "links",
    "disposal",
    "baseline_supply",
    "timings",
}
KPI_KEYS = {
    "total_cost",
    "carbon_cost",
    "emissions",
    "capex",
    "annualized_capex",
    "variable_cost",
    "electricity_cost",
    "disposal_cost",
    "baseline_cost",
    "electricity_mwh",
    "utilization",
    "baseline",
    "savings",
}
LINK_KEYS = {
    "id",
    "from",
    "to",
    "resource",
    "mode",
    "type",
    "length_km",
    "existing",
    "built",
    "capacity",
    "cop",
    "flow",
    "delivered",
    "capex",
    "annual_cost",
    "emissions",
}
LINK_COLUMNS = LINK_KEYS - {"flow", "delivered"}


def test_optimize_writes_results_with_spec_fields(write_park_yaml, tmp_path, monkeypatch):
    """The minimal park's optimum (conftest): both links built, total_cost 11,918.12,
    emissions 2 tCO2; status quo 1,130,000 and 1,910 tCO2."""
    monkeypatch.chdir(tmp_path)
    result = run("optimize", write_park_yaml())
    assert result.exit_code == 0, result.output
    assert "optimal" in result.stdout
    folder = tmp_path / "park-results"
    assert {"results.json", "links.csv", "flows.csv", "kpis.csv"} <= {p.name for p in folder.iterdir()}

    content = json.loads((folder / "results.json").read_text())
    assert RESULTS_KEYS <= set(content), RESULTS_KEYS - set(content)
    assert content["status"] == "optimal"
    assert content["objective_name"] == "cost"
    assert content["park"] == "Test park"
    assert content["scenarios"] == []
    kpis = content["kpis"]
    assert KPI_KEYS <= set(kpis), KPI_KEYS - set(kpis)
    heat_capex = 10_000 + 100 * 5000 / 2760
    assert kpis["total_cost"] == pytest.approx(100 + 800 + 10_000 + heat_capex / 10, rel=1e-6)
    assert content["objective"] == pytest.approx(kpis["total_cost"], rel=1e-6)
    assert kpis["emissions"] == pytest.approx(2.0, rel=1e-6)
    status_quo = {key: kpis["baseline"][key] for key in ("total_cost", "emissions")}
    assert status_quo == pytest.approx({"total_cost": 1_130_000, "emissions": 1910}, rel=1e-6)
    assert kpis["savings"]["total_cost"] == pytest.approx(1_130_000 - kpis["total_cost"], rel=1e-6)
    assert kpis["utilization"]["ash_t"] == pytest.approx(0.8, rel=1e-6)
    assert {"load_s", "build_s", "solve_s", "write_s"} <= set(content["timings"]), content["timings"]

    links = {link["id"]: link for link in content["links"]}
    assert len(links) == 2
    for link in links.values():
        assert LINK_KEYS <= set(link), LINK_KEYS - set(link)
        assert set(link["flow"]) == {"winter", "summer"}
        assert link["built"] is True
        assert link["existing"] is False
        assert link["length_km"] == pytest.approx(5.0)
    ash = next(link for link in links.values() if link["resource"] == "ash_t")
    heat = next(link for link in links.values() if link["resource"] == "heat_t")
    assert (ash["from"], ash["to"], ash["mode"], ash["type"]) == ("plant", "cement", "lorry_t", "transport")
    assert (heat["type"], heat["cop"]) == ("direct", None)
    assert sum(ash["flow"].values()) == pytest.approx(800)
    assert heat["delivered"] == pytest.approx({"winter": 5000, "summer": 0}, abs=1e-6)
    assert heat["capacity"] == pytest.approx(5000 / 2760, rel=1e-6)
    disposal = {(d["enterprise"], d["resource"]): d["amount"] for d in content["disposal"]}
    assert sum(disposal[("plant", "ash_t")].values()) == pytest.approx(200)

    link_rows = read_csv(folder / "links.csv")
    assert LINK_COLUMNS <= set(link_rows[0]), LINK_COLUMNS - set(link_rows[0])
    assert {row["id"] for row in link_rows} == set(links)
    flow_rows = read_csv(folder / "flows.csv")
    assert {"link", "period", "flow", "delivered"} <= set(flow_rows[0])
    ash_flow = sum(float(row["flow"]) for row in flow_rows if row["link"] == ash["id"])
    assert ash_flow == pytest.approx(800)
    kpi_rows = {row["kpi"]: row["value"] for row in read_csv(folder / "kpis.csv")}
    assert float(kpi_rows["total_cost"]) == pytest.approx(kpis["total_cost"], rel=1e-9)
    assert float(kpi_rows["emissions"]) == pytest.approx(2.0, rel=1e-6)


def test_quiet_prints_nothing_in_process(write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("optimize", write_park_yaml(), "--quiet")
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / "park-results" / "results.json").is_file()


@pytest.mark.parametrize("extra", [[], ["--write-model", "model.mps"]], ids=["plain", "with-write-model"])
def test_quiet_prints_nothing_installed(extra, write_park_yaml, tmp_path):
    """Through the real script, so that anything the solver prints below Python is seen."""
    path = write_park_yaml()
    completed = run_installed("optimize", path.name, "--quiet", *extra, cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr == ""
    assert (tmp_path / "park-results" / "results.json").is_file()


@pytest.mark.parametrize(
    ("replace", "append", "names"),
    [
        ({}, "targets:\n  utilization: {ash_t: 1.0}\n", "utilization.ash_t"),
        (
            {"        temperature: 90\n": "        temperature: 90\n      - resource: gypsum\n        amount: 100\n"},
            "targets:\n  utilization: {gypsum: 1.0}\n",
            "utilization.gypsum",
        ),
        ({}, "targets:\n  max_emissions: 1\n", "max_emissions"),
    ],
    ids=["share-above-reach", "resource-without-demand", "emission-cap-below-reach"],
)
def test_infeasible_park_exits_3_naming_the_target(replace, append, names, write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("optimize", write_park_yaml(replace=replace, append=append))
    assert result.exit_code == 3, result.output
    assert "infeasible" in result.output
    assert names in result.output
    content = json.loads((tmp_path / "park-results" / "results.json").read_text())
    assert content["status"] == "infeasible"
    assert any(names in line for line in content["diagnosis"])


def test_infeasible_forced_link_is_named(write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    append = "targets:\n  max_capex: 10\nplan:\n  force:\n    - {from: plant, to: cement, resource: ash_t}\n"
    result = run("optimize", write_park_yaml(append=append))
    assert result.exit_code == 3, result.output
    assert "plan.force[0]" in result.output or "max_capex" in result.output


@pytest.mark.parametrize(("suffix", "marks"), [(".mps", ("ROWS", "COLUMNS")), (".lp", ("min", "st"))])
def test_write_model_writes_a_file_and_still_solves(suffix, marks, write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model_file = tmp_path / f"model{suffix}"
    result = run("optimize", write_park_yaml(), "--write-model", model_file, "-q")
    assert result.exit_code == 0, result.output
    text = model_file.read_text()
    assert text.strip()
    words = set(text.split())
    assert all(mark in words for mark in marks), text[:300]
    content = json.loads((tmp_path / "park-results" / "results.json").read_text())
    assert content["status"] == "optimal"


def test_carbon_price_option_sets_carbon_cost(park_here, tmp_path):
    """Same plan either way (the links save far more than 100 CNY/tCO2 x 2 t), so the carbon
    cost is exactly 100 x emissions, and the objective adds it to total_cost."""
    assert run("optimize", park_here, "-o", "free", "-q").exit_code == 0
    assert run("optimize", park_here, "-o", "priced", "-q", "--carbon-price", "100").exit_code == 0
    free = json.loads((tmp_path / "free" / "results.json").read_text())
    priced = json.loads((tmp_path / "priced" / "results.json").read_text())
    assert free["kpis"]["carbon_cost"] == 0
    assert priced["kpis"]["carbon_cost"] == pytest.approx(100 * priced["kpis"]["emissions"], rel=1e-9)
    assert priced["kpis"]["carbon_cost"] == pytest.approx(200, rel=1e-6)
    assert priced["objective"] == pytest.approx(priced["kpis"]["total_cost"] + priced["kpis"]["carbon_cost"], rel=1e-9)


def test_scenario_is_applied_and_recorded(write_park_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("optimize", write_park_yaml(append=SCENARIO), "--scenario", "high_carbon", "-q")
    assert result.exit_code == 0, result.output
    content = json.loads((tmp_path / "park-results" / "results.json").read_text())
    assert content["scenarios"] == ["high_carbon"]
    assert content["kpis"]["carbon_cost"] == pytest.approx(100 * content["kpis"]["emissions"], rel=1e-9)
    assert not math.isclose(content["kpis"]["carbon_cost"], 0)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_folders_follow_the_users_umask(mask, write_park_yaml, tmp_path, monkeypatch):
    """Results, compare and pareto folders open to whom the user's umask allows (not 0700 always),
    so colleagues on a shared server can read them; their files and subfolders too."""
    monkeypatch.chdir(tmp_path)
    path = write_park_yaml(append="scenarios:\n  dear: {economics: {electricity_price: 900}}\n")
    old = os.umask(mask)
    try:
        assert run("optimize", path, "-q").exit_code == 0
        assert run("compare", path, "-s", "dear", "-q").exit_code == 0
        assert run("pareto", path, "--points", "2", "-q").exit_code == 0
    finally:
        os.umask(old)
    for folder in ("park-results", "park-compare", "park-pareto", "park-compare/dear", "park-pareto/point-1"):
        assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o777 & ~mask, folder
    assert stat.S_IMODE((tmp_path / "park-results" / "results.json").stat().st_mode) == 0o666 & ~mask


def test_optimize_help_names_its_values_and_gives_examples(monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # at 80 the options' table cuts the defaults' column short
    result = run("optimize", "--help")
    assert result.exit_code == 0
    assert "<list[str]>" not in result.output
    assert "NAME" in result.output  # --scenario NAME
    assert "Examples" in result.output
    assert "circflow optimize parks/tiny.yaml" in result.output
    assert "<park-stem>-results/" in result.output  # a default in brackets survives the help's markup


@pytest.mark.parametrize("command", ["optimize", "pareto", "compare", "sweep", "sensitivity", "alternatives"])
def test_every_commands_output_default_survives_the_help_markup(monkeypatch, command):
    """Rich reads an unescaped "[default: ...]" as markup and drops it: sensitivity and
    alternatives said "Folder ." for --output."""
    monkeypatch.setenv("COLUMNS", "160")
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "<park-stem>-" in result.output, result.output


def test_init_writes_a_starter_park_of_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run("init").exit_code == 0
    text = (tmp_path / "park.yaml").read_text(encoding="utf-8")
    assert text.startswith("# My park: a starter park file written by `circflow init`.")
    assert "tiny.yaml - a five-enterprise teaching park" not in text
    assert "lang: en" in text
    solved = run("optimize", "park.yaml", "-q")
    assert solved.exit_code == 0, solved.output
    content = json.loads((tmp_path / "park-results" / "results.json").read_text())
    assert {link["resource"] for link in content["links"]} == {"fly_ash", "heat"}


def test_lang_option_and_report_command(write_park_yaml, tmp_path, monkeypatch):
    """--lang zh writes the results in Chinese (results.json says so); `circflow report` rewrites the
    pages of a folder in another language; an unknown language is an input error."""
    monkeypatch.chdir(tmp_path)
    result = run("optimize", write_park_yaml(), "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert "每年" in result.stdout or "总成本" in result.stdout
    folder = tmp_path / "park-results"
    assert json.loads((folder / "results.json").read_text())["lang"] == "zh"
    assert '<html lang="zh-CN">' in (folder / "report.html").read_text(encoding="utf-8")
    again = run("report", folder, "--lang", "en")
    assert again.exit_code == 0, again.output
    assert '<html lang="en">' in (folder / "report.html").read_text(encoding="utf-8")
    bad = run("optimize", write_park_yaml(), "--lang", "fr")
    assert bad.exit_code == 2
    assert "unknown language 'fr'; circflow writes en, zh" in bad.stderr


def test_chinese_summary_fits_80_terminal_columns(tmp_path):
    """Chinese characters take two cells of a terminal: the summary still fits 80 columns."""
    from rich.cells import cell_len

    demo = pathlib.Path(__file__).parent / "data" / "spec8_demo.yaml"
    result = run("optimize", demo, "-o", tmp_path / "out", "--lang", "zh")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "建成工艺：3 个，共 3 个" in lines
    assert max(cell_len(line) for line in lines) <= 80, [line for line in lines if cell_len(line) > 80]


def test_an_output_folder_that_is_an_input_is_refused_before_anything_is_written(tmp_path, write_park_yaml):
    """``compare A B -o A`` would replace A, which it reads; ``alternatives --results R -o R``
    would replace R before adding to it. Both exit 2 and leave the folder as it was."""
    park = write_park_yaml()
    assert run("optimize", park, "-o", tmp_path / "a", "-q").exit_code == 0
    assert run("optimize", park, "-o", tmp_path / "b", "-q").exit_code == 0
    before = sorted(p.name for p in (tmp_path / "a").iterdir())
    result = run("compare", tmp_path / "a", tmp_path / "b", "-o", tmp_path / "a")
    assert result.exit_code == 2, result.output
    assert "which this command reads" in result.output
    result = run("alternatives", park, "--results", tmp_path / "a", "-o", tmp_path / "a")
    assert result.exit_code == 2, result.output
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == before


def test_results_of_another_objective_are_refused_before_solving(tmp_path, write_park_yaml):
    """Findings by cost would describe a plan solved for emissions: ``--results`` must hold
    a run of the same park, scenarios and objective, checked before any solve (nothing
    written to -o)."""
    park = write_park_yaml()
    assert run("optimize", park, "--objective", "emissions", "-o", tmp_path / "r", "-q").exit_code == 0
    for command in (["alternatives", park], ["sensitivity", park, "--vary", "economics.carbon_price=0:100"]):
        result = run(*command, "--results", tmp_path / "r", "-o", tmp_path / "out")
        assert result.exit_code == 2, result.output
        assert "objective 'emissions', not of 'cost'" in result.output
        assert not (tmp_path / "out").exists()
