"""Sankey diagram of a plan's flows, drawn from the content of ``results.json`` (SPEC 5, 8).

An export stage: ``results -> exports``. It reads only the results dict (so
``circflow sankey RESULTS_DIR`` redraws a folder) and never imports the optimiser.

Nodes are streams and what converts them, in columns from left to right:

- each enterprise's supply of a resource (``Steel works · slag``);
- in the middle, processes (``Coal power plant · Fly-ash classifier``: its input comes in,
  its outputs leave it) and heat technologies at the demand they serve (``City heating
  network · electric heat pump``), with the electricity or steam that drives heat pumps as
  its own inflow (SPEC 8.2, 8.3);
- each enterprise's demand, and markets outside the park (``Cement plants (market) · slag``).

Beside them stands what the plan does not link: ``disposal`` of a resource, ``losses`` on
the way or in processing, and ``conventional supply`` (the baseline that still meets a
demand). A link between a process and its own enterprise is on site: its hover says so. A
link's width is its amount in the resource's own unit (t, m3, MWh), so the hover label
always names the unit. A dropdown selects the whole year or one period.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from circflow.exceptions import ParkError
from circflow.exports.content import Results, content_of
from circflow.linktypes import TECHNOLOGIES

ELECTRICITY = "electricity"
STEAM = "steam"
DRIVES = {ELECTRICITY: "Electricity for heat pumps", STEAM: "Steam for absorption heat pumps"}
"""What drives a heat technology (`circflow.linktypes.Technology.converts_with`), drawn as its own inflow."""

RESOURCE_COLOURS = {
    "fly_ash": "#6e6e6e",
    "gypsum": "#c9a227",
    "slag": "#8c564b",
    "reclaimed_water": "#1f77b4",
    "heat": "#d62728",
    ELECTRICITY: "#9467bd",
    STEAM: "#e67e22",
}
"""One colour per resource, shared by every chart and map of circflow."""

_SPARE_COLOURS = ("#2ca02c", "#ff7f0e", "#17becf", "#e377c2", "#bcbd22", "#7f7f7f", "#393b79", "#637939")
_KIND_COLOURS = {"heat": "#d62728", "water": "#1f77b4"}
_LEFTOVER_COLOUR = "#b0b0b0"
BAND_GAP = 3  # resource bands of the Sankey stand three node gaps apart
LABEL_PX = 15  # the least distance between two nodes' centres, so that their labels do not overlap
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
"""Plotly options of every circflow figure: no logo, and the chart follows its box."""


def resource_colours(results: dict[str, Any]) -> dict[str, str]:
    """Colour of every resource of a results dict: fixed for the catalog's, distinct spare ones for others.

    A resource outside the catalog takes its kind's colour (heat red, water blue) when no other
    resource of the results has it, otherwise the next unused spare colour.
    """
    resources = results.get("resources", {})
    colours = dict(RESOURCE_COLOURS)
    taken = {colours[name] for name in resources if name in colours}
    for name in sorted(resources):
        if name in colours:
            continue
        preferred = _KIND_COLOURS.get(resources[name].get("kind", ""))
        free = [c for c in ((preferred,) if preferred else ()) + _SPARE_COLOURS if c not in taken]
        colours[name] = free[0] if free else "#7f7f7f"
        taken.add(colours[name])
    return colours


def resource_label(name: str) -> str:
    """A resource name as people write it (``fly_ash`` -> ``fly ash``)."""
    return name.replace("_", " ")


def unit_of(results: dict[str, Any], resource: str) -> str:
    """The unit of a resource in a results dict (MWh for what drives heat pumps)."""
    if resource in DRIVES:
        return "MWh"
    return results.get("resources", {}).get(resource, {}).get("unit", "")


def short_name(name: str, width: int = 42) -> str:
    """A name cut to ``width`` characters with an ellipsis, for labels on charts."""
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def enterprise_labels(results: dict[str, Any], width: int = 42) -> dict[str, str]:
    """A short, unique label per enterprise (and market) id: its name cut to ``width``, with the id when cuts collide."""
    enterprises = [*results.get("enterprises", []), *(results.get("markets") or [])]
    cut = {e["id"]: short_name(e.get("name") or e["id"], width) for e in enterprises}
    seen: dict[str, int] = {}
    for label in cut.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: label if seen[label] == 1 else f"{label} [{key}]" for key, label in cut.items()}


@dataclass(frozen=True)
class _Layout:
    """Where the drawn nodes of one period go: d3-sankey's columns, node sizes and bands.

    ``column`` follows d3-sankey's "justify" alignment, which plotly uses to size nodes: a
    node's depth is the longest chain of links ending at it; nodes with no outgoing link go
    to the last column. ``bands`` maps each band to its columns' node lists (index order).
    """

    sizes: list[float]
    column: dict[int, int]
    columns: int
    bands: dict[str, list[list[int]]]

    def column_totals(self) -> list[tuple[int, float]]:
        """(node count, total size) of each column, over all bands."""
        counts, totals = [0] * self.columns, [0.0] * self.columns
        for node, column in self.column.items():
            counts[column] += 1
            totals[column] += self.sizes[node]
        return list(zip(counts, totals, strict=True))

    def gaps(self) -> int:
        """Node gaps the aligned layout needs: per band the longest column's, plus the gaps between bands."""
        inner = sum(max(len(c) for c in columns) - 1 for columns in self.bands.values())
        return max(inner + BAND_GAP * (len(self.bands) - 1), 0)

    def band_sizes(self) -> list[float]:
        """Per band, the largest total size of one of its columns."""
        return [max(sum(self.sizes[i] for i in c) for c in columns) for columns in self.bands.values()]


@dataclass
class _Diagram:
    """Nodes and links of the diagram, with each link's amount per period in its own unit.

    Node kinds: ``supply``, ``demand``, ``market``, ``process``, ``technology`` (a heat
    technology at a demand), ``drive`` (electricity or steam driving heat pumps) and
    ``leftover`` (disposal, losses, conventional supply).
    """

    periods: list[str]
    keys: list[tuple[str, ...]] = field(default_factory=list)
    node_label: list[str] = field(default_factory=list)
    node_hover: list[str] = field(default_factory=list)
    node_resource: list[str] = field(default_factory=list)
    node_kind: list[str] = field(default_factory=list)
    link_keys: list[tuple[int, int, str]] = field(default_factory=list)
    hover: list[str] = field(default_factory=list)
    leftover: list[bool] = field(default_factory=list)
    amounts: list[dict[str, float]] = field(default_factory=list)
    node_index: dict[tuple[str, ...], int] = field(default_factory=dict, repr=False)
    link_index: dict[tuple[int, int, str], int] = field(default_factory=dict, repr=False)

    @property
    def source(self) -> list[int]:
        return [key[0] for key in self.link_keys]

    @property
    def target(self) -> list[int]:
        return [key[1] for key in self.link_keys]

    @property
    def resource(self) -> list[str]:
        return [key[2] for key in self.link_keys]

    def is_leftover(self, node: int) -> bool:
        """Disposal, losses, conventional supply and drives: drawn after the plan's own nodes."""
        return self.node_kind[node] in ("leftover", "drive")

    def node(self, key: tuple[str, ...], label: str, hover: str, resource: str, kind: str) -> int:
        index = self.node_index.get(key)
        if index is None:
            index = self.node_index[key] = len(self.keys)
            self.keys.append(key)
            self.node_label.append(label)
            self.node_hover.append(hover)
            self.node_resource.append(resource)
            self.node_kind.append(kind)
        return index

    def add(self, source: int, target: int, resource: str, amounts: dict[str, float], hover: str,
            leftover: bool = False) -> None:
        key = (source, target, resource)
        index = self.link_index.get(key)
        if index is None:
            index = self.link_index[key] = len(self.link_keys)
            self.link_keys.append(key)
            self.hover.append(hover)
            self.leftover.append(leftover)
            self.amounts.append(dict.fromkeys(self.periods, 0.0))
        values = self.amounts[index]
        for period in self.periods:
            values[period] += max(float(amounts.get(period) or 0.0), 0.0)

    def amount_list(self, period: str | None) -> list[float]:
        """Link amounts of one period, or of the year when ``period`` is None; solver specks cleared."""
        raw = [sum(v.values()) if period is None else v[period] for v in self.amounts]
        largest = max(raw, default=0.0)
        return [v if v > 1e-9 * largest else 0.0 for v in raw]

    def node_amounts(self, period: str | None) -> list[float]:
        """What passes each node (the larger of what comes in and goes out) in its own unit."""
        incoming, outgoing = [0.0] * len(self.keys), [0.0] * len(self.keys)
        for (source, target, _), amount in zip(self.link_keys, self.amount_list(period), strict=True):
            outgoing[source] += amount
            incoming[target] += amount
        return [max(a, b) for a, b in zip(incoming, outgoing, strict=True)]

    def columns(self, positive: list[bool]) -> tuple[dict[int, int], int]:
        """Column of each node with a positive link (d3-sankey, justified), and the number of columns."""
        links = [(s, t) for (s, t, _), keep in zip(self.link_keys, positive, strict=True) if keep]
        depth = {i: 0 for pair in links for i in pair}
        for _ in range(len(depth)):  # longest chain ending at each node; a cycle stops after n rounds
            changed = False
            for s, t in links:
                if depth[t] < depth[s] + 1:
                    depth[t], changed = depth[s] + 1, True
            if not changed:
                break
        count = max(depth.values(), default=0) + 1
        has_out = {s for s, _ in links}
        return {i: (d if i in has_out else count - 1) for i, d in depth.items()}, count

    def widths(self, period: str | None) -> list[float]:
        """Link widths: amounts scaled so that every resource's band is equally tall.

        t, m3 and MWh do not add up, and reclaimed water in m3 would dwarf fly ash in t; so
        each resource gets an equal share of the height, proportions within it kept: the
        year's amounts leaving the band's fullest column add up to 1. A link belongs to the
        band of the node it enters, so heat-pump electricity and driving steam are scaled with
        the heat they help deliver.
        """
        year = self.amount_list(None)
        column, _ = self.columns([amount > 0 for amount in year])
        bands = [self.band_of(target) for _, target, _ in self.link_keys]
        leaving: dict[tuple[str, int], float] = {}
        for band, (source, _, _), amount in zip(bands, self.link_keys, year, strict=True):
            if amount > 0:
                leaving[band, column[source]] = leaving.get((band, column[source]), 0.0) + amount
        totals: dict[str, float] = {}
        for (band, _), amount in leaving.items():
            totals[band] = max(totals.get(band, 0.0), amount)
        return [amount / totals[band] if totals.get(band, 0.0) > 0 else 0.0
                for band, amount in zip(bands, self.amount_list(period), strict=True)]

    def band_of(self, node: int) -> str:
        """The band a node is drawn in: its resource; what drives heat pumps goes with heat."""
        resource = self.node_resource[node]
        return "heat" if resource in DRIVES else resource

    def layout(self, period: str | None) -> _Layout:
        """Columns, sizes (in width units, d3's max of in and out) and bands of the nodes drawn in ``period``."""
        widths = self.widths(period)
        column, count = self.columns([width > 0 for width in widths])
        incoming, outgoing = [0.0] * len(self.keys), [0.0] * len(self.keys)
        for (source, target, _), width in zip(self.link_keys, widths, strict=True):
            if width > 0:
                outgoing[source] += width
                incoming[target] += width
        sizes = [max(a, b) for a, b in zip(incoming, outgoing, strict=True)]
        bands: dict[str, list[list[int]]] = {}
        for i in sorted(column):
            bands.setdefault(self.band_of(i), [[] for _ in range(count)])[column[i]].append(i)
        return _Layout(sizes, column, count, bands)

    def positions(self, period: str | None, plot_px: float, pad_px: float) -> tuple[list[float], list[float]]:
        """Node centres (x, y in 0-1) of the nodes drawn in ``period``, in index order.

        Columns left to right: supplies, then processes and heat technologies, then demands,
        markets and what is left over. Each resource is a horizontal band that starts at the
        same height in every column, so its links run straight across; bands keep the
        catalog order. Node heights are plotly's own (d3-sankey): ``ky = min over columns of
        (plot height - (n - 1) pad) / total size`` with ``n`` the column's node count and the
        padding capped at 2/3 of the height over the gaps of the longest column; the space
        left is spread between the nodes and bands. plotly applies positions to the nodes that
        have a link of positive value, in index order, so only those are listed.
        """
        layout = self.layout(period)
        drawn = sorted(layout.column)
        if not drawn:
            return [], []
        columns = layout.column_totals()
        longest = max(count for count, _ in columns)
        if longest > 1:
            pad_px = min(pad_px, 2 / 3 * plot_px / (longest - 1))
        ky = min((plot_px - (count - 1) * pad_px) / total for count, total in columns if total > 0)
        gaps = layout.gaps()
        gap = max((plot_px - ky * sum(layout.band_sizes())) / gaps, 0.0) if gaps else 0.0
        y: dict[int, float] = {}
        top = 0.0
        for band_columns in layout.bands.values():
            bottom = top
            for nodes in band_columns:
                position = top
                for i in nodes:
                    y[i] = (position + layout.sizes[i] * ky / 2) / plot_px
                    position += layout.sizes[i] * ky + gap
                if nodes:
                    bottom = max(bottom, position - gap)
            top = bottom + BAND_GAP * gap
        last = max(layout.columns - 1, 1)
        # Middle columns lean left: their labels, right of the node, need room before the last column's.
        x = [min(max(layout.column[i] / last * (0.85 if 0 < layout.column[i] < last else 1.0), 0.001), 0.999)
             for i in drawn]
        return x, [min(max(y[i], 0.001), 0.999) for i in drawn]

    def ordered(self) -> _Diagram:
        """The same diagram with nodes grouped by resource and column, so each resource forms one band.

        Within a band, the first column keeps its label order, and each node of a later column
        sits at the weighted mean rank of the nodes feeding it (the barycentre heuristic: fewer
        crossing links); disposal, losses, conventional supply and drives come last.
        """
        catalog = list(RESOURCE_COLOURS)

        def band(i: int) -> tuple[int, str]:
            resource = self.band_of(i)
            return (catalog.index(resource) if resource in catalog else len(catalog), resource)

        year = self.amount_list(None)
        column, count = self.columns([amount > 0 for amount in year])
        feeders: dict[int, list[tuple[int, float]]] = {}
        for (source, target, _), amount in zip(self.link_keys, year, strict=True):
            if amount > 0:
                feeders.setdefault(target, []).append((source, amount))
        rank: dict[int, float] = {}
        for c in range(count):
            members = [i for i in column if column[i] == c]

            def pull(i: int) -> float:
                weighted = [(rank[s], a) for s, a in feeders.get(i, []) if s in rank]
                total = sum(a for _, a in weighted)
                return sum(r * a for r, a in weighted) / total if total else 0.0

            order = sorted(members, key=lambda i: (band(i), self.is_leftover(i), pull(i) if c else 0.0,
                                                   self.node_label[i]))
            rank.update({i: r / max(len(order), 1) for r, i in enumerate(order)})

        def position(i: int) -> tuple[Any, ...]:
            if i not in column:
                return (1, band(i), 0, False, 0.0, self.node_label[i])
            return (0, band(i), column[i], self.is_leftover(i), rank[i], self.node_label[i])

        order = sorted(range(len(self.keys)), key=position)
        new_index = {old: new for new, old in enumerate(order)}
        out = _Diagram(self.periods)
        for old in order:
            out.node(self.keys[old], self.node_label[old], self.node_hover[old], self.node_resource[old],
                     self.node_kind[old])
        links = sorted(range(len(self.link_keys)),
                       key=lambda i: (new_index[self.link_keys[i][0]], new_index[self.link_keys[i][1]]))
        for i in links:
            source, target, resource = self.link_keys[i]
            out.add(new_index[source], new_index[target], resource, self.amounts[i], self.hover[i], self.leftover[i])
        return out


def _process_of(stream: str | None, processes: dict[str, dict[str, Any]]) -> str | None:
    """The process a stream path belongs to (``power#classifier.outputs[0]`` -> ``power#classifier``)."""
    if not stream or "#" not in stream:
        return None
    owner = stream.split(".", 1)[0]
    return owner if owner in processes else None


def _collect(results: dict[str, Any]) -> _Diagram:
    periods = list(results.get("periods") or [])
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises", [])}
    labels = enterprise_labels(results)
    markets = {m["id"]: m.get("name") or m["id"] for m in results.get("markets") or []}
    processes = {p["id"]: p for p in results.get("processes") or []}
    currency = results.get("currency") or "CNY"
    diagram = _Diagram(periods)

    def place(key: str) -> str:
        return names.get(key) or markets.get(key) or key

    def stream(role: str, enterprise: str, resource: str) -> int:
        return diagram.node((role, enterprise, resource), f"{labels.get(enterprise, enterprise)} · {resource_label(resource)}",
                            f"{place(enterprise)}<br>{resource_label(resource)} {role}", resource, role)

    def market(key: str, resource: str) -> int:
        return diagram.node(("market", key, resource), f"{labels[key]} (market) · {resource_label(resource)}",
                            f"{markets[key]}<br>market outside the park, buys {resource_label(resource)}", resource, "market")

    def process(key: str) -> int:
        spec = processes[key]
        name = spec.get("name") or spec.get("process") or key
        made = ", ".join(dict.fromkeys(resource_label(o["resource"]) for o in spec.get("outputs") or [])) or "nothing"
        return diagram.node(("process", key), f"{short_name(name, 30)} · {short_name(place(spec['enterprise']), 26)}",
                            f"{name} at {place(spec['enterprise'])}<br>process: {resource_label(spec['resource'])} in, "
                            f"{made} out", spec["resource"], "process")

    def technology(link: dict[str, Any]) -> int:
        label = link.get("technology") or (TECHNOLOGIES[link["type"]].label if link["type"] in TECHNOLOGIES
                                           else resource_label(link["type"]))
        to = link["to"]
        return diagram.node(("technology", link["type"], to, link["resource"]),
                            f"{label[:1].upper()}{label[1:]} · {short_name(place(to), 30)}",
                            f"{label} at {place(to)}", link["resource"], "technology")

    def leftover(kind: str, resource: str, label: str) -> int:
        return diagram.node((kind, resource), f"{label} · {resource_label(resource)}",
                            f"{label} of {resource_label(resource)}", resource, "leftover")

    def drive(resource: str) -> int:
        label = DRIVES[resource]
        return diagram.node(("drive", resource), label, label, resource, "drive")

    for link in results.get("links", []):
        resource = link["resource"]
        source_process = _process_of(link.get("from_stream"), processes)
        target_process = _process_of(link.get("to_stream"), processes)
        source = process(source_process) if source_process else stream("supply", link["from"], resource)
        if target_process:
            target = process(target_process)
        elif link["to"] in markets:
            target = market(link["to"], resource)
        else:
            target = stream("demand", link["to"], resource)
        flow, delivered = link.get("flow") or {}, link.get("delivered") or {}
        cop = link.get("cop")
        # Heat delivered by a heat pump = lifted source heat + drive (electricity or steam);
        # drive = heat / COP (SPEC 4, 8.3).
        work = {p: (delivered.get(p) or 0.0) / cop for p in periods} if cop else {}
        from_source = {p: (delivered.get(p) or 0.0) - work.get(p, 0.0) for p in periods}
        lost = {p: (flow.get(p) or 0.0) - from_source[p] for p in periods}
        route = f"{place(link['from'])} → {place(link['to'])}"
        if link.get("on_site"):
            what = f"within {place(link['from'])}, no transport<br>{resource_label(resource)}"
        else:
            what = f"{route}<br>{resource_label(resource)} by {resource_label(link.get('mode') or '')}"
        if link.get("existing"):
            what += " (existing)"
        if link.get("market_revenue"):
            what += f"<br>sold for {link['market_revenue']:,.0f} {currency}/yr"
        heat_type = link.get("type") not in (None, "transport")
        if heat_type:
            unit = technology(link)
            name = diagram.node_label[unit].split(" · ", 1)[0]
            temperatures = _temperatures(link)
            detail = f"{what}<br>{name}" + (f", COP {cop:.2f}" if cop else "") + (f"<br>{temperatures}" if temperatures else "")
            diagram.add(source, unit, resource, from_source, detail)
            diagram.add(unit, target, resource, delivered, detail)
            converts_with = TECHNOLOGIES[link["type"]].converts_with if link["type"] in TECHNOLOGIES else None
            if work and converts_with in DRIVES:
                diagram.add(drive(converts_with), unit, converts_with, work,
                            f"{DRIVES[converts_with].lower()} → {place(link['to'])}")
        else:
            diagram.add(source, target, resource, from_source, what)
        if any(v > 0 for v in lost.values()):
            diagram.add(source, leftover("losses", resource, "Losses"), resource, lost, f"{what}<br>lost on the way",
                        leftover=True)
    for key, spec in processes.items():
        if not spec.get("built"):
            continue
        node = process(key)
        received = spec.get("input") or {}
        made = {p: 0.0 for p in periods}
        for output in spec.get("outputs") or []:
            amount, taken = output.get("amount") or {}, output.get("taken") or {}
            for p in periods:
                made[p] += amount.get(p) or 0.0
            rest = {p: (amount.get(p) or 0.0) - (taken.get(p) or 0.0) for p in periods}
            diagram.add(node, leftover("disposal", output["resource"], "Disposal"), output["resource"], rest,
                        f"{spec.get('name') or key}<br>{resource_label(output['resource'])} made, not used: disposal",
                        leftover=True)
        kept = {p: (received.get(p) or 0.0) - made[p] for p in periods} if all(
            o["resource"] == spec["resource"] for o in spec.get("outputs") or []) else {}
        if any(v > 1e-9 * max(received.values(), default=0.0) for v in kept.values()):
            diagram.add(node, leftover("processing", spec["resource"], "Lost in processing"), spec["resource"], kept,
                        f"{spec.get('name') or key}<br>lost in processing (the yields add up to less than 1)",
                        leftover=True)
    for row in results.get("disposal", []):
        if isinstance(row.get("stream"), str) and f"{row['enterprise']}#{row['stream']}" in processes:
            continue  # drawn from the process above, output by output
        resource, name = row["resource"], place(row["enterprise"])
        diagram.add(stream("supply", row["enterprise"], resource), leftover("disposal", resource, "Disposal"),
                    resource, row["amount"], f"{name}<br>{resource_label(resource)} not used: disposal", leftover=True)
    for row in results.get("baseline_supply", []):
        resource, name = row["resource"], place(row["enterprise"])
        diagram.add(leftover("baseline", resource, "Conventional supply"), stream("demand", row["enterprise"], resource),
                    resource, row["amount"], f"{name}<br>{resource_label(resource)} still met the conventional way",
                    leftover=True)
    return diagram.ordered()


def _temperatures(link: dict[str, Any]) -> str:
    """A heat link's temperatures as engineers write them: ``source 60→40 °C, sink 45→75 °C``."""
    inlet, outlet = link.get("source_inlet_c"), link.get("source_outlet_c")
    supply, back = link.get("sink_supply_c"), link.get("sink_return_c")
    parts = []
    if inlet is not None:
        parts.append(f"source {inlet:g}→{outlet if outlet is not None else inlet:g} °C")
    if supply is not None:
        parts.append(f"sink {back if back is not None else supply:g}→{supply:g} °C")
    return ", ".join(parts)


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _period_label(period: str | None) -> str:
    return "whole year" if period is None else resource_label(period)


def _period_data(diagram: _Diagram, period: str | None, node_units: list[str],
                 link_units: list[str], plot_px: float, pad_px: float) -> dict[str, list[Any]]:
    """The trace attributes that change with the period: widths, node positions, amounts for the hover."""
    x, y = diagram.positions(period, plot_px, pad_px)
    return {
        "node.x": [x],
        "node.y": [y],
        "link.value": [diagram.widths(period)],
        "link.customdata": [list(zip(diagram.hover, diagram.amount_list(period), link_units,
                                     strict=True))],
        "node.customdata": [list(zip(diagram.node_hover, diagram.node_amounts(period), node_units,
                                     strict=True))],
    }


def sankey_figure(results: Results, period: str | None = None) -> go.Figure:
    """The plan's flows as a plotly Sankey diagram.

    Each resource gets the same share of the height (t, m3 and MWh do not add up); within a
    resource, widths are proportional to amounts. Hover labels give amounts in their units.

    Parameters
    ----------
    results
        A `circflow.Result`, or the content of its ``results.json`` (`circflow.read_results`).
    period
        The period shown first (None: the whole year). A dropdown offers the others.

    Returns
    -------
    plotly.graph_objects.Figure
        One Sankey trace. ``customdata`` of nodes and links holds (description, amount, unit):
        the amount in the resource's unit, for the period shown; ``value`` is the drawn width.

    Raises
    ------
    ParkError
        When ``period`` is not one of the results' periods.
    """
    results = content_of(results)
    return go.Figure(sankey_figure_dict(results, period))


def sankey_figure_dict(results: dict[str, Any], period: str | None = None) -> dict[str, Any]:
    """`sankey_figure` as a plain plotly figure dict (``data`` and ``layout``), not validated.

    Files are written from the dict (see `figure_html`): plotly's validation of a figure copies
    every list of a large diagram several times, for the same JSON.
    """
    periods = list(results.get("periods") or [])
    if period is not None and period not in periods:
        msg = f"unknown period {period!r}; the results have {', '.join(periods) or 'none'}"
        raise ParkError(msg)
    diagram = _collect(results)
    colours = resource_colours(results)
    node_colours = [_LEFTOVER_COLOUR if kind == "leftover" else colours.get(resource, "#7f7f7f")
                    for resource, kind in zip(diagram.node_resource, diagram.node_kind, strict=True)]
    # Markets and what converts (processes, heat technologies) stand out by their outline.
    # (plotly draws no labels when node.line.width is a list, so only the colour varies)
    node_lines = ["#1c2833" if kind in ("market", "process", "technology") else "#888" for kind in diagram.node_kind]
    link_colours = [_rgba(colours.get(resource, "#7f7f7f"), 0.22 if leftover else 0.5)
                    for resource, leftover in zip(diagram.resource, diagram.leftover, strict=True)]
    node_units = [unit_of(results, r) for r in diagram.node_resource]
    link_units = [unit_of(results, r) for r in diagram.resource]
    height, pad = _size(diagram)
    plot_px = height - 130  # the plot area: the height less the margins below
    varying = _period_data(diagram, period, node_units, link_units, plot_px, pad)
    hover = "%{customdata[0]}<br><b>%{customdata[1]:,.0f} %{customdata[2]}</b><extra></extra>"
    trace = {
        "type": "sankey",
        "arrangement": "fixed",  # our positions as given: "snap" would push nodes out of their bands
        "node": {"label": diagram.node_label, "x": varying["node.x"][0], "y": varying["node.y"][0],
                 "color": node_colours, "pad": pad, "thickness": 16,
                 "line": {"width": 1, "color": node_lines},
                 "customdata": varying["node.customdata"][0],
                 "hovertemplate": hover},
        "link": {"source": diagram.source, "target": diagram.target, "value": varying["link.value"][0],
                 "color": link_colours, "customdata": varying["link.customdata"][0], "hovertemplate": hover},
    }
    used = sorted(set(diagram.resource), key=lambda r: (r in DRIVES, r))
    legend = "   ".join(f"<span style='color:{colours.get(r, '#7f7f7f')}'>■</span> {resource_label(r)} "
                       f"({unit_of(results, r)})" for r in used)
    note = ("<span style='color:#666'>each resource gets the same height, widths proportional within it; "
            "grey: disposal, losses, conventional supply; outlined: processes, heat technologies "
            "and markets; hover for amounts</span>")
    park = results.get("park", "park")
    layout: dict[str, Any] = {
        "title": {"text": f"{park}: flows, {_period_label(period)}", "x": 0.01, "xanchor": "left"},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 110, "b": 20},
        "paper_bgcolor": "white",
        "annotations": [{"text": f"{legend}<br>{note}" if used else f"no flows to draw (status {results.get('status')})",
                         "x": 0.0, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "left",
                         "yanchor": "bottom", "yshift": 8, "showarrow": False, "align": "left"}],
    }
    if len(periods) > 1:
        choices = [None, *periods]
        layout["updatemenus"] = [{
            "type": "dropdown", "x": 1.0, "y": 1.0, "xanchor": "right", "yanchor": "bottom", "pad": {"b": 8},
            "active": choices.index(period), "showactive": True,
            "buttons": [{"label": _period_label(choice), "method": "update",
                         "args": [_period_data(diagram, choice, node_units, link_units, plot_px, pad),
                                  {"title.text": f"{park}: flows, {_period_label(choice)}"}]}
                        for choice in choices],
        }]
    return {"data": [trace], "layout": layout}


def _size(diagram: _Diagram) -> tuple[int, float]:
    """Figure height (px) and plotly's node padding, so that node labels stand ``LABEL_PX`` apart.

    The widths get ``widths_px`` in the fullest column; each band is as tall as its tallest
    column with ``LABEL_PX`` between nodes. plotly (d3-sankey) sizes nodes with
    ``ky = min over columns of (plot height - (n - 1) pad) / total``: the padding returned is
    the largest one that gives every column at least our ``ky``, so the binding column
    gives exactly it.
    """
    layout = diagram.layout(None)
    gaps = layout.gaps()
    rows = gaps + len(layout.bands) * 2
    gaps_px = LABEL_PX * gaps
    widths_px = max(320.0, 12.0 * rows, 0.6 * gaps_px)  # room for the widths: over 1/3 of the height (d3's cap)
    columns = [(count, total) for count, total in layout.column_totals() if total > 0]
    if not columns:
        return round(widths_px + 130), 10.0
    ky = widths_px / max(total for _, total in columns)
    plot_px = sum(max(ky * sum(layout.sizes[i] for i in nodes) + LABEL_PX * max(len(nodes) - 1, 0)
                      for nodes in band) for band in layout.bands.values())
    plot_px += BAND_GAP * LABEL_PX * (len(layout.bands) - 1)
    pads = [(plot_px - ky * total) / (count - 1) for count, total in columns if count > 1]
    return round(plot_px + 130), min(pads) if pads else 10.0


def figure_html(figure: go.Figure | dict[str, Any], div_id: str, *, full_html: bool = False,
                **options: Any) -> str:
    """A figure as HTML: a ``<div>`` drawn by the page's plotly.js, or with ``full_html`` a page embedding it.

    A figure dict (`sankey_figure_dict`) is written as ``go.Figure`` would write it: with the
    default plotly template (``plotly.io.templates.default``) unless it names a template.
    ``options`` go to `plotly.io.to_html`.
    """
    if isinstance(figure, dict) and "template" not in figure.get("layout", {}) and pio.templates.default is not None:
        template = pio.templates.default
        if isinstance(template, str):
            template = pio.templates[template]
        figure = {**figure, "layout": {"template": template.to_plotly_json(), **figure.get("layout", {})}}
    return pio.to_html(figure, config=PLOTLY_CONFIG, div_id=div_id, full_html=full_html, validate=False, **options)


def write_sankey(path: str | pathlib.Path, results: Results, period: str | None = None, *,
                 figure: go.Figure | dict[str, Any] | None = None) -> pathlib.Path:
    """Write the Sankey diagram as one HTML file that works offline (plotly.js embedded).

    Parameters
    ----------
    path
        The ``.html`` file to write.
    results, period
        As for `sankey_figure`.
    figure
        The diagram when drawn already for ``results`` and ``period`` (`sankey_figure` or
        `sankey_figure_dict`): a results folder's ``sankey.html`` and ``report.html`` share one.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    results = content_of(results)
    path = pathlib.Path(path)
    if figure is None:
        figure = sankey_figure_dict(results, period)
    path.write_text(figure_html(figure, "sankey", full_html=True, include_plotlyjs=True), encoding="utf-8")
    return path
