// One build script for every bundle: the extension host and the CLI (Node, CommonJS) and the
// notebook renderers (browser, ESM, one bundle per output kind); with --bench only, the
// providers benchmark as one file for a GPU machine (README "GPU").
import * as esbuild from 'esbuild';
import { rendererEntries } from './scripts/renderer-entries.mjs';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const benchOnly = process.argv.includes('--bench');

// Native modules and the VS Code API cannot be bundled: they are loaded from node_modules
// (or provided by the extension host) at run time.
const nodeExternal = ['vscode', 'onnxruntime-node', 'sharp'];

// ESM dependencies such as fdir (through tinyglobby) call createRequire(import.meta.url),
// which a CommonJS bundle leaves undefined: give them the bundle's own URL.
const bundleUrl = {
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/** sharp decodes image files; a bundle fed generated pixels leaves it (and libvips) out. */
const withoutSharp = {
  name: 'without-sharp',
  setup(build) {
    build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'without-sharp' }));
    build.onLoad({ filter: /.*/, namespace: 'without-sharp' }, () => ({
      contents:
        "function sharp() { throw new Error('sharp is left out of this bundle: it takes generated pixels, not image files'); }\n" +
        "sharp.versions = { vips: 'none' };\nmodule.exports = sharp;\n",
      loader: 'js',
    }));
  },
};

const benchBuild = {
  entryPoints: { providers: 'bench/providers.ts' },
  outdir: 'dist/bench',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['onnxruntime-node'],
  plugins: [withoutSharp],
  ...bundleUrl,
  minify: true,
  logLevel: 'warning',
};

const builds = [
  {
    entryPoints: {
      extension: 'src/extension/main.ts',
      cli: 'src/cli/main.ts',
      // DICOM decoding's worker thread (src/images/dicom/pool.ts starts it from beside the bundle).
      'dicom-worker': 'src/images/dicom/worker.ts',
      // The vision tower's ONNX session runs in this worker (src/clip/visionThread.ts).
      'vision-worker': 'src/clip/visionWorker.ts',
      // Paged scores' per-image files are encoded and written in this worker (src/scoring/perImageWriter.ts).
      'per-image-worker': 'src/scoring/perImageWorker.ts',
    },
    outdir: 'dist',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: nodeExternal,
    ...bundleUrl,
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
    // Linked source maps in development builds (VS Code's webview devtools read them); none
    // in the package.
    sourcemap: !production,
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

// The DICOM codecs' WebAssembly loads from beside the bundle (src/images/dicom/codecs.ts), so the
// VSIX and the CLI decode offline.
const require = createRequire(import.meta.url);
mkdirSync('dist', { recursive: true });
copyFileSync(
  path.join(path.dirname(require.resolve('dcmjs-codecs')), 'dcmjs-native-codecs.wasm'),
  'dist/dcmjs-native-codecs.wasm',
);

const selected = benchOnly ? [benchBuild] : builds;
if (watch) {
  for (const b of selected) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(selected.map((b) => esbuild.build(b)));
}
