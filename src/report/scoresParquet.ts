// A score's per-image rows as Parquet: the `export:` step's scores.parquet, and with the
// similarity columns the per-image file of a paged score (the cache's copy the renderer pages
// from, and the one beside results.json). One row per variant and image, in the score's image
// order, variant after variant:
//   variant, image, label, predicted   strings (a multi-label list joined by ";", as in the CSV)
//   margin                            double (protocol/margin.ts; NaN where undefined)
//   score <class>…                    double: the saved float32 scores, exactly
//   sim 0 … sim M-1                   double, with `similarity`: the variant's cosines rounded to 4
//                                     decimals as the output saves them; null past its columns
// Key-value metadata `symptom_lens.score` names the score and run; with `similarity`,
// `symptom_lens.per_image` holds the paged output's run id (where given), the class order,
// whether the set is multi-label, and each variant's similarity column labels ({class, text}),
// so the file reads back into `predictions` and `similarity` equal to the inline ones.
import { parquetMetadata, parquetRead } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Classes, Prediction, ScoreResult } from '../protocol/results';
import { rowMargins } from '../scoring/margins';
import { csvClasses } from './scoreCsv';

const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } as const;
const DOUBLE = { type: 'DOUBLE', repetition_type: 'OPTIONAL' } as const;
const PER_IMAGE_KEY = 'symptom_lens.per_image';

type KeyValue = { key: string; value: string };

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
const WRITE = { statistics: false } as const;
const PLAIN_DOUBLES = { encoding: 'PLAIN', codec: 'UNCOMPRESSED' } as const;
const SIMILARITY = { encoding: 'RLE_DICTIONARY', codec: 'UNCOMPRESSED' } as const;

interface PerImageMeta {
  /** A paged score's run id (protocol/results.ts PerImage.run), which the file holds the rows of. */
  run?: string;
  classes: string[];
  multiLabel: boolean;
  variants: { name: string; columns: { class: string; text: string }[] }[];
}

/** The rows of one variant as the file holds them, read back. */
export interface VariantRows {
  name: string;
  columns: { class: string; text: string }[];
  predictions: Prediction[];
  similarity: number[][];
  /** protocol/margin.ts's margin of each row; NaN where undefined. */
  margin: number[];
}

/** A double column with null where a value is missing (a Float64Array cannot hold one). */
function withNulls(values: Float64Array, missing: number[]): Float64Array | (number | null)[] {
  if (!missing.length) return values;
  const column: (number | null)[] = Array.from(values);
  for (const row of missing) column[row] = null;
  return column;
}

/**
 * A column of few distinct strings (variant, label, predicted) with each string's UTF-8 bytes
 * encoded once and shared: the writer then encodes nothing per row and finds a row's dictionary
 * entry by identity.
 */
function sharedUtf8(): { column: Uint8Array[]; set: (row: number, text: string) => void } {
  const encoder = new TextEncoder();
  const bytes = new Map<string, Uint8Array>();
  const column: Uint8Array[] = [];
  return {
    column,
    set(row, text) {
      let b = bytes.get(text);
      if (!b) bytes.set(text, (b = encoder.encode(text)));
      column[row] = b;
    },
  };
}

export function scoresParquet(
  score: Pick<ScoreResult, 'name' | 'run' | 'classes' | 'variants' | 'multiLabel'>,
  kvMetadata: KeyValue[],
  options: { similarity?: boolean; run?: string } = {},
): ArrayBuffer {
  const { classes } = score;
  const rowCount = score.variants.reduce((n, v) => n + v.predictions.length, 0);
  const width = options.similarity ? Math.max(0, ...score.variants.map((v) => v.columns.length)) : 0;
  // One pass over the rows, filling every column: no object per row, doubles in typed arrays.
  const [variant, label, predicted] = [sharedUtf8(), sharedUtf8(), sharedUtf8()];
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
  const classColumns = classes.map((c, k) => ({
    name: `score ${c}`,
    data: withNulls(scores[k], missingScores[k]),
    ...PLAIN_DOUBLES,
  }));
  const simColumns = sims.map((values, k) => ({
    name: `sim ${k}`,
    data: withNulls(values, missingSims[k]),
    ...SIMILARITY,
  }));
  const columnData = [
    { name: 'variant', data: variant.column },
    { name: 'image', data: image },
    { name: 'label', data: label.column },
    { name: 'predicted', data: predicted.column },
    { name: 'margin', data: margin, ...PLAIN_DOUBLES },
    ...classColumns,
    ...simColumns,
  ];
  const meta: PerImageMeta = {
    ...(options.run ? { run: options.run } : {}),
    classes: score.classes,
    multiLabel: score.multiLabel === true,
    variants: score.variants.map((v) => ({ name: v.name, columns: v.columns })),
  };
  return parquetWriteBuffer({
    ...WRITE,
    columnData,
    schema: [
      { name: 'root', num_children: columnData.length },
      { name: 'variant', ...STRING },
      { name: 'image', ...STRING },
      { name: 'label', ...STRING },
      { name: 'predicted', ...STRING },
      { name: 'margin', ...DOUBLE },
      ...classColumns.map((c) => ({ name: c.name, ...DOUBLE })),
      ...simColumns.map((c) => ({ name: c.name, ...DOUBLE })),
    ],
    kvMetadata: [
      ...kvMetadata,
      { key: 'symptom_lens.score', value: JSON.stringify({ name: score.name, run: score.run }) },
      ...(options.similarity ? [{ key: PER_IMAGE_KEY, value: JSON.stringify(meta) }] : []),
    ],
  });
}

export interface PerImageRows {
  classes: string[];
  multiLabel: boolean;
  variants: VariantRows[];
}

/** The run id a per-image file was written with, from its metadata alone (no rows read). */
export function perImageRun(buffer: ArrayBuffer): string | undefined {
  const raw = parquetMetadata(buffer).key_value_metadata?.find((kv) => kv.key === PER_IMAGE_KEY)?.value;
  return raw ? (JSON.parse(raw) as PerImageMeta).run : undefined;
}

/** A per-image file (written with `similarity`) read back, variant by variant. */
export async function readScoresParquet(buffer: ArrayBuffer): Promise<PerImageRows> {
  const metadata = parquetMetadata(buffer);
  const raw = metadata.key_value_metadata?.find((kv) => kv.key === PER_IMAGE_KEY)?.value;
  if (!raw) throw new Error('not a per-image file of a score (no symptom_lens.per_image metadata)');
  const meta = JSON.parse(raw) as PerImageMeta;
  // Column by column (a whole column chunk at a time): building an object per row costs more
  // than everything else here.
  const rowCount = Number(metadata.num_rows);
  const columns = new Map<string, ArrayLike<unknown>>();
  await parquetRead({
    file: buffer,
    metadata,
    onChunk: ({ columnName, columnData, rowStart }) => {
      let column = columns.get(columnName) as unknown[] | undefined;
      if (!column) columns.set(columnName, (column = new Array(rowCount)));
      for (let i = 0; i < columnData.length; i++) column[rowStart + i] = columnData[i];
    },
  });
  const column = (name: string) => columns.get(name) ?? new Array(rowCount);
  const [variant, image, label, predicted, margin] = ['variant', 'image', 'label', 'predicted', 'margin'].map(column);
  const scores = meta.classes.map((c) => column(`score ${c}`));
  const width = Math.max(0, ...meta.variants.map((v) => v.columns.length));
  const sims = Array.from({ length: width }, (_, k) => column(`sim ${k}`));
  const classes = (text: unknown): Classes =>
    meta.multiLabel ? (String(text) === '' ? [] : String(text).split(';')) : String(text);
  const byName = new Map<string, VariantRows>(
    meta.variants.map((v) => [v.name, { ...v, predictions: [], similarity: [], margin: [] }]),
  );
  for (let r = 0; r < rowCount; r++) {
    const v = byName.get(String(variant[r]));
    if (!v) continue;
    v.predictions.push({
      image: String(image[r]),
      label: classes(label[r]),
      predicted: classes(predicted[r]),
      scores: Object.fromEntries(meta.classes.map((c, k) => [c, Number(scores[k][r])])),
    });
    v.similarity.push(v.columns.map((_, k) => Number(sims[k][r])));
    v.margin.push(typeof margin[r] === 'number' ? (margin[r] as number) : NaN);
  }
  return { classes: meta.classes, multiLabel: meta.multiLabel, variants: [...byName.values()] };
}
