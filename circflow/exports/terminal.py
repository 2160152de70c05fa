"""The summary ``circflow optimize`` prints: a run in 80 columns, read from ``results.json``.

An export stage: ``results -> exports`` (the CLI prints its lines). In the results' language;
widths are counted in terminal cells, so Chinese (two cells a character) fits 80 columns
too. Names are cut between words, never through a number; amounts carry their units
(``200 kt``, ``9.2 million m3``); the objective is written out, with the carbon cost that
makes it differ from the total cost; the investment comes with its simple payback.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from rich.cells import cell_len

from circflow.exports.labels import OBJECTIVE_NAMES, Namer, mode_label, resource_label, status_label, unit_of
from circflow.i18n import _, amount, current, join, language, ngettext, scaled, short, years
from circflow.linktypes import HEAT_TECHNOLOGIES, TECHNOLOGIES

WIDTH = 80
"""The summary fits 80 columns: names are cut, long lines wrapped."""
SHOWN = 15
"""Links of one resource (and processes) listed; the rest are in links.csv."""
HEAT_SHORT = {name: TECHNOLOGIES[name].short_label for name in HEAT_TECHNOLOGIES}
"""Heat technologies as the summary names them (the report and workbook give the full label)."""


def money(value: float | None, currency: str) -> str:
    """Money in few characters: ``203.86 M CNY``; in Chinese ``2.04 亿 CNY``."""
    if value is None or not math.isfinite(value):
        return "-"
    number, suffix = scaled(value)
    if not suffix:
        return f"{number:,.0f} {currency}"
    digits = 0 if abs(number) >= 1000 else 2  # 4,433 万, not 4,432.56 万
    return f"{number:,.{digits}f} {suffix} {currency}"


def fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut between words with an ellipsis."""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    cut = ""
    for word in text.split(" "):
        candidate = f"{cut} {word}" if cut else word
        if cell_len(candidate) > width - 1:
            break
        cut = candidate
    if not cut:  # one long word: cut it by cells
        for ch in text:
            if cell_len(cut + ch) > width - 1:
                break
            cut += ch
    cut = cut.rstrip(" ,;(·→") + "…"
    return cut + " " * (width - cell_len(cut))


def right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` cells."""
    return " " * max(width - cell_len(text), 0) + text


def wrap(text: str, indent: str = "  ") -> list[str]:
    """A long line wrapped to `WIDTH` cells (Chinese has no spaces: it is cut by cells)."""
    if cell_len(text) <= WIDTH:
        return [text]
    if " " in text and all(ord(ch) < 0x2E80 for ch in text):
        return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_on_hyphens=False)
    lines, line = [], ""
    for ch in text:
        if cell_len(line + ch) > WIDTH:
            lines.append(line)
            line = indent
        line += ch
    return [*lines, line]


def route(link: dict[str, Any], namer: Namer, width: int) -> str:
    """``from → to`` in ``width`` cells, each end cut between words to its share; ``*`` marks an existing link."""
    tag = "*" if link.get("existing") else ""
    start, end = namer.end(link, "from"), namer.end(link, "to")
    if link.get("on_site"):
        return fit(f"{end} ({_('on site')}){tag}", width)
    room = width - 3 - len(tag)
    first = min(cell_len(start), max(room - cell_len(end), room // 2))
    text = f"{fit(start, first).rstrip()} → {fit(end, room - first).rstrip()}{tag}"
    return fit(text, width)


def summary_lines(results: dict[str, Any], folder: str) -> list[str]:
    """The lines ``circflow optimize`` prints for a run (SPEC 5), each at most `WIDTH` cells."""
    with language(results.get("lang")):
        return _lines(results, folder)


def _lines(results: dict[str, Any], folder: str) -> list[str]:
    out: list[str] = []
    status = results.get("status")
    head = f"{results.get('park')}: {status_label(status)}"
    if results.get("scenarios"):
        head += " (" + _("scenarios: {names}").format(names=", ".join(results["scenarios"])) + ")"
    out += wrap(head)
    if status == "infeasible":
        out.append(_("no plan meets the park's targets and forced links together:"))
        out += [f"  - {line}" for line in results.get("diagnosis") or []]  # whole, so each can be searched for
        out.append(_("details: {path}").format(path=f"{folder}/results.json"))
        return out
    if status not in ("optimal", "feasible"):
        out.append(
            _(
                "a solver limit (the time limit, or the solver profile's node or solution limit) stopped the search before any feasible plan was found; raise it"
            )
        )
        return out
    k, cur = results["kpis"], results.get("currency") or "CNY"
    per_year = f"/{_('yr')}"
    gap = results.get("gap")
    gap_text = "" if gap is None or not math.isfinite(gap) else _(", gap {gap}").format(gap=f"{gap:.2%}")
    if not gap_text and status == "feasible":  # a limit stopped HiGHS before it proved a bound
        gap_text = _(", gap unknown (no bound proven)")
    name = results.get("objective_name")
    if name == "emissions":
        objective = f"{results['objective']:,.0f} tCO2{per_year}"
    else:
        objective = money(results["objective"], cur) + per_year
        if k.get("carbon_cost"):
            objective += " = " + _("total cost {cost} + carbon cost {carbon}").format(
                cost=money(k["total_cost"], cur), carbon=money(k["carbon_cost"], cur)
            )
    out += wrap(
        _("objective ({name}): {value}").format(name=_(OBJECTIVE_NAMES.get(name or "cost", "cost")), value=objective)
        + gap_text
    )
    status_quo, save = k["baseline"], k["savings"]
    columns = (18, 14, 14, 14)
    out.append(
        fit(_("per year"), columns[0])
        + "".join(
            right(text, width)
            for text, width in zip((_("plan"), _("status quo"), _("saving")), columns[1:], strict=True)
        )
    )
    out.append(
        fit(_("total cost"), columns[0])
        + "".join(
            right(money(v, cur), w)
            for v, w in zip((k["total_cost"], status_quo["total_cost"], save["total_cost"]), columns[1:], strict=True)
        )
    )
    out.append(
        fit(_("emissions (tCO2)"), columns[0])
        + "".join(
            right(f"{v:,.0f}", w)
            for v, w in zip((k["emissions"], status_quo["emissions"], save["emissions"]), columns[1:], strict=True)
        )
    )
    processes = results.get("processes") or []
    links = results.get("links") or []
    new_links = sum(1 for link in links if not link.get("existing") and not link.get("on_site"))
    new_processes = sum(1 for p in processes if p.get("built") and not p.get("existing"))
    what = ngettext("{n} new link", "{n} new links", new_links).format(n=new_links)
    if new_processes:
        what = join([what, ngettext("{n} new process", "{n} new processes", new_processes).format(n=new_processes)])
    line = _("investment {capex} in {what}").format(capex=money(k["capex"], cur), what=what)
    if k.get("payback_years") is not None:
        line += _("; ") + _("payback {years}").format(years=years(k["payback_years"]))
    out += wrap(line)
    if k.get("operating_saving") is not None and k.get("payback_years") is not None:
        out += wrap(
            "  "
            + _("(investment / operating saving of {amount}: the saving before the capital charge)").format(
                amount=money(k["operating_saving"], cur) + per_year
            ),
            "  ",
        )
    if k.get("market_revenue"):
        before = status_quo.get("market_revenue") or 0.0
        out += wrap(
            _("sales to markets: {amount} (status quo: {before})").format(
                amount=money(k["market_revenue"], cur) + per_year,
                before=money(before, cur) + per_year if before else _("none"),
            )
        )
    if k.get("utilization"):
        out += wrap(
            _("utilisation: {shares}").format(
                shares=_(", ").join(f"{resource_label(r)} {v:.0%}" for r, v in k["utilization"].items())
            )
        )
    namer = Namer(results)
    if processes:
        out += _process_lines(processes, namer, results)
    out += _link_lines(links, namer, results)
    warnings = results.get("warnings") or []
    for warning in warnings[:5]:
        out += wrap(_("warning: {text}").format(text=warning))
    if len(warnings) > 5:
        out += wrap(_("... {n} more warnings (circflow validate lists them)").format(n=len(warnings) - 5))
    out += wrap(_("results: {folder}/ (open report.html first)").format(folder=folder))
    return out


def _process_lines(processes: list[dict[str, Any]], namer: Namer, results: dict[str, Any]) -> list[str]:
    built = sum(1 for p in processes if p.get("built"))
    out = [_("processes built: {built} of {all}").format(built=built, all=len(processes))]
    for row in processes[:SHOWN]:
        unit = unit_of(results, row["resource"])
        label = row.get("name") or row["id"]
        if row.get("existing") and _("existing") not in label:
            label += f" ({_('existing')})"
        label += " "
        label += f"({namer.place(row['enterprise'])})"
        if row.get("built"):
            size = f"{short(row.get('capacity'))} {unit}/h"
            taken = _("{amount} in").format(amount=f"{short(row.get('input_total'))} {unit}/{_('yr')}")
            out.append(f"  {fit(label, 44)} {right(size, 10)} {right(taken, 20)}")
        else:
            out.append(f"  {fit(label, 44)} {_('candidate, not built')}")
    if len(processes) > SHOWN:
        out.append(_("... and {n} more in processes.csv").format(n=len(processes) - SHOWN))
    return out


def quantity(value: float | None, unit: str) -> str:
    """An amount per year in few cells: ``200 kt``, ``356 GWh``, ``9.2 M m3``; ``20 万 t``."""
    if value is None or not math.isfinite(value):
        return "-"
    if unit in ("t", "MWh") or current() == "zh":
        return amount(value, unit)
    return f"{short(value)} {unit}"


def _link_lines(links: list[dict[str, Any]], namer: Namer, results: dict[str, Any]) -> list[str]:
    """Links by resource, two lines each: the route by name, then how (mode, or heat technology with
    COP, MW delivered at full load and full-load hours), km, what it delivers per year and its net
    saving per year."""
    out = [_("links in the plan: {n}").format(n=len(links))]
    if not links:
        return out

    def number(value: Any, digits: int = 0) -> str:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return "-"
        return f"{value:,.{digits}f}"

    hidden = 0
    for resource in sorted({link["resource"] for link in links}, key=resource_label):
        rows = sorted(
            (link for link in links if link["resource"] == resource),
            key=lambda row: -(row.get("delivered_total") or 0.0),
        )
        unit = unit_of(results, resource)
        heat = all(row.get("type") in HEAT_SHORT for row in rows)
        if heat:
            out.append(
                fit(resource_label(resource), 26)
                + right("COP", 5)
                + right("MW", 7)
                + right(_("h/yr"), 7)
                + right("km", 7)
                + right(_("per year"), 13)
                + right(_("saving/yr"), 13)
            )
        else:
            out.append(
                fit(resource_label(resource), 46)
                + right("km", 7)
                + right(_("per year"), 13)
                + right(_("saving/yr"), 13)
            )
        for row in rows[:SHOWN]:
            out.append("  " + route(row, namer, WIDTH - 2).rstrip())
            figures = (
                right(number(row.get("length_km"), 1), 7)
                + right(quantity(row.get("delivered_total"), unit), 13)
                + right(short(row.get("net_saving")), 13)
            )
            if heat:
                mw = row["capacity"] * (row.get("gain") or 1.0) if row.get("capacity") is not None else None
                out.append(
                    "    "
                    + fit(_(HEAT_SHORT[row["type"]]), 22)
                    + right(number(row.get("cop"), 2), 5)
                    + right(number(mw, 1), 7)
                    + right(number(row.get("full_load_hours")), 7)
                    + figures
                )
            else:
                by = _("on site") if row.get("on_site") else mode_label(row.get("mode"))
                out.append("    " + fit(by, 42) + figures)
        hidden += max(len(rows) - SHOWN, 0)
    note = _("saving/yr: what a link avoids less its own costs, in {currency}").format(
        currency=results.get("currency") or "CNY"
    )
    if any(link.get("existing") for link in links):
        note = _("* existing link") + _("; ") + note
    out += wrap(note)
    if hidden:
        out.append(_("... and {n} more in links.csv").format(n=hidden))
    return out
