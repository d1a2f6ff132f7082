// The notebook renderers' entry points, one bundle per output kind: src/renderers/NAME.ts or
// src/renderers/NAME/index.ts becomes dist/renderers/NAME.js (package.json's notebookRenderer
// entrypoints). Names starting with `_` are shared code. Used by esbuild.mjs and the tests.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/** @param {string} root the repository root @returns {Record<string, string>} name → entry file */
export function rendererEntries(root) {
  const dir = path.join(root, 'src', 'renderers');
  const entries = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('_')) continue;
    if (e.isFile() && e.name.endsWith('.ts')) entries[e.name.slice(0, -3)] = path.join(dir, e.name);
    else if (e.isDirectory() && existsSync(path.join(dir, e.name, 'index.ts')))
      entries[e.name] = path.join(dir, e.name, 'index.ts');
  }
  return entries;
}
