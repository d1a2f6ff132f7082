// Honest progress: the line's writes never queue up, and it shows done/total, rate and time left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestWins } from '../../src/common/coalesce';
import { ProgressMeter } from '../../src/kernel/progress';

test('progress writes coalesce: one in flight, the newest value wins, close waits for one write only', async () => {
  const written: number[] = [];
  let inFlight = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const writer = new LatestWins<number>(async (v) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((r) => release.push(r));
    written.push(v);
    inFlight--;
  });
  for (let i = 1; i <= 100; i++) writer.push(i);
  // The first value went out at once; 2..99 were overtaken while it was in flight.
  await new Promise((r) => setImmediate(r));
  release.shift()!();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(written, [1]);
  release.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(written, [1, 100]);
  assert.equal(most, 1, 'never more than one write in flight');
  writer.push(101);
  writer.push(102);
  const closed = writer.close();
  await new Promise((r) => setImmediate(r));
  release.shift()?.();
  await closed;
  assert.deepEqual(written, [1, 100, 101], 'close waits for the write in flight and drops what waits');
});

test('the meter shows done/total of a fixed total, the rate of real work and the time left', () => {
  let now = 0;
  const meter = new ProgressMeter('Embedding images', 624, 'images', 24, () => now);
  assert.equal(meter.line(24), 'Embedding images 24/624');
  now = 10_000;
  // 100 images encoded in 10 s: 10 images/s; 500 left.
  assert.equal(meter.line(124), 'Embedding images 124/624 · 10 images/s · about 50 s left');
  assert.equal(meter.fraction(124), 124 / 624);
  now = 60_000;
  assert.equal(meter.line(624), 'Embedding images 624/624 · 10 images/s · done');
});
