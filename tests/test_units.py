"""Unit strings converted to canonical units (SPEC 3.1)."""

import pytest

from circflow.units import convert_quantities, to_canonical


@pytest.mark.parametrize(
    ("text", "unit", "resource_unit", "expected"),
    [
        ("35 MW", "{u}/hour", "MWh", 35.0),
        ("35000 kW", "{u}/hour", "MWh", 35.0),
        ("1.2e5 t/yr", "{u}/year", "t", 1.2e5),
        ("100 t/day", "{u}/year", "t", 36500.0),  # a year is 8760 h
        ("2 Mt/yr", "{u}/year", "t", 2e6),
        ("0.65 CNY/kWh", "money/MWh", "t", 650.0),
        ("40 CNY/GJ", "money/MWh", "t", 144.0),
        ("308.15 K", "degC", "t", 35.0),
        ("0.08 kgCO2/t/km", "tCO2/{u}/km", "t", 8e-5),
        ("12", "km", "t", 12.0),
    ],
)
def test_unit_strings_convert_to_canonical(text, unit, resource_unit, expected):
    assert to_canonical(text, unit, resource_unit=resource_unit) == pytest.approx(expected, rel=1e-12)


def test_numbers_are_already_canonical():
    assert to_canonical(7, "km") == 7.0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("3 kg", "expected something convertible to"),
        ("5 flubs", "unknown unit"),
        ("3 EUR/MWh", "unknown unit"),  # only the park's currency is money
        ("inf km", "finite"),
    ],
)
def test_bad_unit_strings_are_refused_with_a_reason(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        to_canonical(text, "km" if "km" in text else "money/MWh")


def test_other_currency_code_is_money_when_it_is_the_park_currency():
    assert to_canonical("3 EUR/kWh", "money/MWh", currency="EUR") == pytest.approx(3000.0)


def test_convert_quantities_fixes_a_raw_park_in_place_and_reports_paths():
    park = {
        "economics": {"electricity_price": "0.7 CNY/kWh"},
        "resources": {"heat": {"unit": "MWh", "modes": ["heat_pipeline"]}},
        "modes": {"heat_pipeline": {"max_capacity": "200 MW", "capex_per_km": "3 kg"}},
        "enterprises": [
            {
                "supplies": [
                    {"resource": "heat", "rate": "35 MW", "temperature": "308.15 K", "disposal": {"cost": "2 CNY/MWh"}}
                ]
            },
        ],
    }
    problems = convert_quantities(park, {"heat": "MWh"})
    assert park["economics"]["electricity_price"] == pytest.approx(700.0)
    assert park["modes"]["heat_pipeline"]["max_capacity"] == pytest.approx(200.0)
    stream = park["enterprises"][0]["supplies"][0]
    assert (stream["rate"], stream["temperature"], stream["disposal"]["cost"]) == pytest.approx((35.0, 35.0, 2.0))
    assert [path for path, _ in problems] == [("modes", "heat_pipeline", "capex_per_km")]
