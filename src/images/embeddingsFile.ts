// Image embeddings computed elsewhere (docs/scale.md), in one of two layouts:
//   - clip-retrieval's output folder: img_emb/img_emb_N.npy (float16/float32, one row per image)
//     matched row by row with metadata/metadata_N.parquet (an `image_path` column);
//   - a Parquet file (or a folder of Parquet parts) with a path column and a list-of-floats
//     vector column.
// Parquet is read with hyparquet (pure JavaScript, no native or WASM part, so it bundles into the
// extension and the CLI as is). A file's key-value metadata may record the model that made the
// vectors (MODEL_FINGERPRINT_KEY, written by the export step), which lets a score verify it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { ImageSetError } from './imageSet';
import { NpyError, readNpy } from './npy';

/** Parquet key-value metadata the export step writes and the import checks. */
export const MODEL_FINGERPRINT_KEY = 'symptom_lens.model_fingerprint';
export const PREPROCESS_KEY = 'symptom_lens.preprocess_key';
export const MODEL_NAME_KEY = 'symptom_lens.model';

/** Column names tried, in order, when the cell names none. */
export const PATH_COLUMNS = ['image_path', 'path'];
export const VECTOR_COLUMNS = ['embedding', 'image_embedding', 'vector'];

/** Vectors whose length is further than this from 1 are re-normalised (float16 rounding stays far below it). */
const UNIT_TOLERANCE = 1e-3;

export interface EmbeddingsFile {
  /** As written in the cell. */
  source: string;
  format: 'clip-retrieval' | 'parquet';
  dim: number;
  /** Per row: the image path as the file stores it, and its unit vector. */
  paths: string[];
  vectors: Float32Array[];
  /** Recorded by the writer (the export step) when it knew them. */
  modelFingerprint?: string;
  preprocessKey?: string;
  model?: string;
  /** What the reader changed or worked around, for the output. */
  notes: string[];
}

export interface ColumnNames {
  path?: string;
  vector?: string;
}

/** `abs` is the folder or file the cell's `embeddings:` names (`shown` as written). */
export async function readEmbeddingsFile(abs: string, shown: string, columns: ColumnNames): Promise<EmbeddingsFile> {
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat)
    throw new ImageSetError(
      `"${shown}" does not exist (looked for ${abs}).`,
      'embeddings',
      'Give a clip-retrieval output folder (with img_emb/ and metadata/) or a .parquet file, relative to the notebook.',
    );
  const read = !stat.isDirectory()
    ? await readParquetVectors(abs, shown, columns)
    : (await isClipRetrieval(abs))
      ? await readClipRetrieval(abs, shown, columns.path)
      : await readParquetFolder(abs, shown, columns);
  const notes = normalise(read.vectors, read.paths, shown);
  return { ...read, source: shown, notes: [...read.notes, ...notes] };
}

type Read = Omit<EmbeddingsFile, 'source'>;

async function readClipRetrieval(abs: string, shown: string, pathColumn?: string): Promise<Read> {
  const shards = async (sub: string, pattern: RegExp) => {
    const names = await fs.readdir(path.join(abs, sub)).catch(() => [] as string[]);
    return new Map(names.flatMap((n) => (pattern.exec(n) ? [[Number(pattern.exec(n)![1]), n] as const] : [])));
  };
  const npys = await shards('img_emb', /^img_emb_(\d+)\.npy$/);
  const metas = await shards('metadata', /^metadata_(\d+)\.parquet$/);
  if (npys.size === 0)
    throw new ImageSetError(
      `${shown}/img_emb has no img_emb_N.npy file.`,
      'embeddings',
      'Point `embeddings:` at the folder clip-inference wrote (it holds img_emb/ and metadata/), or at a .parquet file.',
    );
  const result: Read = { format: 'clip-retrieval', dim: 0, paths: [], vectors: [], notes: [] };
  for (const n of [...npys.keys()].sort((a, b) => a - b)) {
    const npyShown = `${shown}/img_emb/${npys.get(n)}`;
    const metaName = metas.get(n);
    if (!metaName)
      throw new ImageSetError(
        `${npyShown} has no metadata/metadata_${n}.parquet beside it in ${shown}.`,
        'embeddings',
        'Each img_emb_N.npy needs the metadata_N.parquet clip-inference wrote with it (its image_path column names the rows).',
      );
    const matrix = await readNpyFile(path.join(abs, 'img_emb', npys.get(n)!), npyShown);
    const metaShown = `${shown}/metadata/${metaName}`;
    const meta = await readParquet(path.join(abs, 'metadata', metaName), metaShown, {
      path: pathColumn,
      vector: null,
    });
    if (meta.paths.length !== matrix.rows)
      throw new ImageSetError(
        `${npyShown} has ${matrix.rows} rows but ${metaShown} has ${meta.paths.length}; they must match row by row.`,
        'embeddings',
        'Re-run the export or clip-inference for this shard; the two files of a shard must come from the same run.',
      );
    if (result.dim && matrix.cols !== result.dim)
      throw new ImageSetError(
        `${npyShown} has ${matrix.cols} dimensions but earlier shards have ${result.dim}.`,
        'embeddings',
        'All shards must come from the same model.',
      );
    result.dim = matrix.cols;
    for (let r = 0; r < matrix.rows; r++)
      result.vectors.push(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols));
    result.paths.push(...meta.paths);
    result.modelFingerprint ??= meta.modelFingerprint;
    result.preprocessKey ??= meta.preprocessKey;
    result.model ??= meta.model;
    if (matrix.dtype === '<f2') result.notes.push(`${npyShown} holds float16 values (read as float32).`);
  }
  return result;
}

async function isClipRetrieval(abs: string): Promise<boolean> {
  return (await fs.stat(path.join(abs, 'img_emb')).catch(() => undefined))?.isDirectory() === true;
}

/** A folder of Parquet parts (Spark, Ray Data and Dask write one per task), read in name order. */
async function readParquetFolder(abs: string, shown: string, columns: ColumnNames): Promise<Read> {
  const parts = (await fs.readdir(abs)).filter((n) => /\.parquet$/i.test(n)).sort();
  if (parts.length === 0)
    throw new ImageSetError(
      `${shown} has neither an img_emb/ folder nor .parquet files.`,
      'embeddings',
      'Point `embeddings:` at the folder clip-inference wrote (img_emb/ + metadata/), at a .parquet file, or at a folder of .parquet parts.',
    );
  const result: Read = { format: 'parquet', dim: 0, paths: [], vectors: [], notes: [] };
  for (const part of parts) {
    const partShown = `${shown}/${part}`;
    const read = await readParquet(path.join(abs, part), partShown, columns);
    if (result.dim && read.dim !== result.dim)
      throw new ImageSetError(
        `${partShown} has ${read.dim}-dimensional vectors but earlier parts have ${result.dim}.`,
        'embeddings',
        'All parts must come from the same model.',
      );
    result.dim = read.dim;
    result.paths.push(...read.paths);
    result.vectors.push(...read.vectors);
    result.modelFingerprint ??= read.modelFingerprint;
    result.preprocessKey ??= read.preprocessKey;
    result.model ??= read.model;
  }
  return result;
}

async function readNpyFile(abs: string, shown: string) {
  try {
    return readNpy(await fs.readFile(abs), shown);
  } catch (e) {
    if (e instanceof NpyError) throw new ImageSetError(e.message, 'embeddings');
    throw new ImageSetError(`Cannot read ${shown}: ${(e as Error).message}`, 'embeddings');
  }
}

async function readParquetVectors(abs: string, shown: string, columns: ColumnNames): Promise<Read> {
  if (!/\.parquet$/i.test(abs))
    throw new ImageSetError(
      `"${shown}" is neither a folder nor a .parquet file.`,
      'embeddings',
      'Give a clip-retrieval output folder (img_emb/ + metadata/) or a Parquet file with a path column and a vector column.',
    );
  const read = await readParquet(abs, shown, columns);
  return { ...read, format: 'parquet', notes: [] };
}

/**
 * One Parquet file's path column, and its vector column unless `vector` is null (clip-retrieval
 * metadata has none). Errors name the file, the columns it has and the option to set.
 */
async function readParquet(
  abs: string,
  shown: string,
  columns: { path?: string; vector?: string | null },
): Promise<Omit<Read, 'format' | 'notes'>> {
  let file: ArrayBuffer;
  let metadata;
  try {
    const bytes = await fs.readFile(abs);
    file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    metadata = parquetMetadata(file);
  } catch (e) {
    throw new ImageSetError(
      `Cannot read ${shown} as Parquet: ${(e as Error).message}`,
      'embeddings',
      'Write it with pyarrow, pandas, Spark or hyparquet-writer (uncompressed or Snappy).',
    );
  }
  const names = topLevelColumns(metadata.schema);
  const pick = (wanted: string | undefined, defaults: string[], option: string, what: string) => {
    const found =
      wanted !== undefined ? (names.includes(wanted) ? wanted : undefined) : defaults.find((d) => names.includes(d));
    if (!found)
      throw new ImageSetError(
        `${shown} has no ${what} column ${wanted !== undefined ? `"${wanted}"` : `(looked for ${defaults.join(', ')})`}; its columns are ${names.join(', ')}.`,
        option,
        `Name it with \`${option}: COLUMN\`.`,
      );
    return found;
  };
  const pathColumn = pick(columns.path, PATH_COLUMNS, 'embeddings_path_column', 'image path');
  const vectorColumn =
    columns.vector === null ? undefined : pick(columns.vector, VECTOR_COLUMNS, 'embeddings_vector_column', 'vector');
  const rows = await parquetReadObjects({ file, columns: vectorColumn ? [pathColumn, vectorColumn] : [pathColumn] });
  const paths = rows.map((row, i) => {
    const p: unknown = row[pathColumn];
    if (typeof p !== 'string' || p === '')
      throw new ImageSetError(`${shown}, row ${i}: the ${pathColumn} column is empty or not text.`, 'embeddings');
    return p;
  });
  const vectors: Float32Array[] = [];
  let dim = 0;
  if (vectorColumn) {
    rows.forEach((row, i) => {
      const v: unknown = row[vectorColumn];
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number'))
        throw new ImageSetError(
          `${shown}, row ${i} (${paths[i]}): the ${vectorColumn} column is not a list of numbers.`,
          'embeddings',
          'The vector column must be a (fixed-size) list of float32, float16 or float64 values.',
        );
      if (dim && v.length !== dim)
        throw new ImageSetError(
          `${shown}, row ${i} (${paths[i]}): ${v.length} values in ${vectorColumn}, but earlier rows have ${dim}.`,
          'embeddings',
          'Every vector must have the same length (one model).',
        );
      dim = v.length;
      vectors.push(Float32Array.from(v as number[]));
    });
  }
  const kv = new Map((metadata.key_value_metadata ?? []).map((e) => [e.key, e.value]));
  return {
    dim,
    paths,
    vectors,
    ...(kv.get(MODEL_FINGERPRINT_KEY) ? { modelFingerprint: kv.get(MODEL_FINGERPRINT_KEY) } : {}),
    ...(kv.get(PREPROCESS_KEY) ? { preprocessKey: kv.get(PREPROCESS_KEY) } : {}),
    ...(kv.get(MODEL_NAME_KEY) ? { model: kv.get(MODEL_NAME_KEY) } : {}),
  };
}

/** The names of the root's direct children in a flattened (depth-first) Parquet schema. */
function topLevelColumns(schema: { name: string; num_children?: number }[]): string[] {
  const skip = (i: number): number => {
    let next = i + 1;
    for (let c = 0; c < (schema[i].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  const names: string[] = [];
  for (let at = 1; at < schema.length; at = skip(at)) names.push(schema[at].name);
  return names;
}

/**
 * CLIP scores are cosines: vectors must be unit length. A zero or non-finite vector is an error;
 * one further than UNIT_TOLERANCE from unit length is divided by its norm (in place), with a note.
 */
function normalise(vectors: Float32Array[], paths: string[], shown: string): string[] {
  let fixed = 0;
  let low = Infinity;
  let high = 0;
  vectors.forEach((v, i) => {
    let sum = 0;
    for (const x of v) sum += x * x;
    const norm = Math.sqrt(sum);
    if (!Number.isFinite(norm) || norm === 0)
      throw new ImageSetError(
        `${shown}, row ${i} (${paths[i]}): the vector is ${norm === 0 ? 'all zeros' : 'not finite (NaN or infinity)'}.`,
        'embeddings',
        'Re-compute this image’s embedding, or remove its row.',
      );
    if (Math.abs(norm - 1) > UNIT_TOLERANCE) {
      for (let k = 0; k < v.length; k++) v[k] /= norm;
      fixed++;
      low = Math.min(low, norm);
      high = Math.max(high, norm);
    }
  });
  return fixed
    ? [
        `${fixed} of ${vectors.length} vectors in ${shown} were not unit length (norms ${low.toPrecision(4)} to ${high.toPrecision(4)}); they were L2-normalised, as the model's own image embeddings are.`,
      ]
    : [];
}
