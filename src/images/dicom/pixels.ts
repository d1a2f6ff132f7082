// Stored samples -> 8-bit RGB, in the order pydicom's apply_modality_lut / apply_voi_lut and
// highdicom apply it (PS3.3 C.11): Modality LUT or rescale, then the VOI LUT, the first window or
// the min–max of the modality values, then inversion (Presentation LUT Shape, else MONOCHROME1).
// Colour images (RGB, YBR_FULL, YBR_FULL_422, palette) become RGB without VOI.

import type { DicomDecodeOptions } from '../../protocol/dataset';
import { DicomError, type Lut, type PixelModule, type Presentation } from './dataset';

type WindowOption = DicomDecodeOptions['window'];

/** How a file's grey levels were chosen: what the image set's output counts. */
export type VoiUsed = 'voi-lut' | 'window' | 'minmax' | 'colour';

export interface RenderedFrame {
  rgb: Buffer;
  voi: VoiUsed;
  inverted: boolean;
}

/** The samples of one frame as the decoder left them (little-endian, interleaved or planar). */
export interface FrameSamples {
  data: Uint8Array;
  photometric: string;
  bitsAllocated: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  /** For 1-bit data: the frame's first bit in `data`. */
  bitOffset: number;
}

/** Read one sample plane (or interleaved samples) as numbers, masked to Bits Stored and sign-extended. */
function storedValues(frame: FrameSamples, pixel: PixelModule): Int32Array | Float64Array {
  const { data, bitsAllocated } = frame;
  const count =
    bitsAllocated === 1
      ? pixel.rows * pixel.columns * pixel.samplesPerPixel
      : Math.min(pixel.rows * pixel.columns * pixel.samplesPerPixel, data.byteLength / (bitsAllocated / 8));
  const bitsStored = Math.min(pixel.bitsStored, bitsAllocated);
  if (bitsAllocated === 1) {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const bit = frame.bitOffset + i;
      out[i] = (data[bit >> 3] >> (bit & 7)) & 1;
    }
    return out;
  }
  const bytes = bitsAllocated / 8;
  const aligned = data.byteOffset % bytes === 0 ? data : data.slice();
  const raw =
    bytes === 1
      ? aligned
      : bytes === 2
        ? new Uint16Array(aligned.buffer, aligned.byteOffset, count)
        : new Uint32Array(aligned.buffer, aligned.byteOffset, count);
  if (bitsStored === 32) {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = frame.pixelRepresentation ? raw[i] | 0 : raw[i];
    return out;
  }
  const out = new Int32Array(count);
  const mask = 2 ** bitsStored - 1;
  const sign = 2 ** (bitsStored - 1);
  for (let i = 0; i < count; i++) {
    const v = raw[i] & mask;
    out[i] = frame.pixelRepresentation && v >= sign ? v - 2 * sign : v;
  }
  return out;
}

function lutLookup(lut: Lut, value: number): number {
  const index = Math.min(Math.max(Math.trunc(value) - lut.firstMapped, 0), lut.entries - 1);
  return lut.data[index];
}

/** Modality LUT Sequence, else Rescale Slope/Intercept, else identity (pydicom's apply_modality_lut). */
function modalityFunction(p: Presentation): (stored: number) => number {
  const { modalityLut, rescale } = p;
  if (modalityLut) return (v) => lutLookup(modalityLut, v);
  if (rescale) return (v) => v * rescale.slope + rescale.intercept;
  return (v) => v;
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** The grey mapping of one stored value: a pure function, so it can be tabulated over the range. */
function greyMapping(
  pixel: PixelModule,
  p: Presentation,
  option: WindowOption,
  modalityRange: () => [number, number],
): { map: (stored: number) => number; voi: VoiUsed } {
  const modality = modalityFunction(p);
  const useWindow =
    option === 'auto'
      ? p.voiLut
        ? undefined
        : p.window
      : option === 'minmax'
        ? undefined
        : { ...option, fn: 'LINEAR' };
  if (option === 'auto' && p.voiLut) {
    const lut = p.voiLut;
    const top = 2 ** lut.bits - 1;
    return { map: (v) => (lutLookup(lut, modality(v)) / top) * 255, voi: 'voi-lut' };
  }
  if (useWindow) {
    // pydicom's apply_windowing: output spans the modality output range, mapped here to 0–255.
    let { center, width } = useWindow;
    const fn = useWindow.fn;
    if (fn === 'SIGMOID') {
      if (!(width > 0)) throw new DicomError('Window Width must be above 0 for a SIGMOID VOI LUT Function');
      return { map: (v) => 255 / (1 + Math.exp((-4 * (modality(v) - center)) / width)), voi: 'window' };
    }
    if (fn === 'LINEAR') {
      if (!(width >= 1)) throw new DicomError(`Window Width ${width} is below 1; use window: minmax`);
      center -= 0.5;
      width -= 1;
    } else if (fn === 'LINEAR_EXACT') {
      if (!(width > 0)) throw new DicomError(`Window Width ${width} is not above 0; use window: minmax`);
    } else {
      throw new DicomError(`VOI LUT Function "${fn}" is not one DICOM defines (LINEAR, LINEAR_EXACT, SIGMOID)`);
    }
    const low = center - width / 2;
    const high = center + width / 2;
    return {
      map: (v) => {
        const m = modality(v);
        return m <= low ? 0 : m > high ? 255 : ((m - center) / width + 0.5) * 255;
      },
      voi: 'window',
    };
  }
  const [lo, hi] = modalityRange();
  const span = hi - lo;
  return { map: (v) => (span > 0 ? ((modality(v) - lo) / span) * 255 : 0), voi: 'minmax' };
}

function shouldInvert(pixel: PixelModule, p: Presentation): boolean {
  if (p.presentationLutShape !== undefined) return p.presentationLutShape === 'INVERSE';
  return pixel.photometric === 'MONOCHROME1';
}

function renderGrey(values: Int32Array | Float64Array, pixel: PixelModule, p: Presentation, option: WindowOption) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Tabulate the mapping over the stored range when it is small (always, for ≤16-bit data).
  const tabulate = Number.isInteger(lo) && hi - lo < 1 << 20;
  const modalityRange = (): [number, number] => {
    const modality = modalityFunction(p);
    let mlo = Infinity;
    let mhi = -Infinity;
    const visit = (v: number) => {
      const m = modality(v);
      if (m < mlo) mlo = m;
      if (m > mhi) mhi = m;
    };
    // Rescale is affine: its extremes are at the stored extremes.
    if (tabulate && !p.modalityLut) {
      visit(lo);
      visit(hi);
    } else for (let i = 0; i < values.length; i++) visit(values[i]);
    return [mlo, mhi];
  };
  const { map, voi } = greyMapping(pixel, p, option, modalityRange);
  const inverted = shouldInvert(pixel, p);
  const grey = (v: number) => {
    const g = clamp8(map(v));
    return inverted ? 255 - g : g;
  };
  const rgb = Buffer.allocUnsafe(values.length * 3);
  if (tabulate) {
    const table = new Uint8Array(hi - lo + 1);
    for (let v = lo; v <= hi; v++) table[v - lo] = grey(v);
    for (let i = 0, o = 0; i < values.length; i++, o += 3) rgb[o] = rgb[o + 1] = rgb[o + 2] = table[values[i] - lo];
  } else {
    for (let i = 0, o = 0; i < values.length; i++, o += 3) rgb[o] = rgb[o + 1] = rgb[o + 2] = grey(values[i]);
  }
  return { rgb, voi, inverted };
}

/** Interleaved sample index of pixel i, channel c. */
function sampleIndex(planar: boolean, plane: number, i: number, c: number): number {
  return planar ? c * plane + i : i * 3 + c;
}

// pydicom's _convert_YBR_FULL_to_RGB (8-bit), rounding half up.
function ybrToRgb(y: number, cb: number, cr: number, out: Buffer, o: number): void {
  cb -= 128;
  cr -= 128;
  const clip = (v: number) => Math.min(255, Math.max(0, Math.floor(v + 0.5)));
  out[o] = clip(y + 1.402 * cr);
  out[o + 1] = clip(y + ((-0.114 * 1.772) / 0.587) * cb + ((-0.299 * 1.402) / 0.587) * cr);
  out[o + 2] = clip(y + 1.772 * cb);
}

function renderColour(frame: FrameSamples, values: Int32Array | Float64Array, pixel: PixelModule): Buffer {
  const plane = pixel.rows * pixel.columns;
  const rgb = Buffer.allocUnsafe(plane * 3);
  const photometric = frame.photometric;
  const planar = frame.planarConfiguration === 1;
  if (photometric === 'YBR_FULL_422' && frame.bitsAllocated === 8 && !planar && values.length === plane * 2) {
    // Native YBR_FULL_422: Y1 Y2 Cb Cr per pair of pixels (pydicom's expand_ybr422).
    for (let i = 0; i < plane; i++) {
      const pair = (i >> 1) * 4;
      ybrToRgb(values[pair + (i & 1)], values[pair + 2], values[pair + 3], rgb, i * 3);
    }
    return rgb;
  }
  if (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') {
    if (frame.bitsAllocated !== 8)
      throw new DicomError(`${photometric} with ${frame.bitsAllocated}-bit samples is not supported`);
    for (let i = 0; i < plane; i++) {
      const at = (c: number) => values[sampleIndex(planar, plane, i, c)];
      ybrToRgb(at(0), at(1), at(2), rgb, i * 3);
    }
    return rgb;
  }
  if (!['RGB', 'YBR_ICT', 'YBR_RCT'].includes(photometric))
    throw new DicomError(
      `photometric interpretation ${photometric} is not supported (RGB, YBR_FULL, YBR_FULL_422 and PALETTE COLOR are)`,
    );
  // YBR_ICT/YBR_RCT: the JPEG 2000 decoder has already undone the component transform.
  const top = 2 ** Math.min(pixel.bitsStored, frame.bitsAllocated) - 1;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = clamp8((values[sampleIndex(planar, plane, i, c)] / top) * 255);
  return rgb;
}

function renderPalette(values: Int32Array | Float64Array, p: Presentation): Buffer {
  if (!p.palette) throw new DicomError('PALETTE COLOR without usable palette colour LUTs');
  const rgb = Buffer.allocUnsafe(values.length * 3);
  const luts = [p.palette.red, p.palette.green, p.palette.blue];
  const tops = luts.map((l) =>
    l.data instanceof Uint8Array ? 255 : l.data instanceof Uint16Array ? 65535 : 2 ** l.bits - 1,
  );
  for (let i = 0; i < values.length; i++)
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = clamp8((lutLookup(luts[c], values[i]) / tops[c]) * 255);
  return rgb;
}

/**
 * What renderFrame will do with a frame, read from the header alone (no pixel is decoded): the
 * VOI choice and inversion, and the same errors for window attributes or photometric
 * interpretations it cannot render.
 */
export function plannedRendering(
  pixel: PixelModule,
  p: Presentation,
  option: WindowOption,
): { voi: VoiUsed; inverted: boolean } {
  if (pixel.samplesPerPixel === 1) {
    if (pixel.photometric === 'PALETTE COLOR') {
      if (!p.palette) throw new DicomError('PALETTE COLOR without usable palette colour LUTs');
      return { voi: 'colour', inverted: false };
    }
    if (pixel.photometric !== 'MONOCHROME1' && pixel.photometric !== 'MONOCHROME2')
      throw new DicomError(`photometric interpretation "${pixel.photometric}" does not fit one sample per pixel`);
    // The min–max range is only read while mapping pixels, never while choosing.
    const { voi } = greyMapping(pixel, p, option, () => [0, 0]);
    return { voi, inverted: shouldInvert(pixel, p) };
  }
  return { voi: 'colour', inverted: false };
}

export function renderFrame(
  frame: FrameSamples,
  pixel: PixelModule,
  p: Presentation,
  option: WindowOption,
): RenderedFrame {
  const values = storedValues(frame, pixel);
  if (pixel.samplesPerPixel === 1) {
    if (frame.photometric === 'PALETTE COLOR') return { rgb: renderPalette(values, p), voi: 'colour', inverted: false };
    if (frame.photometric !== 'MONOCHROME1' && frame.photometric !== 'MONOCHROME2')
      throw new DicomError(`photometric interpretation "${frame.photometric}" does not fit one sample per pixel`);
    return renderGrey(values, pixel, p, option);
  }
  return { rgb: renderColour(frame, values, pixel), voi: 'colour', inverted: false };
}
