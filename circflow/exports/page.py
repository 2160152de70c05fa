"""The page every HTML export shares: style, print and phone layouts, tables that sort and filter.

An export stage: ``results -> exports``. The report, the comparison, the Pareto front and the
sweep are written with `page_html`, so they read alike: the park's name on top, the same
fonts (a CJK stack for Chinese, with the page's ``lang``), numbers right-aligned with
separators, an A4 print stylesheet (no toolbars, no scroll bars, charts scaled to the page and
kept whole, tables with every column) and a layout for a 390 px phone (cards two abreast,
legends under the charts, wide charts scrolling sideways). Nothing is fetched from elsewhere:
plotly.js is inlined, or read from ``plotly.min.js`` beside the page (`write_plotly_js`), once
per folder of pages: circflow's own bundle of it (`plotly_js_text`), with only the traces its
pages draw.

`data_table` writes a table that sorts on a click of its header, filters by text and by the
values of chosen columns, and keeps a totals row of the rows shown (plain JavaScript in the
page).
"""

from __future__ import annotations

import datetime
import functools
import html
import importlib.resources
import json
import math
import pathlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go
import plotly.io as pio

from circflow.i18n import FONT_STACK, _, current, html_lang, year_number

PLOTLY_FILE = "plotly.min.js"
"""plotly.js beside the pages of a folder of several runs (compare, pareto, sweep)."""
PRINT_WIDTH_PX = 718
"""Width of an A4 page's text in CSS px: 210 mm less 10 mm margins each side, at 96 px per inch."""
NARROW_PX = 700
"""Below this width (a phone) charts switch to their narrow layout (legends below)."""

Plotly = Literal["inline", "file", "none"]
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
"""Plotly options of every circflow figure: no logo, and the chart follows its box."""


def figure_html(figure: go.Figure | dict[str, Any], div_id: str, *, full_html: bool = False, **options: Any) -> str:
    """A figure as HTML: a ``<div>`` drawn by the page's plotly.js, or with ``full_html`` a page embedding it.

    A figure dict (`circflow.exports.sankey.sankey_figure_dict`) is written as ``go.Figure`` would
    write it: with the default plotly template (``plotly.io.templates.default``) unless it names
    a template. ``options`` go to `plotly.io.to_html`.
    """
    if isinstance(figure, dict) and "template" not in figure.get("layout", {}) and pio.templates.default is not None:
        template = pio.templates.default
        if isinstance(template, str):
            template = pio.templates[template]
        figure = {**figure, "layout": {"template": template.to_plotly_json(), **figure.get("layout", {})}}
    return pio.to_html(figure, config=PLOTLY_CONFIG, div_id=div_id, full_html=full_html, validate=False, **options)


def fmt(value: Any, digits: int = 0, fixed: bool = False) -> str:
    """A value as text: thousands separators; below 10, 3 significant digits unless ``fixed`` decimals."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != 0 and abs(value) < 10 and not fixed:
            return f"{value:,.3g}"
        return f"{round(value, digits) + 0.0:,.{digits}f}"  # -0.3 reads as 0, not -0
    return str(value)


def share(value: float | None) -> str:
    """A share (0-1) as a percentage: ``86.9%``."""
    return "–" if value is None or not math.isfinite(value) else f"{value:.1%}"


def headings(*labels: str, **fields: object) -> list[str]:
    """A table's header row: each label in the current language, its ``{placeholders}`` filled
    from ``fields`` (``currency=...``). The labels are the catalogue's messages, as in
    ``_("...")``: `circflow.i18n.marked` finds those of a ``headings`` call too."""
    return [_(label).format(**fields) for label in labels]


def table_html(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    caption: str | None = None,
    digits: dict[int, int] | None = None,
    shares: Iterable[int] = (),
) -> str:
    """A plain HTML table; text is escaped, numbers get thousands separators and are right-aligned.

    ``digits`` maps a column's index to its number of decimals (default: `fmt`'s choice);
    the columns in ``shares`` hold shares (0-1), shown as percentages.
    """
    shares = set(shares)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for column, value in enumerate(row):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if numeric and column in shares:
                text = share(value)
            else:
                text = fmt(value, (digits or {}).get(column, 0), fixed=column in (digits or {}))
            cells.append(f"<td class='num'>{text}</td>" if numeric else f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f"<div class='table'><table>{title}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def facts_html(rows: Iterable[tuple[str, Any]], verbatim: Iterable[str] = ()) -> str:
    """Two columns of label and value, without a header (run facts, assumptions).

    Values of the labels in ``verbatim`` are text circflow's engine wrote in English (a method's
    description): marked ``translate="no"``, ``lang="en"``.
    """
    verbatim = set(verbatim)
    body = "".join(
        f"<tr><td>{html.escape(str(label))}</td><td"
        + (" translate='no' lang='en'" if label in verbatim else "")
        + f">{html.escape(fmt(value))}</td></tr>"
        for label, value in rows
    )
    return f"<div class='table'><table class='facts'><tbody>{body}</tbody></table></div>"


@dataclass(frozen=True)
class Column:
    """A column of a `data_table`.

    ``kind``: ``text``; ``number`` (thousands separators, ``digits`` decimals); ``share``
    (0-1 as %); ``years`` (a payback); ``amount`` (cells are ``(value, unit)``: summed only
    over rows of one unit). ``total``: the totals row adds the column up. ``choose``: the
    column's values get a filter of their own (a drop-down).
    """

    label: str
    kind: Literal["text", "number", "share", "years", "amount"] = "text"
    digits: int = 0
    total: bool = False
    choose: bool = False
    wide: bool = False
    """A text column that takes room (names): never cut, wraps."""
    scale: float = 1.0
    """Numbers are shown (and totalled) divided by this: 1e3 for thousands."""


def data_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    table_id: str,
    totals_label: str | None = None,
    note: str | None = None,
    search: bool = True,
) -> str:
    """A table that sorts (click a header), filters (a search box and one drop-down per ``choose``
    column) and adds up the rows shown in its totals row (``totals_label`` in its first cell).

    Cells hold their exact value in ``data-v`` for sorting and totals; the text shows it
    formatted. A text cell may be ``(text, title)``: the title is the full text on hover.
    """
    rows = list(rows)
    head = "".join(
        f"<th data-kind='{c.kind}'{' data-total=1' if c.total else ''}{' class=wide' if c.wide else ''} "
        f"tabindex='0' title='{html.escape(_('sort'))}'>{html.escape(c.label)}</th>"
        for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for column, value in zip(columns, row, strict=True):
            cells.append(_cell(column, value))
        body.append("<tr>" + "".join(cells) + "</tr>")
    foot = ""
    if totals_label is not None:
        cells = [f"<td>{html.escape(totals_label)}</td>"]
        for column in columns[1:]:
            cells.append("<td class='num' data-sum=1></td>" if column.total else "<td></td>")
        foot = f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
    tools = []
    if search:
        tools.append(
            f"<input type='search' placeholder='{html.escape(_('filter rows…'))}' "
            f"aria-label='{html.escape(_('filter rows'))}'>"
        )
    for index, column in enumerate(columns):
        if not column.choose:
            continue
        values = sorted({_plain(row[index]) for row in rows} - {""})
        options = "".join(f"<option>{html.escape(v)}</option>" for v in values)
        tools.append(
            f"<select data-column='{index}' aria-label='{html.escape(column.label)}'>"
            f"<option value=''>{html.escape(_('all'))}: {html.escape(column.label)}</option>{options}</select>"
        )
    if tools:
        tools.append("<span class='shown'></span>")
    caption = f"<p class='muted'>{note}</p>" if note else ""
    return (
        (f"<div class='table-tools no-print'>{''.join(tools)}</div>" if tools else "")
        + f"<div class='table'><table class='data' id='{html.escape(table_id)}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>{foot}</table></div>{caption}"
    )


def _plain(value: Any) -> str:
    if isinstance(value, tuple):
        value = value[0]
    return "" if value is None else str(value)


def _cell(column: Column, value: Any) -> str:
    if column.kind == "text":
        title = ""
        if isinstance(value, tuple):
            value, hint = value
            title = f" title='{html.escape(str(hint))}'"
        text = html.escape("" if value is None else str(value))
        return f"<td{title}>{text}</td>"
    unit = ""
    if column.kind == "amount":
        value, unit = value if isinstance(value, tuple) else (value, "")
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is not None and not math.isfinite(number):
        number = None
    if number is not None and column.scale != 1.0:
        number = number / column.scale
    if number is None:
        return f"<td class='num' data-v=''{f' data-unit={json.dumps(unit)}' if unit else ''}>–</td>"
    if column.kind == "share":
        text = share(number)
    elif column.kind == "years":
        text = year_number(number)
    else:
        text = fmt(float(number), column.digits, fixed=True)
        if unit:
            text += f" {html.escape(unit)}"
    data_unit = f" data-unit='{html.escape(unit)}'" if unit else ""
    return f"<td class='num' data-v='{float(number)!r}'{data_unit}>{text}</td>"


def chart_html(
    figure: go.Figure | dict[str, Any],
    div_id: str,
    *,
    narrow: dict[str, Any] | None = None,
    scroll_px: int | None = None,
) -> str:
    """A figure in the page: drawn by the page's plotly.js, at its own height.

    ``narrow`` holds the layout it takes below `NARROW_PX` (legend under the plot, another
    view); the page switches back and forth as the window is resized. ``scroll_px`` keeps
    the chart at least that wide on a phone, scrolling sideways (a Sankey needs room for its
    labels).
    """
    layout = figure.get("layout", {}) if isinstance(figure, dict) else figure.layout.to_plotly_json()
    height = layout.get("height") or 450
    div = figure_html(figure, div_id, include_plotlyjs=False, default_width="100%", default_height=f"{height}px")
    attributes = ""
    if narrow:
        wide = {key: _lookup(layout, key) for key in narrow}
        attributes += f" data-narrow='{html.escape(json.dumps(narrow))}' data-wide='{html.escape(json.dumps(wide))}'"
    style = f" style='--min-width:{scroll_px}px'" if scroll_px else ""
    inner = f"<div class='chart'{attributes}>{div}</div>"
    return f"<div class='scroll-x{' keep-wide' if scroll_px else ''}'{style}>{inner}</div>"


def _lookup(layout: dict[str, Any], dotted: str) -> Any:
    """A layout value by plotly's dotted key (``legend.orientation``), None when unset."""
    value: Any = layout
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def results_page(
    results: dict[str, Any], title: str, body: str, *, kicker: str, plotly_js: Plotly, footer: str = ""
) -> str:
    """A page of one run's ``results`` (or of the first of several, a front's point or a plan
    compared): `page_html` with the park's name (``results["park"]``) as the heading, ``title``
    a message naming it as ``{park}``, and the version of circflow that wrote the results."""
    park = str(results.get("park") or _("park"))
    return page_html(
        title.format(park=park),
        park,
        body,
        kicker=kicker,
        plotly_js=plotly_js,
        footer=footer,
        version=results.get("circflow_version"),
    )


def page_html(
    title: str,
    heading: str,
    body: str,
    *,
    kicker: str | None = None,
    plotly_js: Plotly = "inline",
    footer: str = "",
    version: str | None = None,
) -> str:
    """A whole page in the current language (`circflow.i18n.language`).

    Parameters
    ----------
    title
        The window title (the park's name first).
    heading
        The page's ``<h1>``.
    body
        HTML inside ``<main>``, after the heading.
    kicker
        What the page is, in the small line above the heading: ``circflow · KICKER · today``.
    plotly_js
        ``inline`` embeds plotly.js (a page to mail: it works alone), ``file`` reads
        `PLOTLY_FILE` beside the page (`write_plotly_js`), ``none`` has no charts.
    footer
        HTML of the page's footer.
    version
        The circflow version that wrote the results shown (the page's ``generator``).
    """
    kicker = " · ".join(part for part in ("circflow", kicker, datetime.date.today().isoformat()) if part)
    generator = " ".join(part for part in ("circflow", version) if part)
    if plotly_js == "inline":
        script = f"<script type='text/javascript'>{plotly_js_text()}</script>"
    elif plotly_js == "file":
        script = f"<script type='text/javascript' src='{PLOTLY_FILE}'></script>"
    else:
        script = ""
    footer_html = f"<footer>{footer}</footer>" if footer else ""
    return f"""<!DOCTYPE html>
<html lang="{html_lang()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{html.escape(generator)}">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
{script}
</head>
<body class="lang-{current()}">
<main>
<header>
<p class="kicker">{html.escape(kicker)}</p>
<h1>{html.escape(heading)}</h1>
</header>
{body}
{footer_html}
</main>
<script type="text/javascript">{SCRIPT}</script>
</body>
</html>
"""


PLOTLY_TRACES = ("scatter", "bar", "sankey")
"""The trace types circflow's pages draw, and all that its plotly.js bundle holds."""


@functools.cache
def plotly_js_text() -> str:
    """circflow's plotly.js, read once per process: the plotly.js that plotly.py ships, built with
    only `PLOTLY_TRACES` (``circflow/assets/plotly-circflow.min.js``, 1.3 MB instead of 4.8 MB;
    ``tools/plotly-bundle`` builds it). A report inlines it, so it is 2.0 MB for Jinan, not 5.5 MB."""
    return (importlib.resources.files("circflow") / "assets" / "plotly-circflow.min.js").read_text(encoding="utf-8")


def write_plotly_js(folder: str | pathlib.Path) -> pathlib.Path:
    """Write plotly.js once into ``folder`` for its pages written with ``plotly_js="file"``."""
    path = pathlib.Path(folder) / PLOTLY_FILE
    path.write_text(plotly_js_text(), encoding="utf-8")
    return path


CSS = """
:root { --ink: #1c2833; --muted: #5d6d7e; --line: #d5dbe1; --accent: #1b4f72; --soft: #f4f6f8; --good: #196f3d; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 15px/1.5 FONTS; }
body.lang-zh { line-height: 1.65; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { margin: 0 0 12px; font-size: 28px; line-height: 1.2; }
h2 { margin: 36px 0 12px; font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { margin: 20px 0 8px; font-size: 16px; }
.kicker { margin: 0; color: var(--muted); letter-spacing: .04em; font-size: 12px; }
.lede { font-size: 17px; max-width: 60em; margin: 8px 0 0; }
.muted { color: var(--muted); font-size: 13px; }
nav { margin: 18px 0 0; padding: 8px 12px; background: var(--soft); border-radius: 6px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; margin: 16px 0 0; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: 10px 14px; }
.card .label { color: var(--muted); font-size: 13px; }
.card .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .note { color: var(--muted); font-size: 12px; }
.alert { margin: 20px 0 0; padding: 12px 16px; border-radius: 6px; background: #fdedec; border: 1px solid #e6b0aa; }
.callout { margin: 12px 0; padding: 10px 14px; border-radius: 6px; background: var(--soft); font-size: 14px; max-width: 60em; }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
table.data th { cursor: pointer; user-select: none; white-space: normal; vertical-align: bottom; min-width: 4.5em; }
table.data th.wide { min-width: 14em; }
table.data th[aria-sort=ascending]::after { content: " ▲"; font-size: 10px; }
table.data th[aria-sort=descending]::after { content: " ▼"; font-size: 10px; }
table.data tfoot td { font-weight: 600; border-top: 2px solid var(--ink); border-bottom: none; }
table.data tr.sub td { color: var(--muted); font-size: 12px; border-bottom-style: dotted; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.neg { color: #922b21; }
table.facts td:first-child { color: var(--muted); white-space: nowrap; }
.table-tools { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 4px 0 6px; font-size: 13px; }
.table-tools input, .table-tools select { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 4px; }
.table-tools input { min-width: 16em; }
.table-tools .shown { color: var(--muted); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.bar { width: 220px; height: 10px; background: var(--soft); border-radius: 5px; overflow: hidden; margin-top: 5px; }
.bar div { height: 100%; }
.tag { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: var(--soft); color: var(--muted); }
.warnings li { color: #7e5109; }
.scroll-x { overflow-x: auto; }
.phone-only { display: none; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 700px) {
  main { padding: 14px 12px 32px; }
  h1 { font-size: 22px; }
  h2 { font-size: 18px; }
  .lede { font-size: 15px; }
  .cards { grid-template-columns: 1fr 1fr; gap: 8px; }
  .card { padding: 8px 10px; }
  .card .value { font-size: 18px; }
  .scroll-x.keep-wide .chart { min-width: var(--min-width); }
  .table-tools input { min-width: 0; flex: 1 1 100%; }
  .bar { width: 90px; }
  .modebar-container { display: none; }
  .phone-only { display: block; }
}
@media print {
  @page { size: A4; margin: 12mm 10mm 12mm 10mm; }
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 18pt; }
  h2 { font-size: 13pt; margin: 14pt 0 6pt; break-after: avoid; }
  h3 { font-size: 10.5pt; margin: 10pt 0 4pt; break-after: avoid; }
  .lede { font-size: 11pt; }
  nav, .no-print, .table-tools, .modebar-container, .updatemenu-container { display: none !important; }
  .table, .scroll-x { overflow: visible !important; }
  table { font-size: 8pt; }
  table.data { width: 100%; font-size: 6.8pt; }
  table.data th, table.data td { padding: 1.5pt 2.5pt; }
  table.data th, table.data th.wide { min-width: 0; }
  table.data th[aria-sort]::after { content: ""; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .cards { grid-template-columns: repeat(4, 1fr); gap: 6pt; }
  .card .value { font-size: 13pt; }
  .chart { break-inside: avoid; width: var(--drawn-width); zoom: var(--print-zoom, 1); }
  tfoot { display: table-row-group; }
  .scroll-x.keep-wide .chart { min-width: 0; }
  .print-break { break-before: page; }
  a { color: inherit; text-decoration: none; }
}
""".replace("FONTS", FONT_STACK)

SCRIPT = """
(function () {
  "use strict";
  var NARROW = NARROW_PX, PRINT = PRINT_PX;
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang, {maximumFractionDigits: 0});

  // Tables: sort by a header, filter by text and drop-downs, total the rows shown.
  function value(cell) {
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim().toLowerCase() : (v === "" ? null : parseFloat(v));
  }
  function setUp(table) {
    var body = table.tBodies[0], heads = table.tHead.rows[0].cells;
    var tools = table.parentNode.previousElementSibling;
    if (!tools || !tools.classList.contains("table-tools")) tools = null;
    var rows = Array.prototype.slice.call(body.rows);
    function refresh() {
      var text = tools && tools.querySelector("input") ? tools.querySelector("input").value.toLowerCase() : "";
      var chosen = tools ? Array.prototype.map.call(tools.querySelectorAll("select"), function (s) {
        return [parseInt(s.getAttribute("data-column"), 10), s.value];
      }) : [];
      var shown = 0;
      rows.forEach(function (row) {
        var keep = !text || row.textContent.toLowerCase().indexOf(text) >= 0;
        chosen.forEach(function (c) { if (c[1] && row.cells[c[0]].textContent.trim() !== c[1]) keep = false; });
        row.style.display = keep ? "" : "none";
        if (keep) shown += 1;
      });
      if (tools && tools.querySelector(".shown")) {
        tools.querySelector(".shown").textContent = shown + " / " + rows.length;
      }
      var foot = table.tFoot;
      if (!foot) return;
      Array.prototype.forEach.call(foot.rows[0].cells, function (cell, index) {
        if (!cell.hasAttribute("data-sum")) return;
        var sum = 0, units = {}, any = false;
        rows.forEach(function (row) {
          if (row.style.display === "none") return;
          var c = row.cells[index], v = value(c);
          if (typeof v === "number") { sum += v; any = true; units[c.getAttribute("data-unit") || ""] = 1; }
        });
        var keys = Object.keys(units);
        cell.textContent = !any ? "–" : (keys.length > 1 ? "…" : numberFormat.format(sum) + (keys[0] ? " " + keys[0] : ""));
        cell.title = keys.length > 1 ? "rows of several units" : "";
      });
    }
    Array.prototype.forEach.call(heads, function (head, index) {
      function sort() {
        var descending = head.getAttribute("aria-sort") !== "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        head.setAttribute("aria-sort", descending ? "descending" : "ascending");
        rows.sort(function (a, b) {
          var x = value(a.cells[index]), y = value(b.cells[index]);
          if (x === null) return 1;
          if (y === null) return -1;
          var order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      head.addEventListener("click", sort);
      head.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
    if (tools) {
      Array.prototype.forEach.call(tools.querySelectorAll("input, select"), function (control) {
        control.addEventListener("input", refresh);
        control.addEventListener("change", refresh);
      });
    }
    refresh();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), setUp);

  // Charts: a narrow layout on phones; in print, scaled to the page's width and kept whole.
  var charts = Array.prototype.slice.call(document.querySelectorAll(".chart"));
  function fit() {
    charts.forEach(function (chart) {
      var plot = chart.querySelector(".js-plotly-plot");
      if (!plot || !window.Plotly) return;
      var narrow = chart.getAttribute("data-narrow");
      if (narrow) {
        var want = chart.getBoundingClientRect().width < NARROW ? "narrow" : "wide";
        if (chart.getAttribute("data-now") !== want) {
          chart.setAttribute("data-now", want);
          if (want === "narrow" || chart.hasAttribute("data-was-narrow")) {
            var update = JSON.parse(chart.getAttribute("data-" + want));
            if (want === "narrow") chart.setAttribute("data-was-narrow", "");
            Object.keys(update).forEach(function (k) { if (update[k] === null) update[k] = undefined; });
            if (update.height) {  // the div and plotly's wrapper around it keep the height they were written with
              plot.style.height = update.height + "px";
              if (plot.parentNode !== chart) plot.parentNode.style.height = update.height + "px";
            }
            Plotly.relayout(plot, update);
          }
        }
      }
      var width = plot.getBoundingClientRect().width;
      if (width > 0) {  // print: the chart keeps the width it was drawn at, scaled to the page
        chart.style.setProperty("--drawn-width", width + "px");
        chart.style.setProperty("--print-zoom", Math.min(1, PRINT / width).toFixed(4));
      }
    });
  }
  var timer = null;
  window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(fit, 150); });
  if (document.readyState === "complete") fit(); else window.addEventListener("load", fit);
})();
""".replace("NARROW_PX", str(NARROW_PX)).replace("PRINT_PX", str(PRINT_WIDTH_PX))
