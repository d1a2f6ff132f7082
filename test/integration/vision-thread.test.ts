// The vision tower runs in a worker thread: its embeddings equal those of a session on this
// thread, the caller's event loop keeps turning during a batch, an interrupt rejects the batch at
// once while the worker finishes it, and the next run reuses the loaded session.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { CancelledError } from '../../src/common/errors';
import { loadClipModel } from '../../src/clip/model';
import type { ClipModel } from '../../src/clip/types';
import { kermanyImages, removeTempDirs, tempDir } from '../fixtures/clipFixtures';
import { canBuildSlowModel, slowModel } from '../helpers/slowModel';

const DEMO = path.resolve(__dirname, '../../models/demo');

after(removeTempDirs);

test('embeddings from the worker equal the ones computed on this thread, bit for bit', async () => {
  const images = kermanyImages()
    .slice(0, 20)
    .map((i) => ({ path: i.path }));
  const embed = async (visionThread: 'worker' | 'inline') => {
    const model = await loadClipModel(DEMO, { batchSize: 8, visionThread });
    try {
      return {
        images: await model.encodeImages(images),
        pixels: await model.encodePixels([await model.preprocess(images[3])]),
      };
    } finally {
      await model.dispose();
    }
  };
  const inWorker = await embed('worker');
  const inline = await embed('inline');
  assert.equal(inWorker.images.length, 20);
  assert.deepEqual(inWorker, inline);
});

const slow = canBuildSlowModel() ? undefined : "Debian's python3-onnx is not installed";

test(
  'a batch in the worker leaves the event loop free; an interrupt rejects at once and the session stays loaded',
  { skip: slow },
  async () => {
    const model: ClipModel = await loadClipModel(slowModel(tempDir('slow-vision-'), 30), { batchSize: 16 });
    try {
      const pixels = Array.from({ length: 16 }, (_, i) => new Float32Array(3 * 128 * 128).fill(i / 10 - 0.7));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      const started = Date.now();
      const first = await model.encodePixels(pixels);
      const batchMs = Date.now() - started;
      clearInterval(timer);
      // On this thread the loop could not turn until the batch ended (0 ticks).
      assert.ok(ticks >= batchMs / 50, `${ticks} ticks of 10 ms during a ${batchMs} ms batch`);

      const controller = new AbortController();
      const running = model.encodePixels(pixels, { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 50));
      const clicked = Date.now();
      controller.abort();
      await assert.rejects(running, CancelledError);
      const stopMs = Date.now() - clicked;
      assert.ok(stopMs < batchMs / 2, `the interrupt took ${stopMs} ms; a batch takes ${batchMs} ms`);

      // The same session, not a reload: the next run waits behind the dropped batch and gives the same rows.
      assert.deepEqual(await model.encodePixels(pixels), first);
    } finally {
      await model.dispose();
    }
  },
);
