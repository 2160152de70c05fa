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

import difflib
import functools
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from circflow.exceptions import Problem
from circflow.yamlfile import format_path, locate


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):  # YAML's true/false would otherwise pass as 1.0/0.0
        msg = f"must be a number, got {str(value).lower()}"
        raise ValueError(msg)
    return value


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]
Number = Annotated[float, BeforeValidator(_not_bool)]
NonNegative = Annotated[Number, Field(ge=0)]
Fraction = Annotated[Number, Field(ge=0, le=1)]
Scalar = str | int | float | bool


@functools.cache
def _known_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys ``model`` accepts, names and aliases; once per class, a park validates thousands."""
    return frozenset(f.alias or name for name, f in model.model_fields.items()) | frozenset(model.model_fields)


class Strict(BaseModel):
    """Base of every park model: unknown keys are errors with a "did you mean" hint."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

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


class Economics(Documented):
    """Money and emission factors (SPEC 3.2)."""

    currency: str = "CNY"
    """Label for money; unit strings use this code."""
    discount_rate: Annotated[Number, Field(ge=0, le=1)] = 0.06
    """Real discount rate for annualising capex."""
    carbon_price: NonNegative = 0.0
    """Money per tCO2, added to the cost objective."""
    electricity_price: NonNegative
    """Money per MWh of electricity (catalog default)."""
    grid_emission_factor: NonNegative
    """tCO2 per MWh of electricity (catalog default)."""


class Period(Strict):
    """A part of the year with its own amounts (SPEC 3.3)."""

    name: Id
    hours: Annotated[Number, Field(gt=0)]
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

    max_distance_km: NonNegative | None = None
    """Longest candidate link; None means no limit."""
    detour: Annotated[Number, Field(ge=1)] = 1.0
    """Route length / straight distance."""
    capex_fixed: NonNegative = 0.0
    capex_per_km: NonNegative = 0.0
    capex_per_capacity: NonNegative = 0.0
    """Money per unit/h of capacity."""
    capex_per_capacity_km: NonNegative = 0.0
    """Money per unit/h of capacity per km."""
    lifetime_years: Annotated[Number, Field(gt=0)] = 20.0
    om_fraction: NonNegative = 0.0
    """Fixed O&M per year as a fraction of capex."""
    opex_per_unit: NonNegative = 0.0
    opex_per_unit_km: NonNegative = 0.0
    electricity_per_unit_km: NonNegative = 0.0
    """MWh of electricity per unit per km (pumping)."""
    emissions_per_unit_km: NonNegative = 0.0
    """tCO2 per unit per km (fuel)."""
    loss_per_km: Annotated[Number, Field(ge=0, lt=1)] = 0.0
    """Fraction of the flow lost per km."""
    max_capacity: NonNegative | None = None
    """Largest capacity of one link, unit/h; None means no limit."""


class HeatExchange(Documented):
    """Direct heat use (SPEC 3.4)."""

    min_approach_k: NonNegative = 10.0
    """A source at Ts serves a demand at Td directly when Ts >= Td + min_approach_k."""


class HeatPump(Documented):
    """Heat pump lifting waste heat that is too cold for direct use (SPEC 3.4)."""

    carnot_efficiency: Annotated[Number, Field(gt=0, le=1)] = 0.5
    approach_k: NonNegative = 5.0
    cop_max: Annotated[Number, Field(gt=1)] = 8.0
    max_lift_k: NonNegative = 60.0
    """A link needs Td - Ts <= max_lift_k."""
    capex_fixed: NonNegative = 0.0
    capex_per_mw: NonNegative = 0.0
    """Money per MW of heat output."""
    lifetime_years: Annotated[Number, Field(gt=0)] = 20.0
    om_fraction: NonNegative = 0.0
    opex_per_mwh: NonNegative = 0.0
    """Money per MWh of heat output."""


class Technologies(Strict):
    heat_exchange: HeatExchange = HeatExchange()
    heat_pump: HeatPump = HeatPump()


class Location(Strict):
    """Where an enterprise is: ``{x, y}`` in km or ``{lat, lon}`` in degrees."""

    x: Number | None = None
    y: Number | None = None
    lat: Annotated[Number, Field(ge=-90, le=90)] | None = None
    lon: Annotated[Number, Field(ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _one_pair(self) -> Location:
        xy = self.x is not None and self.y is not None
        latlon = self.lat is not None and self.lon is not None
        if xy == latlon or (xy and (self.lat is not None or self.lon is not None)) or (
            latlon and (self.x is not None or self.y is not None)
        ):
            msg = "give either {x, y} in km (crs local_km) or {lat, lon} in degrees (crs wgs84)"
            raise ValueError(msg)
        return self


class Price(Strict):
    """Cost and emissions per unit of a stream handled without symbiosis."""

    cost: Number = 0.0
    """Money per unit (landfill fee and tax, or the price of what a by-product replaces)."""
    emissions: Number = 0.0
    """tCO2 per unit."""


class Range(Strict):
    """An allowed numeric range for a quality attribute (inclusive)."""

    min: Number | None = None
    max: Number | None = None


class Stream(Strict):
    """Amounts of one resource over the year: exactly one of amount, per_period, rate."""

    resource: str
    amount: NonNegative | None = None
    """Per year, spread over periods by their hours."""
    per_period: dict[str, NonNegative] | None = None
    """Per named period."""
    rate: NonNegative | None = None
    """Per hour (t/h, m3/h, MW); times ``profile`` in each period."""
    profile: dict[str, NonNegative] | None = None
    """Share of ``rate`` in each period (default 1)."""
    temperature: Number | None = None
    """degC; required for heat."""

    @model_validator(mode="after")
    def _one_amount(self) -> Stream:
        given = [k for k in ("amount", "per_period", "rate") if getattr(self, k) is not None]
        if len(given) != 1:
            got = "none" if not given else " and ".join(given)
            msg = f"give exactly one of amount (per year), per_period or rate (per hour); got {got}"
            raise ValueError(msg)
        if self.profile is not None and self.rate is None:
            msg = "profile applies to rate only; remove it or give rate"
            raise ValueError(msg)
        return self


class Supply(Stream):
    """A by-product or waste stream an enterprise offers."""

    quality: dict[str, Scalar] = {}
    """Quality attributes, matched against a demand's ``requires``."""
    disposal: Price = Price()
    """Per unit not used (landfill, cooling tower)."""


class Demand(Stream):
    """What an enterprise can take of a resource."""

    requires: dict[str, list[Scalar] | Range] = {}
    """Attribute -> allowed values, or {min, max}."""
    baseline: Price = Price()
    """Per unit met the conventional way (virgin material, fresh water, boiler heat)."""


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


class Link(Strict):
    """An explicit candidate or existing link (SPEC 3.7)."""

    from_: str = Field(alias="from")
    to: str
    resource: str
    mode: str | None = None
    """Needed when several modes carry the resource."""
    supply: Annotated[int, BeforeValidator(_not_bool), Field(ge=0)] | None = None
    """Index of the supplying stream when the enterprise has several of this resource."""
    demand: Annotated[int, BeforeValidator(_not_bool), Field(ge=0)] | None = None
    existing: bool = False
    """Already built: capex is sunk, capacity at most ``capacity``."""
    capacity: NonNegative | None = None
    """unit/h; existing links only (None: unlimited)."""
    distance_km: NonNegative | None = None
    """Route length used as given."""
    description: str | None = None


class Distance(Strict):
    """A measured route length between two enterprises (SPEC 3.6), symmetric."""

    from_: str = Field(alias="from")
    to: str
    km: NonNegative
    mode: str | None = None
    """Only for this mode; all modes when omitted."""
    description: str | None = None


class Targets(Strict):
    """Policy targets (SPEC 3.8)."""

    utilization: dict[str, Fraction] = {}
    """Share of each resource's supply that must be used, over the year."""
    max_emissions: NonNegative | None = None
    """tCO2 per year."""
    max_capex: NonNegative | None = None
    """Total capex of new links (not annualised)."""


class LinkRef(Strict):
    """Names links in a plan: every candidate matching from, to, resource (and mode)."""

    from_: str = Field(alias="from")
    to: str
    resource: str
    mode: str | None = None


class Plan(Strict):
    """Links forced into or kept out of the plan (SPEC 3.8)."""

    force: list[LinkRef] = []
    forbid: list[LinkRef] = []


class Park(Strict):
    """A whole park, with the catalog merged in (SPEC 3)."""

    park: ParkInfo
    economics: Economics
    periods: list[Period] = Field(default_factory=lambda: list(DEFAULT_PERIODS))
    resources: dict[Id, Resource] = {}
    modes: dict[Id, Mode] = {}
    technologies: Technologies = Technologies()
    catalog: str | None = None
    """Another catalog folder instead of the shipped ``models/``."""
    enterprises: list[Enterprise] = []
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
        if not isinstance(data, dict) or (info.context or {}).get("resolved"):
            return data
        from circflow.catalog import resolve  # noqa: PLC0415 (catalog imports nothing of ours after it)

        merged, problems = resolve(dict(data))
        if problems:
            path, message = problems[0]
            msg = f"{format_path(path)}: {message}"
            raise ValueError(msg)
        return merged

    _source: str | None = PrivateAttr(None)
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


def reference_problems(park: Park) -> list[tuple[tuple[Any, ...], str]]:
    """Problems only the whole park can reveal, as ``(path, message)`` pairs.

    Unknown or duplicate ids, resources, modes and periods; a location that does not fit
    the crs; a heat stream without temperature; per_period missing a period; plan, link,
    distance and target entries that name what does not exist.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    periods = park.period_names()
    problems += _duplicates([p.name for p in park.periods], ("periods",), "period")
    for name, resource in park.resources.items():
        for index, mode in enumerate(resource.modes):
            if mode not in park.modes:
                problems.append((("resources", name, "modes", index), _unknown("mode", mode, park.modes)))
    ids = [e.id for e in park.enterprises]
    problems += _duplicates(ids, ("enterprises",), "enterprise id", key="id")
    by_id = {e.id: e for e in park.enterprises}
    for e_index, enterprise in enumerate(park.enterprises):
        here = ("enterprises", e_index)
        crs = park.park.crs
        if crs == "local_km" and enterprise.location.x is None:
            problems.append(((*here, "location"), "park crs is local_km: give {x, y} in km (or set park.crs: wgs84)"))
        if crs == "wgs84" and enterprise.location.lat is None:
            problems.append(((*here, "location"), "park crs is wgs84: give {lat, lon} in degrees"))
        for role in ("supplies", "demands"):
            for s_index, stream in enumerate(getattr(enterprise, role)):
                problems += _stream_problems(park, stream, (*here, role, s_index), periods)
    for index, link in enumerate(park.links):
        problems += _link_problems(park, by_id, link, ("links", index))
    for index, distance in enumerate(park.distances):
        here = ("distances", index)
        for key, ident in (("from", distance.from_), ("to", distance.to)):
            if ident not in by_id:
                problems.append(((*here, key), _unknown("enterprise", ident, by_id)))
        if distance.mode is not None and distance.mode not in park.modes:
            problems.append(((*here, "mode"), _unknown("mode", distance.mode, park.modes)))
    for resource in park.targets.utilization:
        if resource not in park.resources:
            problems.append((("targets", "utilization", resource), _unknown("resource", resource, park.resources)))
    for kind in ("force", "forbid"):
        for index, ref in enumerate(getattr(park.plan, kind)):
            problems += _ref_problems(park, by_id, ref, ("plan", kind, index))
    return problems


def _stream_problems(park: Park, stream: Stream, here: tuple, periods: list[str]) -> list:
    problems = []
    resource = park.resources.get(stream.resource)
    if resource is None:
        return [((*here, "resource"), _unknown("resource", stream.resource, park.resources))]
    if resource.kind == "heat" and stream.temperature is None:
        problems.append(((*here, "temperature"), "a heat stream needs temperature (degC)"))
    for field in ("per_period", "profile"):
        values = getattr(stream, field)
        for period in values or {}:
            if period not in periods:
                problems.append(((*here, field, period), _unknown("period", period, periods)))
    if stream.per_period is not None:
        missing = [p for p in periods if p not in stream.per_period]
        if missing:
            msg = f"per_period lacks period(s) {', '.join(missing)}; give every period (0 when none)"
            problems.append(((*here, "per_period"), msg))
    return problems


def _link_problems(park: Park, by_id: dict[str, Enterprise], link: Link, here: tuple) -> list:
    problems = _ref_problems(park, by_id, link, here)
    if problems:
        return problems
    resource = park.resources[link.resource]
    if link.mode is None and len(resource.modes) != 1:
        msg = f"say which mode: {link.resource} is carried by {', '.join(resource.modes) or 'no mode'}"
        problems.append(((*here, "mode"), msg))
    for key, ident, role, index in (
        ("supply", link.from_, "supplies", link.supply),
        ("demand", link.to, "demands", link.demand),
    ):
        streams = [s for s in getattr(by_id[ident], role) if s.resource == link.resource]
        if not streams:
            msg = f"enterprise {ident!r} has no {key} of {link.resource}"
            problems.append(((*here, "from" if key == "supply" else "to"), msg))
        elif index is not None and index >= len(getattr(by_id[ident], role)):
            msg = f"{ident!r} has {len(getattr(by_id[ident], role))} {role}; index {index} does not exist"
            problems.append(((*here, key), msg))
        elif index is not None and getattr(by_id[ident], role)[index].resource != link.resource:
            msg = f"{role}[{index}] of {ident!r} is {getattr(by_id[ident], role)[index].resource}, not {link.resource}"
            problems.append(((*here, key), msg))
        elif index is None and len(streams) > 1:
            msg = f"{ident!r} has {len(streams)} {role} of {link.resource}; pick one with {key}: <index>"
            problems.append(((*here, key), msg))
    if link.capacity is not None and not link.existing:
        problems.append(((*here, "capacity"), "capacity applies to existing links; the model sizes new ones"))
    return problems


def _ref_problems(park: Park, by_id: dict[str, Enterprise], ref: Link | LinkRef, here: tuple) -> list:
    problems = []
    for key, ident in (("from", ref.from_), ("to", ref.to)):
        if ident not in by_id:
            problems.append(((*here, key), _unknown("enterprise", ident, by_id)))
    if ref.resource not in park.resources:
        problems.append(((*here, "resource"), _unknown("resource", ref.resource, park.resources)))
    elif ref.mode is not None:
        if ref.mode not in park.modes:
            problems.append(((*here, "mode"), _unknown("mode", ref.mode, park.modes)))
        elif ref.mode not in park.resources[ref.resource].modes:
            carried = ", ".join(park.resources[ref.resource].modes)
            problems.append(((*here, "mode"), f"mode {ref.mode!r} does not carry {ref.resource} (modes: {carried})"))
    if ref.from_ == ref.to and ref.from_ in by_id:
        problems.append(((*here, "to"), "a link joins two different enterprises"))
    return problems


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
