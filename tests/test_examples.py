"""The runnable examples in ``examples/`` and the generated walkthrough in ``docs/``.

Each example runs as a user runs it, ``python examples/NAME.py`` from the repository root, in
a subprocess: it must exit 0 and print its table. ``docs/make_walkthrough.py`` is run into a
temporary file: its sanity checks (listed in docs/jinan-walkthrough.md) must all pass. The
numbers themselves are not compared: they move whenever the catalog does.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a script from the repository root with this interpreter; fail with its output."""
    env = {**os.environ, "PYTHONWARNINGS": "error", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=env, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def test_feasibility_study_sweeps_electricity_price_and_capex() -> None:
    out = run_script("examples/feasibility_study.py").stdout
    assert "Electricity price sweep" in out
    assert "Heat-pump capex sweep" in out
    for column in ("objective_MCNY", "total_cost_MCNY", "emissions_ktCO2", "heat_pumps", "heat_pump_links"):
        assert column in out
    for price in ("300", "400", "500", "600", "700"):
        assert re.search(rf"^{price}\s+\d", out, re.MULTILINE), f"no row for {price} CNY/MWh"
    assert "COP" in out  # at least one plan builds a heat pump
    assert "A heat pump pays up to" in out


def test_compare_retrofit_plans_tabulates_every_scenario() -> None:
    out = run_script("examples/compare_retrofit_plans.py").stdout
    for plan in ("base", "carbon_100", "no_absorption", "no_new_pipelines"):
        assert re.search(rf"^\s*{plan}\s+optimal", out, re.MULTILINE), f"no optimal row for {plan}"
    assert "CNY per tCO2 avoided" in out
    assert re.search(
        r"^no_absorption: adds .*; drops coal_power>district_heat_city:heat:heat_pipeline:absorption", out, re.MULTILINE
    )


def test_pareto_front_prints_the_front() -> None:
    out = run_script("examples/pareto_front.py").stdout
    assert out.count("Pareto front of Tiny teaching park") == 2
    assert "total cost M CNY/yr" in out
    assert "emissions ktCO2/yr" in out
    rows = re.findall(r"^\s+(\d+)\s+([\d,.]+)\s+([\d,.]+)\s", out, re.MULTILINE)
    assert len(rows) >= 4
    # Along each front, cost rises and emissions fall.
    fronts, current = [], []
    for point, cost, emissions in rows:
        if point == "1" and current:
            fronts.append(current)
            current = []
        current.append((float(cost.replace(",", "")), float(emissions.replace(",", ""))))
    fronts.append(current)
    for front in fronts:
        costs, emissions = zip(*front, strict=True)
        assert list(costs) == sorted(costs)
        assert list(emissions) == sorted(emissions, reverse=True)


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    target = tmp_path_factory.mktemp("walkthrough") / "jinan-walkthrough.md"
    done = run_script("docs/make_walkthrough.py", "-o", str(target))
    return done.stdout, target.read_text(encoding="utf-8")


def test_walkthrough_sanity_checks_pass(walkthrough: tuple[str, str]) -> None:
    stdout, text = walkthrough
    assert "FAILED" not in stdout
    assert "FAILED" not in text
    checks = re.findall(r"^\d+\. \*\*(.+?)\*\* \((passed|FAILED)\)", text, re.MULTILINE)
    assert len(checks) >= 10
    assert {state for _, state in checks} == {"passed"}
    names = " ".join(name for name, _ in checks)
    for topic in (
        "utilisation",
        "COP",
        "savings",
        "CO2 avoided per tonne",
        "CO2 avoided per MWh",
        "balances",
        "savings by resource add up",
        "status-quo utilisation matches today's contracts",
    ):
        assert topic in names, f"no sanity check about {topic}"


def test_walkthrough_explains_plan_utilisation_co2_and_scenarios(walkthrough: tuple[str, str]) -> None:
    _, text = walkthrough
    for heading in (
        "## What is built, and why",
        "## Utilisation per resource",
        "## CO2 avoided",
        "## What the scenarios change",
        "## Sanity checks",
    ):
        assert heading in text
    for scenario in ("carbon_100", "no_absorption", "no_new_pipelines"):
        assert f"`{scenario}`" in text
    assert "clinker_emissions" in text
    assert "coal_boiler_heat_emissions" in text


def test_walkthrough_leads_with_the_saving_and_keeps_the_gross_value_apart(walkthrough: tuple[str, str]) -> None:
    """The first section is the saving against the status quo (kpis.savings, split by kpis.by_resource);
    the links' gross value against doing nothing comes later, in a section of its own."""
    _, text = walkthrough
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[0] == "The saving against today's practice"
    first = text.split("\n## ")[1]
    assert "kpis.savings" in first
    assert "kpis.by_resource" in first
    assert re.search(r"^1\. \*\*\w+: [\d,.]+ M CNY a year\*\*", first, re.MULTILINE), "no biggest contribution"
    assert re.search(r"^3\. \*\*\w+: [\d,.]+ M CNY a year\*\*", first, re.MULTILINE), "no third contribution"
    gross = [h for h in headings if h.startswith("Gross value of all exchanges")]
    assert gross, "no section on the gross value of the exchanges"
    assert headings.index(gross[0]) > 0
    for heading in (
        "Today's practice: contracts and what the status quo already uses",
        "Markets: revenue today and in the plan",
        "Processes",
        "What a sceptical engineer should check",
    ):
        assert heading in headings
    for words in (
        "### Heat links",
        "source Ti / To",
        "network Ts / Tr",
        "full-load hours",
        "heating-peak",
        "published rate",
        "revenue today",
        "revenue in plan",
    ):
        assert words in text


def test_committed_walkthrough_was_generated() -> None:
    """The committed page is the script's output (its marker and checks are there)."""
    text = (REPO / "docs" / "jinan-walkthrough.md").read_text(encoding="utf-8")
    assert "Generated by docs/make_walkthrough.py" in text
    assert "## Sanity checks" in text
    assert "(FAILED)" not in text


def test_feasibility_study_notebook_runs_in_a_kernel() -> None:
    """examples/feasibility_study.ipynb through a real Jupyter kernel (nbclient, ipykernel): every
    cell runs without error, and the cells that check themselves (the rules hold, the saved
    folder reads back with its rules) pass."""
    import nbclient  # the test extra has them; only this test needs them
    import nbformat

    notebook = nbformat.read(REPO / "examples" / "feasibility_study.ipynb", as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit it without outputs"
    )
    # shut the kernel down at once: after a sweep's local Dask cluster the kernel's own graceful
    # shutdown waits 2.5 s for multiprocessing's resource tracker, a child that ignores SIGTERM
    client = nbclient.NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO)}},
        shutdown_kernel="immediate",
    )
    client.execute(env={**os.environ, "CIRCFLOW_REPO": str(REPO)})
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "refused: Economics.electricity_price: must be >= 0, got -500" in text
    assert "status='optimal'" in text
    assert "'new_contracts'" in text
    assert "heat_pump_needs_slag_0" in text
