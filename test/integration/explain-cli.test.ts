// Explanations through the headless runner, as a user runs it (the built bin, a real process): a
// notebook of images/model/descriptors/score/explain cells over the held-out phantoms, whose
// results.json must put each occlusion peak on the recorded lesion. Needs `npm run build` first
// (npm test builds before it tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { serializeNotebook, DEFAULT_NOTEBOOK_METADATA, type NotebookCellModel } from '../../src/kernel/nbformat';
import type { ExplainResult } from '../../src/protocol/results';
import { DESCRIPTORS, lesions, MODEL, peakInLesion, PHANTOMS, ROOT, subset } from '../fixtures/explain-fixture';

const run = promisify(execFile);

/** Two images per finding keep the process short; the kernel test checks more images. */
const PER_FINDING = 2;
/** As in the kernel test: half a stride-8 heatmap cell. */
const MARGIN_PX = 4;
/** Measured on the committed demo model: 8 of 8 peaks on the lesion; asserted with slack. */
const MIN_HITS = 6;

const code = (source: string): NotebookCellModel => ({
  kind: 'code',
  source,
  language: 'yaml',
  metadata: {},
  outputs: [],
  executionCount: null,
});

test('CLI: results.json holds each explain cell with its peak box on the lesion', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-explain-cli-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const checked = subset(lesions(), PER_FINDING);
  const notebook = path.join(dir, 'explain.lensnb');
  const cells = [
    code(`images: held-out\nfrom: ${JSON.stringify(path.join(PHANTOMS, 'labels.csv'))}`),
    code(`model: demo\npath: ${JSON.stringify(MODEL)}`),
    code(DESCRIPTORS.trim()),
    code('score: zero-shot\nimages: held-out\nmodel: demo\ndescriptors: v1'),
    ...checked.map((l, i) =>
      code(
        `explain: case-${i}\nscore: zero-shot\nimage: ${JSON.stringify(path.join(PHANTOMS, l.path))}\ntarget: ${l.label}\npatch: 24\nstride: 8`,
      ),
    ),
  ];
  await fs.writeFile(
    notebook,
    serializeNotebook({ cells, metadata: { ...DEFAULT_NOTEBOOK_METADATA }, nbformatMinor: 5 }),
  );
  const out = path.join(dir, 'out');
  await run(
    process.execPath,
    [
      path.join(ROOT, 'bin/symptom-lens.js'),
      'run',
      notebook,
      '--out',
      out,
      '--cache',
      path.join(dir, 'cache'),
      '--device',
      'cpu',
      '--quiet',
    ],
    {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    },
  );
  const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as {
    cells: { step: string; name: string; ok: boolean; result?: ExplainResult }[];
  };
  const explained = results.cells.filter((c) => c.step === 'explain');
  assert.equal(explained.length, checked.length);
  let hits = 0;
  const misses: string[] = [];
  explained.forEach((c, i) => {
    assert.ok(c.ok && c.result, `${c.name} ran`);
    assert.equal(
      c.result.image,
      path.relative(dir, path.join(PHANTOMS, checked[i].path)).split(path.sep).join('/'),
      'image ids are relative to the notebook',
    );
    assert.ok(!('thumbnail' in c.result), 'no picture in results.json');
    if (peakInLesion(c.result.occlusion.peak.box, checked[i].box, MARGIN_PX)) hits++;
    else
      misses.push(
        `${checked[i].path}: peak ${c.result.occlusion.peak.box.join(',')} vs lesion ${checked[i].box.join(',')}`,
      );
  });
  assert.ok(hits >= MIN_HITS, `${hits}/${checked.length} peaks on the lesion; misses:\n${misses.join('\n')}`);
  // The report carries every explanation for the explain renderer to draw.
  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.equal(report.split('"mime":"application/vnd.symptom-lens.explain+json"').length - 1, checked.length);
});
