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

import contextvars
import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationInfo
from pydantic_core import CoreSchema, core_schema

if TYPE_CHECKING:
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
    """The shared unit registry with circflow's money, emission and year definitions.

    pint loads here, on the first unit string: a park of plain numbers never needs it (it
    takes a good part of a second to import).
    """
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, on_redefinition="ignore")
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
    import pint  # loaded by registry()

    try:
        quantity: pint.Quantity = ureg.Quantity(text)
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as err:
        msg = f"unknown unit in {value!r} ({err}); write it in {_pretty(target, currency)}"
        raise ValueError(msg) from None
    except Exception:  # pint raises several parser errors for garbage text
        msg = f"cannot read {value!r} as a quantity; write e.g. '12 {_pretty(target, currency)}'"
        raise ValueError(msg) from None
    if quantity.dimensionless and quantity.units == ureg.dimensionless:
        return float(quantity.magnitude)  # "12": a number
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


@dataclass(frozen=True)
class Unit:
    """The canonical unit of a schema field (``Annotated[float, Unit("money/MWh")]``).

    ``{u}`` stands for the unit of the stream's (or mode's) resource. The schema is the one
    place that says which unit a field is in; `convert_quantities` reads it from there for a
    park file, and the field converts a unit string given in code itself, with the same
    rules: ``Supply(resource="fly_ash", amount="150 kt/yr")`` holds 150,000 (t per year), and
    ``supply.amount = "12 MWh"`` is refused (not a mass per year).
    """

    unit: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_info_before_validator_function(self.convert, handler(source))

    def convert(self, value: Any, info: ValidationInfo) -> Any:
        """A unit string given in code to this field's canonical number (numbers pass as they are).

        The currency is the validation context's ``currency``, the model's own ``currency``
        field (economics), or ``CNY``; ``{u}`` is the unit of the model's ``resource`` (or its
        ``input``'s), from the context's ``resource_units`` or the shipped catalog.
        """
        if not isinstance(value, str):
            return value
        context = info.context or {}
        scope = UNIT_SCOPE.get()
        data = info.data or {}
        currency = context.get("currency") or data.get("currency") or (scope.currency if scope else None) or "CNY"
        resource_unit = None
        if "{u}" in self.unit:
            resource = data.get("resource") or getattr(data.get("input"), "resource", None)
            if resource is None and scope is not None:
                resource_unit = scope.unit
            known = context.get("resource_units") or (scope.resource_units if scope else None)
            resource_unit = resource_unit or _resource_unit(resource, known)
            if resource_unit is None:
                what = f"resource {resource!r}" if resource else "the resource"
                msg = (
                    f"{value!r} needs the unit of {what}, which is not known here; "
                    "write a plain number in canonical units (SPEC 3.1)"
                )
                raise ValueError(msg)
        return to_canonical(
            value,
            self.unit,
            currency=currency if isinstance(currency, str) else "CNY",
            resource_unit=resource_unit or "t",
        )


@dataclass(frozen=True)
class UnitScope:
    """What a model inside a park needs to read a unit string assigned to it in code.

    The park's currency, its resources' units, and the unit ``{u}`` stands for where the
    model has no ``resource`` of its own (a stream's disposal price, a mode).
    """

    currency: str
    resource_units: Mapping[str, str]
    unit: str | None = None


UNIT_SCOPE: contextvars.ContextVar[UnitScope | None] = contextvars.ContextVar("circflow_unit_scope", default=None)
"""The scope of the model a field is being assigned to (set by `circflow.schema.Strict`)."""


def _resource_unit(resource: object, known: Mapping[str, str] | None) -> str | None:
    """The unit of a resource: from ``known``, else from the shipped catalog."""
    if not isinstance(resource, str):
        return None
    if known and resource in known:
        return known[resource]
    from circflow.catalog import load_catalog  # the catalog imports this module

    spec = (load_catalog().get("resources") or {}).get(resource)
    unit = spec.get("unit") if isinstance(spec, dict) else None
    return unit if isinstance(unit, str) else None


Path = tuple[object, ...]


def convert_quantities(park: dict, resource_units: dict[str, str]) -> list[tuple[Path, str]]:
    """Replace every unit string in a raw park mapping by its canonical number, in place.

    The unit of each field is the `Unit` on its schema field (`circflow.schema.Park`).
    ``resource_units`` maps resource names to their unit (t, m3, MWh). Returns the problems
    found as ``(path, message)`` pairs; fields that are not unit strings are left for the
    schema to judge.
    """
    from circflow.schema import Mode, Park  # the schema imports Unit from here

    economics = park.get("economics")
    currency = economics.get("currency", "CNY") if isinstance(economics, dict) else "CNY"
    walker = _Walker(
        currency if isinstance(currency, str) else "CNY",
        resource_units,
        _mode_units(park.get("resources"), resource_units),
        Mode,
    )
    walker.model(Park, park, (), "t")
    return walker.problems


class _Walker:
    """Walks a raw park along its schema, converting unit strings where a field has a `Unit`."""

    def __init__(
        self, currency: str, resource_units: dict[str, str], mode_units: dict[str, str | None], mode_model: type
    ) -> None:
        self.currency = currency
        self.resource_units = resource_units
        self.mode_units = mode_units
        self.mode_model = mode_model
        self.problems: list[tuple[Path, str]] = []

    def model(self, model: type[BaseModel], data: object, path: Path, resource_unit: str | None) -> None:
        if not isinstance(data, dict):
            return
        resource = data.get("resource")
        if isinstance(resource, str):
            resource_unit = self.resource_units.get(resource, "t")
        for name, field in model.model_fields.items():
            key = field.alias or name
            if key in data:
                self.value(field.annotation, list(field.metadata), data, key, (*path, key), resource_unit)

    def value(
        self, annotation: Any, metadata: list[Any], holder: dict | list, key: Any, path: Path, resource_unit: str | None
    ) -> None:
        while get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            metadata = metadata + list(extra)
        item = holder[key]
        unit = next((m.unit for m in metadata if isinstance(m, Unit)), None)
        if isinstance(item, str) and unit is not None:
            self.convert(holder, key, unit, path, resource_unit)
            return
        origin = get_origin(annotation)
        if origin in (Union, UnionType):
            for option in get_args(annotation):
                self.value(option, metadata, holder, key, path, resource_unit)
        elif origin is list and isinstance(item, list):
            (inner,) = get_args(annotation)
            for index in range(len(item)):
                self.value(inner, [], item, index, (*path, index), resource_unit)
        elif origin is dict and isinstance(item, dict):
            inner = get_args(annotation)[1]
            for name in list(item):
                here = self.mode_units.get(str(name), "t") if inner is self.mode_model else resource_unit
                self.value(inner, [], item, name, (*path, name), here)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.model(annotation, item, path, resource_unit)

    def convert(self, holder: dict | list, key: Any, unit: str, path: Path, resource_unit: str | None) -> None:
        if "{u}" in unit and resource_unit is None:
            msg = "a unit string here needs the resource's unit, which is ambiguous; write a plain number"
            self.problems.append((path, msg))
            return
        try:
            holder[key] = to_canonical(holder[key], unit, currency=self.currency, resource_unit=resource_unit or "t")
        except ValueError as err:
            self.problems.append((path, str(err)))


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
