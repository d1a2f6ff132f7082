// The engine end to end on the committed demo model (models/demo) and real Kermany images.
// Its weights are the project's own, so the checks are the engine's: layout, tokenization,
// normalisation, batch-size invariance, pixels vs files, cancellation, fingerprint.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import type { ClipModel } from '../../src/clip/types';
import { CancelledError } from '../../src/common/errors';
import { dot, kermanyImages } from '../fixtures/clipFixtures';

const DEMO = path.resolve(__dirname, '../../models/demo');
const present =
  existsSync(path.join(DEMO, 'onnx/vision_model.onnx')) && existsSync(path.join(DEMO, 'onnx/text_model.onnx'));

function cosines(a: Float32Array[], b: Float32Array[]): number[] {
  return a.map((v, i) => dot(v, b[i]));
}

describe('CLIP engine on models/demo', { skip: present ? false : 'models/demo has no ONNX graphs yet' }, () => {
  let model: ClipModel;
  const images = kermanyImages()
    .filter((_, i) => i % 8 === 0)
    .map((k) => ({ path: k.path }));

  before(async () => {
    model = await loadClipModel(DEMO, { device: 'cpu', batchSize: 4 });
  });
  after(async () => {
    await model?.dispose();
  });

  it('loads with the layout it declares', () => {
    const preprocessor = JSON.parse(readFileSync(path.join(DEMO, 'preprocessor_config.json'), 'utf8'));
    const crop = preprocessor.crop_size;
    assert.equal(model.imageSize, typeof crop === 'number' ? crop : (crop?.height ?? model.imageSize));
    assert.ok(model.embedDim > 0);
    assert.equal(model.provider, 'cpu');
    assert.match(model.fingerprint, /^[0-9a-f]{64}$/);
  });

  it('tokenizes with BOS/EOS, padded to the context length', () => {
    const config = JSON.parse(readFileSync(path.join(DEMO, 'config.json'), 'utf8'));
    const { inputIds, attentionMask } = model.tokenize('patchy consolidation in the right lower lobe');
    const expectedLength = config.text_config?.max_position_embeddings;
    if (expectedLength) assert.equal(inputIds.length, expectedLength);
    const length = attentionMask.reduce((a, b) => a + b, 0);
    assert.ok(length >= 3 && length < inputIds.length);
    assert.notEqual(inputIds[0], inputIds[length - 1]);
  });

  it('encodes Kermany images to unit vectors, independent of the batch size', async () => {
    const progress: number[] = [];
    const batched = await model.encodeImages(images, { onProgress: (done) => progress.push(done) });
    assert.equal(batched.length, images.length);
    assert.deepEqual(progress, [4, 8, 12]);
    for (const e of batched) {
      assert.equal(e.length, model.embedDim);
      assert.ok(Math.abs(Math.sqrt(dot(e, e)) - 1) < 1e-5);
      assert.ok(e.every(Number.isFinite));
    }
    const single = [];
    for (const image of images.slice(0, 5)) single.push(...(await model.encodeImages([image])));
    for (const cos of cosines(single, batched)) assert.ok(cos > 0.99999, `batch 1 vs 4: cos ${cos}`);
    // Different radiographs are different inputs.
    assert.ok(dot(batched[0], batched[1]) < 0.999999);
  });

  it('gives the same embeddings from preprocessed pixels', async () => {
    const pixels = await Promise.all(images.slice(0, 4).map((image) => model.preprocess(image)));
    assert.equal(pixels[0].length, 3 * model.imageSize * model.imageSize);
    const fromPixels = await model.encodePixels(pixels);
    const fromFiles = await model.encodeImages(images.slice(0, 4));
    for (const cos of cosines(fromPixels, fromFiles)) assert.ok(cos > 0.999999);
  });

  it('encodes texts to unit vectors, independent of the batch', async () => {
    const texts = [
      'clear lung fields',
      'patchy consolidation',
      'air bronchograms',
      'normal heart size',
      'pleural effusion',
    ];
    const together = await model.encodeTexts(texts);
    const alone = [];
    for (const text of texts) alone.push(...(await model.encodeTexts([text])));
    for (const cos of cosines(alone, together)) assert.ok(cos > 0.99999);
    for (const e of together) assert.ok(Math.abs(Math.sqrt(dot(e, e)) - 1) < 1e-5);
    assert.ok(dot(together[0], together[1]) < 0.9999, 'different descriptors, different embeddings');
  });

  it('stops after the batch in flight when cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(
      model.encodeImages(images, {
        signal: controller.signal,
        onProgress: () => {
          calls++;
          controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(calls, 1);
  });

  it('fingerprints the same folder the same way', async () => {
    const again = await loadClipModel(DEMO, { device: 'cpu' });
    try {
      assert.equal(again.fingerprint, model.fingerprint);
      assert.equal(again.preprocessKey, model.preprocessKey);
    } finally {
      await again.dispose();
    }
  });
});
