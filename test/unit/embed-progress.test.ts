// The embedding progress line: done/total over the whole image set (the total never changes,
// cache hits count as done at once), then the rate of the images really encoded and the time left.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadClipModel } from '../../src/clip/model';
import { embedImages } from '../../src/kernel/steps/embed';
import type { StepContext } from '../../src/kernel/steps/step';
import { kermanyImages, removeTempDirs, tempDir } from '../fixtures/clipFixtures';

after(removeTempDirs);

test('embedding progress shows done/total of the whole set, images per second and the time left', async () => {
  const model = await loadClipModel(path.resolve(__dirname, '../../models/demo'), { device: 'cpu', batchSize: 4 });
  try {
    const images = kermanyImages()
      .slice(0, 24)
      .map((i) => ({ path: i.path, contentHash: path.basename(i.path) }));
    const lines: { message: string; fraction?: number }[] = [];
    const ctx = {
      cacheDir: tempDir('embed-progress-'),
      signal: new AbortController().signal,
      log: () => {},
      progress: (message: string, fraction?: number) => lines.push({ message, fraction }),
    } as unknown as StepContext;
    // 8 of the 24 are in the cache already.
    await embedImages(ctx, model, images.slice(0, 8));
    lines.length = 0;
    const { encoded } = await embedImages(ctx, model, images);
    assert.equal(encoded, 16);
    assert.deepEqual(lines[0], { message: 'Embedding 24 images', fraction: 0 });
    const batches = lines.slice(1).map(({ message, fraction }) => {
      const m = /^Embedding images (\d+)\/(\d+) · ([\d.]+) images\/s · (about \d+ s left|done)$/.exec(message);
      assert.ok(m, `not a done/total · rate · time-left line: "${message}"`);
      assert.equal(fraction, Number(m[1]) / 24);
      return { done: Number(m[1]), total: Number(m[2]), rate: Number(m[3]), left: m[4] };
    });
    // One line per batch of 4 after the 8 cached ones; the total stays 24.
    assert.deepEqual(
      batches.map((b) => [b.done, b.total]),
      [12, 16, 20, 24].map((done) => [done, 24]),
    );
    assert.ok(batches.every((b) => b.rate > 0));
    assert.equal(batches.at(-1)!.left, 'done');
    assert.ok(batches.slice(0, -1).every((b) => b.left !== 'done'));
  } finally {
    await model.dispose();
  }
});
