// The per-image file of a paged score is encoded in dist/per-image-worker.js, beside the bundle
// as in the VSIX: the CLI bundle, with only the native runtime modules installed (no tsx), writes
// it in that worker (it says so where it cannot) and has written it, in the cache and in --out,
// when the process ends.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import { writeSyntheticImport } from '../../bench/embeddingsImport';
import { perImageFile } from '../../src/cache/perImageFiles';
import type { ScoreResult } from '../../src/protocol/results';
import { readScoresParquet } from '../../src/report/scoresParquet';
import { removeTempDirs } from '../fixtures/clipFixtures';
import { installedBundle } from '../helpers/installedBundle';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
/** Enough images for the score's output to be paged. */
const IMAGES = 4000;
const CLASSES = ['normal', 'effusion', 'cardiomegaly'];

after(removeTempDirs);

it('the CLI bundle writes a paged score’s per-image file in its worker, before it exits', async () => {
  const dir = installedBundle('per-image-bundle-');
  await writeSyntheticImport(dir, IMAGES, 64, CLASSES);
  const notebook = path.join(dir, 'n.lensnb');
  writeFileSync(
    notebook,
    JSON.stringify({
      cells: [
        `model: m\npath: ${JSON.stringify(path.join(ROOT, 'models', 'demo'))}`,
        'images: set\nfrom: labels.csv\nembeddings: emb',
        `descriptors: d\nclasses:\n${CLASSES.map((c) => `  ${c}: [finding ${c}]`).join('\n')}`,
        'score: s\nimages: set\nmodel: m\ndescriptors: d',
      ].map((source) => ({ cell_type: 'code', metadata: {}, source: [source], outputs: [], execution_count: null })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const out = path.join(dir, 'out');
  const cache = path.join(dir, 'cache');
  writeFileSync(path.join(dir, 'cli.js'), "require('./dist/cli.js').cliMain();\n");
  const { stderr } = await run(
    process.execPath,
    [path.join(dir, 'cli.js'), 'run', notebook, '--out', out, '--cache', cache],
    {
      cwd: dir,
    },
  );
  const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
  const score = results.cells[3].result as ScoreResult;
  assert.equal(score.perImage?.images, IMAGES, stderr);
  assert.doesNotMatch(stderr, /written on this thread|cannot store the per-image file/);
  assert.ok(existsSync(perImageFile(cache, notebook, 's', score.perImage!.run)), 'the cache holds the run’s file');
  const bytes = await fs.readFile(path.join(out, score.perImage!.file!));
  const rows = await readScoresParquet(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  assert.equal(rows.variants[0].predictions.length, IMAGES);
});
