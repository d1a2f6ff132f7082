// The WebAssembly codecs and the workers (DICOM decoding, the vision tower) load from beside the
// bundle, as in the VSIX: the CLI bundle decodes DICOM and scores it with only the native runtime
// modules installed (no dcmjs, dcmjs-codecs or tsx), offline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, it } from 'node:test';
import { promisify } from 'node:util';
import { removeTempDirs } from '../fixtures/clipFixtures';
import { installedBundle } from '../helpers/installedBundle';
import { fixture } from '../helpers/dicom';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

after(removeTempDirs);

it('the CLI bundle decodes DICOM and runs the vision tower with the .wasm and workers beside it, no dcmjs or tsx installed', async () => {
  const dir = installedBundle('dicom-bundle-');
  for (const [i, name] of [
    'pydicom__693_J2KI.dcm',
    'pydicom__JPGExtended.dcm',
    'pydicom__MR_small_jpeg_ls_lossless.dcm',
  ].entries()) {
    mkdirSync(path.join(dir, 'data', i % 2 ? 'b' : 'a'), { recursive: true });
    copyFileSync(fixture(name), path.join(dir, 'data', i % 2 ? 'b' : 'a', name));
  }
  const notebook = path.join(dir, 'n.lensnb');
  writeFileSync(
    notebook,
    JSON.stringify({
      cells: [
        'images: scans\nfrom: data',
        `model: demo\npath: ${JSON.stringify(path.join(ROOT, 'models', 'demo'))}`,
        'descriptors: names\nclasses: { a: [], b: [] }',
        'score: s\nimages: scans\nmodel: demo\ndescriptors: names',
      ].map((source) => ({ cell_type: 'code', metadata: {}, source: [source], outputs: [], execution_count: null })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const out = path.join(dir, 'out');
  writeFileSync(path.join(dir, 'cli.js'), "require('./dist/cli.js').cliMain();\n");
  const { stderr } = await run(
    process.execPath,
    [path.join(dir, 'cli.js'), 'run', notebook, '--out', out, '--cache', path.join(dir, 'cache')],
    {
      cwd: dir,
    },
  );
  const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
  const images = results.cells[0].result;
  assert.deepEqual(
    [images.count, images.skipped.length, images.dicom.files],
    [3, 0, 3],
    JSON.stringify(images.skipped),
  );
  assert.deepEqual(
    results.cells.map((c: { ok: boolean }) => c.ok),
    [true, true, true, true],
    stderr,
  );
  // The vision tower ran in dist/vision-worker.js: without it the model says it fell back to this thread.
  assert.doesNotMatch(stderr, /runs on this thread/);
});
