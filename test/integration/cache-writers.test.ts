// Two processes (two VS Code windows, or the CLI beside VS Code) encoding into the same embedding
// cache folder at the same time: each appends to a segment of its own, and a third process then
// reads every entry of both, intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { runBounded } from '../helpers/bounded';

const PER_WRITER = 300;

test('two processes appending to the same cache folder at once both end up readable', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-writers-'));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const writers = await Promise.all(
    ['a', 'b'].map((prefix) =>
      runBounded('test/helpers/children/cacheWriter.ts', [dir, prefix, String(PER_WRITER), '16'], 60_000),
    ),
  );
  for (const w of writers) {
    assert.equal(w.code, 0, `${w.stdout}\n${w.stderr}`);
    assert.deepEqual(w.result, { ...(w.result as object), encoded: PER_WRITER, problems: [] });
  }
  const files = (await fs.readdir(path.join(dir, 'embeddings'))).filter((f) => f.endsWith('.seg'));
  assert.equal(files.length, 2, `one segment per writer: ${files.join(', ')}`);

  EmbeddingCache.clearMemory();
  const reader = new EmbeddingCache(dir);
  const keys = ['a', 'b'].flatMap((prefix) => Array.from({ length: PER_WRITER }, (_, i) => `${prefix}${i}`));
  const { vectors, encoded } = await reader.getOrEncode(
    keys,
    (k) => k,
    async () => {
      throw new Error('nothing should need encoding');
    },
  );
  assert.equal(encoded, 0);
  assert.equal(reader.repaired, 0);
  keys.forEach((k, i) => assert.deepEqual([...vectors[i]], [k.length, k.charCodeAt(0), Number(k.slice(1))], k));
  assert.equal((await reader.stored()).entries, 2 * PER_WRITER);
});
