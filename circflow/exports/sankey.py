"""Sankey diagram of a plan's flows, drawn from the content of ``results.json`` (SPEC 5, 8).

An export stage: ``results -> exports``. It reads only the results dict (so
``circflow sankey RESULTS_DIR`` redraws a folder) and never imports the optimiser.

One node per enterprise, market and process, as a park manager names them; flows run from
the enterprises that give to those that take, processes in the middle (``Steel works →
Slag grinding station → Ready-mix concrete``). Each node's label carries what passes it, in
the resource's unit (``fly ash 280 kt · gypsum 77 kt``), so the amounts read without
hovering. Links are coloured by resource: strong for new links, pale for today's. A heat
pump's electricity or an absorption heat pump's steam comes in from its own node at the
demand it serves (the heat delivered is what the source gives plus that drive). An
enterprise that both gives to and takes from another keeps one node where it can; only
where that would close a loop does it get a second node (``... (receives)``).

What the plan does not link, disposal, losses and conventional supply, is on a second view
that a button shows (it dwarfs the links in most parks). A dropdown picks the whole year
or one period. Each resource gets the same total height (t, m3 and MWh do not add up);
within a resource, widths are proportional to amounts.
"""

from __future__ import annotations

import html
import pathlib
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go

from circflow.exceptions import ParkError
from circflow.exports.content import Results, content_of
from circflow.exports.labels import (
    ELECTRICITY,
    RESOURCE_COLOURS,
    STEAM,
    Namer,
    carried,
    heat_temperatures,
    resource_colours,
    resource_label,
    status_label,
    unit_of,
    wrap,
)
from circflow.exports.page import PLOTLY_CONFIG, figure_html, results_page
from circflow.i18n import FONT_STACK, N_, _, amount, language
from circflow.linktypes import TECHNOLOGIES

__all__ = [
    "DRIVES",
    "PLOTLY_CONFIG",
    "RESOURCE_COLOURS",
    "enterprise_labels",
    "figure_html",
    "resource_colours",
    "resource_label",
    "sankey_figure",
    "sankey_figure_dict",
    "short_name",
    "unit_of",
    "write_sankey",
]

DRIVES = {ELECTRICITY: N_("Electricity for heat pumps"), STEAM: N_("Steam for absorption heat pumps")}
"""What drives a heat technology (`circflow.linktypes.Technology.converts_with`), drawn as its own inflow."""
_CONVERTS_WITH = {name: tech.converts_with for name, tech in TECHNOLOGIES.items() if tech.converts_with}
_LEFTOVERS = {"disposal": N_("Disposal"), "baseline": N_("Conventional supply"), "losses": N_("Losses")}
NODE_COLOURS = {"place": "#34495e", "market": "#0b5345", "process": "#7b7d7d", "leftover": "#b0b0b0"}
_LEFTOVER_LINK = "rgba(150,150,150,0.35)"
NEW_ALPHA, EXISTING_ALPHA = 0.62, 0.22
"""Link opacity: new links strong, existing ones pale."""
ROW_PX = 64
"""Height per node of the fullest column: a two-line name and a line of amounts, with room between."""
MAX_PLOT_PX = 4000
"""The tallest diagram: a park of hundreds of enterprises gets thinner nodes, not a page of metres."""


def short_name(name: str, width: int = 42) -> str:
    """A name cut to ``width`` characters with an ellipsis (prefer `circflow.exports.labels.wrap`)."""
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def enterprise_labels(results: dict[str, Any], width: int = 42) -> dict[str, str]:
    """A short, unique label per enterprise (and market) id: its name cut to ``width``, with the id when cuts collide."""
    enterprises = [*results.get("enterprises", []), *(results.get("markets") or [])]
    cut = {e["id"]: short_name(e.get("name") or e["id"], width) for e in enterprises}
    seen: dict[str, int] = {}
    for label in cut.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: label if seen[label] == 1 else f"{label} [{key}]" for key, label in cut.items()}


@dataclass
class _Diagram:
    """Nodes and links of one view, with each link's amount per period in its resource's unit."""

    periods: list[str]
    keys: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    source: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    resource: list[str] = field(default_factory=list)
    state: list[str] = field(default_factory=list)
    """``new``, ``existing``, ``drive`` or ``leftover``."""
    hover: list[str] = field(default_factory=list)
    delivers: list[str] = field(default_factory=list)
    """The resource a link delivers as: its own, or for a heat pump's drive the heat it helps deliver."""
    amounts: list[dict[str, float]] = field(default_factory=list)
    index: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def node(self, key: tuple[str, str], name: str, kind: str) -> int:
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
            self.names.append(name)
            self.kinds.append(kind)
        return self.index[key]

    def add(
        self,
        source: int,
        target: int,
        resource: str,
        amounts: dict[str, float],
        hover: str,
        state: str,
        delivers: str | None = None,
    ) -> None:
        values = {p: max(float(amounts.get(p) or 0.0), 0.0) for p in self.periods}
        if not any(values.values()):
            return
        self.source.append(source)
        self.target.append(target)
        self.resource.append(resource)
        self.state.append(state)
        self.hover.append(hover)
        self.delivers.append(delivers or resource)
        self.amounts.append(values)

    def amount_list(self, period: str | None) -> list[float]:
        """Link amounts of one period, or of the year when ``period`` is None; solver specks cleared."""
        raw = [sum(v.values()) if period is None else v[period] for v in self.amounts]
        largest = max(raw, default=0.0)
        return [v if v > 1e-9 * largest else 0.0 for v in raw]

    def band(self, link: int) -> str:
        """Electricity and steam that drive heat pumps are scaled with the heat they help deliver."""
        return self.delivers[link]

    def scales(self) -> dict[str, float]:
        """Per resource, the year's amount that comes out of enterprises, drives and conventional supply:
        its band's total height."""
        totals: dict[str, float] = {}
        for i, value in enumerate(self.amount_list(None)):
            if self.kinds[self.source[i]] != "process":
                totals[self.band(i)] = totals.get(self.band(i), 0.0) + value
        return totals

    def widths(self, period: str | None) -> list[float]:
        """Link widths: amounts over their band's total, so that every resource is equally tall."""
        scales = self.scales()
        return [
            value / scales[self.band(i)] if scales.get(self.band(i)) else 0.0
            for i, value in enumerate(self.amount_list(period))
        ]

    def untangle(self) -> None:
        """Give a second node to an enterprise where one node would close a loop (it gives to and takes
        from the same partner): the links that do not fit the order of the largest flows go to it."""
        widths = self.widths(None)
        order = sorted(range(len(self.source)), key=lambda i: -widths[i])
        after: dict[int, set[int]] = {}

        def reaches(start: int, goal: int) -> bool:
            seen, todo = {start}, [start]
            while todo:
                node = todo.pop()
                if node == goal:
                    return True
                for following in after.get(node, ()):
                    if following not in seen:
                        seen.add(following)
                        todo.append(following)
            return False

        for i in order:
            source, target = self.source[i], self.target[i]
            if reaches(target, source):
                kind, key = self.keys[target]
                target = self.node(
                    ("receives", key), _("{name} (receives)").format(name=self.names[target]), self.kinds[target]
                )
                self.target[i] = target
            after.setdefault(source, set()).add(target)

    def columns(self) -> dict[int, int]:
        """Column of each node (d3-sankey's justified layout: longest chain in; sinks last)."""
        drawn = {i for pair in zip(self.source, self.target, strict=True) for i in pair}
        depth = dict.fromkeys(drawn, 0)
        for _round in range(len(depth)):
            changed = False
            for s, t in zip(self.source, self.target, strict=True):
                if depth[t] < depth[s] + 1:
                    depth[t], changed = depth[s] + 1, True
            if not changed:
                break
        last = max(depth.values(), default=0)
        senders = set(self.source)
        return {i: (d if i in senders else last) for i, d in depth.items()}

    def labels(self, period: str | None, results: dict[str, Any]) -> tuple[list[str], list[str]]:
        """Per node, its label (name and what passes it) and its hover text, for one period or the year."""
        sent: list[dict[str, float]] = [{} for _ in self.keys]
        got: list[dict[str, float]] = [{} for _ in self.keys]
        for s, t, resource, taken, value in zip(
            self.source, self.target, self.resource, self.delivers, self.amount_list(period), strict=True
        ):
            if value > 0:
                sent[s][resource] = sent[s].get(resource, 0.0) + value
                # What drives a heat pump arrives as heat: the enterprise takes the heat delivered.
                got[t][taken] = got[t].get(taken, 0.0) + value

        def listing(values: dict[str, float]) -> str:
            # No break inside one item: "fly ash 95 t" stays on one line.
            return " · ".join(
                f"{resource_label(r)} {amount(v, unit_of(results, r))}".replace(" ", "\u00a0")
                for r, v in sorted(values.items(), key=lambda item: -item[1])
            )

        labels, hovers = [], []
        for i, name in enumerate(self.names):
            kind = self.kinds[i]
            gives, takes = listing(sent[i]), listing(got[i])
            if kind in ("leftover", "drive"):
                lines = [takes or gives]
            elif kind == "process":
                lines = [takes]
            elif gives and takes:
                lines = [_("gives {what}").format(what=gives), _("takes {what}").format(what=takes)]
            else:
                lines = [gives or takes]
            amounts = "<br>".join(wrap(line, 46, 2) for line in lines if line)
            labels.append(
                f"{wrap(name, 30)}<br><span style='font-size:10px'>{amounts}</span>" if amounts else wrap(name, 30)
            )
            hover = [f"<b>{html.escape(name)}</b>"]
            if gives:
                hover.append(_("gives {what}").format(what=gives))
            if takes:
                hover.append(_("takes {what}").format(what=takes))
            hovers.append("<br>".join(hover))
        return labels, hovers


def _process_of(stream: str | None, processes: dict[str, dict[str, Any]]) -> str | None:
    """The process a stream path belongs to (``power#classifier.outputs[0]`` -> ``power#classifier``)."""
    if not stream or "#" not in stream:
        return None
    owner = stream.split(".", 1)[0]
    return owner if owner in processes else None


def _collect(results: dict[str, Any], leftovers: bool) -> _Diagram:
    periods = list(results.get("periods") or [])
    namer = Namer(results)
    markets = {m["id"] for m in results.get("markets") or []}
    processes = {p["id"]: p for p in results.get("processes") or []}
    currency = results.get("currency") or "CNY"
    diagram = _Diagram(periods)

    def place(key: str) -> int:
        name = namer.place(key)
        if key in markets:
            name = _("{name} (market)").format(name=name)
        return diagram.node(("place", key), name, "market" if key in markets else "place")

    def process(key: str) -> int:
        spec = processes[key]
        name = _("{process} at {place}").format(process=spec.get("name") or key, place=namer.place(spec["enterprise"]))
        return diagram.node(("process", key), name, "process")

    def leftover(kind: str) -> int:
        return diagram.node(("leftover", kind), _(_LEFTOVERS[kind]), "leftover")

    def drive(resource: str) -> int:
        return diagram.node(("drive", resource), _(DRIVES[resource]), "drive")

    for link in results.get("links", []):
        resource = link["resource"]
        source_process = _process_of(link.get("from_stream"), processes)
        target_process = _process_of(link.get("to_stream"), processes)
        source = process(source_process) if source_process else place(link["from"])
        target = process(target_process) if target_process else place(link["to"])
        flow, delivered = link.get("flow") or {}, link.get("delivered") or {}
        cop = link.get("cop")
        # Heat delivered by a heat pump = lifted source heat + drive (electricity or steam);
        # drive = heat / COP (SPEC 4, 8.3).
        drives = _CONVERTS_WITH.get(link.get("type") or "")
        work = {p: (delivered.get(p) or 0.0) / cop for p in periods} if cop and drives else {}
        from_source = {p: (delivered.get(p) or 0.0) - work.get(p, 0.0) for p in periods}
        lost = {p: (flow.get(p) or 0.0) - from_source[p] for p in periods}
        state = "existing" if link.get("existing") else "new"
        words = _("existing link") if link.get("existing") else (_("on site") if link.get("on_site") else _("new link"))
        hover = (
            f"{html.escape(namer.end(link, 'from'))} → {html.escape(namer.end(link, 'to'))}<br>"
            + html.escape(carried(link))
            + f" ({words})"
        )
        if cop:
            hover += f", COP {cop:.2f}"
        if heat_temperatures(link):
            hover += "<br>" + html.escape(heat_temperatures(link))
        if link.get("net_saving") is not None:
            hover += "<br>" + html.escape(
                _("net saving {amount}").format(amount=f"{link['net_saving']:,.0f} {currency}/{_('yr')}")
            )
        diagram.add(source, target, resource, from_source, hover, state)
        if work and drives in DRIVES:
            diagram.add(
                drive(drives),
                target,
                drives,
                work,
                html.escape(f"{_(DRIVES[drives])} → {namer.end(link, 'to')}"),
                "drive",
                delivers=resource,
            )
        if leftovers and any(v > 1e-9 * max(flow.values(), default=1.0) for v in lost.values()):
            diagram.add(
                source,
                leftover("losses"),
                resource,
                lost,
                hover + "<br>" + html.escape(_("lost on the way")),
                "leftover",
            )
    if leftovers:
        for key, spec in processes.items():
            if not spec.get("built"):
                continue
            made_total = dict.fromkeys(periods, 0.0)
            for output in spec.get("outputs") or []:
                made, taken = output.get("amount") or {}, output.get("taken") or {}
                rest = {p: (made.get(p) or 0.0) - (taken.get(p) or 0.0) for p in periods}
                for p in periods:
                    made_total[p] += made.get(p) or 0.0
                diagram.add(
                    process(key),
                    leftover("disposal"),
                    output["resource"],
                    rest,
                    html.escape(
                        _("{name}: {resource} made, not used").format(
                            name=spec.get("name") or key, resource=resource_label(output["resource"])
                        )
                    ),
                    "leftover",
                )
            received = spec.get("input") or {}
            if all(o["resource"] == spec["resource"] for o in spec.get("outputs") or []):  # yields under 1
                kept = {p: (received.get(p) or 0.0) - made_total[p] for p in periods}
                if any(v > 1e-9 * max(received.values(), default=0.0) for v in kept.values()):
                    diagram.add(
                        process(key),
                        leftover("losses"),
                        spec["resource"],
                        kept,
                        html.escape(_("{name}: lost in processing").format(name=spec.get("name") or key)),
                        "leftover",
                    )
        for row in results.get("disposal", []):
            if isinstance(row.get("stream"), str) and f"{row['enterprise']}#{row['stream']}" in processes:
                continue  # drawn from the process above, output by output
            diagram.add(
                place(row["enterprise"]),
                leftover("disposal"),
                row["resource"],
                row["amount"],
                html.escape(
                    _("{name}: {resource} not used").format(
                        name=namer.place(row["enterprise"]), resource=resource_label(row["resource"])
                    )
                ),
                "leftover",
            )
        for row in results.get("baseline_supply", []):
            diagram.add(
                leftover("baseline"),
                place(row["enterprise"]),
                row["resource"],
                row["amount"],
                html.escape(
                    _("{name}: {resource} still met the conventional way").format(
                        name=namer.place(row["enterprise"]), resource=resource_label(row["resource"])
                    )
                ),
                "leftover",
            )
    diagram.untangle()
    return diagram


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _period_label(period: str | None) -> str:
    return _("whole year") if period is None else period.replace("_", " ")


def _trace(diagram: _Diagram, results: dict[str, Any], period: str | None, visible: bool) -> dict[str, Any]:
    colours = resource_colours(results)
    link_colours = []
    for resource, state in zip(diagram.resource, diagram.state, strict=True):
        if state == "leftover":
            link_colours.append(_LEFTOVER_LINK)
        else:
            alpha = EXISTING_ALPHA if state == "existing" else NEW_ALPHA
            link_colours.append(_rgba(colours.get(resource, "#7f7f7f"), alpha))
    node_colours = [
        colours.get(key[1], "#7f7f7f") if kind == "drive" else NODE_COLOURS.get(kind, "#34495e")
        for key, kind in zip(diagram.keys, diagram.kinds, strict=True)
    ]
    hover = "%{customdata[0]}<br><b>%{customdata[1]}</b><extra></extra>"
    data = _period_data(diagram, results, period)
    return {
        "type": "sankey",
        "arrangement": "snap",
        "visible": visible,
        "valueformat": ".3f",
        "node": {
            "label": data["label"],
            "color": node_colours,
            "pad": 22,
            "thickness": 14,
            "line": {"width": 0.5, "color": "#1c2833"},
            "customdata": data["node"],
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        "link": {
            "source": diagram.source,
            "target": diagram.target,
            "value": data["value"],
            "color": link_colours,
            "customdata": data["link"],
            "hovertemplate": hover,
        },
    }


def _period_data(diagram: _Diagram, results: dict[str, Any], period: str | None) -> dict[str, Any]:
    labels, hovers = diagram.labels(period, results)
    amounts = diagram.amount_list(period)
    return {
        "label": labels,
        "node": hovers,
        "value": diagram.widths(period),
        "link": [
            [text, amount(value, unit_of(results, resource)), value, resource]
            for text, value, resource in zip(diagram.hover, amounts, diagram.resource, strict=True)
        ],
    }


def sankey_figure(results: Results, period: str | None = None) -> go.Figure:
    """The plan's flows as a plotly Sankey diagram.

    Each resource gets the same total height (t, m3 and MWh do not add up); within a
    resource, widths are proportional to amounts. Node labels and hover labels give amounts
    in their units.

    Parameters
    ----------
    results
        A `circflow.Result`, or the content of its ``results.json`` (`circflow.read_results`).
    period
        The period shown first (None: the whole year). A dropdown offers the others.

    Returns
    -------
    plotly.graph_objects.Figure
        Two Sankey traces: the plan's links (shown), and the same with disposal, losses and
        conventional supply (a button shows it). ``link.customdata`` holds (description,
        amount with its unit, amount, resource) for the period shown; ``value`` is the drawn
        width. A node's ``customdata`` starts with its full name in ``<b>``.

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
    with language(results.get("lang")):
        return _figure(results, period)


def _figure(results: dict[str, Any], period: str | None) -> dict[str, Any]:
    periods = list(results.get("periods") or [])
    if period is not None and period not in periods:
        msg = f"unknown period {period!r}; the results have {', '.join(periods) or 'none'}"
        raise ParkError(msg)
    views = [_collect(results, leftovers=False), _collect(results, leftovers=True)]
    colours = resource_colours(results)
    traces = [_trace(view, results, period, visible=index == 0) for index, view in enumerate(views)]
    rows = max(max(list(_counts(view).values()) or [1]) for view in views)
    height = 220 + min(max(360, ROW_PX * rows), MAX_PLOT_PX)
    park = results.get("park", _("park"))
    used = sorted(
        {r for view in views for r, state in zip(view.resource, view.state, strict=True) if state != "leftover"},
        key=lambda r: (r in DRIVES, resource_label(r)),
    )
    legend = "   ".join(
        f"<span style='color:{colours.get(r, '#7f7f7f')}'>■</span> {resource_label(r)} ({unit_of(results, r)})"
        for r in used
    )
    note = (
        "<span style='color:#555'>"
        + html.escape(
            _(
                "strong: new links · pale: existing links · each resource gets the same total height; node labels give "
                "what passes them"
            )
        )
        + "</span>"
    )

    def title(choice: str | None) -> str:
        return _("{park}: flows, {period}").format(park=park, period=_period_label(choice))

    layout: dict[str, Any] = {
        "title": {"text": title(period), "x": 0.01, "xanchor": "left"},
        "font": {"family": FONT_STACK, "size": 11},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 150, "b": 20},
        "paper_bgcolor": "white",
        "annotations": [
            {
                "text": f"{legend}<br>{note}"
                if used
                else _("no flows to draw (status {status})").format(status=status_label(results.get("status"))),
                "x": 0.0,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "left",
                "yanchor": "bottom",
                "yshift": 40,
                "showarrow": False,
                "align": "left",
            }
        ],
    }
    menus = [
        {
            "type": "buttons",
            "direction": "right",
            "x": 1.0,
            "y": 1.0,
            "xanchor": "right",
            "yanchor": "bottom",
            "pad": {"b": 72 if len(periods) > 1 else 36},
            "showactive": True,
            "active": 0,
            "font": {"size": 11},
            "buttons": [
                {"label": _("links of the plan"), "method": "restyle", "args": [{"visible": [True, False]}]},
                {
                    "label": _("with disposal and conventional supply"),
                    "method": "restyle",
                    "args": [{"visible": [False, True]}],
                },
            ],
        }
    ]
    if len(periods) > 1:
        choices = [None, *periods]
        buttons = []
        for choice in choices:
            data = [_period_data(view, results, choice) for view in views]
            buttons.append(
                {
                    "label": _period_label(choice),
                    "method": "update",
                    "args": [
                        {
                            "node.label": [d["label"] for d in data],
                            "node.customdata": [d["node"] for d in data],
                            "link.value": [d["value"] for d in data],
                            "link.customdata": [d["link"] for d in data],
                        },
                        {"title.text": title(choice)},
                    ],
                }
            )
        menus.append(
            {
                "type": "dropdown",
                "x": 1.0,
                "y": 1.0,
                "xanchor": "right",
                "yanchor": "bottom",
                "pad": {"b": 34},
                "active": choices.index(period),
                "showactive": True,
                "buttons": buttons,
            }
        )
    layout["updatemenus"] = menus
    return {"data": traces, "layout": layout}


def _counts(diagram: _Diagram) -> dict[int, int]:
    """Nodes per column of a view."""
    counts: dict[int, int] = {}
    for column in diagram.columns().values():
        counts[column] = counts.get(column, 0) + 1
    return counts


def write_sankey(
    path: str | pathlib.Path,
    results: Results,
    period: str | None = None,
    *,
    figure: go.Figure | dict[str, Any] | None = None,
) -> pathlib.Path:
    """Write the Sankey diagram as one HTML page that works offline (plotly.js embedded).

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
    with language(results.get("lang")):
        chart = figure_html(
            figure,
            "sankey",
            include_plotlyjs=False,
            default_width="100%",
            default_height=f"{(figure.get('layout', {}) if isinstance(figure, dict) else figure.layout.to_plotly_json()).get('height') or 600}px",
        )
        body = (
            f"<div class='scroll-x keep-wide' style='--min-width:760px'><div class='chart'>{chart}</div></div>"
            "<p class='muted'>"
            + html.escape(
                _(
                    "Hover over a link or node for its amounts; the buttons above the diagram add disposal, losses "
                    "and conventional supply, or pick a period."
                )
            )
            + "</p>"
        )
        kicker = _("Sankey diagram of the plan's flows")
        page = results_page(results, _("{park}: flows"), body, kicker=kicker, plotly_js="inline")
    path.write_text(page, encoding="utf-8")
    return path
