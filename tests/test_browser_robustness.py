"""The report's "How sure is this plan" section in a real browser (headless Chromium), for Jinan.

The results folder is what ``circflow optimize parks/jinan_eco_park.yaml --robustness``
writes: near-optimal alternatives within 5 %, the default break-even prices and the
marginal values. The section must show exactly what ``results.json`` holds (one row per
link and process of the plan, one tornado bar pair per varied price, one row per by-product
and per target), load without console errors or network requests, and is kept as a
screenshot beside the others (``$CIRCFLOW_ARTIFACTS/circflow-screenshots/``).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from places import CHROMIUM
from test_browser import check_clean, count, open_page, screenshot

import circflow
from circflow.catalog import data_dir
from circflow.howsure import default_vary

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found")


@pytest.fixture(scope="module")
def jinan_sure(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    park = circflow.load_park(data_dir("parks") / "jinan_eco_park.yaml")
    base = circflow.optimize(park)
    # the page is tested here, not the study: the two default break-even keys that move Jinan's plan
    # (electricity and carbon price, 3 flips each) and two near-optimal plans besides the optimum
    keys = list(default_vary(park, base).items())[:2]
    assert [key for key, _ in keys] == ["economics.electricity_price", "economics.carbon_price"]
    result = circflow.how_sure(park, base, plans=2, vary=dict(keys))
    return result.save(tmp_path_factory.mktemp("jinan") / "results")


def test_how_sure_section_shows_results_json(browser: Any, jinan_sure: pathlib.Path) -> None:
    console, requests = open_page(browser, jinan_sure / "report.html")
    check_clean(console, requests)
    results = json.loads((jinan_sure / "results.json").read_text(encoding="utf-8"))
    found = results["robustness"]
    candidates = found["alternatives"]["candidates"]
    assert count(browser, "#robustness") == 1
    assert "How sure is this plan" in browser.execute_script(
        "return document.querySelector('#robustness h2').textContent"
    )
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#sure-links tbody tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    inside = [c for c in candidates if c["in_optimum"]]
    assert len(rows) == len(inside)
    assert sorted((row[0], row[1]) for row in rows) == sorted((c["link"], c["class"]) for c in inside)
    essential = found["alternatives"]["counts"]["essential"]
    assert sum(row[1] == "essential" for row in rows) == essential
    ranges = found["sensitivity"]["ranges"]
    assert count(browser, "#tornado-chart .ytick") == len(ranges)
    assert count(browser, "#tornado-chart .barlayer .trace") == 2  # the low and the high ends
    flips = [f for f in found["sensitivity"]["break_even"] if f["below"] is not None or f["above"] is not None]
    assert flips
    assert count(browser, "#break-even tbody tr") == len(flips)  # one row per link and price that moves it
    plans = found["alternatives"]["plans"]
    assert len(plans) == 3
    assert count(browser, "#mga-plans tbody tr") == len(plans) - 1  # the optimum is said above the table
    marginals = results["marginals"]
    assert count(browser, "#byproduct-values tbody tr") == sum(m["kind"] in ("supply", "output") for m in marginals)
    assert count(browser, "#target-costs tbody tr") == sum(
        m["kind"] in ("utilization", "emission_cap", "capex_budget") for m in marginals
    )
    shown = browser.execute_script(
        "return [...document.querySelectorAll('#byproduct-values tbody tr')].map(r => r.cells[2].textContent)"
    )
    values = sorted(round(m["value"], 2) for m in marginals if m["kind"] in ("supply", "output"))
    assert sorted(float(v.replace(",", "")) for v in shown) == pytest.approx(values, abs=0.006)
    screenshot(browser, "jinan-how-sure", element="robustness")
