"""The public Python API (SPEC 6, issue 15): what a study in a notebook touches.

Each test names the friction it guards against; each would have failed before the change:
Sankey and map functions took only ``result.to_dict()``, KPIs had no table, there was no
``circflow.compare`` for parks made in code, ``pareto`` gave no per-point results, results
without a plan had column-less tables, no ``Result.load`` or ``validate``, a repr of every
table, and modules hidden by functions of the same name. Park edits, overrides and
``to_yaml`` are in ``test_editing.py``; rules added from Python in ``test_extend.py``.
"""

from __future__ import annotations

import pathlib
import pkgutil
import re

import plotly.graph_objects as go
import pytest

import circflow
from circflow.exports.geojson import network_geojson
from circflow.exports.netmap import network_map_figure

ROOT = pathlib.Path(__file__).resolve().parent.parent
TINY = ROOT / "parks" / "tiny.yaml"


@pytest.fixture(scope="module")
def result() -> circflow.Result:
    return circflow.optimize(circflow.load_park(TINY), gap=0.0)


@pytest.fixture(scope="module")
def infeasible() -> circflow.Result:
    """The tiny park with an emission cap of 0 tCO2/yr: its plants emit whatever is built."""
    park = circflow.load_park(TINY)
    park.targets.max_emissions = 0.0
    return circflow.optimize(park)


def test_sankey_and_map_take_a_result(result: circflow.Result) -> None:
    """``sankey_figure(result)`` once needed ``result.to_dict()``; now both give the same figure."""
    assert isinstance(circflow.sankey_figure(result), go.Figure)
    assert circflow.sankey_figure(result).to_dict() == circflow.sankey_figure(result.to_dict()).to_dict()
    assert network_map_figure(result).to_dict() == network_map_figure(result.to_dict()).to_dict()
    assert network_geojson(result) == network_geojson(result.to_dict())


def test_kpi_table_flattens_nested_kpis(result: circflow.Result) -> None:
    """``pd.DataFrame(result.kpis)`` is garbled by the nested mappings; ``kpi_table`` has one row per KPI."""
    table = result.kpi_table()
    values = dict(zip(table["kpi"], table["value"], strict=True))
    assert values["total_cost"] == pytest.approx(result.kpis["total_cost"])
    assert values["baseline.total_cost"] == pytest.approx(result.kpis["baseline"]["total_cost"])
    assert values["savings.emissions"] == pytest.approx(result.kpis["savings"]["emissions"])
    assert values["utilization.fly_ash"] == pytest.approx(result.kpis["utilization"]["fly_ash"])
    assert table["kpi"].is_unique


def test_compare_parks_made_in_code() -> None:
    """``circflow.compare`` takes parks as objects (edited in code), not only a file's scenarios;
    each row carries its `Result`. The edited park (electricity at 2000 CNY/MWh) drops the heat
    pump, which the base plan builds."""
    base = circflow.load_park(TINY)
    dear = circflow.load_park(TINY)
    dear.economics.electricity_price = 2000.0
    table = circflow.compare({"today": base, "dear power": dear}, gap=0.0)
    assert list(table["scenario"]) == ["today", "dear power"]
    today, edited = table["result"]
    assert isinstance(edited, circflow.Result)
    assert "heat_pump" in set(today.links["type"])
    assert "heat_pump" not in set(edited.links["type"])
    assert table.loc[1, "total_cost"] == pytest.approx(edited.kpis["total_cost"])
    assert table.loc[0, "total_cost"] < table.loc[1, "total_cost"]


def test_compare_scenarios_of_a_park_object() -> None:
    """With one park, alternatives are its scenarios: the park as edited is the base row."""
    park = circflow.load_park(ROOT / "parks" / "jinan_eco_park.yaml")
    names = list(park.scenarios)[:1]
    table = circflow.compare(park, names, gap=0.01)
    assert list(table["scenario"]) == ["base", *names]
    assert all(isinstance(r, circflow.Result) for r in table["result"])


def test_pareto_gives_results_per_point() -> None:
    """Each row of the front carries its point's `Result`, whose KPIs are the row's."""
    front = circflow.pareto(circflow.load_park(TINY), points=3, gap=0.0)
    assert len(front) >= 2
    for row in front.itertuples():
        assert isinstance(row.result, circflow.Result)
        assert row.result.kpis["total_cost"] == pytest.approx(row.total_cost)
        assert row.result.kpis["emissions"] == pytest.approx(row.emissions)


def test_results_without_a_plan_keep_their_columns(infeasible: circflow.Result) -> None:
    """``.query("type == 'heat_pump'")`` on an infeasible run's links once raised: no columns."""
    assert infeasible.status is circflow.Status.INFEASIBLE
    assert infeasible.links.query("type == 'heat_pump'").empty
    assert {"id", "type", "capacity", "flow_total"} <= set(infeasible.links.columns)
    assert {"link", "period", "flow"} <= set(infeasible.flows.columns)
    assert {"enterprise", "stream", "rest"} <= set(infeasible.balances.columns)
    assert {"kind", "name", "value"} <= set(infeasible.marginals.columns)


def test_result_load_reads_a_saved_folder(result: circflow.Result, tmp_path: pathlib.Path) -> None:
    """``Result.load`` turns a results folder back into a `Result` with the same tables and KPIs."""
    result.save(tmp_path / "run")
    again = circflow.Result.load(tmp_path / "run")
    assert again.status == result.status
    assert again.objective == pytest.approx(result.objective)
    assert again.kpis["total_cost"] == pytest.approx(result.kpis["total_cost"])
    assert list(again.links["id"]) == list(result.links["id"])
    assert again.links["capacity"].to_numpy() == pytest.approx(result.links["capacity"].to_numpy())
    assert len(again.flows) == len(result.flows)
    assert again.flows["flow"].sum() == pytest.approx(result.flows["flow"].sum())


def test_result_load_refuses_a_folder_that_is_not_results(tmp_path: pathlib.Path) -> None:
    with pytest.raises(circflow.ParkError, match="results"):
        circflow.Result.load(tmp_path)


def test_validate_returns_errors_and_warnings(tmp_path: pathlib.Path) -> None:
    """``circflow.validate`` gives errors (with the field path) and warnings, never raising."""
    found = circflow.validate(TINY)
    assert found.ok
    assert found.candidate_links > 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text(encoding="utf-8").replace("carbon_price: 80", "carbon_price: -80"), encoding="utf-8")
    assert "carbon_price: -80" in bad.read_text(encoding="utf-8")
    found = circflow.validate(bad)
    assert not found.ok
    assert any("economics.carbon_price" in str(problem) for problem in found.errors)
    with pytest.raises(circflow.ParkError, match="economics.carbon_price"):
        found.raise_errors()


def test_validate_a_park_object_warns_about_streams_no_link_serves() -> None:
    """A supply of a resource nobody demands is a warning, not an error."""
    park = circflow.load_park(TINY)
    park.enterprises[0].supplies.append(circflow.Supply(resource="slag", amount="5 kt/yr"))
    found = circflow.validate(park)
    assert found.ok
    assert any("slag" in warning for warning in found.warnings)


def test_repr_is_short_and_notebooks_get_html(result: circflow.Result, infeasible: circflow.Result) -> None:
    """The repr once printed every table (9,700 characters); now one line. ``_repr_html_`` shows
    the status, the KPIs against the status quo and the links."""
    text = repr(result)
    assert len(text) < 300
    assert "optimal" in text
    assert "links_built=5" in text
    page = result._repr_html_()
    assert "<table" in page
    assert "power_plant&gt;cement:fly_ash:truck" in page or "power_plant>cement:fly_ash:truck" in page
    assert "infeasible" in repr(infeasible)
    assert "max_emissions" in infeasible._repr_html_()


def test_link_ids_follow_the_documented_form(result: circflow.Result) -> None:
    """docs/model.md section 4.8 documents link ids; every id of a plan has that form."""
    model = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert "### 4.8 Link ids" in model
    end = r"[A-Za-z0-9_-]+(#[A-Za-z0-9_.\[\]-]+)?"
    form = re.compile(rf"^{end}>{end}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+(:(preheat|absorption|direct|expansion))?$")
    jinan = circflow.optimize(circflow.load_park(ROOT / "parks" / "jinan_eco_park.yaml"), gap=0.01)
    ids = [*result.links["id"], *jinan.links["id"]]
    assert ids
    assert all(form.match(link) for link in ids), [link for link in ids if not form.match(link)]


def test_no_function_hides_a_module() -> None:
    """``circflow.optimize`` once was both a module and the function that hid it."""
    modules = {module.name for module in pkgutil.iter_modules(circflow.__path__)}
    hidden = [name for name in circflow.__all__ if name in modules]
    assert hidden == []


def test_all_lists_exactly_what_the_api_reference_documents() -> None:
    """``__all__`` holds every name of docs/api.md's reference (``::: circflow.NAME``), and only those."""
    documented = set(
        re.findall(r"^::: circflow\.(\w+)\s*$", (ROOT / "docs" / "api.md").read_text(encoding="utf-8"), flags=re.M)
    )
    exported = set(circflow.__all__) - {"__version__"}
    assert exported == documented
    for name in circflow.__all__:
        assert hasattr(circflow, name), name


@pytest.mark.parametrize(
    ("study", "arguments", "message"),
    [
        (
            "sensitivity",
            {"vary": {"economics.electricity_price": "-10%:+10%"}, "time_limt": 5},
            "'time_limt'.*'time_limit'",
        ),
        ("alternatives", {"gapp": 0.5}, "'gapp'.*'gap'"),
        ("how_sure", {"objective": "emissions"}, "'objective'"),
    ],
)
def test_a_study_refuses_a_keyword_it_does_not_know(write_park_yaml, study, arguments, message) -> None:
    """The studies take their shared keywords as ``**options`` (`circflow.StudyOptions`): a
    misspelt one is refused as a signature refuses it, not silently dropped (a review found
    ``sensitivity(..., time_limt=5)`` running without a limit), and before any solve."""
    park = circflow.load_park(write_park_yaml())
    with pytest.raises(TypeError, match=f"{study}\\(\\) got an unexpected keyword argument {message}"):
        getattr(circflow, study)(park, **arguments)


@pytest.mark.parametrize(
    ("study", "arguments"),
    [
        ("optimize", {}),
        ("sweep", {"vary": {"economics.carbon_price": [0]}}),
        ("sensitivity", {"vary": {"economics.electricity_price": "-10%:+10%"}}),
        ("alternatives", {}),
    ],
)
def test_every_study_refuses_an_objective_it_does_not_know(write_park_yaml, study, arguments) -> None:
    """A misspelt objective ("emission") is refused by name, before any solve: `alternatives`
    classed the park on cost for it, without a word."""
    park = circflow.load_park(write_park_yaml())
    with pytest.raises(circflow.ParkError, match="unknown objective 'emission'; use cost or emissions"):
        getattr(circflow, study)(park, objective="emission", **arguments)
