"""Near-optimal alternatives (SPEC 9): essential, optional, possible and excluded candidates.

The two-option park (``tests/data/parks/two-options.yaml``), derived by hand (discount rate 0, so a lorry's 5,000 CNY per km of
capex costs 500 per km a year over its 10 years; moving ash costs 1 CNY/t):

- the plant has 1,000 t of ash, disposed of at 50 CNY/t if unused;
- the cement plant (5 km) needs 1,000 t and pays 100 CNY/t for conventional material:
  each tonne sent saves 100 + 50 - 1 = 149, the lorry costs 2,500 a year: 146,500 saved;
- the brick works (5 km) needs 1,000 t at 95 CNY/t: 144 a tonne, 141,500 saved;
- a quarry 40 km away takes ash for free (baseline 0): 49 a tonne, its lorry 20,000 a year.

Without any link the park pays 50,000 + 100,000 + 95,000 = 245,000 a year. Only 1,000 t
exist, so the optimum sends them all to cement: 245,000 - 146,500 = 98,500. Then

- best without cement: all to bricks, 245,000 - 141,500 = 103,500 (+5,000);
- best with bricks: the optimum and the brick lorry idle, 98,500 + 2,500 = 101,000
  (sending ash there instead is worse, 103,500);
- best with the quarry: the optimum and the quarry lorry idle, 98,500 + 20,000 = 118,500.

So within 1 % (up to 99,485) cement is essential and bricks and quarry are excluded; within
3 % (101,455) bricks becomes possible; within 10 % (108,350) cement is optional too, and
the quarry stays excluded until 20.3 %.
"""

from __future__ import annotations

import json
import math
import pathlib

import pytest
from helpers import run
from places import park_text

import circflow
from circflow.exports.page import plotly_js_text

TWO_OPTIONS = park_text("two-options")
CEMENT, BRICKS, QUARRY = "plant>cement:ash_t:lorry_t", "plant>bricks:ash_t:lorry_t", "plant>quarry:ash_t:lorry_t"


@pytest.fixture
def two_options(write_park_yaml) -> circflow.Park:
    return circflow.load_park(write_park_yaml(TWO_OPTIONS))


@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize(
    ("slack", "classes"),
    [
        (0.01, {CEMENT: "essential", BRICKS: "excluded", QUARRY: "excluded"}),
        (0.03, {CEMENT: "essential", BRICKS: "possible", QUARRY: "excluded"}),
        (0.10, {CEMENT: "optional", BRICKS: "possible", QUARRY: "excluded"}),
        (0.25, {CEMENT: "optional", BRICKS: "possible", QUARRY: "possible"}),
    ],
)
def test_two_option_park_is_classed_by_its_costs(
    two_options, slack: float, classes: dict[str, str], exact: bool
) -> None:
    found = circflow.alternatives(two_options, slack, exact=exact)
    assert found.optimum == pytest.approx(98_500)
    assert found.threshold == pytest.approx(98_500 * (1 + slack))
    table = found.table.set_index("id")
    assert table["class"].to_dict() == classes
    assert table.loc[CEMENT, "link"] == "Power plant -> Cement plant, ash t by lorry t"
    assert table.loc[CEMENT, "in_optimum"]
    assert not table.loc[BRICKS, "in_optimum"]
    assert table.loc[BRICKS, "best_without"] == pytest.approx(98_500)  # the optimum does without it
    if exact:  # every value solved to the gap: the hand-derived ones
        assert table.loc[CEMENT, "best_without"] == pytest.approx(103_500)
        assert table.loc[BRICKS, "best_with"] == pytest.approx(101_000)
        assert table.loc[QUARRY, "best_with"] == pytest.approx(118_500)
        assert set(table["best_with_is"]) == {"optimum"}


def test_bounds_are_on_the_right_side_of_the_exact_values(two_options) -> None:
    """Without ``exact`` a class may be settled by a bound: an "at most" value is a plan (no
    better than the exact optimum), an "at least" value a bound (no worse)."""
    for slack in (0.01, 0.03, 0.1):
        quick = circflow.alternatives(two_options, slack).table.set_index("id")
        exact = circflow.alternatives(two_options, slack, exact=True).table.set_index("id")
        for column in ("best_without", "best_with"):
            for ident in quick.index:
                how, value, best = quick.loc[ident, f"{column}_is"], quick.loc[ident, column], exact.loc[ident, column]
                if how == "at most":
                    assert value >= best - 1e-6
                elif how == "at least":
                    assert value <= best + 1e-6
                else:
                    assert value == pytest.approx(best)


def test_quarry_is_excluded_by_a_bound_without_branch_and_bound(two_options) -> None:
    """The quarry's lorry alone costs 20,000 a year, far beyond a 1 % slack (985): the linear
    relaxation with it built already lies beyond the threshold, so no MIP is solved for it."""
    found = circflow.alternatives(two_options, 0.01).table.set_index("id")
    assert found.loc[QUARRY, "class"] == "excluded"
    assert found.loc[QUARRY, "settled_by"] in {"LP bound", "margin bound"}
    assert found.loc[QUARRY, "best_with_is"] == "at least"
    assert 99_485 < found.loc[QUARRY, "best_with"] <= 118_500 + 1e-6


def test_mga_finds_the_plan_without_the_optimum_links(two_options) -> None:
    """Within 10 %, the plan most different from the optimum sends the ash to the brick works
    (103,500); a third plan would have to reuse a link, and is not different: the search stops."""
    found = circflow.alternatives(two_options, 0.10, plans=3)
    plans = found.plans
    assert list(plans["plan"]) == [0, 1]
    assert plans.loc[0, "objective"] == pytest.approx(98_500)
    assert plans.loc[1, "objective"] == pytest.approx(103_500)
    assert plans.loc[1, "links"] == "Power plant -> Brick works, ash t by lorry t"
    assert plans.loc[1, "shared"] == 0
    assert all(plans["objective"] <= found.threshold + 1e-6)


def test_infeasible_park_raises_with_its_diagnosis(write_park_yaml) -> None:
    """Cement and bricks each emit 0.5 tCO2 per tonne met conventionally; a cap of 0 needs
    2,000 t of ash where there are 1,000."""
    text = (
        TWO_OPTIONS.replace("cost: 100}", "cost: 100, emissions: 0.5}").replace(
            "cost: 95}", "cost: 95, emissions: 0.5}"
        )
        + "targets:\n  max_emissions: 0\n"
    )
    with pytest.raises(circflow.InfeasibleError, match="max_emissions"):
        circflow.alternatives(circflow.load_park(write_park_yaml(text)))


def test_cli_writes_the_classes_and_adds_them_to_a_results_folder(write_park_yaml, tmp_path) -> None:
    park = write_park_yaml(TWO_OPTIONS)
    results = tmp_path / "results"
    assert run("optimize", park, "-o", results, "--quiet").exit_code == 0
    out = tmp_path / "alt"
    done = run("alternatives", park, "--slack", "0.03", "--plans", "1", "-o", out, "--results", results)
    assert done.exit_code == 0, done.output
    assert "essential 1, optional 0, possible 1, excluded 1" in done.output
    table = (out / "alternatives.csv").read_text(encoding="utf-8").splitlines()
    assert table[0].startswith("link,id,kind,resource,technology,in_optimum,class,best_without,best_with")
    assert {"alternatives.html", "plans.csv"} <= {p.name for p in out.iterdir()}
    page = (out / "alternatives.html").read_text(encoding="utf-8")
    assert plotly_js_text()[:500] not in page  # tables only: no 1.3 MB of plotly.js for no chart
    assert "<table" in page
    content = json.loads((results / "results.json").read_text(encoding="utf-8"))
    found = content["robustness"]["alternatives"]
    assert found["counts"] == {"essential": 1, "optional": 0, "possible": 1, "excluded": 1}
    assert math.isclose(found["threshold"], 98_500 * 1.03)
    report = (results / "report.html").read_text(encoding="utf-8")
    assert "How sure is this plan" in report
    assert "Which links are sure" in report


def test_cli_refuses_a_results_folder_of_another_park(write_park_yaml, minimal_park_yaml, tmp_path) -> None:
    other = tmp_path / "other"
    assert run("optimize", write_park_yaml(minimal_park_yaml, name="other.yaml"), "-o", other, "--quiet").exit_code == 0
    done = run("alternatives", write_park_yaml(TWO_OPTIONS), "-o", tmp_path / "alt", "--results", other)
    assert done.exit_code == 2
    assert "not of 'Two options'" in done.output


def test_parts_classified_on_a_dask_cluster_agree(two_options, dask_client) -> None:
    """The same classes and values from a running Dask cluster, reached by its address."""
    here = circflow.alternatives(two_options, 0.03, exact=True)
    there = circflow.alternatives(two_options, 0.03, exact=True, scheduler=dask_client.scheduler.address)
    assert there.table.drop(columns=["settled_by"]).equals(here.table.drop(columns=["settled_by"]))


def test_values_match_independent_solves_with_plan_force_and_forbid(tmp_path) -> None:
    """On a generated park of 20 enterprises, every other candidate that a ``plan`` entry can
    name alone: its best objective without it equals `circflow.optimize` with it under
    ``plan.forbid``, and with it, `circflow.optimize` with it under ``plan.force``."""
    from circflow.network import build_network
    from circflow.yamlfile import copy_tree, read_yaml

    path = pathlib.Path(__file__).parent / "data" / "gen-n20-s104.yaml"
    park = circflow.load_park(path)
    found = circflow.alternatives(park, 0.05, exact=True).table
    net = build_network(park)
    ends = {}
    for link in net.links:
        if not link.prebuilt:
            ends[link.id] = (
                net.supplies[link.supply].enterprise,
                net.demands[link.demand].enterprise,
                link.resource,
                link.mode,
                link.type,
            )
    alone = {ident for ident, key in ends.items() if list(ends.values()).count(key) == 1}
    tree = read_yaml(path)
    checked = 0
    for row in found.to_dict("records")[::2]:
        if row["id"] not in alone:
            continue
        source, target, resource, mode, kind = ends[row["id"]]
        entry = {"from": source, "to": target, "resource": resource, "mode": mode}
        if kind != "transport":
            entry["type"] = kind
        variant = copy_tree(tree)
        variant.setdefault("plan", {}).setdefault("forbid" if row["in_optimum"] else "force", []).append(entry)
        result = circflow.optimize(circflow.park_from_dict(variant, base_dir=path.parent), marginals=False)
        expected = row["best_without"] if row["in_optimum"] else row["best_with"]
        assert result.objective == pytest.approx(expected, rel=1e-6), row["link"]
        checked += 1
    assert checked >= 25
