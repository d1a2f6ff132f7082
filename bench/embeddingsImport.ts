// npm run bench:import -- [--images N] [--dims D]
// Prints one JSON object: the time an images cell with `embeddings:` takes to read N embeddings
// in clip-retrieval's layout (one float32 img_emb_0.npy + metadata_0.parquet) and match them to
// a CSV of N path,label rows whose images are not on disk, and the process's peak RSS. The
// files are written to a temporary folder first (not timed as part of the load).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { mulberry32 } from '../src/common/random';
import { loadImportedImageSet } from '../src/images/importedSet';
import { writeNpy } from '../src/images/npy';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const CLASSES = ['normal', 'effusion', 'cardiomegaly', 'nodule', 'pneumothorax'];

/**
 * N random unit vectors in clip-retrieval's layout under `dir/emb` and a `dir/labels.csv` of N
 * path,label rows (classes in turn) whose images are not on disk; returns the vectors, row-major.
 */
export async function writeSyntheticImport(
  dir: string,
  n: number,
  dims: number,
  classes: string[] = CLASSES,
): Promise<Float32Array> {
  const random = mulberry32(1);
  const data = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += (data[i * dims + j] = random() - 0.5) ** 2;
    for (let j = 0; j < dims; j++) data[i * dims + j] /= Math.sqrt(norm);
  }
  const paths = Array.from({ length: n }, (_, i) => `files/p${i % 100}/${classes[i % classes.length]}/img-${i}.jpg`);
  await fs.mkdir(path.join(dir, 'emb/img_emb'), { recursive: true });
  await fs.mkdir(path.join(dir, 'emb/metadata'), { recursive: true });
  await fs.writeFile(path.join(dir, 'emb/img_emb/img_emb_0.npy'), writeNpy(data, n, dims));
  await fs.writeFile(
    path.join(dir, 'emb/metadata/metadata_0.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'image_path', data: paths.map((p) => `/cluster/${p}`) }],
      }),
    ),
  );
  await fs.writeFile(
    path.join(dir, 'labels.csv'),
    ['path,label', ...paths.map((p, i) => `${p},${classes[i % classes.length]}`)].join('\n'),
  );
  return data;
}

async function main(): Promise<void> {
  const n = option('images', 100_000);
  const dims = option('dims', 512);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-bench-import-'));
  try {
    await writeSyntheticImport(dir, n, dims);
    const started = performance.now();
    const set = await loadImportedImageSet({
      name: 'bench',
      from: 'labels.csv',
      baseDir: dir,
      embeddings: 'emb',
      columns: {},
    });
    const loadMs = performance.now() - started;
    console.log(
      JSON.stringify({
        images: n,
        dims,
        matched: set.entries.length,
        notOnDisk: set.imported?.notOnDisk,
        npyBytes: n * dims * 4 + 128,
        loadMs: Math.round(loadMs),
        peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        loadAverage: os.loadavg()[0],
      }),
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void main();
