// Image decoding for the whole product: every image goes through decodeImage, so the image set,
// the CLIP preprocessing and the thumbnails agree on what a file's pixels are.

import { createHash } from 'node:crypto';
import sharp, { type OutputInfo, type Sharp } from 'sharp';
import { ImageLimitError, MAX_IMAGE_PIXELS, checkImageHeader, openRegularFile, readImageFile } from './limits';
import type { DicomDecodeOptions } from '../protocol/dataset';
import { DEFAULT_DICOM_OPTIONS, DicomError, hasDicomPreamble, type DicomFacts } from './dicom';
import { decodeDicomOffThread, inspectDicomOffThread } from './dicom/pool';

/** A file that cannot be turned into pixels. `message` names the file and says what is wrong. */
export class ImageDecodeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** 8-bit RGB, row-major, 3 bytes per pixel. */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  /** DICOM files: the decoding facts (transfer syntax, photometric, bits, VOI used). */
  dicom?: DicomFacts;
}

/**
 * sha256 (hex) of a regular file's bytes (devices and FIFOs are refused, they never end),
 * streamed so large files never sit in memory whole.
 */
export async function hashFile(path: string, maxBytes?: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await openRegularFile(path, maxBytes);
  for await (const chunk of handle.createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Format = 'png' | 'jpeg' | 'tiff' | 'webp';

function sniffFormat(bytes: Buffer): Format | 'dicom' | undefined {
  // First: a DICOM preamble may itself hold a TIFF header (the standard allows dual-format files).
  if (hasDicomPreamble(bytes)) return 'dicom';
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

const DICOM_EXTENSION = /\.(dcm|dicom)$/i;

async function readImageBytes(path: string): Promise<{ bytes: Buffer; format: Format | 'dicom' | 'raw-dicom' }> {
  const bytes = await withinLimits(readImageFile(path));
  if (bytes.length === 0) throw new ImageDecodeError(path, `${path}: the file is empty (0 bytes)`);
  const format = sniffFormat(bytes);
  // A .dcm file without the "DICM" preamble is tried as a bare data set (no meta header).
  if (format === undefined && DICOM_EXTENSION.test(path)) return { bytes, format: 'raw-dicom' };
  if (format === undefined) {
    throw new ImageDecodeError(
      path,
      `${path}: unsupported or unrecognised image format (expected PNG, JPEG or DICOM; TIFF and WebP also work)`,
    );
  }
  // DICOM headers are checked against the same pixel limits by the DICOM reader.
  if (format !== 'dicom') await withinLimits(checkImageHeader(path, bytes));
  return { bytes, format };
}

/** To callers of decodeImage a file over a limit is a file that cannot be decoded: same class. */
async function withinLimits<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw err instanceof ImageLimitError ? new ImageDecodeError(err.file, err.message) : err;
  }
}

function describeSharpError(path: string, err: unknown): ImageDecodeError {
  const detail = String((err as Error)?.message ?? err)
    .split('\n')[0]
    .trim();
  if (/premature end|truncated|unexpected end|not enough data|read error|out of data/i.test(detail)) {
    return new ImageDecodeError(path, `${path}: the image is truncated (the file ends early: ${detail})`);
  }
  return new ImageDecodeError(path, `${path}: the image is corrupt and cannot be decoded (${detail})`);
}

function openSharp(bytes: Buffer): Sharp {
  // failOn 'warning' is the strictest level: a truncated JPEG or one with corrupt entropy-coded
  // data otherwise decodes to grey garbage without an error. All 624 Kermany images pass at it.
  // autoOrient applies the EXIF orientation, as transformers' load_image does (exif_transpose).
  // limitInputPixels backs up checkImageHeader for formats whose header sharp reads late.
  return sharp(bytes, { failOn: 'warning', autoOrient: true, limitInputPixels: MAX_IMAGE_PIXELS });
}

/** Why pixels were decoded: for the model and other full-size uses, or for a small thumbnail. */
export type DecodePurpose = 'pixels' | 'thumbnail';
type DecodeListener = (file: string, purpose: DecodePurpose) => void;
const dicomDecodeListeners = new Set<DecodeListener>();

/**
 * Hear of every DICOM pixel decode (the costly step: WebAssembly codec and pixel pipeline), by
 * file; returns the function that stops listening. Tests count decodes with it.
 */
export function onDicomPixelDecode(listener: DecodeListener): () => void {
  dicomDecodeListeners.add(listener);
  return () => dicomDecodeListeners.delete(listener);
}

/** What an image set needs to know about a file, found without decoding DICOM pixels. */
export interface InspectedImage {
  /** sha256 (hex) of the file's bytes. */
  contentHash: string;
  /** DICOM files: the decoding facts, read from the header. */
  dicom?: DicomFacts;
}

/**
 * Read a file once: hash it and check that it can become pixels. PNG/JPEG are decoded (libvips is
 * quick and only a decode finds a corrupt one). DICOM is checked from its header alone (parses,
 * has pixel data, within the limits, a decoder for its transfer syntax, renderable as `dicom`
 * says), so its pixels are decoded once, where the model needs them; a codestream that only
 * decoding finds corrupt is reported there, by name.
 */
export async function inspectImage(path: string, dicom?: DicomDecodeOptions): Promise<InspectedImage> {
  const { bytes, format } = await readImageBytes(path);
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  if (format === 'dicom' || format === 'raw-dicom') {
    const facts = await asImageError(
      path,
      format,
      inspectDicomOffThread(bytes, format === 'raw-dicom', dicom ?? DEFAULT_DICOM_OPTIONS),
    );
    return { contentHash, dicom: facts };
  }
  await decodeRaster(path, bytes);
  return { contentHash };
}

/** A DicomError as an ImageDecodeError that names the file. */
async function asImageError<T>(path: string, format: 'dicom' | 'raw-dicom', work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof DicomError)) throw err;
    const what = format === 'raw-dicom' ? 'DICOM data set without meta header' : 'DICOM';
    throw new ImageDecodeError(path, `${path}: ${what}: ${err.message}`);
  }
}

/**
 * Decode PNG/JPEG (8 or 16 bit, grey or colour, alpha dropped) to 8-bit RGB. 16-bit samples are
 * scaled over the full range (libvips keeps the high byte: 65535 -> 255, 32768 -> 128), never
 * clipped at 255 as a plain cast would; the PNG spec has writers scale 12-bit data up to 16 bits.
 */
export async function decodeImage(
  path: string,
  dicom?: DicomDecodeOptions,
  purpose: DecodePurpose = 'pixels',
): Promise<DecodedImage> {
  const { bytes, format } = await readImageBytes(path);
  if (format === 'dicom' || format === 'raw-dicom') {
    for (const listener of dicomDecodeListeners) listener(path, purpose);
    const { data, width, height, facts } = await asImageError(
      path,
      format,
      decodeDicomOffThread(bytes, format === 'raw-dicom', dicom ?? DEFAULT_DICOM_OPTIONS),
    );
    return { data, width, height, dicom: facts };
  }
  return decodeRaster(path, bytes);
}

async function decodeRaster(path: string, bytes: Buffer): Promise<DecodedImage> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await openSharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw describeSharpError(path, err);
  }
  const { data, info } = result;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new ImageDecodeError(
      path,
      `${path}: decoded to ${info.channels} channels instead of RGB; this image layout is not supported`,
    );
  }
  return { data, width: info.width, height: info.height };
}

/**
 * A small JPEG data: URI (longest side `size`), ~1–3 KB, for outputs and galleries. PNG/JPEG/TIFF/
 * WebP files are resized straight from the file, so libvips can shrink on load (JPEG decodes at
 * 1/2, 1/4 or 1/8 scale): a large photo never sits in memory at full size just to make a
 * thumbnail. DICOM goes through the full pixel pipeline first (windowing needs every value).
 */
export async function thumbnailDataUri(path: string, size = 64, dicom?: DicomDecodeOptions): Promise<string> {
  const { bytes, format } = await readImageBytes(path);
  let jpeg: Buffer;
  if (format === 'dicom' || format === 'raw-dicom') {
    const image = await decodeImage(path, dicom, 'thumbnail');
    jpeg = await toThumbnail(
      sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }),
      size,
    );
  } else {
    try {
      jpeg = await toThumbnail(openSharp(bytes).removeAlpha().toColourspace('srgb'), size);
    } catch (err) {
      throw describeSharpError(path, err);
    }
  }
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

function toThumbnail(image: Sharp, size: number): Promise<Buffer> {
  return image
    .resize(size, size, { fit: 'inside', kernel: 'lanczos3' })
    .jpeg({ quality: 75, mozjpeg: true })
    .toBuffer();
}
