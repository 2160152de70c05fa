"""The results as an Excel workbook, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. Sheets ``summary``, ``links``, ``flows``,
``balances``, ``processes``, ``markets`` and ``kpis``, each with units in its headers, fitted
column widths, number formats and a frozen header row. Cells hold the numbers of
``results.json`` unrounded; only their display is formatted.

``links`` has a column per field of a link: its technology, the heat temperatures (source
inlet and outlet, sink supply and return, degC), COP, full-load hours, and its economics.
``balances`` is per enterprise, role and resource (several streams of one resource at one
enterprise are added up): amount = linked + rest, where the rest of a supply or a process
output is disposal and the rest of a demand is conventional (baseline) supply (SPEC 4); a
process input and a market have no rest. ``processes`` has a row per process (SPEC 8.2),
``markets`` a row per market and resource it buys, with what the plan sells there (SPEC 8.1).
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

SHEETS = ("summary", "links", "flows", "balances", "processes", "markets", "kpis")
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def _units(results: dict[str, Any]) -> dict[str, str]:
    """Unit of each money, emission and energy field of a link or KPI."""
    currency = results.get("currency") or "CNY"
    per_year = f"{currency}/yr"
    return {
        "length_km": "km", "capex": currency, "annualized_capex": per_year, "variable_cost": per_year,
        "electricity_mwh": "MWh/yr", "electricity_cost": per_year, "annual_cost": per_year,
        "emissions": "tCO2/yr", "total_cost": per_year, "carbon_cost": per_year, "disposal_cost": per_year,
        "baseline_cost": per_year, "gain": "delivered/drawn", "drive_mwh": "MWh/yr", "drive_cost": per_year,
        "process_cost": per_year, "market_revenue": per_year, "avoided": per_year, "net_saving": per_year,
        "co2_avoided": "tCO2/yr", "full_load_hours": "h", "source_inlet_c": "°C", "source_outlet_c": "°C",
        "sink_supply_c": "°C", "sink_return_c": "°C", "opex": per_year, "processes_built": "",
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
        ("capex of new links" + (" and processes" if results.get("processes") else ""), kpis.get("capex"), currency),
        *_spec8_summary(results),
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
    name = key.removesuffix("_km").removesuffix("_mwh").removesuffix("_c").replace("_", " ")
    name = {"full_load_hours": "full-load hours", "drive_mwh": "driving heat", "drive_cost": "driving heat cost",
            "co2_avoided": "CO2 avoided"}.get(key, name)
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


REST_IS = {"supply": "disposal", "process output": "disposal", "demand": "conventional supply",
           "process input": "", "market": ""}
"""What the rest of a balance is, by role (a process input and a market have none)."""


def balance_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Per enterprise, role, resource and period: amount = linked + rest (disposal or baseline).

    Roles: ``supply``, ``process output``, ``demand``, ``process input`` and ``market``.
    A process output's disposal is what its links do not take (from ``processes``).
    """
    periods = results.get("periods") or []
    markets = {m["id"] for m in results.get("markets") or []}
    processes = {p["id"] for p in results.get("processes") or []}
    table: dict[tuple[str, str, str], dict[str, list[float]]] = {}

    def entry(enterprise: str, role: str, resource: str) -> dict[str, list[float]]:
        return table.setdefault((enterprise, role, resource),
                                {p: [0.0, 0.0] for p in periods})  # period -> [linked, rest]

    def of_process(stream: str | None) -> bool:
        return bool(stream) and str(stream).split(".", 1)[0] in processes

    for link in results.get("links", []):
        source = "process output" if of_process(link.get("from_stream")) else "supply"
        if of_process(link.get("to_stream")):
            sink = "process input"
        else:
            sink = "market" if link["to"] in markets else "demand"
        for period in periods:
            entry(link["from"], source, link["resource"])[period][0] += (link.get("flow") or {}).get(period) or 0.0
            entry(link["to"], sink, link["resource"])[period][0] += (link.get("delivered") or {}).get(period) or 0.0
    for role, key in (("supply", "disposal"), ("demand", "baseline_supply")):
        for row in results.get(key, []):
            if isinstance(row.get("stream"), str) and f"{row['enterprise']}#{row['stream']}" in processes:
                continue  # a process output: from its process below, output by output
            for period in periods:
                entry(row["enterprise"], role, row["resource"])[period][1] += row["amount"].get(period) or 0.0
    for process in results.get("processes") or []:
        for output in process.get("outputs") or []:
            made, taken = output.get("amount") or {}, output.get("taken") or {}
            for period in periods:
                rest = max((made.get(period) or 0.0) - (taken.get(period) or 0.0), 0.0)
                entry(process["enterprise"], "process output", output["resource"])[period][1] += rest
    rows = []
    for (enterprise, role, resource), values in sorted(table.items()):
        unit = results.get("resources", {}).get(resource, {}).get("unit", "")
        for period in periods:
            linked, rest = values[period]
            rows.append({"enterprise": enterprise, "role": role, "resource": resource, "period": period,
                         "amount": linked + rest, "linked": linked, "rest": rest,
                         "rest is": REST_IS[role], "unit": unit})
    return rows


def _balances(results: dict[str, Any]) -> pd.DataFrame:
    columns = ["enterprise", "role", "resource", "period", "amount (unit)", "linked (unit)", "rest (unit)",
               "rest is", "unit"]
    rows = [{"enterprise": r["enterprise"], "role": r["role"], "resource": r["resource"], "period": r["period"],
             "amount (unit)": r["amount"], "linked (unit)": r["linked"], "rest (unit)": r["rest"],
             "rest is": r["rest is"], "unit": r["unit"]} for r in balance_rows(results)]
    return pd.DataFrame(rows, columns=columns)


def _spec8_summary(results: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """Summary rows of processes, markets and time slices, for parks that have them."""
    kpis = results.get("kpis") or {}
    currency = results.get("currency") or "CNY"
    rows: list[tuple[str, Any, str]] = []
    if results.get("processes"):
        rows.append(("processes built", sum(1 for p in results["processes"] if p.get("built")),
                     f"of {len(results['processes'])}"))
    if results.get("markets"):
        rows.append(("markets", len(results["markets"]), ""))
        rows.append(("sales to markets", kpis.get("market_revenue"), f"{currency}/yr"))
    made = results.get("time_series")
    if made:
        rows.append(("time slices", len(made.get("slices") or []), made.get("file") or ""))
    return rows


def _processes(results: dict[str, Any]) -> pd.DataFrame:
    """One row per process: state, capacity, input per period, each output's amount and use, money."""
    currency = results.get("currency") or "CNY"
    periods = results.get("periods") or []
    processes = results.get("processes") or []
    most = max((len(p.get("outputs") or []) for p in processes), default=0)
    columns = ["id", "enterprise", "name", "input resource", "unit", "existing", "built", "capacity (unit/h)",
               *[f"input {period} (unit)" for period in periods], "input (unit/yr)"]
    for k in range(1, most + 1):
        columns += [f"output {k} resource", f"output {k} unit", f"output {k} made (unit/yr)",
                    f"output {k} used (unit/yr)", f"output {k} disposed of (unit/yr)"]
    columns += [f"capex ({currency})", f"annualized capex ({currency}/yr)", f"opex ({currency}/yr)",
                "electricity (MWh/yr)", f"annual cost ({currency}/yr)", "emissions (tCO2/yr)"]
    rows = []
    for process in processes:
        row: dict[str, Any] = {
            "id": process["id"], "enterprise": process["enterprise"], "name": process.get("name"),
            "input resource": process["resource"], "unit": _unit(results, process["resource"]),
            "existing": process.get("existing"), "built": process.get("built"),
            "capacity (unit/h)": process.get("capacity"), "input (unit/yr)": process.get("input_total"),
            f"capex ({currency})": process.get("capex"),
            f"annualized capex ({currency}/yr)": process.get("annualized_capex"),
            f"opex ({currency}/yr)": process.get("opex"), "electricity (MWh/yr)": process.get("electricity_mwh"),
            f"annual cost ({currency}/yr)": process.get("annual_cost"), "emissions (tCO2/yr)": process.get("emissions"),
        }
        for period in periods:
            row[f"input {period} (unit)"] = (process.get("input") or {}).get(period)
        for k, output in enumerate(process.get("outputs") or [], start=1):
            made = sum((output.get("amount") or {}).values())
            used = sum((output.get("taken") or {}).values())
            row |= {f"output {k} resource": output["resource"], f"output {k} unit": _unit(results, output["resource"]),
                    f"output {k} made (unit/yr)": made, f"output {k} used (unit/yr)": used,
                    f"output {k} disposed of (unit/yr)": max(made - used, 0.0)}
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _markets(results: dict[str, Any]) -> pd.DataFrame:
    """One row per market and resource it buys: where it is, what the plan sells there and the revenue."""
    currency = results.get("currency") or "CNY"
    periods = results.get("periods") or []
    columns = ["market", "name", "location", "resource", "unit", *[f"sold {period} (unit)" for period in periods],
               "sold (unit/yr)", f"revenue ({currency}/yr)", f"price ({currency}/unit)", "sold by"]
    rows = []
    for market in results.get("markets") or []:
        location = market.get("location") or {}
        where = (f"{location['lat']}, {location['lon']}" if "lat" in location
                 else f"{location.get('x')}, {location.get('y')}")
        for resource in market.get("buys") or []:
            into = [link for link in results.get("links") or [] if link["to"] == market["id"]
                    and link["resource"] == resource]
            sold = sum(sum((link.get("delivered") or {}).values()) for link in into)
            revenue = sum(link.get("market_revenue") or 0.0 for link in into)
            row = {"market": market["id"], "name": market.get("name"), "location": where, "resource": resource,
                   "unit": _unit(results, resource), "sold (unit/yr)": sold, f"revenue ({currency}/yr)": revenue,
                   f"price ({currency}/unit)": revenue / sold if sold else None,
                   "sold by": ", ".join(dict.fromkeys(link["from"] for link in into))}
            for period in periods:
                row[f"sold {period} (unit)"] = sum((link.get("delivered") or {}).get(period) or 0.0 for link in into)
            rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _unit(results: dict[str, Any], resource: str) -> str:
    return results.get("resources", {}).get(resource, {}).get("unit", "")


def workbook_tables(results: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as DataFrames, keyed by sheet name (`SHEETS`)."""
    return {"summary": _summary(results), "links": _links(results), "flows": _flows(results),
            "balances": _balances(results), "processes": _processes(results), "markets": _markets(results),
            "kpis": pd.DataFrame(kpi_rows(results), columns=["kpi", "value", "unit"])}


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
        sheet.column_dimensions[get_column_letter(position)].width = min(max(max(len(text) for text in sample) + 2, 8), 60)
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
            if isinstance(value, str) and value.startswith("="):  # park text is text, never a live formula
                text = WriteOnlyCell(sheet, value)
                text.data_type = "s"
                cells.append(text)
            elif fmt is None:
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
