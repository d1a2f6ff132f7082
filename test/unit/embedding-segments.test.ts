// The embedding cache's segment files: round trip across a new instance (as a new process sees
// it), few files however many chunks, and damage (a flipped byte, a destroyed header, a cut-short
// tail) that is detected, encoded again and counted, never scored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { recordsOf } from '../../src/cache/segmentFormat';
import { SegmentStore } from '../../src/cache/segmentStore';

const DIMS = 16;
const vectorOf = (key: string) =>
  Float32Array.from({ length: DIMS }, (_, j) => key.length * 1000 + key.charCodeAt(key.length - 1) + j / 7);
const keysOf = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

async function tempCache(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-segments-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  return dir;
}

/** Encode what is missing with `vectorOf`, `chunk` at a time; returns what was asked for. */
async function fill(dir: string, keys: string[], chunk = 64) {
  const cache = new EmbeddingCache(dir);
  const asked: string[] = [];
  const run = await cache.getOrEncode(
    keys,
    (k) => k,
    async (missing) => {
      asked.push(...missing);
      return missing.map(vectorOf);
    },
    chunk,
  );
  return { cache, run, asked };
}

/** A new instance with the memory layer and the segment index dropped, as another process would start. */
async function reopen(dir: string, keys: string[]) {
  EmbeddingCache.clearMemory();
  return fill(dir, keys);
}

async function segments(dir: string): Promise<string[]> {
  const folder = path.join(dir, 'embeddings');
  return (await fs.readdir(folder)).filter((f) => f.endsWith('.seg')).map((f) => path.join(folder, f));
}

test('round trip: what one instance stores, a new one reads with the memory layer dropped, values exact', async (t) => {
  const dir = await tempCache(t);
  const keys = keysOf('k', 200);
  const first = await fill(dir, [...keys, keys[3]]);
  assert.equal(first.run.encoded, 200, 'a key given twice is encoded once');
  const second = await reopen(dir, keys);
  assert.equal(second.run.encoded, 0);
  assert.deepEqual(
    second.run.vectors.map((v) => [...v]),
    keys.map((k) => [...vectorOf(k)]),
  );
  assert.equal(second.cache.repaired, 0);
  // A third run asks for a few of them and new ones: only the new ones are encoded.
  const third = await reopen(dir, [keys[7], 'new1', keys[150], 'new2']);
  assert.deepEqual(third.asked, ['new1', 'new2']);
  assert.deepEqual([...third.run.vectors[2]], [...vectorOf(keys[150])]);
});

test('ten chunks go into one segment file; runs of later processes stay a handful of files', async (t) => {
  const dir = await tempCache(t);
  const keys = keysOf('c', 100);
  const { run } = await fill(dir, keys, 10);
  assert.equal(run.encoded, 100);
  assert.equal((await segments(dir)).length, 1, 'ten chunks, one file');
  // Eight more "processes", each adding entries: finished segments are merged as new ones are added.
  for (let p = 0; p < 8; p++) await reopen(dir, keysOf(`p${p}-`, 20));
  const files = await segments(dir);
  assert.ok(files.length <= 5, `${files.length} segment files`);
  const all = [...keys, ...Array.from({ length: 8 }, (_, p) => keysOf(`p${p}-`, 20)).flat()];
  const back = await reopen(dir, all);
  assert.equal(back.run.encoded, 0, 'merging lost nothing');
  assert.deepEqual(
    back.run.vectors.map((v) => [...v]),
    all.map((k) => [...vectorOf(k)]),
  );
  assert.equal((await back.cache.stored()).entries, all.length);
});

/** The records of the only segment, with their offsets in the file. */
async function onlySegment(dir: string) {
  const [file] = await segments(dir);
  return { file, records: recordsOf(await fs.readFile(file)) };
}

test('a flipped byte in a payload: that entry is encoded again and counted, the others are read', async (t) => {
  const dir = await tempCache(t);
  const keys = keysOf('f', 30);
  await fill(dir, keys, 8);
  const { file, records } = await onlySegment(dir);
  const victim = records[12];
  const bytes = await fs.readFile(file);
  bytes[victim.end - 5] ^= 0x01;
  await fs.writeFile(file, bytes);

  const { cache, run, asked } = await reopen(dir, keys);
  assert.deepEqual(asked, [victim.key]);
  assert.equal(cache.repaired, 1);
  assert.match(cache.notes().join(' '), /1 cached embedding .* failed its checksum and was re-encoded/);
  assert.deepEqual(
    run.vectors.map((v) => [...v]),
    keys.map((k) => [...vectorOf(k)]),
  );
  const healed = await reopen(dir, keys);
  assert.equal(healed.run.encoded, 0, 'the repaired entry is found next time');
  assert.equal(healed.cache.repaired, 0);
});

test('a destroyed record header: that entry is encoded again (never scored) and the records after it are read', async (t) => {
  const dir = await tempCache(t);
  const keys = keysOf('h', 10);
  await fill(dir, keys);
  const { file, records } = await onlySegment(dir);
  const bytes = await fs.readFile(file);
  bytes.write('not an embedding', records[4].start, 'latin1');
  await fs.writeFile(file, bytes);
  const { run, asked } = await reopen(dir, keys);
  assert.deepEqual(asked, [records[4].key]);
  assert.deepEqual(
    run.vectors.map((v) => [...v]),
    keys.map((k) => [...vectorOf(k)]),
  );
});

test('a cut-short tail (a crash mid-append) loses only that last record, which is counted', async (t) => {
  const dir = await tempCache(t);
  const keys = keysOf('t', 20);
  await fill(dir, keys, 5);
  const { file, records } = await onlySegment(dir);
  const last = records.at(-1)!;
  await fs.truncate(file, last.end - 7);
  const { cache, run, asked } = await reopen(dir, keys);
  assert.deepEqual(asked, [last.key], 'only the cut record is encoded again');
  assert.equal(cache.repaired, 1);
  assert.deepEqual([...run.vectors[19]], [...vectorOf(keys[19])]);
  const healed = await reopen(dir, keys);
  assert.equal(healed.run.encoded, 0);
});

test('Clear Embedding Cache: the count it announces, then nothing left for the next run', async (t) => {
  const dir = await tempCache(t);
  await fill(dir, keysOf('x', 40), 8);
  await reopen(dir, keysOf('y', 5));
  EmbeddingCache.clearMemory();
  const cache = new EmbeddingCache(dir);
  assert.equal((await cache.stored()).entries, 45);
  await cache.clear();
  assert.equal((await cache.stored()).entries, 0);
  const after = await fill(dir, keysOf('x', 3));
  assert.equal(after.run.encoded, 3, 'the memory layer went too');
});

test('a long-lived reader sees what another process appends later, and what it wrote itself', async (t) => {
  const dir = await tempCache(t);
  const folder = path.join(dir, 'embeddings');
  // Two stores on one folder behave as two processes: each has its own segment, index and memory.
  const window = new SegmentStore(folder);
  const cli = new SegmentStore(folder);
  await cli.append(keysOf('a', 3).map((k) => [k, vectorOf(k)]));
  assert.deepEqual(await window.read(new Set([...keysOf('a', 3), 'b000'])), []);
  assert.deepEqual([...window.memory.keys()], keysOf('a', 3));
  await cli.append([['b000', vectorOf('b000')]]);
  await window.read(new Set(['b000']));
  assert.deepEqual([...window.memory.get('b000')!], [...vectorOf('b000')]);
  // Its own appends go to a segment of its own, not into the other's.
  await window.append([['c000', vectorOf('c000')]]);
  assert.equal((await segments(dir)).length, 2);
  await cli.read(new Set(['c000', 'a001']));
  assert.deepEqual([...cli.memory.get('c000')!], [...vectorOf('c000')]);
  // Dropped, a store reads everything again, its own segment included.
  await cli.drop();
  await cli.read(new Set(['a001', 'b000', 'c000']));
  assert.equal(cli.memory.size, 3);
  await window.drop();
  await cli.drop();
});
