// A `model:` cell with `hub:` through the Kernel, against the local hub: what the output shows,
// the run record's commit, zero requests on the next run, and the token kept out of every output.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Kernel } from '../../src/kernel/kernel';
import { DEMO_COMMIT, startLocalHub, type LocalHub } from '../helpers/localHub';

const TOKEN = 'hf_cellTestTokenABCDEF123456';
const DEMO_NOTEBOOK_DIR = path.resolve(__dirname, '../../examples');

describe('model cell with hub:', () => {
  let hub: LocalHub;
  let home: string;
  const saved = { cache: process.env.HF_HUB_CACHE, offline: process.env.HF_HUB_OFFLINE };

  before(async () => {
    hub = await startLocalHub();
    hub.requireToken = TOKEN;
    home = mkdtempSync(path.join(os.tmpdir(), 'sl-hub-cell-'));
    process.env.HF_HUB_CACHE = path.join(home, 'hub');
    delete process.env.HF_HUB_OFFLINE;
  });
  after(async () => {
    await hub.close();
    rmSync(home, { recursive: true, force: true });
    for (const [key, value] of [
      ['HF_HUB_CACHE', saved.cache],
      ['HF_HUB_OFFLINE', saved.offline],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  const newKernel = (settings: { hubOffline?: boolean } = {}) => {
    const logs: string[] = [];
    const kernel = new Kernel({
      notebookPath: path.join(DEMO_NOTEBOOK_DIR, 'demo.lensnb'),
      cacheDir: path.join(home, 'embeddings'),
      settings: { device: 'cpu', hubEndpoint: hub.endpoint, ...settings },
      secrets: { getApiKey: async () => undefined, getHubToken: async () => TOKEN },
      log: (m) => logs.push(m),
    });
    return { kernel, logs };
  };

  it('downloads, shows what was loaded, and records the commit', async () => {
    const { kernel, logs } = newKernel();
    const progress: string[] = [];
    const model = await kernel.runCell(
      'm',
      'model: b16\nhub: local/demo\nrevision: main\nvariant: quantized\ndevice: cpu',
      { progress: (message) => progress.push(message) },
    );
    assert.ok(model.ok, model.error);
    const text = model.outputs[0].markdown!;
    for (const expected of [
      `commit \`${DEMO_COMMIT}\``,
      'local/demo at main',
      '| variant | quantized |',
      'onnx/vision\\_model\\_quantized\\.onnx (',
      '| licence | mit |',
      '| context length | 48 tokens |',
      '64 dimensions',
      'shortest edge 128 bicubic, centre crop 128×128, ÷255, OpenAI CLIP mean/std',
      '**Execution provider: CPU**',
    ]) {
      assert.ok(text.includes(expected), `the output shows ${expected}:\n${text}`);
    }
    assert.ok(progress.some((p) => /Downloading local\/demo: .* of .* MB \(onnx\//.test(p)));
    await kernel.runCell('i', 'images: cxr\nfrom: data/labels.csv\nlimit: 4');
    await kernel.runCell(
      'd',
      'descriptors: names\nclasses: { normal: [], cardiomegaly: [], effusion: [], nodule: [] }',
    );
    const score = await kernel.runCell('s', 'score: s\nimages: cxr\nmodel: b16\ndescriptors: [names]');
    assert.ok(score.ok, score.error);
    const run = (score.result as { run: { modelSource: string } }).run;
    assert.equal(run.modelSource, `local/demo@${DEMO_COMMIT}`);
    const everything = JSON.stringify([model, score, logs, progress]);
    assert.ok(!everything.includes(TOKEN), 'the token is in no output, result or log');
    await kernel.session.dispose();
  });

  it('a second kernel, and offline mode, send no request', async () => {
    const before = hub.requests.length;
    for (const settings of [{}, { hubOffline: true }]) {
      const { kernel } = newKernel(settings);
      const outcome = await kernel.runCell('m', 'model: b16\nhub: local/demo\nvariant: quantized\ndevice: cpu');
      assert.ok(outcome.ok, outcome.error);
      await kernel.session.dispose();
    }
    assert.equal(hub.requests.length, before);
  });

  it('places hub errors on the cell line', async () => {
    const { kernel } = newKernel();
    const outcome = await kernel.runCell('m', 'model: b16\nhub: local/demo\nrevision: nope');
    assert.equal(outcome.ok, false);
    assert.match(outcome.error!, /line 3, field `revision`: local\/demo has no revision "nope"/);
    const both = await kernel.runCell('m', 'model: b16\nhub: local/demo\npath: ../models/demo');
    assert.match(both.error!, /`hub:` or `path:`, not both/);
  });
});
