// Embeddings computed elsewhere: .npy reading and writing, clip-retrieval's folder layout and a
// generic Parquet file read into an image set (labels from the CSV, matched by path), and each
// kind of bad input as an error naming the file and what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImageSetError } from '../../src/images/imageSet';
import { loadImportedImageSet } from '../../src/images/importedSet';
import { readNpy, writeNpy } from '../../src/images/npy';
import { replaceFolderAtomic, writeFileAtomic } from '../../src/common/atomicWrite';
import { KERMANY } from '../fixtures/clipFixtures';
import { npyBytes, parquetBytes, unitVector, writeClipRetrieval } from '../helpers/embeddingFiles';

const DIM = 8;

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'sl-emb-'));
}

/** A notebook folder with data/labels.csv listing `rows` (path relative to data/, label). */
async function notebookFolder(rows: [string, string][]): Promise<string> {
  const dir = await tempDir();
  await fs.mkdir(path.join(dir, 'data'));
  await fs.writeFile(path.join(dir, 'data/labels.csv'), ['path,label', ...rows.map((r) => r.join(','))].join('\n'));
  return dir;
}

function load(dir: string, embeddings: string, columns: { path?: string; vector?: string } = {}) {
  return loadImportedImageSet({ name: 'x', from: 'data/labels.csv', baseDir: dir, embeddings, columns });
}

async function rejects(promise: Promise<unknown>, pattern: RegExp, field = 'embeddings'): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ImageSetError, String(e));
    assert.match(e.message, pattern);
    assert.equal(e.field, field);
    return true;
  });
}

test('npy: what writeNpy writes reads back bit for bit; a hand-written float16 file reads as float32', () => {
  const data = Float32Array.from({ length: 3 * 5 }, (_, i) => Math.fround(Math.sin(i) / 3));
  const bytes = writeNpy(data, 3, 5);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, 'data starts on a 64-byte boundary');
  const back = readNpy(bytes, 'a.npy');
  assert.deepEqual([back.rows, back.cols, back.dtype], [3, 5, '<f4']);
  assert.deepEqual([...back.data], [...data]);
  const half = readNpy(npyBytes([[0.5, -0.25, 1 / 3]], '<f2'), 'h.npy');
  assert.equal(half.dtype, '<f2');
  assert.deepEqual([...half.data.subarray(0, 2)], [0.5, -0.25]);
  assert.ok(Math.abs(half.data[2] - 1 / 3) < 2e-4 && half.data[2] !== Math.fround(1 / 3));
});

test('npy: a wrong dtype, Fortran order, a truncated file, another shape or no magic are errors naming the file', () => {
  assert.throws(
    () => readNpy(npyBytes([[1, 2]], '<f8'), 'e.npy'),
    /e\.npy holds <f8 values; .*float32 \(<f4\) or float16/,
  );
  const fortran = npyBytes([[1, 2]]);
  fortran.write("'fortran_order': True, ", fortran.indexOf("'fortran_order'"), 'latin1');
  assert.throws(() => readNpy(fortran, 'f.npy'), /f\.npy is in Fortran order/);
  const whole = npyBytes([[1, 2, 3]]);
  assert.throws(() => readNpy(whole.subarray(0, whole.length - 4), 't.npy'), /t\.npy should hold 1 × 3 values/);
  const oneD = Buffer.from(
    npyBytes([[1, 2]])
      .toString('latin1')
      .replace('(1, 2)', '(2,)  '),
    'latin1',
  );
  assert.throws(() => readNpy(oneD, 's.npy'), /s\.npy has shape \(2,\)\s*; embeddings must be a 2-D array/);
  assert.throws(() => readNpy(Buffer.from('path,label\n'), 'c.npy'), /c\.npy is not a \.npy file/);
});

test('clip-retrieval layout: shards matched row by row, labels from the CSV by trailing path parts, float16 read, on-disk files found', async () => {
  const dir = await notebookFolder([
    ['normal/a.png', 'normal'],
    ['pneumonia/a.png', 'pneumonia'],
    ['pneumonia/b.png', 'pneumonia'],
    ['normal/not-embedded.png', 'normal'],
  ]);
  // One image is on this machine; the others exist only on the cluster that embedded them.
  await fs.mkdir(path.join(dir, 'data/normal'));
  await fs.copyFile(path.join(KERMANY, 'images/NORMAL/IM-0001-0001.jpeg'), path.join(dir, 'data/normal/a.png'));
  const v = [0, 1, 2, 3].map((s) => unitVector(s, DIM));
  await writeClipRetrieval(path.join(dir, 'emb'), [
    { paths: ['/mnt/cxr/data/pneumonia/b.png', '/mnt/cxr/data/normal/a.png'], vectors: [v[0], v[1]] },
    { paths: ['/mnt/cxr/data/pneumonia/a.png', '/mnt/cxr/data/other/z.png'], vectors: [v[2], v[3]], descr: '<f2' },
  ]);
  const set = await load(dir, 'emb');
  assert.deepEqual(
    set.entries.map((e) => [e.id, e.label, e.onDisk]),
    [
      ['data/normal/a.png', 'normal', true],
      ['data/pneumonia/a.png', 'pneumonia', false],
      ['data/pneumonia/b.png', 'pneumonia', false],
    ],
  );
  assert.deepEqual([...set.entries[0].embedding!], [...Float32Array.from(v[1])]);
  assert.deepEqual([...set.entries[2].embedding!], [...Float32Array.from(v[0])]);
  assert.ok(
    set.entries[1].embedding!.every((x, i) => Math.abs(x - v[2][i]) < 1e-3),
    'float16 shard',
  );
  assert.deepEqual(set.skipped, [
    { id: 'data/normal/not-embedded.png', reason: 'no embedding for data/normal/not-embedded.png in emb' },
  ]);
  assert.deepEqual(set.classes, ['normal', 'pneumonia']);
  const info = set.imported!;
  assert.deepEqual([info.format, info.dim, info.rows, info.matched, info.notOnDisk], ['clip-retrieval', DIM, 4, 3, 2]);
  assert.equal(info.modelFingerprint, undefined);
  assert.ok(info.notes.some((n) => /img_emb_1\.npy holds float16/.test(n)));
  assert.ok(info.notes.some((n) => /1 rows of emb match no image/.test(n)));
  assert.notEqual(set.entries[0].contentHash, set.entries[1].contentHash);
});

test('generic Parquet: named columns, non-unit vectors normalised with a note, the model fingerprint read', async () => {
  const dir = await notebookFolder([
    ['normal/a.png', 'normal'],
    ['pneumonia/b.png', 'pneumonia'],
  ]);
  const big = unitVector(5, DIM).map((x) => x * 3);
  await fs.writeFile(
    path.join(dir, 'emb.parquet'),
    parquetBytes(['normal/a.png', 'pneumonia/b.png'], {
      pathColumn: 'file',
      vectorColumn: 'vec',
      vectors: [unitVector(4, DIM), big],
      kv: { 'symptom_lens.model_fingerprint': 'abc123' },
    }),
  );
  await rejects(
    load(dir, 'emb.parquet'),
    /emb\.parquet has no image path column \(looked for image_path, path\); its columns are file, caption, vec/,
    'embeddings_path_column',
  );
  await rejects(
    load(dir, 'emb.parquet', { path: 'file' }),
    /no vector column \(looked for embedding, image_embedding, vector\)/,
    'embeddings_vector_column',
  );
  const set = await load(dir, 'emb.parquet', { path: 'file', vector: 'vec' });
  assert.equal(set.entries.length, 2);
  assert.equal(set.imported!.format, 'parquet');
  assert.equal(set.imported!.modelFingerprint, 'abc123');
  const n = Math.hypot(...set.entries[1].embedding!);
  assert.ok(Math.abs(n - 1) < 1e-6, `normalised: ${n}`);
  assert.ok(
    set.imported!.notes.some((x) =>
      /1 of 2 vectors in emb\.parquet were not unit length \(norms 3\.000 to 3\.000\)/.test(x),
    ),
  );
});

test('a folder of Parquet parts (as Spark or Ray Data write them) reads in name order', async () => {
  const dir = await notebookFolder([
    ['normal/a.png', 'normal'],
    ['pneumonia/b.png', 'pneumonia'],
  ]);
  await fs.mkdir(path.join(dir, 'parts'));
  await fs.writeFile(
    path.join(dir, 'parts/part-00001.parquet'),
    parquetBytes(['pneumonia/b.png'], { vectors: [unitVector(2, DIM)] }),
  );
  await fs.writeFile(
    path.join(dir, 'parts/part-00000.parquet'),
    parquetBytes(['normal/a.png'], { vectors: [unitVector(1, DIM)] }),
  );
  await fs.writeFile(path.join(dir, 'parts/_SUCCESS'), '');
  const set = await load(dir, 'parts');
  assert.deepEqual(
    set.entries.map((e) => e.id),
    ['data/normal/a.png', 'data/pneumonia/b.png'],
  );
  assert.deepEqual([...set.entries[1].embedding!], [...Float32Array.from(unitVector(2, DIM))]);
  await fs.writeFile(
    path.join(dir, 'parts/part-00002.parquet'),
    parquetBytes(['x.png'], { vectors: [unitVector(3, DIM + 1)] }),
  );
  await rejects(load(dir, 'parts'), /parts\/part-00002\.parquet has 9-dimensional vectors but earlier parts have 8/);
});

test('bad input: missing folder, row-count mismatch, wrong dtype, zero vector, no matching path, ambiguous rows', async () => {
  const dir = await notebookFolder([
    ['normal/a.png', 'normal'],
    ['pneumonia/a.png', 'pneumonia'],
  ]);
  await rejects(load(dir, 'nowhere'), /"nowhere" does not exist/);
  await writeClipRetrieval(path.join(dir, 'count'), [
    { paths: ['normal/a.png'], vectors: [unitVector(1, DIM), unitVector(2, DIM)] },
  ]);
  await rejects(
    load(dir, 'count'),
    /count\/img_emb\/img_emb_0\.npy has 2 rows but count\/metadata\/metadata_0\.parquet has 1; they must match row by row/,
  );
  await writeClipRetrieval(path.join(dir, 'f64'), [
    { paths: ['normal/a.png'], vectors: [unitVector(1, DIM)], descr: '<f8' },
  ]);
  await rejects(load(dir, 'f64'), /f64\/img_emb\/img_emb_0\.npy holds <f8 values/);
  await writeClipRetrieval(path.join(dir, 'zero'), [
    { paths: ['normal/a.png'], vectors: [new Array<number>(DIM).fill(0)] },
  ]);
  await rejects(load(dir, 'zero'), /zero, row 0 \(normal\/a\.png\): the vector is all zeros/);
  await writeClipRetrieval(path.join(dir, 'nomatch'), [{ paths: ['elsewhere/q.png'], vectors: [unitVector(1, DIM)] }]);
  await rejects(
    load(dir, 'nomatch'),
    /None of the 2 images "data\/labels\.csv" lists has a row in nomatch \(e\.g\. data\/normal\/a\.png vs elsewhere\/q\.png\)/,
  );
  await writeClipRetrieval(path.join(dir, 'short'), [{ paths: ['a.png'], vectors: [unitVector(1, DIM)] }]);
  await rejects(
    load(dir, 'short'),
    /short: row 0 \(a\.png\) matches both data\/normal\/a\.png and data\/pneumonia\/a\.png/,
  );
  await writeClipRetrieval(path.join(dir, 'twice'), [
    { paths: ['/x/data/normal/a.png', '/y/data/normal/a.png'], vectors: [unitVector(1, DIM), unitVector(2, DIM)] },
  ]);
  await rejects(
    load(dir, 'twice'),
    /twice: rows 0 \(\/x\/data\/normal\/a\.png\) and 1 \(\/y\/data\/normal\/a\.png\) both match data\/normal\/a\.png/,
  );
  await fs.mkdir(path.join(dir, 'nometa/img_emb'), { recursive: true });
  await fs.writeFile(path.join(dir, 'nometa/img_emb/img_emb_0.npy'), npyBytes([unitVector(1, DIM)]));
  await rejects(load(dir, 'nometa'), /nometa\/img_emb\/img_emb_0\.npy has no metadata\/metadata_0\.parquet beside it/);
  await fs.writeFile(path.join(dir, 'bad.parquet'), 'not parquet');
  await rejects(load(dir, 'bad.parquet'), /Cannot read bad\.parquet as Parquet/);
});

test('replaceFolderAtomic: a failed fill leaves the old folder as it was; a good one replaces it whole', async () => {
  const dir = await tempDir();
  const target = path.join(dir, 'out');
  await replaceFolderAtomic(target, (d) => writeFileAtomic(path.join(d, 'one.txt'), '1'));
  await assert.rejects(
    replaceFolderAtomic(target, async (d) => {
      await writeFileAtomic(path.join(d, 'two.txt'), '2');
      throw new Error('disk on fire');
    }),
    /Cannot write .*out: disk on fire/,
  );
  assert.deepEqual(await fs.readdir(target), ['one.txt']);
  await replaceFolderAtomic(target, (d) => writeFileAtomic(path.join(d, 'three.txt'), '3'));
  assert.deepEqual(await fs.readdir(target), ['three.txt']);
  assert.deepEqual(await fs.readdir(dir), ['out'], 'no temporary folder left behind');
});
