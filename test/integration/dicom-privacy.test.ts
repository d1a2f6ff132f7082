// No patient data out: markers written into the identifying fields of DICOM copies must appear in
// no file the headless runner writes, nor in anything it prints, including skip reasons.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeImage } from '../../src/images/decode';
import { serializeNotebook, DEFAULT_NOTEBOOK_METADATA } from '../../src/kernel/nbformat';
import { removeTempDirs, tempDir } from '../fixtures/clipFixtures';
import { DICOM_FIXTURES, rewriteDicom } from '../helpers/dicom';
import { markIdentifyingFields, PRIVACY_NEEDLES } from '../helpers/dicomWrite';
import { SHARED_DICOM } from '../helpers/dicomReference';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/symptom-lens.js');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('DICOM privacy (headless runner)', () => {
  after(removeTempDirs);

  it('no header marker reaches results.json, report.html, caches, the notebook or the console', async () => {
    const dir = tempDir('dicom-privacy-');
    const sources = readdirSync(DICOM_FIXTURES)
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => path.join(DICOM_FIXTURES, f));
    // With ../shared, its smaller files too (each transfer syntax and layout; the large ones
    // would only add decode time to a unit test).
    if (existsSync(SHARED_DICOM))
      for (const f of readdirSync(SHARED_DICOM))
        if (statSync(path.join(SHARED_DICOM, f)).size < 64 << 10) sources.push(path.join(SHARED_DICOM, f));
    for (const cls of ['a', 'b']) mkdirSync(path.join(dir, 'data', cls), { recursive: true });
    const copies: string[] = [];
    for (const [i, src] of sources.entries()) {
      const dst = path.join(dir, 'data', i % 2 ? 'b' : 'a', `${i}-${path.basename(src)}`);
      try {
        rewriteDicom(src, dst, markIdentifyingFields);
        // dcmjs does not write every file back faithfully (a deflated data set comes back
        // undeflated, an RT dose back hundreds of MB long): keep only copies that still decode.
        if (statSync(dst).size < 2 * statSync(src).size + (64 << 10)) {
          await decodeImage(dst);
          copies.push(dst);
          continue;
        }
      } catch {
        // dcmjs cannot rewrite it, or the copy does not decode: it is not used.
      }
      rmSync(dst, { force: true });
    }
    assert.ok(copies.length >= 8);
    // Marked files that must be skipped: their skip reasons are printed and saved too.
    rewriteDicom(path.join(DICOM_FIXTURES, 'pydicom__693_J2KI.dcm'), path.join(dir, 'data/a/broken.dcm'), (d) => {
      markIdentifyingFields(d);
      const codestream = new Uint8Array(d.dict['7FE00010'].Value[0] as ArrayBuffer);
      d.dict['7FE00010'].Value = [codestream.slice(0, 400).buffer];
    });
    rewriteDicom(path.join(DICOM_FIXTURES, 'pydicom__CT_small.dcm'), path.join(dir, 'data/b/report.dcm'), (d) => {
      markIdentifyingFields(d);
      delete d.dict['7FE00010'];
    });
    const explainImage = path.relative(
      dir,
      copies.find((c) => c.includes(`${path.sep}a${path.sep}`))!,
    );
    const code = (source: string) => ({
      kind: 'code' as const,
      source: source.trim(),
      language: 'yaml',
      metadata: {},
      outputs: [],
      executionCount: null,
    });
    const notebook = path.join(dir, 'privacy.lensnb');
    await fs.writeFile(
      notebook,
      serializeNotebook({
        metadata: DEFAULT_NOTEBOOK_METADATA,
        nbformatMinor: 5,
        cells: [
          code('images: scans\nfrom: data'),
          code(`model: demo\npath: ${JSON.stringify(path.join(ROOT, 'models/demo'))}`),
          code('descriptors: names\nclasses: { a: [], b: [] }'),
          code('descriptors: v1\nclasses: { a: [round opacity], b: [clear lung fields] }'),
          code('score: s\nimages: scans\nmodel: demo\ndescriptors: [names, v1]'),
          code(`explain: e\nscore: s\nvariant: v1\nimage: ${explainImage}\npatch: 64\nstride: 64`),
        ],
      }),
    );
    const out = path.join(dir, 'out');
    const cache = path.join(dir, 'cache');
    const { stdout, stderr } = await run(
      process.execPath,
      [BIN, 'run', notebook, '--out', out, '--cache', cache, '--device', 'cpu'],
      { cwd: ROOT, maxBuffer: 64 << 20 },
    );
    const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8'));
    assert.ok(
      results.cells.every((c: { ok: boolean }) => c.ok),
      JSON.stringify(results.cells.map((c: { error?: string }) => c.error)),
    );
    const images = results.cells[0].result;
    const skipped = images.skipped.map((s: { id: string }) => path.basename(s.id)).sort();
    // The images cell reads headers only: the corrupt codestream is skipped where it is decoded
    // (the score cell), by name, with its reason, and that message too is free of header values.
    assert.deepEqual(skipped, ['report.dcm'], JSON.stringify(images.skipped));
    assert.equal(images.count, copies.length + 1);
    assert.equal(images.dicom.files, copies.length + 1);
    assert.equal(results.cells[4].result.variants[0].predictions.length, copies.length);
    assert.match(stdout + stderr, /skipped data\/a\/broken\.dcm: .*codestream is corrupt/);
    const written = [...filesUnder(out), ...filesUnder(cache), notebook];
    assert.ok(written.some((f) => f.endsWith('report.html')));
    for (const file of written) {
      const text = (await fs.readFile(file)).toString('latin1');
      for (const needle of PRIVACY_NEEDLES) assert.ok(!text.includes(needle), `${needle} found in ${file}`);
    }
    for (const needle of PRIVACY_NEEDLES) {
      assert.ok(!stdout.includes(needle) && !stderr.includes(needle), `${needle} printed`);
    }
    // The markers are really in the inputs: the check above could not pass vacuously.
    const input = (await fs.readFile(copies[0])).toString('latin1');
    for (const needle of ['Zyxmarker', 'ZYXMARK', '17760704', 'ZYXACC9931']) assert.ok(input.includes(needle), needle);
  });
});
