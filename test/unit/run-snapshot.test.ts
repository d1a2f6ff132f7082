// The previous run of a score cell kept as a typed-array snapshot (src/scoring/runSnapshot.ts)
// in a small binary file: "what changed" from it is exactly what the comparison of the whole
// result objects gave (test/helpers/compareRunsBefore.ts), in memory and after a round trip
// through the file; a damaged, cut-short, other-version or old JSON entry only loses the
// comparison. Real runs on the demo model and phantoms, bootstrap and DeLong intervals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { DiskCache } from '../../src/cache/diskCache';
import { decodeRecord, encodeRecord } from '../../src/cache/binaryRecord';
import { RunHistory } from '../../src/cache/runHistory';
import { compareRuns, compareSnapshots, summarizeRun, type StoredScore } from '../../src/scoring/changes';
import { snapshotCodec, snapshotOf, type RunSnapshot } from '../../src/scoring/runSnapshot';
import { recordScoreRun } from '../../src/scoring/scoreRuns';
import type { RunSummary } from '../../src/protocol/changes';
import type { ScoreResult } from '../../src/protocol/results';
import { compareRunsBefore } from '../helpers/compareRunsBefore';
import { CLASSES, DATA, MODEL, names, v1 } from '../helpers/whatChangedCells';

const scoreCell = (name: string, intervals: string) =>
  `score: ${name}\nimages: ph\nmodel: demo\ndescriptors: [names, v1]\ncontrols: [shuffled]\nseed: 3\nintervals: ${intervals}\n`;
const SEED = 3;
const multiLabelScore = 'score: mls\nimages: ml\nmodel: demo\ndescriptors: [names, v1]\nseed: 3\n';

let dir: string;
let multiLabel: { a: ScoreResult; b: ScoreResult };
/** Per interval method: a run and the runs after each of two descriptor edits. */
const runs: Record<'bootstrap' | 'delong', { a: ScoreResult; b: ScoreResult; c: ScoreResult }> = {} as never;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-snapshot-'));
  EmbeddingCache.clearMemory();
  const kernel = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
  const run = async (id: string, source: string) => {
    const out = await kernel.runCell(id, source);
    assert.ok(out.ok, out.error);
    return out.outputs[0]?.data as ScoreResult;
  };
  try {
    await run('images', `images: ph\nfrom: ${JSON.stringify(DATA)}\n`);
    await run('model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
    await run('names', names);
    // The same phantoms as a multi-label set: each image its class, every fifth also effusion.
    const rows = (await fs.readFile(DATA, 'utf8')).trim().split('\n').slice(1);
    const multi = rows.map((row, i) => {
      const [file, label] = row.split(',');
      const flags = CLASSES.map((c) => (c === label || (i % 5 === 0 && c === 'effusion') ? 1 : 0));
      return [path.join(path.dirname(DATA), file), ...flags].join(',');
    });
    await fs.writeFile(path.join(dir, 'multi.csv'), `path,${CLASSES.join(',')}\n${multi.join('\n')}\n`);
    await run('ml', `images: ml\nfrom: ${JSON.stringify(path.join(dir, 'multi.csv'))}\n`);
    await run('v1', v1('enlarged heart shadow'));
    const mlA = await run('mls', multiLabelScore);
    const a = {
      bootstrap: await run('boot', scoreCell('boot', 'bootstrap')),
      delong: await run('dl', scoreCell('dl', 'delong')),
    };
    await run('v1', v1('clear lung fields'));
    const b = {
      bootstrap: await run('boot', scoreCell('boot', 'bootstrap')),
      delong: await run('dl', scoreCell('dl', 'delong')),
    };
    await run('v1', v1('round opacity in the lung'));
    multiLabel = { a: mlA, b: await run('mls', multiLabelScore) };
    runs.bootstrap = { a: a.bootstrap, b: b.bootstrap, c: await run('boot', scoreCell('boot', 'bootstrap')) };
    runs.delong = { a: a.delong, b: b.delong, c: await run('dl', scoreCell('dl', 'delong')) };
  } finally {
    await kernel.dispose();
  }
});

after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The result as the history keeps it. */
function stored(r: ScoreResult): StoredScore {
  const { thumbnails: _t, changes: _c, history: _h, ...rest } = r;
  void [_t, _c, _h];
  return rest;
}

/** The snapshot as it is saved (without the ids). */
function saved(r: ScoreResult): RunSnapshot {
  const { ids: _ids, ...rest } = snapshotOf(stored(r));
  void _ids;
  return rest;
}

for (const method of ['bootstrap', 'delong'] as const) {
  test(`${method} intervals: the snapshot compares exactly as the result objects did, in memory and from the file`, async () => {
    const { a, b, c } = runs[method];
    const expected = compareRunsBefore(stored(a), stored(b), SEED);
    // Not a trivial comparison: paired CIs, flipped images with a moving descriptor.
    const v1c = expected.variants.find((v) => v.variant === 'v1')!;
    assert.equal(expected.sameImages, true);
    assert.ok(
      v1c.metrics.every((m) => m.ci),
      'every headline metric has a paired CI',
    );
    assert.ok(
      v1c.flipped.some((f) => f.movedBy),
      'the edit flips images',
    );
    assert.match(expected.ciMethod, method === 'delong' ? /DeLong/ : /^paired percentile bootstrap[^;]*$/);

    assert.deepEqual(b.changes, expected, "the kernel's own comparison (the previous run from memory)");
    // The next edit: the previous run's snapshot (and its DeLong components) kept from the last comparison.
    assert.deepEqual(c.changes, compareRunsBefore(stored(b), stored(c), SEED));
    assert.deepEqual(compareRuns(stored(a), stored(b), SEED), expected);

    const history = new RunHistory<RunSnapshot, RunSummary>(path.join(dir, `cache-${method}`), snapshotCodec);
    await history.save('k', { previous: saved(a), history: [summarizeRun(stored(a))] });
    RunHistory.clearMemory();
    const loaded = await history.load('k');
    assert.ok(loaded.previous, 'the previous run read back from the file');
    assert.deepEqual(loaded.history, [summarizeRun(stored(a))]);
    assert.deepEqual(compareSnapshots(loaded.previous, snapshotOf(stored(b)), SEED), expected);

    // Other images, a removed variant: the unpaired branches agree too.
    const otherImages = { ...stored(b), run: { ...b.run, imageSetHash: 'other' } };
    assert.deepEqual(compareRuns(stored(a), otherImages, SEED), compareRunsBefore(stored(a), otherImages, SEED));
    const fewer = { ...stored(b), variants: b.variants.slice(1) };
    assert.deepEqual(compareRuns(stored(a), fewer, SEED), compareRunsBefore(stored(a), fewer, SEED));
    assert.deepEqual(compareRuns(fewer, stored(a), SEED), compareRunsBefore(fewer, stored(a), SEED));
  });
}

test('multi-label runs: metric differences without per-image arrays, as before', async () => {
  const { a, b } = multiLabel;
  assert.equal(b.multiLabel, true);
  const expected = compareRunsBefore(stored(a), stored(b), SEED);
  assert.equal(expected.sameImages, true);
  assert.ok(expected.variants.some((v) => v.metrics.some((m) => m.metric === 'meanAuroc' && m.difference !== 0)));
  assert.deepEqual(b.changes, expected);
  const snapshot = saved(a);
  assert.ok(snapshot.variants.every((v) => v.perImage === undefined) && snapshot.labels === undefined);
  const history = new RunHistory<RunSnapshot, RunSummary>(path.join(dir, 'cache-multi'), snapshotCodec);
  await history.save('k', { previous: snapshot, history: [] });
  RunHistory.clearMemory();
  const loaded = await history.load('k');
  assert.deepEqual(compareSnapshots(loaded.previous!, snapshotOf(stored(b)), SEED), expected);
});

test('a damaged, cut-short, other-version or old JSON entry only drops the comparison', async () => {
  const { a, b } = runs.bootstrap;
  const cacheDir = path.join(dir, 'cache-damage');
  const notebook = path.join(dir, 'other.lensnb');
  const disk = new DiskCache(cacheDir);
  const key = RunHistory.key(notebook, a.name);
  const file = disk.file('runs', key, '.runs');
  const legacy = disk.file('runs', key, '.json');
  /** Record run a, change its entry on disk, and run b against what is left. */
  const afterDamage = async (damage: (buf: Buffer) => Promise<void>) => {
    await fs.rm(path.join(cacheDir, 'runs'), { recursive: true, force: true });
    RunHistory.clearMemory();
    await recordScoreRun(cacheDir, notebook, stored(a), SEED);
    await damage(await fs.readFile(file));
    RunHistory.clearMemory();
    return recordScoreRun(cacheDir, notebook, stored(b), SEED);
  };
  const summaries = [summarizeRun(stored(a)), summarizeRun(stored(b))];

  const intact = await afterDamage(async () => undefined);
  assert.deepEqual(intact.changes, compareRunsBefore(stored(a), stored(b), SEED));
  assert.deepEqual(intact.history, summaries);

  const flipped = await afterDamage((buf) => {
    buf[buf.length - 9] ^= 0x10; // a byte of the last array
    return fs.writeFile(file, buf);
  });
  assert.equal(flipped.changes, undefined);
  assert.deepEqual(flipped.history, summaries, 'the history is in the intact header');

  const cut = await afterDamage((buf) => fs.writeFile(file, buf.subarray(0, buf.length >> 1)));
  assert.equal(cut.changes, undefined);
  assert.deepEqual(cut.history, summaries);

  const otherVersion = await afterDamage((buf) => {
    const record = decodeRecord<{ history: RunSummary[]; previous: { version: number } }>(buf);
    record.meta.previous.version += 1;
    return fs.writeFile(file, encodeRecord({ meta: record.meta, arrays: record.arrays! }));
  });
  assert.equal(otherVersion.changes, undefined);
  assert.deepEqual(otherVersion.history, summaries);

  const garbage = await afterDamage((buf) => fs.writeFile(file, Buffer.from(buf.toString('base64'))));
  assert.equal(garbage.changes, undefined);
  assert.deepEqual(garbage.history, [summaries[1]], 'a damaged header loses the history too');

  // The JSON entry of earlier versions: its history carries over, and it is replaced.
  const old = await afterDamage(async () => {
    await fs.rm(file);
    await fs.writeFile(legacy, JSON.stringify({ previous: stored(a), history: [summaries[0]] }));
  });
  assert.equal(old.changes, undefined);
  assert.deepEqual(old.history, summaries);
  await assert.rejects(fs.stat(legacy), 'the old entry is removed once the new one is written');
  assert.ok((await fs.stat(file)).size > 0);
});
