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
import type { Classes, Prediction, ScoreResult } from '../protocol/results';
import { PER_IMAGE_KEY, scoreColumns, writeScoreColumns, type KeyValue, type PerImageMeta } from './scoreColumns';

/** The rows of one variant as the file holds them, read back. */
export interface VariantRows {
  name: string;
  columns: { class: string; text: string }[];
  predictions: Prediction[];
  similarity: number[][];
  /** protocol/margin.ts's margin of each row; NaN where undefined. */
  margin: number[];
}

export function scoresParquet(
  score: Pick<ScoreResult, 'name' | 'run' | 'classes' | 'variants' | 'multiLabel'>,
  kvMetadata: KeyValue[],
  options: { similarity?: boolean; run?: string } = {},
): ArrayBuffer {
  return writeScoreColumns(scoreColumns(score, kvMetadata, options));
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
