// The previous result and the last runs of each score cell, kept in the cache folder beside the
// embeddings (namespace `runs`), keyed by notebook and cell name, so that the next run can say
// what changed, also after the notebook was closed and reopened.
import { DiskCache } from './diskCache';
import { hashKey } from './hash';

const NAMESPACE = 'runs';
/** Cells whose last run stays in memory (most recently saved first to stay). */
const REMEMBERED_CELLS = 8;

export interface StoredRuns<R, S> {
  /** The whole result of the last run (without thumbnails). */
  previous?: R;
  /** Summaries of the last runs, oldest first. */
  history: S[];
}

export class RunHistory<R, S> {
  /**
   * The last runs saved by this process, by folder and key: the next run of the cell compares
   * without reading and parsing the previous result back (tens of MB at 100,000 images). Saved
   * objects are kept as given, so callers must not change them afterwards.
   */
  private static readonly memory = new Map<string, StoredRuns<unknown, unknown>>();
  private readonly disk: DiskCache;

  constructor(cacheDir: string) {
    this.disk = new DiskCache(cacheDir);
  }

  static key(notebookPath: string, cellName: string): string {
    return hashKey('score-runs', notebookPath, cellName);
  }

  /** Forget what this process saved (the next load reads the disk). */
  static clearMemory(): void {
    RunHistory.memory.clear();
  }

  async load(key: string): Promise<StoredRuns<R, S>> {
    const remembered = RunHistory.memory.get(this.memoryKey(key));
    if (remembered) return remembered as StoredRuns<R, S>;
    const buf = await this.disk.read(NAMESPACE, key, '.json');
    if (!buf) return { history: [] };
    try {
      const stored = JSON.parse(buf.toString('utf8')) as StoredRuns<R, S>;
      return { previous: stored.previous, history: Array.isArray(stored.history) ? stored.history : [] };
    } catch {
      // A damaged entry only costs the comparison with the previous run.
      return { history: [] };
    }
  }

  async save(key: string, runs: StoredRuns<R, S>): Promise<void> {
    const id = this.memoryKey(key);
    const memory = RunHistory.memory;
    memory.delete(id);
    memory.set(id, runs);
    // A few cells' worth: enough for the edit loop, no leak over a long session of notebooks.
    if (memory.size > REMEMBERED_CELLS) memory.delete(memory.keys().next().value!);
    await this.disk.write(NAMESPACE, key, '.json', JSON.stringify(runs));
  }

  private memoryKey(key: string): string {
    return `${this.disk.dir}\u0000${key}`;
  }
}
