"""report.html and sankey.html of a SPEC 8 park in headless Chromium: the new parts render.

The demo park ``tests/data/spec8_demo.yaml`` (markets, processes, four heat technologies,
time slices with a peak) is optimised once; its pages must load with no console error and
no network request, and the sections for processes, markets, heat links, heat coverage per
slice and the time slices must be drawn with the figures of ``results.json``. Waits are
WebDriverWait conditions, never sleeps. Screenshots go to the artifacts folder of
``test_browser.py``.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from places import CHROMIUM
from selenium.webdriver.support.ui import WebDriverWait
from test_browser import check_clean, count, open_page, screenshot, texts

import circflow
from circflow.exports.report import compact, heat_coverage

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found")

DEMO = pathlib.Path(__file__).parent / "data" / "spec8_demo.yaml"


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:  # the headless Chromium of conftest.py
    return browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, dict[str, Any]]:
    """The demo park's results folder and its results.json."""
    folder = circflow.optimize(circflow.load_park(DEMO)).save(tmp_path_factory.mktemp("spec8") / "results")
    return folder, json.loads((folder / "results.json").read_text(encoding="utf-8"))


def table(driver: Any, section: str, index: int = 0) -> list[list[str]]:
    """The body rows of the ``index``-th table of a report section, as cell texts."""
    return driver.execute_script(
        "const t = document.querySelectorAll(`#${arguments[0]} table`)[arguments[1]];"
        "return [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.textContent.trim()));",
        section,
        index,
    )


SETTLED = (
    "const shapes = [...document.querySelectorAll('.sankey-node rect, .sankey-link')]"
    "  .map(e => e.getAttribute('d') || e.getAttribute('height') || '').join('|');"
    "const same = window.circflowShapes === shapes; window.circflowShapes = shapes; return same;"
)
"""True once the Sankey's shapes are the same at two polls in a row: its transition has ended."""


def settle(driver: Any) -> None:
    driver.execute_script("window.circflowShapes = null;")
    WebDriverWait(driver, 10, poll_frequency=0.25).until(lambda d: d.execute_script(SETTLED))


def test_report_renders_the_spec8_sections(chromium: Any, demo: tuple[pathlib.Path, dict[str, Any]]) -> None:
    folder, results = demo
    console, requests = open_page(chromium, folder / "report.html")
    check_clean(console, requests)
    assert count(chromium, ".js-plotly-plot") == 4  # costs, Sankey, map, heat coverage per slice
    for section in ("heat", "processes", "markets", "slices"):
        assert count(chromium, f"section#{section}") == 1, section

    cards = dict(zip(texts(chromium, ".card .label"), texts(chromium, ".card .value"), strict=True))
    assert cards["sales to markets"] == f"{compact(results['kpis']['market_revenue'])} CNY/yr"

    processes = {row[0]: row for row in table(chromium, "processes")}
    for process in results["processes"]:
        row = processes[process["name"]]
        assert row[2] == "built"
        assert row[4] == f"{process['capacity']:,.1f}"
        assert row[5] == f"{process['input_total']:,.0f}"
        assert row[7] == f"{process['capex']:,.0f}"
        assert row[8] == f"{process['annual_cost']:,.0f}"

    markets = {row[0]: row for row in table(chromium, "markets")}
    zibo = [link for link in results["links"] if link["to"] == "zibo_cement"]
    assert markets["Cement and concrete plants, Zibo"][3] == f"{sum(link['market_revenue'] for link in zibo):,.0f}"
    assert markets["all markets"][3] == f"{results['kpis']['market_revenue']:,.0f}"

    heat_rows = table(chromium, "heat", 0)
    heat = [link for link in results["links"] if link["type"] != "transport"]
    assert len(heat_rows) == len(heat) == 4
    by_technology = {row[2]: row for row in heat_rows}
    for link in heat:
        row = by_technology[link["technology"]]
        assert row[3] == f"{link['source_inlet_c']:g} → {link['source_outlet_c']:g}"
        assert row[4] == f"{link['sink_return_c']:g} → {link['sink_supply_c']:g}"
        assert row[5] == (f"{link['cop']:.2f}" if link["cop"] else "–")
        assert row[8] == f"{link['full_load_hours']:,.0f}"

    (city,) = heat_coverage(results)
    coverage = {row[0]: row for row in table(chromium, "heat", 1)}
    peak = next(p for p in city["periods"] if p["peak"])
    assert coverage[peak["period"]][1] == f"{peak['hours']:,.0f}"
    assert coverage[peak["period"]][5] == f"{peak['conventional']:,.0f}"
    ticks = texts(chromium, "#coverage-chart .xtick text")
    assert any(tick.startswith(peak["period"]) for tick in ticks)
    assert count(chromium, "#coverage-chart .barlayer .point path") >= len(city["periods"]) * 4

    errors = {row[0]: row for row in table(chromium, "slices", 2)}
    assert errors["city_heat"][2] == f"{results['time_series']['columns']['city_heat']['peak_kept']:.3f}"
    screenshot(chromium, "spec8-demo-report")


def test_report_figures_show_processes_markets_and_heat_drives(
    chromium: Any, demo: tuple[pathlib.Path, dict[str, Any]]
) -> None:
    folder, _ = demo
    check_clean(*open_page(chromium, folder / "report.html"))
    labels = [label.replace(" ", "") for label in texts(chromium, "#sankey-chart .sankey-node .node-label")]
    for name in (
        "Fly-ash classifier at Coal power plant",
        "Slag grinding to S95 at Slag grinding station (candidate)",
        "Cement and concrete plants, Zibo (market)",
        "City heating network",
        "Electricity for heat pumps",
        "Steam for absorption heat pumps",
        "Coal power plant",
    ):
        assert any(label.startswith(name.replace(" ", "")) for label in labels), name
    assert sum(label.startswith("Coalpowerplant") for label in labels) == 1  # one node per enterprise
    notes = texts(chromium, "#map-chart .annotation-text")
    assert any(note.replace(" ", "").startswith("Ready-mixconcreteplants,city") for note in notes)  # a market in view
    map_text = texts(chromium, "#map-chart .scatterlayer text")
    assert any(
        text.startswith("Cement and concrete plants,") and text.endswith("km · market") for text in map_text
    )  # outside the view: an arrow at its edge
    legend = texts(chromium, "#map-chart .legendtext")
    assert {"markets (outside buyers)", "processes", "outside this view"} <= set(legend)


def test_sankey_page_switches_to_the_peak_slice(chromium: Any, demo: tuple[pathlib.Path, dict[str, Any]]) -> None:
    folder, results = demo
    check_clean(*open_page(chromium, folder / "sankey.html"))
    chromium.execute_script(
        "document.querySelector('.updatemenu-header').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    clicked = chromium.execute_script(
        "const item = [...document.querySelectorAll('.updatemenu-dropdown-button')]"
        "  .find(b => b.textContent.trim() === arguments[0]);"
        "if (!item) return false; item.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;",
        "heating-peak",
    )
    assert clicked
    WebDriverWait(chromium, 10).until(
        lambda d: "flows, heating-peak" in d.execute_script("return document.querySelector('.gtitle').textContent")
    )
    settle(chromium)
    chromium.execute_script(  # the view with disposal and conventional supply
        "const b = [...document.querySelectorAll('.updatemenu-button')].find(e => e.textContent.includes('disposal'));"
        "b.dispatchEvent(new MouseEvent('click', {bubbles: true}));"
    )
    WebDriverWait(chromium, 10).until(
        lambda d: any(label.startswith("Conventional supply") for label in texts(d, ".sankey-node .node-label"))
    )
    settle(chromium)
    labels = texts(chromium, ".sankey-node .node-label")
    peak = next(label for label in labels if label.startswith("Conventional supply"))
    assert "heat" in peak  # the peak boilers run in the peak hour
    assert any(label.startswith("Steam for absorption heat") for label in labels)
    check_clean(chromium.get_log("browser"), [])
    assert results["period_hours"]["heating-peak"] == 1
    screenshot(chromium, "spec8-demo-sankey-peak")
