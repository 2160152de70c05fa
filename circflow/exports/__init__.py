"""Exports: the files people read, drawn from a finished run (last stage before the CLI).

``results -> exports``: every module here reads the content of ``results.json`` (or a
sweep's table) and never the model or the solver, so a results folder can be redrawn
later without solving again (``circflow sankey RESULTS_DIR``).

- `circflow.exports.outputs`: reads a results folder; writes every export into it;
- `circflow.exports.sankey`: the Sankey diagram of the flows;
- `circflow.exports.netmap`: the map of enterprises and links, drawn without web tiles;
- `circflow.exports.geojson`: the network as GeoJSON for GIS tools;
- `circflow.exports.workbook`: the Excel workbook;
- `circflow.exports.report`: the self-contained HTML report, led by its executive summary;
- `circflow.exports.robustness`: how sure a plan is (SPEC 9): the report's section and the
  pages of sensitivity and alternatives;
- `circflow.exports.comparechart`, `paretochart`, `sweepchart`: the pages of a comparison, a
  Pareto front and a sweep (``compare.html``, ``pareto.html``, ``sweep.html``);
- `circflow.exports.terminal`: the summary ``circflow optimize`` prints;
- `circflow.exports.page` and `circflow.exports.labels`: what the pages share (style, print and
  phone layouts, tables that sort and total; names, colours and units as people read them).

Text is in the results' language (`circflow.i18n`).
"""
