// Letterbox preprocessing (any model may declare it) and CheXzero's pipeline, against references
// in Python: test/fixtures/pil_preprocess.py does the letterbox with Pillow as CheXzero's
// data_process.py does, and CheXzero's float steps (normalise on 0-255, then torch's bicubic
// interpolate to 224) with python3-torch. The CheXzero settings come from the converter itself
// (scripts/convert/openai-clip.py --preprocess chexzero).
// Tolerances: enlargements run Pillow's own algorithm (src/clip/resample.ts) and the float resize
// follows PyTorch's kernel, so they agree to float rounding (1e-4). Reductions go through libvips
// (see clip-preprocess.test.ts: up to ~0.6 grey levels mean on fine texture); in CheXzero's units a
// grey level is 1/83.4 ≈ 0.012. Measured: enlargements 3e-5 grey levels mean (1e-3 max);
// reductions 0.18-0.20 mean (2 max) for CheXzero, 0.12-0.43 mean (3 max) with the CLIP resize and
// crop after the letterbox. Limits: 1e-4 absolute where exact; 0.5 / 0.6 grey levels mean, 4 max.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelError } from '../../src/clip/errors';
import {
  describePreprocessing,
  parsePreprocessorConfig,
  preprocessFile,
  preprocessKey,
} from '../../src/clip/preprocess';
import {
  kermanyImages,
  maxAbsDiff,
  meanAbsDiff,
  pillowReference,
  PYTHON,
  removeTempDirs,
  tempDir,
  texturedImage,
} from '../fixtures/clipFixtures';

const CONVERTER = path.resolve(__dirname, '../../scripts/convert/openai-clip.py');
const hasTorch = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, PIL, numpy'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

const CLIP_CONFIG = {
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
};

describe('letterbox preprocessing', () => {
  let dir: string;
  const enlarged: string[] = [];
  const reduced: string[] = [];

  before(async () => {
    dir = tempDir('letterbox-');
    for (const [w, h] of [
      [300, 200],
      [97, 211],
      [211, 211],
    ])
      enlarged.push(await texturedImage(dir, w, h, 1));
    for (const [w, h] of [
      [640, 480],
      [700, 1024],
    ])
      reduced.push(await texturedImage(dir, w, h, 1));
    enlarged.push(kermanyImages()[0].path);
  });
  after(removeTempDirs);

  it('reads the fields and refuses bad ones, naming them', () => {
    const file = 'preprocessor_config.json';
    const boxed = parsePreprocessorConfig({ ...CLIP_CONFIG, do_letterbox: true, letterbox_size: 320 }, file);
    assert.deepEqual(boxed.letterbox, { size: 320, resample: 'bicubic' });
    assert.equal(boxed.resizeOn, 'uint8');
    const plain = parsePreprocessorConfig(CLIP_CONFIG, file);
    assert.equal(plain.letterbox, null);
    assert.notEqual(preprocessKey(boxed), preprocessKey(plain));
    // Models without the new fields keep their keys (and so their cached embeddings).
    assert.equal(
      preprocessKey(parsePreprocessorConfig({ ...CLIP_CONFIG, do_letterbox: false }, file)),
      preprocessKey(plain),
    );
    const bad: [object, RegExp][] = [
      [{ do_letterbox: true }, /field "letterbox_size" must be a positive whole number/],
      [
        { do_letterbox: true, letterbox_size: 320, letterbox_resample: 9 },
        /field "letterbox_resample" 9 is not supported/,
      ],
      [{ resize_on: 'double' }, /field "resize_on" must be "uint8" or "float"/],
      [{ resize_on: 'float' }, /field "do_center_crop" must be false when "resize_on" is "float"/],
      [
        { resize_on: 'float', do_center_crop: false, size: { height: 224, width: 224 }, resample: 1 },
        /field "resample" must be 2 \(bilinear\) or 3/,
      ],
    ];
    for (const [extra, message] of bad) {
      assert.throws(
        () => parsePreprocessorConfig({ ...CLIP_CONFIG, ...extra }, file),
        (e: unknown) => e instanceof ModelError && message.test(e.message),
      );
    }
  });

  it('letterboxes any model before its own resize and crop, as Pillow does', async () => {
    const config = { ...CLIP_CONFIG, do_letterbox: true, letterbox_size: 256, letterbox_resample: 1 };
    const p = parsePreprocessorConfig(config, 'preprocessor_config.json');
    const images = [...enlarged, ...reduced];
    const expected = await pillowReference(dir, config, images);
    for (const [i, image] of images.entries()) {
      const ours = await preprocessFile(image, p);
      const grey = 1 / 255 / 0.26130258;
      // Every image here is reduced at some step (to 256, or 256 -> 224): libvips' tolerance.
      assert.ok(meanAbsDiff(ours, expected[i]) < 0.6 * grey, `${image}: mean`);
      assert.ok(maxAbsDiff(ours, expected[i]) < 4 * grey, `${image}: max`);
    }
  });

  it(
    'matches CheXzero’s pipeline (PyTorch/Pillow reference)',
    { skip: hasTorch ? false : 'needs python3-torch' },
    async () => {
      const config = JSON.parse(
        execFileSync(
          PYTHON,
          [
            '-c',
            `import importlib.util, json, sys
spec = importlib.util.spec_from_file_location('c', sys.argv[1]); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(json.dumps(m.preprocessor_config('chexzero', 224)))`,
            CONVERTER,
          ],
          { encoding: 'utf8' },
        ),
      );
      assert.deepEqual(config.image_mean, [101.48761, 101.48761, 101.48761]);
      assert.deepEqual(config.image_std, [83.43944, 83.43944, 83.43944]);
      const p = parsePreprocessorConfig(config, 'preprocessor_config.json');
      assert.equal(
        describePreprocessing(p),
        'letterbox 320 lanczos, zero-padded, resize 224×224 bicubic on float values, mean 101.48761/101.48761/101.48761 std 83.43944/83.43944/83.43944',
      );
      const images = [...enlarged, ...reduced];
      const expected = await pillowReference(dir, config, images);
      const grey = 1 / 83.43944;
      for (const [i, image] of images.entries()) {
        const ours = await preprocessFile(image, p);
        assert.equal(ours.length, 3 * 224 * 224);
        const mean = meanAbsDiff(ours, expected[i]);
        const max = maxAbsDiff(ours, expected[i]);
        const exact = i < enlarged.length;
        assert.ok(mean < (exact ? 1e-4 : 0.5 * grey), `${image}: mean ${mean}`);
        assert.ok(max < (exact ? 1e-4 : 4 * grey), `${image}: max ${max}`);
      }
      // The padding is there: a 300×200 image leaves black bands, normalised to -mean/std.
      const wide = await preprocessFile(enlarged[0], p);
      assert.ok(Math.abs(wide[0] - -101.48761 / 83.43944) < 1e-4);
      // And a centre crop (the OpenAI pipeline) would give other pixels entirely.
      const cropped = await preprocessFile(
        enlarged[0],
        parsePreprocessorConfig(
          { ...CLIP_CONFIG, do_rescale: false, image_mean: config.image_mean, image_std: config.image_std },
          'x.json',
        ),
      );
      assert.ok(meanAbsDiff(cropped, expected[0]) > 20 * grey);
    },
  );
});
