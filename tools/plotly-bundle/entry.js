// The traces circflow's pages draw: scatter (in the core: maps, fronts, sweeps), bar (cost
// breakdowns, tornado charts, slice coverage) and sankey. The updatemenus (buttons, dropdowns)
// are in the core too. A page that uses another trace type fails the browser tests.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/sankey')]);

module.exports = Plotly;
