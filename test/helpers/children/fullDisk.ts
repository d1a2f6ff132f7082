// Child of faults-loss.test.ts, run inside a private mount namespace on a small tmpfs at DIR:
// writes complete outputs, fills the disk, tries again, and reports what survived.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DiskCache } from '../../../src/cache/diskCache';
import { writeFileAtomic } from '../../../src/common/atomicWrite';
import { writeReport } from '../../../src/report/report';
import { reportAndExit } from '../bounded';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const results = path.join(dir, 'results.json');
  const report = (text: string) =>
    writeReport(dir, {
      notebookPath: path.join(dir, 'nb.lensnb'),
      cells: [{ index: 0, step: null, name: null, ok: true, outputs: [], markdown: text }],
    });
  await writeFileAtomic(results, '{"version": 1}\n');
  await report('version 1');
  const before = {
    results: await fs.readFile(results, 'utf8'),
    report: await fs.readFile(path.join(dir, 'report.html'), 'utf8'),
  };
  // Fill the disk, keeping 4 KiB.
  const filler = await fs.open(path.join(dir, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await filler.write(block);
  } catch {
    await filler.close();
  }
  const stat = await fs.stat(path.join(dir, 'filler'));
  await fs.truncate(path.join(dir, 'filler'), Math.max(0, stat.size - 4096));
  const errors: string[] = [];
  await writeFileAtomic(results, `${JSON.stringify({ version: 2, pad: 'y'.repeat(100_000) })}\n`).catch((e: Error) =>
    errors.push(e.message),
  );
  await report(`version 2 ${'z'.repeat(100_000)}`).catch((e: Error) => errors.push(e.message));
  const problems: string[] = [];
  const cache = new DiskCache(path.join(dir, 'cache'), (m) => problems.push(m));
  await cache.write('embeddings', 'cd'.repeat(32), '.f32', Buffer.alloc(200_000));
  const after = {
    results: await fs.readFile(results, 'utf8'),
    report: await fs.readFile(path.join(dir, 'report.html'), 'utf8'),
  };
  const leftovers = (await fs.readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.partial'));
  reportAndExit({
    errors,
    problems,
    resultsKept: after.results === before.results,
    reportKept: after.report === before.report,
    leftovers,
  });
}
void main();
