// Export and import round trip: the demo notebook's score cell exported (scores as CSV and
// Parquet, embeddings as clip-retrieval's img_emb/metadata), then read back by an images cell
// with `embeddings:` in a new notebook whose images are not on disk: the same predictions and
// metrics exactly, no image encoded, the model verified. NumPy (Debian's python3-numpy) reads
// the .npy; a wrong model or an unverifiable file gives an error or a flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { Kernel } from '../../src/kernel/kernel';
import { parseNotebook } from '../../src/kernel/nbformat';
import type { ImagesResult, ScoreResult } from '../../src/protocol/results';
import { readNpy } from '../../src/images/npy';
import { PYTHON } from '../fixtures/clipFixtures';
import { parquetBytes, unitVector, writeClipRetrieval } from '../helpers/embeddingFiles';

const ROOT = path.resolve(__dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples');

/** The demo notebook's cells up to its first score cell, with paths made absolute for another folder. */
async function demoCells(): Promise<{ source: string; step: string }[]> {
  const nb = parseNotebook(await fs.readFile(path.join(EXAMPLES, 'demo.lensnb'), 'utf8'), 'demo.lensnb');
  const code = nb.cells.filter((c) => c.kind === 'code').map((c) => c.source);
  const upTo = code.findIndex((s) => s.startsWith('score:'));
  return code.slice(0, upTo + 1).map((source) => ({ source, step: source.split(':')[0] }));
}

function absolute(source: string): string {
  return source
    .replace('path: ../models/demo', `path: ${JSON.stringify(path.join(ROOT, 'models/demo'))}`)
    .replace('cache: generate-cache', `cache: ${JSON.stringify(path.join(EXAMPLES, 'generate-cache'))}`);
}

async function run(kernel: Kernel, id: string, source: string) {
  const out = await kernel.runCell(id, source);
  assert.ok(out.ok, `${source.split('\n')[0]}: ${out.error}`);
  return out;
}

test('export from the demo notebook, import in a new notebook without the images: the same metrics exactly', async (t) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-roundtrip-'));
  t.after(() => fs.rm(tmp, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const cells = await demoCells();
  const demo = new Kernel({
    notebookPath: path.join(EXAMPLES, 'demo.lensnb'),
    cacheDir: path.join(tmp, 'cache-a'),
    settings: { device: 'cpu' },
  });
  t.after(() => demo.dispose());
  let scored: ScoreResult | undefined;
  for (const [i, c] of cells.entries()) {
    const out = await run(demo, `a${i}`, c.source);
    if (c.step === 'score') scored = out.result as ScoreResult;
  }
  const scoreName = scored!.name;
  const folder = path.join(tmp, 'exported');
  const exported = await run(demo, 'export', `export: rt\nscore: ${scoreName}\nto: ${JSON.stringify(folder)}\n`);
  const files = (exported.result as { files: { path: string }[]; encoded: number }).files.map((f) => f.path);
  assert.deepEqual(files.sort(), [
    'img_emb/img_emb_0.npy',
    'metadata/metadata_0.parquet',
    'metrics.csv',
    'scores.csv',
    'scores.parquet',
  ]);
  assert.equal((exported.result as { encoded: number }).encoded, 0, 'export reads the embeddings from the cache');

  // What export wrote: the scores Parquet holds every prediction's scores; the npy is unit rows.
  const scoresFile = await fs.readFile(path.join(folder, 'scores.parquet'));
  const rows = await parquetReadObjects({
    file: scoresFile.buffer.slice(scoresFile.byteOffset, scoresFile.byteOffset + scoresFile.byteLength),
  });
  const expectedRows = scored!.variants.flatMap((v) => v.predictions.map((p) => ({ v: v.name, p })));
  assert.equal(rows.length, expectedRows.length);
  expectedRows.forEach(({ v, p }, i) => {
    assert.equal(rows[i].variant, v);
    assert.equal(rows[i].image, p.image);
    assert.equal(rows[i].predicted, p.predicted);
    for (const c of scored!.classes) assert.equal(rows[i][`score ${c}`], p.scores[c]);
  });
  const csv = await fs.readFile(path.join(folder, 'scores.csv'), 'utf8');
  assert.equal(csv.trim().split('\r\n').length, expectedRows.length + 1);
  const npy = readNpy(await fs.readFile(path.join(folder, 'img_emb/img_emb_0.npy')), 'npy');
  assert.equal(npy.rows, scored!.variants[0].predictions.length);
  const meta = await fs.readFile(path.join(folder, 'metadata/metadata_0.parquet'));
  const kv =
    parquetMetadata(meta.buffer.slice(meta.byteOffset, meta.byteOffset + meta.byteLength)).key_value_metadata ?? [];
  assert.equal(kv.find((e) => e.key === 'symptom_lens.model_fingerprint')?.value, scored!.run.modelFingerprint);

  // A new notebook elsewhere: the same labels CSV, no image files, the exported embeddings.
  const nbDir = path.join(tmp, 'elsewhere');
  await fs.mkdir(path.join(nbDir, 'data'), { recursive: true });
  await fs.copyFile(path.join(EXAMPLES, 'data/labels.csv'), path.join(nbDir, 'data/labels.csv'));
  EmbeddingCache.clearMemory();
  const other = new Kernel({
    notebookPath: path.join(nbDir, 'nb.lensnb'),
    cacheDir: path.join(tmp, 'cache-b'),
    settings: { device: 'cpu' },
  });
  t.after(() => other.dispose());
  let imported: ScoreResult | undefined;
  for (const [i, c] of cells.entries()) {
    const source = c.step === 'images' ? `${c.source.trimEnd()}\nembeddings: ../exported\n` : absolute(c.source);
    const out = await run(other, `b${i}`, source);
    if (c.step === 'images') {
      const images = out.outputs[0].data as ImagesResult;
      assert.equal(images.embeddings?.matched, npy.rows);
      assert.equal(images.embeddings?.notOnDisk, npy.rows, 'no image file is on disk here');
      assert.ok(
        images.samples.every((s) => s.thumbnail.startsWith('data:image/jpeg;base64,')),
        'placeholders',
      );
    }
    if (c.step === 'score') imported = out.result as ScoreResult;
  }
  assert.equal(imported!.run.encoded.images, 0, 'no image encoded');
  assert.deepEqual(imported!.run.embeddings, [
    { images: imported!.images, source: '../exported', format: 'clip-retrieval', modelVerified: true },
  ]);
  assert.ok(!imported!.flags.some((f) => f.kind === 'embeddings'));
  assert.deepEqual(
    imported!.variants.map((v) => ({ name: v.name, metrics: v.metrics, predictions: v.predictions })),
    scored!.variants.map((v) => ({ name: v.name, metrics: v.metrics, predictions: v.predictions })),
  );

  // An explanation occludes the image itself: one not on this machine is a located error.
  const image = imported!.variants[0].predictions[0].image;
  const explain = await other.runCell('explain', `explain: e\nscore: ${imported!.name}\nimage: ${image}\n`);
  assert.equal(explain.ok, false);
  assert.equal(explain.errorField, 'image');
  assert.match(
    explain.error!,
    new RegExp(`${image.replace(/[.]/g, '\\.')} is not on this machine: its embedding was imported`),
  );

  // NumPy reads what we wrote: same shape, the same float32 values.
  const numpy = existsSync(PYTHON) && !spawnSync(PYTHON, ['-c', 'import numpy']).status;
  if (!numpy) return t.skip('python3-numpy is not installed');
  const fromNumpy = JSON.parse(
    execFileSync(
      PYTHON,
      [
        '-c',
        'import numpy as np, json, sys; a = np.load(sys.argv[1]); print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().tolist()}))',
        path.join(folder, 'img_emb/img_emb_0.npy'),
      ],
      { maxBuffer: 64 << 20 },
    ).toString(),
  ) as { shape: number[]; dtype: string; values: number[] };
  assert.deepEqual(fromNumpy.shape, [npy.rows, npy.cols]);
  assert.equal(fromNumpy.dtype, 'float32');
  assert.deepEqual(fromNumpy.values, [...npy.data]);
});

test('the model must be the one that made the embeddings: a dimension mismatch fails at model:, an unrecorded model is flagged, another fingerprint fails', async (t) => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-import-model-'));
  t.after(() => fs.rm(tmp, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const classes = ['normal', 'effusion'];
  const rows = classes.flatMap((c) => [0, 1, 2].map((i) => `${c}/${c}-00${i}.png`));
  await fs.mkdir(path.join(tmp, 'data'));
  await fs.writeFile(
    path.join(tmp, 'data/labels.csv'),
    ['path,label', ...rows.map((r) => `${r},${r.split('/')[0]}`)].join('\n'),
  );
  const kernel = new Kernel({
    notebookPath: path.join(tmp, 'nb.lensnb'),
    cacheDir: path.join(tmp, 'cache'),
    settings: { device: 'cpu' },
  });
  t.after(() => kernel.dispose());
  const model = await run(kernel, 'm', `model: demo\npath: ${JSON.stringify(path.join(ROOT, 'models/demo'))}\n`);
  const dim = (model.result as { embedDim: number }).embedDim;
  assert.ok(dim > 8, `model dimension ${dim}`);
  await run(kernel, 'd', `descriptors: names\nclasses: {normal: [], effusion: []}\n`);
  const score = 'score: s\nimages: x\nmodel: demo\ndescriptors: names\n';

  await writeClipRetrieval(path.join(tmp, 'wrongdim'), [
    { paths: rows, vectors: rows.map((_, i) => unitVector(i, 8)) },
  ]);
  await run(kernel, 'i1', 'images: x\nfrom: data/labels.csv\nembeddings: wrongdim\n');
  const failed = await kernel.runCell('s1', score);
  assert.equal(failed.ok, false);
  assert.equal(failed.errorField, 'model');
  assert.match(
    failed.error!,
    new RegExp(`imported image embeddings have 8 dimensions, but model "demo" makes ${dim}-dimensional`),
  );

  await fs.writeFile(
    path.join(tmp, 'plain.parquet'),
    parquetBytes(rows, { vectors: rows.map((_, i) => unitVector(i, dim)) }),
  );
  await run(kernel, 'i2', 'images: x\nfrom: data/labels.csv\nembeddings: plain.parquet\n');
  const flagged = (await run(kernel, 's2', score)).result as ScoreResult;
  assert.equal(flagged.run.encoded.images, 0);
  assert.ok(
    flagged.flags.some((f) => f.kind === 'embeddings' && /do not record the model that made them/.test(f.message)),
  );
  assert.equal(flagged.run.embeddings?.[0].modelVerified, false);

  await fs.writeFile(
    path.join(tmp, 'other.parquet'),
    parquetBytes(rows, {
      vectors: rows.map((_, i) => unitVector(i, dim)),
      kv: { 'symptom_lens.model_fingerprint': 'f'.repeat(64) },
    }),
  );
  await run(kernel, 'i3', 'images: x\nfrom: data/labels.csv\nembeddings: other.parquet\n');
  const wrong = await kernel.runCell('s3', score);
  assert.equal(wrong.ok, false);
  assert.equal(wrong.errorField, 'model');
  assert.match(
    wrong.error!,
    /other\.parquet was made by a model with fingerprint ffffffffffff…, but model "demo" has fingerprint/,
  );
});
