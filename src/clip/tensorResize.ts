// Resizing float CHW planes the way torch.nn.functional.interpolate does (align_corners=False,
// no antialias): what torchvision's Resize does to a float tensor, as CheXzero's pipeline resizes
// its normalised 320 px images to 224. Bicubic uses PyTorch's cubic convolution (A = -0.75), not
// Pillow's (-0.5); source positions are not clamped for bicubic and clamped at 0 for bilinear, and
// taps outside the image repeat the edge pixel, all as in PyTorch's upsample kernels.

const A = -0.75;

function cubicWeights(t: number): [number, number, number, number] {
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

interface Taps {
  index: Int32Array;
  weight: Float64Array;
  count: number;
}

function taps(inSize: number, outSize: number, mode: 'bilinear' | 'bicubic'): Taps {
  const count = mode === 'bicubic' ? 4 : 2;
  const index = new Int32Array(outSize * count);
  const weight = new Float64Array(outSize * count);
  const scale = inSize / outSize;
  const clampIndex = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    let src = (o + 0.5) * scale - 0.5;
    if (mode === 'bilinear' && src < 0) src = 0;
    const base = Math.floor(src);
    const t = src - base;
    const w = mode === 'bicubic' ? cubicWeights(t) : [1 - t, t];
    for (let k = 0; k < count; k++) {
      index[o * count + k] = clampIndex(base + k - (mode === 'bicubic' ? 1 : 0));
      weight[o * count + k] = w[k];
    }
  }
  return { index, weight, count };
}

/** Resize `channels` planes of width×height floats to outWidth×outHeight. */
export function resizePlanes(
  planes: Float32Array,
  channels: number,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  mode: 'bilinear' | 'bicubic',
): Float32Array {
  const tx = taps(width, outWidth, mode);
  const ty = taps(height, outHeight, mode);
  // Horizontal pass into a width-resized buffer, then the vertical pass.
  const rows = new Float64Array(channels * height * outWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      const source = c * width * height + y * width;
      const target = (c * height + y) * outWidth;
      for (let x = 0; x < outWidth; x++) {
        let sum = 0;
        for (let k = 0; k < tx.count; k++)
          sum += planes[source + tx.index[x * tx.count + k]] * tx.weight[x * tx.count + k];
        rows[target + x] = sum;
      }
    }
  }
  const out = new Float32Array(channels * outHeight * outWidth);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < outHeight; y++) {
      const target = (c * outHeight + y) * outWidth;
      for (let x = 0; x < outWidth; x++) {
        let sum = 0;
        for (let k = 0; k < ty.count; k++) {
          sum += rows[(c * height + ty.index[y * ty.count + k]) * outWidth + x] * ty.weight[y * ty.count + k];
        }
        out[target + x] = sum;
      }
    }
  }
  return out;
}
