// One build script for every bundle: the extension host and the CLI (Node, CommonJS) and the
// notebook renderers (browser, ESM, one bundle per output kind).
import * as esbuild from 'esbuild';
import { rendererEntries } from './scripts/renderer-entries.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Native modules and the VS Code API cannot be bundled: they are loaded from node_modules
// (or provided by the extension host) at run time.
const nodeExternal = ['vscode', 'onnxruntime-node', 'sharp'];

const builds = [
  {
    entryPoints: { extension: 'src/extension/main.ts', cli: 'src/cli/main.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
    // ESM dependencies such as fdir (through tinyglobby) call createRequire(import.meta.url),
    // which a CommonJS bundle leaves undefined: give them the bundle's own URL.
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
  },
  {
    entryPoints: rendererEntries('.'),
    outdir: 'dist/renderers',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  },
  {
    // The standalone report's page script (src/report/page.ts): report.html inlines it after the
    // renderer bundles it activates.
    entryPoints: { 'report-page': 'src/report/page.ts' },
    outdir: 'dist',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  },
];

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
