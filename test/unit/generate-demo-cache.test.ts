// The demo notebook's generate cell runs offline from the committed cache
// (examples/generate-cache): no server, no key, the same descriptors every time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { parseNotebook } from '../../src/kernel/nbformat';
import type { GenerateResult } from '../../src/protocol/results';
import { DEMO_GENERATE_CELL } from '../../examples/generate-cache/record';

const ROOT = path.resolve(__dirname, '../..');
const NOTEBOOK = path.join(ROOT, 'examples/demo.lensnb');
const CACHE = path.join(ROOT, 'examples/generate-cache/llm');

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const sub of await fs.readdir(dir)) {
    for (const f of await fs.readdir(path.join(dir, sub)))
      out[`${sub}/${f}`] = await fs.readFile(path.join(dir, sub, f), 'utf8');
  }
  return out;
}

async function runOffline(source: string): Promise<GenerateResult> {
  const kernel = new Kernel({
    notebookPath: NOTEBOOK,
    // The kernel's own cache is elsewhere: only the cell's `cache:` folder can answer.
    cacheDir: await fs.mkdtemp(path.join(os.tmpdir(), 'sl-democache-')),
    settings: { llmTimeoutMs: 1000 },
    secrets: { getApiKey: async () => undefined },
  });
  const out = await kernel.runCell('generate', source);
  assert.ok(out.ok, out.error);
  return out.result as GenerateResult;
}

test('the demo generate cell is answered entirely from the committed cache', async () => {
  const before = await snapshot(CACHE);
  assert.equal(Object.keys(before).length, 5, 'one completion per demo class');
  const r = await runOffline(DEMO_GENERATE_CELL);
  assert.equal(r.fromCache, true);
  assert.deepEqual(r.requests, { total: 5, sent: 0, fromCache: 5 });
  assert.deepEqual(Object.keys(r.classes), ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax']);
  assert.deepEqual(r.classes.normal, [
    'clear lung fields',
    'sharp costophrenic angles',
    'normal heart size',
    'symmetric lung markings reaching the chest wall',
    'crisp diaphragm domes',
  ]);
  assert.deepEqual(r.classes.effusion[0], 'blunted costophrenic angle', 'the first line without its bullet is kept');
  assert.deepEqual(r.classes.pneumothorax[1], 'absent lung markings at the periphery', 'markdown bold is stripped');
  for (const list of Object.values(r.classes)) assert.equal(list.length, 5);
  assert.deepEqual(r.servedBy, ['scripted-demo']);
  assert.deepEqual(await snapshot(CACHE), before, 'a cached run writes nothing');
});

test('every generate cell of the demo notebook runs offline', async (t) => {
  const model = parseNotebook(await fs.readFile(NOTEBOOK, 'utf8'), 'demo.lensnb');
  const cells = model.cells.filter((c) => c.kind === 'code' && /^generate:/m.test(c.source));
  if (cells.length === 0) t.diagnostic('the demo notebook has no generate cell yet');
  for (const c of cells) {
    const r = await runOffline(c.source);
    assert.equal(r.fromCache, true, c.source);
  }
});
