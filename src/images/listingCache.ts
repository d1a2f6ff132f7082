// What listing an image set learned about each file, kept between runs so an unchanged file is
// neither read nor hashed again. As git's index does, an entry is trusted only while the file's
// size, modification time (nanoseconds) and inode are what they were, and the decode options
// are the same; anything else re-reads the file. One JSON file in the cache folder, written
// atomically; an unreadable or corrupt one is rebuilt (with a note), never trusted.
import type { BigIntStats } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import type { InspectedImage } from './decode';

const FILE = path.join('listing', 'files-v1.json');
/**
 * A file written this recently may change again within the clock's granularity without its
 * mtime moving (git's "racy" entries): it is not remembered until it is older.
 */
const RACY_MS = 2000;

interface Entry extends InspectedImage {
  size: number;
  mtimeNs: string;
  ino: string;
  /** The decode options the entry was checked with (JSON, '' for the defaults). */
  decode: string;
  /** Why the file cannot be decoded, once a decode found it (a corrupt codestream): it is skipped. */
  unreadable?: string;
}

export class ListingCache {
  private changed = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** No cache folder: a cache that remembers nothing. */
  static none(): ListingCache {
    return new ListingCache(undefined, new Map());
  }

  /** Load the cache of `cacheDir`; `onNote` hears why a damaged one was dropped. */
  static async open(cacheDir: string, onNote: (message: string) => void): Promise<ListingCache> {
    const file = path.join(cacheDir, FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return new ListingCache(file, new Map());
    }
    try {
      const parsed = JSON.parse(text) as { version: number; files: Record<string, Entry> };
      if (parsed.version !== 1 || typeof parsed.files !== 'object' || parsed.files === null) throw new Error();
      const entries = new Map<string, Entry>();
      for (const [p, e] of Object.entries(parsed.files)) if (isEntry(e)) entries.set(p, e);
      return new ListingCache(file, entries);
    } catch {
      onNote(`The file listing cache ${file} was damaged; it is rebuilt (every file is read again this time).`);
      return new ListingCache(file, new Map());
    }
  }

  /** What is known of `file` if it is unchanged since, for these decode options. */
  lookup(file: string, stat: BigIntStats, decode: string): Entry | undefined {
    const e = this.entries.get(file);
    if (!e || !sameFile(e, stat) || e.decode !== decode) return undefined;
    return e;
  }

  remember(file: string, stat: BigIntStats, decode: string, inspected: InspectedImage): void {
    if (Date.now() - Number(stat.mtimeMs) < RACY_MS) {
      this.changed ||= this.entries.delete(file);
      return;
    }
    this.entries.set(file, {
      ...inspected,
      size: Number(stat.size),
      mtimeNs: String(stat.mtimeNs),
      ino: String(stat.ino),
      decode,
    });
    this.changed = true;
  }

  /** Remember that decoding `file` (with this content) failed, so the next listing skips it at once. */
  rememberUnreadable(file: string, contentHash: string, reason: string): void {
    const e = this.entries.get(file);
    if (!e || e.contentHash !== contentHash) return;
    e.unreadable = reason;
    this.changed = true;
  }

  /** Write what changed; a cache folder that cannot be written costs speed only, so it is not an error. */
  async save(): Promise<void> {
    if (!this.file || !this.changed) return;
    const files = Object.fromEntries(this.entries);
    await writeFileAtomic(this.file, JSON.stringify({ version: 1, files })).catch(() => {});
    this.changed = false;
  }
}

function sameFile(e: Entry, stat: BigIntStats): boolean {
  return e.size === Number(stat.size) && e.mtimeNs === String(stat.mtimeNs) && e.ino === String(stat.ino);
}

function isEntry(e: unknown): e is Entry {
  const x = e as Entry;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.size === 'number' &&
    typeof x.mtimeNs === 'string' &&
    typeof x.ino === 'string' &&
    typeof x.decode === 'string' &&
    typeof x.contentHash === 'string' &&
    /^[0-9a-f]{64}$/.test(x.contentHash)
  );
}
