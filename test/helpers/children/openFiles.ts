// Child of faults-blowup.test.ts, started under a low open-file limit (ulimit -n): fills an
// embedding cache with N entries, then reads them all back through getOrEncode.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbeddingCache } from '../../../src/cache/embeddingCache';
import { reportAndExit } from '../bounded';

async function main(): Promise<void> {
  const n = Number(process.argv[2]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-emfile-'));
  const cache = new EmbeddingCache(dir, (m) => {
    throw new Error(m);
  });
  const keys = Array.from({ length: n }, (_, i) => EmbeddingCache.textKey('fp', `text ${i}`));
  // Fill in the same bounded way getOrEncode does: the chunks it stores.
  await cache.getOrEncode(
    keys,
    (k) => k,
    async (missing) => missing.map((_, j) => Float32Array.from([j + 1, 1, 2])),
  );
  EmbeddingCache.clearMemory();
  const problems: string[] = [];
  const reader = new EmbeddingCache(dir, (m) => problems.push(m));
  const { vectors, encoded } = await reader.getOrEncode(
    keys,
    (k) => k,
    async () => {
      throw new Error('nothing should need encoding');
    },
  );
  await fs.rm(dir, { recursive: true, force: true });
  reportAndExit({ read: vectors.filter((v) => v.length === 3).length, encoded, problems });
}
main().catch((err: Error) => {
  process.stdout.write(`${JSON.stringify({ error: err.message })}\n`);
  process.exit(1);
});
