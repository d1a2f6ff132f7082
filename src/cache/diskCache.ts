// A content-addressed store on disk: one file per key, written atomically (temp file, fsync,
// rename) so that a cancelled or crashed run never leaves a half-written entry behind. A cache
// folder that cannot be read or written (read-only, full, a file in its place) does not fail
// the run: the problem is reported once through `onProblem` and the run goes on without it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AtomicWriteError, describeWriteError, writeFileAtomic } from '../common/atomicWrite';

export class DiskCache {
  /** The first read or write failure, as a sentence; later ones are not repeated. */
  problem: string | undefined;

  constructor(
    readonly dir: string,
    private readonly onProblem?: (message: string) => void,
  ) {}

  file(namespace: string, key: string, ext: string): string {
    return path.join(this.dir, namespace, key.slice(0, 2), `${key}${ext}`);
  }

  async read(namespace: string, key: string, ext: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(namespace, key, ext));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.reportRead(e);
      return undefined;
    }
  }

  async write(namespace: string, key: string, ext: string, data: Buffer | string): Promise<void> {
    if (this.problem) return;
    try {
      await writeFileAtomic(this.file(namespace, key, ext), data);
    } catch (e) {
      this.reportWrite(this.file(namespace, key, ext), e);
    }
  }

  reportRead(err: unknown): void {
    this.report(
      `cannot read the cache in ${this.dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }

  /** A failed write of `target`, said as writeFileAtomic says it (disk full, read-only, ...). */
  reportWrite(target: string, err: unknown): void {
    const described = err instanceof AtomicWriteError ? err : describeWriteError(target, err);
    this.report(described.message.replace(/; the previous version.*$/, ''));
  }

  /** Report a problem once (later ones are not repeated); from then on nothing is written. */
  report(what: string): void {
    if (this.problem) return;
    this.problem = `${what}; this run goes on without caching (results are not affected, but nothing is kept for the next run).`;
    this.onProblem?.(this.problem);
  }

  /** The folder one namespace's entries live in. */
  folder(namespace: string): string {
    return path.join(this.dir, namespace);
  }

  /**
   * The entries of one namespace ending in `ext`, the bytes of everything in its folder and how
   * many files (a stray temporary file of an interrupted write counts as bytes, not as an entry).
   */
  async stored(namespace: string, ext: string): Promise<{ entries: number; bytes: number; files: number }> {
    const listed = await fs.readdir(this.folder(namespace), { withFileTypes: true, recursive: true }).catch(() => []);
    let entries = 0;
    let bytes = 0;
    let files = 0;
    for (const e of listed) {
      if (!e.isFile()) continue;
      files++;
      if (e.name.endsWith(ext) && !e.name.startsWith('.')) entries++;
      bytes += (await fs.stat(path.join(e.parentPath, e.name)).catch(() => ({ size: 0 }))).size;
    }
    return { entries, bytes, files };
  }

  /** Remove one namespace (e.g. embeddings) and keep the others (e.g. LLM completions). */
  async clear(namespace: string): Promise<void> {
    await fs.rm(this.folder(namespace), { recursive: true, force: true });
  }
}
