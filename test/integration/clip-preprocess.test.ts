// Preprocessing checked against two independent implementations of CLIPImageProcessor:
// - Hugging Face's Python semantics with Pillow (test/fixtures/pil_preprocess.py): what the
//   exported models were trained and evaluated with; and
// - @huggingface/transformers' CLIPImageProcessor (transformers.js), configured from the same
//   preprocessor_config.json.
// Tolerances, in grey levels of the 0–255 input (1 grey level = 1/255/std ≈ 0.015 normalised):
// - no resize (the 224x224 Kermany images): both references agree to float rounding (1e-5);
// - enlargements: we run Pillow's own algorithm (src/clip/resample.ts), so Pillow agrees to 1e-5;
// - reductions go through libvips (sharp): same Catmull-Rom kernel, but its own tap placement and
//   an integer box pre-shrink for large factors. Measured 0.2-0.6 grey levels mean (max ~3) on the
//   finely textured images below, 0.04 on the photo-like reference image of the benchmark model:
//   limit 1.0 mean / 8 max;
// - transformers.js resizes with sharp's affine transform (corner-aligned, not antialiased, image
//   edges blended with black), unlike Python. Where no resize is needed (Kermany, and non-square
//   images whose short side is already 224: only the centre crop acts) it must agree to 1e-5.
//   Where it resizes, it differs from us by 1.7-3.5 grey levels on average on these Kermany-derived
//   images, while a wrong resize rule (squashing to 224x224) is 20-40 off: limit 5 mean.

import { CLIPImageProcessor, RawImage } from '@huggingface/transformers';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ModelError } from '../../src/clip/errors';
import {
  parsePreprocessorConfig,
  preprocessFile,
  preprocessKey,
  resizedSize,
  toPixelValues,
  type Preprocessing,
} from '../../src/clip/preprocess';
import { resampleRgb } from '../../src/clip/resample';
import {
  kermanyImages,
  maxAbsDiff,
  meanAbsDiff,
  pillowReference,
  readF32,
  removeTempDirs,
  tempDir,
  texturedImage,
} from '../fixtures/clipFixtures';

const MEAN = [0.48145466, 0.4578275, 0.40821073];
const STD = [0.26862954, 0.26130258, 0.27577711];
const GREY = 1 / 255 / Math.min(...STD); // one grey level in normalised units (largest channel)

const CLIP_CONFIG = {
  crop_size: { height: 224, width: 224 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: MEAN,
  image_std: STD,
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};
const OLD_CLIP_CONFIG = { ...CLIP_CONFIG, crop_size: 224, size: 224 };

async function transformersReference(config: object, image: string): Promise<{ dims: number[]; data: Float32Array }> {
  const processor = new CLIPImageProcessor(config);
  const { pixel_values } = await processor(await RawImage.read(image));
  return { dims: pixel_values.dims, data: pixel_values.data as Float32Array };
}

describe('CLIP preprocessing', () => {
  let dir: string;
  let clip: Preprocessing;
  const enlarge: [number, number][] = [
    [300, 200],
    [97, 211],
    [150, 100],
    [223, 224],
  ];
  const reduce: [number, number][] = [
    [640, 480],
    [384, 512],
    [1024, 700],
  ];
  const enlarged: string[] = [];
  const reduced: string[] = [];
  const kermany = kermanyImages()
    .filter((_, i) => i % 6 === 0)
    .map((k) => k.path);

  before(async () => {
    dir = tempDir('preprocess-');
    clip = parsePreprocessorConfig(CLIP_CONFIG, path.join(dir, 'preprocessor_config.json'));
    for (const [w, h] of enlarge) enlarged.push(await texturedImage(dir, w, h));
    for (const [w, h] of reduce) reduced.push(await texturedImage(dir, w, h));
  });
  after(removeTempDirs);

  it('reads both "size": 224 and {"shortest_edge": 224} as the shortest edge', () => {
    const old = parsePreprocessorConfig(OLD_CLIP_CONFIG, 'preprocessor_config.json');
    assert.deepEqual(old, clip);
    assert.deepEqual(clip.resize, { mode: 'shortest-edge', size: 224 });
    assert.deepEqual(clip.crop, { height: 224, width: 224 });
    assert.equal(clip.resample, 'bicubic');
    assert.equal(preprocessKey(old), preprocessKey(clip));
    assert.deepEqual(resizedSize(300, 200, clip), { width: 336, height: 224 });
    assert.deepEqual(resizedSize(97, 211, clip), { width: 224, height: 487 });
  });

  it('changes preprocessKey with any effective setting', () => {
    const key = preprocessKey(clip);
    const variants = [
      { ...CLIP_CONFIG, image_mean: [0.5, 0.5, 0.5] },
      { ...CLIP_CONFIG, resample: 2 },
      { ...CLIP_CONFIG, size: { shortest_edge: 256 } },
      { ...CLIP_CONFIG, do_normalize: false },
    ];
    for (const v of variants)
      assert.notEqual(preprocessKey(parsePreprocessorConfig(v, 'p.json')), key, JSON.stringify(v));
    // Defaults filled in: an empty config is CLIPImageProcessor's defaults, i.e. this same CLIP setup.
    assert.equal(preprocessKey(parsePreprocessorConfig({}, 'p.json')), key);
  });

  it('matches Pillow and transformers.js exactly on the 224x224 Kermany images', async () => {
    const pil = await pillowReference(dir, CLIP_CONFIG, kermany);
    const pilOld = await pillowReference(dir, OLD_CLIP_CONFIG, kermany);
    for (let i = 0; i < kermany.length; i++) {
      const mine = await preprocessFile(kermany[i], clip);
      assert.equal(mine.length, 3 * 224 * 224);
      assert.ok(maxAbsDiff(mine, pil[i]) < 1e-5, `${kermany[i]} vs Pillow: ${maxAbsDiff(mine, pil[i])}`);
      assert.ok(maxAbsDiff(mine, pilOld[i]) < 1e-5, `${kermany[i]} vs Pillow, "size": 224 form`);
      const tjs = await transformersReference(CLIP_CONFIG, kermany[i]);
      assert.deepEqual(tjs.dims, [1, 3, 224, 224]);
      assert.ok(maxAbsDiff(mine, tjs.data) < 1e-5, `${kermany[i]} vs transformers.js: ${maxAbsDiff(mine, tjs.data)}`);
    }
  });

  it('matches Pillow exactly when enlarging non-square images (both size forms)', async () => {
    const pil = await pillowReference(dir, CLIP_CONFIG, enlarged);
    const pilOld = await pillowReference(dir, OLD_CLIP_CONFIG, enlarged);
    for (let i = 0; i < enlarged.length; i++) {
      const mine = await preprocessFile(enlarged[i], clip);
      assert.ok(maxAbsDiff(mine, pil[i]) < 1e-5, `${enlarged[i]}: max ${maxAbsDiff(mine, pil[i])}`);
      assert.ok(maxAbsDiff(mine, pilOld[i]) < 1e-5, `${enlarged[i]}, "size": 224 form`);
    }
  });

  it('stays within a grey level of Pillow when reducing non-square images', async () => {
    const pil = await pillowReference(dir, CLIP_CONFIG, reduced);
    for (let i = 0; i < reduced.length; i++) {
      const mine = await preprocessFile(reduced[i], clip);
      const mean = meanAbsDiff(mine, pil[i]) / GREY;
      const max = maxAbsDiff(mine, pil[i]) / GREY;
      assert.ok(mean < 1 && max < 8, `${reduced[i]}: mean ${mean.toFixed(3)}, max ${max.toFixed(2)} grey levels`);
    }
  });

  it('matches transformers.js exactly on non-square images that only need the centre crop', async () => {
    for (const [w, h] of [
      [224, 301],
      [301, 224],
      [224, 225],
    ]) {
      const file = path.join(dir, `kermany-${w}x${h}.png`);
      await sharp(kermany[1]).resize(w, h, { fit: 'fill' }).png().toFile(file);
      const mine = await preprocessFile(file, clip);
      const tjs = await transformersReference(CLIP_CONFIG, file);
      assert.ok(maxAbsDiff(mine, tjs.data) < 1e-5, `${w}x${h}: ${maxAbsDiff(mine, tjs.data)}`);
    }
  });

  it('follows the same resize rule as transformers.js on resized non-square images', async () => {
    const squash = parsePreprocessorConfig({ ...CLIP_CONFIG, size: { height: 224, width: 224 } }, 'p.json');
    for (const [w, h] of [
      [97, 211],
      [150, 100],
      [640, 480],
      [1024, 700],
    ]) {
      const file = path.join(dir, `kermany-${w}x${h}.png`);
      await sharp(kermany[1]).resize(w, h, { fit: 'fill' }).png().toFile(file);
      const mine = await preprocessFile(file, clip);
      const tjs = await transformersReference(CLIP_CONFIG, file);
      assert.deepEqual(tjs.dims, [1, 3, 224, 224]);
      const mean = meanAbsDiff(mine, tjs.data) / GREY;
      assert.ok(mean < 5, `${w}x${h}: mean ${mean.toFixed(3)} grey levels from transformers.js`);
      // The test can tell rules apart: squashing instead of shortest-edge + crop is far off.
      const wrongRule = meanAbsDiff(await preprocessFile(file, squash), tjs.data) / GREY;
      assert.ok(wrongRule > 15, `${w}x${h}: a squashing resize is only ${wrongRule.toFixed(2)} grey levels off`);
    }
  });

  it('reproduces Pillow resampling bit for bit, bilinear and lanczos too', async () => {
    const { decodeImage } = await import('../../src/images/decode');
    for (const [resample, filter] of [
      [2, 'bilinear'],
      [1, 'lanczos'],
      [3, 'bicubic'],
    ] as const) {
      const config = { ...CLIP_CONFIG, resample };
      const images = [enlarged[0], reduced[1]];
      const pil = await pillowReference(dir, config, images);
      const p = parsePreprocessorConfig(config, 'p.json');
      for (let i = 0; i < images.length; i++) {
        const image = await decodeImage(images[i]);
        const target = resizedSize(image.width, image.height, p);
        const mine = toPixelValues(resampleRgb(image, target.width, target.height, filter), p);
        assert.ok(maxAbsDiff(mine, pil[i]) < 1e-5, `${filter} ${images[i]}: ${maxAbsDiff(mine, pil[i])}`);
      }
    }
  });

  it('follows the do_* flags, crop sizes and exact resizes', async () => {
    const configs = [
      { ...CLIP_CONFIG, do_normalize: false },
      { ...CLIP_CONFIG, do_rescale: false, do_normalize: false },
      { ...CLIP_CONFIG, size: { shortest_edge: 256 } },
      { ...CLIP_CONFIG, size: { shortest_edge: 160 }, crop_size: 224 }, // crop larger than image: zero padding
      {
        ...CLIP_CONFIG,
        size: { height: 224, width: 224 },
        do_center_crop: false,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
      },
    ];
    for (const config of configs) {
      const pil = await pillowReference(dir, config, [enlarged[0], kermany[0]]);
      const p = parsePreprocessorConfig(config, 'p.json');
      for (const [i, image] of [enlarged[0], kermany[0]].entries()) {
        const mine = await preprocessFile(image, p);
        assert.equal(mine.length, pil[i].length);
        const mean =
          meanAbsDiff(mine, pil[i]) /
          (config.do_normalize === false ? (config.do_rescale === false ? 1 : 1 / 255) : GREY);
        assert.ok(mean < 1, `${JSON.stringify(config)} ${image}: mean ${mean.toFixed(3)} grey levels`);
      }
    }
  });

  it('names the file and field of a bad setting', () => {
    const bad: [object, RegExp][] = [
      [{ size: 'big' }, /"size"/],
      [{ size: { longest_edge: 224 } }, /"size"/],
      [{ crop_size: -1 }, /"crop_size"/],
      [{ image_std: [0.5, 0.5] }, /"image_std"/],
      [{ image_std: [0.5, 0, 0.5] }, /"image_std"/],
      [{ resample: 4 }, /"resample"/],
      [{ do_resize: 'yes' }, /"do_resize"/],
      [{ do_center_crop: false }, /square/],
      [{ crop_size: { height: 224, width: 200 } }, /square/],
    ];
    for (const [config, field] of bad) {
      assert.throws(
        () => parsePreprocessorConfig(config as Record<string, unknown>, '/m/preprocessor_config.json'),
        (err: unknown) =>
          err instanceof ModelError &&
          err.file === '/m/preprocessor_config.json' &&
          err.message.includes('/m/preprocessor_config.json') &&
          field.test(err.message),
        JSON.stringify(config),
      );
    }
  });
});
