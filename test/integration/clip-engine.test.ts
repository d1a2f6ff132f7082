// The engine end to end on tiny ONNX models whose outputs are recomputed here by hand
// (test/fixtures/make_tiny_clip.py): batching, order, normalisation, the inputs fed to each
// graph, float16 I/O, progress and cancellation. clip-demo.test.ts runs models/demo;
// providers.test.ts the choice of execution provider.

import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import type { ClipModel } from '../../src/clip/types';
import { ImageDecodeError } from '../../src/images/decode';
import { CancelledError } from '../../src/common/errors';
import {
  dot,
  kermanyImages,
  maxAbsDiff,
  normalised,
  readF32,
  removeTempDirs,
  tempDir,
  tinyModel,
} from '../fixtures/clipFixtures';

const DIM = 8;

/** What the tiny vision graph computes: mean over H,W per channel, then x·W + b. */
function expectedImageEmbedding(pixels: Float32Array, w: Float32Array, b: Float32Array): number[] {
  const plane = pixels.length / 3;
  const pooled = [0, 1, 2].map((c) => {
    let sum = 0;
    for (let i = 0; i < plane; i++) sum += pixels[c * plane + i];
    return sum / plane;
  });
  return normalised(
    Array.from(
      { length: DIM },
      (_, d) => pooled[0] * w[d] + pooled[1] * w[DIM + d] + pooled[2] * w[2 * DIM + d] + b[d],
    ),
  );
}

/** What the tiny text graph computes: the sum of the embedding rows of the (unmasked) ids. */
function expectedTextEmbedding(ids: number[], mask: number[] | undefined, emb: Float32Array): number[] {
  const out = new Array<number>(DIM).fill(0);
  ids.forEach((id, t) => {
    if (mask && mask[t] === 0) return;
    for (let d = 0; d < DIM; d++) out[d] += emb[id * DIM + d];
  });
  return normalised(out);
}

function isUnit(v: Float32Array): boolean {
  return Math.abs(Math.sqrt(dot(v, v)) - 1) < 1e-5;
}

describe('CLIP engine on a tiny model', () => {
  let dir: string;
  let model: ClipModel;
  let weights: { w: Float32Array; b: Float32Array; emb: Float32Array };
  const images = kermanyImages()
    .filter((_, i) => i % 4 === 0)
    .slice(0, 20)
    .map((k) => ({ path: k.path }));

  before(async () => {
    dir = await tinyModel();
    weights = {
      w: readF32(path.join(dir, 'weights/vision_w.f32')),
      b: readF32(path.join(dir, 'weights/vision_b.f32')),
      emb: readF32(path.join(dir, 'weights/text_emb.f32')),
    };
    model = await loadClipModel(dir, { batchSize: 8, device: 'cpu' });
  });
  after(async () => {
    await model?.dispose();
    removeTempDirs();
  });

  it('describes itself', () => {
    assert.equal(model.dir, path.resolve(dir));
    assert.equal(model.embedDim, DIM);
    assert.equal(model.imageSize, 224);
    assert.equal(model.provider, 'cpu');
    assert.equal(model.providerReason, 'CPU requested');
    assert.match(model.fingerprint, /^[0-9a-f]{64}$/);
    assert.match(model.preprocessKey, /^[0-9a-f]{64}$/);
  });

  it('encodes images in batches, in order, as the graph computes them, L2-normalised', async () => {
    const progress: [number, number][] = [];
    const embeddings = await model.encodeImages(images, { onProgress: (done, total) => progress.push([done, total]) });
    assert.deepEqual(progress, [
      [8, 20],
      [16, 20],
      [20, 20],
    ]);
    assert.equal(embeddings.length, images.length);
    for (let i = 0; i < images.length; i++) {
      assert.ok(isUnit(embeddings[i]));
      const expected = expectedImageEmbedding(await model.preprocess(images[i]), weights.w, weights.b);
      assert.ok(maxAbsDiff(embeddings[i], expected) < 1e-5, images[i].path);
    }
    // Different images, different embeddings (order really is kept).
    assert.ok(maxAbsDiff(embeddings[0], embeddings[1]) > 1e-4);
  });

  it('gives the same embeddings from preprocessed pixels (encodePixels)', async () => {
    const pixels = await Promise.all(images.slice(0, 5).map((image) => model.preprocess(image)));
    assert.equal(pixels[0].length, 3 * 224 * 224);
    const fromPixels = await model.encodePixels(pixels);
    const fromFiles = await model.encodeImages(images.slice(0, 5));
    fromPixels.forEach((e, i) => assert.ok(maxAbsDiff(e, fromFiles[i]) < 1e-6));
    await assert.rejects(model.encodePixels([new Float32Array(10)]), /3x224x224/);
  });

  it('encodes texts with input_ids and attention_mask, padded to 77', async () => {
    const texts = ['a chest x-ray showing pneumonia', 'clear lung fields', '', 'Kerley B lines (CHF), 3 mm'];
    const embeddings = await model.encodeTexts(texts);
    texts.forEach((text, i) => {
      const { inputIds, attentionMask } = model.tokenize(text);
      assert.equal(inputIds.length, 77);
      assert.ok(isUnit(embeddings[i]));
      const expected = expectedTextEmbedding(inputIds, attentionMask, weights.emb);
      assert.ok(maxAbsDiff(embeddings[i], expected) < 1e-5, text);
    });
  });

  it('returns nothing for nothing', async () => {
    assert.deepEqual(await model.encodeImages([]), []);
    assert.deepEqual(await model.encodeTexts([]), []);
  });

  it('stops between batches when cancelled', async () => {
    const controller = new AbortController();
    let batches = 0;
    await assert.rejects(
      model.encodeImages(images, {
        signal: controller.signal,
        onProgress: () => {
          batches++;
          controller.abort();
        },
      }),
      CancelledError,
    );
    assert.equal(batches, 1);
    await assert.rejects(model.encodeTexts(['x'], { signal: controller.signal }), CancelledError);
  });

  it('reports an undecodable image by name', async () => {
    const bad = path.join(tempDir('bad-image-'), 'bad.jpeg');
    copyFileSync(path.join(dir, 'config.json'), bad);
    await assert.rejects(
      model.encodeImages([images[0], { path: bad }]),
      (err: unknown) => err instanceof ImageDecodeError && err.file === bad,
    );
  });

  it('feeds a text graph that declares only input_ids exactly that', async () => {
    const idsOnly = await loadClipModel(await tinyModel(['--no-attention-mask']), { device: 'cpu' });
    try {
      const [embedding] = await idsOnly.encodeTexts(['pleural effusion']);
      const { inputIds } = idsOnly.tokenize('pleural effusion');
      assert.ok(maxAbsDiff(embedding, expectedTextEmbedding(inputIds, undefined, weights.emb)) < 1e-5);
    } finally {
      await idsOnly.dispose();
    }
  });

  it('runs float16 graphs (variant fp16) close to float32', async () => {
    const fp16Dir = await tinyModel(['--fp16']);
    const logs: string[] = [];
    const half = await loadClipModel(fp16Dir, { device: 'cpu', variant: 'fp16', log: (m) => logs.push(m) });
    const full = await loadClipModel(fp16Dir, { device: 'cpu' });
    try {
      assert.deepEqual(logs, []);
      assert.notEqual(half.fingerprint, full.fingerprint);
      const [a, b] = [await half.encodeImages(images.slice(0, 3)), await full.encodeImages(images.slice(0, 3))];
      a.forEach((e, i) => assert.ok(dot(e, b[i]) > 0.999, `image ${i}: cos ${dot(e, b[i])}`));
      const [ta, tb] = [await half.encodeTexts(['normal heart size']), await full.encodeTexts(['normal heart size'])];
      assert.ok(dot(ta[0], tb[0]) > 0.999);
    } finally {
      await Promise.all([half.dispose(), full.dispose()]);
    }
  });

  it('falls back to fp32 graphs when the requested variant is absent, and says so', async () => {
    const logs: string[] = [];
    const quantized = await loadClipModel(dir, { device: 'cpu', variant: 'quantized', log: (m) => logs.push(m) });
    try {
      assert.equal(quantized.fingerprint, model.fingerprint);
      assert.ok(
        logs.some((m) => m.includes('onnx/vision_model_quantized.onnx not found; using onnx/vision_model.onnx')),
      );
    } finally {
      await quantized.dispose();
    }
  });

  it('fingerprints the bytes: stable for the same files, different for other weights', async () => {
    const again = await loadClipModel(dir, { device: 'cpu' });
    const otherDir = await tinyModel(['--dim', '4']);
    const other = await loadClipModel(otherDir, { device: 'cpu' });
    try {
      assert.equal(again.fingerprint, model.fingerprint);
      assert.notEqual(other.fingerprint, model.fingerprint);
      assert.equal(other.embedDim, 4);
      // Same preprocessing, same key, whatever the weights.
      assert.equal(other.preprocessKey, model.preprocessKey);
      const oldForm = await loadClipModel(await tinyModel(['--size-as-number']), { device: 'cpu' });
      assert.equal(oldForm.preprocessKey, model.preprocessKey);
      await oldForm.dispose();
    } finally {
      await Promise.all([again.dispose(), other.dispose()]);
    }
  });
});
