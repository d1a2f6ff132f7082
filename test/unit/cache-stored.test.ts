// What Clear Embedding Cache announces before deleting: the embeddings on disk and their bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';

async function folderBytes(dir: string): Promise<number> {
  const listed = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  let bytes = 0;
  for (const e of listed) if (e.isFile()) bytes += (await fs.stat(path.join(e.parentPath, e.name))).size;
  return bytes;
}

/** An entry of the one-file-per-entry layout the cache used before segments. */
async function writeLegacy(folder: string, key: string, vec: Float32Array): Promise<void> {
  const payload = Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength);
  const file = path.join(folder, key.slice(0, 2), `${key}.f32`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(
    file,
    Buffer.concat([Buffer.from('SLE1'), createHash('sha256').update(payload).digest(), payload]),
  );
}

test('stored() counts each embedding once across segments, not stray temporary files, and clear() empties it', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-stored-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const cache = new EmbeddingCache(dir);
  assert.deepEqual(await cache.stored(), { entries: 0, bytes: 0, files: 0 }, 'no folder yet');
  for (const [i, key] of ['aa11', 'aa22', 'bb33'].entries())
    await cache.put(key, new Float32Array([i, i + 1, i + 2, i + 3]));
  // A second "process" writes one of the same keys again, in a segment of its own, and a new one.
  EmbeddingCache.clearMemory();
  const other = new EmbeddingCache(dir);
  await other.put('aa11', new Float32Array([0, 1, 2, 3]));
  await other.put('cc44', new Float32Array([4, 5, 6, 7]));
  await fs.writeFile(path.join(other.folder, '.c-123.seg.1.abc.partial'), 'half');
  EmbeddingCache.clearMemory();
  const counter = new EmbeddingCache(dir);
  const stored = await counter.stored();
  assert.equal(stored.entries, 4, 'aa11 twice on disk is one embedding');
  assert.equal(stored.bytes, await folderBytes(counter.folder));
  assert.equal(stored.files, 3, 'two segments and the stray file');
  await counter.clear();
  assert.deepEqual(await counter.stored(), { entries: 0, bytes: 0, files: 0 });
  await assert.rejects(fs.stat(counter.folder), 'the folder is gone');
});

test('an old one-file-per-entry cache is read, moved into a segment and counted meanwhile', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-legacy-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  EmbeddingCache.clearMemory();
  const cache = new EmbeddingCache(dir);
  const keys = ['ab01', 'ab02', 'cd03'];
  const vectors = keys.map((_, i) => new Float32Array([i, -i, i / 2, 7]));
  for (const [i, key] of keys.entries()) await writeLegacy(cache.folder, key, vectors[i]);
  await fs.writeFile(path.join(cache.folder, 'cd', 'cd04.f32'), 'SLE1 not an embedding');
  assert.equal((await cache.stored()).entries, 4, 'old entries count before they are moved');

  const run = await cache.getOrEncode(
    [...keys, 'cd04'],
    (k) => k,
    async (missing) => {
      assert.deepEqual(missing, ['cd04'], 'only the damaged old entry is encoded');
      return [new Float32Array([9, 9, 9, 9])];
    },
  );
  assert.equal(run.encoded, 1);
  assert.deepEqual(
    run.vectors.slice(0, 3).map((v) => [...v]),
    vectors.map((v) => [...v]),
  );
  assert.equal(cache.repaired, 1, 'the damaged old entry counts as repaired');
  const left = await fs.readdir(cache.folder);
  assert.equal(left.length, 1, `only a segment is left: ${left.join(', ')}`);
  assert.match(left[0], /\.seg$/);

  EmbeddingCache.clearMemory();
  const again = await new EmbeddingCache(dir).getOrEncode(
    [...keys, 'cd04'],
    (k) => k,
    async () => {
      throw new Error('nothing should need encoding');
    },
  );
  assert.deepEqual([...again.vectors[3]], [9, 9, 9, 9]);
  assert.equal((await cache.stored()).entries, 4);
});
