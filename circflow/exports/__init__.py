"""Exports: the files people read, drawn from a finished run (last stage before the CLI).

``results -> exports``: every module here reads the content of ``results.json`` (or a
sweep's table) and never the model or the solver, so a results folder can be redrawn
later without solving again (``circflow sankey RESULTS_DIR``).

- `circflow.exports.outputs`: reads a results folder; writes every export into it;
- `circflow.exports.sankey`: the Sankey diagram of the flows;
- `circflow.exports.netmap`: the map of enterprises and links, drawn without web tiles;
- `circflow.exports.geojson`: the network as GeoJSON for GIS tools;
- `circflow.exports.workbook`: the Excel workbook;
- `circflow.exports.report`: the self-contained HTML report;
- `circflow.exports.robustness`: how sure a plan is (SPEC 9): the report's section and the
  pages of sensitivity and alternatives;
- `circflow.exports.sweepchart`: the page of a sweep (``sweep.html``).
"""
