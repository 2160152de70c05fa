// Build circflow/assets/plotly-circflow.min.js: plotly.js's own esbuild settings
// (node_modules/plotly.js/esbuild-config.js) on entry.js, minified.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');

const version = require('plotly.js/package.json').version;
const out = path.join(__dirname, '..', '..', 'circflow', 'assets', 'plotly-circflow.min.js');
const banner = `/* plotly.js ${version} (MIT licence, plotly-LICENSE.txt beside this file): core with scatter, bar and sankey; built by tools/plotly-bundle */`;

esbuild
    .build({
        entryPoints: [path.join(__dirname, 'entry.js')],
        outfile: out,
        format: 'iife',
        globalName: 'Plotly',
        bundle: true,
        minify: true,
        sourcemap: false,
        banner: { js: banner },
        plugins: [InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
        alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
        define: { global: 'window', 'define.amd': 'false' },
        target: 'es2016',
        logLevel: 'warning'
    })
    .then(() => {
        fs.copyFileSync(require.resolve('plotly.js/LICENSE'), path.join(path.dirname(out), 'plotly-LICENSE.txt'));
        console.log(`${out}: ${fs.statSync(out).size} bytes`);
    })
    .catch(() => process.exit(1));
