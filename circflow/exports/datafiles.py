"""The results folder's data files for people: the workbook, the map's GeoJSON and markets.csv.

An export stage: ``results -> exports``, like `circflow.exports.outputs`, which writes these
and the pages. Apart from the pages because it loads openpyxl and not plotly: a process that
writes only these (`circflow.exports.forked`) loads only what they need.
"""

from __future__ import annotations

import pathlib
from typing import Any

from circflow.exports.csvtext import write_csv
from circflow.exports.geojson import write_geojson
from circflow.exports.workbook import workbook_tables, write_workbook


def write_data_files(folder: pathlib.Path, results: dict[str, Any]) -> None:
    """Write ``network.geojson`` and ``results.xlsx``, and ``markets.csv`` for a park with markets
    (the workbook's ``markets`` sheet: what the plan sells to each market and the revenue,
    SPEC 8.1), from the content of ``results.json``."""
    folder = pathlib.Path(folder)
    if results.get("markets"):
        write_csv(workbook_tables(results)["markets"], folder / "markets.csv")
    write_geojson(folder / "network.geojson", results)
    write_workbook(folder / "results.xlsx", results)
