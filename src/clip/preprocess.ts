// Image -> CHW float32 pixel_values exactly as the folder's preprocessor_config.json says, with
// Hugging Face's Python CLIPImageProcessor semantics (the processor the exports were made with):
// RGB -> shortest-edge resize on uint8 -> centre crop -> rescale -> normalise -> channels first.

import { createHash } from 'node:crypto';
import path from 'node:path';
import sharp, { type KernelEnum } from 'sharp';
import { decodeImage, type DecodedImage } from '../images/decode';
import type { DicomDecodeOptions } from '../protocol/dataset';
import { ModelError } from './errors';
import { resampleRgb } from './resample';
import { resizePlanes } from './tensorResize';
import type { JsonObject } from './modelFolder';

export type Resample = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos';

/** The effective preprocessing, every default filled in: what preprocessKey hashes. */
export interface Preprocessing {
  /** `shortest-edge`: scale so the short side is `size` (aspect kept); `exact`: squash to height×width. */
  resize: { mode: 'shortest-edge'; size: number } | { mode: 'exact'; height: number; width: number } | null;
  resample: Resample;
  crop: { height: number; width: number } | null;
  /** null = do_rescale false (pixels stay 0–255). */
  rescaleFactor: number | null;
  /** null = do_normalize false. */
  mean: [number, number, number] | null;
  std: [number, number, number] | null;
  /**
   * do_letterbox: first scale the longer side to `size` (sizes truncated, as CheXzero's code does)
   * and paste the result centred on a black size×size square. Any model folder may declare it.
   */
  letterbox: { size: number; resample: Resample } | null;
  /**
   * resize_on: 'uint8' resizes 8-bit pixels with Pillow's filters (Hugging Face's processors);
   * 'float' rescales and normalises first and resizes the float values as torch's interpolate does
   * (torchvision's Resize on a tensor, CheXzero's 320 -> 224 step).
   */
  resizeOn: 'uint8' | 'float';
}

// CLIPImageProcessor's defaults, for keys a config leaves out.
const OPENAI_CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const DEFAULT_SIZE = 224;

// PIL's resampling codes, which preprocessor_config.json's `resample` uses.
const PIL_RESAMPLE: Record<number, Resample | undefined> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic' };

// Reductions go through libvips: its kernels widen with the scale factor like Pillow's (antialiased)
// and 'cubic' is Catmull-Rom, Pillow's BICUBIC (a = -0.5). Any enlargement uses ./resample (Pillow's
// own algorithm), since libvips enlarges by interpolation with a different edge and centre convention.
const SHARP_KERNEL: Record<Resample, keyof KernelEnum> = {
  nearest: 'nearest',
  bilinear: 'linear',
  bicubic: 'cubic',
  lanczos: 'lanczos3',
};

/** Bumped when decoding/resizing code changes what pixels an image gives: part of preprocessKey. */
const PIPELINE_VERSION = 1;

export function parsePreprocessorConfig(json: JsonObject, file: string): Preprocessing {
  const name = path.basename(file);
  const fail = (field: string, what: string): never => {
    throw new ModelError(`${file}: field "${field}" ${what}`, file);
  };
  const flag = (field: string, fallback: boolean): boolean => {
    const value = json[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') fail(field, `must be true or false (found ${JSON.stringify(value)}).`);
    return value as boolean;
  };
  const dimension = (field: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      fail(field, `must be a positive whole number (found ${JSON.stringify(value)}).`);
    }
    return value as number;
  };
  const triple = (field: string, fallback: [number, number, number]): [number, number, number] => {
    const value = json[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'number') return [value, value, value];
    if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number')) {
      return value as [number, number, number];
    }
    return fail(
      field,
      `must be a number or a list of 3 numbers, one per RGB channel (found ${JSON.stringify(value)}).`,
    );
  };

  let resize: Preprocessing['resize'] = null;
  if (flag('do_resize', true)) {
    const size = json.size ?? DEFAULT_SIZE;
    if (typeof size === 'number') {
      // Older files write "size": 224; Hugging Face's Python code reads it as the shortest edge.
      resize = { mode: 'shortest-edge', size: dimension('size', size) };
    } else if (size !== null && typeof size === 'object' && 'shortest_edge' in size) {
      resize = { mode: 'shortest-edge', size: dimension('size.shortest_edge', (size as JsonObject).shortest_edge) };
    } else if (size !== null && typeof size === 'object' && 'height' in size && 'width' in size) {
      resize = {
        mode: 'exact',
        height: dimension('size.height', (size as JsonObject).height),
        width: dimension('size.width', (size as JsonObject).width),
      };
    } else {
      fail(
        'size',
        `must be a number, {"shortest_edge": N} or {"height": H, "width": W} (found ${JSON.stringify(size)}).`,
      );
    }
  }

  const resampleField = (field: string, fallback: unknown): Resample => {
    const value = json[field] ?? fallback;
    const found =
      typeof value === 'number'
        ? PIL_RESAMPLE[value]
        : (['nearest', 'bilinear', 'bicubic', 'lanczos'] as const).find((r) => r === value);
    if (found === undefined) {
      fail(
        field,
        `${JSON.stringify(value)} is not supported; use 0 (nearest), 1 (lanczos), 2 (bilinear) or 3 (bicubic).`,
      );
    }
    return found as Resample;
  };
  const resample = resampleField('resample', 3);

  let letterbox: Preprocessing['letterbox'] = null;
  if (flag('do_letterbox', false)) {
    letterbox = {
      size: dimension('letterbox_size', json.letterbox_size),
      resample: resampleField('letterbox_resample', resample),
    };
  }
  const resizeOn = json.resize_on ?? 'uint8';
  if (resizeOn !== 'uint8' && resizeOn !== 'float') {
    fail('resize_on', `must be "uint8" or "float" (found ${JSON.stringify(resizeOn)}).`);
  }
  if (resizeOn === 'float' && resample !== 'bilinear' && resample !== 'bicubic') {
    fail('resample', 'must be 2 (bilinear) or 3 (bicubic) when "resize_on" is "float".');
  }

  let crop: Preprocessing['crop'] = null;
  if (flag('do_center_crop', true)) {
    if (resizeOn === 'float') {
      fail('do_center_crop', 'must be false when "resize_on" is "float": resize to {"height": H, "width": W} instead.');
    }
    const cropSize = json.crop_size ?? DEFAULT_SIZE;
    if (typeof cropSize === 'number') {
      const side = dimension('crop_size', cropSize);
      crop = { height: side, width: side };
    } else if (cropSize !== null && typeof cropSize === 'object' && 'height' in cropSize && 'width' in cropSize) {
      crop = {
        height: dimension('crop_size.height', (cropSize as JsonObject).height),
        width: dimension('crop_size.width', (cropSize as JsonObject).width),
      };
    } else {
      fail('crop_size', `must be a number or {"height": H, "width": W} (found ${JSON.stringify(cropSize)}).`);
    }
  }

  let rescaleFactor: number | null = null;
  if (flag('do_rescale', true)) {
    const factor = json.rescale_factor ?? 1 / 255;
    if (typeof factor !== 'number' || !(factor > 0))
      fail('rescale_factor', `must be a positive number (found ${JSON.stringify(factor)}).`);
    rescaleFactor = factor as number;
  }
  const normalize = flag('do_normalize', true);
  const preprocessing: Preprocessing = {
    resize,
    resample: resample as Resample,
    crop,
    rescaleFactor,
    mean: normalize ? triple('image_mean', OPENAI_CLIP_MEAN) : null,
    std: normalize ? triple('image_std', OPENAI_CLIP_STD) : null,
    letterbox,
    resizeOn: resizeOn as Preprocessing['resizeOn'],
  };
  if (preprocessing.std?.some((s) => s === 0)) fail('image_std', 'must not contain 0.');
  const side = outputSide(preprocessing);
  if (side === undefined) {
    throw new ModelError(
      `${file}: images must come out square and of one size to be batched, but with these settings ` +
        `(${crop ? `crop ${crop.width}x${crop.height}` : 'no centre crop'}) they do not. ` +
        `Set do_center_crop with a square crop_size in ${name}.`,
      file,
    );
  }
  return preprocessing;
}

/** The side of the square image fed to the vision tower, or undefined when it is not fixed and square. */
export function outputSide(p: Preprocessing): number | undefined {
  if (p.crop) return p.crop.height === p.crop.width ? p.crop.height : undefined;
  if (p.resize?.mode === 'exact') return p.resize.height === p.resize.width ? p.resize.height : undefined;
  return undefined;
}

function sameTriple(a: [number, number, number] | null, b: [number, number, number]): boolean {
  return a !== null && a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
}

/** The preprocessing in a line of words, for the model cell's output. */
export function describePreprocessing(p: Preprocessing): string {
  const steps: string[] = [];
  if (p.letterbox) steps.push(`letterbox ${p.letterbox.size} ${p.letterbox.resample}, zero-padded`);
  const on = p.resizeOn === 'float' ? ' on float values' : '';
  if (p.resize?.mode === 'shortest-edge') steps.push(`shortest edge ${p.resize.size} ${p.resample}${on}`);
  if (p.resize?.mode === 'exact') steps.push(`resize ${p.resize.width}×${p.resize.height} ${p.resample}${on}`);
  if (p.crop) steps.push(`centre crop ${p.crop.width}×${p.crop.height}`);
  if (p.rescaleFactor !== null) steps.push(Math.abs(p.rescaleFactor - 1 / 255) < 1e-9 ? '÷255' : `×${p.rescaleFactor}`);
  if (p.mean && p.std) {
    steps.push(
      sameTriple(p.mean, OPENAI_CLIP_MEAN) && sameTriple(p.std, OPENAI_CLIP_STD)
        ? 'OpenAI CLIP mean/std'
        : `mean ${p.mean.map((v) => +v.toFixed(5)).join('/')} std ${p.std.map((v) => +v.toFixed(5)).join('/')}`,
    );
  }
  return steps.join(', ');
}

/** Hash of the effective preprocessing and of the resampler that carries it out. */
export function preprocessKey(p: Preprocessing): string {
  const canonical = JSON.stringify({
    pipeline: PIPELINE_VERSION,
    vips: sharp.versions.vips,
    resize: p.resize,
    resample: p.resample,
    crop: p.crop,
    rescaleFactor: p.rescaleFactor,
    mean: p.mean,
    std: p.std,
    // Only when set, so that the keys (and caches) of models without them stay as they were.
    ...(p.letterbox ? { letterbox: p.letterbox } : {}),
    ...(p.resizeOn === 'float' ? { resizeOn: p.resizeOn } : {}),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/** transformers' get_resize_output_image_size(default_to_square=False): the long side is floored. */
export function resizedSize(width: number, height: number, p: Preprocessing): { width: number; height: number } {
  if (!p.resize) return { width, height };
  if (p.resize.mode === 'exact') return { width: p.resize.width, height: p.resize.height };
  const size = p.resize.size;
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

async function resizeTo(image: DecodedImage, width: number, height: number, resample: Resample): Promise<DecodedImage> {
  if (width === image.width && height === image.height) return image;
  const reducing = width <= image.width && height <= image.height;
  if (!reducing && resample !== 'nearest') return resampleRgb(image, width, height, resample);
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: SHARP_KERNEL[resample] })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

async function resizeRgb(image: DecodedImage, p: Preprocessing): Promise<DecodedImage> {
  const target = resizedSize(image.width, image.height, p);
  return resizeTo(image, target.width, target.height, p.resample);
}

/** CheXzero's letterbox: the longer side to `size` (int(x * ratio)), centred on black. */
export async function letterboxRgb(
  image: DecodedImage,
  box: NonNullable<Preprocessing['letterbox']>,
): Promise<DecodedImage> {
  const ratio = box.size / Math.max(image.width, image.height);
  const width = Math.max(1, Math.trunc(image.width * ratio));
  const height = Math.max(1, Math.trunc(image.height * ratio));
  const resized = await resizeTo(image, width, height, box.resample);
  const out = Buffer.alloc(box.size * box.size * 3);
  const left = Math.floor((box.size - width) / 2);
  const top = Math.floor((box.size - height) / 2);
  for (let y = 0; y < height; y++) {
    resized.data.copy(out, ((top + y) * box.size + left) * 3, y * width * 3, (y + 1) * width * 3);
  }
  return { data: out, width: box.size, height: box.size };
}

/**
 * Centre crop + rescale + normalise + HWC->CHW in one pass. Crop offsets are Hugging Face's
 * ((h - crop_h) // 2, (w - crop_w) // 2); a crop larger than the image pads with zeros, as there.
 */
export function toPixelValues(image: DecodedImage, p: Preprocessing): Float32Array {
  const outH = p.crop?.height ?? image.height;
  const outW = p.crop?.width ?? image.width;
  const top = Math.floor((image.height - outH) / 2);
  const left = Math.floor((image.width - outW) / 2);
  const plane = outH * outW;
  const out = new Float32Array(3 * plane);
  const scale = p.rescaleFactor ?? 1;
  for (let c = 0; c < 3; c++) {
    const mean = p.mean?.[c] ?? 0;
    const std = p.std?.[c] ?? 1;
    for (let y = 0; y < outH; y++) {
      const sy = y + top;
      for (let x = 0; x < outW; x++) {
        const sx = x + left;
        const inside = sy >= 0 && sy < image.height && sx >= 0 && sx < image.width;
        const value = inside ? image.data[(sy * image.width + sx) * 3 + c] : 0;
        out[c * plane + y * outW + x] = (value * scale - mean) / std;
      }
    }
  }
  return out;
}

/** Decode one image file and preprocess it to CHW float32 pixel_values. */
export async function preprocessFile(
  file: string,
  p: Preprocessing,
  dicom?: DicomDecodeOptions,
): Promise<Float32Array> {
  let image = await decodeImage(file, dicom);
  if (p.letterbox) image = await letterboxRgb(image, p.letterbox);
  if (p.resizeOn === 'uint8') return toPixelValues(await resizeRgb(image, p), p);
  // Float: normalise at the decoded size, then resize the values (no rounding, no clamping).
  const planes = toPixelValues(image, p);
  const target = resizedSize(image.width, image.height, p);
  if (target.width === image.width && target.height === image.height) return planes;
  const mode = p.resample as 'bilinear' | 'bicubic';
  return resizePlanes(planes, 3, image.width, image.height, target.width, target.height, mode);
}
