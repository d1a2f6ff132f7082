// Child of cache-writers.test.ts: one process of several appending to the same embedding cache
// folder at once. Encodes N keys `${prefix}i` in chunks, pausing in each as a model would.
import { setTimeout as sleep } from 'node:timers/promises';
import { EmbeddingCache } from '../../../src/cache/embeddingCache';
import { reportAndExit } from '../bounded';

async function main(): Promise<void> {
  const [dir, prefix, count, chunk] = process.argv.slice(2);
  const problems: string[] = [];
  const cache = new EmbeddingCache(dir, (m) => problems.push(m));
  const keys = Array.from({ length: Number(count) }, (_, i) => `${prefix}${i}`);
  const { encoded } = await cache.getOrEncode(
    keys,
    (k) => k,
    async (missing) => {
      await sleep(20);
      return missing.map((k) => Float32Array.from([k.length, k.charCodeAt(0), Number(k.slice(prefix.length))]));
    },
    Number(chunk),
  );
  reportAndExit({ encoded, problems });
}
main().catch((err: Error) => {
  process.stdout.write(`${JSON.stringify({ error: err.message })}\n`);
  process.exit(1);
});
