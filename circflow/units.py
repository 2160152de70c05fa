"""Quantities written with units, converted to circflow's canonical units (SPEC 3.1).

Every number in a park file is already canonical (t, m3, MWh, MW, money, tCO2, km, degC).
A value may also be a string such as ``"35 MW"``, ``"1.2e5 t/yr"`` or ``"0.65 CNY/kWh"``;
`to_canonical` converts it with pint or says why it cannot.

Two conventions, stated here because pint's defaults differ:

- a year is 8760 h (energy planning practice), not pint's 365.25 days;
- money is written in the park's currency code (e.g. ``CNY``); other currency codes are
  rejected rather than converted at some exchange rate.
"""

from __future__ import annotations

import functools
import math
import re

import pint

# Unit templates name canonical units; "{u}" is the resource unit (t, m3 or MWh) and "money"
# the park currency.
_EXTRA_UNITS = """
money = [money]
tCO2 = [emission]
kgCO2 = 1e-3 * tCO2
gCO2 = 1e-6 * tCO2
MtCO2 = 1e6 * tCO2
ktCO2 = 1e3 * tCO2
m3 = meter ** 3
"""


@functools.cache
def registry() -> pint.UnitRegistry:
    """The shared unit registry with circflow's money, emission and year definitions."""
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, on_redefinition="ignore")
    for line in _EXTRA_UNITS.strip().splitlines():
        ureg.define(line)
    ureg.define("year = 8760 * hour = yr = a")
    ureg.define("kt = 1000 * metric_ton")  # kilotonnes, not knots, in this field
    return ureg


def _currency_pattern(currency: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z_]){re.escape(currency)}(?![A-Za-z_])")


def to_canonical(value: object, unit: str, *, currency: str = "CNY", resource_unit: str = "t") -> float:
    """Convert a number or a unit string to the canonical unit ``unit``.

    Parameters
    ----------
    value
        A number (returned as float, already canonical) or a string with units.
    unit
        Canonical unit template, e.g. ``"km"``, ``"money/MWh"``, ``"{u}/hour"``, ``"degC"``.
    currency
        The park's currency code; in ``value`` it stands for money.
    resource_unit
        The unit of the stream's resource, substituted for ``{u}``.

    Returns
    -------
    float
        The value in canonical units.

    Raises
    ------
    ValueError
        When the string does not parse, names an unknown unit, or has another dimension.

    Examples
    --------
    >>> to_canonical("0.65 CNY/kWh", "money/MWh")
    650.0
    >>> to_canonical("35 MW", "{u}/hour", resource_unit="MWh")
    35.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        msg = f"expected a number or a string with units, got {value!r}"
        raise ValueError(msg)
    if not isinstance(value, str):
        return float(value)
    target = unit.replace("{u}", resource_unit)
    text = _currency_pattern(currency).sub("money", value.strip())
    ureg = registry()
    try:
        quantity = ureg.Quantity(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as err:
        msg = f"unknown unit in {value!r} ({err}); write it in {_pretty(target, currency)}"
        raise ValueError(msg) from None
    except Exception:  # pint raises several parser errors for garbage text
        msg = f"cannot read {value!r} as a quantity; write e.g. '12 {_pretty(target, currency)}'"
        raise ValueError(msg) from None
    if not isinstance(quantity, pint.Quantity) or quantity.dimensionless and quantity.units == ureg.dimensionless:
        return float(quantity.magnitude if isinstance(quantity, pint.Quantity) else quantity)  # "12": a number
    try:
        converted = quantity.to(target).magnitude
    except pint.errors.DimensionalityError:
        msg = (
            f"{value!r} has dimension {_pretty(str(quantity.units), currency)}, "
            f"expected something convertible to {_pretty(target, currency)}"
        )
        raise ValueError(msg) from None
    result = float(converted)
    if not math.isfinite(result):
        msg = f"{value!r} is not a finite number"
        raise ValueError(msg)
    return result


def _pretty(unit: str, currency: str) -> str:
    return re.sub(r"(?<![A-Za-z_])money(?![A-Za-z_])", currency, unit)


# Canonical unit of every quantity field of the park file (SPEC 3), by section.
ECONOMICS_UNITS = {
    "carbon_price": "money/tCO2",
    "electricity_price": "money/MWh",
    "grid_emission_factor": "tCO2/MWh",
}
MODE_UNITS = {
    "max_distance_km": "km",
    "capex_fixed": "money",
    "capex_per_km": "money/km",
    "capex_per_capacity": "money/({u}/hour)",
    "capex_per_capacity_km": "money/({u}/hour)/km",
    "lifetime_years": "year",
    "opex_per_unit": "money/{u}",
    "opex_per_unit_km": "money/{u}/km",
    "electricity_per_unit_km": "MWh/{u}/km",
    "emissions_per_unit_km": "tCO2/{u}/km",
    "loss_per_km": "1/km",
    "max_capacity": "{u}/hour",
}
TECHNOLOGY_UNITS = {
    "heat_exchange": {"min_approach_k": "delta_degC"},
    "heat_pump": {
        "approach_k": "delta_degC",
        "max_lift_k": "delta_degC",
        "capex_fixed": "money",
        "capex_per_mw": "money/MW",
        "lifetime_years": "year",
        "opex_per_mwh": "money/MWh",
    },
}
STREAM_UNITS = {"amount": "{u}/year", "rate": "{u}/hour", "temperature": "degC"}
PRICE_UNITS = {"cost": "money/{u}", "emissions": "tCO2/{u}"}

Path = tuple[object, ...]


def convert_quantities(park: dict, resource_units: dict[str, str]) -> list[tuple[Path, str]]:
    """Replace every unit string in a raw park mapping by its canonical number, in place.

    ``resource_units`` maps resource names to their unit (t, m3, MWh). Returns the
    problems found as ``(path, message)`` pairs; fields that are not unit strings are left
    for the schema to judge.
    """
    problems: list[tuple[Path, str]] = []
    economics = park.get("economics")
    currency = economics.get("currency", "CNY") if isinstance(economics, dict) else "CNY"
    currency = currency if isinstance(currency, str) else "CNY"

    def fix(mapping: object, key: str, unit: str, path: Path, resource_unit: str | None = "t") -> None:
        if not isinstance(mapping, dict) or not isinstance(mapping.get(key), str):
            return
        if resource_unit is None:
            msg = "a unit string here needs the resource's unit, which is ambiguous; write a plain number"
            problems.append(((*path, key), msg))
            return
        try:
            mapping[key] = to_canonical(mapping[key], unit, currency=currency, resource_unit=resource_unit)
        except ValueError as err:
            problems.append(((*path, key), str(err)))

    for key, unit in ECONOMICS_UNITS.items():
        fix(economics, key, unit, ("economics",))
    for index, period in enumerate(_items(park.get("periods"))):
        fix(period, "hours", "hour", ("periods", index))

    modes = park.get("modes") if isinstance(park.get("modes"), dict) else {}
    mode_units = _mode_units(park.get("resources"), resource_units)
    for name, mode in modes.items():
        for key, unit in MODE_UNITS.items():
            fix(mode, key, unit, ("modes", name), mode_units.get(name, "t"))
    technologies = park.get("technologies")
    if isinstance(technologies, dict):
        for tech, fields in TECHNOLOGY_UNITS.items():
            for key, unit in fields.items():
                fix(technologies.get(tech), key, unit, ("technologies", tech))

    for e_index, enterprise in enumerate(_items(park.get("enterprises"))):
        if not isinstance(enterprise, dict):
            continue
        location = enterprise.get("location")
        for key in ("x", "y"):
            fix(location, key, "km", ("enterprises", e_index, "location"))
        for role, price in (("supplies", "disposal"), ("demands", "baseline")):
            for s_index, stream in enumerate(_items(enterprise.get(role))):
                if not isinstance(stream, dict):
                    continue
                path = ("enterprises", e_index, role, s_index)
                unit = resource_units.get(stream.get("resource"), "t")
                for key, template in STREAM_UNITS.items():
                    fix(stream, key, template, path, unit)
                per_period = stream.get("per_period")
                if isinstance(per_period, dict):
                    for period in list(per_period):
                        fix(per_period, period, "{u}", (*path, "per_period"), unit)
                for key, template in PRICE_UNITS.items():
                    fix(stream.get(price), key, template, (*path, price), unit)

    for index, link in enumerate(_items(park.get("links"))):
        if isinstance(link, dict):
            unit = resource_units.get(link.get("resource"), "t")
            fix(link, "capacity", "{u}/hour", ("links", index), unit)
            fix(link, "distance_km", "km", ("links", index))
    for index, distance in enumerate(_items(park.get("distances"))):
        fix(distance, "km", "km", ("distances", index))
    targets = park.get("targets")
    fix(targets, "max_emissions", "tCO2/year", ("targets",))
    fix(targets, "max_capex", "money", ("targets",))
    return problems


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def _mode_units(resources: object, resource_units: dict[str, str]) -> dict[str, str | None]:
    """The unit of what each mode carries, or None when its resources disagree."""
    seen: dict[str, set[str]] = {}
    if isinstance(resources, dict):
        for name, resource in resources.items():
            modes = resource.get("modes") if isinstance(resource, dict) else None
            for mode in modes if isinstance(modes, list) else []:
                if isinstance(mode, str) and name in resource_units:
                    seen.setdefault(mode, set()).add(resource_units[name])
    return {mode: next(iter(units)) if len(units) == 1 else None for mode, units in seen.items()}
