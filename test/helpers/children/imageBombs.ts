// Child of faults-blowup.test.ts: loads an image set of PNGs whose headers claim huge sizes
// (DIR/labels.csv), and decodes each file directly, reporting what was kept and what each said.
import * as path from 'node:path';
import { decodeImage } from '../../../src/images/decode';
import { loadImageSet } from '../../../src/images/imageSet';
import { reportAndExit } from '../bounded';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const set = await loadImageSet({ name: 'bombs', from: 'labels.csv', baseDir: dir });
  const decoded: Record<string, string> = {};
  for (const s of set.skipped) {
    const file = path.join(dir, s.id);
    decoded[s.id] = await decodeImage(file).then(
      (img) => `decoded ${img.width}x${img.height}`,
      (err: Error) => `${err.name}: ${err.message}`,
    );
  }
  reportAndExit({ kept: set.entries.map((e) => e.id), skipped: set.skipped, decoded });
}
void main();
