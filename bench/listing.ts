// npm run bench -- --listing N: the images cell over N synthetic small PNG files, cold (every
// file read, hashed and decoded) and warm (the same cell again: unchanged files come from the
// listing cache). Prints one JSON object.
import { promises as fs, utimesSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { Kernel } from '../src/kernel/kernel';

const SIDE = 32;
const CLASSES = ['a', 'b'];

/** N distinct PNG files (their pixels spell their index), dated an hour back, in two class folders. */
async function writeSet(dir: string, n: number): Promise<void> {
  for (const c of CLASSES) await fs.mkdir(path.join(dir, c), { recursive: true });
  const hourAgo = new Date(Date.now() - 3600_000);
  for (let i = 0; i < n; i++) {
    const pixels = Buffer.alloc(SIDE * SIDE);
    pixels.writeUInt32LE(i, 0);
    const file = path.join(dir, CLASSES[i % 2], `${String(i).padStart(6, '0')}.png`);
    await fs.writeFile(
      file,
      await sharp(pixels, { raw: { width: SIDE, height: SIDE, channels: 1 } })
        .png()
        .toBuffer(),
    );
    // Files written just now are not remembered (their mtime might not move on a change).
    utimesSync(file, hourAgo, hourAgo);
  }
}

export async function listingBench(n: number): Promise<Record<string, number>> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'symptom-lens-listing-'));
  const kernel = new Kernel({ notebookPath: path.join(work, 'bench.lensnb'), cacheDir: path.join(work, 'cache') });
  try {
    await writeSet(path.join(work, 'set'), n);
    const cell = 'images: listing\nfrom: set\n';
    const timed = async () => {
      const t0 = performance.now();
      const outcome = await kernel.runCell('images', `${cell}# ${t0}\n`);
      if (!outcome.ok) throw new Error(`listing cell failed: ${outcome.error}`);
      if ((outcome.result as { count: number }).count !== n) throw new Error('listing lost files');
      return performance.now() - t0;
    };
    const coldMs = await timed();
    const warmMs = await timed();
    return {
      listingFiles: n,
      listingColdMs: Math.round(coldMs),
      listingColdFilesPerSecond: Math.round(n / (coldMs / 1000)),
      listingWarmMs: Math.round(warmMs),
    };
  } finally {
    await kernel.dispose();
    await fs.rm(work, { recursive: true, force: true });
  }
}
