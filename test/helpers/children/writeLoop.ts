// Child of faults-loss.test.ts: rewrites results.json, report.html and a cache entry in OUT, in
// a loop, each version complete and numbered, until it is killed. Prints "ready" once the first
// versions are on disk.
import * as path from 'node:path';
import { DiskCache } from '../../../src/cache/diskCache';
import { writeFileAtomic } from '../../../src/common/atomicWrite';
import { writeReport } from '../../../src/report/report';

const out = process.argv[2];
const cache = new DiskCache(path.join(out, 'cache'), (m) => {
  throw new Error(m);
});

async function main(): Promise<void> {
  for (let version = 1; ; version++) {
    const pad = 'x'.repeat(200_000 + (version % 7) * 10_000);
    await writeFileAtomic(path.join(out, 'results.json'), `${JSON.stringify({ version, pad })}\n`);
    await writeReport(out, {
      notebookPath: path.join(out, 'nb.lensnb'),
      cells: [{ index: 0, step: null, name: null, ok: true, outputs: [], markdown: `version ${version}\n\n${pad}` }],
    });
    await cache.write('embeddings', 'ab'.repeat(32), '.json', JSON.stringify({ version, pad }));
    if (version === 1) process.stdout.write('ready\n');
  }
}
void main();
