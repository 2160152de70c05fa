"""A map of the park network without web tiles, drawn from the content of ``results.json``.

An export stage: ``results -> exports``. A plain plotly scatter (no map tiles, no topojson,
so it works offline and in a mailed report): enterprises as markers coloured by sector,
markets outside the park as diamonds (SPEC 8.1), a square around each enterprise that has
processes (SPEC 8.2; grey when none of them is built), links as lines coloured by resource
(dashed when existing), with an arrow at each link's middle pointing downstream and a hover
label giving mode, technology, temperatures, length, capacity, COP, full-load hours and flow.
On-site links (between a process and its own enterprise) have no line: the process's hover
names them. Enterprises and markets far from the park (a market 90 km away) stay outside the
first view, marked by an arrow at its edge with their name and distance. Coordinates are
longitude/latitude for ``wgs84`` parks (drawn with the aspect of the park's latitude, so
distances look right) and km for ``local_km`` parks.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from circflow.exports.content import Results, content_of
from circflow.exports.geojson import enterprise_position
from circflow.exports.sankey import enterprise_labels, resource_colours, resource_label, short_name, unit_of

MARKET_COLOUR = "#0b5345"
MAP_ASPECT = 1.6
"""Width over height of the map's plot area in the report (about 900 x 560 px)."""
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

    The report is written from the dict (`circflow.exports.sankey.figure_html`), sparing plotly's
    validation and copies of every coordinate list.
    """
    wgs84 = results.get("crs") == "wgs84"
    markets = results.get("markets") or []
    positions = {e["id"]: enterprise_position(e) for e in [*results.get("enterprises", []), *markets]}
    labels = enterprise_labels(results, width=28) | {
        key: label for key, label in enterprise_labels(results, width=34).items() if key in {m["id"] for m in markets}}
    names = {e["id"]: e.get("name") or e["id"] for e in [*results.get("enterprises", []), *markets]}
    scale = _screen_scale(results, list(positions.values()))
    far = far_enterprises(positions, scale)
    xs = [p[0] for key, p in positions.items() if key not in far] or [0.0]
    ys = [p[1] for key, p in positions.items() if key not in far] or [0.0]
    extent = max((max(xs) - min(xs)) * scale, max(ys) - min(ys), 1e-6)
    pad = 0.1 * extent
    view = _fit_aspect((min(xs) - pad / scale, max(xs) + pad / scale, min(ys) - pad, max(ys) + pad), scale)
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
            "text": [labels[e["id"]] for e in members], "textfont": {"size": 11},
            "textposition": [_label_side("top", positions[e["id"]][0], view) for e in members],
            "customdata": [[names[e["id"]], e["id"], ", ".join(map(resource_label, e.get("supplies", []))) or "-",
                            ", ".join(map(resource_label, e.get("demands", []))) or "-"] for e in members],
            "hovertemplate": ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>supplies: %{customdata[2]}"
                              "<br>demands: %{customdata[3]}<extra>" + sector.replace("_", " ") + "</extra>"),
            "marker": {"size": 13, "color": _SECTOR_COLOURS[i % len(_SECTOR_COLOURS)],
                       "line": {"width": 1.5, "color": "white"}},
        })
    traces += _process_traces(results, positions, names, currency)
    if markets:
        traces.append(_market_trace(results, markets, positions, labels, currency, view))
    if far:
        traces.append(_point_to_far(results, far, positions, view, scale, names))
    layout = {
        "title": {"text": f"{results.get('park', 'park')}: network", "x": 0.01, "xanchor": "left"},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        "height": 640, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "plot_bgcolor": "#f7f9fb",
        "paper_bgcolor": "white", "legend": {"itemsizing": "constant", "tracegroupgap": 8},
        # constrain "domain": the plot area shrinks to the view's aspect instead of the view
        # widening, so arrows to what lies outside sit at its visible edge.
        "xaxis": {"title": {"text": "longitude (°E)" if wgs84 else "x (km)"}, "range": [view[0], view[1]],
                  "showgrid": True, "gridcolor": "#e3e7ec", "zeroline": False, "constrain": "domain"},
        "yaxis": {"title": {"text": "latitude (°N)" if wgs84 else "y (km)"}, "range": [view[2], view[3]],
                  "scaleanchor": "x", "scaleratio": 1 / scale, "showgrid": True, "gridcolor": "#e3e7ec",
                  "zeroline": False, "constrain": "domain"},
    }
    return {"data": traces, "layout": layout}


def _label_side(vertical: str, x: float, view: tuple[float, float, float, float]) -> str:
    """A marker's label position: centred, or leaning inward near the view's left or right edge (not cut off)."""
    share = (x - view[0]) / ((view[1] - view[0]) or 1.0)
    return f"{vertical} {'left' if share > 0.8 else 'right' if share < 0.2 else 'center'}"


def _fit_aspect(view: tuple[float, float, float, float], scale: float,
                aspect: float = MAP_ASPECT) -> tuple[float, float, float, float]:
    """The view widened (or heightened) about its centre to ``aspect`` = width / height on screen."""
    x0, x1, y0, y1 = view
    width, height = (x1 - x0) * scale, y1 - y0
    if width < aspect * height:
        grow = (aspect * height - width) / 2 / scale
        return x0 - grow, x1 + grow, y0, y1
    grow = (width / aspect - height) / 2
    return x0, x1, y0 - grow, y1 + grow


def _point_to_far(results: dict[str, Any], far: set[str], positions: dict[str, tuple[float, float]],
                  view: tuple[float, float, float, float], scale: float, names: dict[str, str]) -> dict[str, Any]:
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
        kind = " (market outside the park)" if key in market_ids else ""
        text.append(f"{short_name(names[key], 34)}<br>{km:,.0f} km{' · market' if kind else ''}")
        where = f"from {names[partners[key][0]]}" if key in partners else "from the centre of this view"
        hover.append(f"<b>{names[key]}</b>{kind}<br>{km:,.0f} km {where} (straight line), outside this view:"
                     "<br>autoscale in the modebar shows the whole network")
        # The label goes inward from the edge the arrow sits on, on the side away from its link.
        horizontal = "left" if dx > 0 else "right"
        if t_top < t_side:
            vertical = "bottom" if dy > 0 else "top"
        else:
            vertical = "bottom" if dy * (1 if dx > 0 else -1) >= 0 else "top"
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
    technology = link.get("technology") or link.get("type") or ""
    how = f"{resource_label(link['resource'])} by {resource_label(link.get('mode') or '')}"
    if link.get("type") not in (None, "transport"):
        how += f", {technology}"
    parts = [f"<b>{names.get(link['from'], link['from'])} → {names.get(link['to'], link['to'])}</b>",
             how + (" (existing)" if link.get("existing") else ""),
             f"{link.get('length_km') or 0:,.1f} km, capacity {link.get('capacity') or 0:,.1f} {unit}/h"]
    temperatures = heat_temperatures(link)
    if temperatures:
        parts.append(temperatures)
    if link.get("cop"):
        parts.append(f"COP {link['cop']:.2f}")
    flow = sum((link.get("flow") or {}).values())
    hours = link.get("full_load_hours")
    parts.append(f"flow {flow:,.0f} {unit}/yr" + (f", {hours:,.0f} full-load hours" if hours else ""))
    parts.append(f"annual cost {link.get('annual_cost') or 0:,.0f} {currency}/yr")
    if link.get("market_revenue"):
        parts.append(f"sales {link['market_revenue']:,.0f} {currency}/yr")
    return "<br>".join(parts)


def heat_temperatures(link: dict[str, Any]) -> str:
    """A heat link's temperatures: ``source 50→35 °C, sink 45→75 °C`` (empty for other links)."""
    inlet, outlet = link.get("source_inlet_c"), link.get("source_outlet_c")
    supply, back = link.get("sink_supply_c"), link.get("sink_return_c")
    parts = []
    if inlet is not None:
        parts.append(f"source {inlet:g}→{outlet if outlet is not None else inlet:g} °C")
    if supply is not None:
        parts.append(f"sink {back if back is not None else supply:g}→{supply:g} °C")
    return ", ".join(parts)


def _market_trace(results: dict[str, Any], markets: list[dict[str, Any]], positions: dict[str, tuple[float, float]],
                  labels: dict[str, str], currency: str, view: tuple[float, float, float, float]) -> dict[str, Any]:
    """Markets as diamonds with their name; the hover gives what each buys, what it gets and the revenue."""
    sold: dict[str, dict[str, float]] = {}
    revenue: dict[str, float] = {}
    for link in results.get("links", []):
        if link["to"] in positions and any(m["id"] == link["to"] for m in markets):
            amounts = sold.setdefault(link["to"], {})
            amounts[link["resource"]] = amounts.get(link["resource"], 0.0) + (link.get("delivered_total") or sum(
                (link.get("delivered") or {}).values()))
            revenue[link["to"]] = revenue.get(link["to"], 0.0) + (link.get("market_revenue") or 0.0)
    hover = []
    for market in markets:
        key = market["id"]
        buys = ", ".join(map(resource_label, market.get("buys") or [])) or "-"
        got = "<br>".join(f"sold {amount:,.0f} {unit_of(results, r)}/yr of {resource_label(r)}"
                          for r, amount in sold.get(key, {}).items()) or "nothing sold in this plan"
        hover.append(f"<b>{market.get('name') or key}</b> ({key})<br>market outside the park, buys {buys}<br>{got}"
                     + (f"<br>revenue {revenue[key]:,.0f} {currency}/yr" if revenue.get(key) else ""))
    return {
        "type": "scatter", "x": [positions[m["id"]][0] for m in markets], "y": [positions[m["id"]][1] for m in markets],
        "mode": "markers+text", "name": "markets (outside buyers)", "legendgroup": "market",
        "text": [labels[m["id"]] for m in markets], "textfont": {"size": 11},
        "textposition": [_label_side("bottom", positions[m["id"]][0], view) for m in markets],
        "hovertext": hover, "hovertemplate": "%{hovertext}<extra>market</extra>",
        "marker": {"symbol": "diamond", "size": 16, "color": MARKET_COLOUR, "line": {"width": 1.5, "color": "white"}},
    }


def _process_traces(results: dict[str, Any], positions: dict[str, tuple[float, float]], names: dict[str, str],
                    currency: str) -> list[dict[str, Any]]:
    """A square around each enterprise with processes: dark when one is built, grey when all are candidates not built.

    The hover lists every process: built or not, capacity, input and outputs per year, capex,
    and the on-site links that feed it or take its outputs.
    """
    on_site: dict[str, list[str]] = {}
    for link in results.get("links", []):
        if link.get("on_site"):
            on_site.setdefault(link["from"], []).append(
                f"on site: {resource_label(link['resource'])}, {sum((link.get('flow') or {}).values()):,.0f} "
                f"{unit_of(results, link['resource'])}/yr")
    by_enterprise: dict[str, list[dict[str, Any]]] = {}
    for process in results.get("processes") or []:
        if process["enterprise"] in positions:
            by_enterprise.setdefault(process["enterprise"], []).append(process)
    groups: dict[bool, dict[str, list[Any]]] = {}
    for enterprise, processes in by_enterprise.items():
        lines = [f"<b>{names.get(enterprise, enterprise)}</b>: processes"]
        for process in processes:
            unit = unit_of(results, process["resource"])
            if process.get("built"):
                made = ", ".join(f"{sum((o.get('amount') or {}).values()):,.0f} {unit_of(results, o['resource'])} "
                                 f"{resource_label(o['resource'])}" for o in process.get("outputs") or [])
                state = (f"{'existing' if process.get('existing') else 'built'}, {process.get('capacity') or 0:,.1f} {unit}/h;"
                         f"<br>   {process.get('input_total') or 0:,.0f} {unit}/yr in → {made or 'nothing'} out;"
                         f"<br>   capex {process.get('capex') or 0:,.0f} {currency}, "
                         f"annual cost {process.get('annual_cost') or 0:,.0f} {currency}/yr")
            else:
                state = "candidate, not built"
            lines.append(f"· {process.get('name') or process['id']}: {state}")
        lines += on_site.get(enterprise, [])
        built = any(process.get("built") for process in processes)
        group = groups.setdefault(built, {"x": [], "y": [], "text": []})
        group["x"].append(positions[enterprise][0])
        group["y"].append(positions[enterprise][1])
        group["text"].append("<br>".join(lines))
    return [{
        "type": "scatter", "x": group["x"], "y": group["y"], "mode": "markers", "legendgroup": "process",
        "name": "processes" if built else "processes not built", "hovertext": group["text"],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "marker": {"symbol": "square-open", "size": 24, "color": "#1c2833" if built else "#aab7b8",
                   "line": {"width": 2}},
    } for built, group in sorted(groups.items(), reverse=True)]
