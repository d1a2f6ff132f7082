// Each DICOM file's pixels are decoded once per model preprocessing: the images cell reads
// headers only (its thumbnails aside), the score cell decodes each file for the model, and a
// re-run from the caches decodes nothing. A codestream that only decoding finds corrupt is
// skipped by name, with the reason, where it is decoded; the next listing skips it at once.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, utimesSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { onDicomPixelDecode } from '../../src/images/decode';
import { Kernel } from '../../src/kernel/kernel';
import type { ImagesResult, ScoreResult } from '../../src/protocol/results';
import { fixture, rewriteDicom } from '../helpers/dicom';

const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.join(ROOT, 'models/demo');
const PIXEL_DATA = '7FE00010';
const CLASSES: Record<string, string[]> = {
  a: [
    'pydicom__CT_small.dcm',
    'pydicom__MR_small.dcm',
    'pydicom__MR_small_RLE.dcm',
    'pydicom__693_J2KI.dcm',
    'pydicom__MR_small_jp2klossless.dcm',
    'pydicom__JPGExtended.dcm',
  ],
  b: [
    'pydicom__MR_small_implicit.dcm',
    'pydicom-data__emri_small_RLE.dcm',
    'pylibjpeg-data__JPEGBaseline_1s_1f_u_08_08.dcm',
    'pydicom__SC_rgb_rle.dcm',
    'pydicom__MR_small_bigendian.dcm',
  ],
};

async function run(kernel: Kernel, id: string, source: string) {
  const out = await kernel.runCell(id, source);
  assert.ok(out.ok, `cell ${id} failed: ${out.error}`);
  return out;
}

test('one pixel decode per DICOM file on a cold run, none on a warm run; a corrupt codestream is skipped by name', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-decode-once-'));
  // Decodes by file, for the model ('pixels') and for thumbnails apart.
  const decodes = new Map<string, number>();
  const thumbnails = new Map<string, number>();
  const stop = onDicomPixelDecode((file, purpose) => {
    const counts = purpose === 'pixels' ? decodes : thumbnails;
    counts.set(path.basename(file), (counts.get(path.basename(file)) ?? 0) + 1);
  });
  try {
    for (const [cls, files] of Object.entries(CLASSES)) {
      mkdirSync(path.join(dir, 'set', cls), { recursive: true });
      for (const f of files) copyFileSync(fixture(f), path.join(dir, 'set', cls, f));
    }
    rewriteDicom(fixture('pydicom__693_J2KI.dcm'), path.join(dir, 'set', 'b', 'broken.dcm'), (d) => {
      const codestream = new Uint8Array(d.dict[PIXEL_DATA].Value[0] as ArrayBuffer);
      d.dict[PIXEL_DATA].Value = [codestream.slice(0, 400).buffer];
    });
    // Files written just now are "racy" (their mtime may not move on a change): date them back.
    const past = new Date(Date.now() - 3600_000);
    for (const cls of Object.keys(CLASSES))
      for (const f of await fs.readdir(path.join(dir, 'set', cls)))
        utimesSync(path.join(dir, 'set', cls, f), past, past);
    const cells = async (kernel: Kernel) => {
      await run(kernel, 'model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`);
      decodes.clear();
      thumbnails.clear();
      const images = (await run(kernel, 'images', 'images: s\nfrom: set\n')).result as ImagesResult;
      const listing = new Map(decodes);
      const listingThumbnails = new Map(thumbnails);
      decodes.clear();
      await run(kernel, 'names', 'descriptors: names\nclasses: {a: [], b: []}\n');
      const score = (await run(kernel, 'score', 'score: x\nimages: s\nmodel: demo\ndescriptors: names\n'))
        .result as Omit<ScoreResult, 'thumbnails'>;
      return { images, listing, listingThumbnails, scoring: new Map(decodes), thumbnails: new Map(thumbnails), score };
    };
    const logs: string[] = [];
    const nb = path.join(dir, 'nb.lensnb');
    EmbeddingCache.clearMemory();
    const cold = await cells(new Kernel({ notebookPath: nb, log: (m) => logs.push(m) }));
    const good = Object.values(CLASSES).flat();
    // The listing decodes no pixels; thumbnails are made of the four samples per class only.
    const samples = [...[...CLASSES.a].sort().slice(0, 4), ...[...CLASSES.b, 'broken.dcm'].sort().slice(0, 4)];
    assert.equal(cold.listing.size, 0, JSON.stringify([...cold.listing]));
    assert.deepEqual([...cold.listingThumbnails.keys()].sort(), [...samples].sort());
    assert.equal(cold.images.count, good.length + 1, 'the corrupt codestream passes the header check');
    // Scoring decodes every file once, the corrupt one included, which it then skips by name.
    assert.deepEqual([...cold.scoring.keys()].sort(), [...good, 'broken.dcm'].sort());
    assert.ok(
      [...cold.scoring.values()].every((n) => n === 1),
      JSON.stringify([...cold.scoring]),
    );
    assert.equal(cold.score.variants[0].predictions.length, good.length);
    const skipped = logs.find((l) => l.includes('skipped set/b/broken.dcm'));
    assert.match(skipped ?? '', /JPEG 2000 .* codestream is corrupt/);
    assert.ok(!skipped!.includes(dir), 'the reason names the file as the notebook does');

    // A new kernel on the same caches (memory layer cleared): nothing is decoded, and the
    // listing skips the corrupt file at once, with the same reason.
    EmbeddingCache.clearMemory();
    const warm = await cells(new Kernel({ notebookPath: nb }));
    assert.equal(warm.listing.size + warm.scoring.size, 0, JSON.stringify([...warm.listing, ...warm.scoring]));
    // Without the corrupt file, class b's fourth sample is one never shown before: its thumbnail
    // is the only one made; the others come from the cache.
    assert.deepEqual([...warm.thumbnails], [['pydicom__SC_rgb_rle.dcm', 1]]);
    assert.ok(
      !cold.listingThumbnails.has('pydicom__SC_rgb_rle.dcm') && !cold.thumbnails.has('pydicom__SC_rgb_rle.dcm'),
    );
    assert.equal(warm.images.count, good.length);
    assert.match(warm.images.skipped.find((s) => s.id === 'set/b/broken.dcm')?.reason ?? '', /codestream is corrupt/);
    assert.equal(warm.score.variants[0].predictions.length, good.length);
    assert.equal(warm.score.run.imageSetHash, cold.score.run.imageSetHash, 'the same set either way');
  } finally {
    stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
