// The built package as the VSIX holds it, in a temporary folder: package.json, dist/ (the bundles,
// the workers, the .wasm) and, from node_modules, only the native modules' runtime that
// .vscodeignore lets in. A test runs the CLI bundle from there to show that nothing else (tsx,
// dcmjs, hyparquet-writer…) is needed.
import { copyFileSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../fixtures/clipFixtures';

const ROOT = path.resolve(__dirname, '../..');
const RUNTIME_MODULES = ['onnxruntime-node', 'onnxruntime-common', 'sharp', '@img', 'detect-libc', 'semver'];

/** A new folder holding the installed package (removed with the other temp dirs). */
export function installedBundle(prefix: string): string {
  const dir = tempDir(prefix);
  cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  mkdirSync(path.join(dir, 'node_modules'));
  for (const m of RUNTIME_MODULES) symlinkSync(path.join(ROOT, 'node_modules', m), path.join(dir, 'node_modules', m));
  return dir;
}
