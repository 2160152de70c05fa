"""The candidate network: which links could be built, how long they are, what they deliver.

Fourth stage: ``schema -> network -> model``. SPEC 3.6-3.8 and 8 in code: a candidate link
is a (supply stream, demand stream, mode, technology) whose resource, quality, reach and
temperatures fit; explicit ``links`` are always candidates; ``plan.forbid`` removes
candidates and ``plan.force`` marks them. Neighbours within a mode's reach are found with a
k-d tree (O(n log n)); only a few hundred pairs are compared all at once.

Streams are the enterprises' supplies and demands, the markets' buys (demands with a price
and no baseline, SPEC 8.1) and the processes' inputs and outputs (SPEC 8.2): an input is a
demand without amount, an output a supply whose amount is its yield times the input. A
process and a stream of its own enterprise are joined by an ``on_site`` link that costs
nothing. Heat links take one of the technologies of `circflow.linktypes`.

The result, `Network`, holds plain arrays the model reads, and a networkx multigraph of
enterprises and candidate links for graph queries (components, degrees).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from circflow.exceptions import ParkError
from circflow.linktypes import HEAT_TECHNOLOGIES, TECHNOLOGIES, Temperatures, heat_pump_cop
from circflow.schema import (
    Amounts,
    Buy,
    Demand,
    Enterprise,
    LinkRef,
    LinkType,
    Location,
    Market,
    Mode,
    Park,
    Process,
    ProcessInput,
    ProcessOutput,
    Range,
    Series,
    Supply,
    output_name,
    stream_choices,
)
from circflow.timeslices import Periods, periods_of

if TYPE_CHECKING:
    import networkx as nx

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), SPEC 3.6
ON_SITE = "on_site"
"""The mode of a link between a process and a stream of its own enterprise: no length, no cost."""
ON_SITE_MODE = Mode(description="within one enterprise: conveyor, silo or pipe already there")

__all__ = [
    "EARTH_RADIUS_KM",
    "ON_SITE",
    "CandidateLink",
    "LinkType",
    "Network",
    "ProcessNode",
    "StreamNode",
    "build_network",
    "heat_pump_cop",
    "matches",
    "quality_gaps",
    "stream_amounts",
]

Role = Literal["supply", "demand", "market", "input", "output"]


@dataclass(frozen=True)
class StreamNode:
    """One supply or demand stream with its amount in each period."""

    index: int
    """Position in `Network.supplies` or `Network.demands`."""
    enterprise: str
    """The enterprise (or market) it belongs to."""
    position: int | str
    """Index in the enterprise's ``supplies`` / ``demands`` (a market's ``buys``), or the process id."""
    resource: str
    amounts: np.ndarray
    """Amount in each period, resource units (inf: no limit; a process output: the most it can make)."""
    temperature: float | None
    price_cost: float
    """Disposal cost (supplies) or baseline cost (demands), money per unit."""
    price_emissions: float
    """tCO2 per unit disposed of (supplies) or met the conventional way (demands)."""
    spec: Any
    role: Role = "supply"
    second_temperature: float | None = None
    """Heat: a supply's outlet To, a demand's return Tr (defaults: ``temperature``)."""
    sale_price: float = 0.0
    """Markets: money received per unit delivered."""
    sale_emissions: float = 0.0
    """Markets: tCO2 per unit delivered."""
    process: int | None = None
    """Process inputs and outputs: the process's position in `Network.processes`."""
    output_yield: float = 0.0
    """Process outputs: units per unit of the process's input."""
    output_index: int = 0
    """Process outputs: position in the process's ``outputs``."""

    @property
    def path(self) -> str:
        if self.role == "input":
            return f"{self.enterprise}#{self.position}.input"
        if self.role == "output":
            return f"{self.enterprise}#{self.position}.outputs[{self.output_index}]"
        role = {"supply": "supplies", "demand": "demands", "market": "buys"}[self.role]
        return f"{self.enterprise}.{role}[{self.position}]"

    @property
    def outlet(self) -> float | None:
        return self.second_temperature if self.second_temperature is not None else self.temperature


@dataclass
class ProcessNode:
    """A process of an enterprise (SPEC 8.2) with its streams' positions."""

    index: int
    enterprise: str
    id: str
    input: int
    """Its input in `Network.demands`."""
    outputs: list[int]
    """Its outputs in `Network.supplies`."""
    yields: np.ndarray
    spec: Process
    hours: np.ndarray
    max_input: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Most input it could receive in each period (capacity and what its links can bring)."""

    @property
    def path(self) -> str:
        return f"{self.enterprise}#{self.id}"

    @property
    def existing(self) -> bool:
        return self.spec.existing

    @property
    def max_rate(self) -> float:
        """Largest input rate worth having, unit/h."""
        return float(np.max(self.max_input / self.hours, initial=0.0)) if len(self.max_input) else 0.0


@dataclass
class CandidateLink:
    """A link the model may build (SPEC 3.6, 8.3) with everything the model needs about it."""

    id: str
    supply: int
    demand: int
    mode: str
    resource: str
    length_km: float
    type: LinkType
    cop: float | None
    gain: float
    """Units delivered per unit drawn from the supply: (1 - loss L), times COP/(COP-1) on a heat pump."""
    max_flow: np.ndarray
    """Largest useful flow in each period: min(sigma supply, band demand / gain, capacity x hours)."""
    existing: bool = False
    capacity_limit: float | None = None
    """unit/h: the mode's max_capacity or the existing link's capacity."""
    explicit: bool = False
    forced: bool = False
    max_rate: float = 0.0
    """Largest capacity worth having, unit/h: max over periods of max_flow / hours (the tight big-M)."""
    share: float = 1.0
    """sigma: the share of the supply it may draw (heat, SPEC 8.3)."""
    band: float | None = None
    """rho: the share of the demand a preheating link may cover, nested with the demand's others."""
    temperatures: Temperatures | None = None
    on_site: bool = False
    """Joins a process and a stream of its own enterprise: always there, no cost."""

    @property
    def prebuilt(self) -> bool:
        """Needs no build decision: existing, or on site."""
        return self.existing or self.on_site


@dataclass
class Network:
    """Candidate links of a park, ready for the model."""

    park: Park
    periods: list[str]
    hours: np.ndarray
    supplies: list[StreamNode]
    demands: list[StreamNode]
    links: list[CandidateLink]
    forced_groups: list[tuple[str, list[int]]]
    """Each ``plan.force`` entry as (description, candidate indices): one must be built."""
    warnings: list[str] = field(default_factory=list)
    accounted: tuple[frozenset[int], frozenset[int]] | None = None
    """Supplies and demands whose disposal and baseline this network accounts for; None: all."""
    processes: list[ProcessNode] = field(default_factory=list)
    time: Periods | None = None
    """The periods and, with time slices, how they were made."""
    process_subset: frozenset[int] | None = None
    """The processes this network decides on; None: all."""

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Enterprises and markets as nodes, candidate links as edges (key: link id; ``index``: position).

        Built on first use: the model does not need it, and at 5,000 enterprises it holds
        over 700,000 edges.
        """
        import networkx as nx  # a fifth of a second to import; most runs never ask

        graph = nx.MultiDiGraph()
        for enterprise in self.park.enterprises:
            graph.add_node(enterprise.id, name=enterprise.name, sector=enterprise.sector)
        for market in self.park.markets:
            graph.add_node(market.id, name=market.name, sector="market")
        for i, link in enumerate(self.links):
            graph.add_edge(
                self.supplies[link.supply].enterprise, self.demands[link.demand].enterprise, key=link.id, index=i
            )
        return graph

    @property
    def enterprises(self) -> dict[str, Enterprise]:
        return {e.id: e for e in self.park.enterprises}

    def active_processes(self) -> list[ProcessNode]:
        """The processes this network decides on (all, or one part's)."""
        if self.process_subset is None:
            return self.processes
        return [self.processes[q] for q in sorted(self.process_subset)]

    def accounted_streams(self) -> tuple[list[StreamNode], list[StreamNode]]:
        """The supplies and demands whose disposal and baseline count in this network's totals."""
        if self.accounted is None:
            return self.supplies, self.demands
        supplies, demands = self.accounted
        return [self.supplies[i] for i in sorted(supplies)], [self.demands[j] for j in sorted(demands)]

    def subset(
        self,
        link_indices: list[int],
        accounted: tuple[frozenset[int], frozenset[int]] | None = None,
        processes: frozenset[int] | None = None,
    ) -> Network:
        """The same park restricted to some candidate links (streams keep their indices)."""
        keep = sorted(link_indices)
        position = {old: new for new, old in enumerate(keep)}
        groups = [(text, [position[i] for i in members if i in position]) for text, members in self.forced_groups]
        groups = [(text, members) for text, members in groups if members]
        if processes is None and accounted is not None:
            processes = frozenset(p.index for p in self.processes if p.input in accounted[1])
        return Network(
            self.park,
            self.periods,
            self.hours,
            self.supplies,
            self.demands,
            [self.links[i] for i in keep],
            groups,
            self.warnings,
            accounted,
            self.processes,
            self.time,
            processes,
        )


def build_network(park: Park, *, existing_only: bool = False) -> Network:
    """Find the candidate links of a park (SPEC 3.6-3.8, 8).

    Parameters
    ----------
    park
        A validated park.
    existing_only
        The status quo (SPEC 4, 8.2): existing links and existing processes only; plan and
        explicit new links are ignored.

    Returns
    -------
    Network

    Raises
    ------
    ParkError
        When a ``plan.force`` entry matches no candidate link (with the reason), an explicit
        link cannot carry anything, or the time series does not fit the park.
    """
    time = periods_of(park)
    supplies, demands, processes = _streams(park, time)
    builder = _Builder(park, time.hours, supplies, demands, processes, existing_only=existing_only)
    if not existing_only:
        builder.add_candidates()
    builder.add_on_site()
    builder.add_explicit(existing_only=existing_only)
    if not existing_only:
        builder.apply_forbid()
        builder.apply_force()
    links = builder.finish()
    index = {link.id: i for i, link in enumerate(links)}
    forced_groups = [
        (text, [index[builder.keys[k].id] for k in keys if builder.keys[k].id in index])
        for text, keys in builder.force_keys
    ]
    net = Network(
        park,
        list(time.names),
        time.hours,
        supplies,
        demands,
        links,
        forced_groups,
        builder.warnings,
        processes=processes,
        time=time,
    )
    if not existing_only:
        net.warnings += _lonely_streams(net)
    return net


def stream_amounts(stream: Amounts, park: Park, periods: Periods | np.ndarray) -> np.ndarray:
    """Amount of a stream in each period (SPEC 3.5, 8.4); inf where a market buy sets no limit.

    ``periods`` are the model's periods (`circflow.timeslices.periods_of`), or for a park
    without time series simply the hours of its periods.
    """
    if not isinstance(periods, Periods):
        names = park.period_names()
        periods = Periods(names, np.asarray(periods, dtype=float), names)
    hours = periods.hours
    series = _series_of(stream, periods)
    if stream.amount is not None:
        weights = series if series is not None else hours
        total = float(weights.sum())
        return stream.amount * weights / total if total > 0 else np.zeros(len(hours))
    if stream.per_period is not None:
        season_hours = {s: periods.season_hours(s) for s in set(periods.season)}
        return np.array(
            [stream.per_period.get(s, 0.0) * h / season_hours[s] for s, h in zip(periods.season, hours, strict=True)],
            dtype=float,
        )
    if stream.rate is not None:
        if series is not None:
            return stream.rate * series
        profile = stream.profile if isinstance(stream.profile, dict) else {}
        return np.array([stream.rate * h * profile.get(s, 1.0) for s, h in zip(periods.season, hours, strict=True)])
    return np.full(len(hours), np.inf)


def _series_of(stream: Amounts, periods: Periods) -> np.ndarray | None:
    if not isinstance(stream.profile, Series):
        return None
    return periods.series.get(stream.profile.series)


def quality_gaps(supply: Supply | ProcessOutput, demand: Demand | Buy | ProcessInput) -> tuple[list[str], list[str]]:
    """Why a supply's quality does not meet a demand's ``requires`` (SPEC 3.6).

    Returns
    -------
    mismatches, missing
        Attributes whose value is not allowed, and required attributes the supply lacks.
    """
    mismatches, missing = [], []
    for attribute, allowed in demand.requires.items():
        if attribute not in supply.quality:
            missing.append(attribute)
            continue
        value = supply.quality[attribute]
        if isinstance(allowed, Range):
            ok = (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and (allowed.min is None or value >= allowed.min)
                and (allowed.max is None or value <= allowed.max)
            )
        else:
            ok = any(value == choice or str(value) == str(choice) for choice in allowed)
        if not ok:
            mismatches.append(f"{attribute}={value!r} not in {_allowed_text(allowed)}")
    return mismatches, missing


def matches(ref: LinkRef, link: CandidateLink, net_supplies: list[StreamNode], net_demands: list[StreamNode]) -> bool:
    """Whether a plan entry names this candidate link."""
    return (
        net_supplies[link.supply].enterprise == ref.from_
        and net_demands[link.demand].enterprise == ref.to
        and link.resource == ref.resource
        and (ref.mode is None or ref.mode == link.mode)
        and (ref.type is None or ref.type == link.type)
    )


def _allowed_text(allowed: list | Range) -> str:
    if isinstance(allowed, Range):
        return f"[{allowed.min if allowed.min is not None else '-inf'}, {allowed.max if allowed.max is not None else 'inf'}]"
    return "{" + ", ".join(str(a) for a in allowed) + "}"


def _streams(park: Park, time: Periods) -> tuple[list[StreamNode], list[StreamNode], list[ProcessNode]]:
    supplies: list[StreamNode] = []
    demands: list[StreamNode] = []
    processes: list[ProcessNode] = []
    infinite = np.full(len(time.hours), np.inf)

    def amounts(stream: Amounts, path: tuple[Any, ...]) -> np.ndarray:
        if isinstance(stream.profile, Series) and stream.profile.series not in time.series:
            columns = ", ".join(time.file_columns) or "none"
            msg = f"no column {stream.profile.series!r} in the time-series file (columns: {columns})"
            raise ParkError(park.problem((*path, "profile", "series"), msg))
        return stream_amounts(stream, park, time)

    for e_index, enterprise in enumerate(park.enterprises):
        here = ("enterprises", e_index)
        for position, supply in enumerate(enterprise.supplies):
            supplies.append(
                StreamNode(
                    len(supplies),
                    enterprise.id,
                    position,
                    supply.resource,
                    amounts(supply, (*here, "supplies", position)),
                    supply.temperature,
                    supply.disposal.cost,
                    supply.disposal.emissions,
                    supply,
                    second_temperature=supply.outlet_temperature,
                )
            )
        for position, demand in enumerate(enterprise.demands):
            demands.append(
                StreamNode(
                    len(demands),
                    enterprise.id,
                    position,
                    demand.resource,
                    amounts(demand, (*here, "demands", position)),
                    demand.temperature,
                    demand.baseline.cost,
                    demand.baseline.emissions,
                    demand,
                    role="demand",
                    second_temperature=demand.return_temperature,
                )
            )
        for process in enterprise.processes:
            q = len(processes)
            capacity = process.capacity
            limit = infinite if capacity is None else capacity * time.hours
            node = ProcessNode(
                q,
                enterprise.id,
                process.id,
                len(demands),
                [],
                np.array([o.yield_ for o in process.outputs]),
                process,
                time.hours,
            )
            demands.append(
                StreamNode(
                    len(demands),
                    enterprise.id,
                    process.id,
                    process.input.resource,
                    limit.copy(),
                    None,
                    0.0,
                    0.0,
                    process.input,
                    role="input",
                    process=q,
                )
            )
            for k, output in enumerate(process.outputs):
                stream = StreamNode(
                    len(supplies),
                    enterprise.id,
                    process.id,
                    output.resource,
                    np.zeros(len(time.hours)),
                    None,
                    output.disposal.cost,
                    output.disposal.emissions,
                    output,
                    role="output",
                    process=q,
                    output_yield=output.yield_,
                    output_index=k,
                )
                node.outputs.append(stream.index)
                supplies.append(stream)
            processes.append(node)
    for m_index, market in enumerate(park.markets):
        for position, buy in enumerate(market.buys):
            demands.append(
                StreamNode(
                    len(demands),
                    market.id,
                    position,
                    buy.resource,
                    amounts(buy, ("markets", m_index, "buys", position)),
                    None,
                    0.0,
                    0.0,
                    buy,
                    role="market",
                    sale_price=buy.price,
                    sale_emissions=buy.emissions,
                )
            )
    return supplies, demands, processes


class _Builder:
    """Collects candidate links keyed by (supply, demand, mode, technology)."""

    def __init__(
        self,
        park: Park,
        hours: np.ndarray,
        supplies: list[StreamNode],
        demands: list[StreamNode],
        processes: list[ProcessNode],
        *,
        existing_only: bool,
    ) -> None:
        self.park = park
        self.hours = hours
        self.supplies = supplies
        self.demands = demands
        self.processes = processes
        self.existing_only = existing_only
        self.keys: dict[tuple[int, int, str, str], CandidateLink] = {}
        self.warnings: list[str] = []
        self.force_keys: list[tuple[str, list[tuple[int, int, str, str]]]] = []
        crs = park.park.crs
        self.point = {e.id: _point(e.location, crs) for e in park.enterprises} | {
            m.id: _point(m.location, crs) for m in park.markets
        }
        self.places: dict[str, Enterprise | Market] = {e.id: e for e in park.enterprises} | {
            m.id: m for m in park.markets
        }
        self.measured: dict[tuple[str, str, str | None], float] = {}
        for distance in park.distances:
            for a, b in ((distance.from_, distance.to), (distance.to, distance.from_)):
                self.measured[(a, b, distance.mode)] = distance.km
        self.multi_supply = self._multi([s for s in supplies if s.role == "supply"])
        self.multi_demand = self._multi([d for d in demands if d.role in ("demand", "market")])
        self.missing_warned: set[tuple[int, str]] = set()

    @staticmethod
    def _multi(streams: list[StreamNode]) -> set[tuple[str, str]]:
        count: dict[tuple[str, str], int] = defaultdict(int)
        for stream in streams:
            count[(stream.enterprise, stream.resource)] += 1
        return {key for key, n in count.items() if n > 1}

    def usable(self, stream: StreamNode) -> bool:
        """In the status quo, candidate processes are not there."""
        return not (self.existing_only and stream.process is not None and not self.processes[stream.process].existing)

    # -- geometry ---------------------------------------------------------------------
    def straight_km(self, a: str, b: str) -> float:
        (a1, a2), (b1, b2) = self.point[a], self.point[b]
        if self.park.park.crs == "wgs84":
            return _haversine(a1, a2, b1, b2)
        return math.hypot(a1 - b1, a2 - b2)

    def length_km(self, a: str, b: str, mode_name: str, mode: Mode) -> float:
        for key in ((a, b, mode_name), (a, b, None)):
            if key in self.measured:
                return self.measured[key]
        return mode.detour * self.straight_km(a, b)

    def _points(self, streams: list[StreamNode]) -> np.ndarray:
        if self.park.park.crs == "wgs84":
            lat, lon = np.radians([self.point[s.enterprise] for s in streams]).reshape(-1, 2).T
            return EARTH_RADIUS_KM * np.column_stack(
                [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
            )
        return np.array([self.point[s.enterprise] for s in streams], dtype=float).reshape(-1, 2)

    def _query_radius(self, straight_km: float) -> float:
        if self.park.park.crs == "wgs84":  # chord length of a great-circle arc, slightly padded
            return (
                2 * EARTH_RADIUS_KM * math.sin(min(math.pi / 2, straight_km / (2 * EARTH_RADIUS_KM))) * (1 + 1e-9)
                + 1e-9
            )
        return straight_km * (1 + 1e-12) + 1e-9

    # -- candidates --------------------------------------------------------------------
    def add_candidates(self) -> None:
        by_resource_s: dict[str, list[StreamNode]] = defaultdict(list)
        by_resource_d: dict[str, list[StreamNode]] = defaultdict(list)
        for s in self.supplies:
            by_resource_s[s.resource].append(s)
        for d in self.demands:
            by_resource_d[d.resource].append(d)
        measured_pairs = {(a, b) for a, b, _ in self.measured}
        for resource, sups in by_resource_s.items():
            dems = by_resource_d.get(resource, [])
            if not dems:
                continue
            dem_points, sup_points = self._points(dems), self._points(sups)
            tree = _NearDemands(dem_points)
            for mode_name in self.park.resources[resource].modes:
                mode = self.park.modes[mode_name]
                if mode.max_distance_km is None:
                    near: list[list[int]] | list[range] = [range(len(dems))] * len(sups)
                else:
                    radius = self._query_radius(mode.max_distance_km / mode.detour)
                    near = tree.query_ball_point(sup_points, radius)
                dem_index: dict[str, list[int]] = {d.enterprise: [] for d in dems}
                for j, d in enumerate(dems):
                    dem_index[d.enterprise].append(j)
                for i, s in enumerate(sups):
                    chosen = set(near[i])
                    for a, b in measured_pairs:  # a measured route may be shorter than the detour
                        if a == s.enterprise and b in dem_index:
                            chosen.update(dem_index[b])
                    for j in sorted(chosen):
                        self._consider(s, dems[j], mode_name, mode)

    def _consider(self, supply: StreamNode, demand: StreamNode, mode_name: str, mode: Mode) -> None:
        if supply.enterprise == demand.enterprise:
            return  # within one enterprise only on site (add_on_site)
        if not self._quality_fits(supply, demand):
            return
        length = self.length_km(supply.enterprise, demand.enterprise, mode_name, mode)
        if mode.max_distance_km is not None and length > mode.max_distance_km:
            return
        for link in self._make(supply, demand, mode_name, mode, length, explicit=False):
            self.keys[(supply.index, demand.index, mode_name, link.type)] = link

    def _quality_fits(self, supply: StreamNode, demand: StreamNode) -> bool:
        mismatches, missing = quality_gaps(supply.spec, demand.spec)
        if missing and not mismatches and (supply.index, missing[0]) not in self.missing_warned:
            self.missing_warned.add((supply.index, missing[0]))
            self.warnings.append(
                f"{supply.path} ({supply.resource}) lacks quality attribute {missing[0]!r} that "
                f"{demand.path} requires; it cannot serve that demand"
            )
        return not (mismatches or missing)

    def add_on_site(self) -> None:
        """A process and the streams of its own enterprise: on-site links, no length and no cost."""
        by_place: dict[tuple[str, str], tuple[list[StreamNode], list[StreamNode]]] = defaultdict(lambda: ([], []))
        for s in self.supplies:
            by_place[(s.enterprise, s.resource)][0].append(s)
        for d in self.demands:
            by_place[(d.enterprise, d.resource)][1].append(d)
        for sups, dems in by_place.values():
            for s in sups:
                for d in dems:
                    if (s.process is None and d.process is None) or s.process == d.process:
                        continue  # plain streams of one enterprise are its own business; no loops
                    if not (self.usable(s) and self.usable(d)) or not self._quality_fits(s, d):
                        continue
                    link = CandidateLink(
                        self._link_id(s, d, ON_SITE, "transport"),
                        s.index,
                        d.index,
                        ON_SITE,
                        s.resource,
                        0.0,
                        "transport",
                        None,
                        1.0,
                        np.zeros(0),
                        on_site=True,
                    )
                    self.keys[(s.index, d.index, ON_SITE, "transport")] = link

    def _temperatures(self, supply: StreamNode, demand: StreamNode) -> Temperatures | None:
        if supply.temperature is None or demand.temperature is None:
            return None
        outlet = supply.temperature if supply.outlet is None else supply.outlet  # 0 degC is a temperature
        return_ = demand.temperature if demand.outlet is None else demand.outlet
        return Temperatures(
            supply.temperature, outlet, demand.temperature, return_, self.park.technologies.heat_exchange.min_approach_k
        )

    def _make(
        self,
        supply: StreamNode,
        demand: StreamNode,
        mode_name: str,
        mode: Mode,
        length: float,
        *,
        explicit: bool,
        kind: str | None = None,
    ) -> list[CandidateLink]:
        """The candidate links between two streams by one mode: one, or for heat one per technology."""
        delivered_share = 1.0 - mode.loss_per_km * length
        if delivered_share <= 0:
            return []

        def link(kind: str, cop: float | None, gain: float) -> CandidateLink:
            return CandidateLink(
                self._link_id(supply, demand, mode_name, kind),
                supply.index,
                demand.index,
                mode_name,
                supply.resource,
                length,
                kind,  # type: ignore[arg-type]
                cop,
                gain,
                np.zeros(0),
                capacity_limit=mode.max_capacity,
                explicit=explicit,
            )

        if self.park.resources[supply.resource].kind != "heat":
            return [link("transport", None, delivered_share)]
        t = self._temperatures(supply, demand)
        if t is None:
            return []
        drive = bool(getattr(supply.spec, "absorption", False))
        if kind is not None:
            kinds = [kind]
        elif explicit:  # the first that applies; a heat pump beyond its lift when none does (warned)
            kinds = [
                next(
                    (k for k in HEAT_TECHNOLOGIES if TECHNOLOGIES[k].applies(t, self.park, absorption_drive=False)),
                    "heat_pump",
                )
            ]
        else:
            kinds = [k for k in HEAT_TECHNOLOGIES if TECHNOLOGIES[k].applies(t, self.park, absorption_drive=drive)]
        links = []
        for name in kinds:
            tech = TECHNOLOGIES[name]
            cop = tech.cop(t, self.park)
            if cop is not None and cop <= 1:
                continue
            made = link(name, cop, delivered_share * tech.gain_factor(cop))
            made.share, made.band, made.temperatures = tech.share(t), tech.band(t), t
            if made.share > 0 and (made.band is None or made.band > 0):
                links.append(made)
        return links

    def _link_id(self, supply: StreamNode, demand: StreamNode, mode_name: str, kind: str) -> str:
        """``from[#stream]>to[#stream]:resource:mode[:technology]`` (see docs/model.md, link ids)."""
        return (
            f"{self._end(supply, self.multi_supply)}>{self._end(demand, self.multi_demand)}:{supply.resource}:{mode_name}"
            + (f":{kind}" if TECHNOLOGIES[kind].named_in_id else "")
        )

    def _end(self, stream: StreamNode, multi: set[tuple[str, str]]) -> str:
        if stream.process is not None:
            return f"{stream.enterprise}#{self._choice(stream)}"
        return stream.enterprise + (f"#{stream.position}" if (stream.enterprise, stream.resource) in multi else "")

    def _stream(self, role: str, enterprise: str, resource: str, choice: int | str | None) -> StreamNode:
        streams = self.supplies if role == "supplies" else self.demands
        options = stream_choices(self.places[enterprise], role, resource)
        wanted = choice if choice is not None else options[0][0]
        for stream in streams:
            if stream.enterprise == enterprise and stream.resource == resource and self._choice(stream) == wanted:
                return stream
        msg = "reference_problems guarantees the stream exists"
        raise AssertionError(msg)

    def _choice(self, stream: StreamNode) -> int | str:
        """How a link's ``supply``/``demand`` names this stream (`circflow.schema.stream_choices`)."""
        if stream.role == "output" and stream.process is not None:
            return output_name(self.processes[stream.process].spec, stream.output_index)
        return stream.position

    def add_explicit(self, *, existing_only: bool) -> None:
        for index, link in enumerate(self.park.links):
            if existing_only and not link.existing:
                continue
            supply = self._stream("supplies", link.from_, link.resource, link.supply)
            demand = self._stream("demands", link.to, link.resource, link.demand)
            if not (self.usable(supply) and self.usable(demand)):
                continue
            mode_name = link.mode or self.park.resources[link.resource].modes[0]
            mode = self.park.modes[mode_name]
            length = (
                link.distance_km
                if link.distance_km is not None
                else self.length_km(link.from_, link.to, mode_name, mode)
            )
            self._explicit_warnings(index, supply, demand, mode_name, mode, length)
            made = self._make(supply, demand, mode_name, mode, length, explicit=True, kind=link.type)
            if not made:
                msg = f"this link cannot deliver anything (loss {mode.loss_per_km} per km over {length:.3g} km"
                msg += ", or its heat technology does not fit the temperatures)" if link.type else ", or COP <= 1)"
                raise ParkError(self.park.problem(("links", index), msg))
            candidate = made[0]
            self._lift_warning(index, candidate)
            candidate.existing = link.existing
            if link.existing and link.capacity is not None:
                limit = candidate.capacity_limit
                candidate.capacity_limit = link.capacity if limit is None else min(limit, link.capacity)
            key = (supply.index, demand.index, mode_name, candidate.type)
            if link.expandable and not existing_only:  # more than the contract carries: a new link beside it
                expansion = (
                    self.keys.get(key)
                    or self._make(supply, demand, mode_name, mode, length, explicit=True, kind=candidate.type)[0]
                )
                expansion.id += ":expansion"
                expansion.explicit = True
                self.keys[(*key[:3], f"{candidate.type}:expansion")] = expansion
            self.keys[key] = candidate

    def _explicit_warnings(
        self, index: int, supply: StreamNode, demand: StreamNode, mode_name: str, mode: Mode, length: float
    ) -> None:
        where = f"links[{index}]"
        mismatches, missing = quality_gaps(supply.spec, demand.spec)
        if mismatches or missing:
            why = ", ".join(mismatches + [f"lacks {m}" for m in missing])
            self.warnings.append(f"{where}: quality does not meet the demand's requires ({why}); kept as explicit link")
        if mode.max_distance_km is not None and length > mode.max_distance_km:
            self.warnings.append(
                f"{where}: {length:.3g} km is beyond {mode_name}'s reach of {mode.max_distance_km:g} km; kept as explicit link"
            )

    def _lift_warning(self, index: int, link: CandidateLink) -> None:
        t = link.temperatures
        limit = TECHNOLOGIES[link.type].max_lift_k(self.park)
        if t is not None and limit is not None and t.lift() > limit:
            self.warnings.append(
                f"links[{index}]: {TECHNOLOGIES[link.type].label} lift {t.lift():g} K exceeds "
                f"max_lift_k {limit:g}; kept as explicit link"
            )

    def _matching_keys(self, ref: LinkRef) -> list[tuple[int, int, str, str]]:
        """The candidate links between enterprises (not on site) that a plan.forbid or plan.force entry names."""
        return [
            key
            for key, link in self.keys.items()
            if not link.on_site and matches(ref, link, self.supplies, self.demands)
        ]

    def apply_forbid(self) -> None:
        for index, ref in enumerate(self.park.plan.forbid):
            hits = self._matching_keys(ref)
            if not hits:
                self.warnings.append(f"plan.forbid[{index}]: matches no candidate link; nothing to forbid")
            for key in hits:
                if self.keys[key].existing:
                    self.warnings.append(f"plan.forbid[{index}]: {self.keys[key].id} exists already; it stays")
                else:
                    del self.keys[key]

    def apply_force(self) -> None:
        problems = []
        for index, ref in enumerate(self.park.plan.force):
            hits = self._matching_keys(ref)
            if not hits:
                why = self._why_no_candidate(ref)
                forbidden = any(_same_link(ref, other) for other in self.park.plan.forbid)
                advice = (
                    "it is also under plan.forbid, which removes it; keep it in one of the two"
                    if forbidden
                    else "add it under links: to make it a candidate"
                )
                msg = f"no candidate link matches ({why}); {advice}"
                problems.append(self.park.problem(("plan", "force", index), msg))
                continue
            for key in hits:
                self.keys[key].forced = True
            what = ", ".join(part for part in (ref.resource, ref.mode, ref.type) if part)
            text = f"plan.force[{index}] {ref.from_} -> {ref.to} ({what})"
            self.force_keys.append((text, hits))
        if problems:
            raise ParkError(problems)

    def _why_no_candidate(self, ref: LinkRef) -> str:
        modes = [ref.mode] if ref.mode else self.park.resources[ref.resource].modes
        reasons = []
        sups = [s for s in self.supplies if s.enterprise == ref.from_ and s.resource == ref.resource]
        dems = [d for d in self.demands if d.enterprise == ref.to and d.resource == ref.resource]
        if not sups:
            return f"{ref.from_} supplies no {ref.resource}"
        if not dems:
            return f"{ref.to} demands no {ref.resource}"
        for s in sups:
            for d in dems:
                mismatches, missing = quality_gaps(s.spec, d.spec)
                if mismatches or missing:
                    reasons.append("quality: " + ", ".join(mismatches + [f"lacks {m}" for m in missing]))
                    continue
                for mode_name in modes:
                    mode = self.park.modes[mode_name]
                    length = self.length_km(s.enterprise, d.enterprise, mode_name, mode)
                    t = self._temperatures(s, d)
                    if mode.max_distance_km is not None and length > mode.max_distance_km:
                        reasons.append(f"{mode_name}: {length:.3g} km > reach {mode.max_distance_km:g} km")
                    elif t is not None:
                        reasons.append(
                            f"{mode_name}: lift {t.lift():g} K > max_lift_k, no technology fits, or forbidden"
                        )
                    else:
                        reasons.append(f"{mode_name}: forbidden by plan.forbid")
        return "; ".join(dict.fromkeys(reasons)) or "no mode carries it"

    def finish(self) -> list[CandidateLink]:
        links = list(self.keys.values())
        for link in links:
            self._bound(link)
        self._process_bounds(links)
        kept = []
        for link in links:
            link.max_rate = float(np.max(link.max_flow / self.hours, initial=0.0))
            if link.max_flow.max(initial=0.0) <= 0 and not (link.existing or link.forced):
                continue  # can never carry anything: no period has both supply and demand
            kept.append(link)
        count: dict[str, int] = defaultdict(int)
        for link in kept:
            count[link.id] += 1
        for link in kept:  # an explicit direct link beside a generated heat pump: both unsuffixed
            if count[link.id] > 1 and link.type == "direct":
                link.id += ":direct"
        kept.sort(key=lambda link: link.id)
        return kept

    def _bound(self, link: CandidateLink) -> None:
        """max_flow: min(sigma supply, band x demand / gain, capacity x hours), per period."""
        supply, demand = self.supplies[link.supply], self.demands[link.demand]
        band = 1.0 if link.band is None else link.band
        with np.errstate(invalid="ignore"):
            flow = np.minimum(link.share * supply.amounts, band * demand.amounts / link.gain)
        if link.capacity_limit is not None:
            flow = np.minimum(flow, link.capacity_limit * self.hours)
        link.max_flow = np.nan_to_num(np.maximum(flow, 0.0), posinf=0.0)

    def _process_bounds(self, links: list[CandidateLink]) -> None:
        """What each process can receive and make, through chains of processes (SPEC 8.2).

        A process output's amount bound is its yield times the most the input can receive:
        min(capacity x hours, what the input's links can bring). Repeated until nothing
        grows (a chain of n processes settles in n rounds).
        """
        if not self.processes:
            return
        into: dict[int, list[CandidateLink]] = defaultdict(list)
        out_of: dict[int, list[CandidateLink]] = defaultdict(list)
        for link in links:
            into[link.demand].append(link)
            out_of[link.supply].append(link)
        for _ in range(len(self.processes) + 1):
            changed = False
            for process in self.processes:
                capacity = self.demands[process.input].amounts
                brought = sum((link.gain * link.max_flow for link in into[process.input]), np.zeros(len(self.hours)))
                process.max_input = np.minimum(capacity, brought)
                for s in process.outputs:
                    output = self.supplies[s]
                    amounts = output.output_yield * process.max_input
                    if not np.allclose(amounts, output.amounts, rtol=1e-12, atol=0):
                        output.amounts[:] = amounts
                        changed = True
                        for link in out_of[s]:
                            self._bound(link)
            if not changed:
                break
        else:
            names = ", ".join(p.path for p in self.processes)
            msg = (
                f"processes feed each other in a loop (among {names}): an output can reach its own "
                "process's input through links; circflow models chains of processes, not recycling loops"
            )
            raise ParkError(msg)


def _same_link(a: LinkRef, b: LinkRef) -> bool:
    return (
        (a.from_, a.to, a.resource) == (b.from_, b.to, b.resource)
        and (a.mode is None or b.mode is None or a.mode == b.mode)
        and (a.type is None or b.type is None or a.type == b.type)
    )


def _lonely_streams(net: Network) -> list[str]:
    """Streams no candidate link serves, processes nothing can feed, targets nobody can meet."""
    used_s = {link.supply for link in net.links}
    used_d = {link.demand for link in net.links}
    warnings = [
        f"{s.path} ({s.resource}) has no candidate link"
        for s in net.supplies
        if s.index not in used_s and s.role == "supply"
    ]
    warnings += [
        f"{d.path} ({d.resource}) has no candidate link"
        for d in net.demands
        if d.index not in used_d and d.role in ("demand", "market")
    ]
    warnings += [
        f"process {p.path}: no link can bring it {net.demands[p.input].resource}, so it can never run"
        for p in net.processes
        if p.input not in used_d
    ]
    warnings += [
        f"process {p.path}: no link can take its output {net.supplies[s].resource} "
        f"({net.supplies[s].path}); all of it would be disposed of"
        for p in net.processes
        for s in p.outputs
        if s not in used_s and p.input in used_d
    ]
    supplied = {s.resource for s in net.supplies if s.role == "supply" and s.amounts.sum() > 0}
    warnings += [
        f"targets.utilization.{resource} = {share:g}: no enterprise supplies {resource}, so the target "
        "holds with nothing used"
        for resource, share in net.park.targets.utilization.items()
        if share > 0 and resource not in supplied
    ]
    return warnings


def _point(location: Location, crs: str) -> tuple[float, float]:
    """A place's coordinates in the park's crs: (lat, lon) in degrees for wgs84, else (x, y) in km."""
    first, second = (location.lat, location.lon) if crs == "wgs84" else (location.x, location.y)
    if first is None or second is None:  # the schema refuses a location without the crs's pair
        msg = f"location {location.model_dump(exclude_none=True)} has no coordinates for crs {crs}"
        raise ValueError(msg)
    return first, second


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class _NearDemands:
    """The demands within a radius of each supply: a k-d tree, or for few pairs all of them compared.

    Comparing a few hundred pairs takes microseconds, importing scipy.spatial a tenth of a
    second; a small park's first run should not wait for it. Both pad nothing: the caller
    passes a padded radius and checks each candidate's length exactly (`Network._consider`).
    """

    ALL_PAIRS = 40_000
    """Largest number of supply-demand pairs compared all at once."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = points
        self.tree: Any = None

    def query_ball_point(self, queries: np.ndarray, radius: float) -> list[list[int]]:
        if len(queries) * len(self.points) <= self.ALL_PAIRS:
            distances = np.sqrt(((queries[:, None, :] - self.points[None, :, :]) ** 2).sum(axis=2))
            return [np.flatnonzero(row <= radius).tolist() for row in distances]
        if self.tree is None:
            from scipy.spatial import cKDTree

            self.tree = cKDTree(self.points)
        return list(self.tree.query_ball_point(queries, radius))
