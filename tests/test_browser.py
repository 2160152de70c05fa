"""The pages in a real browser: headless Chromium driven by selenium.

For each shipped park the report and Sankey load with no console error and no network
request (everything is inline), and their charts are drawn. The report's executive summary
shows the figures of results.json; its link table sorts, filters and totals; printed to PDF
on A4 it keeps every link column, hides toolbars and keeps charts whole; on a 390 px phone
the cost chart keeps both bars and the map its height; written with ``--lang zh`` it shows
no untranslated UI string. The comparison and Pareto pages read plotly.min.js beside them.
Waits are WebDriverWait conditions, never sleeps. Screenshots and the PDF's pages are kept as
CI artifacts in ``$CIRCFLOW_ARTIFACTS/circflow-screenshots/`` (default: the system's temp folder).

Chromium and chromedriver are Debian's (``apt-get install chromium chromium-driver``; .ci/run
installs them, and poppler-utils for the PDF's pages). The tests are skipped only when no
chromium binary is found.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
from typing import Any

import pytest
from places import CHROMIUM
from selenium.webdriver.support.wait import WebDriverWait

import circflow
from circflow.catalog import data_dir
from circflow.exports.labels import Namer, carried
from circflow.i18n import compact, language, year_number

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium binary found (apt-get install chromium chromium-driver; .ci/run does this)"
)

PARKS = ("tiny", "kalundborg", "jinan_eco_park")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "chrome-untrusted:", "devtools:")
ARTIFACTS = pathlib.Path(os.environ.get("CIRCFLOW_ARTIFACTS", tempfile.gettempdir())) / "circflow-screenshots"
A4_POINTS = (595, 842)
"""An A4 page in PDF points (210 x 297 mm)."""


def park(name: str, lang: str | None = None) -> circflow.Park:
    loaded = circflow.load_park(data_dir("parks") / f"{name}.yaml")
    if lang is None:
        return loaded
    return loaded.model_copy(update={"park": loaded.park.model_copy(update={"lang": lang})})


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Results folders of the shipped parks, as `circflow optimize` writes them."""
    return {name: circflow.optimize(park(name)).save(tmp_path_factory.mktemp(name) / "results") for name in PARKS}


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
    missing = driver.execute_script(
        "const known = Object.keys(Plotly.PlotSchema.get().traces);"
        "return [...document.querySelectorAll('.js-plotly-plot')].flatMap(p => p.data.map(t => t.type || 'scatter'))"
        ".filter(type => !known.includes(type));"
    )
    assert missing == [], f"{page.name} draws traces circflow's plotly.js does not hold (tools/plotly-bundle)"
    console = driver.get_log("browser")
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    return console, requests


def screenshot(driver: Any, name: str, element: str | None = None) -> pathlib.Path:
    """A PNG of the whole page, or of the element with id ``element``, in the artifacts folder,
    checked to show something (`drawn`).

    Chromium draws what lies below the window too (``captureBeyondViewport``), at the window's
    size: the page is not laid out again for a taller window (at most 16,000 px of it). The PNG
    is compressed for speed, not size: 0.46 s instead of 0.72-0.81 s for the Jinan report."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    area = driver.execute_script(
        "const e = arguments[0] ? document.getElementById(arguments[0]) : document.documentElement;"
        "const r = e.getBoundingClientRect();"
        "return {x: r.left + scrollX, y: r.top + scrollY,"
        " width: arguments[0] ? r.width : e.scrollWidth, height: arguments[0] ? r.height : e.scrollHeight};",
        element,
    )
    area["height"] = min(area["height"], 16000)
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "optimizeForSpeed": True, "captureBeyondViewport": True, "clip": {**area, "scale": 1}},
    )
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return drawn(path)


def drawn(path: pathlib.Path) -> pathlib.Path:
    """``path``, once its picture is shown not to be blank: a page's antialiased text and charts take
    hundreds of colours (334 to 9,578 in the pictures of these tests), a blank render one."""
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").reduce(4).getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) >= 256, f"{path.name} is (nearly) blank: {len(colours)} colours"
    return path


def test_a_blank_picture_is_not_taken_for_a_drawn_one(tmp_path: pathlib.Path) -> None:
    """What `drawn` refuses: a white page the size of Jinan's report, and one with a single line
    of black text (two colours, and the grey of its edges once halved)."""
    from PIL import Image, ImageDraw

    blank = tmp_path / "blank.png"
    Image.new("RGB", (1300, 14000), "white").save(blank)
    with pytest.raises(AssertionError, match="blank"):
        drawn(blank)
    line = tmp_path / "line.png"
    image = Image.new("RGB", (1300, 1000), "white")
    ImageDraw.Draw(image).text((10, 10), "circflow", fill="black")
    image.save(line)
    with pytest.raises(AssertionError, match="blank"):
        drawn(line)


def count(driver: Any, selector: str) -> int:
    return driver.execute_script(f"return document.querySelectorAll({json.dumps(selector)}).length")


def texts(driver: Any, selector: str) -> list[str]:
    return driver.execute_script(
        f"return [...document.querySelectorAll({json.dumps(selector)})].map(e => e.textContent.trim());"
    )


def check_clean(console: list[dict[str, Any]], requests: list[str]) -> None:
    errors = [entry["message"] for entry in console if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert [url for url in requests if not url.startswith(LOCAL_SCHEMES)] == []


def results_of(folder: pathlib.Path) -> dict[str, Any]:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", PARKS)
def test_report_renders_offline(browser: Any, folders: dict[str, pathlib.Path], name: str) -> None:
    console, requests = open_page(browser, folders[name] / "report.html")
    check_clean(console, requests)
    results = results_of(folders[name])
    assert count(browser, ".js-plotly-plot") == 3 + bool(results.get("time_series"))  # + slice coverage
    assert count(browser, "#cost-chart .barlayer .point path") >= 2
    enterprises = {link[side] for link in results["links"] for side in ("from", "to")}
    assert count(browser, "#sankey-chart .sankey-node") >= len(enterprises)  # one node per enterprise
    markers = count(browser, "#map-chart .scatterlayer .trace .points path")
    assert markers >= len(results["enterprises"]) + len(results["links"])  # enterprises, link arrows (+ far ones)
    assert count(browser, "#link-table tbody tr") == len(results["links"])
    assert browser.execute_script("return document.title").startswith(results["park"])
    screenshot(browser, f"{name}-report")


@pytest.mark.parametrize("name", PARKS)
def test_sankey_renders_offline_and_switches_period(browser: Any, folders: dict[str, pathlib.Path], name: str) -> None:
    console, requests = open_page(browser, folders[name] / "sankey.html")
    check_clean(console, requests)
    assert count(browser, ".sankey-node") > 0
    assert count(browser, ".sankey-link") > 0
    results = results_of(folders[name])
    assert browser.execute_script("return document.title") == f"{results['park']}: flows"
    screenshot(browser, f"{name}-sankey")
    period = results["periods"][0]
    browser.execute_script(
        "document.querySelector('.updatemenu-header').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    clicked = browser.execute_script(
        "const item = [...document.querySelectorAll('.updatemenu-dropdown-button')]"
        "  .find(b => b.textContent.trim() === arguments[0]);"
        "if (!item) return false; item.dispatchEvent(new MouseEvent('click', {bubbles: true})); return true;",
        period.replace("_", " "),
    )
    assert clicked
    wait_until(
        browser,
        "return document.querySelector('.gtitle').textContent.includes(arguments[0])",
        "the period dropdown did not redraw the diagram",
        f"flows, {period.replace('_', ' ')}",
    )
    wait_until(browser, PLOTS_DRAWN, "the diagram did not finish redrawing")
    assert count(browser, ".sankey-node") > 0
    check_clean(browser.get_log("browser"), [])


def test_summary_shows_the_figures_of_results_json(browser: Any, folders: dict[str, pathlib.Path]) -> None:
    """Jinan's summary: the cards, the payback and how it is computed, and each item of what to build
    with its capex, saving, payback and CO2, adding up to the totals row."""
    folder = folders["jinan_eco_park"]
    results = results_of(folder)
    check_clean(*open_page(browser, folder / "report.html"))
    kpis = results["kpis"]
    cards = dict(
        zip(
            browser.execute_script("return [...document.querySelectorAll('.card')].map(c => c.dataset.card)"),
            texts(browser, ".card .value"),
            strict=True,
        )
    )
    assert cards["saving"] == f"{compact(kpis['savings']['total_cost'])} CNY/yr"
    assert cards["co2"] == f"{compact(kpis['savings']['emissions'])} tCO2/yr"
    assert cards["capex"] == f"{compact(kpis['capex'])} CNY"
    payback = kpis["capex"] / (kpis["savings"]["total_cost"] + kpis["capital_charge"])
    assert cards["payback"] == f"{year_number(payback)} years"
    note = texts(browser, "#payback-note")[0]
    assert f"{compact(kpis['capital_charge'])} CNY of capital charge" in note
    assert f"= {compact(kpis['operating_saving'])} CNY a year" in note
    lede = texts(browser, "#summary .lede")[0]
    assert lede.startswith("The plan builds ")
    assert f"pays back in {year_number(payback)} years" in lede
    rows = browser.execute_script(
        "return [...document.querySelectorAll('#build-table tbody tr')].map(r => [...r.cells].map("
        "c => [c.textContent.trim(), c.dataset.v === undefined ? null : c.dataset.v]));"
    )
    namer = Namer(results)
    by_item = {(row[0][0], row[1][0]): row for row in rows}
    standalone = [
        link
        for link in results["links"]
        if not link["existing"]
        and not link["on_site"]
        and "steel#grinding" not in link["from_stream"] + link["to_stream"]
    ]
    assert len(rows) == len(standalone) + 1  # and the grinding station with its links
    for link in standalone:
        row = by_item[f"{namer.end(link, 'from')} → {namer.end(link, 'to')}", carried(link)]
        assert float(row[2][1]) == pytest.approx(link["capex"])
        assert float(row[3][1]) == pytest.approx(link["net_saving"])
        assert row[4][0] == year_number(link["payback_years"])
        assert float(row[5][1]) == pytest.approx(link["co2_avoided"])
    grinding = next(row for row in rows if row[0][0].startswith("Slag grinding station"))
    process = next(p for p in results["processes"] if p["id"] == "steel#grinding")
    chain = [link for link in results["links"] if "steel#grinding" in link["from_stream"] + link["to_stream"]]
    assert float(grinding[2][1]) == pytest.approx(process["capex"] + sum(link["capex"] for link in chain))
    assert float(grinding[3][1]) == pytest.approx(
        sum(link["net_saving"] for link in chain) - process["annualized_capex"]
    )
    total = browser.execute_script(
        "return [...document.querySelector('#build-table tfoot tr').cells].map(c => c.textContent.trim())"
    )
    assert total[2] == f"{kpis['capex']:,.0f}"
    screenshot(browser, "jinan-summary", element="summary")


def test_link_table_sorts_filters_and_totals(browser: Any, folders: dict[str, pathlib.Path]) -> None:
    folder = folders["jinan_eco_park"]
    results = results_of(folder)
    check_clean(*open_page(browser, folder / "report.html"))
    heads = texts(browser, "#link-table thead th")
    saving = heads.index("net saving (k CNY/yr)")
    browser.execute_script("document.querySelectorAll('#link-table thead th')[arguments[0]].click()", saving)
    values = browser.execute_script(
        "return [...document.querySelectorAll('#link-table tbody tr')].map("
        "r => parseFloat(r.cells[arguments[0]].dataset.v))",
        saving,
    )
    assert values == sorted(values, reverse=True)
    assert values[0] == pytest.approx(max(link["net_saving"] for link in results["links"]) / 1e3)
    footer = "return document.querySelector('#link-table tfoot tr').cells[arguments[0]].textContent"
    everything = browser.execute_script(footer, saving)
    assert everything == f"{sum(link['net_saving'] for link in results['links']) / 1e3:,.0f}"
    browser.execute_script(
        "const s = document.querySelector('.table-tools select[data-column=\"1\"]');"
        "s.value = 'heat'; s.dispatchEvent(new Event('change'));"
    )
    heat = [link for link in results["links"] if link["resource"] == "heat"]
    WebDriverWait(browser, 5).until(lambda d: d.execute_script(footer, saving) != everything)
    assert count(browser, "#link-table tbody tr:not([style*='none'])") == len(heat)
    assert browser.execute_script(footer, saving) == f"{sum(link['net_saving'] for link in heat) / 1e3:,.0f}"
    delivered = heads.index("delivered per year")
    assert browser.execute_script(footer, delivered).endswith(" MWh")  # one unit: it adds up


def test_report_prints_on_a4_with_every_link_column(browser: Any, folders: dict[str, pathlib.Path]) -> None:
    """Printed to PDF: A4 pages; in print media the link table fits the page's width with every column,
    toolbars and menus are hidden, charts are scaled to the page and kept whole."""
    folder = folders["jinan_eco_park"]
    check_clean(*open_page(browser, folder / "report.html"))
    heads = texts(browser, "#link-table thead th")
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "jinan-report.pdf"
    path.write_bytes(base64.b64decode(pdf["data"]))
    sizes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", path.read_bytes())
    assert sizes
    assert {(round(float(w)), round(float(h))) for w, h in sizes} == {A4_POINTS}
    if shutil.which("pdftoppm"):  # the pages as PNG, to look at
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(ARTIFACTS / "jinan-report-page")], check=True)
        for page_png in sorted(ARTIFACTS.glob("jinan-report-page-*.png")):
            drawn(page_png)
    try:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        browser.set_window_size(800, 1000)  # about an A4 page's text width and more
        page = browser.execute_script("return document.querySelector('main').getBoundingClientRect().width")
        table = browser.execute_script("return document.getElementById('link-table').getBoundingClientRect().width")
        assert table <= page + 1
        shown = browser.execute_script(
            "return [...document.querySelectorAll('#link-table thead th')].map(th => [th.textContent.trim(),"
            " th.getBoundingClientRect().width > 0 && getComputedStyle(th).display !== 'none'])"
        )
        assert [name for name, visible in shown if visible] == heads  # every column, none cut
        for hidden in (".modebar-container", ".updatemenu-container", "nav", ".table-tools"):
            assert browser.execute_script(
                "return [...document.querySelectorAll(arguments[0])].every(e => getComputedStyle(e).display === 'none')",
                hidden,
            ), hidden
        assert browser.execute_script(
            "return [...document.querySelectorAll('.chart')].every(c => getComputedStyle(c).breakInside === 'avoid')"
        )
        widths = browser.execute_script(
            "return [...document.querySelectorAll('.chart')].map(c => c.getBoundingClientRect().width)"
        )
        assert max(widths) <= page + 1  # scaled to the page, not cut
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_window_size(1300, 1000)


def test_phone_layout_keeps_every_chart_readable(browser: Any, folders: dict[str, pathlib.Path]) -> None:
    """At 390 px: the cost chart draws both bars with its legend below, the map a square view of the
    park, the Sankey scrolls sideways at a readable width; the page itself never scrolls sideways."""
    folder = folders["jinan_eco_park"]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        check_clean(*open_page(browser, folder / "report.html"))
        narrow = "return [...document.querySelectorAll('.chart[data-narrow]')].every(c => c.dataset.now === 'narrow')"
        WebDriverWait(browser, 10).until(lambda d: d.execute_script(narrow), "the charts kept their wide layout")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        ticks = texts(browser, "#cost-chart .ytick text")
        assert {"plan", "status quo"} <= set(ticks)
        bars = browser.execute_script(
            "return [...document.querySelectorAll('#cost-chart .barlayer .point path')]"
            ".map(p => p.getBoundingClientRect().width)"
        )
        assert sum(1 for width in bars if width > 1) >= 4  # parts of both bars, inside the screen
        cost = browser.execute_script("return document.querySelector('#cost-chart .nsewdrag').getBoundingClientRect()")
        assert cost["right"] <= 390
        plot = browser.execute_script("return document.querySelector('#map-chart .nsewdrag').getBoundingClientRect()")
        assert plot["height"] >= 250
        assert plot["width"] >= 250
        assert plot["right"] <= 390
        sankey = browser.execute_script("return document.getElementById('sankey-chart').getBoundingClientRect().width")
        assert sankey >= 700  # its own width, in a box that scrolls sideways
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / "jinan-report-390px.png"
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": 390,
                "height": browser.execute_script("return document.documentElement.scrollHeight"),
                "deviceScaleFactor": 1,
                "mobile": True,
            },
        )
        browser.save_screenshot(str(path))
        drawn(path)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


UNTRANSLATED = """
const out = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode(node) {
  for (let e = node.parentElement; e; e = e.parentElement) {
    if (['SCRIPT', 'STYLE'].includes(e.tagName) || e.getAttribute('translate') === 'no') return NodeFilter.FILTER_REJECT;
  }
  return NodeFilter.FILTER_ACCEPT; }});
while (walk.nextNode()) out.push(walk.currentNode.textContent);
return out.join(' \\n ');
"""
"""Every text the page shows (charts' SVG included), except what is marked translate="no"."""


@pytest.mark.parametrize("name", ["tiny", "jinan_eco_park"])
def test_chinese_report_shows_no_untranslated_ui_string(browser: Any, tmp_path: pathlib.Path, name: str) -> None:
    """A park written with lang zh: the page says lang="zh-CN", asks for a CJK font, and every word it
    shows is Chinese, a unit or the park's own names (the catalogue's coverage, as read on screen)."""
    from test_i18n import untranslated

    folder = circflow.optimize(park(name, "zh")).save(tmp_path / "results")
    results = results_of(folder)
    for page in ("report.html", "sankey.html"):
        check_clean(*open_page(browser, folder / page))
        assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
        assert "Noto Sans CJK SC" in browser.execute_script("return getComputedStyle(document.body).fontFamily")
        assert untranslated(browser.execute_script(UNTRANSLATED), results) == [], page
        if page == "report.html":
            with language("zh"):
                assert texts(browser, "#summary h3")[0] == "建设内容"
            screenshot(browser, f"{name}-report-zh")


def test_compare_and_pareto_pages_render_offline(browser: Any, tmp_path: pathlib.Path) -> None:
    """compare.html and pareto.html read plotly.min.js beside them and draw: the status quo in the
    table and as a reference on the charts, the marginal abatement cost per point."""
    from circflow.comparison import compare_park, save_comparison
    from circflow.front import pareto_results, save_front

    path = data_dir("parks") / "jinan_eco_park.yaml"
    table, runs = compare_park(path, ["carbon_100", "no_absorption"])
    compared = save_comparison(tmp_path / "compare", table, runs)
    console, requests = open_page(browser, compared / "compare.html")
    check_clean(console, requests)
    assert any(url.endswith("/plotly.min.js") for url in requests)
    assert texts(browser, "#compare-table tbody tr td:first-child")[:2] == ["status quo", "base"]
    assert count(browser, "#compare-chart .barlayer .point path") >= 9
    screenshot(browser, "jinan-compare")
    front = save_front(tmp_path / "pareto", pareto_results(park("tiny"), 4))
    check_clean(*open_page(browser, front / "pareto.html"))
    heads = texts(browser, "#front-table thead th")
    assert "marginal abatement cost (CNY/tCO2)" in heads
    assert "status quo" in texts(browser, "#pareto-chart .legendtext")
    x_range = browser.execute_script("return document.getElementById('pareto-chart')._fullLayout.xaxis.range")
    assert x_range[0] <= 0  # from zero: the front's small span stays small
    screenshot(browser, "tiny-pareto")
