"""The park as pydantic models (`circflow.schema`, SPEC 3): defaults, built in code, messages.

File, line and column of problems in park files are `tests/test_load.py`'s; here the models
themselves: what a park built in code gets by default, the messages of the most common
mistakes (each names the field path, what was given and what would be right), and the JSON
Schema that ``circflow schema`` prints.
"""

from __future__ import annotations

import pytest

import circflow
from circflow.schema import Park, Range, Supply, reference_problems

PLANT = {"id": "a", "location": {"x": 0, "y": 0}, "supplies": [{"resource": "fly_ash", "amount": 10}]}


def test_a_park_built_in_code_gets_the_spec_defaults_and_the_catalog() -> None:
    """SPEC 3: crs local_km, one period "year" of 8760 h, the catalog's resources and modes."""
    park = Park(park={"name": "study"}, enterprises=[PLANT])
    assert park.park.crs == "local_km"
    assert [(p.name, p.hours) for p in park.periods] == [("year", 8760.0)]
    assert {"fly_ash", "gypsum", "heat", "reclaimed_water", "slag"} <= set(park.resources)
    assert {"truck", "rail", "heat_pipeline", "water_pipeline"} <= set(park.modes)
    assert isinstance(park.enterprises[0].supplies[0], Supply)
    assert reference_problems(park) == []


def test_a_park_can_override_one_catalog_number() -> None:
    park = Park(park={"name": "study"}, modes={"truck": {"opex_per_unit": 9.5}}, enterprises=[PLANT])
    assert park.modes["truck"].opex_per_unit == 9.5
    assert park.modes["truck"].lifetime_years == Park(park={"name": "x"}).modes["truck"].lifetime_years


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"enterprize": []}, "enterprize: unknown key 'enterprize'; did you mean 'enterprises'?"),
        (
            {"enterprises": [{**PLANT, "supplies": [{"resource": "fly_ash", "amount": -5}]}]},
            "enterprises[0].supplies[0].amount: must be >= 0, got -5",
        ),
        (
            {"enterprises": [{**PLANT, "supplies": [{"resource": "flyash", "amount": 5}]}]},
            "enterprises[0].supplies[0].resource: unknown resource 'flyash'; did you mean 'fly_ash'?",
        ),
        ({"park": {"name": "x", "crs": "utm"}}, "park.crs: must be 'local_km' or 'wgs84', got 'utm'"),
        ({"enterprises": [PLANT, {**PLANT, "supplies": []}]}, "enterprises[1].id: duplicate enterprise id 'a'"),
    ],
    ids=["unknown-key", "negative-amount", "unknown-resource", "bad-crs", "duplicate-id"],
)
def test_common_mistakes_name_the_field_and_the_fix(data: dict, says: str) -> None:
    with pytest.raises(circflow.ParkError) as caught:
        circflow.park_from_dict({"park": {"name": "x"}, **data})
    assert any(says in str(problem) for problem in caught.value.problems), caught.value.problems


def test_a_range_admits_its_ends() -> None:
    grade = Range(min=5.0, max=8.0)
    assert (grade.min, grade.max) == (5.0, 8.0)


def test_the_json_schema_has_every_top_level_key_and_refuses_others() -> None:
    """``circflow schema`` prints this (SPEC 3: unknown keys are errors)."""
    schema = Park.model_json_schema(by_alias=True)
    assert {"park", "economics", "periods", "enterprises", "links", "targets", "plan", "scenarios"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
