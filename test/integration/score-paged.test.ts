// Outputs of bounded size (docs/scale.md): a score over a synthetic set of precomputed
// embeddings, run headless as the CLI runs it, saves a score output of at most 1 MB and a report
// of at most 20 MB; results.json names a per-image Parquet file holding every image; the
// extension's answer to the renderer's page requests pages through the cache's copy, refuses
// malformed requests, and says "gone" once the cache is deleted. On a small set, the per-image
// file reads back equal to the inline output.
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeSyntheticImport } from '../../bench/embeddingsImport';
import { writeCodeNotebook } from '../../bench/scale';
import { runNotebook } from '../../src/cli/runNotebook';
import { parseNotebook } from '../../src/kernel/nbformat';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { listRows, orderAll } from '../../src/protocol/rowOrder';
import { classificationCIs } from '../../src/metrics/bootstrap';
import { tableDrawsFor } from '../../src/metrics/resample';
import { readScoresParquet } from '../../src/report/scoresParquet';
import { MAX_FLIPPED, needsPaging, orderedRows, pagedScore } from '../../src/scoring/pagedScore';
import { answerScoreRows } from '../../src/scoring/perImageQuery';
import { perImageParquet, withEveryRow } from '../../src/scoring/perImageStore';
import { perImageWriterThread } from '../../src/scoring/perImageWriter';
import { DEMO_DESCRIPTORS, DEMO_MODEL, demoKernel } from '../helpers/demoKernel';

const IMAGES = 30_000;
/** The demo model's embedding size: the synthetic vectors must match it. */
const DEMO_DIMS = 64;
const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax'];
const MB = 1_000_000;

const descriptors = (name: string, extra: string) =>
  `descriptors: ${name}\nclasses:\n${CLASSES.map((c, i) => `  ${c}: [finding ${i} one, finding ${i} ${extra}]`).join('\n')}\n`;

const bytes = (buf: Buffer) => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;

test(`a score of ${IMAGES.toLocaleString('en')} images: bounded output and report, every row in results' Parquet file, pages from the cache`, async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-paged-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await writeSyntheticImport(dir, IMAGES, DEMO_DIMS, CLASSES);
  const notebookPath = path.join(dir, 'big.lensnb');
  const cacheDir = path.join(dir, 'cache');
  const sources = [
    `model: m\npath: ${JSON.stringify(DEMO_MODEL)}\n`,
    'images: set\nfrom: labels.csv\nembeddings: emb\n',
    descriptors('a', 'two'),
    descriptors('b', 'three'),
    'score: s\nimages: set\nmodel: m\ndescriptors: [a, b]\n',
  ];
  await writeCodeNotebook(notebookPath, sources);
  const outDir = path.join(dir, 'out');
  const summary = await runNotebook({ notebook: notebookPath, outDir, cacheDir, quiet: true });
  assert.ok(
    summary.cells.every((c) => c.ok),
    summary.cells.map((c) => c.error).join('; '),
  );
  assert.equal(perImageWriterThread(), 'worker', 'the per-image file was written in its worker thread');

  // The saved output: at most 1 MB, every aggregate, a few rows.
  const executed = parseNotebook(await fs.readFile(summary.notebookPath, 'utf8'), 'big.lensnb');
  const item = executed.cells[4].outputs[0].items.find((i) => i.mime === MIME.score)!;
  const outputBytes = Buffer.byteLength(JSON.stringify(executed.cells[4].outputs));
  assert.ok(outputBytes <= MB, `score output ${outputBytes} bytes`);
  const output = item.data as ScoreResult;
  assert.match(
    JSON.stringify(executed.cells[4].outputs),
    /others by percentile bootstrap \(cell counts drawn from their multinomial\)/,
  );
  assert.equal(output.perImage?.images, IMAGES);
  assert.ok(output.perImage!.shown <= 500 && output.perImage!.shown === output.perImage!.indices.length);
  for (const v of output.variants) {
    assert.equal(v.predictions.length, output.perImage!.shown);
    assert.equal(v.similarity.length, output.perImage!.shown);
    assert.equal(
      v.metrics.confusion.flat().reduce((a, b) => a + b, 0),
      IMAGES,
      'the confusion matrix counts every image',
    );
  }
  const reportBytes = (await fs.stat(summary.reportPath)).size;
  assert.ok(reportBytes <= 20 * MB, `report ${reportBytes} bytes`);
  const report = await fs.readFile(summary.reportPath, 'utf8');
  assert.match(report, /"file":"s\.per-image\.parquet"/, 'the report says where the rows it left out are');

  // results.json: the paged result naming the Parquet file, which holds every image.
  const results = JSON.parse(await fs.readFile(summary.resultsPath, 'utf8'));
  const saved = results.cells[4].result as ScoreResult;
  assert.equal(saved.perImage?.file, 's.per-image.parquet');
  assert.ok((await fs.stat(summary.resultsPath)).size <= MB);
  const file = await readScoresParquet(bytes(await fs.readFile(path.join(outDir, saved.perImage!.file!))));
  assert.deepEqual(file.classes, saved.classes);
  const classes = saved.classes;
  for (const [vi, v] of file.variants.entries()) {
    assert.equal(v.predictions.length, IMAGES);
    // The kept rows are the file's rows at their positions.
    saved.perImage!.indices.forEach((at, r) => {
      assert.deepEqual(v.predictions[at], saved.variants[vi].predictions[r]);
      assert.deepEqual(v.similarity[at], saved.variants[vi].similarity[r]);
    });
    // The metrics recompute exactly from the file's predictions (docs/methods.md, "Exact results").
    const right = v.predictions.filter((p) => p.label === p.predicted).length;
    assert.equal(right / IMAGES, saved.variants[vi].metrics.accuracy);
    // So do the intervals: at this size DeLong's for AUROC, the others from multinomial cell
    // counts, each saying so, from the seed and the saved predictions to the last digit.
    const ci = saved.variants[vi].metrics.ci!;
    assert.equal(ci.accuracy!.method, 'bootstrap-multinomial');
    assert.deepEqual(
      classificationCIs(
        v.predictions.map((p) => p.label as string),
        v.predictions.map((p) => p.predicted as string),
        v.predictions.map((p) => classes.map((c) => p.scores[c])),
        classes,
        {
          seed: saved.run.seed,
          auroc: saved.run.aurocIntervals,
          tableDraws: tableDrawsFor(saved.run.aurocIntervals, IMAGES),
        },
      ),
      ci,
    );
  }

  // The extension's answers to the renderer, read from the cache's copy.
  const ask = (m: Record<string, unknown>) =>
    answerScoreRows(cacheDir, notebookPath, {
      type: 'scoreRows',
      id: 7,
      score: 's',
      run: output.perImage!.run,
      variant: 'b',
      ...m,
    });
  const all = orderedRows(file.variants[1], classes);
  const failures = listRows(all, undefined, false);
  const page = await ask({ list: 'failures', offset: 60, limit: 60 });
  assert.equal(page.id, 7);
  assert.equal(page.total, output.perImage!.failures[1]);
  assert.deepEqual(
    page.rows!.map((r) => r.index),
    failures.slice(60, 120).map((r) => r.index),
  );
  assert.deepEqual(page.rows![0].similarity, file.variants[1].similarity[page.rows![0].index]);
  const cell = await ask({ list: 'cell', cell: { label: 'effusion', predicted: 'normal' }, offset: 0, limit: 500 });
  const [effusion, normal] = [classes.indexOf('effusion'), classes.indexOf('normal')];
  assert.equal(cell.total, output.variants[1].metrics.confusion[effusion][normal]);
  assert.ok(cell.rows!.every((r) => r.prediction.label === 'effusion' && r.prediction.predicted === 'normal'));
  const heat = await ask({ list: 'all', order: 'margin', offset: 200, limit: 200 });
  assert.equal(heat.total, IMAGES);
  assert.deepEqual(
    heat.rows!.map((r) => r.index),
    orderAll(all, 'margin', classes)
      .slice(200, 400)
      .map((r) => r.index),
  );
  // Requests are untrusted: each malformed field is refused, and none reaches a file.
  for (const bad of [
    { run: '../../etc/passwd' },
    { run: 'ABCDEF0123456789' },
    { list: 'everything' },
    { list: 'cell' },
    { offset: -1, list: 'failures', limit: 1 },
    { offset: 0, list: 'failures', limit: 501 },
    { offset: 0.5, list: 'failures', limit: 1 },
    { list: 'failures', offset: 0, limit: 1, variant: '' },
    { list: 'all', order: 'random', offset: 0, limit: 1 },
  ]) {
    const reply = await ask(bad);
    assert.ok(reply.error && !reply.rows, `${JSON.stringify(bad)} → ${JSON.stringify(reply).slice(0, 200)}`);
  }
  assert.match((await ask({ list: 'failures', offset: 0, limit: 1, variant: 'c' })).error ?? '', /no such variant/);
  assert.match((await answerScoreRows(cacheDir, notebookPath, null)).error ?? '', /not a scoreRows request/);

  // Reopened without the cache: the answer says the rows are gone.
  await fs.rm(cacheDir, { recursive: true, force: true });
  const gone = await answerScoreRows(cacheDir, notebookPath, {
    type: 'scoreRows',
    id: 8,
    score: 's',
    run: '0123456789abcdef',
    variant: 'b',
    list: 'failures',
    offset: 0,
    limit: 1,
  });
  assert.deepEqual(gone, { type: 'scoreRows', id: 8, gone: true });
  assert.ok(!existsSync(cacheDir), 'answering creates no cache');

  // The executed notebook in --out, opened later (its own cache has no run of it), pages from
  // the file beside it, which its output names; only for the run that file holds.
  assert.equal(output.perImage!.file, 's.per-image.parquet');
  const fromOut = (run: string) =>
    answerScoreRows(cacheDir, summary.notebookPath, {
      type: 'scoreRows',
      id: 9,
      score: 's',
      run,
      variant: 'b',
      list: 'failures',
      offset: 60,
      limit: 60,
    });
  const besidePage = await fromOut(output.perImage!.run);
  assert.equal(besidePage.total, output.perImage!.failures[1]);
  assert.deepEqual(besidePage.rows, page.rows);
  assert.deepEqual(await fromOut('0123456789abcdef'), { type: 'scoreRows', id: 9, gone: true });
  assert.ok(!existsSync(cacheDir), 'answering creates no cache');
});

test('on a small set the output stays inline, and the per-image file reads back equal to it', async (t) => {
  const { must } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS);
  await must(DEMO_DESCRIPTORS.replace('descriptors: v1', 'descriptors: v2').replace('clear lung fields, ', ''));
  const outcome = await must('score: s\nimages: held-out\nmodel: demo\ndescriptors: [v1, v2]\n');
  const inline = outcome.outputs[0].data as ScoreResult;
  assert.equal(inline.perImage, undefined);
  assert.equal(needsPaging(inline), false);
  const file = await readScoresParquet(perImageParquet(inline).buffer as ArrayBuffer);
  assert.deepEqual(
    file.variants.map((v) => ({
      name: v.name,
      columns: v.columns,
      predictions: v.predictions,
      similarity: v.similarity,
    })),
    inline.variants.map((v) => ({
      name: v.name,
      columns: v.columns,
      predictions: v.predictions,
      similarity: v.similarity,
    })),
  );
  // Paged, the same result keeps aligned rows of the same values.
  const paged = pagedScore(inline, '0123456789abcdef', 20);
  assert.equal(paged.perImage!.shown, 20);
  paged.perImage!.indices.forEach((at, r) =>
    assert.deepEqual(paged.variants[1].predictions[r], inline.variants[1].predictions[at]),
  );
  assert.deepEqual(paged.variants[0].metrics, inline.variants[0].metrics);
  // What the extension's exports write from a paged output: the inline result again.
  assert.deepEqual(withEveryRow(paged, file), inline);
  // A long list of flipped images is cut, its count kept.
  const flip = { image: 'x', label: 'a', previous: 'a', current: 'b', nowCorrect: false };
  const changes = {
    previousRun: '',
    sameImages: true,
    options: [],
    ciMethod: '',
    variants: [
      { variant: 'v1', status: 'both' as const, metrics: [], descriptors: [], flipped: Array(150).fill(flip) },
    ],
  };
  const cut = pagedScore({ ...inline, changes }, '0123456789abcdef').changes!.variants[0];
  assert.equal(cut.flipped.length, MAX_FLIPPED);
  assert.equal(cut.flippedTotal, 150);
});
