// Fault suite, class "blow-up": memory and open files stay bounded whatever one file claims.
// PNGs of a few hundred bytes whose headers claim 60000×1, 200000×1, 1×60000, 16383×16383
// (sixteen of them) and 100000×100000; 2,000 cache entries read under a 100-file limit;
// 100,000 descriptors; a 100 kB class name. Each runs in a child process with a wall-clock
// limit, and the image one states its peak memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { Kernel } from '../../src/kernel/kernel';
import type { ScoreResult } from '../../src/protocol/results';
import { runBounded, type BoundedResult } from '../helpers/bounded';
import { pngBomb } from '../helpers/pngBombs';

const ROOT = path.resolve(__dirname, '../..');
/** Peak memory of the child that loads and decodes the image bombs (measured: ~200 MiB). */
const IMAGE_RSS_MIB = 400;

test(`image headers claiming huge sizes: each skipped by name before decoding, peak RSS < ${IMAGE_RSS_MIB} MiB`, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-bombs-'));
  const bombs: Record<string, Buffer> = {
    'wide-60000x1.png': pngBomb(60000, 1),
    'wide-200000x1.png': pngBomb(200000, 1),
    'tall-1x60000.png': pngBomb(1, 60000),
    'claims-100000x100000.png': pngBomb(100000, 100000, 8, false),
  };
  const huge = pngBomb(16383, 16383, 1);
  for (let i = 0; i < 16; i++) bombs[`huge-${i}.png`] = huge;
  for (const [name, bytes] of Object.entries(bombs)) await fs.writeFile(path.join(dir, name), bytes);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#606060' } })
    .png()
    .toFile(path.join(dir, 'ok.png'));
  await fs.writeFile(
    path.join(dir, 'labels.csv'),
    ['path,label', 'ok.png,normal', ...Object.keys(bombs).map((n) => `${n},normal`)].join('\n'),
  );
  const run = await runBounded('test/helpers/children/imageBombs.ts', [dir], 60_000);
  assert.equal(run.timedOut, false, 'loading the image bombs took over 60 s');
  assert.equal(run.code, 0, run.stderr);
  const result = run.result as {
    kept: string[];
    skipped: { id: string; reason: string }[];
    decoded: Record<string, string>;
  };
  assert.deepEqual(result.kept, ['ok.png']);
  assert.equal(result.skipped.length, Object.keys(bombs).length);
  for (const name of Object.keys(bombs)) {
    const skip = result.skipped.find((s) => s.id === name);
    assert.ok(skip, `${name} skipped`);
    assert.match(
      skip.reason,
      new RegExp(`${name.replace('.', '\\.')}: its header says \\d+×\\d+ pixels, over the limit`),
    );
    assert.match(result.decoded[name], new RegExp(`^ImageDecodeError: .*${name.replace('.', '\\.')}: its header says`));
  }
  assert.ok(run.peakRssMiB < IMAGE_RSS_MIB, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
});

const ENTRIES = 2000;
const OPEN_FILES = 100;

test(`${ENTRIES} cached embeddings read back under a ${OPEN_FILES}-file limit (no EMFILE)`, async () => {
  const run = await new Promise<BoundedResult>((resolve) => {
    const child = spawn(
      'sh',
      [
        '-c',
        `ulimit -n ${OPEN_FILES} && exec "$0" --import tsx test/helpers/children/openFiles.ts ${ENTRIES}`,
        process.execPath,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr,
        timedOut: false,
        peakRssMiB: NaN,
        wallMs: 0,
        result: JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null'),
      }),
    );
  });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const result = run.result as { read: number; encoded: number; problems: string[] };
  assert.equal(result.read, ENTRIES);
  assert.equal(result.encoded, 0, 'every entry came from the cache');
  assert.deepEqual(result.problems, []);
});

test('100,000 descriptors: de-duplicated in linear time (was 261 s)', async () => {
  const run = await runBounded('test/helpers/children/manyDescriptors.ts', ['100000'], 60_000);
  assert.equal(run.timedOut, false, 'a descriptors cell with 100,000 descriptors took over 60 s');
  const result = run.result as { ok: boolean; error?: string; descriptors: number; ms: number };
  assert.ok(result.ok, result.error);
  assert.equal(result.descriptors, 100_000);
});

test('a 100 kB class name scores (it overflowed a regular expression)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-longlabel-'));
  const long = 'a'.repeat(100_000);
  const data = path.join(ROOT, 'examples/data');
  const rows = (await fs.readFile(path.join(data, 'labels.csv'), 'utf8')).trim().split('\n').slice(1);
  const csv = ['path,label'];
  for (const r of rows.filter((r) => /,(normal|effusion),/.test(r)).slice(0, 8)) {
    const [p, l] = r.split(',');
    csv.push(`${path.join(data, p)},${l === 'effusion' ? long : l}`);
  }
  await fs.writeFile(path.join(dir, 'labels.csv'), csv.join('\n'));
  EmbeddingCache.clearMemory();
  const kernel = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
  const cells = [
    'images: x\nfrom: labels.csv\n',
    `model: m\npath: ${JSON.stringify(path.join(ROOT, 'models/demo'))}\ndevice: cpu\n`,
    `descriptors: d\nclasses:\n  normal: [clear lungs, ${long.slice(0, 20)} normal]\n  ? ${long}\n  : [fluid at the base, ${long} sign]\n`,
    'score: s\nimages: x\nmodel: m\ndescriptors: [d]\n',
  ];
  let last;
  for (const c of cells) {
    last = await kernel.runCell(c.split('\n', 1)[0], c);
    assert.ok(last.ok, last.error?.slice(0, 300));
  }
  await kernel.dispose();
  const result = last!.result as ScoreResult;
  assert.equal(result.classes.length, 2);
  assert.ok(
    result.flags.some((f) => f.class === long && /repeats the class name/.test(f.message)),
    'the repeat is still flagged',
  );
});

/**
 * A 7000×7000 JPEG (49 megapixels, just under the limit) is 140 MiB as RGB pixels; decoded whole
 * for a 64-pixel thumbnail it peaks near 300 MiB. Shrink-on-load decodes it at 1/8 scale.
 */
const THUMBNAIL_RSS_MIB = 200;

test(`a thumbnail of a 49-megapixel JPEG shrinks on load: peak RSS < ${THUMBNAIL_RSS_MIB} MiB`, async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-bigjpeg-'));
  const file = path.join(dir, 'big.jpg');
  await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#808080' } })
    .jpeg({ quality: 50 })
    .toFile(file);
  const run = await runBounded('test/helpers/children/bigJpegThumbnail.ts', [file], 60_000);
  await fs.rm(dir, { recursive: true, force: true });
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.peakRssMiB < THUMBNAIL_RSS_MIB, `peak RSS ${run.peakRssMiB.toFixed(0)} MiB`);
});
