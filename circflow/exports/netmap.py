"""A map of the park network without web tiles, drawn from the content of ``results.json``.

An export stage: ``results -> exports``. A plain plotly scatter (no map tiles, no topojson,
so it works offline and in a mailed report): enterprises as markers coloured by sector,
markets (buyers outside the park, SPEC 8.1) as grey squares, links as lines coloured by
resource (dashed when existing), with an arrow at each link's
middle pointing downstream and a hover label giving mode, type, length, capacity, COP and
flow. Coordinates are longitude/latitude for ``wgs84`` parks (drawn with the aspect of the
park's latitude, so distances look right) and km for ``local_km`` parks.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from circflow.exports.geojson import enterprise_position
from circflow.exports.sankey import enterprise_labels, resource_colours, resource_label, unit_of

_SECTOR_COLOURS = ("#1b4f72", "#b9770e", "#196f3d", "#6c3483", "#a93226", "#117a65", "#5d6d7e", "#873600",
                   "#2e86c1", "#7d6608", "#4a235a", "#0e6251")


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


def network_map_figure(results: dict[str, Any]) -> go.Figure:
    """The park network as a plotly figure that needs no map tiles.

    Parameters
    ----------
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).

    Returns
    -------
    plotly.graph_objects.Figure
        Scatter traces: one per sector (enterprises), per resource and state (links) and per
        resource (arrows with hover labels at link middles).
    """
    return go.Figure(network_map_figure_dict(results))


def network_map_figure_dict(results: dict[str, Any]) -> dict[str, Any]:
    """`network_map_figure` as a plain plotly figure dict (``data`` and ``layout``), not validated.

    The report is written from the dict (`circflow.exports.sankey.figure_html`), sparing plotly's
    validation and copies of every coordinate list.
    """
    wgs84 = results.get("crs") == "wgs84"
    markets = results.get("markets") or []
    places = [*results.get("enterprises", []), *markets]  # where a link can start or end
    positions = {place["id"]: enterprise_position(place) for place in places}
    labels = enterprise_labels(results, width=28)
    names = {place["id"]: place.get("name") or place["id"] for place in places}
    scale = _screen_scale(results, list(positions.values()))
    far = far_enterprises(positions, scale)
    xs = [p[0] for key, p in positions.items() if key not in far] or [0.0]
    ys = [p[1] for key, p in positions.items() if key not in far] or [0.0]
    extent = max((max(xs) - min(xs)) * scale, max(ys) - min(ys), 1e-6)
    pad = 0.1 * extent
    view = (min(xs) - pad / scale, max(xs) + pad / scale, min(ys) - pad, max(ys) + pad)
    colours = resource_colours(results)
    currency = results.get("currency") or "CNY"
    traces: list[dict[str, Any]] = []

    # Links between the same two enterprises bend apart so that none hides another.
    pairs: dict[frozenset[str], list[dict[str, Any]]] = {}
    for link in results.get("links", []):
        if link["from"] in positions and link["to"] in positions:
            pairs.setdefault(frozenset((link["from"], link["to"])), []).append(link)
    lines: dict[tuple[str, bool], tuple[list[float | None], list[float | None]]] = {}
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
            xline, yline = lines.setdefault((link["resource"], bool(link.get("existing"))), ([], []))
            xline += [x0, mx, x1, None]
            yline += [y0, my, y1, None]
            arrow = arrows.setdefault(link["resource"], {"x": [], "y": [], "angle": [], "text": []})
            arrow["x"].append(mx)
            arrow["y"].append(my)
            arrow["angle"].append(_marker_angle(math.atan2(dx, dy)))
            arrow["text"].append(_link_hover(link, names, unit_of(results, link["resource"]), currency))
    for (resource, existing), (x, y) in sorted(lines.items()):
        traces.append({
            "type": "scatter", "x": x, "y": y, "mode": "lines", "hoverinfo": "skip", "legendgroup": resource,
            "name": f"{resource_label(resource)}{' (existing)' if existing else ''}",
            "line": {"color": colours.get(resource, "#7f7f7f"), "width": 3, "dash": "dash" if existing else "solid"},
        })
    for resource, arrow in sorted(arrows.items()):
        traces.append({
            "type": "scatter", "x": arrow["x"], "y": arrow["y"], "mode": "markers", "legendgroup": resource,
            "showlegend": False, "name": resource_label(resource), "text": arrow["text"],
            "hovertemplate": "%{text}<extra></extra>",
            "marker": {"symbol": "triangle-up", "size": 11, "angle": arrow["angle"],
                       "color": colours.get(resource, "#7f7f7f"), "line": {"width": 1, "color": "white"}},
        })
    sectors = sorted({e.get("sector") or "other" for e in results.get("enterprises", [])})
    for i, sector in enumerate(sectors):
        members = [e for e in results.get("enterprises", []) if (e.get("sector") or "other") == sector]
        traces.append({
            "type": "scatter", "x": [positions[e["id"]][0] for e in members],
            "y": [positions[e["id"]][1] for e in members],
            "mode": "markers+text", "name": sector.replace("_", " "), "legendgroup": "sector",
            **({"legendgrouptitle": {"text": "sectors"}} if i == 0 else {}),
            "text": [labels[e["id"]] for e in members], "textposition": "top center", "textfont": {"size": 11},
            "customdata": [[names[e["id"]], e["id"], ", ".join(map(resource_label, e.get("supplies", []))) or "-",
                            ", ".join(map(resource_label, e.get("demands", []))) or "-"] for e in members],
            "hovertemplate": ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>supplies: %{customdata[2]}"
                              "<br>demands: %{customdata[3]}<extra>" + sector.replace("_", " ") + "</extra>"),
            "marker": {"size": 13, "color": _SECTOR_COLOURS[i % len(_SECTOR_COLOURS)],
                       "line": {"width": 1.5, "color": "white"}},
        })
    if markets:
        traces.append(_market_trace(markets, positions, names))
    if far:
        traces.append(_point_to_far(results, far, positions, view, scale, names))
    layout = {
        "title": {"text": f"{results.get('park', 'park')}: network", "x": 0.01, "xanchor": "left"},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "height": 640, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "plot_bgcolor": "#f7f9fb",
        "paper_bgcolor": "white", "legend": {"itemsizing": "constant", "tracegroupgap": 8},
        "xaxis": {"title": {"text": "longitude (°E)" if wgs84 else "x (km)"}, "range": [view[0], view[1]],
                  "showgrid": True, "gridcolor": "#e3e7ec", "zeroline": False},
        "yaxis": {"title": {"text": "latitude (°N)" if wgs84 else "y (km)"}, "range": [view[2], view[3]],
                  "scaleanchor": "x", "scaleratio": 1 / scale, "showgrid": True, "gridcolor": "#e3e7ec",
                  "zeroline": False},
    }
    return {"data": traces, "layout": layout}


def _market_trace(markets: list[dict[str, Any]], positions: dict[str, tuple[float, float]],
                  names: dict[str, str]) -> dict[str, Any]:
    """Markets, the buyers outside the park, as grey squares named by what they buy."""
    return {
        "type": "scatter", "x": [positions[m["id"]][0] for m in markets], "y": [positions[m["id"]][1] for m in markets],
        "mode": "markers+text", "name": "markets (buyers outside the park)",
        "text": [names[m["id"]][:28] for m in markets], "textposition": "bottom center", "textfont": {"size": 11},
        "customdata": [[names[m["id"]], m["id"], ", ".join(dict.fromkeys(map(resource_label, m.get("buys", []))))]
                       for m in markets],
        "hovertemplate": "<b>%{customdata[0]}</b> (%{customdata[1]})<br>buys: %{customdata[2]}<extra>market</extra>",
        "marker": {"symbol": "square", "size": 12, "color": "#7f8c8d", "line": {"width": 1.5, "color": "white"}},
    }


def _point_to_far(results: dict[str, Any], far: set[str], positions: dict[str, tuple[float, float]],
                  view: tuple[float, float, float, float], scale: float, names: dict[str, str]) -> dict[str, Any]:
    """A trace marking each enterprise outside the first view at the view's edge: an arrow, its name and distance."""
    centre = ((view[0] + view[1]) / 2, (view[2] + view[3]) / 2)
    inset = 0.03 * min((view[1] - view[0]) * scale, view[3] - view[2])
    box = (view[0] + inset / scale, view[1] - inset / scale, view[2] + inset, view[3] - inset)
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
        t = min((box[1] - cx) / dx if dx > 0 else (box[0] - cx) / dx if dx < 0 else math.inf,
                (box[3] - cy) / dy if dy > 0 else (box[2] - cy) / dy if dy < 0 else math.inf)
        x.append(cx + dx * t)
        y.append(cy + dy * t)
        angle.append(_marker_angle(math.atan2(dx * scale, dy)))
        km = _distance_km(results, (cx, cy), (px, py))
        text.append(f"{names[key][:26]}{'…' if len(names[key]) > 26 else ''}, {km:,.0f} km")
        where = f"from {names[partners[key][0]]}" if key in partners else "from the centre of this view"
        hover.append(f"<b>{names[key]}</b><br>{km:,.0f} km {where} (straight line), outside this view:"
                     "<br>autoscale in the modebar shows the whole network")
        # The label goes inward from the edge the arrow sits on.
        horizontal = "left" if dx > 0 else "right"
        on_top_or_bottom = abs(dy) > abs(dx) * scale
        vertical = ("bottom" if dy > 0 else "top") if on_top_or_bottom else "middle"
        position.append(f"{vertical} {horizontal}")
    return {
        "type": "scatter", "x": x, "y": y, "mode": "markers+text", "text": text, "textposition": position,
        "name": "outside this view", "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>",
        "textfont": {"size": 11, "color": "#444"},
        "marker": {"symbol": "arrow-wide", "size": 16, "angle": angle, "color": "#444"},
    }


def _marker_angle(radians: float) -> float:
    """A marker's angle in degrees within [-180, 180), as plotly's validation of a figure stores it."""
    return (math.degrees(radians) + 180) % 360 - 180


def _link_hover(link: dict[str, Any], names: dict[str, str], unit: str, currency: str) -> str:
    parts = [f"<b>{names.get(link['from'], link['from'])} → {names.get(link['to'], link['to'])}</b>",
             f"{resource_label(link['resource'])} by {resource_label(link.get('mode') or '')}, {link.get('type')}"
             + (" (existing)" if link.get("existing") else ""),
             f"{link.get('length_km') or 0:,.1f} km, capacity {link.get('capacity') or 0:,.1f} {unit}/h"]
    if link.get("cop"):
        parts.append(f"heat pump COP {link['cop']:.2f}")
    flow = sum((link.get("flow") or {}).values())
    parts.append(f"flow {flow:,.0f} {unit}/yr, annual cost {link.get('annual_cost') or 0:,.0f} {currency}/yr")
    return "<br>".join(parts)
