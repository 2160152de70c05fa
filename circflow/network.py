"""The candidate network: which links could be built, how long they are, what they deliver.

Fourth stage: ``schema -> network -> model``. SPEC 3.6-3.8 in code: a candidate link is a
(supply stream, demand stream, mode) triple whose resource, quality, reach and temperature
fit; explicit ``links`` are always candidates; ``plan.forbid`` removes candidates and
``plan.force`` marks them. Neighbours within a mode's reach are found with a k-d tree
(O(n log n)), never by comparing all pairs.

The result, `Network`, holds plain arrays the model reads, and a networkx multigraph of
enterprises and candidate links for graph queries (components, degrees).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
from scipy.spatial import cKDTree

from circflow.exceptions import ParkError
from circflow.schema import Demand, Enterprise, LinkRef, Mode, Park, Range, Stream, Supply

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), SPEC 3.6
KELVIN = 273.15

LinkType = Literal["transport", "direct", "heat_pump"]


@dataclass(frozen=True)
class StreamNode:
    """One supply or demand stream with its amount in each period."""

    index: int
    """Position in `Network.supplies` or `Network.demands`."""
    enterprise: str
    position: int
    """Position in the enterprise's ``supplies`` or ``demands`` list."""
    resource: str
    amounts: np.ndarray
    """Amount in each period, resource units."""
    temperature: float | None
    price_cost: float
    """Disposal cost (supplies) or baseline cost (demands), money per unit."""
    price_emissions: float
    """tCO2 per unit disposed of (supplies) or met the conventional way (demands)."""
    spec: Supply | Demand

    @property
    def path(self) -> str:
        return f"{self.enterprise}.{'supplies' if isinstance(self.spec, Supply) else 'demands'}[{self.position}]"


@dataclass
class CandidateLink:
    """A link the model may build (SPEC 3.6) with everything the model needs about it."""

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
    """Largest useful flow in each period: min(supply, demand / gain, capacity x hours)."""
    existing: bool = False
    capacity_limit: float | None = None
    """unit/h: the mode's max_capacity or the existing link's capacity."""
    explicit: bool = False
    forced: bool = False

    max_rate: float = 0.0
    """Largest capacity worth having, unit/h: max over periods of max_flow / hours (the tight big-M)."""


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

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Enterprises as nodes, candidate links as edges (key: link id; ``index``: its position).

        Built on first use: the model does not need it, and at 5,000 enterprises it holds
        over 700,000 edges.
        """
        graph = nx.MultiDiGraph()
        for enterprise in self.park.enterprises:
            graph.add_node(enterprise.id, name=enterprise.name, sector=enterprise.sector)
        for i, link in enumerate(self.links):
            graph.add_edge(self.supplies[link.supply].enterprise, self.demands[link.demand].enterprise, key=link.id, index=i)
        return graph

    @property
    def enterprises(self) -> dict[str, Enterprise]:
        return {e.id: e for e in self.park.enterprises}

    def accounted_streams(self) -> tuple[list[StreamNode], list[StreamNode]]:
        """The supplies and demands whose disposal and baseline count in this network's totals."""
        if self.accounted is None:
            return self.supplies, self.demands
        supplies, demands = self.accounted
        return [self.supplies[i] for i in sorted(supplies)], [self.demands[j] for j in sorted(demands)]

    def subset(self, link_indices: list[int], accounted: tuple[frozenset[int], frozenset[int]] | None = None) -> Network:
        """The same park restricted to some candidate links (streams keep their indices)."""
        keep = sorted(link_indices)
        position = {old: new for new, old in enumerate(keep)}
        groups = [(text, [position[i] for i in members if i in position]) for text, members in self.forced_groups]
        groups = [(text, members) for text, members in groups if members]
        return Network(self.park, self.periods, self.hours, self.supplies, self.demands,
                       [self.links[i] for i in keep], groups, self.warnings, accounted)


def build_network(park: Park, *, existing_only: bool = False) -> Network:
    """Find the candidate links of a park (SPEC 3.6-3.8).

    Parameters
    ----------
    park
        A validated park.
    existing_only
        Keep only existing links (the status-quo baseline of SPEC 4); plan and explicit new
        links are ignored.

    Returns
    -------
    Network

    Raises
    ------
    ParkError
        When a ``plan.force`` entry matches no candidate link (with the reason), or an
        explicit link cannot carry anything (loss over its length >= 100 %).
    """
    periods = park.period_names()
    hours = np.array([p.hours for p in park.periods], dtype=float)
    supplies, demands = _streams(park, hours)
    builder = _Builder(park, hours, supplies, demands)
    if not existing_only:
        builder.add_candidates()
    builder.add_explicit(existing_only=existing_only)
    if not existing_only:
        builder.apply_forbid()
        builder.apply_force()
    links = builder.finish()
    index = {link.id: i for i, link in enumerate(links)}
    forced_groups = [(text, [index[builder.keys[k].id] for k in keys]) for text, keys in builder.force_keys]
    net = Network(park, periods, hours, supplies, demands, links, forced_groups, builder.warnings)
    if not existing_only:
        net.warnings += _lonely_streams(net)
    return net


def stream_amounts(stream: Stream, park: Park, hours: np.ndarray) -> np.ndarray:
    """Amount of a stream in each period (SPEC 3.5)."""
    names = park.period_names()
    if stream.amount is not None:
        return stream.amount * hours / hours.sum()
    if stream.per_period is not None:
        return np.array([stream.per_period.get(name, 0.0) for name in names], dtype=float)
    profile = stream.profile or {}
    return np.array([stream.rate * h * profile.get(name, 1.0) for name, h in zip(names, hours, strict=True)])


def heat_pump_cop(source_c: float, sink_c: float, park: Park) -> float:
    """COP of a heat pump lifting heat from ``source_c`` to ``sink_c`` degC (SPEC 3.4).

    ``Tc = Td + approach + 273.15``, ``Te = Ts - approach + 273.15``,
    ``COP = min(cop_max, eta Tc / (Tc - Te))``.

    Examples
    --------
    >>> from circflow.schema import Park
    >>> pump = {"carnot_efficiency": 0.5, "approach_k": 5, "cop_max": 8}
    >>> park = Park(park={"name": "x"}, technologies={"heat_pump": pump})
    >>> round(heat_pump_cop(35.0, 75.0, park), 4)  # 0.5 * 353.15 / (353.15 - 303.15)
    3.5315
    """
    pump = park.technologies.heat_pump
    hot = sink_c + pump.approach_k + KELVIN
    cold = source_c - pump.approach_k + KELVIN
    if hot <= cold:
        return pump.cop_max
    return min(pump.cop_max, pump.carnot_efficiency * hot / (hot - cold))


def quality_gaps(supply: Supply, demand: Demand) -> tuple[list[str], list[str]]:
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
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and (allowed.min is None or value >= allowed.min) and (allowed.max is None or value <= allowed.max)
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
    )


def _allowed_text(allowed: list | Range) -> str:
    if isinstance(allowed, Range):
        return f"[{allowed.min if allowed.min is not None else '-inf'}, {allowed.max if allowed.max is not None else 'inf'}]"
    return "{" + ", ".join(str(a) for a in allowed) + "}"


def _streams(park: Park, hours: np.ndarray) -> tuple[list[StreamNode], list[StreamNode]]:
    supplies: list[StreamNode] = []
    demands: list[StreamNode] = []
    for enterprise in park.enterprises:
        for position, supply in enumerate(enterprise.supplies):
            supplies.append(StreamNode(len(supplies), enterprise.id, position, supply.resource,
                                       stream_amounts(supply, park, hours), supply.temperature,
                                       supply.disposal.cost, supply.disposal.emissions, supply))
        for position, demand in enumerate(enterprise.demands):
            demands.append(StreamNode(len(demands), enterprise.id, position, demand.resource,
                                      stream_amounts(demand, park, hours), demand.temperature,
                                      demand.baseline.cost, demand.baseline.emissions, demand))
    return supplies, demands


class _Builder:
    """Collects candidate links keyed by (supply, demand, mode)."""

    def __init__(self, park: Park, hours: np.ndarray, supplies: list[StreamNode], demands: list[StreamNode]) -> None:
        self.park = park
        self.hours = hours
        self.supplies = supplies
        self.demands = demands
        self.keys: dict[tuple[int, int, str], CandidateLink] = {}
        self.warnings: list[str] = []
        self.force_keys: list[tuple[str, list[tuple[int, int, str]]]] = []
        self.location = {e.id: e.location for e in park.enterprises}
        self.measured: dict[tuple[str, str, str | None], float] = {}
        for distance in park.distances:
            for a, b in ((distance.from_, distance.to), (distance.to, distance.from_)):
                self.measured[(a, b, distance.mode)] = distance.km
        self.multi_supply = self._multi(supplies)
        self.multi_demand = self._multi(demands)
        self.missing_warned: set[tuple[int, str]] = set()

    @staticmethod
    def _multi(streams: list[StreamNode]) -> set[tuple[str, str]]:
        count: dict[tuple[str, str], int] = defaultdict(int)
        for stream in streams:
            count[(stream.enterprise, stream.resource)] += 1
        return {key for key, n in count.items() if n > 1}

    # -- geometry ---------------------------------------------------------------------
    def straight_km(self, a: str, b: str) -> float:
        la, lb = self.location[a], self.location[b]
        if self.park.park.crs == "wgs84":
            return _haversine(la.lat, la.lon, lb.lat, lb.lon)
        return math.hypot(la.x - lb.x, la.y - lb.y)

    def length_km(self, a: str, b: str, mode_name: str, mode: Mode) -> float:
        for key in ((a, b, mode_name), (a, b, None)):
            if key in self.measured:
                return self.measured[key]
        return mode.detour * self.straight_km(a, b)

    def _points(self, streams: list[StreamNode]) -> np.ndarray:
        if self.park.park.crs == "wgs84":
            lat = np.radians([self.location[s.enterprise].lat for s in streams])
            lon = np.radians([self.location[s.enterprise].lon for s in streams])
            return EARTH_RADIUS_KM * np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        return np.array([[self.location[s.enterprise].x, self.location[s.enterprise].y] for s in streams], dtype=float)

    def _query_radius(self, straight_km: float) -> float:
        if self.park.park.crs == "wgs84":  # chord length of a great-circle arc, slightly padded
            return 2 * EARTH_RADIUS_KM * math.sin(min(math.pi / 2, straight_km / (2 * EARTH_RADIUS_KM))) * (1 + 1e-9) + 1e-9
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
            tree = cKDTree(self._points(dems))
            sup_points = self._points(sups)
            for mode_name in self.park.resources[resource].modes:
                mode = self.park.modes[mode_name]
                if mode.max_distance_km is None:
                    near = [range(len(dems))] * len(sups)
                else:
                    radius = self._query_radius(mode.max_distance_km / mode.detour)
                    near = tree.query_ball_point(sup_points, radius)
                dem_index = {d.enterprise: [] for d in dems}
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
            return
        mismatches, missing = quality_gaps(supply.spec, demand.spec)
        if missing and (supply.index, missing[0]) not in self.missing_warned:
            self.missing_warned.add((supply.index, missing[0]))
            self.warnings.append(
                f"{supply.path} ({supply.resource}) lacks quality attribute {missing[0]!r} that "
                f"{demand.path} requires; it cannot serve that demand"
            )
        if mismatches or missing:
            return
        length = self.length_km(supply.enterprise, demand.enterprise, mode_name, mode)
        if mode.max_distance_km is not None and length > mode.max_distance_km:
            return
        link = self._make(supply, demand, mode_name, mode, length, explicit=False)
        if link is not None:
            self.keys[(supply.index, demand.index, mode_name)] = link

    def _make(self, supply: StreamNode, demand: StreamNode, mode_name: str, mode: Mode, length: float, *, explicit: bool) -> CandidateLink | None:
        kind: LinkType = "transport"
        cop = None
        gain = 1.0 - mode.loss_per_km * length
        if gain <= 0:
            return None
        if self.park.resources[supply.resource].kind == "heat":
            if supply.temperature is None or demand.temperature is None:
                return None
            exchange = self.park.technologies.heat_exchange
            pump = self.park.technologies.heat_pump
            if supply.temperature >= demand.temperature + exchange.min_approach_k:
                kind = "direct"
            else:
                if demand.temperature - supply.temperature > pump.max_lift_k and not explicit:
                    return None
                cop = heat_pump_cop(supply.temperature, demand.temperature, self.park)
                if cop <= 1:
                    return None
                kind = "heat_pump"
                gain *= cop / (cop - 1)
        ident = self._link_id(supply, demand, mode_name)
        cap = mode.max_capacity
        return CandidateLink(ident, supply.index, demand.index, mode_name, supply.resource, length, kind,
                             cop, gain, np.zeros(0), capacity_limit=cap, explicit=explicit)

    def _link_id(self, supply: StreamNode, demand: StreamNode, mode_name: str) -> str:
        src = supply.enterprise + (f"#{supply.position}" if (supply.enterprise, supply.resource) in self.multi_supply else "")
        dst = demand.enterprise + (f"#{demand.position}" if (demand.enterprise, demand.resource) in self.multi_demand else "")
        return f"{src}>{dst}:{supply.resource}:{mode_name}"

    def _stream(self, streams: list[StreamNode], enterprise: str, resource: str, position: int | None) -> StreamNode:
        for stream in streams:
            if stream.enterprise == enterprise and stream.resource == resource and (position is None or stream.position == position):
                return stream
        msg = "reference_problems guarantees the stream exists"
        raise AssertionError(msg)

    def add_explicit(self, *, existing_only: bool) -> None:
        for index, link in enumerate(self.park.links):
            if existing_only and not link.existing:
                continue
            supply = self._stream(self.supplies, link.from_, link.resource, link.supply)
            demand = self._stream(self.demands, link.to, link.resource, link.demand)
            mode_name = link.mode or self.park.resources[link.resource].modes[0]
            mode = self.park.modes[mode_name]
            if link.distance_km is not None:
                length = link.distance_km
            else:
                length = self.length_km(link.from_, link.to, mode_name, mode)
            self._explicit_warnings(index, supply, demand, mode_name, mode, length)
            candidate = self._make(supply, demand, mode_name, mode, length, explicit=True)
            if candidate is None:
                msg = f"this link cannot deliver anything (loss {mode.loss_per_km} per km over {length:.3g} km, or COP <= 1)"
                raise ParkError(self.park.problem(("links", index), msg))
            candidate.existing = link.existing
            if link.existing and link.capacity is not None:
                limit = candidate.capacity_limit
                candidate.capacity_limit = link.capacity if limit is None else min(limit, link.capacity)
            self.keys[(supply.index, demand.index, mode_name)] = candidate

    def _explicit_warnings(self, index: int, supply: StreamNode, demand: StreamNode, mode_name: str, mode: Mode, length: float) -> None:
        where = f"links[{index}]"
        mismatches, missing = quality_gaps(supply.spec, demand.spec)
        if mismatches or missing:
            why = ", ".join(mismatches + [f"lacks {m}" for m in missing])
            self.warnings.append(f"{where}: quality does not meet the demand's requires ({why}); kept as explicit link")
        if mode.max_distance_km is not None and length > mode.max_distance_km:
            self.warnings.append(f"{where}: {length:.3g} km is beyond {mode_name}'s reach of {mode.max_distance_km:g} km; kept as explicit link")
        if supply.temperature is not None and demand.temperature is not None:
            lift = demand.temperature - supply.temperature
            if lift > self.park.technologies.heat_pump.max_lift_k:
                self.warnings.append(f"{where}: heat pump lift {lift:g} K exceeds max_lift_k; kept as explicit link")

    def apply_forbid(self) -> None:
        for index, ref in enumerate(self.park.plan.forbid):
            hits = [key for key, link in self.keys.items() if matches(ref, link, self.supplies, self.demands)]
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
            hits = [key for key, link in self.keys.items() if matches(ref, link, self.supplies, self.demands)]
            if not hits:
                why = self._why_no_candidate(ref)
                msg = f"no candidate link matches ({why}); add it under links: to make it a candidate"
                problems.append(self.park.problem(("plan", "force", index), msg))
                continue
            for key in hits:
                self.keys[key].forced = True
            text = f"plan.force[{index}] {ref.from_} -> {ref.to} ({ref.resource}{', ' + ref.mode if ref.mode else ''})"
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
                    if mode.max_distance_km is not None and length > mode.max_distance_km:
                        reasons.append(f"{mode_name}: {length:.3g} km > reach {mode.max_distance_km:g} km")
                    elif s.temperature is not None and d.temperature is not None:
                        reasons.append(f"{mode_name}: lift {d.temperature - s.temperature:g} K > max_lift_k or forbidden")
                    else:
                        reasons.append(f"{mode_name}: forbidden by plan.forbid")
        return "; ".join(dict.fromkeys(reasons)) or "no mode carries it"

    def finish(self) -> list[CandidateLink]:
        links = []
        for link in self.keys.values():
            supply, demand = self.supplies[link.supply], self.demands[link.demand]
            flow = np.minimum(supply.amounts, demand.amounts / link.gain)
            if link.capacity_limit is not None:
                flow = np.minimum(flow, link.capacity_limit * self.hours)
            link.max_flow = np.maximum(flow, 0.0)
            link.max_rate = float(np.max(link.max_flow / self.hours, initial=0.0))
            if link.max_flow.max(initial=0.0) <= 0 and not (link.existing or link.forced):
                continue  # can never carry anything: no period has both supply and demand
            links.append(link)
        links.sort(key=lambda link: link.id)
        return links


def _lonely_streams(net: Network) -> list[str]:
    """Streams no candidate link serves, and utilisation targets on resources nobody supplies."""
    used_s = {link.supply for link in net.links}
    used_d = {link.demand for link in net.links}
    warnings = [f"{s.path} ({s.resource}) has no candidate link" for s in net.supplies if s.index not in used_s]
    warnings += [f"{d.path} ({d.resource}) has no candidate link" for d in net.demands if d.index not in used_d]
    supplied = {s.resource for s in net.supplies if s.amounts.sum() > 0}
    warnings += [f"targets.utilization.{resource} = {share:g}: no enterprise supplies {resource}, so the target "
                 "holds with nothing used" for resource, share in net.park.targets.utilization.items()
                 if share > 0 and resource not in supplied]
    return warnings


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
