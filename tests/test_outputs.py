"""The files a results folder holds for people (SPEC 5): Sankey, GeoJSON, workbook, report.

Each export reads only the content of ``results.json``. The shipped parks are solved for
real (HiGHS) once per module; a hand-made results dict with a heat pump checks the Sankey's
arithmetic exactly. The browser checks of the HTML pages are in ``test_browser.py``.
"""

from __future__ import annotations

import html
import json
import math
import pathlib
import re
from typing import Any

import openpyxl
import plotly.graph_objects as go
import pytest
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

import circflow
from circflow.catalog import data_dir
from circflow.cli import app
from circflow.exceptions import ParkError
from circflow.exports.geojson import network_geojson
from circflow.exports.netmap import network_map_figure
from circflow.exports.outputs import OUTPUT_FILES, read_results, write_outputs
from circflow.exports.report import Section, report_html, table_html
from circflow.exports.sankey import RESOURCE_COLOURS, resource_colours, sankey_figure, write_sankey
from circflow.exports.workbook import SHEETS, link_column, workbook_tables, write_workbook

PARKS = ("tiny", "kalundborg", "jinan_eco_park")


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Results folders of the shipped parks, written by `Result.save`."""
    folders = {}
    for name in PARKS:
        park = circflow.load_park(data_dir("parks") / f"{name}.yaml")
        folders[name] = circflow.optimize(park).save(tmp_path_factory.mktemp(name) / "results")
    return folders


def results_of(folder: pathlib.Path) -> dict[str, Any]:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def heat_pump_results() -> dict[str, Any]:
    """Two enterprises, one heat-pump link and one lossy ash link, numbers chosen by hand.

    Heat: 300 MWh drawn in winter, delivered 400 at COP 4: the compressor adds
    400 / 4 = 100 MWh, so 300 comes from the source and nothing is lost. Ash: 100 t drawn,
    95 delivered, 5 lost on the road; 20 t disposed of, 30 t still bought conventionally.
    """
    return {
        "circflow_version": "test",
        "park": "Hand park",
        "status": "optimal",
        "currency": "CNY",
        "crs": "local_km",
        "periods": ["winter", "summer"],
        "resources": {"heat": {"kind": "heat", "unit": "MWh"}, "fly_ash": {"kind": "material", "unit": "t"}},
        "enterprises": [
            {
                "id": "plant",
                "name": "Power plant",
                "sector": "power",
                "location": {"x": 0, "y": 0},
                "supplies": ["heat", "fly_ash"],
                "demands": [],
            },
            {
                "id": "town",
                "name": "Town",
                "sector": "district_heating",
                "location": {"x": 3, "y": 4},
                "supplies": [],
                "demands": ["heat", "fly_ash"],
            },
        ],
        "kpis": {
            "total_cost": 10.0,
            "emissions": 1.0,
            "capex": 5.0,
            "utilization": {"heat": 0.5},
            "baseline": {"total_cost": 20.0, "emissions": 3.0},
            "savings": {"total_cost": 10.0, "emissions": 2.0},
        },
        "links": [
            {
                "id": "plant>town:heat:pipe",
                "from": "plant",
                "to": "town",
                "resource": "heat",
                "mode": "pipe",
                "type": "heat_pump",
                "length_km": 5.0,
                "existing": False,
                "capacity": 1.0,
                "cop": 4.0,
                "flow": {"winter": 300.0, "summer": 0.0},
                "delivered": {"winter": 400.0, "summer": 0.0},
                "capex": 5.0,
                "annual_cost": 1.0,
                "emissions": 0.5,
            },
            {
                "id": "plant>town:fly_ash:truck",
                "from": "plant",
                "to": "town",
                "resource": "fly_ash",
                "mode": "truck",
                "type": "transport",
                "length_km": 5.0,
                "existing": True,
                "capacity": 0.1,
                "cop": None,
                "flow": {"winter": 60.0, "summer": 40.0},
                "delivered": {"winter": 57.0, "summer": 38.0},
                "capex": 0.0,
                "annual_cost": 1.0,
                "emissions": 0.5,
            },
        ],
        "disposal": [
            {"enterprise": "plant", "stream": 1, "resource": "fly_ash", "amount": {"winter": 20.0, "summer": 0.0}}
        ],
        "baseline_supply": [
            {"enterprise": "town", "stream": 1, "resource": "fly_ash", "amount": {"winter": 0.0, "summer": 30.0}}
        ],
        "warnings": ["town.demands[0] (heat) has <b>no</b> candidate link"],
        "diagnosis": [],
        "timings": {},
    }


def node_names(trace: Any) -> list[str]:
    """Each node's full name: the bold start of its hover text."""
    return [html.unescape(re.match(r"<b>(.*?)</b>", data).group(1)) for data in trace.node.customdata]


def sankey_links(figure: go.Figure, view: int = 0) -> dict[tuple[str, str, str], float]:
    """(source name, target name, resource) -> amount in its unit, for the period the figure shows.

    View 0 is the plan's links, view 1 adds disposal, losses and conventional supply.
    """
    trace = figure.data[view]
    names = node_names(trace)
    links: dict[tuple[str, str, str], float] = {}
    for s, t, data in zip(trace.link.source, trace.link.target, trace.link.customdata, strict=True):
        key = (names[s], names[t], data[3])  # an existing link and its expansion add up
        links[key] = links.get(key, 0.0) + data[2]
    return links


# --- every optimize run writes the four files ---------------------------------------------


@pytest.mark.parametrize("name", PARKS)
def test_save_writes_every_output(solved: dict[str, pathlib.Path], name: str) -> None:
    for file in OUTPUT_FILES:
        assert (solved[name] / file).stat().st_size > 0, file


def test_outputs_of_a_run_without_plan(tmp_path: pathlib.Path) -> None:
    """An infeasible run still gets its report (status and diagnosis), map and empty tables."""
    results = heat_pump_results() | {
        "status": "infeasible",
        "kpis": {},
        "links": [],
        "disposal": [],
        "baseline_supply": [],
        "objective": None,
        "diagnosis": ["target utilization.heat = 0.9 cannot be met"],
    }
    write_outputs(tmp_path, results)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "infeasible" in page
    assert "target utilization.heat = 0.9 cannot be met" in page
    assert network_geojson(results)["features"][0]["geometry"]["type"] == "Point"
    assert openpyxl.load_workbook(tmp_path / "results.xlsx")["links"].max_row == 1


# --- Sankey ------------------------------------------------------------------------------


def test_sankey_one_node_per_enterprise_with_drives_losses_disposal_and_baseline() -> None:
    """The plan's view joins the two enterprises by their resources, the heat pump's electricity
    coming in at the town; the second view adds the ash lost on the road (3 t in winter), the
    ash disposed of (20 t) and the ash still bought conventionally (30 t, in summer)."""
    figure = sankey_figure(heat_pump_results(), period="winter")
    assert [trace.type for trace in figure.data] == ["sankey", "sankey"]
    assert [trace.visible for trace in figure.data] == [True, False]
    assert sankey_links(figure) == {
        ("Power plant", "Town", "heat"): pytest.approx(300.0),
        ("Electricity for heat pumps", "Town", "electricity"): pytest.approx(100.0),
        ("Power plant", "Town", "fly_ash"): pytest.approx(57.0),
    }
    assert sankey_links(figure, view=1) == {
        ("Power plant", "Town", "heat"): pytest.approx(300.0),
        ("Electricity for heat pumps", "Town", "electricity"): pytest.approx(100.0),
        ("Power plant", "Town", "fly_ash"): pytest.approx(57.0),
        ("Power plant", "Losses", "fly_ash"): pytest.approx(3.0),
        ("Power plant", "Disposal", "fly_ash"): pytest.approx(20.0),
        ("Conventional supply", "Town", "fly_ash"): 0.0,
    }
    assert sorted(node_names(figure.data[0])) == ["Electricity for heat pumps", "Power plant", "Town"]
    summer = sankey_links(sankey_figure(heat_pump_results(), period="summer"), view=1)
    assert summer[("Conventional supply", "Town", "fly_ash")] == pytest.approx(30.0)
    year = sankey_links(sankey_figure(heat_pump_results()))
    assert year[("Power plant", "Town", "fly_ash")] == pytest.approx(95.0)


def test_sankey_labels_carry_amounts_with_units_and_colours_tell_new_from_existing() -> None:
    trace = sankey_figure(heat_pump_results()).data[0]
    labels = dict(zip(node_names(trace), trace.node.label, strict=True))
    nbsp = "\u00a0"  # an amount is never broken from its resource
    assert f"heat{nbsp}300{nbsp}MWh" in labels["Power plant"]
    assert f"fly{nbsp}ash{nbsp}95{nbsp}t" in labels["Power plant"]
    assert f"heat{nbsp}400{nbsp}MWh" in labels["Town"]  # 300 from the plant and 100 of electricity
    shown = {data[3]: data[1] for data in trace.link.customdata}
    assert shown == {"heat": "300 MWh", "electricity": "100 MWh", "fly_ash": "95 t"}
    colours = {data[3]: colour for data, colour in zip(trace.link.customdata, trace.link.color, strict=True)}
    red, green, blue = (int(RESOURCE_COLOURS["heat"][i : i + 2], 16) for i in (1, 3, 5))
    assert colours["heat"] == f"rgba({red},{green},{blue},0.62)"  # a new link: strong
    assert colours["fly_ash"].endswith(",0.22)")  # an existing one: pale
    hover = {data[3]: data[0] for data in trace.link.customdata}
    assert "(new link), COP 4.00" in hover["heat"]
    assert "(existing link)" in hover["fly_ash"]


def test_sankey_widths_give_each_resource_the_same_height() -> None:
    """Heat that leaves the plant (300 MWh) and the heat pump's electricity (100 MWh) add up to
    width 1; so does the year's fly ash (95 t)."""
    trace = sankey_figure(heat_pump_results()).data[0]
    widths = {data[3]: value for data, value in zip(trace.link.customdata, trace.link.value, strict=True)}
    assert widths == {"heat": pytest.approx(0.75), "electricity": pytest.approx(0.25), "fly_ash": pytest.approx(1.0)}


def test_sankey_period_selector_switches_amounts(solved: dict[str, pathlib.Path]) -> None:
    results = results_of(solved["tiny"])
    views, periods = sankey_figure(results).layout.updatemenus
    assert [b.label for b in views.buttons] == ["links of the plan", "with disposal and conventional supply"]
    assert [b.args[0]["visible"] for b in views.buttons] == [[True, False], [False, True]]
    assert [b.label for b in periods.buttons] == ["whole year", "heating", "non heating"]
    amounts = {b.label: [row[2] for row in b.args[0]["link.customdata"][0]] for b in periods.buttons}
    shown = [row[2] for row in sankey_figure(results, period="heating").data[0].link.customdata]
    assert amounts["heating"] == pytest.approx(shown)
    assert amounts["whole year"] == pytest.approx(
        [a + b for a, b in zip(amounts["heating"], amounts["non heating"], strict=True)]
    )
    assert periods.buttons[1].args[1] == {"title.text": "Tiny teaching park: flows, heating"}


@pytest.mark.parametrize("name", PARKS)
def test_sankey_enterprise_nodes_carry_flows_and_disposal(solved: dict[str, pathlib.Path], name: str) -> None:
    """What leaves an enterprise's node in the second view, per resource (links, losses, disposal),
    is all of its supply: the links' flows plus its disposal."""
    results = results_of(solved[name])
    names = {e["id"]: e["name"] for e in results["enterprises"]}
    expected: dict[tuple[str, str], float] = {}
    for link in results["links"]:
        if "#" in link["from_stream"]:
            continue  # a process output: it leaves the process's node
        key = (names[link["from"]], link["resource"])
        expected[key] = expected.get(key, 0.0) + sum(link["flow"].values())
    for row in results["disposal"]:
        if isinstance(row["stream"], str):
            continue
        key = (names[row["enterprise"]], row["resource"])
        expected[key] = expected.get(key, 0.0) + sum(row["amount"].values())
    drawn: dict[tuple[str, str], float] = {}
    for (source, _target, resource), amount in sankey_links(sankey_figure(results), view=1).items():
        if source in names.values():
            drawn[source, resource] = drawn.get((source, resource), 0.0) + amount
    expected = {key: value for key, value in expected.items() if value > 1e-6}
    assert {key: drawn.get(key, 0.0) for key in expected} == pytest.approx(expected, rel=1e-9)


def test_sankey_page_has_a_title_and_a_viewport(solved: dict[str, pathlib.Path]) -> None:
    page = (solved["jinan_eco_park"] / "sankey.html").read_text(encoding="utf-8")
    assert "<title>Jinan eco-industrial park (illustrative): flows</title>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    names = node_names(sankey_figure(results_of(solved["jinan_eco_park"])).data[0])
    assert names.count("Coal power 2x350 MW (CHP)") == 1  # once, not once per resource


def test_sankey_unknown_period_is_an_input_error() -> None:
    with pytest.raises(ParkError, match="unknown period 'spring'; the results have winter, summer"):
        sankey_figure(heat_pump_results(), period="spring")


def test_sankey_html_embeds_plotly_and_fetches_nothing(tmp_path: pathlib.Path) -> None:
    page = write_sankey(tmp_path / "s.html", heat_pump_results()).read_text(encoding="utf-8")
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert "Plotly.newPlot" in page
    assert len(page) > 1_000_000


def plotted_figures(page: str) -> dict[str, dict[str, Any]]:
    """The figures a page draws, by div id: the data and layout it gives ``Plotly.newPlot``."""
    decoder = json.JSONDecoder()
    figures = {}
    for call in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', page):
        data, end = decoder.raw_decode(page, call.end())
        layout, _ = decoder.raw_decode(page, re.compile(r"\s*,\s*").match(page, end).end())
        figures[call.group(1)] = {"data": data, "layout": layout}
    return figures


@pytest.mark.parametrize("name", PARKS)
def test_pages_draw_the_figures_of_the_api(solved: dict[str, pathlib.Path], name: str) -> None:
    """The pages are written from plain figure dicts, without plotly's validation: they draw what
    `sankey_figure` and `network_map_figure` give, template included."""
    results = results_of(solved[name])
    sankey = json.loads(sankey_figure(results).to_json())
    network = json.loads(network_map_figure(results).to_json())
    assert "template" in sankey["layout"]
    assert plotted_figures((solved[name] / "sankey.html").read_text(encoding="utf-8"))["sankey"] == sankey
    report = plotted_figures((solved[name] / "report.html").read_text(encoding="utf-8"))
    assert report["sankey-chart"] == sankey
    assert report["map-chart"] == network


def test_colours_of_resources_outside_the_catalog_are_distinct() -> None:
    results = {
        "resources": {
            "ash_x": {"kind": "material"},
            "heat_x": {"kind": "heat"},
            "water_x": {"kind": "water"},
            "slag_x": {"kind": "material"},
        }
    }
    colours = resource_colours(results)
    picked = [colours[name] for name in results["resources"]]
    assert len(set(picked)) == len(picked)
    assert colours["heat_x"] == RESOURCE_COLOURS["heat"]  # no other heat resource here


def test_cli_sankey_redraws_from_a_results_folder(solved: dict[str, pathlib.Path], tmp_path: pathlib.Path) -> None:
    target = tmp_path / "flows.html"
    result = CliRunner().invoke(app, ["sankey", str(solved["tiny"]), "-o", str(target), "--period", "heating"])
    assert result.exit_code == 0, result.output
    assert "flows, heating" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}"], "is not a circflow results folder (it has no results.json)"),
        (["{tmp}/missing"], "is not a folder"),
        (["{results}", "--period", "spring"], "unknown period 'spring'"),
        (["{results}", "-o", "{tmp}/no/such/folder/s.html"], "does not exist"),
    ],
)
def test_cli_sankey_bad_input_exits_2(
    solved: dict[str, pathlib.Path], tmp_path: pathlib.Path, args: list[str], message: str
) -> None:
    args = [a.format(tmp=tmp_path, results=solved["tiny"]) for a in args]
    result = CliRunner().invoke(app, ["sankey", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_read_results_refuses_foreign_json(tmp_path: pathlib.Path) -> None:
    (tmp_path / "results.json").write_text('{"other": 1}', encoding="utf-8")
    with pytest.raises(ParkError, match="was not written by circflow"):
        read_results(tmp_path)


# --- GeoJSON -----------------------------------------------------------------------------


def check_geojson(collection: dict[str, Any], wgs84: bool) -> None:
    """The RFC 7946 rules that matter here: types, positions, ranges, no crs in WGS84."""
    assert collection["type"] == "FeatureCollection"
    assert ("crs" in collection) is not wgs84
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        positions = [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        assert geometry["type"] in ("Point", "LineString")
        assert geometry["type"] == "Point" or len(positions) >= 2
        for position in positions:
            assert len(position) == 2
            assert all(isinstance(v, float | int) and math.isfinite(v) for v in position)
            if wgs84:
                assert -180 <= position[0] <= 180
                assert -90 <= position[1] <= 90


@pytest.mark.parametrize("name", PARKS)
def test_geojson_one_linestring_per_link(solved: dict[str, pathlib.Path], name: str) -> None:
    results = results_of(solved[name])
    collection = json.loads((solved[name] / "network.geojson").read_text(encoding="utf-8"))
    check_geojson(collection, wgs84=results["crs"] == "wgs84")
    lines = [f for f in collection["features"] if f["properties"]["feature"] == "link"]
    points = [f for f in collection["features"] if f["properties"]["feature"] in ("enterprise", "market")]
    assert len(lines) == len(results["links"]) > 0
    assert len(points) == len(results["enterprises"]) + len(results.get("markets", []))
    where = {f["properties"]["id"]: f["geometry"]["coordinates"] for f in points}
    for line, link in zip(lines, results["links"], strict=True):
        assert {k: v for k, v in line["properties"].items() if k != "feature"} == link
        if link.get("on_site"):
            assert line["geometry"] == {"type": "Point", "coordinates": where[link["from"]]}
        else:
            assert line["geometry"]["coordinates"] == [where[link["from"]], where[link["to"]]]


def test_geojson_wgs84_is_lon_lat_and_local_states_its_crs(solved: dict[str, pathlib.Path]) -> None:
    kalundborg = network_geojson(results_of(solved["kalundborg"]))
    asnaes = next(f for f in kalundborg["features"] if f["id"] == "asnaes")
    assert asnaes["geometry"]["coordinates"] == [11.08, 55.66]
    tiny = network_geojson(results_of(solved["tiny"]))
    assert tiny["crs"]["properties"]["name"] == "circflow:local_km"


# --- workbook ----------------------------------------------------------------------------


def sheet_rows(sheet: Any) -> list[dict[str, Any]]:
    """A sheet's rows as dicts by header, its totals row left out."""
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] != "total"
    ]


def same(a: Any, b: Any) -> bool:
    if isinstance(b, float) and isinstance(a, int | float) and not isinstance(a, bool):
        return a == pytest.approx(b, rel=1e-12, abs=1e-12)
    return a == b


@pytest.mark.parametrize("name", PARKS)
def test_workbook_numbers_equal_results_json(solved: dict[str, pathlib.Path], name: str) -> None:
    results = results_of(solved[name])
    book = openpyxl.load_workbook(solved[name] / "results.xlsx")
    assert book.sheetnames == list(SHEETS)
    links = sheet_rows(book["links"])
    assert len(links) == len(results["links"])
    for row, link in zip(links, results["links"], strict=True):
        for key, value in link.items():
            if isinstance(value, dict):
                for period, amount in value.items():
                    assert same(row[link_column(key, results, period)], amount), (key, period)
            else:
                assert same(row[link_column(key, results)], value), key
    flows = {(r["link"], r["period"]): r for r in sheet_rows(book["flows"])}
    for link in results["links"]:
        for period in results["periods"]:
            assert same(flows[link["id"], period]["flow (unit)"], link["flow"][period])
            assert same(flows[link["id"], period]["delivered (unit)"], link["delivered"][period])
    kpis = {r["kpi"]: r["value"] for r in sheet_rows(book["kpis"])}
    assert same(kpis["total_cost"], results["kpis"]["total_cost"])
    assert same(kpis["baseline.emissions"], results["kpis"]["baseline"]["emissions"])
    for resource, share in results["kpis"]["utilization"].items():
        assert same(kpis[f"utilization.{resource}"], share)
    summary = {r["item"]: r["value"] for r in sheet_rows(book["summary"])}
    assert same(summary["objective value"], results["objective"])
    assert summary["status"] == results["status"]
    assert summary["total cost saved"].startswith("=B")  # a formula: status quo less plan
    names = {e["id"]: e["name"] for e in [*results["enterprises"], *results["markets"]]}
    assert [row["from name"] for row in links] == [names[link["from"]] for link in results["links"]]
    assert [row["to name"] for row in links] == [names[link["to"]] for link in results["links"]]


@pytest.mark.parametrize("name", PARKS)
def test_workbook_totals_are_formulas_and_annualised_capex_can_be_audited(
    solved: dict[str, pathlib.Path], name: str
) -> None:
    """The links' totals row sums every money column with =SUM; each link's annualised capex is
    recomputed by a formula from the assumptions sheet, whose CRFs are formulas of the discount
    rate; evaluated here by hand, they give circflow's own value."""
    results = results_of(solved[name])
    book = openpyxl.load_workbook(solved[name] / "results.xlsx")
    links = book["links"]
    header = [cell.value for cell in links[1]]
    last = [cell.value for cell in links[links.max_row]]
    assert last[0] == "total"
    capex = header.index("capex (CNY)")
    assert last[capex] == f"=SUM({get_column_letter(capex + 1)}2:{get_column_letter(capex + 1)}{links.max_row - 1})"
    assert links.auto_filter.ref == f"A1:{get_column_letter(len(header))}{links.max_row - 1}"
    check = header.index("annualized capex, recomputed (CNY/yr)")
    formula = links.cell(row=2, column=check + 1).value
    for column in ("capex (CNY)", "capex technology (CNY)", "mode", "type"):
        assert f"{get_column_letter(header.index(column) + 1)}2" in formula, column
    assumptions = list(book["assumptions"].iter_rows(values_only=True))
    assert assumptions[2][:2] == ("discount rate", results["assumptions"]["discount_rate"])  # cell B3
    rate = results["assumptions"]["discount_rate"]
    factors = {}
    for row in assumptions[11:]:
        if not row[0]:
            break
        assert row[5].startswith("=IF($B$3=0,")
        growth = (1 + rate) ** row[3]
        factors[row[0]] = (rate * growth / (growth - 1) if rate else 1 / row[3]) + row[4]
    for link in results["links"]:
        recomputed = (link["capex"] - link["capex_technology"]) * factors.get(f"mode:{link['mode']}", 0.0) + link[
            "capex_technology"
        ] * factors.get(f"technology:{link['type']}", 0.0)
        assert recomputed == pytest.approx(link["annualized_capex"], rel=1e-9, abs=1e-6), link["id"]


def test_workbook_writes_park_text_as_text(tmp_path: pathlib.Path) -> None:
    """A name that starts like a formula stays text in every sheet: no cell computes it."""
    results = heat_pump_results()
    results["enterprises"][0]["name"] = '=HYPERLINK("http://x","y")'
    results["enterprises"][1]["name"] = "+1-2@town"
    book = openpyxl.load_workbook(write_workbook(tmp_path / "r.xlsx", results))
    names = [
        cell
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value in (results["enterprises"][0]["name"], "+1-2@town")
    ]
    assert names
    assert all(cell.data_type == "s" for cell in names)


def test_workbook_counts_are_whole_and_shares_percent(solved: dict[str, pathlib.Path]) -> None:
    book = openpyxl.load_workbook(solved["jinan_eco_park"] / "results.xlsx")
    summary = {row[0].value: row[1] for row in book["summary"].iter_rows(min_row=2)}
    assert summary["enterprises"].number_format == "#,##0"
    assert summary["gap"].number_format == "0.0%"
    kpis = {row[0].value: row[1] for row in book["kpis"].iter_rows(min_row=2)}
    assert kpis["baseline.utilization.fly_ash"].number_format == "0.0%"  # the status quo's shares too
    assert kpis["processes_built"].number_format == "#,##0"


@pytest.mark.parametrize("name", PARKS)
def test_workbook_balances_add_up(solved: dict[str, pathlib.Path], name: str) -> None:
    results = results_of(solved[name])
    rows = sheet_rows(openpyxl.load_workbook(solved[name] / "results.xlsx")["balances"])
    for row in rows:
        assert row["amount (unit)"] == pytest.approx(row["linked (unit)"] + row["rest (unit)"])
    disposed = sum(r["rest (unit)"] for r in rows if r["role"] in ("supply", "process output"))
    assert disposed == pytest.approx(sum(sum(d["amount"].values()) for d in results["disposal"]))
    drawn = sum(r["linked (unit)"] for r in rows if r["role"] in ("supply", "process output"))
    assert drawn == pytest.approx(sum(sum(link["flow"].values()) for link in results["links"]))


def test_workbook_is_formatted(solved: dict[str, pathlib.Path]) -> None:
    book = openpyxl.load_workbook(solved["tiny"] / "results.xlsx")
    for sheet in book:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.bold
        assert sheet.column_dimensions["A"].width > 5
    headers = [cell.value for cell in book["links"][1]]
    assert {"length (km)", "capex (CNY)", "annual cost (CNY/yr)", "emissions (tCO2/yr)", "capacity (unit/h)"} <= set(
        headers
    )
    shares = [row for row in book["kpis"].iter_rows(min_row=2) if row[0].value.startswith("utilization.")]
    assert shares
    assert all(row[1].number_format == "0.0%" for row in shares)


def test_workbook_tables_need_only_the_results_dict() -> None:
    tables = workbook_tables(heat_pump_results())
    assert list(tables) == list(SHEETS)
    balances = tables["balances"]
    town_ash = balances[(balances["enterprise"] == "town") & (balances["resource"] == "fly_ash")]
    assert list(town_ash["amount (unit)"]) == [57.0, 68.0]  # delivered + bought conventionally


# --- report ------------------------------------------------------------------------------


def test_report_is_self_contained_and_has_every_section(solved: dict[str, pathlib.Path]) -> None:
    page = (solved["kalundborg"] / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page) is None
    assert re.search(r"url\(\s*['\"]?https?:", page) is None
    assert page.count("Plotly.newPlot") == 3  # cost chart, Sankey, map
    for section in ("kpis", "costs", "sankey", "map", "links", "warnings"):
        assert f"<section id='{section}'>" in page
    for link in results_of(solved["kalundborg"])["links"]:
        assert f">{link['length_km']:,.1f}<" in page


def test_report_escapes_text_and_takes_extra_sections() -> None:
    extra = Section(
        "Pareto front", table_html(["point", "cost"], [[1, 1234.5]]), figures=(go.Figure(go.Scatter(x=[1], y=[2])),)
    )
    page = report_html(heat_pump_results(), extra_sections=[extra])
    assert "&lt;b&gt;no&lt;/b&gt; candidate link" in page  # a warning is text, not markup
    assert "<h2>Pareto front</h2>" in page
    assert "1,234" in page
    assert page.index("<h2>Pareto front</h2>") > page.index("<section id='warnings'>")
    assert page.count("Plotly.newPlot") == 4


def test_the_pages_plotly_js_is_the_one_plotly_py_writes_for_with_only_circflows_traces() -> None:
    """The pages carry circflow's build of plotly.js (``tools/plotly-bundle``): the very plotly.js
    that the installed plotly.py ships and writes its figures for, with its licence, and the traces
    scatter, bar and sankey only. The browser tests check that every chart on the pages is one of
    those; an upgrade of plotly asks for a rebuild."""
    import re

    from plotly.offline import get_plotlyjs_version

    from circflow.exports.page import PLOTLY_TRACES, plotly_js_text

    text = plotly_js_text()
    version = get_plotlyjs_version()
    assert text.startswith(f"/*! plotly.js {version}: core with scatter, bar and sankey")
    assert "Permission is hereby granted, free of charge" in text[:2000]  # the MIT licence, in every page
    assert f'version="{version}"' in text
    assert sorted(set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))) == sorted(PLOTLY_TRACES)
    assert len(text) < 2_000_000  # the full plotly.js is 4.8 MB
