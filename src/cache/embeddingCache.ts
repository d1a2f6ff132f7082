// Image and text embeddings on disk, keyed as docs/methods.md ("Caches and staleness") says:
//   image: model fingerprint + preprocessing + image content hash
//   text : model fingerprint + exact text
// so editing one descriptor re-encodes that one text and no image.
import { DiskCache } from './diskCache';
import { hashKey } from './hash';

const NAMESPACE = 'embeddings';

export class EmbeddingCache {
  private readonly disk: DiskCache;
  /** Process-wide memory layer: re-running a cell in the same session skips the disk too. */
  private static readonly memory = new Map<string, Float32Array>();

  constructor(readonly dir: string) {
    this.disk = new DiskCache(dir);
  }

  static imageKey(modelFingerprint: string, preprocessKey: string, contentHash: string): string {
    return hashKey('image', modelFingerprint, preprocessKey, contentHash);
  }

  static textKey(modelFingerprint: string, text: string): string {
    return hashKey('text', modelFingerprint, text);
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const mem = EmbeddingCache.memory.get(`${this.dir}\u0000${key}`);
    if (mem) return mem;
    const buf = await this.disk.read(NAMESPACE, key, '.f32');
    if (!buf || buf.byteLength % 4 !== 0 || buf.byteLength === 0) return undefined;
    const vec = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    EmbeddingCache.memory.set(`${this.dir}\u0000${key}`, vec);
    return vec;
  }

  async put(key: string, vec: Float32Array): Promise<void> {
    EmbeddingCache.memory.set(`${this.dir}\u0000${key}`, vec);
    await this.disk.write(NAMESPACE, key, '.f32', Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength));
  }

  /**
   * Look every key up; encode the misses in chunks and store each chunk as soon as it is done,
   * so an interrupted run keeps what it finished and the next run resumes from there. Returns
   * vectors in key order and how many were encoded (the run record's count of real model calls).
   */
  async getOrEncode<T>(
    items: T[],
    keyOf: (item: T) => string,
    encode: (missing: T[], already: { done: number; total: number }) => Promise<Float32Array[]>,
    chunkSize = 64,
  ): Promise<{ vectors: Float32Array[]; encoded: number }> {
    const keys = items.map(keyOf);
    const vectors: (Float32Array | undefined)[] = await Promise.all(keys.map((k) => this.get(k)));
    // Encode each distinct key once even if it appears twice (e.g. two classes share a text).
    const firstOfKey = new Map<string, number>();
    vectors.forEach((v, i) => {
      if (!v && !firstOfKey.has(keys[i])) firstOfKey.set(keys[i], i);
    });
    const toEncode = [...firstOfKey.values()];
    for (let start = 0; start < toEncode.length; start += chunkSize) {
      const chunk = toEncode.slice(start, start + chunkSize);
      const encoded = await encode(
        chunk.map((i) => items[i]),
        { done: start, total: toEncode.length },
      );
      await Promise.all(chunk.map((i, j) => this.put(keys[i], encoded[j])));
    }
    const filled = await Promise.all(keys.map(async (k, i) => vectors[i] ?? (await this.get(k))!));
    return { vectors: filled, encoded: toEncode.length };
  }

  /** Forget the memory layer (the Clear Embedding Cache command, tests). */
  static clearMemory(): void {
    EmbeddingCache.memory.clear();
  }

  /** Where the embeddings are on disk (the cache folder also holds LLM completions). */
  get folder(): string {
    return this.disk.folder(NAMESPACE);
  }

  /** Forget every embedding, on disk and in memory; LLM completions stay. */
  async clear(): Promise<void> {
    EmbeddingCache.clearMemory();
    await this.disk.clear(NAMESPACE);
  }
}
