// What the export step writes, into one folder replaced atomically:
//   scores.csv, scores.parquet   one row per variant and image: label, prediction, margin, scores
//   metrics.csv                  one row per variant
//   img_emb/img_emb_0.npy        the image embeddings, float32, one row per image (clip-retrieval layout)
//   metadata/metadata_0.parquet  image_path (relative to the notebook) and label, row by row
// The Parquet files record the model (name, fingerprint, preprocessing key) as key-value
// metadata, so that an images cell reading the folder back (`embeddings:`) can verify the model.
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { replaceFolderAtomic, writeFileAtomic } from '../common/atomicWrite';
import { MODEL_FINGERPRINT_KEY, MODEL_NAME_KEY, PREPROCESS_KEY } from '../images/embeddingsFile';
import { writeNpy } from '../images/npy';
import type { ScoreResult } from '../protocol/results';
import { metricsCsv, predictionsCsv } from './scoreCsv';
import { scoresParquet } from './scoresParquet';

export interface ExportInput {
  score: ScoreResult;
  /** The scored images in the score's order: id (relative to the notebook), label, unit vector. */
  images: { id: string; label?: string; vector: Float32Array }[];
  model: { name: string; fingerprint: string; preprocessKey: string };
  packageVersion: string;
}

export interface ExportedFile {
  /** Relative to the export folder, '/'-separated. */
  path: string;
  bytes: number;
}

export const EXPORT_FILES = {
  scoresCsv: 'scores.csv',
  scoresParquet: 'scores.parquet',
  metricsCsv: 'metrics.csv',
  embeddings: 'img_emb/img_emb_0.npy',
  metadata: 'metadata/metadata_0.parquet',
} as const;

const STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' } as const;
const OPTIONAL_STRING = { type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' } as const;

/** Write the export into `folder` (replacing it whole); returns the files written. */
export async function writeExport(folder: string, input: ExportInput): Promise<ExportedFile[]> {
  const { score, images, model } = input;
  const dim = images[0]?.vector.length ?? 0;
  const matrix = new Float32Array(images.length * dim);
  images.forEach((img, i) => matrix.set(img.vector, i * dim));
  const kvMetadata = [
    { key: MODEL_FINGERPRINT_KEY, value: model.fingerprint },
    { key: PREPROCESS_KEY, value: model.preprocessKey },
    { key: MODEL_NAME_KEY, value: model.name },
    { key: 'symptom_lens.version', value: input.packageVersion },
  ];
  const files: [string, Uint8Array | string][] = [
    [EXPORT_FILES.scoresCsv, predictionsCsv(score)],
    [EXPORT_FILES.scoresParquet, new Uint8Array(scoresParquet(score, kvMetadata))],
    [EXPORT_FILES.metricsCsv, metricsCsv(score)],
    [EXPORT_FILES.embeddings, writeNpy(matrix, images.length, dim)],
    [
      EXPORT_FILES.metadata,
      new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'image_path', data: images.map((i) => i.id) },
            { name: 'label', data: images.map((i) => i.label ?? null) },
          ],
          schema: [
            { name: 'root', num_children: 2 },
            { name: 'image_path', ...STRING },
            { name: 'label', ...OPTIONAL_STRING },
          ],
          kvMetadata: [...kvMetadata, { key: 'symptom_lens.image_set_hash', value: score.run.imageSetHash }],
        }),
      ),
    ],
  ];
  await replaceFolderAtomic(folder, async (dir) => {
    for (const [name, data] of files) await writeFileAtomic(path.join(dir, name), data);
  });
  return files.map(([name, data]) => ({
    path: name,
    bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
  }));
}
