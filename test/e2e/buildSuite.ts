// Bundles the extension API tests (test/suite/*.ts) into out/test/suite/*.js, the form the
// extension host loads through extensionTestsPath. `vscode` comes from the host and mocha from
// node_modules at run time.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './harness';

export const SUITE_OUT = path.join(ROOT, 'out', 'test', 'suite');
export const SUITE_ENTRY = path.join(SUITE_OUT, 'index.js');

export async function buildSuite(): Promise<void> {
  const dir = path.join(ROOT, 'test', 'suite');
  const entries = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  await esbuild.build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

if (require.main === module) {
  buildSuite().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
