// The standard Hugging Face hub cache, as huggingface_hub (Python) and @huggingface/hub lay it
// out, so that both share one copy of each file:
//   CACHE/models--ORG--NAME/blobs/ETAG                 the bytes, named by their etag
//   CACHE/models--ORG--NAME/snapshots/COMMIT/PATH      a relative symbolic link to the blob
//   CACHE/models--ORG--NAME/refs/REVISION              the commit a branch or tag resolved to
// A blob is written as ETAG.incomplete and renamed when complete and verified, so a cut or
// interrupted download is never visible under its final name (and the next run resumes it).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';
import { writeFileAtomic } from '../common/atomicWrite';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub (the library's rule, Python's too). */
export function hubCacheDir(): string {
  return getHFHubCachePath();
}

export class RepoCache {
  readonly root: string;

  constructor(
    cacheDir: string,
    readonly repo: string,
  ) {
    this.root = path.join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
  }

  snapshotDir(commit: string): string {
    return path.join(this.root, 'snapshots', commit);
  }

  blobPath(etag: string): string {
    return path.join(this.root, 'blobs', etag);
  }

  /** The commit a revision stands for in the cache: itself when it is a commit hash, else refs/. */
  async cachedCommit(revision: string): Promise<string | undefined> {
    if (COMMIT_HASH.test(revision)) return revision;
    const ref = await fs.readFile(path.join(this.root, 'refs', revision), 'utf8').catch(() => undefined);
    const commit = ref?.trim();
    return commit && COMMIT_HASH.test(commit) ? commit : undefined;
  }

  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit) return;
    await writeFileAtomic(path.join(this.root, 'refs', revision), commit);
  }

  /** Whether snapshots/COMMIT/PATH exists and its blob is complete (a dangling link is not). */
  async hasFile(commit: string, file: string): Promise<boolean> {
    return fs
      .stat(path.join(this.snapshotDir(commit), file))
      .then((s) => s.isFile())
      .catch(() => false);
  }

  /** The snapshot's files ('/' paths) among those the layout reads: the top level and onnx/. */
  async listSnapshot(commit: string): Promise<Set<string>> {
    const files = new Set<string>();
    for (const sub of ['', 'onnx']) {
      const names = await fs.readdir(path.join(this.snapshotDir(commit), sub)).catch(() => [] as string[]);
      for (const name of names) {
        const rel = sub ? `${sub}/${name}` : name;
        if (await this.hasFile(commit, rel)) files.add(rel);
      }
    }
    return files;
  }

  /** Point snapshots/COMMIT/PATH at the blob: a relative link as Python makes it, else a copy. */
  async link(commit: string, file: string, etag: string): Promise<void> {
    const pointer = path.join(this.snapshotDir(commit), file);
    await fs.mkdir(path.dirname(pointer), { recursive: true });
    await fs.rm(pointer, { force: true });
    const blob = this.blobPath(etag);
    try {
      await fs.symlink(path.relative(path.dirname(pointer), blob), pointer);
    } catch (err) {
      // File systems without symbolic links (some Windows setups): a copy, as huggingface_hub does.
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      await fs.copyFile(blob, pointer);
    }
  }
}
