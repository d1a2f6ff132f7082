// The providers benchmark as a GPU machine runs it: bundled by esbuild (npm run bench:bundle),
// copied out of the repo, and run with onnxruntime-node as its only module. Checks its JSON, not
// its speed: every provider either measures (with embeddings that match the CPU's) or says why not.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

interface Row {
  error?: string;
  reason?: string;
  imagesPerSecond?: Record<string, number>;
  cosineToCpu?: { images: { min: number }; texts: { min: number } };
}

test('the bundled providers benchmark runs outside the repo on onnxruntime-node alone', () => {
  execFileSync(process.execPath, ['esbuild.mjs', '--bench'], { cwd: ROOT });
  const bundle = path.join(ROOT, 'dist/bench/providers.cjs');
  assert.doesNotMatch(readFileSync(bundle, 'utf8'), /require\("sharp"\)/, 'sharp is left out');

  const away = mkdtempSync(path.join(os.tmpdir(), 'sl-bench-'));
  try {
    copyFileSync(bundle, path.join(away, 'providers.cjs'));
    const stdout = execFileSync(
      process.execPath,
      ['providers.cjs', '--model', path.join(ROOT, 'models/demo'), '--images', '8', '--batch-sizes', '4,8'],
      {
        cwd: away,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const out = JSON.parse(stdout) as { images: number; providers: Record<string, Row> };
    assert.equal(out.images, 8);
    assert.deepEqual(
      Object.keys(out.providers),
      ['cuda', 'webgpu', 'cpu'],
      'GPU providers first, the CPU reference last',
    );
    const cpu = out.providers.cpu;
    assert.deepEqual(Object.keys(cpu.imagesPerSecond ?? {}), ['4', '8']);
    assert.ok(Object.values(cpu.imagesPerSecond!).every((v) => v > 0));
    assert.equal(cpu.cosineToCpu?.images.min, 1);
    for (const [provider, row] of Object.entries(out.providers)) {
      if (row.error) {
        assert.match(row.error, new RegExp(`^device: ${provider} cannot be used: `));
      } else {
        assert.ok(row.cosineToCpu!.images.min >= 0.999, `${provider}: image cosine ${row.cosineToCpu!.images.min}`);
        assert.ok(row.cosineToCpu!.texts.min >= 0.999, `${provider}: text cosine ${row.cosineToCpu!.texts.min}`);
      }
    }
  } finally {
    rmSync(away, { recursive: true, force: true });
  }
});
