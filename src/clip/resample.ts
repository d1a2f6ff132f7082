// Pillow's convolution resampler (libImaging/Resample.c) for 8-bit RGB, written from its algorithm:
// separable, horizontal pass then vertical, each tap set normalised to sum 1 and applied in
// 22-bit fixed point with rounding and clamping to uint8 after each pass. Hugging Face's Python
// image processors resize through Pillow, so this reproduces their pixels exactly.
// preprocess.ts uses it for enlargements, where libvips interpolates differently (≈1 grey level
// off on average); for reductions libvips' own convolution is within 0.05 grey levels and faster.

import type { DecodedImage } from '../images/decode';

export type ConvolutionFilter = 'bilinear' | 'bicubic' | 'lanczos';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const FILTERS: Record<ConvolutionFilter, { support: number; weight: (x: number) => number }> = {
  bilinear: { support: 1, weight: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  bicubic: {
    support: 2,
    weight: (v) => {
      const a = -0.5;
      const x = Math.abs(v);
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, weight: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `size` per output pixel. */
  weights: Int32Array;
  size: number;
}

function taps(inSize: number, outSize: number, filter: ConvolutionFilter): Taps {
  const { support: baseSupport, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * size);
  const k = new Float64Array(size);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = weight((x + xmin - center + 0.5) / filterScale);
      total += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x] / total : k[x];
      // C's (int) cast truncates toward zero after the ±0.5.
      weights[xx * size + x] = Math.trunc(w < 0 ? -0.5 + w * ONE : 0.5 + w * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { first, count, weights, size };
}

function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resize 8-bit RGB to width×height with Pillow's result for the given filter. */
export function resampleRgb(
  image: DecodedImage,
  width: number,
  height: number,
  filter: ConvolutionFilter,
): DecodedImage {
  let src = image.data;
  let srcW = image.width;
  const srcH = image.height;
  if (width !== srcW) {
    const t = taps(srcW, width, filter);
    const out = Buffer.alloc(width * srcH * 3);
    for (let y = 0; y < srcH; y++) {
      const row = y * srcW * 3;
      for (let xx = 0; xx < width; xx++) {
        let r = ONE / 2;
        let g = ONE / 2;
        let b = ONE / 2;
        const base = xx * t.size;
        for (let i = 0; i < t.count[xx]; i++) {
          const w = t.weights[base + i];
          const p = row + (t.first[xx] + i) * 3;
          r += src[p] * w;
          g += src[p + 1] * w;
          b += src[p + 2] * w;
        }
        const o = (y * width + xx) * 3;
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
      }
    }
    src = out;
    srcW = width;
  }
  if (height !== srcH) {
    const t = taps(srcH, height, filter);
    const out = Buffer.alloc(width * height * 3);
    for (let yy = 0; yy < height; yy++) {
      const base = yy * t.size;
      for (let x = 0; x < width * 3; x++) {
        let sum = ONE / 2;
        for (let i = 0; i < t.count[yy]; i++) {
          sum += src[(t.first[yy] + i) * width * 3 + x] * t.weights[base + i];
        }
        out[yy * width * 3 + x] = clip8(sum);
      }
    }
    src = out;
  }
  return { data: src, width, height };
}
