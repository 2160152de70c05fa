// Build circflow/assets/plotly-circflow.min.js: plotly.js's own esbuild settings
// (node_modules/plotly.js/esbuild-config.js) on entry.js, minified.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');

const version = require('plotly.js/package.json').version;
const out = path.join(__dirname, '..', '..', 'circflow', 'assets', 'plotly-circflow.min.js');
const licence = fs.readFileSync(require.resolve('plotly.js/LICENSE'), 'utf8').trim();
const banner = `/*! plotly.js ${version}: core with scatter, bar and sankey, built by circflow (tools/plotly-bundle).\n\n${licence}\n*/`;

// plotly.js's registry imports maplibre-gl's stylesheet for its map traces, which circflow does not
// draw: an empty module instead keeps 83 KB of unused CSS out, and with it the style id the CSS
// plugin derives from the file's absolute path (the build is then the same from any folder).
const noMapStyles = {
    name: 'no-map-styles',
    setup(build) {
        build.onResolve({ filter: /maplibre-gl\.css$/ }, () => ({ path: 'maplibre-gl.css', namespace: 'empty' }));
        build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: '', loader: 'js' }));
    }
};

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
        plugins: [noMapStyles, InlineCSSPlugin(), environmentPlugin({ NODE_DEBUG: false })],
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
