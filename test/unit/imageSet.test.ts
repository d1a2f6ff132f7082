import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadImageSet, ImageSetError } from '../../src/images/imageSet';
import { parseDelimited } from '../../src/images/csv';

import { KERMANY } from '../fixtures/clipFixtures';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'sl-imageset-'));
}

async function copyKermany(dir: string, n: number): Promise<{ id: string; label: string }[]> {
  const table = parseDelimited(await fs.readFile(path.join(KERMANY, 'labels.csv'), 'utf8'), ',');
  // Half from each class: the CSV lists all normal images first.
  const all = table.rows.map((r) => ({ id: r.cells[0], label: r.cells[1] }));
  const rows = [
    ...all.filter((r) => r.label === 'normal').slice(0, Math.ceil(n / 2)),
    ...all.filter((r) => r.label === 'pneumonia').slice(0, Math.floor(n / 2)),
  ];
  for (const r of rows) {
    await fs.mkdir(path.join(dir, r.label), { recursive: true });
    await fs.copyFile(path.join(KERMANY, r.id), path.join(dir, r.label, path.basename(r.id)));
  }
  return rows;
}

test('CSV with path,label columns: the vendored Kermany subset', async () => {
  const set = await loadImageSet({ name: 'k', from: path.join(KERMANY, 'labels.csv'), baseDir: process.cwd() });
  assert.equal(set.entries.length, 90);
  assert.deepEqual(set.classes, ['normal', 'pneumonia']);
  assert.equal(set.entries.filter((e) => e.label === 'normal').length, 30);
  assert.equal(set.skipped.length, 0);
  assert.match(set.hash, /^[0-9a-f]{64}$/);
});

test('limit takes a seeded class-stratified sample; same seed, same sample', async () => {
  const from = path.join(KERMANY, 'labels.csv');
  const a = await loadImageSet({ name: 'a', from, baseDir: '/', limit: 40, seed: 1 });
  const b = await loadImageSet({ name: 'b', from, baseDir: '/', limit: 40, seed: 1 });
  const c = await loadImageSet({ name: 'c', from, baseDir: '/', limit: 40, seed: 2 });
  assert.equal(a.entries.length, 40);
  assert.deepEqual(
    a.entries.map((e) => e.id),
    b.entries.map((e) => e.id),
  );
  assert.notDeepEqual(
    a.entries.map((e) => e.id),
    c.entries.map((e) => e.id),
  );
  const normals = a.entries.filter((e) => e.label === 'normal').length;
  assert.ok(normals >= 12 && normals <= 15, `normal share follows the set's (30/90 of 40 ≈ 13), got ${normals}`);
});

test('a folder with one sub-folder per class; corrupt, truncated and empty files are skipped by name', async () => {
  const dir = await tempDir();
  await copyKermany(dir, 6);
  await fs.writeFile(path.join(dir, 'normal', 'empty.png'), '');
  await fs.writeFile(path.join(dir, 'normal', 'garbage.jpg'), 'this is not a jpeg');
  const aJpeg = (await fs.readdir(path.join(dir, 'pneumonia')))[0];
  const bytes = await fs.readFile(path.join(dir, 'pneumonia', aJpeg));
  await fs.writeFile(path.join(dir, 'pneumonia', 'truncated.jpeg'), bytes.subarray(0, Math.floor(bytes.length / 3)));
  const set = await loadImageSet({ name: 'f', from: '.', baseDir: dir });
  assert.equal(set.entries.length, 6);
  const skippedIds = set.skipped.map((s) => s.id).sort();
  assert.deepEqual(skippedIds, ['normal/empty.png', 'normal/garbage.jpg', 'pneumonia/truncated.jpeg']);
  for (const s of set.skipped) assert.ok(s.reason.length > 10, s.reason);
});

test('a glob labels images by their folder; a TSV labels file can override', async () => {
  const dir = await tempDir();
  const rows = await copyKermany(dir, 4);
  const globbed = await loadImageSet({ name: 'g', from: '*/*.jpeg', baseDir: dir });
  assert.equal(globbed.entries.length, rows.length);
  assert.ok(globbed.entries.every((e) => e.label === path.dirname(e.id)));
  const tsv = ['path\tlabel', ...globbed.entries.map((e, i) => `${e.id}\t${i === 0 ? '' : 'x'}`)].join('\n');
  await fs.writeFile(path.join(dir, 'labels.tsv'), tsv);
  const relabelled = await loadImageSet({ name: 'g', from: '*/*.jpeg', labels: 'labels.tsv', baseDir: dir });
  assert.equal(relabelled.entries.length, rows.length - 1);
  assert.ok(relabelled.entries.every((e) => e.label === 'x'));
  assert.match(relabelled.skipped[0].reason, /no label/);
});

test('missing labels and missing files in a CSV are reported with their line', async () => {
  const dir = await tempDir();
  await copyKermany(dir, 2);
  const files = (await fs.readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.jpeg')).map(String);
  await fs.writeFile(path.join(dir, 'l.csv'), `path,label\n${files[0]},normal\n${files[1]},\nmissing.png,normal\n`);
  const set = await loadImageSet({ name: 'c', from: 'l.csv', baseDir: dir });
  assert.equal(set.entries.length, 1);
  assert.match(set.skipped.find((s) => s.id === files[1])!.reason, /l\.csv, line 3: no label/);
  assert.ok(set.skipped.some((s) => s.id === 'missing.png'));
});

test('definition errors name the field', async () => {
  const dir = await tempDir();
  await assert.rejects(
    loadImageSet({ name: 'x', from: 'nope', baseDir: dir }),
    (e: unknown) => e instanceof ImageSetError && e.field === 'from' && /does not exist/.test(e.message),
  );
  await fs.writeFile(path.join(dir, 'bad.csv'), 'file,class\na.png,x\n');
  await assert.rejects(loadImageSet({ name: 'x', from: 'bad.csv', baseDir: dir }), /line 1: no "path" column/);
  await assert.rejects(loadImageSet({ name: 'x', from: '*.png', baseDir: dir }), /matches no PNG, JPEG or DICOM/);
});

test('multi-label CSV: 0/1 columns become classes', async () => {
  const dir = await tempDir();
  await copyKermany(dir, 3);
  const files = (await fs.readdir(dir, { recursive: true }))
    .filter((f) => String(f).endsWith('.jpeg'))
    .map(String)
    .sort();
  await fs.writeFile(
    path.join(dir, 'ml.csv'),
    `path,effusion,nodule\n${files[0]},1,0\n${files[1]},0,1\n${files[2]},1,1\n`,
  );
  const set = await loadImageSet({ name: 'm', from: 'ml.csv', baseDir: dir });
  assert.equal(set.multiLabel, true);
  assert.deepEqual(set.classes, ['effusion', 'nodule']);
  assert.deepEqual(set.entries[2].labels, { effusion: 1, nodule: 1 });
});
