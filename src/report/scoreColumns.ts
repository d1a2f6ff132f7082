// A score's per-image rows (report/scoresParquet.ts describes the file) in two halves: the
// columns, taken from the score in one pass, and the Parquet bytes written from them. The columns
// hold only strings and typed arrays, so they can move to a worker thread (scoring/perImageWriter.ts)
// without a copy of their numbers: the writer's encoding, most of the cost, then leaves the
// kernel's thread.
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ScoreResult } from '../protocol/results';
import { rowMargins } from '../scoring/margins';
import { csvClasses } from './scoreCsv';

const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } as const;
const DOUBLE = { type: 'DOUBLE', repetition_type: 'OPTIONAL' } as const;
export const PER_IMAGE_KEY = 'symptom_lens.per_image';

export type KeyValue = { key: string; value: string };

/**
 * How each kind of column is written (the file's content is the same either way; the writer's
 * default, statistics and a dictionary tried on every column, Snappy on every page, cost most of
 * a paged score's output time): no statistics, which nothing here reads; the scores and margins
 * plain and uncompressed, as float32 scores and their differences have few repeats and Snappy
 * finds nothing in them; the similarity columns in a dictionary, uncompressed, as their four
 * decimals allow at most 20,001 distinct values, most often a few thousand (the writer's own
 * test, on a sample, turns a dictionary down for some sets and then compresses plain doubles
 * in vain); the strings as the writer chooses (a dictionary where it pays, Snappy).
 */
const WRITE = { statistics: false, rowGroupSize: 10_000 } as const;
const ENCODING = {
  plain: { encoding: 'PLAIN', codec: 'UNCOMPRESSED' },
  dictionary: { encoding: 'RLE_DICTIONARY', codec: 'UNCOMPRESSED' },
} as const;

export interface PerImageMeta {
  /** A paged score's run id (protocol/results.ts PerImage.run), which the file holds the rows of. */
  run?: string;
  classes: string[];
  multiLabel: boolean;
  variants: { name: string; columns: { class: string; text: string }[] }[];
}

/** One column of the file, as it moves between threads. */
export type ScoreColumn =
  /** Few distinct strings (variant, label, predicted): each row's index into `values`. */
  | { kind: 'coded'; name: string; values: string[]; rows: Uint32Array }
  | { kind: 'strings'; name: string; values: string[] }
  /** Doubles, null at the rows in `missing` (a Float64Array cannot hold one). */
  | { kind: 'doubles'; name: string; values: Float64Array; missing: Uint32Array; encoding: keyof typeof ENCODING };

export interface ScoreColumns {
  columns: ScoreColumn[];
  kvMetadata: KeyValue[];
}

/** The buffers that a postMessage of `columns` can move instead of copying. */
export function columnBuffers(columns: ScoreColumns): ArrayBuffer[] {
  return columns.columns.flatMap((c) =>
    c.kind === 'coded' ? [c.rows.buffer] : c.kind === 'doubles' ? [c.values.buffer, c.missing.buffer] : [],
  ) as ArrayBuffer[];
}

/** A column of few distinct strings, coded as it is filled. */
function coded(name: string, rowCount: number) {
  const index = new Map<string, number>();
  const column = { kind: 'coded' as const, name, values: [] as string[], rows: new Uint32Array(rowCount) };
  return {
    column,
    set(row: number, text: string) {
      let i = index.get(text);
      if (i === undefined) index.set(text, (i = column.values.push(text) - 1));
      column.rows[row] = i;
    },
  };
}

function doubles(name: string, values: Float64Array, missing: number[], encoding: keyof typeof ENCODING): ScoreColumn {
  return { kind: 'doubles', name, values, missing: Uint32Array.from(missing), encoding };
}

/** The columns of every row of `score` (see scoresParquet.ts for what they hold). */
export function scoreColumns(
  score: Pick<ScoreResult, 'name' | 'run' | 'classes' | 'variants' | 'multiLabel'>,
  kvMetadata: KeyValue[],
  options: { similarity?: boolean; run?: string } = {},
): ScoreColumns {
  const { classes } = score;
  const rowCount = score.variants.reduce((n, v) => n + v.predictions.length, 0);
  const width = options.similarity ? Math.max(0, ...score.variants.map((v) => v.columns.length)) : 0;
  // One pass over the rows, filling every column: no object per row, doubles in typed arrays.
  const [variant, label, predicted] = ['variant', 'label', 'predicted'].map((n) => coded(n, rowCount));
  const image = new Array<string>(rowCount);
  const margin = new Float64Array(rowCount);
  const scores = classes.map(() => new Float64Array(rowCount));
  const sims = Array.from({ length: width }, () => new Float64Array(rowCount));
  const missingScores = classes.map((): number[] => []);
  const missingSims = sims.map((): number[] => []);
  let row = 0;
  for (const v of score.variants) {
    const margins = rowMargins(v.predictions, classes);
    v.predictions.forEach((p, i) => {
      variant.set(row, v.name);
      image[row] = p.image;
      label.set(row, csvClasses(p.label));
      predicted.set(row, csvClasses(p.predicted));
      margin[row] = margins[i];
      for (let k = 0; k < classes.length; k++) {
        const x = p.scores[classes[k]];
        if (x === undefined) missingScores[k].push(row);
        // JSON has no −0: `+ 0` keeps what an inline output holds.
        else scores[k][row] = x + 0;
      }
      const similarity = v.similarity[i] ?? [];
      for (let k = 0; k < width; k++) {
        const x = similarity[k];
        if (x === undefined) missingSims[k].push(row);
        else sims[k][row] = x + 0;
      }
      row++;
    });
  }
  const meta: PerImageMeta = {
    ...(options.run ? { run: options.run } : {}),
    classes: score.classes,
    multiLabel: score.multiLabel === true,
    variants: score.variants.map((v) => ({ name: v.name, columns: v.columns })),
  };
  return {
    columns: [
      variant.column,
      { kind: 'strings', name: 'image', values: image },
      label.column,
      predicted.column,
      doubles('margin', margin, [], 'plain'),
      ...classes.map((c, k) => doubles(`score ${c}`, scores[k], missingScores[k], 'plain')),
      ...sims.map((values, k) => doubles(`sim ${k}`, values, missingSims[k], 'dictionary')),
    ],
    kvMetadata: [
      ...kvMetadata,
      { key: 'symptom_lens.score', value: JSON.stringify({ name: score.name, run: score.run }) },
      ...(options.similarity ? [{ key: PER_IMAGE_KEY, value: JSON.stringify(meta) }] : []),
    ],
  };
}

/**
 * A coded column as the writer takes it: each distinct string's UTF-8 bytes encoded once and
 * shared, so the writer encodes nothing per row and finds a row's dictionary entry by identity.
 */
function sharedUtf8(c: Extract<ScoreColumn, { kind: 'coded' }>): Uint8Array[] {
  const encoder = new TextEncoder();
  const bytes = c.values.map((v) => encoder.encode(v));
  return Array.from(c.rows, (i) => bytes[i]);
}

function withNulls(values: Float64Array, missing: Uint32Array): Float64Array | (number | null)[] {
  if (!missing.length) return values;
  const column: (number | null)[] = Array.from(values);
  for (const row of missing) column[row] = null;
  return column;
}

/** The Parquet file of `columns`. */
export function writeScoreColumns({ columns, kvMetadata }: ScoreColumns): ArrayBuffer {
  const columnData = columns.map((c) =>
    c.kind === 'coded'
      ? { name: c.name, data: sharedUtf8(c) }
      : c.kind === 'strings'
        ? { name: c.name, data: c.values }
        : { name: c.name, data: withNulls(c.values, c.missing), ...ENCODING[c.encoding] },
  );
  return parquetWriteBuffer({
    ...WRITE,
    columnData,
    schema: [
      { name: 'root', num_children: columns.length },
      ...columns.map((c) => ({ name: c.name, ...(c.kind === 'doubles' ? DOUBLE : STRING) })),
    ],
    kvMetadata,
  });
}
