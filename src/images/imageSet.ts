// Image-set discovery: a folder with one sub-folder per class, a glob, or a CSV/TSV of
// path,label[,…]. Every new or changed file is hashed and checked once here (PNG/JPEG decoded,
// DICOM from its header); unchanged files come from the listing cache. A file that cannot be
// read is reported by name and skipped, never failing the whole set.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { glob } from 'tinyglobby';
import { hashKey } from '../cache/hash';
import { mulberry32 } from '../common/random';
import { CancelledError } from '../common/errors';
import { type DicomDecodeOptions, type ImageEntry, type ImageSet } from '../protocol/dataset';
import { inspectImage, type InspectedImage } from './decode';
import { ListingCache } from './listingCache';
import { delimiterFor, parseDelimited } from './csv';
import { LabelBook, LabelConflictError } from './labelBook';
import { countDicom, isDicomFile } from './dicom/discovery';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.dcm', '.dicom'];

/** A known image extension, or any other file that opens with the DICOM preamble. */
async function isImageFile(file: string): Promise<boolean> {
  return IMAGE_EXTENSIONS.includes(path.extname(file).toLowerCase()) || isDicomFile(file);
}

/** A problem with the set's definition (not with one image): names the cell field to fix. */
export class ImageSetError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ImageSetError';
  }
}

export interface ImageSetSpec {
  name: string;
  /** As written in the cell: folder, glob or CSV/TSV path. */
  from: string;
  /** Optional CSV/TSV path,label file for folder/glob sources. */
  labels?: string;
  limit?: number;
  seed?: number;
  /** Folder that relative paths resolve against (the notebook's). */
  baseDir: string;
  /** DICOM window and frame choice; absent = the defaults (auto, middle). */
  decode?: DicomDecodeOptions;
  /** What earlier listings learned about unchanged files (absent: every file is read). */
  listing?: ListingCache;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Candidate {
  path: string;
  id: string;
  label?: string;
  labels?: Record<string, number>;
}

/** The images `from:` (and `labels:`) list, with their labels, `limit:` applied; nothing is read yet. */
export async function listCandidates(
  spec: ImageSetSpec,
): Promise<{ chosen: Candidate[]; skipped: { id: string; reason: string }[]; multiLabelClasses?: string[] }> {
  const { candidates, skipped, multiLabelClasses } = await discover(spec).catch((err: unknown) => {
    throw err instanceof LabelConflictError
      ? new ImageSetError(
          err.message,
          spec.labels !== undefined && !err.message.startsWith(spec.from) ? 'labels' : 'from',
          err.hint,
        )
      : err;
  });
  let chosen = candidates;
  if (spec.limit !== undefined) {
    if (spec.limit < 1) throw new ImageSetError('"limit" must be at least 1.', 'limit');
    chosen = sample(candidates, spec.limit, spec.seed ?? 0);
  }
  return { chosen, skipped, multiLabelClasses };
}

export async function loadImageSet(spec: ImageSetSpec): Promise<ImageSet> {
  const { chosen, skipped, multiLabelClasses } = await listCandidates(spec);
  const entries: ImageEntry[] = [];
  const dicom = countDicom();
  const listing = spec.listing ?? ListingCache.none();
  let done = 0;
  // Decode a few at a time: sharp uses its own threads, and this bounds memory on huge sets.
  const queue = [...chosen];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      if (spec.signal?.aborted) return;
      try {
        const { contentHash, dicom: facts } = await inspectOnce(c.path, listing, spec.decode);
        dicom.add(facts);
        entries.push({ ...c, contentHash, ...(spec.decode ? { decode: spec.decode } : {}) });
      } catch (e) {
        // The reason names the file as the notebook does (its id), not by its path on this machine.
        const reason = e instanceof Error ? e.message : String(e);
        skipped.push({ id: c.id, reason: reason.split(c.path).join(c.id) });
      }
      spec.onProgress?.(++done, chosen.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  await listing.save();
  if (spec.signal?.aborted) throw new CancelledError();
  // Workers finish out of order: restore the discovery order so results are reproducible.
  const order = new Map(chosen.map((c, i) => [c.id, i]));
  entries.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  if (entries.length === 0) {
    throw new ImageSetError(
      `No readable images in "${spec.from}"${skipped.length ? ` (${skipped.length} skipped: ${skipped[0].id}: ${skipped[0].reason})` : ''}.`,
      'from',
      'Check the path (relative to the notebook) and that it holds PNG, JPEG or DICOM files.',
    );
  }
  const classes = multiLabelClasses ?? [...new Set(entries.map((e) => e.label!))].sort();
  const hash = imageSetHash(entries, spec.decode);
  return {
    name: spec.name,
    entries,
    classes,
    multiLabel: multiLabelClasses !== undefined,
    skipped,
    hash,
    ...(dicom.summary.files ? { dicom: dicom.summary } : {}),
  };
}

/**
 * A file's hash and facts: from the listing cache while the file is unchanged, else read (and
 * remembered). A file that cannot be stat'ed is left to inspectImage, which says why.
 */
async function inspectOnce(file: string, listing: ListingCache, decode?: DicomDecodeOptions): Promise<InspectedImage> {
  const decodeKey = decode ? JSON.stringify(decode) : '';
  const stat = await fs.stat(file, { bigint: true }).catch(() => undefined);
  const known = stat?.isFile() ? listing.lookup(file, stat, decodeKey) : undefined;
  if (known?.unreadable) throw new Error(known.unreadable);
  if (known) return { contentHash: known.contentHash, ...(known.dicom ? { dicom: known.dicom } : {}) };
  const inspected = await inspectImage(file, decode);
  if (stat?.isFile()) listing.remember(file, stat, decodeKey, inspected);
  return inspected;
}

/** The set's identity in run records: every entry's id, content and label, and the decode options. */
function imageSetHash(entries: ImageEntry[], decode: DicomDecodeOptions | undefined): string {
  return hashKey(
    ...entries.map((e) => `${e.id}\t${e.contentHash}\t${e.label ?? JSON.stringify(e.labels)}`),
    ...(decode ? [JSON.stringify(decode)] : []),
  );
}

/** The set without some entries (found unreadable after listing), which join its skipped files. */
export function withoutEntries(set: ImageSet, dropped: { id: string; reason: string }[]): ImageSet {
  const ids = new Set(dropped.map((d) => d.id));
  const entries = set.entries.filter((e) => !ids.has(e.id));
  return { ...set, entries, skipped: [...set.skipped, ...dropped], hash: imageSetHash(entries, entries[0]?.decode) };
}

async function discover(
  spec: ImageSetSpec,
): Promise<{ candidates: Candidate[]; skipped: { id: string; reason: string }[]; multiLabelClasses?: string[] }> {
  const from = path.resolve(spec.baseDir, spec.from);
  const skipped: { id: string; reason: string }[] = [];
  const rel = (p: string) => path.relative(spec.baseDir, p).split(path.sep).join('/');
  if (/[*?[\]{}]/.test(spec.from)) {
    const matched = (await glob(spec.from, { cwd: spec.baseDir, absolute: true, caseSensitiveMatch: false })).sort();
    const files = await filterImages(matched);
    if (files.length === 0)
      throw new ImageSetError(
        `The glob "${spec.from}" matches no PNG, JPEG or DICOM file.`,
        'from',
        'Globs are relative to the notebook, e.g. "data/**/*.png".',
      );
    // Without a labels file, a globbed image's class is its parent folder's name.
    const labelOf = spec.labels ? await readLabelFile(spec, 'labels') : undefined;
    return {
      candidates: label(
        files.map((f) => ({ path: f, id: rel(f), label: labelOf ? undefined : path.basename(path.dirname(f)) })),
        labelOf,
        skipped,
      ),
      skipped,
    };
  }
  let stat;
  try {
    stat = await fs.stat(from);
  } catch {
    throw new ImageSetError(
      `"${spec.from}" does not exist (looked for ${from}).`,
      'from',
      'Paths are relative to the notebook file.',
    );
  }
  if (stat.isDirectory()) {
    const classDirs = (await fs.readdir(from, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    if (classDirs.length === 0 && !spec.labels) {
      throw new ImageSetError(
        `"${spec.from}" has no sub-folders.`,
        'from',
        'Use one sub-folder per class (e.g. normal/, pneumonia/), or give a CSV with path,label columns.',
      );
    }
    const files: Candidate[] = [];
    for (const cls of classDirs) {
      for (const f of await filterImages((await glob('**/*', { cwd: path.join(from, cls), absolute: true })).sort())) {
        files.push({ path: f, id: rel(f), label: cls });
      }
    }
    const labelOf = spec.labels ? await readLabelFile(spec, 'labels') : undefined;
    return { candidates: label(files, labelOf, skipped), skipped };
  }
  // A table: path,label[,…] or path + several 0/1 columns (multi-label).
  const table = await readTable(from, spec.from, 'from');
  const header = table.header.map((h) => h.toLowerCase());
  const pathCol = header.indexOf('path');
  if (pathCol < 0)
    throw new ImageSetError(
      `${spec.from}, line 1: no "path" column (found: ${table.header.join(', ')}).`,
      'from',
      'The first line must name the columns, e.g. "path,label".',
    );
  const labelCol = header.indexOf('label');
  const dir = path.dirname(from);
  const candidates: Candidate[] = [];
  let multiLabelClasses: string[] | undefined;
  if (labelCol < 0) {
    const cols = table.header
      .map((h, i) => ({ h, i }))
      .filter(({ i }) => i !== pathCol && table.rows.every((r) => ['0', '1', ''].includes(r.cells[i] ?? '')));
    if (cols.length === 0)
      throw new ImageSetError(
        `${spec.from}, line 1: no "label" column and no 0/1 label columns (found: ${table.header.join(', ')}).`,
        'from',
        'Add a "label" column, or one 0/1 column per class for a multi-label set.',
      );
    multiLabelClasses = cols.map((c) => c.h);
    const book = new LabelBook(spec.from);
    for (const r of table.rows) {
      const p = r.cells[pathCol];
      if (!p) {
        skipped.push({ id: `${spec.from}:${r.line}`, reason: `${spec.from}, line ${r.line}: empty path` });
        continue;
      }
      const labels = cols.map((c) => `${c.h}=${r.cells[c.i] === '1' ? 1 : 0}`).join(' ');
      if (!book.add(path.resolve(dir, p), p, `"${labels}"`, r.line)) {
        skipped.push(repeated(spec.from, r.line, rel(path.resolve(dir, p))));
        continue;
      }
      candidates.push({
        path: path.resolve(dir, p),
        id: rel(path.resolve(dir, p)),
        labels: Object.fromEntries(cols.map((c) => [c.h, r.cells[c.i] === '1' ? 1 : 0])),
      });
    }
  } else {
    const book = new LabelBook(spec.from);
    for (const r of table.rows) {
      const p = r.cells[pathCol];
      const l = r.cells[labelCol];
      if (!p) {
        skipped.push({ id: `${spec.from}:${r.line}`, reason: `${spec.from}, line ${r.line}: empty path` });
        continue;
      }
      const abs = path.resolve(dir, p);
      if (!l) {
        skipped.push({ id: rel(abs), reason: `${spec.from}, line ${r.line}: no label for ${p}` });
        continue;
      }
      if (!book.add(abs, p, `"${l}"`, r.line)) {
        skipped.push(repeated(spec.from, r.line, rel(abs)));
        continue;
      }
      candidates.push({ path: abs, id: rel(abs), label: l });
    }
  }
  return { candidates, skipped, multiLabelClasses };
}

async function filterImages(files: string[]): Promise<string[]> {
  const keep = await Promise.all(files.map(isImageFile));
  return files.filter((_, i) => keep[i]);
}

function label(
  files: Candidate[],
  labelOf: Map<string, string> | undefined,
  skipped: { id: string; reason: string }[],
): Candidate[] {
  if (!labelOf) return files;
  const out: Candidate[] = [];
  for (const f of files) {
    const l = labelOf.get(f.path);
    if (l) out.push({ ...f, label: l });
    else skipped.push({ id: f.id, reason: `no label for ${f.id} in the labels file` });
  }
  return out;
}

async function readTable(abs: string, shown: string, field: string) {
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch {
    throw new ImageSetError(
      `Cannot read "${shown}" (looked for ${abs}).`,
      field,
      'Paths are relative to the notebook file.',
    );
  }
  return parseDelimited(text, delimiterFor(abs, text.split('\n', 1)[0]));
}

async function readLabelFile(spec: ImageSetSpec, field: string): Promise<Map<string, string>> {
  const abs = path.resolve(spec.baseDir, spec.labels!);
  const table = await readTable(abs, spec.labels!, field);
  const header = table.header.map((h) => h.toLowerCase());
  const p = header.indexOf('path');
  const l = header.indexOf('label');
  if (p < 0 || l < 0)
    throw new ImageSetError(
      `${spec.labels}, line 1: needs "path" and "label" columns (found: ${table.header.join(', ')}).`,
      field,
    );
  const book = new LabelBook(spec.labels!);
  const rows = table.rows.filter((r) => r.cells[l]);
  for (const r of rows) book.add(path.resolve(path.dirname(abs), r.cells[p]), r.cells[p], `"${r.cells[l]}"`, r.line);
  return new Map(rows.map((r) => [path.resolve(path.dirname(abs), r.cells[p]), r.cells[l]]));
}

function repeated(table: string, line: number, id: string): { id: string; reason: string } {
  return { id: `${table}:${line}`, reason: `${table}, line ${line}: ${id} is listed again with the same label` };
}

/** A seeded, class-stratified sample of n candidates, kept in discovery order. */
function sample(candidates: Candidate[], n: number, seed: number): Candidate[] {
  if (n >= candidates.length) return candidates;
  const rand = mulberry32(seed);
  const idx = candidates.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  // Round-robin over classes in shuffled order keeps class proportions close to the full set's.
  const byClass = new Map<string, number[]>();
  for (const i of idx) {
    const k = candidates[i].label ?? '';
    byClass.set(k, [...(byClass.get(k) ?? []), i]);
  }
  const picked = new Set<number>();
  const total = candidates.length;
  for (const list of byClass.values())
    for (const i of list.slice(0, Math.round((list.length / total) * n))) picked.add(i);
  for (const i of idx) if (picked.size < n) picked.add(i);
  return [...picked]
    .slice(0, n)
    .sort((a, b) => a - b)
    .map((i) => candidates[i]);
}
