"""The park network as GeoJSON, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. Enterprises become Points, markets outside the park
Points too (SPEC 8.1), every process a Point at its enterprise (SPEC 8.2), and every built or
existing link a LineString between its two ends, carrying every field of the link in
``results.json`` (flows per period as an object keyed by period). An on-site link (between a
process and its own enterprise) has no length: it is a Point at the enterprise.

Parks in ``wgs84`` give RFC 7946 GeoJSON: ``[longitude, latitude]``, no ``crs`` member, ready
for QGIS, geojson.io or a web map. Parks in ``local_km`` have no position on Earth; their
coordinates stay ``[x, y]`` in km on the park's local grid, and the file says so in a ``crs``
member (the GeoJSON 2008 form, which GIS tools read as a named, non-geographic CRS).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from circflow.exports.content import Results, content_of

LOCAL_CRS = {
    "type": "name",
    "properties": {
        "name": "circflow:local_km",
        "description": "park-local planar grid in kilometres (x east, y north), as in the park file; not WGS84",
    },
}


def enterprise_position(enterprise: dict[str, Any]) -> tuple[float, float]:
    """An enterprise's position as (x, y): (longitude, latitude) in wgs84, km in local_km."""
    location = enterprise.get("location") or {}
    if "lon" in location:
        return float(location["lon"]), float(location["lat"])
    return float(location.get("x", 0.0)), float(location.get("y", 0.0))


def network_geojson(results: Results) -> dict[str, Any]:
    """The park network as a GeoJSON FeatureCollection.

    Parameters
    ----------
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).

    Returns
    -------
    dict
        A FeatureCollection: one Point per enterprise (``feature`` = ``enterprise``; id, name,
        sector, supplies, demands, processes), one Point per market (``feature`` =
        ``market``; id, name, buys, and what the plan sells there: ``sold`` per resource and
        ``revenue`` per year), one Point per process at its enterprise (``feature`` =
        ``process``; every field of the process) and one LineString per link of
        ``results["links"]`` (``feature`` = ``link``; every field of the link; a Point when
        on site). For ``local_km`` parks a ``crs`` member names the local grid.
    """
    results = content_of(results)
    positions = {}
    features = []
    processes = results.get("processes") or []
    for enterprise in results.get("enterprises", []):
        positions[enterprise["id"]] = enterprise_position(enterprise)
        properties = {
            "feature": "enterprise",
            "id": enterprise["id"],
            "name": enterprise.get("name"),
            "sector": enterprise.get("sector"),
            "supplies": list(enterprise.get("supplies", [])),
            "demands": list(enterprise.get("demands", [])),
            "processes": [p["id"] for p in processes if p["enterprise"] == enterprise["id"]],
        }
        features.append(
            {
                "type": "Feature",
                "id": enterprise["id"],
                "geometry": {"type": "Point", "coordinates": list(positions[enterprise["id"]])},
                "properties": properties,
            }
        )
    sold: dict[str, dict[str, float]] = {}
    revenue: dict[str, float] = {}
    for link in results.get("links", []):
        amounts = sold.setdefault(link["to"], {})
        amounts[link["resource"]] = amounts.get(link["resource"], 0.0) + sum((link.get("delivered") or {}).values())
        revenue[link["to"]] = revenue.get(link["to"], 0.0) + (link.get("market_revenue") or 0.0)
    for market in results.get("markets") or []:
        key = market["id"]
        positions[key] = enterprise_position(market)
        properties = {
            "feature": "market",
            "id": key,
            "name": market.get("name"),
            "buys": list(market.get("buys", [])),
            "sold": sold.get(key, {}),
            "revenue": revenue.get(key, 0.0),
        }
        features.append(
            {
                "type": "Feature",
                "id": key,
                "geometry": {"type": "Point", "coordinates": list(positions[key])},
                "properties": properties,
            }
        )
    for process in processes:
        where = positions.get(process["enterprise"])
        features.append(
            {
                "type": "Feature",
                "id": process["id"],
                "geometry": None if where is None else {"type": "Point", "coordinates": list(where)},
                "properties": {"feature": "process", **process},
            }
        )
    for link in results.get("links", []):
        start, end = positions.get(link["from"]), positions.get(link["to"])
        if start is None or end is None:
            geometry = None
        elif link.get("on_site"):
            geometry = {"type": "Point", "coordinates": list(start)}
        else:
            geometry = {"type": "LineString", "coordinates": [list(start), list(end)]}
        features.append(
            {"type": "Feature", "id": link["id"], "geometry": geometry, "properties": {"feature": "link", **link}}
        )
    collection: dict[str, Any] = {"type": "FeatureCollection", "name": results.get("park"), "features": features}
    if results.get("crs", "local_km") != "wgs84":
        collection["crs"] = LOCAL_CRS
    return collection


def write_geojson(path: str | pathlib.Path, results: Results) -> pathlib.Path:
    """Write `network_geojson` to ``path`` (UTF-8, ``.geojson``) and return the path."""
    results = content_of(results)
    path = pathlib.Path(path)
    path.write_text(json.dumps(network_geojson(results), indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return path
