"""Sankey diagram of a plan's flows, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. It reads only the results dict (so
``circflow sankey RESULTS_DIR`` redraws a folder) and never imports the optimiser.

Nodes are streams: each enterprise's supply of a resource on the left, each enterprise's
demand on the right. Beside them stand what the plan does not link: ``disposal`` of a
resource (right), ``conventional supply`` of a resource (left, the baseline that still
meets a demand), ``losses`` on the way (right) and the electricity that heat pumps add
(left). A link's width is its amount in the resource's own unit (t, m3, MWh), so the hover
label always names the unit. A dropdown selects the whole year or one period.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from circflow.exceptions import ParkError

ELECTRICITY = "electricity"

RESOURCE_COLOURS = {
    "fly_ash": "#6e6e6e",
    "gypsum": "#c9a227",
    "slag": "#8c564b",
    "reclaimed_water": "#1f77b4",
    "heat": "#d62728",
    ELECTRICITY: "#9467bd",
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
    """The unit of a resource in a results dict (MWh for heat-pump electricity)."""
    if resource == ELECTRICITY:
        return "MWh"
    return results.get("resources", {}).get(resource, {}).get("unit", "")


def short_name(name: str, width: int = 42) -> str:
    """A name cut to ``width`` characters with an ellipsis, for labels on charts."""
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def enterprise_labels(results: dict[str, Any], width: int = 42) -> dict[str, str]:
    """A short, unique label per enterprise id: its name cut to ``width``, with the id when cuts collide."""
    enterprises = results.get("enterprises", [])
    cut = {e["id"]: short_name(e.get("name") or e["id"], width) for e in enterprises}
    seen: dict[str, int] = {}
    for label in cut.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: label if seen[label] == 1 else f"{label} [{key}]" for key, label in cut.items()}


@dataclass
class _Diagram:
    """Nodes and links of the diagram, with each link's amount per period in its own unit."""

    periods: list[str]
    keys: list[tuple[str, ...]] = field(default_factory=list)
    node_label: list[str] = field(default_factory=list)
    node_hover: list[str] = field(default_factory=list)
    node_resource: list[str] = field(default_factory=list)
    node_leftover: list[bool] = field(default_factory=list)
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

    def node(self, key: tuple[str, ...], label: str, hover: str, resource: str, leftover: bool = False) -> int:
        index = self.node_index.get(key)
        if index is None:
            index = self.node_index[key] = len(self.keys)
            self.keys.append(key)
            self.node_label.append(label)
            self.node_hover.append(hover)
            self.node_resource.append(resource)
            self.node_leftover.append(leftover)
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

    def widths(self, period: str | None) -> list[float]:
        """Link widths: amounts scaled so that every resource's year total has the same width.

        t, m3 and MWh do not add up, and reclaimed water in m3 would dwarf fly ash in t; so
        each resource gets an equal share of the height, proportions within it kept. Heat-pump
        electricity is scaled with the heat it helps deliver so heat demands balance.
        """
        bands = [self.node_resource[target] for _, target, _ in self.link_keys]
        totals: dict[str, float] = {}
        for band, amount in zip(bands, self.amount_list(None), strict=True):
            totals[band] = totals.get(band, 0.0) + amount
        return [amount / totals[band] if totals[band] > 0 else 0.0
                for band, amount in zip(bands, self.amount_list(period), strict=True)]

    def band_of(self, node: int) -> str:
        """The band a node is drawn in: its resource; heat-pump electricity goes with heat."""
        resource = self.node_resource[node]
        return "heat" if resource == ELECTRICITY else resource

    def bands(self, period: str | None) -> tuple[list[float], list[bool], dict[str, tuple[list[int], list[int]]]]:
        """Node sizes (in width units), which nodes are sources, and per band the drawn nodes of each side."""
        sizes = [0.0] * len(self.keys)
        is_source = [False] * len(self.keys)
        for (source, target, _), width in zip(self.link_keys, self.widths(period), strict=True):
            if width > 0:
                sizes[source] += width
                sizes[target] += width
                is_source[source] = True
        bands: dict[str, tuple[list[int], list[int]]] = {}
        for i in range(len(self.keys)):
            if sizes[i] > 0:
                bands.setdefault(self.band_of(i), ([], []))[0 if is_source[i] else 1].append(i)
        return sizes, is_source, bands

    def spacing(self, period: str | None) -> tuple[int, int]:
        """(gaps, longest): node gaps in the aligned layout, and the length of the longer column."""
        _, _, bands = self.bands(period)
        gaps = sum(max(len(left), len(right)) - 1 for left, right in bands.values()) + BAND_GAP * (len(bands) - 1)
        longest = max(sum(len(left) for left, _ in bands.values()), sum(len(right) for _, right in bands.values()))
        return max(gaps, 0), longest

    def positions(self, period: str | None, plot_px: float, pad_px: float) -> tuple[list[float], list[float]]:
        """Node centres (x, y in 0-1) of the nodes drawn in ``period``, in index order.

        Sources left, sinks right. Each resource is a horizontal band that starts at the same
        height on both sides, so its links run straight across; bands keep the catalog order.
        Node heights are plotly's own: ``ky = (plot height - (n - 1) pad) / total width``
        with ``n`` the longer column (d3-sankey); the padding plotly sets aside there is
        spread between the nodes and bands instead. plotly applies positions to the nodes
        that have a link of positive value, in index order, so only those are listed.
        """
        sizes, is_source, bands = self.bands(period)
        drawn = sorted(i for left, right in bands.values() for i in left + right)
        if not drawn:
            return [], []
        gaps, longest = self.spacing(period)
        if longest > 1:  # d3-sankey caps the padding at 2/3 of the height over the gaps of the longer column
            pad_px = min(pad_px, 2 / 3 * plot_px / (longest - 1))
        ky = (plot_px - (longest - 1) * pad_px) / sum(sizes[i] for i in drawn if is_source[i])
        gap = (longest - 1) * pad_px / gaps if gaps else 0.0
        y: dict[int, float] = {}
        top = 0.0
        for left, right in bands.values():
            bottom = top
            for side in (left, right):
                position = top
                for i in side:
                    y[i] = (position + sizes[i] * ky / 2) / plot_px
                    position += sizes[i] * ky + gap
                bottom = max(bottom, position - gap)
            top = bottom + BAND_GAP * gap
        return [0.001 if is_source[i] else 0.999 for i in drawn], [min(max(y[i], 0.001), 0.999) for i in drawn]

    def ordered(self) -> _Diagram:
        """The same diagram with nodes grouped by resource, so each resource forms one band.

        Within a band, sources keep their label order, and each sink sits at the weighted mean
        rank of the sources feeding it (the barycentre heuristic: fewer crossing links);
        disposal, losses and conventional supply come last.
        """
        catalog = list(RESOURCE_COLOURS)

        def band(i: int) -> tuple[int, str]:
            resource = self.band_of(i)
            return (catalog.index(resource) if resource in catalog else len(catalog), resource)

        sources = {key[0] for key in self.link_keys}
        source_rank = {i: r for r, i in enumerate(sorted(sources, key=lambda i: (band(i), self.node_leftover[i],
                                                                                     self.node_label[i])))}
        pull: dict[int, list[float]] = {}
        for (source, target, _), amount in zip(self.link_keys, self.amount_list(None), strict=True):
            weighted = pull.setdefault(target, [0.0, 0.0])
            weighted[0] += amount * source_rank[source]
            weighted[1] += amount

        def rank(i: int) -> tuple[Any, ...]:
            if i in sources:
                return (band(i), self.node_leftover[i], source_rank[i])
            weight, total = pull.get(i, (0.0, 0.0))
            return (band(i), self.node_leftover[i], weight / total if total else 0.0, self.node_label[i])

        order = sorted(range(len(self.keys)), key=rank)
        new_index = {old: new for new, old in enumerate(order)}
        out = _Diagram(self.periods)
        for old in order:
            out.node(self.keys[old], self.node_label[old], self.node_hover[old], self.node_resource[old],
                     self.node_leftover[old])
        links = sorted(range(len(self.link_keys)),
                       key=lambda i: (new_index[self.link_keys[i][0]], new_index[self.link_keys[i][1]]))
        for i in links:
            source, target, resource = self.link_keys[i]
            out.add(new_index[source], new_index[target], resource, self.amounts[i], self.hover[i], self.leftover[i])
        return out


def _collect(results: dict[str, Any]) -> _Diagram:
    periods = list(results.get("periods") or [])
    names = {e["id"]: e.get("name") or e["id"] for e in results.get("enterprises", [])}
    labels = enterprise_labels(results)
    diagram = _Diagram(periods)

    def stream(role: str, enterprise: str, resource: str) -> int:
        name = names.get(enterprise, enterprise)
        return diagram.node((role, enterprise, resource), f"{labels.get(enterprise, enterprise)} · {resource_label(resource)}",
                            f"{name}<br>{resource_label(resource)} {role}", resource)

    def leftover(kind: str, resource: str, label: str) -> int:
        return diagram.node((kind, resource), f"{label} · {resource_label(resource)}",
                            f"{label} of {resource_label(resource)}", resource, leftover=True)

    for link in results.get("links", []):
        resource = link["resource"]
        supply = stream("supply", link["from"], resource)
        demand = stream("demand", link["to"], resource)
        flow, delivered = link.get("flow") or {}, link.get("delivered") or {}
        cop = link.get("cop")
        # Heat delivered by a heat pump = lifted source heat + compressor work; work = heat / COP (SPEC 4).
        work = {p: (delivered.get(p) or 0.0) / cop for p in periods} if cop else {}
        from_source = {p: (delivered.get(p) or 0.0) - work.get(p, 0.0) for p in periods}
        lost = {p: (flow.get(p) or 0.0) - from_source[p] for p in periods}
        route = f"{names.get(link['from'], link['from'])} → {names.get(link['to'], link['to'])}"
        what = f"{route}<br>{resource_label(resource)} by {resource_label(link.get('mode', ''))}"
        diagram.add(supply, demand, resource, from_source, what + (f", heat pump COP {cop:.2f}" if cop else ""))
        if work:
            grid = diagram.node((ELECTRICITY,), "Electricity for heat pumps", "Electricity driving the heat pumps",
                                ELECTRICITY, leftover=True)
            diagram.add(grid, demand, ELECTRICITY, work, f"heat pump electricity → {names.get(link['to'], link['to'])}")
        if any(v > 0 for v in lost.values()):
            diagram.add(supply, leftover("losses", resource, "Losses"), resource, lost, f"{what}<br>lost on the way",
                        leftover=True)
    for row in results.get("disposal", []):
        resource, name = row["resource"], names.get(row["enterprise"], row["enterprise"])
        diagram.add(stream("supply", row["enterprise"], resource), leftover("disposal", resource, "Disposal"),
                    resource, row["amount"], f"{name}<br>{resource_label(resource)} not used: disposal", leftover=True)
    for row in results.get("baseline_supply", []):
        resource, name = row["resource"], names.get(row["enterprise"], row["enterprise"])
        diagram.add(leftover("baseline", resource, "Conventional supply"), stream("demand", row["enterprise"], resource),
                    resource, row["amount"], f"{name}<br>{resource_label(resource)} still met the conventional way",
                    leftover=True)
    return diagram.ordered()


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


def sankey_figure(results: dict[str, Any], period: str | None = None) -> go.Figure:
    """The plan's flows as a plotly Sankey diagram.

    Each resource gets the same share of the height (t, m3 and MWh do not add up); within a
    resource, widths are proportional to amounts. Hover labels give amounts in their units.

    Parameters
    ----------
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).
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
    node_colours = [_LEFTOVER_COLOUR if leftover and resource != ELECTRICITY else colours.get(resource, "#7f7f7f")
                    for resource, leftover in zip(diagram.node_resource, diagram.node_leftover, strict=True)]
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
                 "line": {"width": 0.5, "color": "#555"}, "customdata": varying["node.customdata"][0],
                 "hovertemplate": hover},
        "link": {"source": diagram.source, "target": diagram.target, "value": varying["link.value"][0],
                 "color": link_colours, "customdata": varying["link.customdata"][0], "hovertemplate": hover},
    }
    used = sorted(set(diagram.resource), key=lambda r: (r == ELECTRICITY, r))
    legend = "   ".join(f"<span style='color:{colours.get(r, '#7f7f7f')}'>■</span> {resource_label(r)} "
                       f"({unit_of(results, r)})" for r in used)
    note = ("<span style='color:#666'>each resource gets the same height, widths proportional within it; "
            "grey: disposal, losses, conventional supply; hover for amounts</span>")
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

    The aligned layout spends ``gaps x gap`` of the height between nodes and plotly sets
    aside ``(longest - 1) x pad``; making them equal with ``gap = LABEL_PX`` gives the pad.
    """
    gaps, longest = diagram.spacing(None)
    rows = gaps + len(diagram.bands(None)[2]) * 2
    gaps_px = LABEL_PX * gaps
    widths_px = max(320.0, 12.0 * rows, 0.6 * gaps_px)  # room for the widths: over 1/3 of the height (d3's cap)
    pad = gaps_px / (longest - 1) if longest > 1 else 10.0
    return round(widths_px + gaps_px + 130), pad


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


def write_sankey(path: str | pathlib.Path, results: dict[str, Any], period: str | None = None, *,
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
    path = pathlib.Path(path)
    if figure is None:
        figure = sankey_figure_dict(results, period)
    path.write_text(figure_html(figure, "sankey", full_html=True, include_plotlyjs=True), encoding="utf-8")
    return path
