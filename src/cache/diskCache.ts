// A content-addressed store on disk: one file per key, written atomically (temp file, fsync,
// rename) so that a cancelled or crashed run never leaves a half-written entry behind.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';

export class DiskCache {
  constructor(readonly dir: string) {}

  private file(namespace: string, key: string, ext: string): string {
    return path.join(this.dir, namespace, key.slice(0, 2), `${key}${ext}`);
  }

  async read(namespace: string, key: string, ext: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(namespace, key, ext));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async write(namespace: string, key: string, ext: string, data: Buffer | string): Promise<void> {
    await writeFileAtomic(this.file(namespace, key, ext), data);
  }

  /** The folder one namespace's entries live in. */
  folder(namespace: string): string {
    return path.join(this.dir, namespace);
  }

  /** Remove one namespace (e.g. embeddings) and keep the others (e.g. LLM completions). */
  async clear(namespace: string): Promise<void> {
    await fs.rm(this.folder(namespace), { recursive: true, force: true });
  }
}
