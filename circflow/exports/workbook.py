"""The results as an Excel workbook, drawn from the content of ``results.json`` (SPEC 5).

An export stage: ``results -> exports``. Sheets ``summary``, ``links``, ``flows``,
``balances``, ``processes``, ``markets``, ``kpis`` and ``assumptions``, each with units in its
headers (in the results' language), fitted column widths, number formats (counts as whole
numbers, shares as percentages), a frozen header row and an autofilter. Cells hold the
numbers of ``results.json`` unrounded; only their display is formatted. Enterprises are named
beside their ids.

Totals are Excel formulas (``=SUM(...)``), so they follow an edit; so are the summary's
savings and payback, and each link's annualised capex recomputed from the ``assumptions``
sheet beside the value circflow used, so that it can be audited: the sheet holds the discount
rate, prices and grid factor, each mode's, heat technology's and process's lifetime, O&M
fraction and capital recovery factor (CRF, itself a formula of the discount rate), and the
price of every stream (disposal, conventional supply, market). Text from the park file is
written as text, never as a formula, whatever it starts with (``=``, ``+``, ``-``, ``@``).

``links`` has a column per field of a link: its technology, the heat temperatures (source
inlet and outlet, sink supply and return, degC), COP, full-load hours, and its economics.
``balances`` is per enterprise, role and resource (several streams of one resource at one
enterprise are added up): amount = linked + rest, where the rest of a supply or a process
output is disposal and the rest of a demand is conventional (baseline) supply (SPEC 4); a
process input and a market have no rest. ``processes`` has a row per process (SPEC 8.2),
``markets`` a row per market and resource it buys, with what the plan sells there (SPEC 8.1).
"""

from __future__ import annotations

import contextlib
import math
import pathlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from circflow.exports.labels import names as place_names
from circflow.i18n import N_, _, language
from circflow.results import LINK_COLUMNS

SHEETS = ("summary", "links", "flows", "balances", "processes", "markets", "kpis", "assumptions")
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F4F6")
SHARE, YEARS = "share", "years"
"""Units that change a number's format: a share shows as a percentage, years with one decimal."""

_LINK_NAMES = {
    "full_load_hours": N_("full-load hours"),
    "drive_mwh": N_("driving heat"),
    "drive_cost": N_("driving heat cost"),
    "co2_avoided": N_("CO2 avoided"),
    "id": N_("id"),
    "from": N_("from"),
    "to": N_("to"),
    "from_stream": N_("from stream"),
    "to_stream": N_("to stream"),
    "resource": N_("resource"),
    "unit": N_("unit"),
    "mode": N_("mode"),
    "type": N_("type"),
    "technology": N_("technology"),
    "length_km": N_("length"),
    "existing": N_("existing"),
    "on_site": N_("on site"),
    "built": N_("built"),
    "forced": N_("forced"),
    "capacity": N_("capacity"),
    "gain": N_("gain"),
    "source_inlet_c": N_("source inlet"),
    "source_outlet_c": N_("source outlet"),
    "sink_supply_c": N_("sink supply"),
    "sink_return_c": N_("sink return"),
    "flow": N_("flow"),
    "delivered": N_("delivered"),
    "flow_total": N_("flow total"),
    "delivered_total": N_("delivered total"),
    "capex": N_("capex"),
    "capex_technology": N_("capex technology"),
    "annualized_capex": N_("annualized capex"),
    "capital_charge": N_("capital charge"),
    "om_cost": N_("om cost"),
    "variable_cost": N_("variable cost"),
    "electricity_mwh": N_("electricity"),
    "electricity_cost": N_("electricity cost"),
    "process_cost": N_("process cost"),
    "avoided_disposal": N_("avoided disposal"),
    "avoided_supply": N_("avoided supply"),
    "market_revenue": N_("market revenue"),
    "caused_disposal": N_("caused disposal"),
    "annual_cost": N_("annual cost"),
    "avoided": N_("avoided"),
    "net_saving": N_("net saving"),
    "operating_saving": N_("operating saving"),
    "payback_years": N_("payback years"),
    "emissions": N_("emissions"),
    "cop": "COP",
}
"""Headers of the ``links`` sheet by field of a link (English is the field's name, spaced)."""


def _units(results: dict[str, Any]) -> dict[str, str]:
    """Unit of each money, emission and energy field of a link or KPI."""
    currency = results.get("currency") or "CNY"
    per_year = f"{currency}/{_('yr')}"
    money_per_year = (
        "annualized_capex",
        "variable_cost",
        "electricity_cost",
        "annual_cost",
        "total_cost",
        "carbon_cost",
        "disposal_cost",
        "baseline_cost",
        "drive_cost",
        "process_cost",
        "market_revenue",
        "avoided",
        "net_saving",
        "opex",
        "capital_charge",
        "om_cost",
        "avoided_disposal",
        "avoided_supply",
        "caused_disposal",
        "operating_saving",
    )
    return {
        **dict.fromkeys(money_per_year, per_year),
        "length_km": "km",
        "capex": currency,
        "capex_technology": currency,
        "electricity_mwh": f"MWh/{_('yr')}",
        "drive_mwh": f"MWh/{_('yr')}",
        "emissions": f"tCO2/{_('yr')}",
        "co2_avoided": f"tCO2/{_('yr')}",
        "gain": _("delivered/drawn"),
        "full_load_hours": "h",
        "source_inlet_c": "°C",
        "source_outlet_c": "°C",
        "sink_supply_c": "°C",
        "sink_return_c": "°C",
        "processes_built": "",
        "payback_years": YEARS,
    }


def kpi_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The KPIs as rows (kpi, value, unit), nested keys joined by dots (``utilization.fly_ash``).

    Shares (utilisation, of the plan and of the status quo) have the unit ``share``.
    """
    units = _units(results)
    rows = []

    def walk(values: dict[str, Any], prefix: str) -> None:
        for key, value in values.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                unit = SHARE if "utilization." in f".{prefix}" else units.get(key, "")
                rows.append({"kpi": f"{prefix}{key}", "value": value, "unit": unit})

    walk(results.get("kpis") or {}, "")
    return rows


@dataclass
class Table:
    """A sheet's table: its frame, the columns its totals row adds up, and formula columns.

    ``formulas`` maps a new column to a function of the Excel row number giving that cell's
    formula; ``row_formulas`` maps a row (0-based) to {column index: formula} (the summary's
    savings). With ``value_units`` the second column is formatted row by row after the third
    (a unit: ``share`` as a percentage, ``years`` with one decimal, counts whole).
    """

    frame: pd.DataFrame
    totals: Sequence[str] = ()
    formulas: dict[str, Callable[[int], str]] = field(default_factory=dict)
    row_formulas: dict[int, dict[int, str]] = field(default_factory=dict)
    value_units: bool = False


def _summary(results: dict[str, Any]) -> Table:
    currency = results.get("currency") or "CNY"
    per_year = f"{currency}/{_('yr')}"
    kpis = results.get("kpis") or {}
    status_quo, savings = kpis.get("baseline", {}), kpis.get("savings", {})
    objective_unit = f"tCO2/{_('yr')}" if results.get("objective_name") == "emissions" else per_year
    rows: list[tuple[str, str, Any, str]] = [  # key, label, value, unit
        ("park", _("park"), results.get("park"), ""),
        ("source", _("park file"), results.get("source"), ""),
        ("scenarios", _("scenarios"), ", ".join(results.get("scenarios") or []) or _("none"), ""),
        ("objective", _("objective"), results.get("objective_name"), ""),
        ("status", _("status"), results.get("status"), ""),
        ("objective value", _("objective value"), results.get("objective"), objective_unit),
        ("bound", _("bound"), results.get("bound"), objective_unit),
        ("gap", _("gap"), results.get("gap"), SHARE),
        ("periods", _("periods"), ", ".join(results.get("periods") or []), ""),
        ("coordinates", _("coordinates"), results.get("crs"), ""),
        ("enterprises", _("enterprises"), len(results.get("enterprises") or []), ""),
        ("links", _("links in the plan"), results.get("links_built", len(results.get("links") or [])), ""),
        ("cost plan", _("total cost, plan"), kpis.get("total_cost"), per_year),
        ("cost status quo", _("total cost, status quo"), status_quo.get("total_cost"), per_year),
        ("cost saved", _("total cost saved"), savings.get("total_cost"), per_year),
        ("emissions plan", _("emissions, plan"), kpis.get("emissions"), f"tCO2/{_('yr')}"),
        ("emissions status quo", _("emissions, status quo"), status_quo.get("emissions"), f"tCO2/{_('yr')}"),
        ("emissions saved", _("emissions saved"), savings.get("emissions"), f"tCO2/{_('yr')}"),
        (
            "capex",
            _("capex of new links and processes") if results.get("processes") else _("capex of new links"),
            kpis.get("capex"),
            currency,
        ),
        ("capital charge", _("capital charge (CRF x capex)"), kpis.get("capital_charge"), per_year),
        ("operating saving", _("operating saving (saving + capital charge)"), kpis.get("operating_saving"), per_year),
        ("payback", _("simple payback (capex / operating saving)"), kpis.get("payback_years"), YEARS),
        *_spec8_summary(results),
        ("warnings", _("warnings"), len(results.get("warnings") or []), ""),
        ("version", _("circflow version"), results.get("circflow_version"), ""),
    ]
    row_of = {key: index + 2 for index, (key, *_rest) in enumerate(rows)}  # Excel rows: header is 1
    formulas: dict[int, dict[int, str]] = {}

    def formula(key: str, text: str, *needs: str) -> None:
        if all(rows[row_of[need] - 2][2] is not None for need in needs):
            formulas[row_of[key] - 2] = {1: text}

    formula("cost saved", f"=B{row_of['cost status quo']}-B{row_of['cost plan']}", "cost status quo", "cost plan")
    formula(
        "emissions saved",
        f"=B{row_of['emissions status quo']}-B{row_of['emissions plan']}",
        "emissions status quo",
        "emissions plan",
    )
    formula("operating saving", f"=B{row_of['cost saved']}+B{row_of['capital charge']}", "cost saved", "capital charge")
    if kpis.get("payback_years") is not None:
        formula("payback", f"=B{row_of['capex']}/B{row_of['operating saving']}", "capex", "operating saving")
    frame = pd.DataFrame(
        [(label, value, unit) for _key, label, value, unit in rows],
        columns=[_("item"), _("value"), _("unit")],
        dtype=object,
    )
    return Table(frame, row_formulas=formulas, value_units=True)


def _spec8_summary(results: dict[str, Any]) -> list[tuple[str, str, Any, str]]:
    """Summary rows of processes, markets and time slices, for parks that have them."""
    kpis = results.get("kpis") or {}
    currency = results.get("currency") or "CNY"
    rows: list[tuple[str, str, Any, str]] = []
    if results.get("processes"):
        rows.append(
            (
                "processes built",
                _("processes built"),
                sum(1 for p in results["processes"] if p.get("built")),
                _("of {n}").format(n=len(results["processes"])),
            )
        )
    if results.get("markets"):
        rows.append(("markets", _("markets"), len(results["markets"]), ""))
        rows.append(("sales", _("sales to markets"), kpis.get("market_revenue"), f"{currency}/{_('yr')}"))
    made = results.get("time_series")
    if made:
        rows.append(("slices", _("time slices"), len(made.get("slices") or []), made.get("file") or ""))
    return rows


def link_column(key: str, results: dict[str, Any], period: str | None = None) -> str:
    """The ``links`` sheet's header for a field of a link (``capex`` -> ``capex (CNY)``).

    Per-period fields (``flow``, ``delivered``) take the period: ``flow heating (unit)``,
    where ``unit`` is the link's resource unit, given in the ``unit`` column.
    """
    units = _units(results)
    name = _(_LINK_NAMES[key]) if key in _LINK_NAMES else key.replace("_", " ")
    unit = _("unit")
    if period is not None:
        return f"{name} {period} ({unit})"
    if key == "capacity":
        return f"{name} ({unit}/h)"
    if key in ("flow_total", "delivered_total"):
        return f"{name} ({unit}/{_('yr')})"
    if key == "payback_years":
        return name
    return f"{name} ({units[key]})" if key in units else name


_LINK_TOTALS = tuple(key for key in LINK_COLUMNS[LINK_COLUMNS.index("capex") :] if key != "payback_years")
"""Link fields the totals row adds up: the columns of `Result.links` from ``capex`` on (money,
energy and emissions) but the payback, a ratio; amounts of several units do not add."""


def _links(results: dict[str, Any]) -> Table:
    periods = results.get("periods") or []
    names = place_names(results)
    headers: dict[tuple[str, str | None], str] = {}  # the same few dozen headers for every link

    def header(key: str, period: str | None = None) -> str:
        if (key, period) not in headers:
            headers[key, period] = link_column(key, results, period)
        return headers[key, period]

    name_of = {side: _("{end} name").format(end=_(_LINK_NAMES[side])) for side in ("from", "to")}
    unit_column = _("unit")
    rows = []
    for link in results.get("links", []):
        row: dict[str, Any] = {}
        for key, value in link.items():
            if isinstance(value, dict):
                for period in periods:
                    row[header(key, period)] = value.get(period)
            else:
                row[header(key)] = value
            if key in ("from", "to"):
                row[name_of[key]] = names.get(value, value)
            if key == "resource":
                row[unit_column] = results.get("resources", {}).get(value, {}).get("unit", "")
        rows.append(row)
    frame = pd.DataFrame(rows)
    totals = [link_column(key, results) for key in _LINK_TOTALS if link_column(key, results) in frame.columns]
    formulas: dict[str, Callable[[int], str]] = {}
    capex, technology = link_column("capex", results), link_column("capex_technology", results)
    mode, kind = link_column("mode", results), link_column("type", results)
    if {capex, technology, mode, kind} <= set(frame.columns) and not frame.empty:
        letter = {column: get_column_letter(index) for index, column in enumerate(frame.columns, start=1)}
        lookup = _factor_lookup()

        def annualised(row: int) -> str:
            c, t, m, k = (f"{letter[name]}{row}" for name in (capex, technology, mode, kind))
            by_mode, by_technology = lookup.format(key='"mode:"&' + m), lookup.format(key='"technology:"&' + k)
            return f"=IFERROR(({c}-{t})*{by_mode},0)+IFERROR({t}*{by_technology},0)"

        formulas[_("annualized capex, recomputed ({unit})").format(unit=_units(results)["annualized_capex"])] = (
            annualised
        )
    return Table(frame, totals=totals, formulas=formulas)


def _flows(results: dict[str, Any]) -> Table:
    names = place_names(results)
    rows = []
    for link in results.get("links", []):
        unit = results.get("resources", {}).get(link["resource"], {}).get("unit", "")
        for period in results.get("periods") or []:
            rows.append(
                [
                    link["id"],
                    link["from"],
                    names.get(link["from"], link["from"]),
                    link["to"],
                    names.get(link["to"], link["to"]),
                    link["resource"],
                    link.get("mode"),
                    period,
                    (link.get("flow") or {}).get(period),
                    (link.get("delivered") or {}).get(period),
                    unit,
                ]
            )
    columns = [
        _("link"),
        _("from"),
        _("from name"),
        _("to"),
        _("to name"),
        _("resource"),
        _("mode"),
        _("period"),
        f"{_('flow')} ({_('unit')})",
        f"{_('delivered')} ({_('unit')})",
        _("unit"),
    ]
    return Table(pd.DataFrame(rows, columns=columns))


REST_IS = {
    "supply": "disposal",
    "process output": "disposal",
    "demand": "conventional supply",
    "process input": "",
    "market": "",
}
"""What the rest of a balance is, by role (a process input and a market have none)."""
_ROLE_NAMES = {
    "supply": N_("supply"),
    "process output": N_("process output"),
    "demand": N_("demand"),
    "process input": N_("process input"),
    "market": N_("market"),
    "disposal": N_("disposal"),
    "conventional supply": N_("conventional supply"),
    "": "",
}


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
        return table.setdefault(
            (enterprise, role, resource), {p: [0.0, 0.0] for p in periods}
        )  # period -> [linked, rest]

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
            rows.append(
                {
                    "enterprise": enterprise,
                    "role": role,
                    "resource": resource,
                    "period": period,
                    "amount": linked + rest,
                    "linked": linked,
                    "rest": rest,
                    "rest is": REST_IS[role],
                    "unit": unit,
                }
            )
    return rows


def _balances(results: dict[str, Any]) -> Table:
    names = place_names(results)
    unit = _("unit")
    columns = [
        _("enterprise"),
        _("enterprise name"),
        _("role"),
        _("resource"),
        _("period"),
        f"{_('amount')} ({unit})",
        f"{_('linked')} ({unit})",
        f"{_('rest')} ({unit})",
        _("rest is"),
        unit,
    ]
    roles = {role: _(name) if name else "" for role, name in _ROLE_NAMES.items()}
    rows = [
        [
            r["enterprise"],
            names.get(r["enterprise"], r["enterprise"]),
            roles[r["role"]],
            r["resource"],
            r["period"],
            r["amount"],
            r["linked"],
            r["rest"],
            roles[r["rest is"]],
            r["unit"],
        ]
        for r in balance_rows(results)
    ]
    return Table(pd.DataFrame(rows, columns=columns))


def _processes(results: dict[str, Any]) -> Table:
    """One row per process: state, capacity, input per period, each output's amount and use, money."""
    currency = results.get("currency") or "CNY"
    per_year = f"{currency}/{_('yr')}"
    periods = results.get("periods") or []
    processes = results.get("processes") or []
    names = place_names(results)
    unit = _("unit")
    most = max((len(p.get("outputs") or []) for p in processes), default=0)
    columns = [
        _("id"),
        _("enterprise"),
        _("enterprise name"),
        _("name"),
        _("input resource"),
        unit,
        _("existing"),
        _("built"),
        f"{_('capacity')} ({unit}/h)",
        *[f"{_('input')} {period} ({unit})" for period in periods],
        f"{_('input')} ({unit}/{_('yr')})",
    ]
    for k in range(1, most + 1):
        columns += [
            _("output {k} resource").format(k=k),
            _("output {k} unit").format(k=k),
            _("output {k} made ({unit}/yr)").format(k=k, unit=unit),
            _("output {k} used ({unit}/yr)").format(k=k, unit=unit),
            _("output {k} disposed of ({unit}/yr)").format(k=k, unit=unit),
        ]
    money = [
        f"{_('capex')} ({currency})",
        f"{_('annualized capex')} ({per_year})",
        f"{_('capital charge')} ({per_year})",
        f"{_('opex')} ({per_year})",
        f"{_('electricity')} (MWh/{_('yr')})",
        f"{_('annual cost')} ({per_year})",
        f"{_('emissions')} (tCO2/{_('yr')})",
    ]
    columns += money
    rows = []
    for process in processes:
        row: dict[str, Any] = {
            _("id"): process["id"],
            _("enterprise"): process["enterprise"],
            _("enterprise name"): names.get(process["enterprise"], process["enterprise"]),
            _("name"): process.get("name"),
            _("input resource"): process["resource"],
            unit: _unit(results, process["resource"]),
            _("existing"): process.get("existing"),
            _("built"): process.get("built"),
            f"{_('capacity')} ({unit}/h)": process.get("capacity"),
            f"{_('input')} ({unit}/{_('yr')})": process.get("input_total"),
        }
        for column, key in zip(
            money,
            ("capex", "annualized_capex", "capital_charge", "opex", "electricity_mwh", "annual_cost", "emissions"),
            strict=True,
        ):
            row[column] = process.get(key)
        for period in periods:
            row[f"{_('input')} {period} ({unit})"] = (process.get("input") or {}).get(period)
        for k, output in enumerate(process.get("outputs") or [], start=1):
            made = sum((output.get("amount") or {}).values())
            used = sum((output.get("taken") or {}).values())
            row |= {
                _("output {k} resource").format(k=k): output["resource"],
                _("output {k} unit").format(k=k): _unit(results, output["resource"]),
                _("output {k} made ({unit}/yr)").format(k=k, unit=unit): made,
                _("output {k} used ({unit}/yr)").format(k=k, unit=unit): used,
                _("output {k} disposed of ({unit}/yr)").format(k=k, unit=unit): max(made - used, 0.0),
            }
        rows.append(row)
    return Table(pd.DataFrame(rows, columns=columns), totals=money if rows else ())


def _markets(results: dict[str, Any]) -> Table:
    """One row per market and resource it buys: where it is, what the plan sells there and the revenue."""
    currency = results.get("currency") or "CNY"
    periods = results.get("periods") or []
    names = place_names(results)
    unit = _("unit")
    sold_year = f"{_('sold')} ({unit}/{_('yr')})"
    revenue_column = f"{_('revenue')} ({currency}/{_('yr')})"
    columns = [
        _("market"),
        _("name"),
        _("location"),
        _("resource"),
        unit,
        *[f"{_('sold')} {period} ({unit})" for period in periods],
        sold_year,
        revenue_column,
        f"{_('price')} ({currency}/{unit})",
        _("sold by"),
    ]
    rows = []
    for market in results.get("markets") or []:
        location = market.get("location") or {}
        where = (
            f"{location['lat']}, {location['lon']}"
            if "lat" in location
            else f"{location.get('x')}, {location.get('y')}"
        )
        for resource in market.get("buys") or []:
            into = [
                link
                for link in results.get("links") or []
                if link["to"] == market["id"] and link["resource"] == resource
            ]
            sold = sum(sum((link.get("delivered") or {}).values()) for link in into)
            revenue = sum(link.get("market_revenue") or 0.0 for link in into)
            row = {
                _("market"): market["id"],
                _("name"): market.get("name"),
                _("location"): where,
                _("resource"): resource,
                unit: _unit(results, resource),
                sold_year: sold,
                revenue_column: revenue,
                f"{_('price')} ({currency}/{unit})": revenue / sold if sold else None,
                _("sold by"): ", ".join(dict.fromkeys(names.get(link["from"], link["from"]) for link in into)),
            }
            for period in periods:
                row[f"{_('sold')} {period} ({unit})"] = sum(
                    (link.get("delivered") or {}).get(period) or 0.0 for link in into
                )
            rows.append(row)
    return Table(pd.DataFrame(rows, columns=columns), totals=[revenue_column] if rows else ())


def _unit(results: dict[str, Any], resource: str) -> str:
    return results.get("resources", {}).get(resource, {}).get("unit", "")


# --- assumptions ------------------------------------------------------------------------------

_LIFETIME_ROW = 12
"""Excel row of the first lifetime on the ``assumptions`` sheet (after the economics and a gap)."""
_DISCOUNT_CELL = "$B$3"
"""The discount rate's cell on the ``assumptions`` sheet."""


def _factor_lookup() -> str:
    """An Excel lookup of a lifetime's annualisation factor (CRF + O&M) by its key (``mode:truck``)."""
    return "VLOOKUP({key},assumptions!$A$" + str(_LIFETIME_ROW) + ":$G$100000,7,FALSE)"


def _assumption_blocks(results: dict[str, Any]) -> list[tuple[list[str], list[list[Any]]]]:
    """The ``assumptions`` sheet as blocks of (header, rows): economics, lifetimes, stream prices."""
    made = results.get("assumptions") or {}
    currency = made.get("currency") or results.get("currency") or "CNY"
    economics = [
        [_("currency"), currency, ""],
        [_("discount rate"), made.get("discount_rate"), SHARE],
        [_("carbon price"), made.get("carbon_price"), f"{currency}/tCO2"],
        [_("electricity price"), made.get("electricity_price"), f"{currency}/MWh"],
        [_("grid emission factor"), made.get("grid_emission_factor"), "tCO2/MWh"],
        [_("steam price (absorption heat pumps)"), made.get("steam_price"), f"{currency}/MWh"],
        [_("steam emission factor"), made.get("steam_emission_factor"), "tCO2/MWh"],
    ]
    kinds = {"mode": _("mode"), "technology": _("heat technology"), "process": _("process")}
    lifetimes = []
    for index, entry in enumerate(made.get("lifetimes") or []):
        row = _LIFETIME_ROW + index
        crf = (
            f"=IF({_DISCOUNT_CELL}=0,1/D{row},{_DISCOUNT_CELL}*(1+{_DISCOUNT_CELL})^D{row}"
            f"/((1+{_DISCOUNT_CELL})^D{row}-1))"
        )
        lifetimes.append(
            [
                f"{entry['kind']}:{entry['name']}",
                kinds.get(entry["kind"], entry["kind"]),
                entry["name"],
                entry["lifetime_years"],
                entry["om_fraction"],
                crf,
                f"=F{row}+E{row}",
            ]
        )
    names = place_names(results)
    roles = {
        "supply": _("disposal"),
        "demand": _("conventional supply"),
        "market": _("market price"),
        "output": _("disposal"),
    }
    prices = [
        [
            p["stream"],
            p["enterprise"],
            names.get(p["enterprise"], p["enterprise"]),
            roles.get(p["role"], p["role"]),
            p["resource"],
            p["unit"],
            p["cost"],
            p["emissions"],
        ]
        for p in made.get("prices") or []
    ]
    return [
        ([_("assumption"), _("value"), _("unit")], economics),
        (
            [
                _("key"),
                _("kind"),
                _("name"),
                _("lifetime (years)"),
                _("O&M per year (share of capex)"),
                _("capital recovery factor"),
                _("annualised capex per unit of capex"),
            ],
            lifetimes,
        ),
        (
            [
                _("stream"),
                _("enterprise"),
                _("enterprise name"),
                _("price of"),
                _("resource"),
                _("unit"),
                _("price per unit ({currency})").format(currency=currency),
                _("tCO2 per unit"),
            ],
            prices,
        ),
    ]


def _write_assumptions(sheet: Any, results: dict[str, Any]) -> None:
    """The economics on top (the discount rate in B3), lifetimes from row `_LIFETIME_ROW`, then prices."""
    blocks = _assumption_blocks(results)
    sheet.freeze_panes = "A2"
    widths: dict[int, int] = {}
    row = 1
    for number, (header, rows) in enumerate(blocks):
        if number == 1:  # the lifetimes start where the formulas expect them
            while row < _LIFETIME_ROW - 1:
                sheet.append([])
                row += 1
        sheet.append([_header_cell(sheet, column) for column in header])
        row += 1
        for values in rows:
            cells = []
            for position, value in enumerate(values):
                unit = values[2] if number == 0 else ""
                if number == 0 and position == 1 and unit == SHARE:
                    fmt = "0.0%"
                elif number == 1 and position in (5, 6):
                    fmt = "0.0000"
                elif number == 1 and position == 4:
                    fmt = "0.0%"
                elif isinstance(value, float):
                    fmt = "#,##0.00" if abs(value) >= 1 else "0.0000"
                else:
                    fmt = None
                cells.append(
                    _cell(sheet, value, fmt, formula=isinstance(value, str) and value.startswith("=") and number == 1)
                )
                widths[position] = max(widths.get(position, 8), min(len(str(value)) + 2, 50))
            sheet.append(cells)
            row += 1
        for position, column in enumerate(header):
            widths[position] = max(widths.get(position, 8), len(column) + 2)
        sheet.append([])
        row += 1
    for position, width in widths.items():
        sheet.column_dimensions[get_column_letter(position + 1)].width = min(width, 60)


# --- writing ----------------------------------------------------------------------------------


def workbook_tables(results: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The workbook's sheets as DataFrames, keyed by sheet name (`SHEETS`); formulas and totals are left
    out (``assumptions`` holds the economics, lifetimes and stream prices, one block after another)."""
    with language(results.get("lang")):
        tables = {name: table.frame for name, table in _tables(results).items()}
        rows: list[list[Any]] = []
        for header, body in _assumption_blocks(results):
            rows += [header, *body, []]
        width = max(len(row) for row in rows)
        tables["assumptions"] = pd.DataFrame(
            [row + [None] * (width - len(row)) for row in rows[1:-1]],
            columns=[*rows[0], *[f"column {k}" for k in range(4, width + 1)]],
        )
        return tables


def _tables(results: dict[str, Any]) -> dict[str, Table]:
    return {
        "summary": _summary(results),
        "links": _links(results),
        "flows": _flows(results),
        "balances": _balances(results),
        "processes": _processes(results),
        "markets": _markets(results),
        "kpis": Table(
            pd.DataFrame(
                [[r["kpi"], r["value"], r["unit"]] for r in kpi_rows(results)],
                columns=[_("kpi"), _("value"), _("unit")],
                dtype=object,
            ),  # counts stay int
            value_units=True,
        ),
    }


def _column_format(values: list[Any]) -> str | None:
    numbers = [v for v in values if _is_number(v)]
    if not numbers:
        return None
    if all(isinstance(v, int | np.integer) for v in numbers):
        return "#,##0"
    return "#,##0" if max(abs(v) for v in numbers) >= 100 else "#,##0.000"


def _row_format(value: Any, unit: str) -> str | None:
    if not _is_number(value):
        return None
    if unit == SHARE:
        return "0.0%"
    if unit == YEARS:
        return "0.0"
    if isinstance(value, int | np.integer):
        return "#,##0"
    return "#,##0" if abs(value) >= 100 else "#,##0.000"


def write_table(sheet: Any, table: Table, total_label: str | None = None) -> None:
    """Write a `Table`: a bold shaded header, frozen header row, autofilter, fitted widths and number
    formats, its formula columns and a totals row of ``=SUM`` formulas (labelled ``total_label``).

    A ``value`` column beside a ``unit`` column is formatted row by row (shares as percent,
    counts as whole numbers); other numeric columns get one format (whole numbers when every
    value is a count). ``sheet`` is a write-only sheet: rows are streamed to the file.
    """
    frame = table.frame
    names = [*frame.columns, *table.formulas]
    sheet.freeze_panes = "A2"
    columns = [list(frame[column]) for column in frame.columns]
    row_units = [str(u) for u in columns[2]] if table.value_units else None
    formats: list[list[str | None] | str | None] = []
    for position, (column, values) in enumerate(zip(frame.columns, columns, strict=True), start=1):
        sample = [str(column)] + [f"{v:,.2f}" if isinstance(v, float) else str(v) for v in values[:500]]
        sheet.column_dimensions[get_column_letter(position)].width = min(
            max(max(len(text) for text in sample) + 2, 8), 60
        )
        if position == 2 and row_units is not None:
            formats.append([_row_format(v, unit) for v, unit in zip(values, row_units, strict=True)])
        else:
            formats.append(_column_format(values))
    for offset, column in enumerate(table.formulas, start=len(frame.columns) + 1):
        sheet.column_dimensions[get_column_letter(offset)].width = min(len(str(column)) + 2, 40)
    # An empty table still gets its (empty) styled header cell, as the sheet's first row.
    sheet.append([_header_cell(sheet, column) for column in names] or [_header_cell(sheet, None)])
    for row in range(len(frame)):
        cells = []
        for values, column_format in zip(columns, formats, strict=True):
            fmt = column_format[row] if isinstance(column_format, list) else column_format
            value = _excel_value(values[row])
            if fmt is None and not (isinstance(value, str) and value.startswith("=")):
                cells.append(value)  # plain: openpyxl writes it as it is (a cell object costs time)
            else:
                cells.append(_cell(sheet, value, fmt))
        for index, text in (table.row_formulas.get(row) or {}).items():
            column_format = formats[index]
            fmt = column_format[row] if isinstance(column_format, list) else column_format
            cells[index] = _cell(sheet, text, fmt, formula=True)
        for make in table.formulas.values():
            cells.append(_cell(sheet, make(row + 2), "#,##0", formula=True))
        sheet.append(cells)
    last = len(frame) + 1
    if names:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{max(last, 1)}"
    if table.totals and len(frame):
        cells = []
        totals = set(table.totals)
        for position, column in enumerate(names, start=1):
            letter = get_column_letter(position)
            if position == 1:
                cells.append(_cell(sheet, total_label or _("total"), None, bold=True))
            elif column in totals or column in table.formulas:
                cells.append(_cell(sheet, f"=SUM({letter}2:{letter}{last})", "#,##0", formula=True, bold=True))
            else:
                cells.append(_cell(sheet, None, None, bold=True))
        sheet.append(cells)


def _cell(sheet: Any, value: Any, number_format: str | None, *, formula: bool = False, bold: bool = False) -> Any:
    """A cell; text is text (``=1+1`` from a park file stays those characters), unless ``formula``."""
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and not formula:
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
        cell.fill = _TOTAL_FILL
    return cell


def _header_cell(sheet: Any, column: Any) -> Any:
    cell = WriteOnlyCell(sheet, None if column is None else str(column))
    if cell.value is not None:
        cell.data_type = "s"
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=False)
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
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool | np.bool_)
        and value == value
    )  # NaN != NaN


def write_tables(path: str | pathlib.Path, tables: dict[str, Table | pd.DataFrame]) -> pathlib.Path:
    """Write sheets (name -> `Table` or DataFrame) to an ``.xlsx`` file, formatted as the results workbook."""
    path = pathlib.Path(path)
    workbook = Workbook(write_only=True)
    with _discarded_if_cut(workbook):
        for name, table in tables.items():
            write_table(workbook.create_sheet(name), table if isinstance(table, Table) else Table(table))
        workbook.save(path)
    return path


def write_workbook(path: str | pathlib.Path, results: dict[str, Any]) -> pathlib.Path:
    """Write the results workbook (``.xlsx``) with the sheets of `SHEETS`, in the results' language.

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
    with language(results.get("lang")):
        workbook = Workbook(write_only=True)
        with _discarded_if_cut(workbook):
            for name, table in _tables(results).items():
                write_table(workbook.create_sheet(name), table)
            _write_assumptions(workbook.create_sheet("assumptions"), results)
            workbook.save(path)
    return path


@contextlib.contextmanager
def _discarded_if_cut(workbook: Workbook) -> Iterator[None]:
    """Close a write-only workbook's sheets when its writing is cut short (Ctrl-C, a full disk).

    Each write-only sheet streams its rows through a generator into a temporary file of its
    own. Left to the garbage collector, a generator may be finalised after its file was
    closed, and Python prints "Exception ignored ... I/O operation on closed file" for each
    (issue 19). Closed here, in order, they end quietly and their temporary files go.
    """
    try:
        yield
    except BaseException:
        for sheet in workbook.worksheets:
            rows, writer = getattr(sheet, "_rows", None), getattr(sheet, "_writer", None)
            with contextlib.suppress(Exception):
                if rows is not None:
                    rows.close()
            if writer is not None:
                for step in (writer.xf.close, writer.close, writer.cleanup):
                    with contextlib.suppress(Exception):
                        step()
        raise
