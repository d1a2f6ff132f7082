// Occlusion maps (docs/methods.md, "Explanations"): slide a grey patch over the preprocessed image,
// re-embed every occluded copy and record how much the similarity to a target text drops. It needs
// nothing from the model but image embeddings, so it works with any exported vision tower.
//
//   const fill = greyFill(preprocessing);  // the grey patch, as model input
//   const map = await occlusionMap(pixels, size, { patch: 32, stride: 8, fill }, target, encode);
//   map.drops[r][c];    // drop when the patch at (xs[c], ys[r]) is grey
//   map.heatmap[r][c];  // per stride×stride cell: the mean drop of the patches that cover it
//   map.peak;           // the heatmap's hottest cell and its box in model-input pixels
//
// Pure apart from the `encode` callback, so tests can drive it with a fake encoder.
import type { Preprocessing } from '../clip/preprocess';
import type { PixelBox as Box } from '../protocol/results';
import { dot } from './vectors';

export interface OcclusionSettings {
  /** Side of the grey square, in model-input pixels. */
  patch: number;
  /** Step between patch positions, and the side of a heatmap cell. */
  stride: number;
  /** The patch's value per channel, as preprocessing would give the grey it stands for. */
  fill: readonly number[];
}

export interface OcclusionPeak {
  row: number;
  col: number;
  /** The cell's mean drop. */
  value: number;
  /** The cell in model-input pixels. */
  box: Box;
}

export interface OcclusionMap {
  /** cos(unoccluded image, target). */
  baseline: number;
  /** Patch left/top edges (model-input pixels): columns and rows of `drops`. */
  xs: number[];
  ys: number[];
  /** drops[r][c] = baseline − cos(image with the patch at (xs[c], ys[r]) grey, target). */
  drops: number[][];
  /**
   * heatmap[r][c]: mean over the pixels of cell (r, c) — [c·stride, (c+1)·stride) × [r·stride, …),
   * clipped to the input — of the mean drop of the patches covering each pixel. A small finding
   * lies in every patch that covers it, so it is the pixels, not the patch corners, that peak.
   */
  heatmap: number[][];
  peak: OcclusionPeak;
}

/**
 * The patch colour per channel: mid-grey (127.5 of 255 in every channel) as the preprocessing
 * turns it into model input. A grey carries no structure, and unlike black it reads neither as
 * air nor as an edge. It is not CLIP's mean pixel (0 after normalisation): that mean comes from
 * colour photographs and is faintly brown, a colour no greyscale radiograph ever shows the model.
 * It is also the grey of the patches the demo model saw in training (scripts/demo-model/train.py).
 */
export function greyFill(p: Pick<Preprocessing, 'rescaleFactor' | 'mean' | 'std'>, channels = 3): number[] {
  return Array.from(
    { length: channels },
    (_, c) => (MID_GREY * (p.rescaleFactor ?? 1) - (p.mean?.[c] ?? 0)) / (p.std?.[c] ?? 1),
  );
}

const MID_GREY = 127.5;

/** Left (or top) edges of the patches along one side: every `stride`, plus one flush with the far edge. */
export function patchStarts(size: number, patch: number, stride: number): number[] {
  checkSettings(size, patch, stride);
  const starts: number[] = [];
  for (let s = 0; s + patch <= size; s += stride) starts.push(s);
  if (starts[starts.length - 1] + patch < size) starts.push(size - patch);
  return starts;
}

/**
 * A copy of a CHW image (one plane of size² per entry of `fill`) with one square set to `fill[c]`
 * in channel c: the preprocessed value of the grey the patch stands for.
 */
export function occlude(
  pixels: Float32Array,
  size: number,
  x0: number,
  y0: number,
  patch: number,
  fill: readonly number[],
): Float32Array {
  const plane = size * size;
  if (pixels.length !== plane * fill.length) {
    throw new Error(
      `A ${fill.length}-channel ${size}×${size} image has ${plane * fill.length} values; got ${pixels.length}`,
    );
  }
  const out = new Float32Array(pixels);
  const x1 = Math.min(size, x0 + patch);
  const y1 = Math.min(size, y0 + patch);
  fill.forEach((value, c) => {
    for (let y = y0; y < y1; y++) out.fill(value, c * plane + y * size + x0, c * plane + y * size + x1);
  });
  return out;
}

export interface OcclusionOptions {
  /** Occluded copies handed to `encode` at a time (bounds memory: one copy is 3·size² floats). */
  chunkSize?: number;
}

/**
 * Encodes the image and every occluded copy, chunk by chunk, and turns the similarity drops into
 * a heatmap. `encode(batch, offset)` embeds a batch; `offset` is how many came before it (of
 * patchStarts(…).length² + 1 in all), for progress.
 */
export async function occlusionMap(
  pixels: Float32Array,
  size: number,
  settings: OcclusionSettings,
  target: ArrayLike<number>,
  encode: (batch: Float32Array[], offset: number) => Promise<ArrayLike<number>[]>,
  options: OcclusionOptions = {},
): Promise<OcclusionMap> {
  return (await occlusionMaps(pixels, size, settings, [target], encode, options))[0];
}

/**
 * One map per target from one pass of occluded copies: the copies' embeddings do not depend on
 * the target, so every class and descriptor costs only its cosines, not another encoding.
 */
export async function occlusionMaps(
  pixels: Float32Array,
  size: number,
  settings: OcclusionSettings,
  targets: readonly ArrayLike<number>[],
  encode: (batch: Float32Array[], offset: number) => Promise<ArrayLike<number>[]>,
  options: OcclusionOptions = {},
): Promise<OcclusionMap[]> {
  const xs = patchStarts(size, settings.patch, settings.stride);
  const ys = xs;
  const positions = ys.flatMap((y) => xs.map((x) => [x, y] as const));
  const total = positions.length + 1;
  const chunkSize = Math.max(1, options.chunkSize ?? 64);
  // similarities[t][k]: cosine of copy k (0 = the unoccluded image) with target t.
  const similarities: number[][] = targets.map(() => []);
  for (let start = 0; start < total; start += chunkSize) {
    const batch: Float32Array[] = [];
    for (let k = start; k < Math.min(total, start + chunkSize); k++) {
      // Index 0 is the unoccluded image: its similarity is the baseline every drop is measured from.
      batch.push(
        k === 0
          ? pixels
          : occlude(pixels, size, positions[k - 1][0], positions[k - 1][1], settings.patch, settings.fill),
      );
    }
    const embeddings = await encode(batch, start);
    if (embeddings.length !== batch.length)
      throw new Error(`The encoder returned ${embeddings.length} embeddings for ${batch.length} images`);
    for (const e of embeddings) targets.forEach((target, t) => similarities[t].push(cosine(e, target)));
  }
  return similarities.map((sims) => {
    const baseline = sims[0];
    const drops = ys.map((_, r) => xs.map((_, c) => baseline - sims[1 + r * xs.length + c]));
    const heatmap = dropsToHeatmap(drops, xs, ys, size, settings);
    return { baseline, xs, ys, drops, heatmap, peak: heatmapPeak(heatmap, size, settings.stride) };
  });
}

/** Per-pixel mean drop of the covering patches, averaged over stride×stride cells. */
export function dropsToHeatmap(
  drops: number[][],
  xs: number[],
  ys: number[],
  size: number,
  settings: Pick<OcclusionSettings, 'patch' | 'stride'>,
): number[][] {
  const { patch, stride } = settings;
  const sum = new Float64Array(size * size);
  const count = new Uint32Array(size * size);
  ys.forEach((y0, r) =>
    xs.forEach((x0, c) => {
      const d = drops[r][c];
      for (let y = y0; y < Math.min(size, y0 + patch); y++) {
        for (let x = x0; x < Math.min(size, x0 + patch); x++) {
          sum[y * size + x] += d;
          count[y * size + x]++;
        }
      }
    }),
  );
  const cells = Math.ceil(size / stride);
  const heatmap: number[][] = [];
  for (let r = 0; r < cells; r++) {
    const row: number[] = [];
    for (let c = 0; c < cells; c++) {
      let total = 0;
      let n = 0;
      for (let y = r * stride; y < Math.min(size, (r + 1) * stride); y++) {
        for (let x = c * stride; x < Math.min(size, (c + 1) * stride); x++) {
          // stride ≤ patch and a patch flush with the far edge: every pixel is covered at least once.
          total += sum[y * size + x] / count[y * size + x];
          n++;
        }
      }
      row.push(total / n);
    }
    heatmap.push(row);
  }
  return heatmap;
}

/** The hottest cell (the first in reading order on ties) and its box. */
export function heatmapPeak(heatmap: number[][], size: number, stride: number): OcclusionPeak {
  let best: OcclusionPeak | undefined;
  heatmap.forEach((row, r) =>
    row.forEach((value, c) => {
      if (!best || value > best.value) {
        best = {
          row: r,
          col: c,
          value,
          box: [c * stride, r * stride, Math.min(size, (c + 1) * stride), Math.min(size, (r + 1) * stride)],
        };
      }
    }),
  );
  if (!best) throw new Error('An empty heatmap has no peak');
  return best;
}

/**
 * How model-input pixels sit on the original image: the preprocessing scaled the original by
 * (resizedWidth / width, resizedHeight / height) and then cropped `cropLeft`, `cropTop` pixels
 * off (negative when the crop is larger than the image and pads it).
 */
export interface InputGeometry {
  width: number;
  height: number;
  resizedWidth: number;
  resizedHeight: number;
  cropLeft: number;
  cropTop: number;
}

/**
 * A model-input box in original image pixels (continuous edges). Clipped to the image unless
 * `clip` is false: the whole input's box reaches past the image where the centre crop padded it.
 */
export function inputBoxToOriginal(box: Box, g: InputGeometry, clip = true): Box {
  const sx = g.width / g.resizedWidth;
  const sy = g.height / g.resizedHeight;
  const fit = (v: number, max: number) => (clip ? Math.min(max, Math.max(0, v)) : v);
  return [
    fit((box[0] + g.cropLeft) * sx, g.width),
    fit((box[1] + g.cropTop) * sy, g.height),
    fit((box[2] + g.cropLeft) * sx, g.width),
    fit((box[3] + g.cropTop) * sy, g.height),
  ];
}

/** The L2-normalised mean of L2-normalised vectors: a class's texts as one direction. */
export function meanDirection(vectors: ArrayLike<number>[]): Float32Array {
  if (vectors.length === 0) throw new Error('No vectors to average');
  const dim = vectors[0].length;
  const sum = new Float64Array(dim);
  for (const v of vectors) {
    if (v.length !== dim) throw new Error(`Vectors differ in size (${v.length} vs ${dim})`);
    const n = norm(v);
    for (let j = 0; j < dim; j++) sum[j] += v[j] / n;
  }
  const n = norm(sum);
  return Float32Array.from(sum, (x) => x / n);
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new Error(`An image embedding has ${a.length} values but the target text ${b.length}`);
  return dot(a, b) / (norm(a) * norm(b));
}

function norm(v: ArrayLike<number>): number {
  const s = dot(v, v);
  if (!(s > 0) || !Number.isFinite(s)) throw new Error('An embedding is zero or not finite');
  return Math.sqrt(s);
}

function checkSettings(size: number, patch: number, stride: number): void {
  if (!Number.isInteger(patch) || patch < 1 || patch > size)
    throw new Error(`The patch must be a whole number from 1 to ${size}; got ${patch}`);
  if (!Number.isInteger(stride) || stride < 1 || stride > patch)
    throw new Error(`The stride must be a whole number from 1 to the patch (${patch}); got ${stride}`);
}
