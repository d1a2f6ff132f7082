import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeImage, hashFile, ImageDecodeError, thumbnailDataUri } from '../../src/images/decode';
import { kermanyImages, removeTempDirs, tempDir } from '../fixtures/clipFixtures';

describe('decodeImage', () => {
  let dir: string;
  const kermany = kermanyImages();

  before(() => {
    dir = tempDir('decode-');
  });
  after(removeTempDirs);

  it('decodes every vendored Kermany image to 224x224 8-bit RGB', async () => {
    assert.equal(kermany.length, 90);
    for (const image of kermany) {
      const { data, width, height } = await decodeImage(image.path);
      assert.equal(width, 224, image.path);
      assert.equal(height, 224, image.path);
      assert.equal(data.length, 224 * 224 * 3, image.path);
    }
    // Not a blank decode: a chest X-ray has a wide range of grey levels.
    const { data } = await decodeImage(kermany[0].path);
    let lo = 255;
    let hi = 0;
    for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    assert.ok(hi - lo > 100, `grey range ${lo}..${hi}`);
  });

  it('scales 16-bit grey PNG samples to 8 bits instead of clipping them', async () => {
    const samples = new Uint16Array([0, 256, 4096, 32768, 49152, 65535]);
    const file = path.join(dir, 'grey16.png');
    await sharp(samples, { raw: { width: samples.length, height: 1, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(file);
    assert.equal((await sharp(file).metadata()).depth, 'ushort');
    const { data, width, height } = await decodeImage(file);
    assert.deepEqual([width, height, data.length], [6, 1, 18]);
    const red = Array.from(samples, (_, i) => data[i * 3]);
    // A clipping cast would give [0, 255, 255, 255, 255, 255].
    assert.deepEqual(red, [0, 1, 16, 128, 192, 255]);
    for (let i = 0; i < samples.length; i++) {
      assert.equal(data[i * 3 + 1], data[i * 3]);
      assert.equal(data[i * 3 + 2], data[i * 3]);
    }
  });

  it('drops alpha and scales 16-bit RGBA PNG', async () => {
    const file = path.join(dir, 'rgba16.png');
    await sharp(new Uint16Array([65535, 0, 32768, 1000, 0, 65535, 0, 65535]), {
      raw: { width: 2, height: 1, channels: 4 },
    })
      .toColourspace('rgb16')
      .png()
      .toFile(file);
    const meta = await sharp(file).metadata();
    assert.deepEqual([meta.depth, meta.channels], ['ushort', 4]);
    const { data } = await decodeImage(file);
    assert.deepEqual([...data], [255, 0, 128, 0, 255, 0]);
  });

  it('expands 8-bit grey PNG and JPEG to three equal channels', async () => {
    const grey = Buffer.from(Array.from({ length: 40 * 30 }, (_, i) => i % 256));
    for (const format of ['png', 'jpeg'] as const) {
      const file = path.join(dir, `grey8.${format}`);
      await sharp(grey, { raw: { width: 40, height: 30, channels: 1 } })
        .toColourspace('b-w')
        .toFormat(format)
        .toFile(file);
      assert.equal((await sharp(file).metadata()).channels, 1);
      const { data, width, height } = await decodeImage(file);
      assert.deepEqual([width, height, data.length], [40, 30, 40 * 30 * 3]);
      for (let i = 0; i < width * height; i++) {
        assert.equal(data[i * 3 + 1], data[i * 3]);
        assert.equal(data[i * 3 + 2], data[i * 3]);
      }
    }
  });

  it('decodes large non-square images at full size', async () => {
    const file = path.join(dir, 'wide.png');
    await sharp({ create: { width: 1500, height: 700, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toFile(file);
    const { data, width, height } = await decodeImage(file);
    assert.deepEqual([width, height], [1500, 700]);
    assert.deepEqual([...data.subarray(0, 3)], [10, 200, 30]);
  });

  it('applies the EXIF orientation', async () => {
    const file = path.join(dir, 'rotated.jpeg');
    await sharp({ create: { width: 60, height: 20, channels: 3, background: 'white' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const { width, height } = await decodeImage(file);
    assert.deepEqual([width, height], [20, 60]);
  });

  describe('bad files give ImageDecodeError naming the file', () => {
    let jpegBytes: Buffer;
    before(() => {
      jpegBytes = readFileSync(kermany[0].path);
    });

    async function expectError(file: string, pattern: RegExp): Promise<void> {
      await assert.rejects(decodeImage(file), (err: unknown) => {
        assert.ok(err instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(err)}`);
        assert.equal(err.file, file);
        assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
        assert.match(err.message, pattern);
        return true;
      });
    }

    it('zero bytes', async () => {
      const file = path.join(dir, 'empty.jpeg');
      await fs.writeFile(file, Buffer.alloc(0));
      await expectError(file, /empty \(0 bytes\)/);
    });

    it('truncated JPEG (half the file, and 90 %)', async () => {
      for (const fraction of [0.5, 0.9]) {
        const file = path.join(dir, `truncated-${fraction}.jpeg`);
        await fs.writeFile(file, jpegBytes.subarray(0, Math.floor(jpegBytes.length * fraction)));
        await expectError(file, /truncated/);
      }
    });

    it('truncated PNG', async () => {
      const png = await sharp(kermany[0].path).png().toBuffer();
      const file = path.join(dir, 'truncated.png');
      await fs.writeFile(file, png.subarray(0, Math.floor(png.length * 0.6)));
      await expectError(file, /truncated|corrupt/);
    });

    it('corrupt JPEG header', async () => {
      const bytes = Buffer.from(jpegBytes);
      for (let i = 600; i < 2000; i++) bytes[i] = (bytes[i] * 7 + 13) & 255;
      const file = path.join(dir, 'corrupt-header.jpeg');
      await fs.writeFile(file, bytes);
      await expectError(file, /corrupt/);
    });

    it('corrupt JPEG scan data (decodes to garbage unless warnings fail)', async () => {
      const bytes = Buffer.from(jpegBytes);
      for (let i = 3000; i < 3400; i++) bytes[i] = (bytes[i] * 7 + 13) & 255;
      const file = path.join(dir, 'corrupt-body.jpeg');
      await fs.writeFile(file, bytes);
      await expectError(file, /corrupt|truncated/);
    });

    it('not an image', async () => {
      const file = path.join(dir, 'notes.png');
      await fs.writeFile(file, 'these are notes, not pixels');
      await expectError(file, /unsupported or unrecognised image format/);
    });

    it('missing file and folder', async () => {
      await expectError(path.join(dir, 'missing.png'), /not found/);
      await expectError(dir, /folder/);
    });

    it('a DICOM preamble with a malformed header is named as DICOM that cannot be parsed', async () => {
      const dicom = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(64)]);
      const file = path.join(dir, 'scan.dcm');
      await fs.writeFile(file, dicom);
      await expectError(file, /scan\.dcm: DICOM: the DICOM header cannot be parsed/);
      const noExtension = path.join(dir, 'IM0001');
      await fs.writeFile(noExtension, dicom);
      await expectError(noExtension, /IM0001: DICOM: the DICOM header cannot be parsed/);
    });
  });
});

describe('hashFile', () => {
  it('is the sha256 of the bytes', async () => {
    const file = kermanyImages()[3].path;
    const expected = createHash('sha256').update(readFileSync(file)).digest('hex');
    assert.equal(await hashFile(file), expected);
  });
});

describe('thumbnailDataUri', () => {
  it('makes a small JPEG whose longest side is the requested size', async () => {
    const uri = await thumbnailDataUri(kermanyImages()[0].path);
    assert.match(uri, /^data:image\/jpeg;base64,/);
    const bytes = Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
    assert.ok(bytes.length > 500 && bytes.length < 4000, `${bytes.length} bytes`);
    const meta = await sharp(bytes).metadata();
    assert.deepEqual([meta.width, meta.height], [64, 64]);

    const dir = tempDir('thumb-');
    const wide = path.join(dir, 'wide.png');
    await sharp({ create: { width: 400, height: 100, channels: 3, background: 'gray' } })
      .png()
      .toFile(wide);
    const small = Buffer.from((await thumbnailDataUri(wide, 32)).split(',')[1], 'base64');
    const wideMeta = await sharp(small).metadata();
    assert.deepEqual([wideMeta.width, wideMeta.height], [32, 8]);
    removeTempDirs();
  });

  it('fails like decodeImage on a bad file', async () => {
    const dir = tempDir('thumb-bad-');
    const file = path.join(dir, 'empty.png');
    await fs.writeFile(file, '');
    await assert.rejects(thumbnailDataUri(file), ImageDecodeError);
    removeTempDirs();
  });
});
