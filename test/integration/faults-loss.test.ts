// Fault suite, class "loss": a failed or killed write never destroys the previous file. kill -9
// at seeded random points of the output writes; a full disk (a real 24 MiB tmpfs in a private
// mount namespace where the system allows one, and always a write that fails through the file
// handle); a cache folder that cannot be written.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AtomicWriteError, writeFileAtomic } from '../../src/common/atomicWrite';
import { mulberry32 } from '../../src/common/random';
import { EmbeddingCache } from '../../src/cache/embeddingCache';
import { Kernel } from '../../src/kernel/kernel';
import type { ScoreResult } from '../../src/protocol/results';

const ROOT = path.resolve(__dirname, '../..');
const KILLS = 20;

/** Start the write loop, wait until it has written once, let it run `ms`, then SIGKILL it. */
function killDuringWrites(out: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/children/writeLoop.ts', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms));
    child.on('error', reject);
    child.on('close', () => resolve());
  });
}

test(`kill -9 at ${KILLS} seeded random points of the output writes: results, report and cache stay whole`, async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-kill-'));
  const random = mulberry32(1009);
  for (let k = 0; k < KILLS; k++) {
    await killDuringWrites(out, Math.floor(random() * 400));
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as {
      version: number;
      pad: string;
    };
    assert.ok(results.version >= 1 && results.pad.length >= 200_000, `kill ${k}: results.json whole`);
    const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
    assert.match(report, /<\/html>\s*$/, `kill ${k}: report.html whole`);
    assert.match(report, /version \d+/);
    const entry = path.join(out, 'cache/embeddings/ab', `${'ab'.repeat(32)}.json`);
    const cached = await fs.readFile(entry, 'utf8').catch(() => undefined);
    if (cached !== undefined) assert.ok(JSON.parse(cached).version >= 1, `kill ${k}: cache entry whole`);
  }
});

test('a write that fails half-way (ENOSPC from the file handle) keeps the previous file and says why', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-enospc-'));
  const file = path.join(dir, 'results.json');
  await writeFileAtomic(file, '{"version": 1}\n');
  const probe = await fs.open(path.join(dir, 'probe'), 'w');
  const handleProto = Object.getPrototypeOf(probe) as { writeFile: (data: unknown) => Promise<void> };
  await probe.close();
  const real = handleProto.writeFile;
  mock.method(handleProto, 'writeFile', async function (this: fs.FileHandle, data: string) {
    await real.call(this, data.slice(0, 10)); // part of it lands, then the disk is full
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  t.after(() => mock.restoreAll());
  await assert.rejects(
    writeFileAtomic(file, `${JSON.stringify({ version: 2, pad: 'y'.repeat(10_000) })}\n`),
    (err) =>
      err instanceof AtomicWriteError && /results\.json: the disk is full; the previous version/.test(err.message),
  );
  mock.restoreAll();
  assert.equal(await fs.readFile(file, 'utf8'), '{"version": 1}\n');
  assert.deepEqual((await fs.readdir(dir)).sort(), ['probe', 'results.json'], 'no temporary file left');
});

function canMountTmpfs(): boolean {
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'true'], { stdio: 'ignore' });
  return r.status === 0;
}

test(
  'a real full disk (tmpfs): results.json and report.html keep their previous version; the cache degrades',
  { skip: canMountTmpfs() ? false : 'unprivileged mount namespaces are not allowed here' },
  async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-fulldisk-'));
    const script = `mount -t tmpfs -o size=24m none "$1" && exec "${process.execPath}" --import tsx test/helpers/children/fullDisk.ts "$1"`;
    const stdout = execFileSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      errors: string[];
      problems: string[];
      resultsKept: boolean;
      reportKept: boolean;
      leftovers: string[];
    };
    assert.equal(result.errors.length, 2, 'both writes failed');
    for (const e of result.errors)
      assert.match(e, /(results\.json|report\.html): the disk is full; the previous version/);
    assert.ok(result.resultsKept, 'results.json unchanged');
    assert.ok(result.reportKept, 'report.html unchanged');
    assert.deepEqual(result.leftovers, [], 'no temporary files left');
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0], /disk is full; this run goes on without caching/);
  },
);

test('an unwritable cache folder: the score cell runs without a cache and says so', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-nocache-'));
  const blocked = path.join(dir, 'cache-is-a-file');
  await fs.writeFile(blocked, 'not a folder');
  EmbeddingCache.clearMemory();
  const logs: string[] = [];
  const kernel = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb'), cacheDir: blocked, log: (m) => logs.push(m) });
  const cells = [
    `images: ph\nfrom: ${JSON.stringify(path.join(ROOT, 'examples/data/labels.csv'))}\nlimit: 6\n`,
    `model: m\npath: ${JSON.stringify(path.join(ROOT, 'models/demo'))}\ndevice: cpu\n`,
    'descriptors: v\nclasses: {normal: [clear lungs], effusion: [fluid], cardiomegaly: [big heart], nodule: [spot], pneumothorax: [air]}\n',
    'score: s\nimages: ph\nmodel: m\ndescriptors: [v]\n',
  ];
  let last;
  for (const c of cells) {
    last = await kernel.runCell(c.split('\n', 1)[0], c);
    assert.ok(last.ok, last.error);
  }
  await kernel.dispose();
  const result = last!.result as ScoreResult;
  assert.ok(result.variants[0].predictions.length > 0);
  assert.match(result.run.cacheNotes?.join(' ') ?? '', /cache-is-a-file.*goes on without caching/);
  assert.ok(
    logs.some((l) => /without caching/.test(l)),
    'logged',
  );
});
