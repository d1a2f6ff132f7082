import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeImage, ImageDecodeError } from '../../src/images/decode';
import { wasmBytes } from '../../src/images/dicom/codecs';
import { decodeDicom, DEFAULT_DICOM_OPTIONS, DICOM_MAX_BYTES, DicomError } from '../../src/images/dicom/index';
import { pngRendering } from '../../src/images/dicom/png';
import { loadImageSet } from '../../src/images/imageSet';
import { removeTempDirs, tempDir } from '../fixtures/clipFixtures';
import { DICOM_FIXTURES, fixture, referenceRgb, rewriteDicom, withinOneLevel } from '../helpers/dicom';
import { markIdentifyingFields, PRIVACY_NEEDLES } from '../helpers/dicomWrite';

// Every committed fixture with a committed reference rendering (the 1024² MONOCHROME1 chest CR's
// would be half a megabyte: the ../shared reference test covers it).
const FILES = readdirSync(path.join(DICOM_FIXTURES, 'reference')).map((f) => f.replace(/\.png$/, ''));

const PHOTOMETRIC = '00280004';
const PIXEL_DATA = '7FE00010';
const TRANSFER_SYNTAX = '00020010';

describe('DICOM decoding (committed fixtures)', () => {
  let dir: string;
  before(() => {
    dir = tempDir('dicom-');
  });
  after(removeTempDirs);

  it('matches the pydicom + GDCM reference within one grey level on ≥ 99.9 % of samples', async () => {
    assert.ok(FILES.length >= 17, `${FILES.length} reference renderings`);
    for (const name of FILES) {
      const ours = await decodeImage(fixture(name));
      const ref = await referenceRgb(path.join(DICOM_FIXTURES, 'reference', `${name}.png`));
      assert.deepEqual([ours.width, ours.height], [ref.width, ref.height], name);
      const share = withinOneLevel(ours.data, ref.data);
      assert.ok(share >= 0.999, `${name}: ${(share * 100).toFixed(3)} % within one level`);
      assert.ok(ours.dicom, name);
    }
  });

  it('inverts MONOCHROME1, unless a Presentation LUT Shape says IDENTITY', async () => {
    const src = fixture('pydicom__CT_small.dcm');
    const plain = await decodeImage(src);
    const mono1 = rewriteDicom(src, path.join(dir, 'mono1.dcm'), (d) => {
      d.dict[PHOTOMETRIC].Value = ['MONOCHROME1'];
    });
    const inverted = await decodeImage(mono1);
    assert.equal(inverted.dicom?.inverted, true);
    assert.ok(inverted.data.every((v, i) => v === 255 - plain.data[i]));
    const identity = rewriteDicom(src, path.join(dir, 'mono1-identity.dcm'), (d) => {
      d.dict[PHOTOMETRIC].Value = ['MONOCHROME1'];
      d.dict['20500020'] = { vr: 'CS', Value: ['IDENTITY'] };
    });
    const kept = await decodeImage(identity);
    assert.equal(kept.dicom?.inverted, false);
    assert.ok(kept.data.equals(plain.data));
    // A real MONOCHROME1 file: its dark background (stored high) shows dark after inversion.
    const cr = await decodeImage(fixture('torchxrayvision__Fake_MONOHR1.dcm'));
    assert.deepEqual([cr.dicom?.photometric, cr.dicom?.inverted], ['MONOCHROME1', true]);
  });

  it('window: {center, width} equals the same window written into the header; minmax ignores it', async () => {
    const src = fixture('pydicom__CT_small.dcm');
    const windowed = rewriteDicom(src, path.join(dir, 'windowed.dcm'), (d) => {
      d.dict['00281050'] = { vr: 'DS', Value: [40] };
      d.dict['00281051'] = { vr: 'DS', Value: [400] };
    });
    const fromHeader = await decodeImage(windowed);
    assert.equal(fromHeader.dicom?.voi, 'window');
    const fromOption = await decodeImage(src, { window: { center: 40, width: 400 }, frame: 'middle' });
    assert.ok(fromOption.data.equals(fromHeader.data));
    const minmax = await decodeImage(windowed, { window: 'minmax', frame: 'middle' });
    assert.equal(minmax.dicom?.voi, 'minmax');
    assert.ok(minmax.data.equals((await decodeImage(src)).data));
    assert.ok(!minmax.data.equals(fromHeader.data));
  });

  it('frame: first and middle pick different frames of a multi-frame file', async () => {
    const src = fixture('pydicom-data__emri_small_RLE.dcm');
    const middle = await decodeImage(src);
    const first = await decodeImage(src, { window: 'auto', frame: 'first' });
    assert.deepEqual([middle.dicom?.frames, middle.dicom?.frame, first.dicom?.frame], [10, 5, 0]);
    assert.ok(!first.data.equals(middle.data));
  });

  it('reads a .dcm data set without preamble and meta header', async () => {
    const bytes = readFileSync(fixture('pydicom__CT_small.dcm'));
    // Skip the preamble, "DICM" and the meta group (its length is the first element's value).
    const metaLength = bytes.readUInt32LE(132 + 8);
    const raw = path.join(dir, 'raw.dcm');
    writeFileSync(raw, bytes.subarray(132 + 12 + metaLength));
    const fromRaw = await decodeImage(raw);
    assert.ok(fromRaw.data.equals((await decodeImage(fixture('pydicom__CT_small.dcm'))).data));
    // Without .dcm, a file with neither preamble nor image signature is not guessed at.
    const noExt = path.join(dir, 'raw.bin');
    writeFileSync(noExt, bytes.subarray(132 + 12 + metaLength));
    await assert.rejects(decodeImage(noExt), /unsupported or unrecognised image format/);
  });

  it('skips bad files by name with a reason, and loads the rest of the set', async () => {
    const set = path.join(dir, 'set');
    for (const cls of ['a', 'b']) mkdirSync(path.join(set, cls), { recursive: true });
    copyFileSync(fixture('pydicom__CT_small.dcm'), path.join(set, 'a', 'good.dcm'));
    // DICOM is recognised by its preamble, whatever the name.
    copyFileSync(fixture('pydicom__693_J2KI.dcm'), path.join(set, 'b', 'IM0001'));
    copyFileSync(path.join(__dirname, '../../examples/data/normal/normal-000.png'), path.join(set, 'b', 'phantom.png'));
    const ct = readFileSync(fixture('pydicom__CT_small.dcm'));
    writeFileSync(path.join(set, 'a', 'truncated.dcm'), ct.subarray(0, ct.length - 5000));
    rewriteDicom(fixture('pydicom__CT_small.dcm'), path.join(set, 'a', 'report.dcm'), (d) => {
      delete d.dict[PIXEL_DATA];
    });
    rewriteDicom(fixture('pydicom__693_J2KI.dcm'), path.join(set, 'a', 'mpeg.dcm'), (d) => {
      d.meta[TRANSFER_SYNTAX].Value = ['1.2.840.10008.1.2.4.100'];
    });
    rewriteDicom(fixture('pydicom__693_J2KI.dcm'), path.join(set, 'b', 'broken.dcm'), (d) => {
      const codestream = new Uint8Array(d.dict[PIXEL_DATA].Value[0] as ArrayBuffer);
      d.dict[PIXEL_DATA].Value = [codestream.slice(0, 400).buffer];
    });
    const loaded = await loadImageSet({ name: 't', from: 'set', baseDir: dir });
    // A corrupt codestream is found only by decoding, which the listing leaves to the embedding
    // (test/integration/dicom-decode-once.test.ts shows it skipped there, by name, with this reason).
    assert.deepEqual(loaded.entries.map((e) => e.id).sort(), [
      'set/a/good.dcm',
      'set/b/IM0001',
      'set/b/broken.dcm',
      'set/b/phantom.png',
    ]);
    await assert.rejects(decodeImage(path.join(set, 'b', 'broken.dcm')), /JPEG 2000 .* codestream is corrupt/);
    const reasons = Object.fromEntries(loaded.skipped.map((s) => [s.id, s.reason]));
    assert.match(reasons['set/a/truncated.dcm'], /truncated/);
    assert.match(reasons['set/a/report.dcm'], /no pixel data/);
    assert.match(reasons['set/a/mpeg.dcm'], /1\.2\.840\.10008\.1\.2\.4\.100.*no decoder/);
    for (const [id, reason] of Object.entries(reasons)) assert.ok(reason.includes(id.split('/').pop()!), reason);
    assert.deepEqual(loaded.dicom, { files: 3, voiLut: 0, window: 2, minmax: 1, colour: 0, inverted: 0 });
  });

  it('"open image" gets a PNG of the decoded DICOM pixels, and the file itself for PNG', async () => {
    const src = rewriteDicom(
      fixture('torchxrayvision__Fake_MONOHR1.dcm'),
      path.join(dir, 'marked.dcm'),
      markIdentifyingFields,
    );
    const png = await pngRendering(src, undefined, path.join(dir, 'open'));
    assert.ok(png?.endsWith('.png'));
    const shown = await decodeImage(png!);
    assert.ok(shown.data.equals((await decodeImage(src)).data), 'the PNG holds the windowed, inverted pixels');
    const bytes = readFileSync(png!).toString('latin1');
    for (const needle of PRIVACY_NEEDLES) assert.ok(!bytes.includes(needle), `${needle} in the PNG`);
    const phantom = path.join(__dirname, '../../examples/data/normal/normal-000.png');
    assert.equal(await pngRendering(phantom, undefined, path.join(dir, 'open')), undefined);
  });

  it('refuses a file over the size limit before parsing it', async () => {
    const huge = Buffer.alloc(DICOM_MAX_BYTES + 1);
    await assert.rejects(decodeDicom(huge, false, DEFAULT_DICOM_OPTIONS), (e: Error) => {
      assert.ok(e instanceof DicomError);
      assert.match(e.message, /over the 256 MiB limit/);
      return true;
    });
  });

  it('200 failed decodes neither poison later decodes nor let the codec memory grow without bound', async () => {
    const broken = rewriteDicom(fixture('pydicom__693_J2KI.dcm'), path.join(dir, 'broken.dcm'), (d) => {
      const codestream = new Uint8Array(d.dict[PIXEL_DATA].Value[0] as ArrayBuffer);
      d.dict[PIXEL_DATA].Value = [codestream.slice(0, 400).buffer];
    });
    const bytes = readFileSync(broken);
    // On this thread, where the codec memory can be read...
    for (let i = 0; i < 200; i++) {
      await assert.rejects(decodeDicom(bytes, false, DEFAULT_DICOM_OPTIONS), (e: Error) => e instanceof DicomError);
    }
    for (const name of FILES) {
      const ref = await referenceRgb(path.join(DICOM_FIXTURES, 'reference', `${name}.png`));
      const here = await decodeDicom(readFileSync(fixture(name)), false, DEFAULT_DICOM_OPTIONS);
      assert.ok(withinOneLevel(here.data, ref.data) >= 0.999, name);
    }
    assert.ok(wasmBytes() > 0 && wasmBytes() <= 320 * 2 ** 20, `codec memory ${wasmBytes()} bytes`);
    // ...and through decodeImage, whose worker threads run the same codec code (fewer rounds:
    // each failure costs a fresh WebAssembly instance).
    for (let i = 0; i < 50; i++) {
      await assert.rejects(decodeImage(broken), (e: Error) => e instanceof ImageDecodeError);
    }
    for (const name of FILES) {
      const ref = await referenceRgb(path.join(DICOM_FIXTURES, 'reference', `${name}.png`));
      assert.ok(withinOneLevel((await decodeImage(fixture(name))).data, ref.data) >= 0.999, name);
    }
  });
});
