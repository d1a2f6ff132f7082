// Image and text embeddings on disk, keyed as docs/methods.md ("Caches and staleness") says:
//   image: model fingerprint + preprocessing + image content hash
//   text : model fingerprint + exact text
// so editing one descriptor re-encodes that one text and no image. Each entry carries a sha256
// of its vector, checked on read: a corrupted or truncated entry is re-encoded and counted
// (`repaired`, which the run record shows), never scored.
import { createHash } from 'node:crypto';
import { runAll } from '../common/async';
import { DiskCache } from './diskCache';
import { hashKey } from './hash';

const NAMESPACE = 'embeddings';
/** Entry layout: MAGIC, sha256 of the payload (32 bytes), float32 payload. */
const MAGIC = Buffer.from('SLE1');
const HEADER_BYTES = MAGIC.length + 32;
/** Cache files open at once: far below any open-file limit (1024 is common). */
const MAX_OPEN_FILES = 64;

export class EmbeddingCache {
  private readonly disk: DiskCache;
  /** Process-wide memory layer: re-running a cell in the same session skips the disk too. */
  private static readonly memory = new Map<string, Float32Array>();

  /** Entries found corrupted (checksum, size) in this instance's reads, re-encoded since. */
  repaired = 0;

  /** `onProblem` hears once that the folder cannot be used (the run then goes on without it). */
  constructor(
    readonly dir: string,
    onProblem?: (message: string) => void,
  ) {
    this.disk = new DiskCache(dir, onProblem);
  }

  /** What a run record should say about the cache: repaired entries, an unusable folder. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.repaired > 0)
      notes.push(
        `${this.repaired} cached embedding${this.repaired === 1 ? '' : 's'} in ${this.dir} failed ${this.repaired === 1 ? 'its' : 'their'} checksum and ${this.repaired === 1 ? 'was' : 'were'} re-encoded.`,
      );
    if (this.disk.problem) notes.push(`The embedding cache ${this.disk.problem}`);
    return notes;
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
    if (!buf) return undefined;
    const payload = buf.subarray(HEADER_BYTES);
    const intact =
      buf.byteLength > HEADER_BYTES &&
      payload.byteLength % 4 === 0 &&
      buf.subarray(0, MAGIC.length).equals(MAGIC) &&
      buf.subarray(MAGIC.length, HEADER_BYTES).equals(createHash('sha256').update(payload).digest());
    if (!intact) {
      this.repaired++;
      return undefined;
    }
    const vec = new Float32Array(payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.byteLength));
    EmbeddingCache.memory.set(`${this.dir}\u0000${key}`, vec);
    return vec;
  }

  async put(key: string, vec: Float32Array): Promise<void> {
    EmbeddingCache.memory.set(`${this.dir}\u0000${key}`, vec);
    const payload = Buffer.from(vec.buffer, vec.byteOffset, vec.byteLength);
    const checksum = createHash('sha256').update(payload).digest();
    await this.disk.write(NAMESPACE, key, '.f32', Buffer.concat([MAGIC, checksum, payload]));
  }

  /**
   * Look every key up; encode the misses in chunks and store each chunk as soon as it is done,
   * so an interrupted run keeps what it finished and the next run resumes from there. Returns
   * vectors in key order and how many were encoded (the run record's count of real model calls).
   */
  async getOrEncode<T, V extends Float32Array | undefined = Float32Array>(
    items: T[],
    keyOf: (item: T) => string,
    /**
     * `already`: misses encoded so far, all misses, and the items found in the cache. An item
     * left undefined has no embedding (an image that cannot be decoded): nothing is stored.
     */
    encode: (missing: T[], already: { done: number; total: number; cached: number }) => Promise<V[]>,
    chunkSize = 64,
  ): Promise<{ vectors: V[]; encoded: number }> {
    const keys = items.map(keyOf);
    const vectors = await this.getAll(keys);
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
        { done: start, total: toEncode.length, cached: items.length - toEncode.length },
      );
      await Promise.all(chunk.map((i, j) => (encoded[j] ? this.put(keys[i], encoded[j]) : undefined)));
    }
    // Every miss with an embedding was just put: the memory layer has it, whether or not the disk took it.
    const filled = await this.getAll(keys.map((k, i) => (vectors[i] ? undefined : k)));
    return { vectors: vectors.map((v, i) => v ?? filled[i]) as V[], encoded: toEncode.length };
  }

  /** `get` for many keys (undefined: skip), with at most MAX_OPEN_FILES files open at once. */
  private async getAll(keys: (string | undefined)[]): Promise<(Float32Array | undefined)[]> {
    const never = new AbortController().signal;
    return runAll(keys.length, MAX_OPEN_FILES, never, async (i) => (keys[i] ? this.get(keys[i]) : undefined));
  }

  /** Forget the memory layer (the Clear Embedding Cache command, tests). */
  static clearMemory(): void {
    EmbeddingCache.memory.clear();
  }

  /** Where the embeddings are on disk (the cache folder also holds LLM completions). */
  get folder(): string {
    return this.disk.folder(NAMESPACE);
  }

  /** How many embeddings are on disk and their size (what Clear Embedding Cache deletes). */
  stored(): Promise<{ entries: number; bytes: number }> {
    return this.disk.stored(NAMESPACE, '.f32');
  }

  /** Forget every embedding, on disk and in memory; LLM completions stay. */
  async clear(): Promise<void> {
    EmbeddingCache.clearMemory();
    await this.disk.clear(NAMESPACE);
  }
}
