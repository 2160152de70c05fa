"""The exports of SPEC 8 parks: markets, processes, heat technologies and time slices.

Runs the demo park ``tests/data/spec8_demo.yaml`` (every SPEC 8 feature at once) and the
shared acceptance park with a grinding station and a market (``market-process.yaml``,
copied to ``tests/data/parks/`` so the test needs nothing outside the repository), and checks each export
against ``results.json``: Sankey, map, GeoJSON, workbook and report.
"""

from __future__ import annotations

import csv
import html
import json
import pathlib
import re
from typing import Any

import openpyxl
import pytest
from helpers import run
from places import DATA, PARKS, park_text

import circflow
from circflow.comparison import compare_table
from circflow.exports.geojson import network_geojson
from circflow.exports.netmap import _distance_km, network_map_figure_dict
from circflow.exports.outputs import write_outputs
from circflow.exports.report import heat_coverage, market_sales, report_html
from circflow.exports.sankey import _collect, sankey_figure_dict
from circflow.exports.workbook import write_workbook

MARKET_PROCESS_YAML = park_text("market-process")


@pytest.fixture(scope="module")
def spec8(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """results.json of the demo park and of the market-and-grinding park (by name)."""
    folder = tmp_path_factory.mktemp("spec8")
    out = {}
    for name, path in (("demo", DATA / "spec8_demo.yaml"), ("market", PARKS / "market-process.yaml")):
        saved = circflow.optimize(circflow.load_park(path)).save(folder / f"{name}-results")
        out[name] = json.loads((saved / "results.json").read_text(encoding="utf-8"))
    return out


def sankey_links(
    results: dict[str, Any], period: str | None = None, view: int = 0
) -> dict[tuple[str, str, str], float]:
    """(source name, target name, resource) -> amount in its unit, for links with a positive amount.

    View 0 is the plan's links; view 1 adds disposal, losses and conventional supply.
    """
    trace = sankey_figure_dict(results, period)["data"][view]
    names = [html.unescape(re.match(r"<b>(.*?)</b>", data).group(1)) for data in trace["node"]["customdata"]]
    links: dict[tuple[str, str, str], float] = {}
    for s, t, data in zip(trace["link"]["source"], trace["link"]["target"], trace["link"]["customdata"], strict=True):
        if data[2] > 0:
            links[names[s], names[t], data[3]] = links.get((names[s], names[t], data[3]), 0.0) + data[2]
    return links


def hovers(results: dict[str, Any]) -> list[str]:
    return [data[0] for data in sankey_figure_dict(results)["data"][0]["link"]["customdata"]]


# --- Sankey --------------------------------------------------------------------------------


def test_sankey_process_is_a_middle_node_and_market_its_own(spec8: dict[str, dict[str, Any]]) -> None:
    """Slag goes steel works -> grinding station's process -> market, 2,500 t lost in grinding."""
    process, market = "grinding at Slag grinding station", "Cement plants outside the park (market)"
    assert sankey_links(spec8["market"]) == {
        ("Steel works", process, "slag"): pytest.approx(50_000),
        (process, market, "slag"): pytest.approx(47_500),
    }
    assert sankey_links(spec8["market"], view=1)[process, "Losses", "slag"] == pytest.approx(2_500)
    diagram = _collect(spec8["market"], leftovers=False)
    column = {diagram.names[node]: place for node, place in diagram.columns().items()}
    assert column["Steel works"] < column[process] < column[market]


def test_sankey_draws_each_enterprise_once(spec8: dict[str, dict[str, Any]]) -> None:
    for results in spec8.values():
        for trace in sankey_figure_dict(results)["data"]:
            names = [data for data in trace["node"]["customdata"]]
            assert len(names) == len(set(names))
    links = sankey_links(spec8["demo"])
    names = {name for key in links for name in key[:2]}
    assert "Coal power plant" in names
    assert "Fly-ash classifier at Coal power plant" in names  # a process: its own node, in the middle
    assert not any(name.startswith("Slag grinding station (candidate) · ") for name in names)


def test_sankey_heat_links_bring_their_drive(spec8: dict[str, dict[str, Any]]) -> None:
    """Each heat link runs from its source to the city; a heat pump's drive comes in at the city:
    electricity = delivered / COP for the electric one, steam = the link's drive_mwh for absorption,
    so the city takes every link's heat delivered."""
    results = spec8["demo"]
    links = sankey_links(results)
    heat = {link["type"]: link for link in results["links"] if link["resource"] == "heat"}
    assert set(heat) == {"direct", "preheat", "heat_pump", "absorption"}
    electric, absorption = heat["heat_pump"], heat["absorption"]
    assert links[("Electricity for heat pumps", "City heating network", "electricity")] == pytest.approx(
        electric["delivered_total"] / electric["cop"]
    )
    assert links[("Steam for absorption heat pumps", "City heating network", "steam")] == pytest.approx(
        absorption["drive_mwh"]
    )
    into_city = sum(amount for (_s, target, _r), amount in links.items() if target == "City heating network")
    assert into_city == pytest.approx(sum(link["delivered_total"] for link in heat.values()))
    texts = hovers(results)
    for label in ("direct heat exchange", "preheating of return water", "electric heat pump", "absorption heat pump"):
        assert any(label in text for text in texts), label


def test_sankey_hover_names_temperatures_cop_and_on_site(spec8: dict[str, dict[str, Any]]) -> None:
    texts = hovers(spec8["demo"])
    pump = next(text for text in texts if "electric heat pump" in text)
    assert "COP 3.53" in pump
    assert "source 50→35 °C, sink 45→75 °C" in pump
    assert any(
        text.startswith("Wastewater treatment plant → Wastewater treatment plant · Water reuse to cooling grade")
        and "(on site)" in text
        for text in texts
    )


def test_sankey_process_node_balances(spec8: dict[str, dict[str, Any]]) -> None:
    """What enters a process leaves it: to users, to disposal or lost in processing (year and each slice)."""
    results = spec8["demo"]
    for period in (None, *results["periods"]):
        links = sankey_links(results, period, view=1)
        for process in results["processes"]:
            name = f"{process['name']} at "
            into = sum(v for (s, t, _r), v in links.items() if t.startswith(name))
            out = sum(v for (s, t, _r), v in links.items() if s.startswith(name))
            received = process["input_total"] if period is None else process["input"][period]
            assert into == pytest.approx(received, rel=1e-9, abs=1e-6)
            assert out == pytest.approx(received, rel=1e-9, abs=1e-6)


# --- map and GeoJSON ---------------------------------------------------------------------


def trace_named(figure: dict[str, Any], name: str) -> dict[str, Any]:
    return next(trace for trace in figure["data"] if trace.get("name") == name)


def test_map_draws_markets_and_points_to_the_far_one(spec8: dict[str, dict[str, Any]]) -> None:
    """Zibo's cement plants (90 km off) stay outside the first view: an arrow at its edge gives the
    name and the straight distance from the grinding station (haversine); the city's ready-mix
    plants are a diamond in view."""
    results = spec8["demo"]
    figure = network_map_figure_dict(results)
    markets = trace_named(figure, "markets (outside buyers)")
    assert markets["marker"]["symbol"] == "diamond"
    named = {a["name"]: a["text"] for a in figure["layout"]["annotations"] if a.get("name", "").startswith("name:")}
    assert named["name:city_concrete"] == "Ready-mix concrete<br>plants, city"  # on two lines, not cut
    assert "name:zibo_cement" not in named  # outside the view: named by its arrow
    assert "revenue 14,850,000 CNY/yr" in markets["hovertext"][1]
    far = trace_named(figure, "outside this view")
    grinder = next(e for e in results["enterprises"] if e["id"] == "grinder")["location"]
    zibo = next(m for m in results["markets"] if m["id"] == "zibo_cement")["location"]
    km = _distance_km(results, (grinder["lon"], grinder["lat"]), (zibo["lon"], zibo["lat"]))
    assert far["text"] == [f"Cement and concrete plants,<br>Zibo<br>{km:,.0f} km · market"]
    x0, x1 = figure["layout"]["xaxis"]["range"]
    y0, y1 = figure["layout"]["yaxis"]["range"]
    assert not x0 <= zibo["lon"] <= x1
    assert x0 < far["x"][0] < x1
    assert y0 < far["y"][0] < y1
    assert far["x"][0] > x0 + 0.9 * (x1 - x0)  # at the view's east edge, towards Zibo


def test_map_marks_enterprises_with_processes_and_skips_on_site_lines(spec8: dict[str, dict[str, Any]]) -> None:
    results = spec8["demo"]
    figure = network_map_figure_dict(results)
    squares = trace_named(figure, "processes")
    assert len(squares["x"]) == 3  # the grinding station, the power plant (classifier), the wastewater plant
    reuse = next(text for text in squares["hovertext"] if text.startswith("<b>Wastewater treatment plant</b>"))
    process = next(p for p in results["processes"] if p["id"] == "wwtp#reuse")
    assert f"{process['input_total']:,.0f} m3/yr in" in reuse
    assert "on site: reclaimed water" in reuse
    arrows = sum(len(t["x"]) for t in figure["data"] if t.get("marker", {}).get("symbol") == "triangle-up")
    assert arrows == sum(1 for link in results["links"] if not link["on_site"])


def test_map_link_hover_gives_technology_temperatures_and_full_load_hours(spec8: dict[str, dict[str, Any]]) -> None:
    results = spec8["demo"]
    figure = network_map_figure_dict(results)
    heat = next(t for t in figure["data"] if t["name"] == "heat" and "text" in t)  # the arrows carry the hover
    pump = next(link for link in results["links"] if link["type"] == "heat_pump")
    text = next(t for t in heat["text"] if "electric heat pump" in t)
    assert "source 50→35 °C, sink 45→75 °C" in text
    assert f"COP {pump['cop']:.2f}" in text
    assert f"{pump['full_load_hours']:,.0f} full-load hours" in text


def test_geojson_has_markets_processes_and_on_site_points(spec8: dict[str, dict[str, Any]]) -> None:
    results = spec8["demo"]
    collection = network_geojson(results)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for feature in collection["features"]:
        by_kind.setdefault(feature["properties"]["feature"], []).append(feature)
    markets = {f["id"]: f for f in by_kind["market"]}
    assert set(markets) == {"zibo_cement", "city_concrete"}
    assert markets["zibo_cement"]["geometry"]["coordinates"] == [117.88, 36.78]
    sales = [link for link in results["links"] if link["to"] == "zibo_cement"]
    assert markets["zibo_cement"]["properties"]["sold"] == {
        "slag": pytest.approx(sum(link["delivered_total"] for link in sales))
    }
    assert markets["zibo_cement"]["properties"]["revenue"] == pytest.approx(
        sum(link["market_revenue"] for link in sales)
    )
    processes = {f["id"]: f["properties"] for f in by_kind["process"]}
    assert processes == {p["id"]: {"feature": "process", **p} for p in results["processes"]}
    assert next(f for f in by_kind["enterprise"] if f["id"] == "power")["properties"]["processes"] == [
        "power#classifier"
    ]
    on_site = [f for f in by_kind["link"] if f["properties"]["on_site"]]
    assert len(on_site) == 2
    assert all(f["geometry"]["type"] == "Point" for f in on_site)


# --- report ------------------------------------------------------------------------------


def test_heat_coverage_adds_up_and_finds_the_peak_slice(spec8: dict[str, dict[str, Any]]) -> None:
    results = spec8["demo"]
    (city,) = heat_coverage(results)
    assert city["name"] == "City heating network"
    into = [link for link in results["links"] if link["to_stream"] == "city.demands[0]"]
    conventional = next(row for row in results["baseline_supply"] if row["enterprise"] == "city")["amount"]
    for period in city["periods"]:
        name = period["period"]
        assert period["hours"] == results["period_hours"][name]
        assert period["links"] == pytest.approx(sum(link["delivered"][name] for link in into))
        assert period["conventional"] == pytest.approx(conventional[name])
        assert period["demand"] == pytest.approx(period["links"] + period["conventional"])
        assert set(period["by"]) == {"direct", "preheat", "heat_pump", "absorption"}
    assert [p["period"] for p in city["periods"] if p["peak"]] == ["heating-peak"]
    peak = next(p for p in city["periods"] if p["peak"])
    assert peak["hours"] == 1
    assert peak["conventional"] > 0  # the peak boilers stay


def test_report_shows_processes_markets_heat_links_and_slices(spec8: dict[str, dict[str, Any]]) -> None:
    results = spec8["demo"]
    page = report_html(results)
    for section in ("heat", "processes", "markets", "slices"):
        assert f"<section id='{section}'>" in page
    for process in results["processes"]:
        assert html.escape(process["name"]) in page
        assert f">{process['capex']:,.0f}<" in page
        assert f">{process['input_total']:,.0f}<" in page
    for sale in market_sales(results):
        assert f">{sale['revenue']:,.0f}<" in page
    assert f">{results['kpis']['market_revenue']:,.0f}<" in page  # the markets' total
    assert "sales to markets" in page  # a KPI card
    for link in results["links"]:
        if link["type"] == "transport":
            continue
        assert f"{link['source_inlet_c']:g} → {link['source_outlet_c']:g}" in page
        assert f"{link['sink_return_c']:g} → {link['sink_supply_c']:g}" in page
        assert f">{link['full_load_hours']:,.0f}<" in page
        if link["cop"]:
            assert f">{link['cop']:.2f}<" in page
    made = results["time_series"]
    assert html.escape(made["file"]) in page
    assert f">{made['columns']['city_heat']['relative_rmse']:.1%}<" in page
    assert page.count('id="coverage-chart"') == 1


def test_report_of_a_park_without_spec8_keys_has_no_new_sections(tmp_path: pathlib.Path) -> None:
    """Processes, markets and slices appear only when the park has them."""
    park = circflow.load_park(DATA.parent.parent / "parks" / "tiny.yaml")
    page = report_html(circflow.optimize(park).to_dict())
    for section in ("processes", "markets", "slices"):
        assert f"<section id='{section}'>" not in page
    assert "sales to markets" not in page
    assert "coverage-chart" not in page  # plain periods: tables only


# --- workbook ----------------------------------------------------------------------------


def sheet(book: Any, name: str) -> list[dict[str, Any]]:
    """A sheet's rows as dicts by header, its totals row left out."""
    header = [cell.value for cell in book[name][1]]
    return [
        dict(zip(header, row, strict=True))
        for row in book[name].iter_rows(min_row=2, values_only=True)
        if row[0] != "total"
    ]


@pytest.fixture(scope="module")
def demo_book(spec8: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    return openpyxl.load_workbook(write_workbook(tmp_path_factory.mktemp("book") / "results.xlsx", spec8["demo"]))


def test_workbook_processes_sheet_equals_results_json(spec8: dict[str, dict[str, Any]], demo_book: Any) -> None:
    results = spec8["demo"]
    rows = {row["id"]: row for row in sheet(demo_book, "processes")}
    assert set(rows) == {p["id"] for p in results["processes"]}
    for process in results["processes"]:
        row = rows[process["id"]]
        assert row["built"] is process["built"]
        assert row["capacity (unit/h)"] == pytest.approx(process["capacity"])
        assert row["input (unit/yr)"] == pytest.approx(process["input_total"])
        assert row["capex (CNY)"] == pytest.approx(process["capex"])
        assert row["annual cost (CNY/yr)"] == pytest.approx(process["annual_cost"])
        for period in results["periods"]:
            assert row[f"input {period} (unit)"] == pytest.approx(process["input"][period])
        for k, output in enumerate(process["outputs"], start=1):
            made, used = sum(output["amount"].values()), sum(output["taken"].values())
            assert row[f"output {k} made (unit/yr)"] == pytest.approx(made)
            assert row[f"output {k} disposed of (unit/yr)"] == pytest.approx(made - used, abs=1e-6)
    classifier = rows["power#classifier"]  # two outputs: 0.55 and 0.45 of 300,000 t
    assert classifier["output 1 made (unit/yr)"] == pytest.approx(165_000)
    assert classifier["output 2 made (unit/yr)"] == pytest.approx(135_000)


def test_workbook_markets_sheet_gives_sales_and_revenue(spec8: dict[str, dict[str, Any]], demo_book: Any) -> None:
    results = spec8["demo"]
    rows = {row["market"]: row for row in sheet(demo_book, "markets")}
    assert set(rows) == {"zibo_cement", "city_concrete"}
    for market, row in rows.items():
        sales = [link for link in results["links"] if link["to"] == market]
        assert row["sold (unit/yr)"] == pytest.approx(sum(link["delivered_total"] for link in sales))
        assert row["revenue (CNY/yr)"] == pytest.approx(sum(link["market_revenue"] for link in sales))
    assert rows["zibo_cement"]["price (CNY/unit)"] == pytest.approx(210)  # the park's price, by hand
    assert sum(row["revenue (CNY/yr)"] for row in rows.values()) == pytest.approx(results["kpis"]["market_revenue"])


def test_workbook_links_carry_technology_temperatures_cop_and_full_load_hours(
    spec8: dict[str, dict[str, Any]], demo_book: Any
) -> None:
    results = spec8["demo"]
    rows = {row["id"]: row for row in sheet(demo_book, "links")}
    for link in results["links"]:
        row = rows[link["id"]]
        assert row["type"] == link["type"]
        assert row["technology"] == link["technology"]
        assert row["full-load hours (h)"] == pytest.approx(link["full_load_hours"])
        if link["type"] != "transport":
            assert row["source inlet (°C)"] == link["source_inlet_c"]
            assert row["source outlet (°C)"] == link["source_outlet_c"]
            assert row["sink supply (°C)"] == link["sink_supply_c"]
            assert row["sink return (°C)"] == link["sink_return_c"]
        assert (row["COP"] or None) == link["cop"]  # an empty cell without COP


def test_workbook_balances_name_process_and_market_roles(spec8: dict[str, dict[str, Any]], demo_book: Any) -> None:
    rows = sheet(demo_book, "balances")
    roles = {(row["enterprise"], row["role"], row["resource"]) for row in rows}
    assert {
        ("power", "process input", "fly_ash"),
        ("power", "process output", "fly_ash"),
        ("power", "supply", "fly_ash"),
        ("zibo_cement", "market", "slag"),
    } <= roles
    for row in rows:
        assert row["amount (unit)"] == pytest.approx(row["linked (unit)"] + row["rest (unit)"])
    disposed = sum(
        row["rest (unit)"]
        for row in rows
        if (row["enterprise"], row["role"], row["resource"]) == ("power", "process output", "fly_ash")
    )
    assert disposed == pytest.approx(15_000)  # 135,000 t of coarse ash, 120,000 t to the brick plant


def test_results_folder_has_markets_csv(spec8: dict[str, dict[str, Any]], tmp_path: pathlib.Path) -> None:
    write_outputs(tmp_path, spec8["demo"])
    with (tmp_path / "markets.csv").open(encoding="utf-8") as handle:
        rows = {row["market"]: row for row in csv.DictReader(handle)}
    assert float(rows["zibo_cement"]["revenue (CNY/yr)"]) == pytest.approx(
        sum(link["market_revenue"] for link in spec8["demo"]["links"] if link["to"] == "zibo_cement")
    )


# --- terminal: optimize's summary and validate ---------------------------------------------


def test_optimize_summary_shows_processes_markets_and_heat_technologies(tmp_path: pathlib.Path) -> None:
    result = run("optimize", DATA / "spec8_demo.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, [line for line in lines if len(line) > 80]
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    revenue = results["kpis"]["market_revenue"]
    assert f"sales to markets: {revenue / 1e6:,.2f} M CNY/yr (status quo: none)" in lines
    assert "processes built: 3 of 3" in lines
    assert any(
        line.startswith("  Fly-ash classifier (Coal power plant)") and "300.0 k t/yr in" in line for line in lines
    )
    heat = {link["type"]: link for link in results["links"] if link["resource"] == "heat"}
    for kind, name in (
        ("direct", "direct exchange"),
        ("preheat", "preheat"),
        ("heat_pump", "electric heat pump"),
        ("absorption", "absorption heat pump"),
    ):
        row = next(line for line in lines if f" {name} " in line)
        assert f"{heat[kind]['full_load_hours']:,.0f}" in row
        if heat[kind]["cop"]:
            assert f"{heat[kind]['cop']:.2f}" in row
    on_site = lines.index("  Wastewater treatment plant · Water reuse to cooling grade (on site)")
    assert lines[on_site + 1].startswith("    on site ")  # the link by name, then how it runs


def test_validate_counts_markets_processes_and_links_per_technology(tmp_path: pathlib.Path) -> None:
    """The market wants S105, the station grinds S95: its output has no taker; and no enterprise
    supplies gypsum, so the washing plant can never run. Both are warnings; the park stays valid."""
    text = MARKET_PROCESS_YAML.replace("requires: {grade: [S95]}", "requires: {grade: [S105]}")
    text = text.replace(
        "markets:\n",
        """  - id: wallboard
    name: Wallboard plant
    location: {x: 4, y: 2}
    processes:
      - id: washing
        input: {resource: gypsum}
        outputs:
          - {resource: gypsum, yield: 0.9, quality: {grade: washed}}
markets:
""",
    )
    path = tmp_path / "park.yaml"
    path.write_text(text, encoding="utf-8")
    result = run("validate", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path} [base]: 3 enterprises, 1 market, 2 processes, 1 supplies, 0 demands, 2 candidate links"
    assert lines[1] == "  candidate links by technology: transport 2"  # truck and rail to the station
    warnings = [line for line in lines if line.startswith("  warning: ")]
    assert any("process wallboard#washing: no link can bring it gypsum, so it can never run" in w for w in warnings)
    assert any("process grinder#grinding: no link can take its output slag" in w for w in warnings)
    assert lines[-1] == "valid"


def test_validate_counts_heat_technologies_of_the_demo_park() -> None:
    result = run("validate", DATA / "spec8_demo.yaml")
    assert result.exit_code == 0, result.output
    assert (
        "  candidate links by technology: transport 10, on site 2, direct exchange 1, preheat 1, "
        "electric heat pump 1, absorption heat pump 1"
    ) in result.stdout.splitlines()


def test_heat_coverage_marks_no_peak_without_one() -> None:
    """One period, or a flat demand over two, has no peak slice to point at."""

    def results(amounts: dict[str, float], hours: dict[str, float]) -> dict[str, Any]:
        return {
            "resources": {"heat": {"kind": "heat", "unit": "MWh"}},
            "periods": list(hours),
            "period_hours": hours,
            "enterprises": [{"id": "town", "name": "Town"}],
            "links": [],
            "baseline_supply": [{"enterprise": "town", "stream": 0, "resource": "heat", "amount": amounts}],
        }

    (single,) = heat_coverage(results({"year": 8760.0}, {"year": 8760.0}))
    assert not single["periods"][0]["peak"]
    (flat,) = heat_coverage(results({"winter": 100.0, "summer": 300.0}, {"winter": 1.0, "summer": 3.0}))
    assert not any(period["peak"] for period in flat["periods"])
    (peaked,) = heat_coverage(results({"winter": 200.0, "summer": 300.0}, {"winter": 1.0, "summer": 3.0}))
    assert [period["period"] for period in peaked["periods"] if period["peak"]] == ["winter"]


def test_compare_shows_sales_to_markets_and_processes_built(
    spec8: dict[str, dict[str, Any]], tmp_path: pathlib.Path
) -> None:
    table = compare_table(spec8)
    assert list(table["market_revenue"]) == pytest.approx([run["kpis"]["market_revenue"] for run in spec8.values()])
    assert list(table["processes_built"]) == [3, 1]
    folders = []
    for name, results in spec8.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
        folders.append(folder)
    result = run("compare", *folders, "-o", tmp_path / "compared")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "sales/yr" in lines[0]
    assert max(len(line) for line in lines[:3]) <= 80  # the table: header and a row per run


@pytest.mark.parametrize("name", ["tiny", "kalundborg", "jinan_eco_park"])
def test_map_names_do_not_collide_and_lines_widen_with_flow(name: str) -> None:
    """On the report's plot area the names' boxes (as placed, in px) overlap no other name; a
    link's line is wider the more it delivers within its resource; a km scale bar is drawn."""
    from circflow.exports.netmap import PLOT_PX, line_width

    results = circflow.optimize(circflow.load_park(DATA.parent.parent / "parks" / f"{name}.yaml")).to_dict()
    figure = network_map_figure_dict(results)
    layout = figure["layout"]
    x0, x1 = layout["xaxis"]["range"]
    y0, y1 = layout["yaxis"]["range"]
    boxes = []
    for note in layout["annotations"]:
        if not note.get("name", "").startswith("name:"):
            continue
        lines = note["text"].split("<br>")
        width, height = max(len(line) for line in lines) * 0.6 * 11 + 4, len(lines) * 11 * 1.2 + 2
        x = (note["x"] - x0) / (x1 - x0) * PLOT_PX[0] + note["ax"]
        y = (y1 - note["y"]) / (y1 - y0) * PLOT_PX[1] + note["ay"]
        left = {"center": x - width / 2, "left": x, "right": x - width}[note["xanchor"]]
        top = {"middle": y - height / 2, "top": y, "bottom": y - height}[note["yanchor"]]
        boxes.append((left, top, left + width, top + height, note["text"]))
    assert len(boxes) == len([e for e in results["enterprises"]]) + len(results["markets"]) - sum(
        1 for t in figure["data"] if t.get("name") == "outside this view" for _ in t["x"]
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
            assert overlap < 0.1 * min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])), (a[4], b[4])
    bar = [note["text"] for note in layout["annotations"] if note["text"].endswith(" km")]
    assert len(bar) == 1
    assert float(bar[0].split()[0]) > 0
    widths = {trace["line"]["width"] for trace in figure["data"] if trace.get("mode") == "lines"}
    assert len(widths) > 1 or name == "tiny"  # tiny: one link per resource, or two of like size
    assert line_width(1.0, 1.0) > line_width(0.1, 1.0) > line_width(0.0, 1.0)
