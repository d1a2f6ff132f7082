// "What changed" on a re-run of a score cell, on the demo model and phantoms: metric deltas with
// paired CIs, the descriptor diff, flipped images with the descriptor that moved them, and the
// run history, also across kernels (a reopened notebook) through the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { RunHistory } from '../../src/cache/runHistory';
import { compareRuns } from '../../src/scoring/changes';
import type { ScoreResult } from '../../src/protocol/results';
import { FLIPPED_SHOWN } from '../../src/scoring/pagedScore';
import { CLASSES, DATA, MODEL, names, v1 } from '../helpers/whatChangedCells';

const score = 'score: cmp\nimages: ph\nmodel: demo\ndescriptors: [names, v1]\n';

async function kernelIn(dir: string): Promise<Kernel> {
  const kernel = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
  for (const [id, source] of [
    ['images', `images: ph\nfrom: ${JSON.stringify(DATA)}\n`],
    ['model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`],
    ['names', names],
  ]) {
    const out = await kernel.runCell(id, source);
    assert.ok(out.ok, out.error);
  }
  return kernel;
}

async function runScore(kernel: Kernel, cardio: string): Promise<ScoreResult> {
  assert.ok((await kernel.runCell('v1', v1(cardio))).ok);
  const out = await kernel.runCell('score', score);
  assert.ok(out.ok, out.error);
  return out.outputs[0].data as ScoreResult;
}

test('a re-run after a descriptor edit says what changed, and the history survives a new kernel', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-changes-'));
  EmbeddingCache.clearMemory();
  const kernel = await kernelIn(dir);
  let second: ScoreResult;
  try {
    const first = await runScore(kernel, 'enlarged heart shadow');
    assert.equal(first.changes, undefined, 'nothing to compare on the first run');
    assert.equal(first.history?.length, 1);
    second = await runScore(kernel, 'clear lung fields');
  } finally {
    await kernel.dispose();
  }
  const changes = second.changes!;
  assert.ok(changes, 'the second run carries its changes');
  assert.equal(changes.sameImages, true);
  assert.deepEqual(changes.options, [], 'no option changed');
  const v1c = changes.variants.find((v) => v.variant === 'v1')!;
  assert.deepEqual(v1c.descriptors, [
    { class: 'cardiomegaly', added: ['clear lung fields'], removed: ['enlarged heart shadow'] },
  ]);
  const names0 = changes.variants.find((v) => v.variant === 'names')!;
  assert.deepEqual(names0.descriptors, []);
  assert.ok(
    names0.metrics.every((m) => m.difference === 0),
    'the unchanged variant did not move',
  );
  const accuracy = v1c.metrics.find((m) => m.metric === 'accuracy')!;
  const v1now = second.variants.find((v) => v.name === 'v1')!;
  assert.equal(accuracy.current, v1now.metrics.accuracy);
  assert.ok(Math.abs(accuracy.difference! - (accuracy.current! - accuracy.previous!)) < 1e-12);
  assert.ok(accuracy.ci && accuracy.ci.low <= accuracy.difference! && accuracy.difference! <= accuracy.ci.high);
  // Flips are exactly the images whose v1 prediction changed; each names a moving descriptor.
  assert.ok(v1c.flipped.length > 0, 'an edit this large flips some phantom');
  for (const [i, f] of v1c.flipped.entries()) {
    const now = v1now.predictions.find((p) => p.image === f.image)!;
    assert.equal(now.predicted, f.current);
    assert.notEqual(f.previous, f.current);
    assert.ok(f.movedBy, `no descriptor named for ${f.image}`);
    assert.ok([f.previous, f.current].includes(f.movedBy!.class));
    // The first flipped images come with their thumbnails, whatever the other failures.
    if (i < FLIPPED_SHOWN)
      assert.ok(second.thumbnails[f.image]?.startsWith('data:image/'), `a thumbnail of flipped ${f.image}`);
  }
  assert.equal(second.history?.length, 2);
  assert.notEqual(second.history![0].descriptorSetHashes.v1, second.history![1].descriptorSetHashes.v1);

  // Reopened: a new kernel on the same notebook and cache compares with the last run, read from
  // disk (the written record, not this process's memory of it).
  RunHistory.clearMemory();
  const reopened = await kernelIn(dir);
  try {
    const third = await runScore(reopened, 'clear lung fields');
    assert.ok(third.changes, 'the previous run came from the cache');
    assert.ok(third.changes.variants.every((v) => v.descriptors.length === 0 && v.flipped.length === 0));
    assert.equal(third.history?.length, 2, 'a run with the same inputs replaces its history entry');
  } finally {
    await reopened.dispose();
  }
});

test('other images or options: no paired CI, the options diff names them', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-changes-'));
  const kernel = await kernelIn(dir);
  try {
    const a = await runScore(kernel, 'enlarged heart shadow');
    const b = { ...a, method: 'max', run: { ...a.run, imageSetHash: 'other', method: 'max' } };
    const changes = compareRuns(a, b);
    assert.equal(changes.sameImages, false);
    assert.ok(changes.variants.every((v) => v.metrics.every((m) => m.ci === undefined)));
    assert.deepEqual(
      changes.options.map((o) => o.option),
      ['method', 'images'],
    );
  } finally {
    await kernel.dispose();
  }
});
