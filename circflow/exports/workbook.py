"""The results as an Excel workbook, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. Sheets ``summary``, ``links``, ``flows``,
``balances`` and ``kpis``, each with units in its headers, fitted column widths, number
formats and a frozen header row. Cells hold the numbers of ``results.json`` unrounded;
only their display is formatted.

``balances`` is per enterprise and resource (several streams of one resource at one
enterprise are added up): amount = linked + rest, where the rest of a supply is disposal
and the rest of a demand is conventional (baseline) supply (SPEC 4).
"""

from __future__ import annotations

import math
import pathlib
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

SHEETS = ("summary", "links", "flows", "balances", "kpis")
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def _units(results: dict[str, Any]) -> dict[str, str]:
    """Unit of each money, emission and energy field of a link or KPI."""
    currency = results.get("currency") or "CNY"
    per_year = f"{currency}/yr"
    return {
        "length_km": "km", "capex": currency, "annualized_capex": per_year, "variable_cost": per_year,
        "electricity_mwh": "MWh/yr", "electricity_cost": per_year, "annual_cost": per_year,
        "emissions": "tCO2/yr", "total_cost": per_year, "carbon_cost": per_year, "disposal_cost": per_year,
        "baseline_cost": per_year, "gain": "delivered/drawn",
    }


def kpi_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The KPIs as rows (kpi, value, unit), nested keys joined by dots (``utilization.fly_ash``)."""
    units = _units(results)
    rows = []

    def walk(values: dict[str, Any], prefix: str) -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                unit = "share" if prefix.startswith("utilization") else units.get(key, "")
                rows.append({"kpi": f"{prefix}{key}", "value": value, "unit": unit})

    walk(results.get("kpis") or {}, "")
    return rows


def _summary(results: dict[str, Any]) -> pd.DataFrame:
    currency = results.get("currency") or "CNY"
    kpis = results.get("kpis") or {}
    status_quo, savings = kpis.get("baseline", {}), kpis.get("savings", {})
    objective_unit = "tCO2/yr" if results.get("objective_name") == "emissions" else f"{currency}/yr"
    rows = [
        ("park", results.get("park"), ""),
        ("park file", results.get("source"), ""),
        ("scenarios", ", ".join(results.get("scenarios") or []) or "none", ""),
        ("objective", results.get("objective_name"), ""),
        ("status", results.get("status"), ""),
        ("objective value", results.get("objective"), objective_unit),
        ("bound", results.get("bound"), objective_unit),
        ("gap", results.get("gap"), "share"),
        ("periods", ", ".join(results.get("periods") or []), ""),
        ("coordinates", results.get("crs"), ""),
        ("enterprises", len(results.get("enterprises") or []), ""),
        ("links in the plan", results.get("links_built", len(results.get("links") or [])), ""),
        ("total cost, plan", kpis.get("total_cost"), f"{currency}/yr"),
        ("total cost, status quo", status_quo.get("total_cost"), f"{currency}/yr"),
        ("total cost saved", savings.get("total_cost"), f"{currency}/yr"),
        ("emissions, plan", kpis.get("emissions"), "tCO2/yr"),
        ("emissions, status quo", status_quo.get("emissions"), "tCO2/yr"),
        ("emissions saved", savings.get("emissions"), "tCO2/yr"),
        ("capex of new links", kpis.get("capex"), currency),
        ("warnings", len(results.get("warnings") or []), ""),
        ("circflow version", results.get("circflow_version"), ""),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit"])


def link_column(key: str, results: dict[str, Any], period: str | None = None) -> str:
    """The ``links`` sheet's header for a field of a link (``capex`` -> ``capex (CNY)``).

    Per-period fields (``flow``, ``delivered``) take the period: ``flow heating (unit)``,
    where ``unit`` is the link's resource unit, given in the ``unit`` column.
    """
    units = _units(results)
    name = key.removesuffix("_km").removesuffix("_mwh").replace("_", " ")
    if period is not None:
        return f"{name} {period} (unit)"
    if key == "capacity":
        return "capacity (unit/h)"
    if key == "cop":
        return "COP"
    if key in ("flow_total", "delivered_total"):
        return f"{name} (unit/yr)"
    return f"{name} ({units[key]})" if key in units else name


def _links(results: dict[str, Any]) -> pd.DataFrame:
    periods = results.get("periods") or []
    rows = []
    for link in results.get("links", []):
        row: dict[str, Any] = {}
        for key, value in link.items():
            if isinstance(value, dict):
                for period in periods:
                    row[link_column(key, results, period)] = value.get(period)
            else:
                row[link_column(key, results)] = value
            if key == "resource":
                row["unit"] = results.get("resources", {}).get(value, {}).get("unit", "")
        rows.append(row)
    return pd.DataFrame(rows)


def _flows(results: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for link in results.get("links", []):
        unit = results.get("resources", {}).get(link["resource"], {}).get("unit", "")
        for period in results.get("periods") or []:
            rows.append({"link": link["id"], "from": link["from"], "to": link["to"], "resource": link["resource"],
                         "mode": link.get("mode"), "period": period, "flow (unit)": (link.get("flow") or {}).get(period),
                         "delivered (unit)": (link.get("delivered") or {}).get(period), "unit": unit})
    return pd.DataFrame(rows, columns=["link", "from", "to", "resource", "mode", "period", "flow (unit)",
                                       "delivered (unit)", "unit"])


def balance_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per enterprise, role, resource and period: amount = linked + rest (disposal or baseline)."""
    periods = results.get("periods") or []
    table: dict[tuple[str, str, str], dict[str, list[float]]] = {}

    def entry(enterprise: str, role: str, resource: str) -> dict[str, list[float]]:
        return table.setdefault((enterprise, role, resource),
                                {p: [0.0, 0.0] for p in periods})  # period -> [linked, rest]

    for link in results.get("links", []):
        for period in periods:
            entry(link["from"], "supply", link["resource"])[period][0] += (link.get("flow") or {}).get(period) or 0.0
            entry(link["to"], "demand", link["resource"])[period][0] += (link.get("delivered") or {}).get(period) or 0.0
    for role, key in (("supply", "disposal"), ("demand", "baseline_supply")):
        for row in results.get(key, []):
            for period in periods:
                entry(row["enterprise"], role, row["resource"])[period][1] += row["amount"].get(period) or 0.0
    rows = []
    for (enterprise, role, resource), values in sorted(table.items()):
        unit = results.get("resources", {}).get(resource, {}).get("unit", "")
        for period in periods:
            linked, rest = values[period]
            rows.append({"enterprise": enterprise, "role": role, "resource": resource, "period": period,
                         "amount": linked + rest, "linked": linked, "rest": rest,
                         "rest is": "disposal" if role == "supply" else "conventional supply", "unit": unit})
    return rows


def _balances(results: dict[str, Any]) -> pd.DataFrame:
    columns = ["enterprise", "role", "resource", "period", "amount (unit)", "linked (unit)", "rest (unit)",
               "rest is", "unit"]
    rows = [{"enterprise": r["enterprise"], "role": r["role"], "resource": r["resource"], "period": r["period"],
             "amount (unit)": r["amount"], "linked (unit)": r["linked"], "rest (unit)": r["rest"],
             "rest is": r["rest is"], "unit": r["unit"]} for r in balance_rows(results)]
    return pd.DataFrame(rows, columns=columns)


def workbook_tables(results: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as DataFrames, keyed by sheet name (`SHEETS`)."""
    return {"summary": _summary(results), "links": _links(results), "flows": _flows(results),
            "balances": _balances(results), "kpis": pd.DataFrame(kpi_rows(results), columns=["kpi", "value", "unit"])}


def _write_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    """Write ``frame`` with a bold shaded header, frozen header row, fitted widths and number formats.

    A ``value`` column beside a ``unit`` column is formatted row by row (shares as percent);
    other numeric columns get one format from their largest value. Cells are written as
    ``DataFrame.to_excel`` writes them (missing values as empty text). ``sheet`` is a
    write-only sheet: openpyxl streams the rows to the file instead of holding every cell.
    """
    sheet.freeze_panes = "A2"
    columns = [list(frame[column]) for column in frame.columns]
    row_units = list(frame["unit"]) if "unit" in frame.columns else None
    formats: list[list[str | None] | None] = []
    for position, (column, values) in enumerate(zip(frame.columns, columns, strict=True), start=1):
        sample = [str(column)] + [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in values[:500]]
        sheet.column_dimensions[get_column_letter(position)].width = min(max(len(text) for text in sample) + 2, 60)
        numbers = [abs(v) for v in values if _is_number(v)]
        if not numbers:
            formats.append(None)
            continue
        column_format = "#,##0" if max(numbers) >= 100 else "#,##0.000"
        if column == "value" and row_units is not None:
            formats.append([("0.0%" if unit == "share" else ("#,##0" if abs(v) >= 100 else "#,##0.000"))
                            if _is_number(v) else None for v, unit in zip(values, row_units, strict=True)])
        else:
            formats.append([column_format if _is_number(v) else None for v in values])
    # An empty table still gets its (empty) styled header cell, as the sheet's first row.
    sheet.append([_header_cell(sheet, column) for column in frame.columns] or [_header_cell(sheet, None)])
    for row in range(len(frame)):
        cells = []
        for values, column_formats in zip(columns, formats, strict=True):
            value = _excel_value(values[row])
            fmt = column_formats[row] if column_formats is not None else None
            if fmt is None:
                cells.append(value)
            else:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = fmt
                cells.append(cell)
        sheet.append(cells)


def _header_cell(sheet: Any, column: Any) -> Any:
    cell = WriteOnlyCell(sheet, None if column is None else str(column))
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center")
    return cell


def _excel_value(value: Any) -> Any:
    """A table value as ``DataFrame.to_excel`` writes it: missing as empty text, infinities as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return float(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # NaN != NaN


def write_workbook(path: str | pathlib.Path, results: dict[str, Any]) -> pathlib.Path:
    """Write the results workbook (``.xlsx``) with the sheets of `workbook_tables`.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    results
        The content of ``results.json`` (`circflow.Result.to_dict`).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = pathlib.Path(path)
    workbook = Workbook(write_only=True)
    for name, frame in workbook_tables(results).items():
        _write_sheet(workbook.create_sheet(name), frame)
    workbook.save(path)
    return path
