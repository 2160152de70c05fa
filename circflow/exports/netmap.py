"""A map of the park network without web tiles, drawn from the content of ``results.json``.

An export stage: ``results -> exports``. A plain plotly scatter (no map tiles, no topojson,
so it works offline and in a mailed report): enterprises as markers filled with a light tint
per sector and outlined in dark (so a sector never reads as a resource), markets outside
the park as diamonds (SPEC 8.1), a square around each enterprise that has processes (SPEC
8.2; grey when none of them is built), links as lines in their resource's saturated colour,
as wide as the amount they deliver within their resource (dashed when existing), with an
arrow at each link's middle pointing downstream and a hover label giving mode, technology,
temperatures, length, capacity, COP, full-load hours and flow. A scale bar gives kilometres.
Names are placed where they collide least with other names, markers and arrows (long names
on two lines), and a phone gets a taller view with shorter names.
On-site links (between a process and its own enterprise) have no line: the process's hover
names them. Enterprises and markets far from the park (a market 90 km away) stay outside the
first view, marked by an arrow at its edge with their name and distance. Coordinates are
longitude/latitude for ``wgs84`` parks (drawn with the aspect of the park's latitude, so
distances look right) and km for ``local_km`` parks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from circflow.exports.content import Results, content_of
from circflow.exports.geojson import enterprise_position
from circflow.exports.labels import (
    SECTOR_COLOURS,
    carried,
    heat_temperatures,
    resource_colours,
    resource_label,
    sector_label,
    unit_of,
    wrap,
)
from circflow.i18n import FONT_STACK, _, language

MARKET_COLOUR = "#0b5345"
MAP_ASPECT = 1.6
"""Width over height of the map's plot area in the report (about 900 x 560 px)."""
PLOT_PX = (900.0, 560.0)
"""The plot area of the report's map in px (width, height): where names are placed."""
NARROW_ASPECT = 1.0
NARROW_PX = (330.0, 330.0)
"""The plot area on a 390 px phone: a square, the legend below it."""
LINE_WIDTHS = (1.5, 3.0, 4.5, 6.5, 9.0)
"""Line widths (px) of links, from the smallest amounts of a resource to its largest."""
_OUTLINE = "#1c2833"


def _screen_scale(results: dict[str, Any], points: list[tuple[float, float]]) -> float:
    """How much one unit of x is worth in y on screen: cos(latitude) for wgs84, 1 for km."""
    if results.get("crs") != "wgs84" or not points:
        return 1.0
    latitude = sum(p[1] for p in points) / len(points)
    return max(math.cos(math.radians(latitude)), 0.05)


def _distance_km(results: dict[str, Any], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight distance in km: haversine on wgs84 (R = 6371.0088 km, SPEC 3.6), euclidean on local km."""
    if results.get("crs") != "wgs84":
        return math.hypot(b[0] - a[0], b[1] - a[1])
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(h, 1.0)))


def far_enterprises(positions: dict[str, tuple[float, float]], scale: float, factor: float = 4.0) -> set[str]:
    """Enterprises far from the others: the map's first view leaves them out so the park stays legible.

    An enterprise is far when its distance from the park's median point exceeds ``factor``
    times the median of those distances (a cement plant 150 km away by ship, beside a park
    a few km wide). Parks of fewer than four enterprises have none.
    """
    if len(positions) < 4:
        return set()
    xs = sorted(p[0] * scale for p in positions.values())
    ys = sorted(p[1] for p in positions.values())
    centre = (xs[len(xs) // 2], ys[len(ys) // 2])
    distance = {key: math.hypot(p[0] * scale - centre[0], p[1] - centre[1]) for key, p in positions.items()}
    typical = sorted(distance.values())[len(distance) // 2]
    return {key for key, d in distance.items() if d > factor * typical and d > 0}


def network_map_figure(results: Results) -> go.Figure:
    """The park network as a plotly figure that needs no map tiles.

    Parameters
    ----------
    results
        A `circflow.Result`, or the content of its ``results.json`` (`circflow.read_results`).

    Returns
    -------
    plotly.graph_objects.Figure
        Scatter traces: one per sector (enterprises), per resource and state (links) and per
        resource (arrows with hover labels at link middles).
    """
    results = content_of(results)
    return go.Figure(network_map_figure_dict(results))


def network_map_figure_dict(results: dict[str, Any]) -> dict[str, Any]:
    """`network_map_figure` as a plain plotly figure dict (``data`` and ``layout``), not validated.

    The report is written from the dict (`circflow.exports.page.figure_html`), sparing plotly's
    validation and copies of every coordinate list.
    """
    with language(results.get("lang")):
        return _figure(results)


def _figure(results: dict[str, Any]) -> dict[str, Any]:
    wgs84 = results.get("crs") == "wgs84"
    markets = results.get("markets") or []
    places = [*results.get("enterprises", []), *markets]
    positions = {e["id"]: enterprise_position(e) for e in places}
    names = {e["id"]: e.get("name") or e["id"] for e in places}
    scale = _screen_scale(results, list(positions.values()))
    far = far_enterprises(positions, scale)
    xs = [p[0] for key, p in positions.items() if key not in far] or [0.0]
    ys = [p[1] for key, p in positions.items() if key not in far] or [0.0]
    extent = max((max(xs) - min(xs)) * scale, max(ys) - min(ys), 1e-6)
    pad = 0.12 * extent
    tight = (min(xs) - pad / scale, max(xs) + pad / scale, min(ys) - pad, max(ys) + pad)
    view = _fit_aspect(tight, scale)
    colours = resource_colours(results)
    currency = results.get("currency") or "CNY"
    traces: list[dict[str, Any]] = []

    # Links between the same two enterprises bend apart so that none hides another.
    pairs: dict[frozenset[str], list[dict[str, Any]]] = {}
    for link in results.get("links", []):
        if link.get("on_site") or link["from"] == link["to"]:
            continue  # within one enterprise: named in its processes' hover
        if link["from"] in positions and link["to"] in positions:
            pairs.setdefault(frozenset((link["from"], link["to"])), []).append(link)
    largest: dict[str, float] = {}
    for group in pairs.values():
        for link in group:
            largest[link["resource"]] = max(largest.get(link["resource"], 0.0), _delivered(link))
    lines: dict[tuple[str, bool, float], tuple[list[float | None], list[float | None]]] = {}
    arrows: dict[str, dict[str, list[Any]]] = {}
    for group in pairs.values():
        for k, link in enumerate(group):
            (x0, y0), (x1, y1) = positions[link["from"]], positions[link["to"]]
            dx, dy = (x1 - x0) * scale, y1 - y0  # on screen, in y units
            length = math.hypot(dx, dy) or 1.0
            bend = (k - (len(group) - 1) / 2) * 0.04 * extent
            if link["from"] > link["to"]:
                bend = -bend  # the same side whichever way a link runs
            mx, my = (x0 + x1) / 2 + (-dy / length) * bend / scale, (y0 + y1) / 2 + (dx / length) * bend
            width = line_width(_delivered(link), largest.get(link["resource"], 0.0))
            xline, yline = lines.setdefault((link["resource"], bool(link.get("existing")), width), ([], []))
            xline += [x0, mx, x1, None]
            yline += [y0, my, y1, None]
            arrow = arrows.setdefault(link["resource"], {"x": [], "y": [], "angle": [], "text": []})
            arrow["x"].append(mx)
            arrow["y"].append(my)
            arrow["angle"].append(_marker_angle(math.atan2(dx, dy)))
            arrow["text"].append(_link_hover(link, names, unit_of(results, link["resource"]), currency))
    legend_shown: set[tuple[str, bool]] = set()
    for (resource, existing, width), (x, y) in sorted(
        lines.items(), key=lambda item: (item[0][0], item[0][1], -item[0][2])
    ):
        name = resource_label(resource) + (f" ({_('existing')})" if existing else "")
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "mode": "lines",
                "hoverinfo": "skip",
                "legendgroup": resource,
                "name": name,
                "showlegend": (resource, existing) not in legend_shown,
                "line": {
                    "color": colours.get(resource, "#7f7f7f"),
                    "width": width,
                    "dash": "dash" if existing else "solid",
                },
            }
        )
        legend_shown.add((resource, existing))
    for resource, arrow in sorted(arrows.items()):
        traces.append(
            {
                "type": "scatter",
                "x": arrow["x"],
                "y": arrow["y"],
                "mode": "markers",
                "legendgroup": resource,
                "showlegend": False,
                "name": resource_label(resource),
                "text": arrow["text"],
                "hovertemplate": "%{text}<extra></extra>",
                "marker": {
                    "symbol": "triangle-up",
                    "size": 11,
                    "angle": arrow["angle"],
                    "color": colours.get(resource, "#7f7f7f"),
                    "line": {"width": 1, "color": "white"},
                },
            }
        )
    # Names: placed where they collide least, for the report's view and for a phone's.
    linked = {key for link in results.get("links", []) for key in (link["from"], link["to"])}
    labelled = sorted((e for e in places if e["id"] not in far), key=lambda e: (e["id"] not in linked, e["id"]))
    labelled = labelled[:MOST_NAMES]
    obstacles = [(x, y) for arrow in arrows.values() for x, y in zip(arrow["x"], arrow["y"], strict=True)]
    obstacles += [positions[e["id"]] for e in places if e["id"] not in far]  # markers without a name, too
    for xline, yline in lines.values():
        for xa, xb, ya, yb in zip(xline, xline[1:], yline, yline[1:], strict=False):
            if xa is None or xb is None or ya is None or yb is None:  # None breaks the line between links
                continue
            obstacles += [(xa + (xb - xa) * t / 6, ya + (yb - ya) * t / 6) for t in range(1, 6)]
    narrow_view = _fit_aspect(view, scale, NARROW_ASPECT)  # taller: the arrows to far places stay at its edges
    bar, narrow_bar = scale_bar(results, view, scale), scale_bar(results, narrow_view, scale)
    names_wide = place_labels(
        labelled,
        positions,
        {e["id"]: wrap(names[e["id"]], 24) for e in labelled},
        view,
        PLOT_PX,
        obstacles + bar["points"],
        font_px=11,
    )
    # A phone names the places that move the most; the others answer a tap.
    moved: dict[str, float] = {}
    for link in results.get("links", []):
        for key in (link["from"], link["to"]):
            moved[key] = moved.get(key, 0.0) + line_width(_delivered(link), largest.get(link["resource"], 0.0))
    few = sorted(labelled, key=lambda e: -moved.get(e["id"], 0.0))[:NARROW_NAMES]
    names_narrow = place_labels(
        few,
        positions,
        {e["id"]: wrap(names[e["id"]], 16, 2) for e in few},
        narrow_view,
        NARROW_PX,
        obstacles + narrow_bar["points"],
        font_px=9,
    )
    sectors = sorted({e.get("sector") or "other" for e in results.get("enterprises", [])})
    for i, sector in enumerate(sectors):
        members = [e for e in results.get("enterprises", []) if (e.get("sector") or "other") == sector]
        traces.append(
            {
                "type": "scatter",
                "x": [positions[e["id"]][0] for e in members],
                "y": [positions[e["id"]][1] for e in members],
                "mode": "markers",
                "name": sector_label(sector),
                "legendgroup": "sector",
                **({"legendgrouptitle": {"text": _("sectors")}} if i == 0 else {}),
                "customdata": [
                    [
                        names[e["id"]],
                        e["id"],
                        ", ".join(map(resource_label, e.get("supplies", []))) or "-",
                        ", ".join(map(resource_label, e.get("demands", []))) or "-",
                    ]
                    for e in members
                ],
                "hovertemplate": (
                    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>" + _("supplies") + ": %{customdata[2]}"
                    "<br>" + _("demands") + ": %{customdata[3]}<extra>" + sector_label(sector) + "</extra>"
                ),
                "marker": {
                    "size": 14,
                    "color": SECTOR_COLOURS[i % len(SECTOR_COLOURS)],
                    "line": {"width": 1.6, "color": _OUTLINE},
                },
            }
        )
    traces += _process_traces(results, positions, names, currency)
    if markets:
        traces.append(_market_trace(results, markets, positions, currency))
    if far:
        traces.append(_point_to_far(results, far, positions, view, scale, names))
    layout = {
        "title": {
            "text": _("{park}: network").format(park=results.get("park", _("park"))),
            "x": 0.01,
            "xanchor": "left",
        },
        "font": {"family": FONT_STACK, "size": 12},
        "height": 640,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "plot_bgcolor": "#f7f9fb",
        "paper_bgcolor": "white",
        "legend": {"itemsizing": "constant", "tracegroupgap": 8},
        # constrain "domain": the plot area shrinks to the view's aspect instead of the view
        # widening, so arrows to what lies outside sit at its visible edge.
        "xaxis": {
            "title": {"text": _("longitude (°E)") if wgs84 else "x (km)"},
            "range": [view[0], view[1]],
            "showgrid": True,
            "gridcolor": "#e3e7ec",
            "zeroline": False,
            "constrain": "domain",
        },
        "yaxis": {
            "title": {"text": _("latitude (°N)") if wgs84 else "y (km)"},
            "range": [view[2], view[3]],
            "scaleanchor": "x",
            "scaleratio": 1 / scale,
            "showgrid": True,
            "gridcolor": "#e3e7ec",
            "zeroline": False,
            "constrain": "domain",
        },
        "shapes": bar["shapes"],
        "annotations": [*bar["annotations"], *names_wide],
        # What a phone gets instead (`narrow_map_layout`): a square view and shorter names.
        "meta": {
            "narrow": {
                "view": list(narrow_view),
                "names": names_narrow,
                "bar": {"shapes": narrow_bar["shapes"], "annotations": narrow_bar["annotations"]},
            }
        },
    }
    return {"data": traces, "layout": layout}


def narrow_map_layout(figure: dict[str, Any]) -> dict[str, Any]:
    """The map's layout on a phone (`circflow.exports.page.chart_html`'s ``narrow``): a square view filling
    the width (the key is `map_key_html` under it), its scale bar, and the main names placed for that view."""
    narrow = (figure.get("layout", {}).get("meta") or {}).get("narrow")
    if not narrow:
        return {}
    x0, x1, y0, y1 = narrow["view"]
    return {
        "xaxis.range": [x0, x1],
        "yaxis.range": [y0, y1],
        "height": 400,
        "margin.l": 40,
        "margin.r": 8,
        "margin.t": 10,
        "margin.b": 30,
        "showlegend": False,
        "title.text": "",
        "xaxis.title.text": "",
        "yaxis.title.text": "",
        "shapes": narrow["bar"]["shapes"],
        "annotations": [*narrow["bar"]["annotations"], *narrow["names"]],
    }


def map_key_html(results: dict[str, Any]) -> str:
    """The map's key as HTML for a phone, where the plotly legend would take the map's room:
    each resource's colour, and how existing links and markets are drawn."""
    with language(results.get("lang")):
        colours = resource_colours(results)
        used = sorted(
            {link["resource"] for link in results.get("links", []) if not link.get("on_site")}, key=resource_label
        )
        items = [
            f"<span class='swatch' style='background:{colours.get(r, '#7f7f7f')}'></span>{resource_label(r)}"
            for r in used
        ]
        items.append(_("dashed: existing link"))
        if results.get("markets"):
            items.append("<span style='color:" + MARKET_COLOUR + "'>◆</span> " + _("market outside the park"))
        items.append(_("tap a marker for its name and sector"))
        return "<p class='muted phone-only'>" + " · ".join(items) + "</p>"


def line_width(amount: float, largest: float) -> float:
    """A link's line width: one of `LINE_WIDTHS` by its amount's share of its resource's largest (by area).

    >>> line_width(100.0, 100.0), line_width(1.0, 100.0), line_width(0.0, 0.0)
    (9.0, 3.0, 1.5)
    """
    if largest <= 0 or amount <= 0:
        return LINE_WIDTHS[0]
    step = math.sqrt(min(amount / largest, 1.0)) * (len(LINE_WIDTHS) - 1)
    return LINE_WIDTHS[min(round(step + 0.49), len(LINE_WIDTHS) - 1)]


def _delivered(link: dict[str, Any]) -> float:
    total = link.get("delivered_total")
    return float(sum((link.get("delivered") or {}).values()) if total is None else total)


def scale_bar(results: dict[str, Any], view: tuple[float, float, float, float], scale: float) -> dict[str, Any]:
    """A kilometre scale bar at the view's lower left: a round length near a fifth of the view's width.

    Returns the plotly ``shapes`` (the bar and its end ticks), ``annotations`` (its length), ``km``
    and ``points`` it covers (for names to avoid).
    """
    x0, x1, y0, y1 = view
    km_per_unit = 111.32 * scale if results.get("crs") == "wgs84" else 1.0  # km per unit of x
    width_km = (x1 - x0) * km_per_unit
    target = width_km / 5
    nice = max((n * 10**e for e in range(-2, 5) for n in (1, 2, 5) if n * 10**e <= target), default=target)
    left = x0 + 0.04 * (x1 - x0)
    right = left + nice / km_per_unit
    base = y0 + 0.05 * (y1 - y0)
    tick = 0.012 * (y1 - y0)
    style = {"type": "line", "xref": "x", "yref": "y", "line": {"color": _OUTLINE, "width": 2}}
    shapes = [
        {**style, "x0": left, "x1": right, "y0": base, "y1": base},
        {**style, "x0": left, "x1": left, "y0": base - tick, "y1": base + tick},
        {**style, "x0": right, "x1": right, "y0": base - tick, "y1": base + tick},
    ]
    text = f"{nice:g} km"
    annotations = [
        {
            "x": (left + right) / 2,
            "y": base + tick,
            "xref": "x",
            "yref": "y",
            "text": text,
            "showarrow": False,
            "yanchor": "bottom",
            "font": {"size": 11, "color": _OUTLINE},
        }
    ]
    # Points along the bar and its label, for names to keep clear of.
    points = [(left + (right - left) * k / 8, base + tick * h) for k in range(9) for h in (0.0, 2.5)]
    return {"shapes": shapes, "annotations": annotations, "km": nice, "points": points}


_DIRECTIONS = ((0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1))
"""Where a name may go from its marker (screen x right, y down): above, below, right, left, the corners."""
_DISTANCES = (10.0, 24.0, 42.0)
"""How far (px) a name may stand from its marker; past the first ring a thin line leads to it."""
MOST_NAMES = 80
"""Places named on the map (the rest by hover): those with links first."""
NARROW_NAMES = 10
"""Places named on a phone's map: those whose links are widest."""


def place_labels(
    places: list[dict[str, Any]],
    positions: dict[str, tuple[float, float]],
    texts: dict[str, str],
    view: tuple[float, float, float, float],
    plot_px: tuple[float, float],
    obstacles: list[tuple[float, float]],
    font_px: float = 11,
) -> list[dict[str, Any]]:
    """Names of places as plotly annotations, each where it overlaps other names, markers, arrows and
    link lines the least and stays in the view: placed greedily, crowded places first, trying
    eight directions at three distances (a thin leader line beyond the first).

    Boxes are estimated in screen px (a Latin character 0.6 of the font size, a CJK one 1.0).
    ``obstacles`` are points (arrows, samples along lines) to keep clear of.
    """
    x0, x1, y0, y1 = view
    sx, sy = plot_px[0] / ((x1 - x0) or 1.0), plot_px[1] / ((y1 - y0) or 1.0)

    def screen(point: tuple[float, float]) -> tuple[float, float]:
        return (point[0] - x0) * sx, (y1 - point[1]) * sy

    marker_points = np.array([screen(positions[p["id"]]) for p in places] or np.zeros((0, 2)))
    obstacle_points = np.array([screen(point) for point in obstacles] or np.zeros((0, 2)))
    # Everything to keep clear of, as boxes (left, top, right, bottom) in px: markers, then obstacles.
    blocked = (
        np.vstack(
            [np.hstack([marker_points - 9, marker_points + 9]), np.hstack([obstacle_points - 5, obstacle_points + 5])]
        )
        if len(places)
        else np.zeros((0, 4))
    )

    def size(text: str) -> tuple[float, float]:
        lines = text.split("<br>")
        width = max(sum(font_px if ord(ch) > 0x2E80 else 0.6 * font_px for ch in line) for line in lines)
        return width + 4, len(lines) * font_px * 1.2 + 2

    def overlap(box: tuple[float, float, float, float], others: np.ndarray) -> float:
        if not len(others):
            return 0.0
        wide = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0.0, None)
        high = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0.0, None)
        return float((wide * high).sum())

    crowd = [
        -int(((np.abs(marker_points[:, 0] - x) < 120) & (np.abs(marker_points[:, 1] - y) < 60)).sum())
        for x, y in marker_points
    ]
    placed: list[tuple[float, float, float, float]] = []
    annotations = []
    reach = _DISTANCES[-1] + 250  # no candidate box reaches farther from its marker
    for index in sorted(range(len(places)), key=lambda i: crowd[i]):
        place = places[index]
        text = texts.get(place["id"], "")
        if not text:
            continue
        x, y = marker_points[index]
        w, h = size(text)
        near = blocked[(np.abs(blocked[:, 0] - x) < reach + w) & (np.abs(blocked[:, 1] - y) < reach + h)]
        near_placed = np.array(placed) if placed else np.zeros((0, 4))
        best: tuple[float, float, float, tuple[float, float, float, float]] | None = None
        for ring, distance in enumerate(_DISTANCES):
            for turn, (dx, dy) in enumerate(_DIRECTIONS):
                cx, cy = x + dx * distance, y + dy * distance
                left = cx - w / 2 if dx == 0 else (cx if dx > 0 else cx - w)
                top = cy - h / 2 if dy == 0 else (cy if dy > 0 else cy - h)
                candidate = (left, top, left + w, top + h)
                cost = overlap(candidate, near_placed) * 3 + overlap(candidate, near)
                cost += (
                    (
                        max(0.0, -left)
                        + max(0.0, left + w - plot_px[0])
                        + max(0.0, -top)
                        + max(0.0, top + h - plot_px[1])
                    )
                    * h
                    * 6
                )
                cost += ring * 60 + turn * 2  # near and above first, other things equal
                if best is None or cost < best[0]:
                    best = (cost, dx * distance, dy * distance, candidate)
        assert best is not None
        _cost, ax, ay, box = best
        placed.append(box)
        lead = abs(ax) + abs(ay) > _DISTANCES[0] * 1.5
        point = positions[place["id"]]
        annotations.append(
            {
                "x": point[0],
                "y": point[1],
                "xref": "x",
                "yref": "y",
                "text": text,
                "showarrow": True,
                "ax": ax,
                "ay": ay,
                "axref": "pixel",
                "ayref": "pixel",
                "arrowhead": 0,
                "standoff": 8,
                "arrowwidth": 0.7,
                "arrowcolor": "#7f8c8d" if lead else "rgba(0,0,0,0)",
                "xanchor": "center" if ax == 0 else ("left" if ax > 0 else "right"),
                "yanchor": "middle" if ay == 0 else ("top" if ay > 0 else "bottom"),
                "font": {"size": font_px, "color": "#1c2833"},
                "align": "center" if ax == 0 else ("left" if ax > 0 else "right"),
                "bgcolor": "rgba(247,249,251,0.75)",
                "borderpad": 1,
                "name": f"name:{place['id']}",
            }
        )
    return annotations


def _fit_aspect(
    view: tuple[float, float, float, float], scale: float, aspect: float = MAP_ASPECT
) -> tuple[float, float, float, float]:
    """The view widened (or heightened) about its centre to ``aspect`` = width / height on screen."""
    x0, x1, y0, y1 = view
    width, height = (x1 - x0) * scale, y1 - y0
    if width < aspect * height:
        grow = (aspect * height - width) / 2 / scale
        return x0 - grow, x1 + grow, y0, y1
    grow = (width / aspect - height) / 2
    return x0, x1, y0 - grow, y1 + grow


def _point_to_far(
    results: dict[str, Any],
    far: set[str],
    positions: dict[str, tuple[float, float]],
    view: tuple[float, float, float, float],
    scale: float,
    names: dict[str, str],
) -> dict[str, Any]:
    """A trace marking each enterprise outside the first view at the view's edge: an arrow, its name and distance."""
    centre = ((view[0] + view[1]) / 2, (view[2] + view[3]) / 2)
    inset = 0.03 * min((view[1] - view[0]) * scale, view[3] - view[2])
    box = (view[0] + inset / scale, view[1] - inset / scale, view[2] + inset, view[3] - inset)
    market_ids = {m["id"] for m in results.get("markets") or []}
    partners: dict[str, list[str]] = {}
    for link in results.get("links", []):
        for here, there in ((link["from"], link["to"]), (link["to"], link["from"])):
            if there in far and here in positions and here not in far:
                partners.setdefault(there, []).append(here)
    x, y, angle, text, hover, position = [], [], [], [], [], []
    for key in sorted(far):
        # From a linked enterprise in view, the arrow sits where that link leaves the view.
        cx, cy = positions[partners[key][0]] if key in partners else centre
        px, py = positions[key]
        dx, dy = px - cx, py - cy
        t_side = (box[1] - cx) / dx if dx > 0 else (box[0] - cx) / dx if dx < 0 else math.inf
        t_top = (box[3] - cy) / dy if dy > 0 else (box[2] - cy) / dy if dy < 0 else math.inf
        t = min(t_side, t_top)
        x.append(cx + dx * t)
        y.append(cy + dy * t)
        angle.append(_marker_angle(math.atan2(dx * scale, dy)))
        km = _distance_km(results, (cx, cy), (px, py))
        market = key in market_ids
        text.append(f"{wrap(names[key], 30)}<br>{km:,.0f} km" + (f" · {_('market')}" if market else ""))
        where = (
            _("{km} km from {name} (straight line)").format(km=f"{km:,.0f}", name=names[partners[key][0]])
            if key in partners
            else _("{km} km from the centre of this view (straight line)").format(km=f"{km:,.0f}")
        )
        hover.append(
            f"<b>{names[key]}</b>"
            + (f" ({_('market outside the park')})" if market else "")
            + f"<br>{where}<br>"
            + _("outside this view: autoscale in the modebar shows the whole network")
        )
        # The label goes inward from the edge the arrow sits on, on the side away from its link.
        horizontal = "left" if dx > 0 else "right"
        if t_top < t_side:
            vertical = "bottom" if dy > 0 else "top"
        else:
            vertical = "bottom" if dy * (1 if dx > 0 else -1) >= 0 else "top"
        position.append(f"{vertical} {horizontal}")
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "markers+text",
        "text": text,
        "textposition": position,
        "name": _("outside this view"),
        "hovertext": hover,
        "hovertemplate": "%{hovertext}<extra></extra>",
        "textfont": {"size": 11, "color": "#444"},
        "marker": {"symbol": "arrow-wide", "size": 16, "angle": angle, "color": "#444"},
    }


def _marker_angle(radians: float) -> float:
    """A marker's angle in degrees within [-180, 180), as plotly's validation of a figure stores it."""
    return (math.degrees(radians) + 180) % 360 - 180


def _link_hover(link: dict[str, Any], names: dict[str, str], unit: str, currency: str) -> str:
    how = carried(link)
    per_year = f"/{_('yr')}"
    rate_unit = "MW" if unit == "MWh" else f"{unit}/h"
    parts = [
        f"<b>{names.get(link['from'], link['from'])} → {names.get(link['to'], link['to'])}</b>",
        how + (f" ({_('existing')})" if link.get("existing") else ""),
        _("{km} km, capacity {capacity}").format(
            km=f"{link.get('length_km') or 0:,.1f}",
            capacity=f"{(link.get('capacity') or 0) * (link.get('gain') or 1.0):,.1f} {rate_unit}",
        ),
    ]
    temperatures = heat_temperatures(link)
    if temperatures:
        parts.append(temperatures)
    if link.get("cop"):
        parts.append(f"COP {link['cop']:.2f}")
    hours = link.get("full_load_hours")
    parts.append(
        _("delivers {amount}").format(amount=f"{_delivered(link):,.0f} {unit}{per_year}")
        + (", " + _("{hours} full-load hours").format(hours=f"{hours:,.0f}") if hours else "")
    )
    parts.append(_("annual cost {amount}").format(amount=f"{link.get('annual_cost') or 0:,.0f} {currency}{per_year}"))
    if link.get("net_saving") is not None:
        parts.append(_("net saving {amount}").format(amount=f"{link['net_saving']:,.0f} {currency}{per_year}"))
    if link.get("market_revenue"):
        parts.append(_("sales {amount}").format(amount=f"{link['market_revenue']:,.0f} {currency}{per_year}"))
    return "<br>".join(parts)


def _market_trace(
    results: dict[str, Any], markets: list[dict[str, Any]], positions: dict[str, tuple[float, float]], currency: str
) -> dict[str, Any]:
    """Markets as diamonds (named like enterprises); the hover gives what each buys, what it gets and the revenue."""
    sold: dict[str, dict[str, float]] = {}
    revenue: dict[str, float] = {}
    for link in results.get("links", []):
        if link["to"] in positions and any(m["id"] == link["to"] for m in markets):
            amounts = sold.setdefault(link["to"], {})
            amounts[link["resource"]] = amounts.get(link["resource"], 0.0) + (
                link.get("delivered_total") or sum((link.get("delivered") or {}).values())
            )
            revenue[link["to"]] = revenue.get(link["to"], 0.0) + (link.get("market_revenue") or 0.0)
    hover = []
    for market in markets:
        key = market["id"]
        buys = ", ".join(map(resource_label, market.get("buys") or [])) or "-"
        got = "<br>".join(
            _("sold {amount} of {resource}").format(
                amount=f"{amount:,.0f} {unit_of(results, r)}/{_('yr')}", resource=resource_label(r)
            )
            for r, amount in sold.get(key, {}).items()
        ) or _("nothing sold in this plan")
        hover.append(
            f"<b>{market.get('name') or key}</b> ({key})<br>"
            + _("market outside the park, buys {what}").format(what=buys)
            + f"<br>{got}"
            + (
                "<br>" + _("revenue {amount}").format(amount=f"{revenue[key]:,.0f} {currency}/{_('yr')}")
                if revenue.get(key)
                else ""
            )
        )
    return {
        "type": "scatter",
        "x": [positions[m["id"]][0] for m in markets],
        "y": [positions[m["id"]][1] for m in markets],
        "mode": "markers",
        "name": _("markets (outside buyers)"),
        "legendgroup": "market",
        "hovertext": hover,
        "hovertemplate": "%{hovertext}<extra>" + _("market") + "</extra>",
        "marker": {"symbol": "diamond", "size": 16, "color": MARKET_COLOUR, "line": {"width": 1.5, "color": "white"}},
    }


def _process_traces(
    results: dict[str, Any], positions: dict[str, tuple[float, float]], names: dict[str, str], currency: str
) -> list[dict[str, Any]]:
    """A square around each enterprise with processes: dark when one is built, grey when all are candidates not built.

    The hover lists every process: built or not, capacity, input and outputs per year, capex,
    and the on-site links that feed it or take its outputs.
    """
    on_site: dict[str, list[str]] = {}
    for link in results.get("links", []):
        if link.get("on_site"):
            on_site.setdefault(link["from"], []).append(
                _("on site: {resource}, {amount}").format(
                    resource=resource_label(link["resource"]),
                    amount=f"{sum((link.get('flow') or {}).values()):,.0f} {unit_of(results, link['resource'])}/{_('yr')}",
                )
            )
    by_enterprise: dict[str, list[dict[str, Any]]] = {}
    for process in results.get("processes") or []:
        if process["enterprise"] in positions:
            by_enterprise.setdefault(process["enterprise"], []).append(process)
    groups: dict[bool, dict[str, list[Any]]] = {}
    for enterprise, processes in by_enterprise.items():
        lines = [f"<b>{names.get(enterprise, enterprise)}</b>: " + _("processes")]
        for process in processes:
            unit = unit_of(results, process["resource"])
            if process.get("built"):
                made = ", ".join(
                    f"{sum((o.get('amount') or {}).values()):,.0f} {unit_of(results, o['resource'])} "
                    f"{resource_label(o['resource'])}"
                    for o in process.get("outputs") or []
                )
                state = (
                    f"{_('existing') if process.get('existing') else _('built')}, "
                    f"{process.get('capacity') or 0:,.1f} {unit}/h;<br>   "
                    + _("{taken} in → {made} out").format(
                        taken=f"{process.get('input_total') or 0:,.0f} {unit}/{_('yr')}", made=made or _("nothing")
                    )
                    + ";<br>   "
                    + _("capex {capex}, annual cost {cost}").format(
                        capex=f"{process.get('capex') or 0:,.0f} {currency}",
                        cost=f"{process.get('annual_cost') or 0:,.0f} {currency}/{_('yr')}",
                    )
                )
            else:
                state = _("candidate, not built")
            lines.append(f"· {process.get('name') or process['id']}: {state}")
        lines += on_site.get(enterprise, [])
        built = any(process.get("built") for process in processes)
        group = groups.setdefault(built, {"x": [], "y": [], "text": []})
        group["x"].append(positions[enterprise][0])
        group["y"].append(positions[enterprise][1])
        group["text"].append("<br>".join(lines))
    return [
        {
            "type": "scatter",
            "x": group["x"],
            "y": group["y"],
            "mode": "markers",
            "legendgroup": "process",
            "name": _("processes") if built else _("processes not built"),
            "hovertext": group["text"],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {
                "symbol": "square-open",
                "size": 24,
                "color": "#1c2833" if built else "#aab7b8",
                "line": {"width": 2},
            },
        }
        for built, group in sorted(groups.items(), reverse=True)
    ]
