// The headless runner with a `hub:` model cell, configured the command-line way: HF_ENDPOINT,
// HF_TOKEN, HF_HUB_CACHE and HF_HUB_OFFLINE, against the local hub. The run record carries the
// resolved commit; the token reaches the hub and nothing the run writes or prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_NOTEBOOK_METADATA, serializeNotebook } from '../../src/kernel/nbformat';
import { DEMO_COMMIT, startLocalHub, type LocalHub } from '../helpers/localHub';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/symptom-lens.js');
const TOKEN = 'hf_cliTestToken0123456789abc';
const CELLS = [
  'model: b16\nhub: local/demo\nrevision: main\ndevice: cpu',
  `images: cxr\nfrom: ${JSON.stringify(path.join(ROOT, 'examples/data/labels.csv'))}\nlimit: 8`,
  'descriptors: names\nclasses: { normal: [], cardiomegaly: [], effusion: [], nodule: [] }',
  'score: s\nimages: cxr\nmodel: b16\ndescriptors: [names]',
];

let hub: LocalHub;
let tmp: string;

before(async () => {
  hub = await startLocalHub();
  hub.requireToken = TOKEN;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-hub-cli-'));
  const notebook = serializeNotebook({
    cells: CELLS.map((source) => ({ kind: 'code', source, language: 'yaml', metadata: {}, outputs: [] })),
    metadata: DEFAULT_NOTEBOOK_METADATA,
    nbformatMinor: 5,
  });
  await fs.writeFile(path.join(tmp, 'hub.lensnb'), notebook);
});
after(async () => {
  await hub.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(out: string, env: Record<string, string>) {
  const environment: NodeJS.ProcessEnv = { ...process.env, HF_HUB_CACHE: path.join(tmp, 'hub-cache') };
  delete environment.HF_HUB_OFFLINE;
  Object.assign(environment, env);
  try {
    const args = [BIN, 'run', path.join(tmp, 'hub.lensnb'), '--out', out, '--cache', path.join(tmp, 'cache')];
    const { stdout, stderr } = await run(process.execPath, args, { env: environment, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('HF_ENDPOINT and HF_TOKEN download; the commit is recorded; the token is nowhere', async () => {
  const out = path.join(tmp, 'out1');
  const first = await cli(out, { HF_ENDPOINT: hub.endpoint, HF_TOKEN: TOKEN });
  assert.equal(first.code, 0, first.stderr);
  const results = await fs.readFile(path.join(out, 'results.json'), 'utf8');
  const score = (
    JSON.parse(results) as { cells: { step: string; result: { run: { modelSource: string } } }[] }
  ).cells.find((c) => c.step === 'score')!;
  assert.equal(score.result.run.modelSource, `local/demo@${DEMO_COMMIT}`);
  assert.ok(hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  for (const text of [results, report, first.stdout, first.stderr]) assert.ok(!text.includes(TOKEN));
});

test('HF_HUB_OFFLINE=1 runs from the cache without a request, and names what is missing', async () => {
  const before = hub.requests.length;
  const offline = await cli(path.join(tmp, 'out2'), { HF_ENDPOINT: hub.endpoint, HF_HUB_OFFLINE: '1' });
  assert.equal(offline.code, 0, offline.stderr);
  assert.equal(hub.requests.length, before);
  const empty = await cli(path.join(tmp, 'out3'), {
    HF_ENDPOINT: hub.endpoint,
    HF_HUB_OFFLINE: '1',
    HF_HUB_CACHE: path.join(tmp, 'empty-cache'),
  });
  assert.notEqual(empty.code, 0);
  assert.match(empty.stderr, /Offline mode: local\/demo at "main" is not in the hub cache/);
  assert.equal(hub.requests.length, before);
});
