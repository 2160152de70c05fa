"""report.html and sankey.html in a real browser: headless Chromium driven by selenium.

For each shipped park the pages must load with no console error and no network request
(everything is inline), and their charts must be drawn: the DOM holds the Sankey's nodes,
the map's markers and the cost chart's bars. The period dropdown of the Sankey is clicked
and must redraw. A full-page screenshot of each page is kept as a CI artifact in
``$CIRCFLOW_ARTIFACTS/circflow-screenshots/`` (default: the system's temp folder).

Chromium and chromedriver are Debian's (``apt-get install chromium chromium-driver``; .ci/run
installs them). The tests are skipped only when no chromium binary is found.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.support.wait import WebDriverWait

import circflow
from circflow.catalog import data_dir

CHROMIUM = next((path for path in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser"),
                                   shutil.which("google-chrome")) if path and pathlib.Path(path).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found (apt-get install chromium "
                                                        "chromium-driver; .ci/run does this)")

PARKS = ("tiny", "kalundborg", "jinan_eco_park")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "chrome-untrusted:", "devtools:")
ARTIFACTS = pathlib.Path(os.environ.get("CIRCFLOW_ARTIFACTS", tempfile.gettempdir())) / "circflow-screenshots"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--window-size=1300,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Results folders of the shipped parks, as `circflow optimize` writes them."""
    return {name: circflow.optimize(circflow.load_park(data_dir("parks") / f"{name}.yaml"))
            .save(tmp_path_factory.mktemp(name) / "results") for name in PARKS}


PLOTS_DRAWN = (
    "const plots = document.querySelectorAll('.js-plotly-plot');"
    "return document.readyState === 'complete' && plots.length > 0 && [...plots].every(p =>"
    "  p.querySelector('svg.main-svg') && p._fullLayout && !p._transitioning && (p._promises || []).length === 0);"
)
"""Every plotly chart of the page has drawn and has no drawing left pending (``gd._promises``)."""


def wait_until(driver: Any, script: str, message: str, *args: object) -> None:
    """Wait for a condition on the DOM (a script returning true), up to 30 s; fail with ``message``."""
    WebDriverWait(driver, 30, poll_frequency=0.05).until(lambda d: d.execute_script(script, *args), message)


def open_page(driver: Any, page: pathlib.Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Load a page, wait until plotly has drawn it; return its console messages and the URLs it requested."""
    driver.get("about:blank")
    driver.get_log("browser")  # drop what came before
    driver.get_log("performance")
    driver.get(page.resolve().as_uri())
    wait_until(driver, PLOTS_DRAWN, f"{page.name}: plotly did not finish drawing within 30 s")
    console = driver.get_log("browser")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    return console, requests


def screenshot(driver: Any, name: str) -> pathlib.Path:
    """A full-page PNG of the current page in the artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = min(max(driver.execute_script("return document.documentElement.scrollHeight"), 800), 12000)
    driver.set_window_size(1300, height)
    wait_until(driver, "return window.outerHeight === arguments[0]", "the window did not resize", height)
    wait_until(driver, PLOTS_DRAWN, f"{name}: plotly did not redraw at the new size")
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1300, 1000)
    return path


def count(driver: Any, selector: str) -> int:
    return driver.execute_script(f"return document.querySelectorAll({json.dumps(selector)}).length")


def check_clean(console: list[dict[str, Any]], requests: list[str]) -> None:
    errors = [entry["message"] for entry in console if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []


@pytest.mark.parametrize("name", PARKS)
def test_report_renders_offline(browser: Any, folders: dict[str, pathlib.Path], name: str) -> None:
    console, requests = open_page(browser, folders[name] / "report.html")
    check_clean(console, requests)
    results = json.loads((folders[name] / "results.json").read_text(encoding="utf-8"))
    assert count(browser, ".js-plotly-plot") == 3 + bool(results.get("time_series"))  # + slice coverage
    assert count(browser, "#cost-chart .barlayer .point path") >= 2
    assert count(browser, "#sankey-chart .sankey-node") >= 2 * len({link["from"] for link in results["links"]})
    markers = count(browser, "#map-chart .scatterlayer .trace .points path")
    assert markers >= len(results["enterprises"]) + len(results["links"])  # enterprises, link arrows (+ far ones)
    assert count(browser, "#links tbody tr") == len(results["links"])
    assert browser.execute_script("return document.title").startswith(results["park"])
    assert screenshot(browser, f"{name}-report").stat().st_size > 10_000


@pytest.mark.parametrize("name", PARKS)
def test_sankey_renders_offline_and_switches_period(browser: Any, folders: dict[str, pathlib.Path],
                                                    name: str) -> None:
    console, requests = open_page(browser, folders[name] / "sankey.html")
    check_clean(console, requests)
    assert count(browser, ".sankey-node") > 0
    assert count(browser, ".sankey-link") > 0
    assert screenshot(browser, f"{name}-sankey").stat().st_size > 10_000
    results = json.loads((folders[name] / "results.json").read_text(encoding="utf-8"))
    period = results["periods"][0]
    browser.execute_script("document.querySelector('.updatemenu-header').dispatchEvent("
                           "new MouseEvent('click', {bubbles: true}))")
    clicked = browser.execute_script(
        "const item = [...document.querySelectorAll('.updatemenu-dropdown-button')]"
        "  .find(b => b.textContent.trim() === arguments[0]);"
        "if (!item) return false; item.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;",
        period.replace("_", " "))
    assert clicked
    wait_until(browser, "return document.querySelector('.gtitle').textContent.includes(arguments[0])",
               "the period dropdown did not redraw the diagram", f"flows, {period.replace('_', ' ')}")
    wait_until(browser, PLOTS_DRAWN, "the diagram did not finish redrawing")
    assert count(browser, ".sankey-node") > 0
    check_clean(browser.get_log("browser"), [])
