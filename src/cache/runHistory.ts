// The previous result and the last runs of each score cell, kept in the cache folder beside the
// embeddings (namespace `runs`), keyed by notebook and cell name, so that the next run can say
// what changed, also after the notebook was closed and reopened.
import { DiskCache } from './diskCache';
import { hashKey } from './hash';

const NAMESPACE = 'runs';

export interface StoredRuns<R, S> {
  /** The whole result of the last run (without thumbnails). */
  previous?: R;
  /** Summaries of the last runs, oldest first. */
  history: S[];
}

export class RunHistory<R, S> {
  private readonly disk: DiskCache;

  constructor(cacheDir: string) {
    this.disk = new DiskCache(cacheDir);
  }

  static key(notebookPath: string, cellName: string): string {
    return hashKey('score-runs', notebookPath, cellName);
  }

  async load(key: string): Promise<StoredRuns<R, S>> {
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
    await this.disk.write(NAMESPACE, key, '.json', JSON.stringify(runs));
  }
}
