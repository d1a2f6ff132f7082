// The per-image file of a paged score is written in a worker thread after the cell returned
// (scoring/perImageWriter.ts): a row request sent at once waits for it and gets every row; a
// write that fails is only logged, and the request then answers that the rows are gone (the
// renderer says the cell needs a re-run); the CLI has written the file when it ends.
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeSyntheticImport } from '../../bench/embeddingsImport';
import { perImageFile } from '../../src/cache/perImageFiles';
import { Kernel } from '../../src/kernel/kernel';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { answerScoreRows } from '../../src/scoring/perImageQuery';
import { perImageWriterThread, perImageWritesSettled, trackWrite } from '../../src/scoring/perImageWriter';
import { DEMO_MODEL } from '../helpers/demoKernel';

/** Enough images for the output to be paged (more than its inline budget of rows). */
const IMAGES = 4000;
const CLASSES = ['normal', 'effusion', 'cardiomegaly'];

async function pagedKernel(t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-pqwrite-'));
  await writeSyntheticImport(dir, IMAGES, 64, CLASSES);
  const logged: string[] = [];
  const notebookPath = path.join(dir, 'n.lensnb');
  const cacheDir = path.join(dir, 'cache');
  const kernel = new Kernel({ notebookPath, cacheDir, log: (m) => logged.push(m) });
  t.after(async () => {
    await kernel.dispose();
    await perImageWritesSettled();
    await fs.rm(dir, { recursive: true, force: true });
  });
  const must = async (id: string, source: string) => {
    const out = await kernel.runCell(id, source);
    assert.ok(out.ok, out.error);
    return out;
  };
  await must('m', `model: m\npath: ${JSON.stringify(DEMO_MODEL)}\n`);
  await must('i', 'images: set\nfrom: labels.csv\nembeddings: emb\n');
  await must('d', `descriptors: d\nclasses:\n${CLASSES.map((c) => `  ${c}: [finding ${c}]`).join('\n')}\n`);
  const score = async () => {
    const out = await must('s', 'score: s\nimages: set\nmodel: m\ndescriptors: d\n');
    return out.outputs.find((o) => o.mime === MIME.score)!.data as ScoreResult;
  };
  const ask = (run: string) =>
    answerScoreRows(cacheDir, notebookPath, {
      type: 'scoreRows',
      id: 1,
      score: 's',
      run,
      variant: 'd',
      list: 'all',
      order: 'class',
      offset: 0,
      limit: 500,
    });
  return { cacheDir, notebookPath, logged, score, ask };
}

test('a row request sent as the cell returns gets every row of the file the worker writes', async (t) => {
  const { cacheDir, notebookPath, score, ask, logged } = await pagedKernel(t);
  const output = await score();
  const run = output.perImage!.run;
  const reply = await ask(run);
  assert.equal(reply.total, IMAGES, JSON.stringify(reply).slice(0, 200));
  assert.equal(reply.rows!.length, 500);
  // The rows the output kept are the file's rows at their positions.
  const byIndex = new Map(reply.rows!.map((r) => [r.index, r]));
  for (const [r, at] of output.perImage!.indices.entries()) {
    const row = byIndex.get(at);
    if (!row) continue;
    assert.deepEqual(row.prediction, output.variants[0].predictions[r]);
    assert.deepEqual(row.similarity, output.variants[0].similarity[r]);
  }
  assert.equal(perImageWriterThread(), 'worker', logged.join('\n'));
  assert.ok(existsSync(perImageFile(cacheDir, notebookPath, 's', run)));
});

test('a row request waits for the write in flight of its file, however long it takes', async (t) => {
  const { cacheDir, notebookPath, score, ask } = await pagedKernel(t);
  const output = await score();
  const run = output.perImage!.run;
  const file = perImageFile(cacheDir, notebookPath, 's', run);
  await perImageWritesSettled();
  // The file moves away and a write of it is in flight until this test puts it back.
  const held = `${file}.held`;
  await fs.rename(file, held);
  let release!: () => void;
  trackWrite(file, new Promise<void>((resolve) => (release = resolve)));
  let answered = false;
  const reply = ask(run).then((r) => ((answered = true), r));
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(answered, false, 'answered before the write in flight ended');
  await fs.rename(held, file);
  release();
  assert.equal((await reply).total, IMAGES);
});

test('a per-image write that fails is logged, and its rows are answered as gone', async (t) => {
  const { cacheDir, score, ask, logged } = await pagedKernel(t);
  // The cache's per-image folder is a file: no file can be written under it.
  await fs.mkdir(cacheDir, { recursive: true });
  await fs.writeFile(path.join(cacheDir, 'per-image'), 'not a folder');
  const output = await score();
  const reply = await ask(output.perImage!.run);
  assert.deepEqual(reply, { type: 'scoreRows', id: 1, gone: true });
  await perImageWritesSettled();
  assert.ok(
    logged.some((m) => /score s: cannot store the per-image file/.test(m)),
    logged.join('\n'),
  );
  assert.equal(perImageWriterThread(), 'worker', 'the failure was the write, not the worker');
});
