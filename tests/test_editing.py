"""A park edited in code is checked as a park file is, and every study uses it (issue 15).

The park is the minimal one of ``conftest.py`` (optimum 11,918.12 CNY/yr derived there).
Raising the ash's disposal cost from 50 to 80 CNY/t changes only the cost of the 200 t the
cement plant cannot take: 11,918.12 + 200 x 30 = 17,918.12 CNY/yr, the same plan.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest
import yaml

import circflow
from circflow.exceptions import ParkError
from circflow.schema import Economics, Supply

OPTIMUM = 11_918.12
EDITED = OPTIMUM + 200 * 30


@pytest.fixture
def park(write_park_yaml) -> circflow.Park:
    return circflow.load_park(write_park_yaml())


def test_a_refused_assignment_raises_park_error_with_the_field(park: circflow.Park) -> None:
    with pytest.raises(ParkError, match=r"Economics\.electricity_price: must be >= 0, got -500"):
        park.economics.electricity_price = -500
    assert park.economics.electricity_price == 500  # left as it was


@pytest.mark.parametrize(("value", "expected"), [("150 kt/yr", 150_000.0), ("12 t/h", 12 * 8760.0), (900, 900.0)])
def test_an_amount_set_in_code_converts_its_units(park: circflow.Park, value: object, expected: float) -> None:
    supply = park.enterprises[0].supplies[0]
    supply.amount = value
    assert supply.amount == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "message"), [("150 MWh", "has dimension"), ("lots", "unknown unit"), ("-3 t/yr", "must be >= 0")]
)
def test_a_bad_amount_set_in_code_is_a_park_error(park: circflow.Park, value: str, message: str) -> None:
    """Before, a unit string reached numpy and failed there with a UFuncTypeError."""
    with pytest.raises(ParkError, match=message):
        park.enterprises[0].supplies[0].amount = value


def test_a_model_built_in_code_converts_units_as_a_park_file_does() -> None:
    """``Supply(amount="150 kt/yr")`` and the same string in a park mapping give one number."""
    supply = Supply(resource="fly_ash", amount="150 kt/yr")
    from_file = circflow.park_from_dict(
        {
            "park": {"name": "x"},
            "enterprises": [
                {"id": "a", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "fly_ash", "amount": "150 kt/yr"}]}
            ],
        }
    )
    assert supply.amount == from_file.enterprises[0].supplies[0].amount == 150_000


def test_a_model_built_in_code_raises_park_error() -> None:
    with pytest.raises(ParkError, match=r"Economics\.discount_rate: must be <= 1, got 6"):
        Economics(discount_rate=6, electricity_price=500, grid_emission_factor=0.5)


def test_optimize_uses_the_edits(park: circflow.Park) -> None:
    park.enterprises[0].supplies[0].disposal.cost = 80
    assert circflow.optimize(park).kpis["total_cost"] == pytest.approx(EDITED, abs=0.01)


def test_sweep_uses_the_edited_park_not_its_file(park: circflow.Park, dask_client: Any) -> None:
    """Before, a sweep of a loaded park rebuilt it from the file: 11,918.12, not 17,918.12."""
    park.enterprises[0].supplies[0].disposal.cost = 80
    table = circflow.sweep(park, {"economics.carbon_price": [0]}, client=dask_client)
    assert table.loc[0, "total_cost"] == pytest.approx(EDITED, abs=0.01)


def test_sensitivity_uses_the_edited_park(park: circflow.Park) -> None:
    park.enterprises[0].supplies[0].disposal.cost = 80
    found = circflow.sensitivity(park, {"economics.carbon_price": "0:10"})
    assert found.base_objective == pytest.approx(EDITED, abs=0.01)


def test_an_override_of_one_stream_keeps_the_others(write_park_yaml) -> None:
    """Before, overriding the ash amount replaced the plant's supplies list: the heat was gone."""
    overrides = {"enterprises": [{"id": "plant", "supplies": [{"resource": "ash_t", "amount": 900}]}]}
    park = circflow.load_park(write_park_yaml(), overrides=overrides)
    supplies = park.enterprises[0].supplies
    assert [(s.resource, s.amount, s.rate) for s in supplies] == [("ash_t", 900, None), ("heat_t", None, 2)]
    assert supplies[0].disposal.cost == 50  # merged into the stream, not replacing it


def test_overrides_merge_processes_by_id_and_streams_in_order(write_park_yaml) -> None:
    """Two streams of one resource: the k-th given merges into the k-th; a process by its id."""
    text = (
        write_park_yaml()
        .read_text(encoding="utf-8")
        .replace(
            "      - resource: heat_t\n        rate: 2\n        temperature: 90\n",
            "      - resource: heat_t\n        rate: 2\n        temperature: 90\n"
            "      - resource: heat_t\n        rate: 3\n        temperature: 95\n"
            "    processes:\n      - {id: mill, input: {resource: ash_t}, opex_per_unit: 4}\n",
        )
    )
    overrides = {
        "enterprises": [
            {
                "id": "plant",
                "supplies": [{"resource": "heat_t", "rate": 2}, {"resource": "heat_t", "rate": 5}],
                "processes": [{"id": "mill", "opex_per_unit": 6}],
            }
        ]
    }
    park = circflow.load_park(write_park_yaml(text, name="two.yaml"), overrides=overrides)
    heat = [(s.rate, s.temperature) for s in park.enterprises[0].supplies if s.resource == "heat_t"]
    assert heat == [(2, 90), (5, 95)]
    (mill,) = park.enterprises[0].processes
    assert (mill.opex_per_unit, mill.input.resource) == (6, "ash_t")


def test_an_error_in_an_override_points_at_the_override(write_park_yaml) -> None:
    """Before, it pointed at the catalog or park file line of the value it replaced."""
    with pytest.raises(ParkError) as caught:
        circflow.load_park(write_park_yaml(), overrides={"economics": {"electricity_price": -500}})
    (problem,) = caught.value.problems
    assert str(problem) == "load_park(overrides=...) economics.electricity_price: must be >= 0, got -500"


def test_to_yaml_round_trips_an_edited_park(park: circflow.Park, tmp_path: pathlib.Path) -> None:
    park.enterprises[0].supplies[0].amount = "1.2 kt/yr"
    park.modes["lorry_t"].max_distance_km = None  # unlimited, where the park file said 50
    path = tmp_path / "written.yaml"
    park.to_yaml(path)
    again = circflow.load_park(path)
    assert again.model_dump() == park.model_dump()
    assert circflow.optimize(again).objective == pytest.approx(circflow.optimize(park).objective)


def test_to_yaml_writes_only_what_differs_from_the_catalog() -> None:
    park = circflow.park_from_dict({"park": {"name": "x"}, "economics": {"carbon_price": 80}})
    text = park.to_yaml()
    assert "carbon_price: 80" in text
    assert "modes" not in text  # the catalog's, unchanged
    assert "resources" not in text


def test_to_yaml_keeps_a_limit_removed_from_a_catalog_mode() -> None:
    park = circflow.park_from_dict({"park": {"name": "x"}})
    assert park.modes["truck"].max_distance_km is not None
    park.modes["truck"].max_distance_km = None
    text = park.to_yaml()
    assert "max_distance_km: null" in text
    assert circflow.park_from_dict(yaml.safe_load(text)).modes["truck"].max_distance_km is None
