// The embedding cache on disk: a few append-only segment files instead of one file per entry,
// so that 100,000 entries load with a handful of reads. Each process appends to segments of its
// own (named with its pid and a random part), so two VS Code windows, or the CLI beside VS Code,
// never write into the same file. The index (key -> segment, offset) lives in memory and is built
// by reading the segments: there is no index file that could go stale. Segments only grow, so a
// later scan reads only what was appended since. Small segments left by finished processes are
// merged (compaction) before a new one is added, so that the number of files stays small.
import { randomBytes } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../common/atomicWrite';
import { encodeRecords, pad4, parseRecords, recordsOf, vectorAt } from './segmentFormat';

const EXT = '.seg';
/**
 * Above this a writer starts a new segment. Large enough that 100,000 entries of 512 floats take
 * four files; small enough that a load overlaps reading one segment with checking the previous.
 */
const SEGMENT_MAX = 64 * 2 ** 20;
/** Finished segments under half the maximum are merged once there are this many. */
const COMPACT_AT = 4;
const LOCK = 'compact.lock';
/** A compaction lock this old was left by a crash; it is removed, and the next writer compacts. */
const STALE_LOCK_MS = 10 * 60_000;

interface Location {
  segment: string;
  start: number;
  end: number;
}

interface Writer {
  file: string;
  name: string;
  handle: fs.FileHandle;
  size: number;
  ino: number;
}

export class SegmentStore {
  /** Segments a store of this process appends to: compaction leaves them alone. */
  private static readonly writing = new Set<string>();
  private index = new Map<string, Location>();
  private damaged = new Set<string>();
  /** Per segment, how far it has been parsed. */
  private scanned = new Map<string, number>();
  private writer: Writer | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** The last scan saw folders of the old one-file-per-entry layout. */
  hasLegacy = false;
  /**
   * The vectors this store has read or been given: the process's memory layer for its folder.
   * What is here is not indexed as well (100,000 entries load faster without), so the two go
   * together: `drop` forgets both.
   */
  memory = new Map<string, Float32Array>();

  constructor(readonly folder: string) {}

  /** One operation at a time per store: scans and appends share the parse positions and the writer. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Put the vectors of the `wanted` keys found on disk into `memory`. Returns the wanted keys
   * found only damaged or cut short: they must be encoded again.
   */
  read(wanted: Set<string>): Promise<string[]> {
    return this.serial(async () => {
      const into = this.memory;
      // A segment can vanish under a scan when another process compacts it into a new one: look again once.
      for (let attempt = 0; attempt < 2; attempt++) {
        const vanished = (await this.refresh(wanted, into)) || (await this.fetchIndexed(wanted, into));
        if (!vanished) break;
      }
      return this.damaged.size > 0 ? [...wanted].filter((k) => !into.has(k) && this.damaged.has(k)) : [];
    });
  }

  /** Append the entries as one write, flushed before it returns, so a finished chunk survives a crash. */
  append(entries: [string, Float32Array][]): Promise<void> {
    for (const [key, vec] of entries) this.memory.set(key, vec);
    return this.serial(async () => {
      if (entries.length === 0) return;
      const data = encodeRecords(entries);
      const writer = await this.openWriter();
      try {
        for (let at = 0; at < data.length;)
          at += (await writer.handle.write(data, at, data.length - at, null)).bytesWritten;
        await writer.handle.datasync();
      } catch (e) {
        // What was written of it is an incomplete tail, which every scan skips; the next append starts a new segment.
        await this.closeWriter();
        throw e;
      }
      // `memory` holds these vectors: nothing to index, only damage to forget.
      if (this.damaged.size > 0) for (const [key] of entries) this.damaged.delete(key);
      writer.size += data.length;
      this.scanned.set(writer.name, writer.size);
    });
  }

  /** Distinct intact entries on disk, from a scan of its own (this store indexes only what it has not returned). */
  count(): Promise<number> {
    const fresh = new SegmentStore(this.folder);
    return fresh.serial(async () => {
      await fresh.refresh(new Set(), fresh.memory);
      return fresh.index.size;
    });
  }

  /**
   * Forget the memory layer and the index and stop writing to the current segment, as a new
   * process would start; with
   * `deleteFolder`, delete every segment too, of this process and of others (whose next append
   * starts a new one).
   */
  drop(deleteFolder = false): Promise<void> {
    return this.serial(async () => {
      await this.closeWriter();
      this.index = new Map();
      this.damaged = new Set();
      this.scanned = new Map();
      this.memory = new Map();
      if (deleteFolder) await fs.rm(this.folder, { recursive: true, force: true });
    });
  }

  /** Parse what is new in every segment, taking the wanted vectors out of what is read anyway. */
  private async refresh(wanted: Set<string>, into: Map<string, Float32Array>): Promise<boolean> {
    const listed = await this.list();
    this.hasLegacy = listed.some((e) => e.isDirectory() && /^[0-9a-f]{2}$/.test(e.name));
    const names = listed.filter((e) => e.isFile() && e.name.endsWith(EXT)).map((e) => e.name);
    const present = new Set(names);
    for (const name of this.scanned.keys()) if (!present.has(name)) this.scanned.delete(name);
    let vanished = false;
    const news: { name: string; from: number; bytes: number }[] = [];
    for (const name of names) {
      const from = this.scanned.get(name) ?? 0;
      const size = await fs.stat(path.join(this.folder, name)).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) vanished = true;
      else if (size > from) news.push({ name, from, bytes: size - from });
    }
    // Everything new is read into one allocation: V8 answers each large allocation outside its
    // heap with a full garbage collection, which would otherwise come once per segment.
    const arena = Buffer.allocUnsafeSlow(news.reduce((sum, n) => sum + pad4(n.bytes), 0));
    const regions: Buffer[] = [];
    let offset = 0;
    for (const n of news) {
      regions.push(arena.subarray(offset, offset + n.bytes));
      offset += pad4(n.bytes);
    }
    const read = (i: number) => {
      const reading = readInto(path.join(this.folder, news[i].name), news[i].from, regions[i]);
      // Awaited in the next round; until then a failure must not count as unhandled.
      reading.catch(() => undefined);
      return reading;
    };
    const taken: Taken = { keys: [], bytes: 0 };
    // The next segment is read (in libuv's threads) while this one is checked.
    let next = news.length > 0 ? read(0) : undefined;
    for (const [i, { name, from }] of news.entries()) {
      const buf = await next;
      next = i + 1 < news.length ? read(i + 1) : undefined;
      if (!buf) vanished = true;
      else this.scanned.set(name, this.absorb(name, buf, from, wanted, into, taken));
    }
    copyIfSparse(taken, arena.length, into);
    return vanished;
  }

  /** Wanted keys indexed by an earlier scan: one read per segment, of the span that holds them. */
  private async fetchIndexed(wanted: Set<string>, into: Map<string, Float32Array>): Promise<boolean> {
    const bySegment = new Map<string, { start: number; end: number; keys: string[] }>();
    if (this.index.size === 0) return false;
    for (const key of wanted) {
      const at = into.has(key) ? undefined : this.index.get(key);
      if (!at) continue;
      const span = bySegment.get(at.segment);
      if (!span) bySegment.set(at.segment, { start: at.start, end: at.end, keys: [key] });
      else {
        span.start = Math.min(span.start, at.start);
        span.end = Math.max(span.end, at.end);
        span.keys.push(key);
      }
    }
    let vanished = false;
    for (const [segment, span] of bySegment) {
      const buf = await readInto(
        path.join(this.folder, segment),
        span.start,
        Buffer.allocUnsafeSlow(span.end - span.start),
      );
      if (!buf) {
        vanished = true;
        this.scanned.delete(segment);
        continue;
      }
      const taken: Taken = { keys: [], bytes: 0 };
      this.absorb(segment, buf, span.start, wanted, into, taken);
      copyIfSparse(taken, buf.length, into);
      // Intact when scanned, damaged now (the disk changed under us): never scored, encoded again.
      for (const key of span.keys)
        if (!into.has(key)) {
          this.index.delete(key);
          this.damaged.add(key);
        }
    }
    return vanished;
  }

  /**
   * Parse `buf` (segment `name` from file offset `from`): the wanted vectors go into `into` (and
   * `taken`), the other records into the index for a later request. Returns where parsing stopped.
   */
  private absorb(
    name: string,
    buf: Buffer,
    from: number,
    wanted: Set<string>,
    into: Map<string, Float32Array>,
    taken: Taken,
  ): number {
    const { index, damaged } = this;
    const parsed = parseRecords(buf, from, (key, start, end, payloadAt, payloadBytes) => {
      if (wanted.has(key)) {
        into.set(key, vectorAt(buf, payloadAt, payloadBytes));
        taken.keys.push(key);
        taken.bytes += payloadBytes;
        if (index.size > 0) index.delete(key);
      } else index.set(key, { segment: name, start, end });
      if (damaged.size > 0) damaged.delete(key);
    });
    for (const key of parsed.damaged) if (!index.has(key) && !into.has(key)) damaged.add(key);
    return parsed.parsedTo;
  }

  private async list(): Promise<Dirent[]> {
    try {
      return await fs.readdir(this.folder, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  private async openWriter(): Promise<Writer> {
    const current = this.writer;
    if (current) {
      // Gone (Clear Embedding Cache in another window) or full: carry on in a new segment.
      const now = await fs.stat(current.file).catch(() => undefined);
      if (now?.ino === current.ino && current.size < SEGMENT_MAX) return current;
      await this.closeWriter();
    }
    await fs.mkdir(this.folder, { recursive: true });
    await this.compact().catch(() => undefined);
    const name = `${process.pid}-${randomBytes(6).toString('hex')}${EXT}`;
    const file = path.join(this.folder, name);
    const handle = await fs.open(file, 'ax');
    SegmentStore.writing.add(file);
    this.writer = { file, name, handle, size: 0, ino: (await handle.stat()).ino };
    return this.writer;
  }

  private async closeWriter(): Promise<void> {
    const writer = this.writer;
    if (!writer) return;
    this.writer = undefined;
    SegmentStore.writing.delete(writer.file);
    await writer.handle.close().catch(() => undefined);
  }

  /** Whether no process appends to this segment any more. */
  private finished(name: string): boolean {
    if (name.startsWith('c-')) return true;
    if (SegmentStore.writing.has(path.join(this.folder, name))) return false;
    const pid = Number(name.split('-', 1)[0]);
    if (pid === process.pid) return true;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  /**
   * Merge the small finished segments into new ones (`c-…`), keeping one intact record per key.
   * Each output is written atomically before any input is removed, so a crash leaves duplicates at
   * worst, never a loss; a lock file keeps two processes from merging the same inputs at once.
   */
  private async compact(): Promise<void> {
    const small: { name: string; size: number }[] = [];
    for (const e of await this.list()) {
      if (!e.isFile() || !e.name.endsWith(EXT) || !this.finished(e.name)) continue;
      const size = (await fs.stat(path.join(this.folder, e.name)).catch(() => undefined))?.size;
      if (size !== undefined && size < SEGMENT_MAX / 2) small.push({ name: e.name, size });
    }
    if (small.length < COMPACT_AT) return;
    const lock = path.join(this.folder, LOCK);
    if (!(await takeLock(lock))) return;
    try {
      const seen = new Set<string>();
      let parts: Buffer[] = [];
      let bytes = 0;
      const flush = async () => {
        if (bytes > 0)
          await writeFileAtomic(
            path.join(this.folder, `c-${randomBytes(6).toString('hex')}${EXT}`),
            Buffer.concat(parts),
          );
        parts = [];
        bytes = 0;
      };
      for (const { name, size } of small) {
        const buf = await readInto(path.join(this.folder, name), 0, Buffer.allocUnsafeSlow(size));
        for (const r of buf ? recordsOf(buf) : []) {
          if (seen.has(r.key)) continue;
          seen.add(r.key);
          if (bytes + r.end - r.start > SEGMENT_MAX) await flush();
          parts.push(buf!.subarray(r.start, r.end));
          bytes += r.end - r.start;
        }
      }
      await flush();
      for (const { name } of small) await fs.rm(path.join(this.folder, name), { force: true });
    } finally {
      await fs.rm(lock, { force: true });
    }
  }
}

async function takeLock(file: string): Promise<boolean> {
  try {
    await (await fs.open(file, 'wx')).close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    const since = await fs.stat(file).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (since > STALE_LOCK_MS) await fs.rm(file, { force: true });
    return false;
  }
}

/** Vectors taken out of a buffer read from the segments. */
interface Taken {
  keys: string[];
  bytes: number;
}

/** Views keep the whole buffer alive: a few vectors wanted out of a large read are copied out of it. */
function copyIfSparse(taken: Taken, bytesRead: number, into: Map<string, Float32Array>): void {
  if (taken.bytes * 2 < bytesRead) for (const key of taken.keys) into.set(key, into.get(key)!.slice());
}

/**
 * The file's bytes from offset `from` into `into` (as many as it has room for, with as few reads as
 * the system allows); undefined if the file is gone. `into` starts 4-byte aligned in its
 * ArrayBuffer, so that the payloads, aligned in the file, can be viewed in place.
 */
async function readInto(file: string, from: number, into: Buffer): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    let got = 0;
    while (got < into.length) {
      const { bytesRead } = await handle.read(into, got, into.length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return into.subarray(0, got);
  } finally {
    await handle.close();
  }
}
