// Occlusion maps on tiny synthetic tensors, with fake encoders whose answers can be checked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dropsToHeatmap,
  greyFill,
  heatmapPeak,
  inputBoxToOriginal,
  meanDirection,
  occlude,
  occlusionMap,
  occlusionMaps,
  patchStarts,
} from '../../src/scoring/occlusion';
import type { PixelBox as Box } from '../../src/protocol/results';

const SIZE = 16;
/** The fake encoders read channel 0, where 0 is darker than every pixel of the test images. */
const GREY = [0, 0, 0];
const PLANE = SIZE * SIZE;

/** A 3×16×16 CHW image that is 1 inside `box` and 0.1 elsewhere, in every channel. */
function imageWith(box: Box): Float32Array {
  const px = new Float32Array(3 * PLANE).fill(0.1);
  for (let c = 0; c < 3; c++) {
    for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) px[c * PLANE + y * SIZE + x] = 1;
  }
  return px;
}

/**
 * A fake encoder that sees only the mean of `region` (channel 0): embedding (m, 1). Against the
 * target (1, 0), cos = m / √(m² + 1), so greying part of the region lowers the similarity and
 * greying anything else changes nothing.
 */
function regionEncoder(region: Box) {
  const calls: [number, number][] = [];
  const encode = async (batch: Float32Array[], offset: number) => {
    calls.push([offset, batch.length]);
    return batch.map((px) => {
      let m = 0;
      for (let y = region[1]; y < region[3]; y++) for (let x = region[0]; x < region[2]; x++) m += px[y * SIZE + x];
      m /= (region[2] - region[0]) * (region[3] - region[1]);
      return new Float32Array([m, 1]);
    });
  };
  return { encode, calls };
}

test('patchStarts: every stride, plus one patch flush with the far edge', () => {
  assert.deepEqual(patchStarts(16, 4, 2), [0, 2, 4, 6, 8, 10, 12]);
  assert.deepEqual(patchStarts(16, 5, 4), [0, 4, 8, 11]);
  assert.deepEqual(patchStarts(16, 16, 4), [0]);
  assert.throws(() => patchStarts(16, 17, 4), /patch must be a whole number from 1 to 16/);
  assert.throws(() => patchStarts(16, 4, 5), /stride must be a whole number from 1 to the patch/);
  assert.throws(() => patchStarts(16, 4, 0), /stride/);
});

test('occlude sets one square to the fill of each channel and leaves the original alone', () => {
  const px = imageWith([0, 0, 16, 16]);
  const out = occlude(px, SIZE, 3, 5, 4, [0, -1, 2]);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inside = x >= 3 && x < 7 && y >= 5 && y < 9;
        assert.equal(out[c * PLANE + y * SIZE + x], inside ? [0, -1, 2][c] : 1, `c${c} (${x},${y})`);
      }
    }
  }
  assert.ok(px.every((v) => v === 1));
  assert.throws(
    () => occlude(new Float32Array(10), SIZE, 0, 0, 4, GREY),
    /3-channel 16×16 image has 768 values; got 10/,
  );
});

test('the peak lands on the region the encoder looks at', async () => {
  const region: Box = [10, 4, 14, 8];
  const { encode, calls } = regionEncoder(region);
  const map = await occlusionMap(imageWith(region), SIZE, { patch: 4, stride: 2, fill: GREY }, [1, 0], encode, {
    chunkSize: 10,
  });
  // 7 × 7 patch positions + the unoccluded image, in chunks of 10, each with its offset.
  assert.deepEqual(calls, [
    [0, 10],
    [10, 10],
    [20, 10],
    [30, 10],
    [40, 10],
  ]);
  assert.deepEqual(map.xs, [0, 2, 4, 6, 8, 10, 12]);
  assert.equal(map.drops.length, 7);
  // Baseline: m = 1, cos = 1/√2. The patch at (10, 4) greys the whole region: m = 0, cos = 0.
  assert.ok(Math.abs(map.baseline - Math.SQRT1_2) < 1e-6);
  assert.ok(Math.abs(map.drops[2][5] - Math.SQRT1_2) < 1e-6);
  // A patch half over the region: m = 0.5, drop = 1/√2 − 0.5/√1.25.
  assert.ok(Math.abs(map.drops[2][4] - (Math.SQRT1_2 - 0.5 / Math.sqrt(1.25))) < 1e-6);
  // Patches that miss the region change nothing.
  assert.equal(map.drops[0][0], 0);
  assert.equal(map.drops[6][0], 0);
  // Heatmap cells are stride-sized: 8 × 8; the peak cell lies inside the region.
  assert.equal(map.heatmap.length, 8);
  assert.equal(map.heatmap[0].length, 8);
  const [x0, y0, x1, y1] = map.peak.box;
  assert.equal(x1 - x0, 2);
  assert.ok(x0 >= region[0] && x1 <= region[2] && y0 >= region[1] && y1 <= region[3], `peak ${map.peak.box}`);
  assert.equal(map.heatmap[0][0], 0);
});

test('one pass of occluded copies maps every target: each map is that target alone, by hand', async () => {
  const region: Box = [10, 4, 14, 8];
  const { encode, calls } = regionEncoder(region);
  const settings = { patch: 4, stride: 2, fill: GREY };
  const [a, b] = await occlusionMaps(
    imageWith(region),
    SIZE,
    settings,
    [
      [1, 0],
      [0, 1],
    ],
    encode,
    { chunkSize: 10 },
  );
  // The 49 copies + the image are encoded once for both targets.
  assert.equal(
    calls.reduce((n, [, k]) => n + k, 0),
    50,
  );
  const alone = await occlusionMap(imageWith(region), SIZE, settings, [1, 0], regionEncoder(region).encode);
  assert.deepEqual(a, alone);
  // Against (0, 1): cos = 1/√(m² + 1). The image (m = 1): 1/√2; the region all grey (m = 0): 1,
  // so the drop is 1/√2 − 1 (negative: greying raises this similarity); a half-greyed region
  // (m = 0.5): 1/√2 − 1/√1.25. Patches off the region: no change.
  assert.ok(Math.abs(b.baseline - Math.SQRT1_2) < 1e-6);
  assert.ok(Math.abs(b.drops[2][5] - (Math.SQRT1_2 - 1)) < 1e-6);
  assert.ok(Math.abs(b.drops[2][4] - (Math.SQRT1_2 - 1 / Math.sqrt(1.25))) < 1e-6);
  assert.equal(b.drops[0][0], 0);
  // Its heatmap peaks off the region, where nothing drops (the first such cell, in reading order).
  assert.deepEqual([b.peak.row, b.peak.col, b.peak.value], [0, 0, 0]);
});

test('a spot smaller than the patch: the heatmap peaks on the spot, not on a patch corner', async () => {
  // Every 4-px patch that covers the 2-px spot greys it; which one drops most is a tie, so the best
  // patch alone could sit anywhere around it. A pixel's mean over its covering patches is highest
  // on the spot itself: only there are most covering patches ones that grey the whole spot.
  const spot: Box = [7, 8, 9, 10];
  const { encode } = regionEncoder(spot);
  const map = await occlusionMap(imageWith(spot), SIZE, { patch: 4, stride: 1, fill: GREY }, [1, 0], encode);
  assert.equal(map.heatmap.length, 16);
  const [x0, y0, x1, y1] = map.peak.box;
  assert.deepEqual([x1 - x0, y1 - y0], [1, 1]);
  assert.ok(x0 >= spot[0] && x1 <= spot[2] && y0 >= spot[1] && y1 <= spot[3], `peak ${map.peak.box}`);
  // Pixel (7, 8): covering patches start at x 4–7, y 5–8; those at x 5–7 and y 6–8 grey the whole
  // spot (drop 1/√2), x 4 or y 5 only half of it (m = 0.5), both only a quarter (m = 0.75).
  const whole = Math.SQRT1_2;
  const half = Math.SQRT1_2 - 0.5 / Math.sqrt(1.25);
  const quarter = Math.SQRT1_2 - 0.75 / Math.sqrt(1.5625);
  assert.ok(Math.abs(map.peak.value - (9 * whole + 6 * half + quarter) / 16) < 1e-6);
});

test('dropsToHeatmap averages the patches covering each pixel, then each cell', () => {
  // size 4, patch 2, stride 2: four disjoint patches, so each cell is one patch's drop.
  const heat = dropsToHeatmap(
    [
      [1, 2],
      [3, 4],
    ],
    [0, 2],
    [0, 2],
    4,
    { patch: 2, stride: 2 },
  );
  assert.deepEqual(heat, [
    [1, 2],
    [3, 4],
  ]);
  // size 3, patch 2, stride 1: pixel (0,0) sees only patch (0,0); the centre sees all four.
  const overlap = dropsToHeatmap(
    [
      [4, 0],
      [0, 0],
    ],
    [0, 1],
    [0, 1],
    3,
    { patch: 2, stride: 1 },
  );
  assert.deepEqual(overlap, [
    [4, 2, 0],
    [2, 1, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(heatmapPeak(overlap, 3, 1), { row: 0, col: 0, value: 4, box: [0, 0, 1, 1] });
});

test('inputBoxToOriginal undoes shortest-edge resize and centre crop', () => {
  // A 224×112 image resized to 448×224 (shortest edge 224) and centre-cropped to 224: the crop
  // starts 112 px in; an input pixel is half an original pixel.
  const g = { width: 224, height: 112, resizedWidth: 448, resizedHeight: 224, cropLeft: 112, cropTop: 0 };
  assert.deepEqual(inputBoxToOriginal([0, 0, 224, 224], g), [56, 0, 168, 112]);
  assert.deepEqual(inputBoxToOriginal([32, 64, 64, 96], g), [72, 32, 88, 48]);
  // A crop larger than the image pads it: boxes are clipped to the image.
  const padded = { width: 100, height: 100, resizedWidth: 100, resizedHeight: 100, cropLeft: -14, cropTop: -14 };
  assert.deepEqual(inputBoxToOriginal([0, 0, 20, 20], padded), [0, 0, 6, 6]);
  assert.deepEqual(inputBoxToOriginal([0, 0, 128, 128], padded, false), [-14, -14, 114, 114]);
});

test('greyFill: mid-grey through rescale and normalisation, per channel', () => {
  const clip = greyFill({
    rescaleFactor: 1 / 255,
    mean: [0.48145466, 0.4578275, 0.40821073],
    std: [0.26862954, 0.26130258, 0.27577711],
  });
  const expected = [(0.5 - 0.48145466) / 0.26862954, (0.5 - 0.4578275) / 0.26130258, (0.5 - 0.40821073) / 0.27577711];
  clip.forEach((v, c) => assert.ok(Math.abs(v - expected[c]) < 1e-9, `channel ${c}: ${v}`));
  // No rescale and no normalisation: the raw 0–255 grey.
  assert.deepEqual(greyFill({ rescaleFactor: null, mean: null, std: null }), [127.5, 127.5, 127.5]);
});

test('meanDirection normalises each vector, then the mean', () => {
  const d = meanDirection([
    [10, 0],
    [0, 0.5],
  ]);
  assert.ok(Math.abs(d[0] - Math.SQRT1_2) < 1e-6 && Math.abs(d[1] - Math.SQRT1_2) < 1e-6);
  assert.throws(() => meanDirection([]), /No vectors/);
  assert.throws(() => meanDirection([[1, 0], [1]]), /differ in size/);
});

test('a mismatched encoder is an error, not a wrong map', async () => {
  await assert.rejects(
    occlusionMap(imageWith([0, 0, 4, 4]), SIZE, { patch: 8, stride: 8, fill: GREY }, [1, 0], async (b) =>
      b.slice(1).map(() => [1, 0]),
    ),
    /returned \d+ embeddings for \d+ images/,
  );
  await assert.rejects(
    occlusionMap(imageWith([0, 0, 4, 4]), SIZE, { patch: 8, stride: 8, fill: GREY }, [1, 0, 0], async (b) =>
      b.map(() => [1, 0]),
    ),
    /has 2 values but the target text 3/,
  );
});
