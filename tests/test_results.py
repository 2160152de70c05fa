"""A run's answer (`circflow.results`): reading a plan from column values, KPIs, the folder on disk.

`Solution.from_values` is fed column values written by hand (as a solver could return them,
rounding included) for a park of three pairs of ash streams, 100 km apart, each with one
link: a new one (a1 -> b1), an existing one (a2 -> b2) and a forced one (a3 -> b3). Each
supply is 876 t a year over one period of 8760 h, so a link can carry at most 0.1 t/h.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from helpers import ASH_BY_TRUCK, consumer, mode, supplier

import circflow
from circflow.exceptions import OutputError
from circflow.model import ParkModel, build_model
from circflow.network import build_network
from circflow.results import Solution, is_results_folder, write_folder, write_marker

NEW, EXISTING, FORCED = 0, 1, 2


def three_links_park() -> circflow.Park:
    enterprises = []
    for k in range(3):
        x = 100.0 * k
        enterprises += [
            supplier(f"a{k + 1}", (x, 0), "o_ash", 876, 1),
            consumer(f"b{k + 1}", (x + 1, 0), "o_ash", 876, 1),
        ]
    truck = {**mode(capex_fixed=1000, capex_per_capacity=10.0), "max_distance_km": 5}
    return circflow.park_from_dict(
        {
            "park": {"name": "three links"},
            "resources": ASH_BY_TRUCK,
            "modes": {"o_truck": truck},
            "enterprises": enterprises,
            "links": [{"from": "a2", "to": "b2", "resource": "o_ash", "mode": "o_truck", "existing": True}],
            "plan": {"force": [{"from": "a3", "to": "b3", "resource": "o_ash"}]},
        }
    )


@pytest.fixture(scope="module")
def model() -> ParkModel:
    built = build_model(build_network(three_links_park()))
    assert [link.id.split(">")[0] for link in built.net.links] == ["a1", "a2", "a3"]
    return built


def plan(
    model: ParkModel, rates: list[float], built: dict[int, float], size: dict[int, float] | None = None
) -> Solution:
    """Column values: each link's rate (t/h), the build decision of the new ones, their capacity."""
    x = np.zeros(model.shape[1])
    x[model.rate[:, 0]] = rates
    for i, y in built.items():
        x[model.built[i]] = y
    for i, k in (size or {}).items():
        x[model.size[i]] = k
    return Solution.from_values(model, x)


def test_a_plan_reads_as_flows_per_period_and_the_peak_rate_as_capacity(model: ParkModel) -> None:
    solution = plan(model, [0.05, 0.1, 0.02], {NEW: 1.0, FORCED: 1.0}, {NEW: 0.08})
    assert list(solution.flow[:, 0]) == pytest.approx([0.05 * 8760, 0.1 * 8760, 0.02 * 8760])
    assert list(solution.built) == [True, True, True]
    assert solution.capacity[NEW] == pytest.approx(0.08)  # the capacity bought, above the rate used
    assert solution.capacity[EXISTING] == pytest.approx(0.1)


@pytest.mark.parametrize(("y", "built"), [(0.51, True), (0.49, False), (1e-7, False)])
def test_a_build_decision_rounds_at_one_half(model: ParkModel, y: float, built: bool) -> None:
    """The rounding rule: y > 0.5 is built; a link read as not built carries nothing."""
    solution = plan(model, [0.05, 0.0, 0.0], {NEW: y, FORCED: 1.0})
    assert bool(solution.built[NEW]) is built
    assert solution.flow[NEW, 0] == pytest.approx(0.05 * 8760 if built else 0.0)
    assert solution.capacity[NEW] == pytest.approx(0.05 if built else 0.0)


def test_a_new_link_at_the_solvers_rounding_is_not_built(model: ParkModel) -> None:
    """A flow below 1e-9 of what the link could carry (876 t) is rounding: the link is not
    built (it would only add capex). At 2e-9 it is a flow."""
    at_rounding = plan(model, [0.9e-9 * 0.1, 0.0, 0.0], {NEW: 1.0, FORCED: 1.0})
    assert not at_rounding.built[NEW]
    assert at_rounding.flow[NEW, 0] == 0.0
    above = plan(model, [2e-9 * 0.1, 0.0, 0.0], {NEW: 1.0, FORCED: 1.0})
    assert above.built[NEW]


def test_existing_and_forced_links_stay_built_without_flow(model: ParkModel) -> None:
    solution = plan(model, [0.0, 0.0, 1e-15], {NEW: 0.0, FORCED: 1.0})
    assert list(solution.built) == [False, True, True]
    assert solution.flow.sum() == pytest.approx(0.0, abs=1e-9)


def test_negative_rates_from_the_solvers_tolerance_read_as_zero(model: ParkModel) -> None:
    solution = plan(model, [-1e-10, -1e-10, 0.0], {NEW: 1.0, FORCED: 1.0})
    assert (solution.flow >= 0).all()


def test_no_plan_reads_as_nothing_new_built(model: ParkModel) -> None:
    solution = Solution.from_values(model, None)
    assert list(solution.built) == [False, True, False]
    assert solution.flow.sum() == 0.0


# -- the results folder on disk ---------------------------------------------------------------


def files(folder: pathlib.Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_writer_failing_mid_write_leaves_the_old_folder_intact(tmp_path: pathlib.Path) -> None:
    """SPEC 7: a failed run leaves no half-written folder. The writer has written one file of
    two when it fails: the old folder keeps its files and content, no temporary sibling
    remains, and the writer's error reaches the caller as an OutputError naming the folder."""
    folder = tmp_path / "results"
    write_folder(folder, lambda tmp: (tmp / "results.json").write_text(json.dumps({"circflow_version": "old"})))
    before = files(folder)

    def half_then_fail(tmp: pathlib.Path) -> None:
        (tmp / "links.csv").write_text("id\nnew\n")
        msg = "disk full"
        raise OSError(28, msg)

    with pytest.raises(OutputError, match=r"cannot write .*results: disk full"):
        write_folder(folder, half_then_fail)
    assert files(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_a_writer_failing_on_a_new_folder_leaves_nothing(tmp_path: pathlib.Path) -> None:
    def fail(tmp: pathlib.Path) -> None:
        (tmp / "results.json").write_text("{}")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "results", fail)
    assert list(tmp_path.iterdir()) == []


def test_a_finished_write_replaces_the_folder_whole(tmp_path: pathlib.Path) -> None:
    """A file circflow wrote last time and not this time goes; a file of the user's is never
    replaced: the run is refused and names it (issue 19)."""
    folder = tmp_path / "results"

    def older(tmp: pathlib.Path) -> None:
        (tmp / "stale.csv").write_text("from an older run")
        write_marker(tmp, "pareto")

    write_folder(folder, older)
    write_folder(folder, lambda tmp: write_marker(tmp, "pareto"))
    assert sorted(files(folder)) == ["circflow.json"]
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="notes.txt"):
        write_folder(folder, lambda tmp: write_marker(tmp, "pareto"))
    assert (folder / "notes.txt").read_text() == "mine"
    assert is_results_folder(folder)


@pytest.mark.parametrize(
    ("content", "ours"),
    [(None, True), ('{"circflow_version": "0.1.0"}', True), ('{"version": 1}', False), ("not json", False)],
)
def test_only_circflow_folders_count_as_results_folders(
    tmp_path: pathlib.Path, content: str | None, ours: bool
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    if content is not None:
        (folder / "results.json").write_text(content)
    assert is_results_folder(folder) is ours


def test_a_result_saves_the_folder_optimize_writes(tmp_path: pathlib.Path) -> None:
    """results.json is the Result's own dict (SPEC 5), with the writing time added."""
    result = circflow.optimize(three_links_park(), gap=0.0)
    folder = result.save(tmp_path / "out")
    content = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    expected = result.to_dict()
    assert content["status"] == expected["status"] == "optimal"
    assert content["kpis"]["total_cost"] == pytest.approx(expected["kpis"]["total_cost"])
    assert {link["id"] for link in content["links"]} == set(result.links["id"])
    assert "write_s" in content["timings"]
