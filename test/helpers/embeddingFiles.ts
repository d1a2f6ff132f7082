// Embedding files as other tools write them, built by hand for the import tests: .npy bytes
// written here from the format's definition (not with src/images/npy.ts), Parquet with
// hyparquet-writer.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { toHalfBits } from '../../src/common/float16';

/** A version 1.0 .npy of `rows` (each one row), dtype '<f4', '<f2' or any other descr given (values as float32). */
export function npyBytes(rows: number[][], descr = '<f4', extraHeader = ''): Buffer {
  const cols = rows[0]?.length ?? 0;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows.length}, ${cols}), ${extraHeader}}`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  const item = descr === '<f2' ? 2 : descr === '<f8' ? 8 : 4;
  const body = Buffer.alloc(rows.length * cols * item);
  rows.flat().forEach((x, i) => {
    if (item === 2) body.writeUInt16LE(toHalfBits(x), i * 2);
    else if (item === 8) body.writeDoubleLE(x, i * 8);
    else body.writeFloatLE(x, i * 4);
  });
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]);
}

/** A Parquet file with a string column and, if `vectors` is given, a list<float> column. */
export function parquetBytes(
  paths: string[],
  options: { pathColumn?: string; vectors?: number[][]; vectorColumn?: string; kv?: Record<string, string> } = {},
): Uint8Array {
  const pathColumn = options.pathColumn ?? 'image_path';
  const vectorColumn = options.vectorColumn ?? 'embedding';
  const columnData = [
    { name: pathColumn, data: paths },
    { name: 'caption', data: paths.map((p) => `caption of ${p}`) },
    ...(options.vectors ? [{ name: vectorColumn, data: options.vectors }] : []),
  ];
  return new Uint8Array(
    parquetWriteBuffer({
      columnData,
      schema: [
        { name: 'root', num_children: columnData.length },
        { name: pathColumn, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        { name: 'caption', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
        ...(options.vectors
          ? [
              {
                name: vectorColumn,
                repetition_type: 'REQUIRED' as const,
                num_children: 1,
                converted_type: 'LIST' as const,
              },
              { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
              { name: 'element', type: 'FLOAT' as const, repetition_type: 'REQUIRED' as const },
            ]
          : []),
      ],
      kvMetadata: Object.entries(options.kv ?? {}).map(([key, value]) => ({ key, value })),
    }),
  );
}

/** clip-retrieval's output folder: shards of img_emb/img_emb_N.npy + metadata/metadata_N.parquet. */
export async function writeClipRetrieval(
  dir: string,
  shards: { paths: string[]; vectors: number[][]; descr?: string; metaPaths?: string[] }[],
  kv?: Record<string, string>,
): Promise<void> {
  await fs.mkdir(path.join(dir, 'img_emb'), { recursive: true });
  await fs.mkdir(path.join(dir, 'metadata'), { recursive: true });
  for (const [n, s] of shards.entries()) {
    await fs.writeFile(path.join(dir, 'img_emb', `img_emb_${n}.npy`), npyBytes(s.vectors, s.descr));
    await fs.writeFile(
      path.join(dir, 'metadata', `metadata_${n}.parquet`),
      parquetBytes(s.metaPaths ?? s.paths, { kv }),
    );
  }
}

/** A unit vector of `dim` values, varying with `seed`. */
export function unitVector(seed: number, dim: number): number[] {
  const v = Array.from({ length: dim }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) + 0.1);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
