// What Clear Embedding Cache announces before deleting: the embeddings on disk and their bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';

test('stored() counts the embeddings on disk, not stray temporary files, and clear() empties it', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-stored-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const cache = new EmbeddingCache(dir);
  assert.deepEqual(await cache.stored(), { entries: 0, bytes: 0 }, 'no folder yet');
  const keys = ['aa11', 'aa22', 'bb33'];
  for (const [i, key] of keys.entries()) await cache.put(key, new Float32Array([i, i + 1, i + 2, i + 3]));
  const entryBytes = (await fs.stat(path.join(cache.folder, 'aa', 'aa11.f32'))).size;
  await fs.writeFile(path.join(cache.folder, 'bb', '.bb44.f32.123.partial'), 'half');
  assert.deepEqual(await cache.stored(), { entries: 3, bytes: 3 * entryBytes + 4 });
  await cache.clear();
  assert.deepEqual(await cache.stored(), { entries: 0, bytes: 0 });
});
