"""The park file as pydantic models (SPEC 3): the one validated shape of a park.

Third stage: ``catalog -> schema -> network``. Every field's docstring is its
documentation (``circflow schema`` prints the JSON Schema built from it). Numbers here are
canonical units (SPEC 3.1); unit strings were converted by `circflow.catalog.resolve`.

A park can be built in code, e.g. for a feasibility study::

    park = Park(park={"name": "study"}, enterprises=[...])

The catalog (``models/``) is merged under it exactly as for a park file.
`reference_problems` checks what one field cannot check alone (ids that must exist,
periods, heat temperatures) and names each problem's field path.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import os
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic._internal._model_construction import ModelMetaclass  # BaseModel's metaclass
from pydantic_core import PydanticCustomError

from circflow.exceptions import ParkError, Problem
from circflow.fielderrors import problem_of
from circflow.units import UNIT_SCOPE, Unit, UnitScope
from circflow.yamlfile import format_path, locate


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):  # YAML's true/false would otherwise pass as 1.0/0.0
        msg = f"must be a number, got {str(value).lower()}"
        raise ValueError(msg)
    return value


# What circflow's model can represent (issue 19). Every number of a park is checked against
# these limits at the edge, with its file, line and field, so that no product the model forms
# (an amount times a price and the hours, a length times a cost per km) overflows or reaches
# HiGHS's infinity (1e20). They lie far beyond any industrial park.
MAX_AMOUNT = 1e12
"""Units (t, m3, MWh) per year or per period, and tCO2 per year: 10,000 times the largest industrial streams."""
MAX_RATE = 1e9
"""Units per hour (t/h, m3/h, MW), capacities included."""
MAX_PRICE = 1e9
"""Money per unit of anything: per t, m3, MWh or tCO2, per km, per unit/h of capacity."""
MAX_MONEY = 1e13
"""Money: the capex of one link, process or plan."""
MAX_FACTOR = 1e3
"""tCO2 or MWh per unit (of a resource, of electricity, of driving heat)."""
MAX_FACTOR_PER_KM = 10.0
"""tCO2 or MWh per unit and km: trucks emit 1e-4 tCO2 per t and km."""
MAX_KM = 1e4
"""Kilometres: coordinates on the local grid, lengths and reaches (a quarter around the Earth)."""
MAX_CELSIUS = 1e4
"""Temperatures (degC) and temperature differences (K)."""
MAX_MULTIPLE = 1e3
"""Multipliers: a profile's share of a rate, a COP, a detour."""
LIMITS = frozenset(
    {MAX_AMOUNT, MAX_RATE, MAX_PRICE, MAX_MONEY, MAX_FACTOR, MAX_FACTOR_PER_KM, MAX_KM, MAX_CELSIUS, MAX_MULTIPLE}
)
"""The limits above, which error messages explain."""


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]
Number = Annotated[float, BeforeValidator(_not_bool)]
NonNegative = Annotated[Number, Field(ge=0)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
Scalar = str | int | float | bool


@functools.cache
def _known_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys ``model`` accepts, names and aliases; once per class, a park validates thousands."""
    return frozenset(f.alias or name for name, f in model.model_fields.items()) | frozenset(model.model_fields)


_assigning: contextvars.ContextVar[bool] = contextvars.ContextVar("circflow_assigning", default=False)
"""True while a field assigned in code is validated (`Strict.__setattr__`)."""


class _CheckedInCode(ModelMetaclass):
    """Models built in code (``Supply(...)``) raise `circflow.ParkError`, as a park file does.

    Only a direct call goes through here: a park file (``Park.model_validate``) and the
    models nested in it are validated by pydantic alone, and `circflow.load` places their
    errors in the file.
    """

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as err:
            raise _park_error(cls, err) from None  # type: ignore[arg-type]  # cls is a model class


class Strict(BaseModel, metaclass=_CheckedInCode):
    """Base of every park model: unknown keys are errors with a "did you mean" hint.

    A model built or changed in code is checked as a park file is: ``Supply(amount=-5)``
    and ``park.economics.electricity_price = -500`` raise `circflow.ParkError` naming the
    field, and unit strings convert by the field's `Unit` (``supply.amount = "150 kt/yr"``).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True, validate_assignment=True)
    _units: UnitScope | None = PrivateAttr(None)
    """Set inside a park (`Park._scope_units`): the currency and units a unit string assigned here reads."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):  # private state (the park's source file), not a field
            super().__setattr__(name, value)
            return
        token = _assigning.set(True)
        scope = UNIT_SCOPE.set(self._units)
        try:
            super().__setattr__(name, value)
        except ValidationError as err:
            raise _park_error(type(self), err) from None
        finally:
            UNIT_SCOPE.reset(scope)
            _assigning.reset(token)

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = _known_keys(cls)
        unknown = [key for key in data if key not in known]
        if unknown:
            key = unknown[0]
            close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            allowed = ", ".join(sorted(f.alias or n for n, f in cls.model_fields.items()))
            text = f"unknown key {key!r}{hint} (allowed here: {allowed})"
            msg = "unknown_key"
            raise PydanticCustomError(msg, "{text}", {"key": key, "text": text})
        return data


def _park_error(model: type[BaseModel], err: ValidationError) -> ParkError:
    """pydantic's errors for a model built or changed in code, as the `ParkError` a park file gets."""

    def place(path: tuple[Any, ...], message: str, at_key: bool) -> Problem:
        return Problem(message, path=format_path((model.__name__, *path)))

    return ParkError([problem_of(error, place) for error in err.errors(include_url=False)])


class Documented(Strict):
    """A catalog entry: its numbers may carry their sources beside them."""

    description: str | None = None
    """What this entry models, in a sentence."""
    source: str | None = None
    """Source of the entry as a whole (title, publisher or authors, year)."""
    sources: dict[str, str] = {}
    """Source of each number, by field name."""


class ParkInfo(Strict):
    """Who the park is."""

    name: str
    """Park name, shown in summaries and reports."""
    description: str | None = None
    crs: Literal["local_km", "wgs84"] = "local_km"
    """Coordinates: ``local_km`` (x, y in km) or ``wgs84`` (lat, lon in degrees)."""
    lang: Literal["en", "zh"] = "en"
    """Language of the report, pages, workbook headers and terminal summary: ``en`` or ``zh``
    (Chinese); ``--lang`` on the command line overrides it."""


class Economics(Documented):
    """Money and emission factors (SPEC 3.2)."""

    currency: str = "CNY"
    """Label for money; unit strings use this code."""
    discount_rate: Annotated[Number, Field(ge=0, le=1)] = 0.06
    """Real discount rate for annualising capex."""
    carbon_price: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/tCO2")] = 0.0
    """Money per tCO2, added to the cost objective."""
    electricity_price: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/MWh")]
    """Money per MWh of electricity (catalog default)."""
    grid_emission_factor: Annotated[NonNegative, Field(le=MAX_FACTOR), Unit("tCO2/MWh")]
    """tCO2 per MWh of electricity (catalog default)."""


class Period(Strict):
    """A part of the year with its own amounts (SPEC 3.3)."""

    name: Id
    hours: Annotated[Number, Field(ge=1, le=8784), Unit("hour")]
    """Hours of the year in this period."""


DEFAULT_PERIODS = [Period(name="year", hours=8760)]


class Resource(Documented):
    """Something exchanged between enterprises (SPEC 3.4)."""

    kind: Literal["material", "water", "heat"]
    unit: str
    """Unit of one amount: t, m3 or MWh."""
    modes: list[str] = []
    """Modes that can carry it."""
    attributes: dict[str, str] = {}
    """Documented quality attributes, name -> meaning."""


class Mode(Documented):
    """A way to carry resources between enterprises (SPEC 3.4). Money in park currency."""

    max_distance_km: Annotated[NonNegative, Field(le=MAX_KM), Unit("km")] | None = None
    """Longest candidate link; None means no limit."""
    detour: Annotated[Number, Field(ge=1, le=10)] = 1.0
    """Route length / straight distance."""
    capex_fixed: Annotated[NonNegative, Field(le=MAX_MONEY), Unit("money")] = 0.0
    capex_per_km: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/km")] = 0.0
    capex_per_capacity: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/({u}/hour)")] = 0.0
    """Money per unit/h of capacity."""
    capex_per_capacity_km: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/({u}/hour)/km")] = 0.0
    """Money per unit/h of capacity per km."""
    capex_per_flow_km: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/(m3/hour)/km")] = 0.0
    """Heat pipes (SPEC 8.3): money per m3/h of water per km, instead of ``capex_per_capacity_km``.
    A link's capex per MW per km is then ``capex_per_flow_km / (1.163e-3 x dT)`` with dT the
    temperature difference of the water the pipe carries."""
    design_delta_t_k: Annotated[Number, Field(ge=0.1, le=MAX_CELSIUS), Unit("delta_degC")] = 40.0
    """Heat pipes: the water's temperature difference (K) used where a link's own is 0."""
    lifetime_years: Annotated[Number, Field(ge=1, le=1000), Unit("year")] = 20.0
    om_fraction: Annotated[NonNegative, Field(le=1)] = 0.0
    """Fixed O&M per year as a fraction of capex."""
    opex_per_unit: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/{u}")] = 0.0
    opex_per_unit_km: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/{u}/km")] = 0.0
    electricity_per_unit_km: Annotated[NonNegative, Field(le=MAX_FACTOR_PER_KM), Unit("MWh/{u}/km")] = 0.0
    """MWh of electricity per unit per km (pumping)."""
    emissions_per_unit_km: Annotated[NonNegative, Field(le=MAX_FACTOR_PER_KM), Unit("tCO2/{u}/km")] = 0.0
    """tCO2 per unit per km (fuel)."""
    loss_per_km: Annotated[Number, Field(ge=0, lt=1), Unit("1/km")] = 0.0
    """Fraction of the flow lost per km."""
    max_capacity: Annotated[NonNegative, Field(le=MAX_RATE), Unit("{u}/hour")] | None = None
    """Largest capacity of one link, unit/h; None means no limit."""

    @model_validator(mode="after")
    def _one_pipe_cost(self) -> Mode:
        if self.capex_per_flow_km > 0 and self.capex_per_capacity_km > 0:
            msg = "give capex_per_flow_km (per m3/h of water, heat pipes) or capex_per_capacity_km, not both"
            raise ValueError(msg)
        return self


class HeatExchange(Documented):
    """Direct heat use and preheating (SPEC 3.4, 8.3)."""

    min_approach_k: Annotated[NonNegative, Field(le=MAX_CELSIUS), Unit("delta_degC")] = 10.0
    """A source at Ti serves a demand at Ts directly when Ti >= Ts + min_approach_k."""


class HeatMachine(Documented):
    """What a heat link's own machine costs (a heat pump): the figures every such technology shares."""

    max_lift_k: Annotated[NonNegative, Field(le=MAX_CELSIUS), Unit("delta_degC")] = 60.0
    """A link needs Ts - To <= max_lift_k (demand supply temperature less source outlet)."""
    capex_fixed: Annotated[NonNegative, Field(le=MAX_MONEY), Unit("money")] = 0.0
    capex_per_mw: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/MW")] = 0.0
    """Money per MW of heat output."""
    lifetime_years: Annotated[Number, Field(ge=1, le=1000), Unit("year")] = 20.0
    om_fraction: Annotated[NonNegative, Field(le=1)] = 0.0
    opex_per_mwh: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/MWh")] = 0.0
    """Money per MWh of heat output."""


class HeatPump(HeatMachine):
    """Electric heat pump lifting waste heat that is too cold for direct use (SPEC 3.4, 8.3)."""

    carnot_efficiency: Annotated[Number, Field(gt=0, le=1)] = 0.5
    approach_k: Annotated[NonNegative, Field(le=MAX_CELSIUS), Unit("delta_degC")] = 5.0
    cop_max: Annotated[Number, Field(gt=1, le=MAX_MULTIPLE)] = 8.0


class AbsorptionHeatPump(HeatMachine):
    """Heat-driven (steam) absorption heat pump (SPEC 8.3), a candidate beside the electric one
    on heat supplies that say ``absorption: true`` (driving steam is at hand there)."""

    max_lift_k: Annotated[NonNegative, Field(le=MAX_CELSIUS), Unit("delta_degC")] = 45.0
    """A link needs Ts - To <= max_lift_k."""
    cop: Annotated[Number, Field(gt=1, le=MAX_MULTIPLE)] = 1.7
    """Heating COP: heat delivered per unit of driving heat."""
    drive_cost_per_mwh: Annotated[Number, Field(ge=-MAX_PRICE, le=MAX_PRICE), Unit("money/MWh")] = 0.0
    """Money per MWh of driving heat (the value of the steam: the power it no longer makes)."""
    drive_emissions_per_mwh: Annotated[Number, Field(ge=-MAX_FACTOR, le=MAX_FACTOR), Unit("tCO2/MWh")] = 0.0
    """tCO2 per MWh of driving heat."""


class Technologies(Strict):
    heat_exchange: HeatExchange = HeatExchange()
    heat_pump: HeatPump = HeatPump()
    absorption_heat_pump: AbsorptionHeatPump = AbsorptionHeatPump()


class Location(Strict):
    """Where an enterprise is: ``{x, y}`` in km or ``{lat, lon}`` in degrees."""

    x: Annotated[Number, Field(ge=-MAX_KM, le=MAX_KM), Unit("km")] | None = None
    y: Annotated[Number, Field(ge=-MAX_KM, le=MAX_KM), Unit("km")] | None = None
    lat: Annotated[Number, Field(ge=-90, le=90)] | None = None
    lon: Annotated[Number, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _one_pair(self) -> Location:
        xy = self.x is not None and self.y is not None
        latlon = self.lat is not None and self.lon is not None
        if (
            xy == latlon
            or (xy and (self.lat is not None or self.lon is not None))
            or (latlon and (self.x is not None or self.y is not None))
        ):
            msg = "give either {x, y} in km (crs local_km) or {lat, lon} in degrees (crs wgs84)"
            raise ValueError(msg)
        return self


class Price(Strict):
    """Cost and emissions per unit of a stream handled without symbiosis."""

    cost: Annotated[Number, Field(ge=-MAX_PRICE, le=MAX_PRICE), Unit("money/{u}")] = 0.0
    """Money per unit (landfill fee, or the price of what a by-product replaces). Negative when
    the unused stream still has a value: steam that would otherwise make power, a by-product
    that earns something even unused."""
    emissions: Annotated[Number, Field(ge=-MAX_FACTOR, le=MAX_FACTOR), Unit("tCO2/{u}")] = 0.0
    """tCO2 per unit."""


class Range(Strict):
    """An allowed numeric range for a quality attribute (inclusive)."""

    min: Number | None = None
    max: Number | None = None


class Series(Strict):
    """A profile read from the park's ``time_series`` file (SPEC 8.4)."""

    series: str
    """Column of the time-series file: per-unit of ``rate``, or the shape ``amount`` follows."""


def _profile_tag(value: Any) -> str:
    """Which profile a value is: ``{series: ...}`` (or a `Series`, when serialising) or periods."""
    return "series" if isinstance(value, Series) or (isinstance(value, dict) and "series" in value) else "periods"


Profile = Annotated[
    Annotated[Series, Tag("series")]
    | Annotated[dict[str, Annotated[NonNegative, Field(le=MAX_MULTIPLE)]], Tag("periods")],
    Discriminator(_profile_tag),
]

Amount = Annotated[NonNegative, Field(le=MAX_AMOUNT), Unit("{u}/year")]
PerPeriod = dict[str, Annotated[NonNegative, Field(le=MAX_AMOUNT), Unit("{u}")]]
Rate = Annotated[NonNegative, Field(le=MAX_RATE), Unit("{u}/hour")]
Celsius = Annotated[Number, Field(ge=-273.15, le=MAX_CELSIUS), Unit("degC")]
Requires = dict[str, list[Scalar] | Range]


class Amounts(Strict):
    """Amounts of one resource over the year: amount, per_period or rate (SPEC 3.5, 8.4)."""

    resource: str
    amount: Amount | None = None
    """Per year, spread over periods by their hours (or by a ``series`` profile)."""
    per_period: PerPeriod | None = None
    """Per named period."""
    rate: Rate | None = None
    """Per hour (t/h, m3/h, MW); times ``profile`` in each period."""
    profile: Profile | None = None
    """Share of ``rate`` in each period (default 1), or ``{series: COLUMN}`` of the time series."""

    def _amount_fields(self, *, required: bool) -> None:
        given = [k for k in ("amount", "per_period", "rate") if getattr(self, k) is not None]
        if len(given) > 1 or (required and not given):
            got = "none" if not given else " and ".join(given)
            msg = f"give exactly one of amount (per year), per_period or rate (per hour); got {got}"
            raise ValueError(msg)
        if isinstance(self.profile, Series):
            if self.rate is None and self.amount is None:
                msg = "profile {series: ...} applies to rate or amount; give one of them"
                raise ValueError(msg)
        elif self.profile is not None and self.rate is None:
            msg = "profile applies to rate only; remove it or give rate"
            raise ValueError(msg)


class Stream(Amounts):
    """An enterprise's stream of one resource: exactly one of amount, per_period, rate."""

    temperature: Celsius | None = None
    """degC; required for heat (a supply's inlet, a demand's supply temperature)."""

    @model_validator(mode="after")
    def _one_amount(self) -> Stream:
        self._amount_fields(required=True)
        return self


class Supply(Stream):
    """A by-product or waste stream an enterprise offers."""

    quality: dict[str, Scalar] = {}
    """Quality attributes, matched against a demand's ``requires``."""
    disposal: Price = Price()
    """Per unit not used (landfill, cooling tower)."""
    outlet_temperature: Celsius | None = None
    """Heat (SPEC 8.3): how far the source may be cooled, degC (default ``temperature``). The
    amount is the heat released from ``temperature`` down to it."""
    absorption: bool = False
    """Heat: driving steam is at hand here, so absorption heat pumps are candidates on it."""


class Demand(Stream):
    """What an enterprise can take of a resource."""

    requires: Requires = {}
    """Attribute -> allowed values, or {min, max}."""
    baseline: Price = Price()
    """Per unit met the conventional way (virgin material, fresh water, boiler heat)."""
    return_temperature: Celsius | None = None
    """Heat (SPEC 8.3): the water coming back from the users, degC (default ``temperature``).
    The amount is the heat needed from it up to ``temperature``."""


class ProcessInput(Strict):
    """What a process takes: links deliver into it (SPEC 8.2)."""

    resource: str
    requires: Requires = {}
    """Attribute -> allowed values, or {min, max}, as a demand's."""


class ProcessOutput(Strict):
    """What a process makes per unit of input (SPEC 8.2); a supply of its enterprise."""

    resource: str
    yield_: Annotated[Number, Field(alias="yield", ge=0, le=1)]
    """Units of output per unit of input."""
    quality: dict[str, Scalar] = {}
    """Quality of the output, matched against demands' ``requires``."""
    disposal: Price = Price()
    """Per unit of output that no link takes."""


class Process(Documented):
    """A conversion inside an enterprise, existing or a candidate (SPEC 8.2)."""

    id: Id
    name: str | None = None
    input: ProcessInput
    outputs: list[ProcessOutput] = []
    capacity: Annotated[NonNegative, Field(le=MAX_RATE), Unit("{u}/hour")] | None = None
    """Most input per hour, unit/h; None means no limit."""
    opex_per_unit: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/{u}")] = 0.0
    """Money per unit of input."""
    electricity_per_unit: Annotated[NonNegative, Field(le=MAX_FACTOR), Unit("MWh/{u}")] = 0.0
    """MWh of electricity per unit of input."""
    emissions_per_unit: Annotated[NonNegative, Field(le=MAX_FACTOR), Unit("tCO2/{u}")] = 0.0
    """tCO2 per unit of input, besides electricity."""
    existing: bool = False
    """Already built (capex sunk); false: a candidate, built only if it pays."""
    capex_fixed: Annotated[NonNegative, Field(le=MAX_MONEY), Unit("money")] = 0.0
    capex_per_capacity: Annotated[NonNegative, Field(le=MAX_PRICE), Unit("money/({u}/hour)")] = 0.0
    """Money per unit/h of input capacity."""
    lifetime_years: Annotated[Number, Field(ge=1, le=1000), Unit("year")] = 20.0
    om_fraction: Annotated[NonNegative, Field(le=1)] = 0.0

    @model_validator(mode="after")
    def _yields(self) -> Process:
        total = sum(output.yield_ for output in self.outputs)
        if total > 1 + 1e-9:
            msg = f"the outputs' yields add up to {total:g}; at most 1 unit comes out per unit of input"
            raise ValueError(msg)
        return self


class Enterprise(Strict):
    """A plant in the park (SPEC 3.5)."""

    id: Id
    name: str | None = None
    sector: str | None = None
    """Free text, used for colours and grouping."""
    description: str | None = None
    location: Location
    supplies: list[Supply] = []
    demands: list[Demand] = []
    processes: list[Process] = []
    """Conversions inside the enterprise (SPEC 8.2)."""


class Buy(Amounts):
    """What a market buys of one resource (SPEC 8.1): a demand without baseline."""

    price: Annotated[Number, Field(ge=-MAX_PRICE, le=MAX_PRICE), Unit("money/{u}")]
    """Money per unit delivered, received by the park; negative: a gate fee paid."""
    requires: Requires = {}
    """Attribute -> allowed values, or {min, max}."""
    emissions: Annotated[Number, Field(ge=-MAX_FACTOR, le=MAX_FACTOR), Unit("tCO2/{u}")] = 0.0
    """tCO2 per unit delivered."""

    @model_validator(mode="after")
    def _at_most_one_amount(self) -> Buy:
        self._amount_fields(required=False)
        return self


class Market(Strict):
    """Buyers outside the park (SPEC 8.1), reached by truck or rail like an enterprise."""

    id: Id
    name: str | None = None
    description: str | None = None
    location: Location
    buys: list[Buy] = []

    @model_validator(mode="before")
    @classmethod
    def _no_supplies(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("supplies" in data or "processes" in data):
            key = "supplies" if "supplies" in data else "processes"
            text = f"a market only buys (buys:); {key} belong to an enterprise under enterprises:"
            msg = "unknown_key"
            raise PydanticCustomError(msg, "{text}", {"key": key, "text": text})
        return data


LinkType = Literal["transport", "direct", "preheat", "heat_pump", "absorption"]
OutputRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+(\.outputs\[[0-9]+\])?$")]


class LinkRef(Strict):
    """Names links in a plan: every candidate matching from, to, resource (mode and type)."""

    from_: str = Field(alias="from")
    to: str
    resource: str
    mode: str | None = None
    type: LinkType | None = None
    """Heat: only links of this technology."""


class Link(LinkRef):
    """An explicit candidate or existing link (SPEC 3.7): a `LinkRef` with what the link is."""

    mode: str | None = None
    """Needed when several modes carry the resource."""
    type: LinkType | None = None
    """Heat: which technology (direct, preheat, heat_pump, absorption); default the first that
    applies in that order."""
    supply: Annotated[int, BeforeValidator(_not_bool), Field(ge=0)] | OutputRef | None = None
    """Which supplying stream: its index in the enterprise's ``supplies``, or a process's id
    (its output; ``id.outputs[k]`` when it makes the resource twice) when the enterprise has
    several of this resource."""
    demand: Annotated[int, BeforeValidator(_not_bool), Field(ge=0)] | Id | None = None
    """Which demand: its index in ``demands`` (a market's ``buys``), or a process's id (its input)."""
    existing: bool = False
    """Already built: capex is sunk, capacity at most ``capacity``."""
    capacity: Annotated[NonNegative, Field(le=MAX_RATE), Unit("{u}/hour")] | None = None
    """unit/h; existing links only (None: unlimited)."""
    expandable: bool = False
    """Existing links with a capacity: the route may carry more through a new link beside it
    (id ending ``:expansion``), priced as any new link; a contract can be renegotiated."""
    distance_km: Annotated[NonNegative, Field(le=MAX_KM), Unit("km")] | None = None
    """Route length used as given."""
    description: str | None = None


class Distance(Strict):
    """A measured route length between two enterprises (SPEC 3.6), symmetric."""

    from_: str = Field(alias="from")
    to: str
    km: Annotated[NonNegative, Field(le=MAX_KM), Unit("km")]
    mode: str | None = None
    """Only for this mode; all modes when omitted."""
    description: str | None = None


class Targets(Strict):
    """Policy targets (SPEC 3.8)."""

    utilization: dict[str, Fraction] = {}
    """Share of each resource's supply that must be used, over the year."""
    max_emissions: Annotated[NonNegative, Field(le=MAX_AMOUNT), Unit("tCO2/year")] | None = None
    """tCO2 per year."""
    max_capex: Annotated[NonNegative, Field(le=MAX_MONEY), Unit("money")] | None = None
    """Total capex of new links and processes (not annualised)."""


class Plan(Strict):
    """Links forced into or kept out of the plan (SPEC 3.8)."""

    force: list[LinkRef] = []
    forbid: list[LinkRef] = []


class TimeSeries(Strict):
    """Periods built from an hourly file (SPEC 8.4)."""

    file: str
    """CSV relative to the park file: one row per hour, a column per profile; optional columns
    ``hour``/``time`` (ignored) and ``period`` (the park period each hour belongs to)."""
    slices: Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=1000)] = 12
    """Representative slices of hours, shared among the park's periods by their hours."""
    keep_peak: list[str] = []
    """Columns whose peak hour becomes a slice of its own (so peak demand sizes plants)."""


class Park(Strict):
    """A whole park, with the catalog merged in (SPEC 3)."""

    park: ParkInfo
    economics: Economics
    periods: list[Period] = Field(default_factory=lambda: [period.model_copy() for period in DEFAULT_PERIODS])
    time_series: TimeSeries | None = None
    """Hourly profiles turned into periods (SPEC 8.4)."""
    resources: dict[Id, Resource] = {}
    modes: dict[Id, Mode] = {}
    technologies: Technologies = Technologies()
    catalog: str | None = None
    """Another catalog folder instead of the shipped ``models/``."""
    enterprises: list[Enterprise] = []
    markets: list[Market] = []
    """Buyers outside the park (SPEC 8.1)."""
    links: list[Link] = []
    distances: list[Distance] = []
    targets: Targets = Targets()
    plan: Plan = Plan()
    scenarios: dict[Id, dict[str, Any]] = {}
    """Named overlays, deep-merged over the park by ``--scenario``."""

    @model_validator(mode="before")
    @classmethod
    def _merge_catalog(cls, data: Any, info: ValidationInfo) -> Any:
        """Parks built in code get the catalog merged here; loaded parks already have it."""
        if not isinstance(data, dict) or (info.context or {}).get("resolved") or _assigning.get():
            return data  # loaded, or a field assigned in code: the catalog is merged already
        from circflow.catalog import resolve  # catalog imports nothing of ours after it

        merged, problems = resolve(dict(data))
        if problems:
            path, message = problems[0]
            msg = f"{format_path(path)}: {message}"
            raise ValueError(msg)
        return merged

    @model_validator(mode="after")
    def _scope_units(self) -> Park:
        """Tell every stream, process, link, mode and price of the park its currency and units,
        so that a unit string assigned to it in code converts as in the park file."""
        units = {name: resource.unit for name, resource in self.resources.items()}
        currency = self.economics.currency
        scope = UnitScope(currency, units)
        self.economics._units = scope
        for name, mode in self.modes.items():
            carried = {units[r] for r, resource in self.resources.items() if name in resource.modes}
            mode._units = UnitScope(currency, units, next(iter(carried)) if len(carried) == 1 else None)
        places: list[Enterprise | Market] = [*self.enterprises, *self.markets]
        for place in places:
            streams = [*place.supplies, *place.demands] if isinstance(place, Enterprise) else list(place.buys)
            for stream in streams:
                stream._units = scope
                for price in (getattr(stream, "disposal", None), getattr(stream, "baseline", None)):
                    if price is not None:
                        price._units = UnitScope(currency, units, units.get(stream.resource))
            for process in getattr(place, "processes", []):
                process._units = scope
                for output in process.outputs:
                    output._units = scope
                    output.disposal._units = UnitScope(currency, units, units.get(output.resource))
        for link in self.links:
            link._units = scope
        self.targets._units = scope
        return self

    _source: str | None = PrivateAttr(None)
    _base_dir: str | None = PrivateAttr(None)
    """Folder that relative paths in the park (time_series.file) are taken from."""
    _scenarios: tuple[str, ...] = PrivateAttr(())
    _tree: Any = PrivateAttr(None)
    _load_seconds: float | None = PrivateAttr(None)

    def problem(self, path: tuple[Any, ...], message: str) -> Problem:
        """A `Problem` at a field path, placed in the park file when the park came from one."""
        loc = locate(self._tree, path) if self._tree is not None else None
        if loc is None:
            return Problem(message, path=format_path(path))
        return Problem(message, path=format_path(path), file=loc.file, line=loc.line, column=loc.column)

    @property
    def source(self) -> str | None:
        """The park file this park was loaded from (None when built in code)."""
        return self._source

    @property
    def applied_scenarios(self) -> tuple[str, ...]:
        """Scenarios merged into this park, in order."""
        return self._scenarios

    def period_names(self) -> list[str]:
        return [p.name for p in self.periods]

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The park as a park file (YAML), written to ``path`` too when given.

        ``circflow.load_park`` of that file gives this park again, edits in code included:
        numbers in canonical units, catalog entries only where the park changes them
        (`circflow.parkfile.to_yaml`).

        Examples
        --------
        >>> park.to_yaml("study.yaml")  # doctest: +SKIP
        """
        from circflow.parkfile import to_yaml  # writing a park file comes after loading one

        return to_yaml(self, path)


def reference_problems(park: Park) -> list[tuple[tuple[Any, ...], str]]:
    """Problems only the whole park can reveal, as ``(path, message)`` pairs.

    Unknown or duplicate ids, resources, modes and periods; a location that does not fit
    the crs; heat temperatures; processes and markets (SPEC 8.1-8.2); per_period missing a
    period; plan, link, distance and target entries that name what does not exist.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    periods = park.period_names()
    problems += _duplicates([p.name for p in park.periods], ("periods",), "period")
    for name, resource in park.resources.items():
        for index, mode in enumerate(resource.modes):
            if mode not in park.modes:
                problems.append((("resources", name, "modes", index), _unknown("mode", mode, park.modes)))
            elif resource.kind != "heat" and park.modes[mode].capex_per_flow_km > 0:
                msg = (
                    f"capex_per_flow_km prices heat pipes by their water flow, but {mode} carries {name} "
                    f"({resource.kind}); give capex_per_capacity_km (money per {resource.unit}/h per km) instead"
                )
                problems.append((("modes", mode, "capex_per_flow_km"), msg))
    problems += _duplicates([e.id for e in park.enterprises], ("enterprises",), "enterprise id", key="id")
    taken = {e.id for e in park.enterprises}
    for index, market in enumerate(park.markets):
        if market.id in taken:
            problems.append(
                (
                    ("markets", index, "id"),
                    f"market id {market.id!r} is taken (by an enterprise or "
                    "another market); ids are unique among enterprises and markets",
                )
            )
        taken.add(market.id)
    places: dict[str, Enterprise | Market] = {**{e.id: e for e in park.enterprises}, **{m.id: m for m in park.markets}}
    for index, enterprise in enumerate(park.enterprises):
        problems += _location_problems(park, enterprise, ("enterprises", index))
    for index, market in enumerate(park.markets):
        problems += _location_problems(park, market, ("markets", index))
    for e_index, enterprise in enumerate(park.enterprises):
        here = ("enterprises", e_index)
        for role in ("supplies", "demands"):
            for s_index, stream in enumerate(getattr(enterprise, role)):
                problems += _stream_problems(park, stream, (*here, role, s_index), periods)
        problems += _duplicates([p.id for p in enterprise.processes], (*here, "processes"), "process id", key="id")
        for p_index, process in enumerate(enterprise.processes):
            problems += _process_problems(park, process, (*here, "processes", p_index))
    for m_index, market in enumerate(park.markets):
        for b_index, buy in enumerate(market.buys):
            problems += _stream_problems(park, buy, ("markets", m_index, "buys", b_index), periods)
    for index, link in enumerate(park.links):
        problems += _link_problems(park, places, link, ("links", index))
    for index, distance in enumerate(park.distances):
        here = ("distances", index)
        for key, ident in (("from", distance.from_), ("to", distance.to)):
            if ident not in places:
                what = "enterprise or market" if park.markets else "enterprise"
                problems.append(((*here, key), _unknown(what, ident, places)))
        if distance.mode is not None and distance.mode not in park.modes:
            problems.append(((*here, "mode"), _unknown("mode", distance.mode, park.modes)))
    for name in park.targets.utilization:
        if name not in park.resources:
            problems.append((("targets", "utilization", name), _unknown("resource", name, park.resources)))
    for kind in ("force", "forbid"):
        for index, ref in enumerate(getattr(park.plan, kind)):
            problems += _ref_problems(park, places, ref, ("plan", kind, index))
    if park.time_series is not None:
        for index, column in enumerate(park.time_series.keep_peak):
            if not column.strip():
                problems.append((("time_series", "keep_peak", index), "name a column of the time-series file"))
    return problems


def _location_problems(park: Park, place: Enterprise | Market, here: tuple) -> list:
    crs = park.park.crs
    if crs == "local_km" and place.location.x is None:
        return [((*here, "location"), "park crs is local_km: give {x, y} in km (or set park.crs: wgs84)")]
    if crs == "wgs84" and place.location.lat is None:
        return [((*here, "location"), "park crs is wgs84: give {lat, lon} in degrees")]
    return []


def _stream_problems(park: Park, stream: Amounts, here: tuple, periods: list[str]) -> list:
    problems = []
    resource = park.resources.get(stream.resource)
    if resource is None:
        return [((*here, "resource"), _unknown("resource", stream.resource, park.resources))]
    heat = resource.kind == "heat"
    if isinstance(stream, Buy) and heat:
        problems.append(
            (
                (*here, "resource"),
                "markets buy materials and water; heat is sold to a demand of an enterprise (it has temperatures)",
            )
        )
    if isinstance(stream, Stream):
        problems += _temperature_problems(stream, heat, here)
    if isinstance(stream.profile, Series):
        if park.time_series is None:
            msg = "profile {series: ...} reads the park's time_series file; add time_series: {file: ...}"
            problems.append(((*here, "profile"), msg))
        values: dict[str, float] = {}
    else:
        values = stream.profile or {}
    for field, mapping in (("per_period", stream.per_period or {}), ("profile", values)):
        for period in mapping:
            if period not in periods:
                problems.append(((*here, field, period), _unknown("period", period, periods)))
    if stream.per_period is not None:
        missing = [p for p in periods if p not in stream.per_period]
        if missing:
            msg = f"per_period lacks period(s) {', '.join(missing)}; give every period (0 when none)"
            problems.append(((*here, "per_period"), msg))
    return problems


def _temperature_problems(stream: Stream, heat: bool, here: tuple) -> list:
    problems = []
    second = "outlet_temperature" if isinstance(stream, Supply) else "return_temperature"
    other = getattr(stream, second, None)
    if heat and stream.temperature is None:
        problems.append(((*here, "temperature"), "a heat stream needs temperature (degC)"))
    if not heat:
        for field in ("temperature", second):
            if getattr(stream, field, None) is not None and field != "temperature":
                problems.append(((*here, field), f"{field} applies to heat streams only"))
        if isinstance(stream, Supply) and stream.absorption:
            problems.append(((*here, "absorption"), "absorption applies to heat supplies only"))
    elif other is not None and stream.temperature is not None and other > stream.temperature:
        what = (
            "a source is cooled from temperature down to"
            if second == "outlet_temperature"
            else "the network heats its return water up to temperature from"
        )
        problems.append(((*here, second), f"must be <= temperature ({stream.temperature:g} degC): {what} {second}"))
    return problems


def _process_problems(park: Park, process: Process, here: tuple) -> list:
    problems = []
    for path, resource in (
        (("input", "resource"), process.input.resource),
        *((("outputs", i, "resource"), out.resource) for i, out in enumerate(process.outputs)),
    ):
        known = park.resources.get(resource)
        if known is None:
            problems.append(((*here, *path), _unknown("resource", resource, park.resources)))
        elif known.kind == "heat":
            problems.append(
                (
                    (*here, *path),
                    "processes convert materials and water; heat has its own link "
                    "technologies (direct, preheat, heat_pump, absorption)",
                )
            )
    return problems


def _link_problems(park: Park, places: dict[str, Enterprise | Market], link: Link, here: tuple) -> list:
    problems = _ref_problems(park, places, link, here)
    if problems:
        return problems
    resource = park.resources[link.resource]
    if link.mode is None and len(resource.modes) != 1:
        msg = f"say which mode: {link.resource} is carried by {', '.join(resource.modes) or 'no mode'}"
        problems.append(((*here, "mode"), msg))
    if link.type is not None and (link.type == "transport") == (resource.kind == "heat"):
        allowed = "direct, preheat, heat_pump or absorption" if resource.kind == "heat" else "transport"
        problems.append(((*here, "type"), f"a {resource.kind} link's type is {allowed}, got {link.type!r}"))
    for key, ident, role, choice in (
        ("supply", link.from_, "supplies", link.supply),
        ("demand", link.to, "demands", link.demand),
    ):
        problem = _stream_choice(places[ident], role, key, link.resource, choice)
        if problem is not None:
            problems.append(((*here, problem[0]), problem[1]))
    if link.capacity is not None and not link.existing:
        problems.append(((*here, "capacity"), "capacity applies to existing links; the model sizes new ones"))
    if link.expandable and (not link.existing or link.capacity is None):
        problems.append(((*here, "expandable"), "expandable applies to existing links with a capacity"))
    return problems


def stream_choices(place: Enterprise | Market, role: str, resource: str) -> list[tuple[int | str, Any]]:
    """The streams of ``resource`` a link may use at ``place``: (index or process id, stream).

    Supplies are the enterprise's ``supplies`` (by index) and its processes' outputs (by
    process id); demands are its ``demands`` (a market's ``buys``) and its processes'
    inputs.
    """
    if isinstance(place, Market):
        return [(i, buy) for i, buy in enumerate(place.buys) if buy.resource == resource] if role == "demands" else []
    own = [(i, s) for i, s in enumerate(getattr(place, role)) if s.resource == resource]
    if role == "demands":
        return own + [(p.id, p.input) for p in place.processes if p.input.resource == resource]
    return own + [
        (output_name(p, k), out) for p in place.processes for k, out in enumerate(p.outputs) if out.resource == resource
    ]


def output_name(process: Process, k: int) -> str:
    """How a link names output k of a process: the process id, or ``id.outputs[k]`` when the
    process makes its resource more than once."""
    resource = process.outputs[k].resource
    if sum(out.resource == resource for out in process.outputs) == 1:
        return process.id
    return f"{process.id}.outputs[{k}]"


def _stream_choice(
    place: Enterprise | Market, role: str, key: str, resource: str, choice: int | str | None
) -> tuple[str, str] | None:
    """Why a link's ``supply``/``demand`` choice does not name one stream of ``resource``, or None."""
    where = "from" if key == "supply" else "to"
    options = stream_choices(place, role, resource)
    if not options:
        if isinstance(place, Market) and role == "supplies":
            return where, f"{place.id!r} is a market: it only buys"
        return where, f"{place.id!r} has no {key} of {resource}"
    if choice is None:
        if len(options) > 1:
            names = ", ".join(str(c) for c, _ in options)
            return key, f"{place.id!r} has {len(options)} {key} streams of {resource}; pick one with {key}: ({names})"
        return None
    matching = [c for c, _ in options if c == choice]
    if not matching:
        names = ", ".join(str(c) for c, _ in options)
        return key, f"{choice!r} is not a {key} stream of {resource} at {place.id!r} (choose from: {names})"
    return None


def _ref_problems(park: Park, places: dict[str, Enterprise | Market], ref: LinkRef, here: tuple) -> list:
    problems = []
    for key, ident in (("from", ref.from_), ("to", ref.to)):
        if ident not in places:
            what = "enterprise or market" if key == "to" and park.markets else "enterprise"
            problems.append(((*here, key), _unknown(what, ident, places)))
        elif key == "from" and isinstance(places[ident], Market):
            problems.append(((*here, key), f"{ident!r} is a market: it only buys, so a link cannot start there"))
    if ref.resource not in park.resources:
        problems.append(((*here, "resource"), _unknown("resource", ref.resource, park.resources)))
    elif ref.mode is not None:
        if ref.mode not in park.modes:
            problems.append(((*here, "mode"), _unknown("mode", ref.mode, park.modes)))
        elif ref.mode not in park.resources[ref.resource].modes:
            carried = ", ".join(park.resources[ref.resource].modes)
            problems.append(((*here, "mode"), f"mode {ref.mode!r} does not carry {ref.resource} (modes: {carried})"))
    if ref.from_ == ref.to and ref.from_ in places and not _has_process(places[ref.from_]):
        problems.append(((*here, "to"), "a link joins two different enterprises"))
    return problems


def _has_process(place: Enterprise | Market) -> bool:
    return isinstance(place, Enterprise) and bool(place.processes)


def _duplicates(names: list[str], here: tuple, what: str, key: str = "name") -> list:
    seen: set[str] = set()
    problems = []
    for index, name in enumerate(names):
        if name in seen:
            problems.append(((*here, index, key), f"duplicate {what} {name!r}; each must be unique"))
        seen.add(name)
    return problems


def _unknown(what: str, name: str, known: Any) -> str:
    names = sorted(str(k) for k in known)
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
    return f"unknown {what} {name!r}{hint} (known: {shown or 'none'})"
