"""Every file a results folder holds for people: Sankey, GeoJSON, workbook and report (SPEC 5).

An export stage: ``results -> exports``. `write_outputs` is called by `circflow.Result.save`
with the content of ``results.json``, inside the temporary folder that is then moved into
place, so these files appear together with the results or not at all. The exports read only
that dict; each can be rewritten later from a results folder.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

from circflow.exceptions import ParkError
from circflow.exports.report import write_report
from circflow.exports.sankey import sankey_figure_dict, write_sankey

OUTPUT_FILES = ("sankey.html", "network.geojson", "results.xlsx", "report.html")


def read_results(folder: str | pathlib.Path) -> dict[str, Any]:
    """The content of a results folder's ``results.json``.

    Raises
    ------
    ParkError
        When ``folder`` is not a folder holding a ``results.json`` written by circflow.
    """
    folder = pathlib.Path(folder)
    hint = "give the folder that `circflow optimize` wrote"
    if not folder.is_dir():
        msg = f"{folder} is not a folder; {hint}"
        raise ParkError(msg)
    path = folder / "results.json"
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{folder} is not a circflow results folder (it has no results.json); {hint}"
        raise ParkError(msg) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        msg = f"{path} cannot be read as JSON ({error}); {hint}"
        raise ParkError(msg) from None
    if not isinstance(content, dict) or "circflow_version" not in content:
        msg = f"{path} was not written by circflow; {hint}"
        raise ParkError(msg)
    return content


def write_outputs(folder: pathlib.Path, results: dict[str, Any], pages: bool = True) -> None:
    """Write ``network.geojson``, ``results.xlsx`` and, with ``pages``, ``sankey.html`` and ``report.html``.

    A park with markets also gets ``markets.csv`` (the workbook's ``markets`` sheet): what
    the plan sells to each market and the revenue (SPEC 8.1).

    Parameters
    ----------
    folder
        An existing folder (the results folder being written).
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).
    pages
        Write the two HTML pages (each embeds plotly.js); `write_pages` writes them later.
    """
    from circflow.exports.datafiles import write_data_files  # openpyxl: loaded where the workbook is written

    folder = pathlib.Path(folder)
    write_data_files(folder, results)
    if pages:
        write_pages(folder, results)


def write_pages(folder: str | pathlib.Path, results: dict[str, Any]) -> list[pathlib.Path]:
    """Write ``sankey.html`` and ``report.html`` of ``results`` into ``folder``; the diagram is drawn once."""
    folder = pathlib.Path(folder)
    flows = sankey_figure_dict(results)  # sankey.html and the report each embed it
    return [
        write_sankey(folder / "sankey.html", results, figure=flows),
        write_report(folder / "report.html", results, sankey=flows),
    ]
