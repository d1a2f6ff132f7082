// The previous run and the last runs of each score cell, kept in the cache folder beside the
// embeddings (namespace `runs`), keyed by notebook and cell name, so that the next run can say
// what changed, also after the notebook was closed and reopened. The previous run is kept in the
// compact form its comparison needs (typed arrays, binaryRecord.ts), not as the whole result.
import { promises as fs } from 'node:fs';
import { decodeRecord, encodeRecord, type BinaryRecord } from './binaryRecord';
import { DiskCache } from './diskCache';
import { hashKey } from './hash';

const NAMESPACE = 'runs';
const EXT = '.runs';
/** Before the binary form: the whole previous result as JSON (its history is still read). */
const LEGACY_EXT = '.json';
/** Cells whose last run stays in memory (most recently saved first to stay). */
const REMEMBERED_CELLS = 8;

export interface StoredRuns<P, S> {
  /** The last run, as the next comparison needs it. */
  previous?: P;
  /** Summaries of the last runs, oldest first. */
  history: S[];
}

/** How the previous run is written and read back. */
export interface RunCodec<P> {
  encode(previous: P): BinaryRecord<unknown>;
  /** Undefined (the comparison is lost, nothing else) when the record is not of this version. */
  decode(record: BinaryRecord<unknown>): P | undefined;
}

interface FileMeta<S> {
  history: S[];
  previous?: unknown;
}

export class RunHistory<P, S> {
  /**
   * The last runs saved by this process, by folder and key: the next run of the cell compares
   * without reading the previous run back. Saved objects are kept as given, so callers must not
   * change them afterwards.
   */
  private static readonly memory = new Map<string, StoredRuns<unknown, unknown>>();
  private readonly disk: DiskCache;

  constructor(
    cacheDir: string,
    private readonly codec: RunCodec<P>,
  ) {
    this.disk = new DiskCache(cacheDir);
  }

  static key(notebookPath: string, cellName: string): string {
    return hashKey('score-runs', notebookPath, cellName);
  }

  /** Forget what this process saved (the next load reads the disk). */
  static clearMemory(): void {
    RunHistory.memory.clear();
  }

  async load(key: string): Promise<StoredRuns<P, S>> {
    const remembered = RunHistory.memory.get(this.memoryKey(key));
    if (remembered) return remembered as StoredRuns<P, S>;
    const buf = await this.disk.read(NAMESPACE, key, EXT);
    if (!buf) return this.loadLegacy(key);
    // A damaged or unknown entry only costs the comparison with the previous run (and, when its
    // header is what was damaged, the history).
    try {
      const { meta, arrays } = decodeRecord<FileMeta<S>>(buf);
      const history = Array.isArray(meta?.history) ? meta.history : [];
      if (meta.previous === undefined || !arrays) return { history };
      const previous = this.decodePrevious({ meta: meta.previous, arrays });
      return previous ? { previous, history } : { history };
    } catch {
      return { history: [] };
    }
  }

  async save(key: string, runs: StoredRuns<P, S>): Promise<void> {
    const id = this.memoryKey(key);
    const memory = RunHistory.memory;
    memory.delete(id);
    memory.set(id, runs);
    // A few cells' worth: enough for the edit loop, no leak over a long session of notebooks.
    if (memory.size > REMEMBERED_CELLS) memory.delete(memory.keys().next().value!);
    const previous = runs.previous === undefined ? undefined : this.codec.encode(runs.previous);
    const meta: FileMeta<S> = { history: runs.history, ...(previous ? { previous: previous.meta } : {}) };
    await this.disk.write(NAMESPACE, key, EXT, encodeRecord({ meta, arrays: previous?.arrays ?? {} }));
    // The entry it replaces, if an earlier version wrote one (tens of MB at 100,000 images).
    await fs.rm(this.disk.file(NAMESPACE, key, LEGACY_EXT), { force: true }).catch(() => undefined);
  }

  private decodePrevious(record: BinaryRecord<unknown>): P | undefined {
    try {
      return this.codec.decode(record);
    } catch {
      return undefined;
    }
  }

  /** An entry of the JSON form: its history carries over, its previous result is not compared. */
  private async loadLegacy(key: string): Promise<StoredRuns<P, S>> {
    const buf = await this.disk.read(NAMESPACE, key, LEGACY_EXT);
    if (!buf) return { history: [] };
    try {
      const stored = JSON.parse(buf.toString('utf8')) as { history?: S[] };
      return { history: Array.isArray(stored.history) ? stored.history : [] };
    } catch {
      return { history: [] };
    }
  }

  private memoryKey(key: string): string {
    return `${this.disk.dir}\u0000${key}`;
  }
}
