// Every file a run produces (results, reports, notebooks, cache entries) is replaced atomically:
// the bytes go to a temporary file beside the target, are flushed to disk (fsync), and only then
// renamed over it. A crash, kill -9 or full disk in the middle leaves the previous file intact
// and at worst a stray temporary file, never a truncated target.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** A write that failed; the previous file (if any) is unchanged. `message` names the file and why. */
export class AtomicWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'AtomicWriteError';
  }
}

/** Temporary files end with this, so a clean-up or a cache listing can skip them. */
export const TEMP_SUFFIX = '.partial';

/**
 * Write `data` to `file` atomically. Creates the parent folder. On failure the temporary file is
 * removed and an AtomicWriteError says which file and why (disk full, read-only, permission).
 * Text given as an iterable of pieces is written piece by piece, never held whole.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  let handle: fs.FileHandle | undefined;
  try {
    await fs.mkdir(dir, { recursive: true });
    handle = await fs.open(tmp, 'wx');
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for (const piece of data) await handle.write(piece);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw describeWriteError(file, err);
  }
  // The rename itself is durable only once the folder is flushed; not every platform allows it.
  await syncFolder(dir);
}

async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open folders; the data is already flushed and renamed.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** A failed write of `file` as a sentence that says why (disk full, read-only, permission). */
export function describeWriteError(file: string, err: unknown): AtomicWriteError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR' || code === 'EEXIST'
            ? 'a file stands where its folder should be'
            : ((err as Error)?.message ?? String(err));
  return new AtomicWriteError(file, code, `Cannot write ${file}: ${why}; the previous version, if any, is unchanged.`);
}

/**
 * Replace the folder `target` with what `fill` writes into a fresh temporary folder beside it (use
 * writeFileAtomic there, so each file is flushed). Only when `fill` has finished does the new
 * folder take the old one's place, by two renames: a failure or kill before that leaves the old
 * folder as it was (a failed second rename moves it back); between the two renames the old one
 * sits beside it under a TEMP_SUFFIX name.
 */
export async function replaceFolderAtomic(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const parent = path.dirname(target);
  const stem = `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const fresh = path.join(parent, `${stem}${TEMP_SUFFIX}`);
  const old = path.join(parent, `${stem}.old${TEMP_SUFFIX}`);
  try {
    await fs.mkdir(fresh, { recursive: true });
    await fill(fresh);
    const existing = await fs.stat(target).catch(() => undefined);
    if (existing && !existing.isDirectory())
      throw Object.assign(new Error(`${target} is a file, not a folder`), { code: 'EEXIST' });
    if (existing) await fs.rename(target, old);
    await fs.rename(fresh, target);
  } catch (err) {
    await fs.rm(fresh, { recursive: true, force: true }).catch(() => undefined);
    // The old folder was moved aside but the new one could not take its place: put it back.
    await fs.rename(old, target).catch(() => undefined);
    if (err instanceof AtomicWriteError) throw err;
    throw describeWriteError(target, err);
  }
  await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
  await syncFolder(parent);
}
