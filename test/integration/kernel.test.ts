// The engine end to end on the demo model and the demo phantoms: real ONNX sessions, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import type { ScoreResult } from '../../src/protocol/results';

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.join(ROOT, 'examples/data/labels.csv');
const MODEL = path.join(ROOT, 'models/demo');
const CLASSES = ['cardiomegaly', 'effusion', 'nodule', 'normal', 'pneumothorax'];

async function newKernel(): Promise<{ kernel: Kernel; dir: string }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-kernel-'));
  EmbeddingCache.clearMemory();
  return { kernel: new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') }), dir };
}

const names = `descriptors: names\nclasses: {${CLASSES.map((c) => `${c}: []`).join(', ')}}\n`;
const v1 = (normalFirst = 'clear lung fields') => `descriptors: v1
classes:
  cardiomegaly: [enlarged heart shadow, wide cardiac silhouette]
  effusion: [blunted costophrenic angle, fluid at the lung base]
  nodule: [round opacity in the lung, small well defined nodule]
  normal: [${normalFirst}, normal heart size]
  pneumothorax: [lung edge without markings, lucent rim at the lung apex]
`;
const score = 'score: cmp\nimages: ph\nmodel: demo\ndescriptors: [names, v1]\nmethod: mean\n';

async function must(kernel: Kernel, id: string, source: string) {
  const out = await kernel.runCell(id, source);
  assert.ok(out.ok, `cell ${id} failed: ${out.error}`);
  return out;
}

async function setUp(kernel: Kernel) {
  await must(kernel, 'images', `images: ph\nfrom: ${JSON.stringify(DATA)}\n`);
  await must(kernel, 'model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
  await must(kernel, 'names', names);
  await must(kernel, 'v1', v1());
}

test('score: metrics, predictions, run record; cache hits counted; one edit encodes one text', async () => {
  const { kernel } = await newKernel();
  try {
    await setUp(kernel);
    const first = await must(kernel, 'score', score);
    const r = first.result as Omit<ScoreResult, 'thumbnails'>;
    const n = r.variants[0].predictions.length;
    assert.ok(n > 20, `the demo set has images (${n})`);
    assert.deepEqual(r.classes, CLASSES);
    assert.deepEqual(
      r.variants.map((v) => v.name),
      ['names', 'v1'],
    );
    for (const v of r.variants) {
      for (const m of [v.metrics.accuracy, v.metrics.balancedAccuracy, v.metrics.macroF1])
        assert.ok(m !== null && m >= 0 && m <= 1);
      assert.equal(
        v.metrics.confusion.flat().reduce((a, b) => a + b, 0),
        n,
      );
      assert.deepEqual(Object.keys(v.predictions[0].scores), CLASSES);
      assert.equal(v.similarity.length, n);
      assert.equal(v.similarity[0].length, v.columns.length);
    }
    assert.equal(r.variants[1].columns.length, 10, 'two descriptors per class');
    assert.equal(r.run.encoded.images, n);
    assert.equal(r.run.encoded.texts, 15, '5 class names + 10 descriptor sentences');
    assert.equal(r.run.provider, 'cpu');
    assert.match(r.run.modelFingerprint, /^[0-9a-f]{64}$/);
    assert.ok(r.run.descriptorSetHashes.v1 && r.run.imageSetHash);
    // The score output carries a custom MIME and a markdown fallback.
    assert.deepEqual(
      first.outputs.map((o) => o.mime),
      ['application/vnd.symptom-lens.score+json'],
    );
    assert.match(first.outputs[0].markdown, /\| v1 \|/);

    const again = await must(kernel, 'score', score);
    assert.deepEqual((again.result as ScoreResult).run.encoded, { images: 0, texts: 0 });

    // Edit one descriptor: the score cell goes stale; re-running it encodes that text only.
    await must(kernel, 'v1', v1('clear and dark lung fields'));
    assert.deepEqual(kernel.staleCells(), ['score']);
    const edited = await must(kernel, 'score', score);
    assert.deepEqual((edited.result as ScoreResult).run.encoded, { images: 0, texts: 1 });
    assert.deepEqual(kernel.staleCells(), []);
  } finally {
    await kernel.dispose();
  }
});

test('a new kernel on the same cache folder encodes no image (disk cache)', async () => {
  const { kernel, dir } = await newKernel();
  await setUp(kernel);
  await must(kernel, 'score', score);
  await kernel.dispose();
  EmbeddingCache.clearMemory();
  const second = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
  try {
    await setUp(second);
    const out = await must(second, 'score', score);
    assert.deepEqual((out.result as ScoreResult).run.encoded, { images: 0, texts: 0 });
  } finally {
    await second.dispose();
  }
});

test('errors name the line and field and say what to do', async () => {
  const { kernel } = await newKernel();
  try {
    await setUp(kernel);
    const unknown = await kernel.runCell('s', 'score: x\nimages: ph\nmodel: demo\ndescriptors: [names, v2]\n');
    assert.equal(unknown.ok, false);
    assert.equal(unknown.errorLine, 4);
    assert.match(
      unknown.error!,
      /line 4, field `descriptors\.1`: No descriptors named "v2".*Defined so far: names, v1/,
    );

    await must(kernel, 'partial', 'descriptors: partial\nclasses:\n  normal: [clear lungs]\n');
    const missing = await kernel.runCell('s', 'score: x\nimages: ph\nmodel: demo\ndescriptors: partial\n');
    assert.match(
      missing.error!,
      /line 4, field `descriptors`: .*no entry for classes "cardiomegaly".*Add "cardiomegaly: \[\]"/,
    );

    const badClass = await kernel.runCell('d', 'descriptors: bad\nclasses:\n  normal: [ok]\n  nodule: {a: 1}\n');
    assert.equal(badClass.errorLine, 4);
    assert.match(badClass.error!, /"nodule" must be a list of descriptors/);

    const noFolder = await kernel.runCell('m', 'model: x\npath: does/not/exist\n');
    assert.equal(noFolder.errorLine, 2);
    assert.match(noFolder.error!, /does not exist/);

    const wrongFolder = await kernel.runCell('m', `model: x\npath: ${JSON.stringify(path.join(ROOT, 'examples'))}\n`);
    assert.equal(wrongFolder.ok, false);
    assert.equal(wrongFolder.errorLine, 2);
    assert.match(wrongFolder.error!, /config\.json|layout/);
    // A failed cell must not have replaced what the name meant before.
    assert.ok(!kernel.session.models.has('x'));
  } finally {
    await kernel.dispose();
  }
});

test('interrupting a score stops within a batch and keeps what was cached', async () => {
  const { kernel, dir } = await newKernel();
  try {
    await must(kernel, 'images', `images: ph\nfrom: ${JSON.stringify(DATA)}\n`);
    kernel.settings.batchSize = 4;
    await must(kernel, 'model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
    await must(kernel, 'names', names);
    const controller = new AbortController();
    let batches = 0;
    const out = await kernel.runCell('score', 'score: s\nimages: ph\nmodel: demo\ndescriptors: names\n', {
      signal: controller.signal,
      progress: (message) => {
        if (message.startsWith('Embedding images') && ++batches === 2) controller.abort();
      },
    });
    assert.equal(out.ok, false);
    assert.equal(out.cancelled, true);
    assert.match(out.error!, /Cancelled/);
    assert.ok(!kernel.session.scores.has('s'), 'a cancelled score defines nothing');
    assert.ok(batches <= 3, `stopped within a batch of the abort (saw ${batches} batches)`);
    void dir;
  } finally {
    await kernel.dispose();
  }
});

test('after an interrupt, the next run resumes from the cached batches', async () => {
  const { kernel } = await newKernel();
  try {
    kernel.settings.batchSize = 2;
    await must(kernel, 'images', `images: ph\nfrom: ${JSON.stringify(DATA)}\n`);
    await must(kernel, 'model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
    await must(kernel, 'names', names);
    const controller = new AbortController();
    const cell = 'score: s\nimages: ph\nmodel: demo\ndescriptors: names\n';
    const out = await kernel.runCell('score', cell, {
      signal: controller.signal,
      // Chunks are 4 batches of 2: abort once the second chunk has started.
      progress: (message) => {
        const m = /Embedding images (\d+)\//.exec(message);
        if (m && Number(m[1]) >= 10) controller.abort();
      },
    });
    assert.equal(out.cancelled, true);
    const resumed = await must(kernel, 'score', cell);
    const r = resumed.result as ScoreResult;
    const n = r.variants[0].predictions.length;
    assert.ok(
      r.run.encoded.images <= n - 8,
      `the first chunk came from the cache (encoded ${r.run.encoded.images} of ${n})`,
    );
  } finally {
    await kernel.dispose();
  }
});

test('controls, bootstrap CIs, paired comparisons and sanity flags', async () => {
  const { kernel } = await newKernel();
  try {
    await setUp(kernel);
    const out = await must(kernel, 'score', `${score}controls: [class-names, random-words, shuffled]\nseed: 3\n`);
    const r = out.result as ScoreResult;
    assert.deepEqual(
      r.variants.map((v) => v.name),
      ['names', 'v1', 'control: class-names', 'control: random-words', 'control: shuffled'],
    );
    assert.deepEqual(
      r.variants.map((v) => v.control),
      [undefined, undefined, 'class-names', 'random-words', 'shuffled'],
    );
    // shuffled: every class shows another class's descriptors
    const shuffled = r.variants[4].descriptors;
    assert.ok(CLASSES.every((c) => JSON.stringify(shuffled[c]) !== JSON.stringify(r.variants[1].descriptors[c])));
    for (const v of r.variants) {
      const ci = v.metrics.ci!;
      assert.ok(ci.accuracy!.low <= v.metrics.accuracy! + 1e-12 && v.metrics.accuracy! <= ci.accuracy!.high + 1e-12);
    }
    assert.equal(r.variants[0].comparison, undefined);
    for (const v of r.variants.slice(1)) {
      assert.equal(v.comparison!.against, 'names');
      assert.ok(v.comparison!.mcnemar!.p > 0 && v.comparison!.mcnemar!.p <= 1);
      assert.ok(v.comparison!.auroc.mean !== null);
    }
    assert.ok(Array.isArray(r.flags));
    // the same seed gives the same intervals
    const again = (await must(kernel, 'score', `${score}controls: [class-names, random-words, shuffled]\nseed: 3\n`))
      .result as ScoreResult;
    assert.deepEqual(
      again.variants.map((v) => v.metrics.ci),
      r.variants.map((v) => v.metrics.ci),
    );
  } finally {
    await kernel.dispose();
  }
});

test('multi-label sets: per-class AUROC, the recipe decides presence', async () => {
  const { kernel, dir } = await newKernel();
  try {
    const rows = (await fs.readFile(DATA, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const csv = [
      'path,effusion,nodule',
      ...rows.map(
        ([p, label]) =>
          `${path.join(path.dirname(DATA), p)},${label === 'effusion' ? 1 : 0},${label === 'nodule' ? 1 : 0}`,
      ),
    ].join('\n');
    await fs.writeFile(path.join(dir, 'ml.csv'), csv);
    await must(kernel, 'images', 'images: ml\nfrom: ml.csv\n');
    await must(kernel, 'model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
    await must(
      kernel,
      'd',
      'descriptors: d\nclasses:\n  effusion: [blunted costophrenic angle]\n  nodule: [round opacity in the lung]\n',
    );
    const out = await must(kernel, 'score', 'score: m\nimages: ml\nmodel: demo\ndescriptors: d\nmethod: chexzero\n');
    const r = out.result as ScoreResult;
    assert.equal(r.multiLabel, true);
    const m = r.variants[0].metrics;
    assert.equal(m.accuracy, null);
    assert.deepEqual(Object.keys(m.auroc), ['effusion', 'nodule']);
    assert.ok(typeof m.meanAuroc === 'number');
    // Multi-label labels and predictions are lists of classes in class order, never joined text.
    const lists = r.variants[0].predictions.flatMap((p) => [p.label, p.predicted]);
    for (const list of lists) {
      assert.ok(Array.isArray(list), `a multi-label class list, not ${JSON.stringify(list)}`);
      assert.deepEqual(
        list,
        ['effusion', 'nodule'].filter((c) => list.includes(c)),
      );
    }
    assert.ok(lists.some((l) => l.length === 0) && lists.some((l) => l.length === 2), 'none and both occur');
    assert.match(out.outputs[0].markdown, /\| variant \| mean AUROC \| AUROC effusion \| AUROC nodule \|/);
  } finally {
    await kernel.dispose();
  }
});
