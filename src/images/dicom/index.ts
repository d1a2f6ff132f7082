// One DICOM file -> 8-bit RGB plus the decoding facts that may be shown (never a header value).

import type { DicomDecodeOptions } from '../../protocol/dataset';
import { MAX_IMAGE_ASPECT, MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS } from '../limits';
import { checkDecoder, decodeCompressedFrame } from './codecs';
import { DicomError, describeSyntax, parseDicom, type PixelModule } from './dataset';
import { plannedRendering, renderFrame, type FrameSamples, type VoiUsed } from './pixels';

export { DicomError } from './dataset';
export type { VoiUsed } from './pixels';

export const DEFAULT_DICOM_OPTIONS: DicomDecodeOptions = { window: 'auto', frame: 'middle' };

/** The image limits every format shares (src/images/limits.ts), applied to DICOM headers too. */
export const DICOM_MAX_BYTES = MAX_IMAGE_FILE_BYTES;

/** What may be said about a decoded file: transfer syntax, photometric interpretation, bits, VOI. */
export interface DicomFacts {
  transferSyntax: string;
  photometric: string;
  bitsStored: number;
  frames: number;
  frame: number;
  voi: VoiUsed;
  inverted: boolean;
}

export interface DecodedDicom {
  data: Buffer;
  width: number;
  height: number;
  facts: DicomFacts;
}

/** A file is DICOM when "DICM" follows a 128-byte preamble. */
export function hasDicomPreamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d
  );
}

async function frameSamples(image: ReturnType<typeof parseDicom>, index: number): Promise<FrameSamples> {
  const pixel: PixelModule = image.pixel;
  const encoded = image.frame(index);
  if (image.native) {
    const frameBits = pixel.rows * pixel.columns * pixel.samplesPerPixel;
    return {
      data: encoded,
      photometric: pixel.photometric,
      bitsAllocated: pixel.bitsAllocated,
      pixelRepresentation: pixel.pixelRepresentation,
      planarConfiguration: pixel.planarConfiguration,
      bitOffset: pixel.bitsAllocated === 1 ? index * frameBits : 0,
    };
  }
  const decoded = await decodeCompressedFrame(encoded, pixel);
  return { ...decoded, bitOffset: 0 };
}

/** The file's header, checked against the limits and the decoders here, and the frame chosen. */
function openChecked(bytes: Uint8Array, raw: boolean, options: DicomDecodeOptions) {
  if (bytes.byteLength > DICOM_MAX_BYTES)
    throw new DicomError(
      `the file is ${(bytes.byteLength / 2 ** 20).toFixed(0)} MiB, over the ${DICOM_MAX_BYTES / 2 ** 20} MiB limit for DICOM files; export the frame you need as a single-frame file`,
    );
  const image = parseDicom(bytes, raw);
  const { pixel } = image;
  const aspect = Math.max(pixel.rows, pixel.columns) / Math.min(pixel.rows, pixel.columns);
  if (pixel.rows * pixel.columns > MAX_IMAGE_PIXELS || aspect > MAX_IMAGE_ASPECT)
    throw new DicomError(
      `its header says ${pixel.columns}×${pixel.rows} pixels, over the limit (at most ${MAX_IMAGE_PIXELS / 1e6} megapixels and a side ratio of ${MAX_IMAGE_ASPECT}:1); skipped (downscale or crop it first)`,
    );
  if (!image.native) checkDecoder(pixel);
  return { image, index: options.frame === 'first' ? 0 : Math.floor(pixel.frames / 2) };
}

function factsOf(pixel: PixelModule, index: number, rendering: { voi: VoiUsed; inverted: boolean }): DicomFacts {
  return {
    transferSyntax: pixel.transferSyntax,
    photometric: pixel.photometric,
    bitsStored: pixel.bitsStored,
    frames: pixel.frames,
    frame: index,
    voi: rendering.voi,
    inverted: rendering.inverted,
  };
}

/**
 * Everything about a DICOM file that can be known without decoding its pixels: the header parses,
 * has pixel data that is not cut short, is within the limits, has a decoder for its transfer
 * syntax, holds the chosen frame and can be rendered as the options say. What only decoding can
 * find (a corrupt codestream) is found where the pixels are decoded, once, for the model.
 */
export function inspectDicom(bytes: Uint8Array, raw: boolean, options: DicomDecodeOptions): DicomFacts {
  const { image, index } = openChecked(bytes, raw, options);
  image.frame(index);
  return factsOf(image.pixel, index, plannedRendering(image.pixel, image.presentation, options.window));
}

/**
 * Decode a DICOM file's chosen frame to 8-bit RGB. `raw`: the bytes are a data set without the
 * Part 10 preamble and meta header. Throws DicomError with a message that quotes no header value.
 */
export async function decodeDicom(bytes: Uint8Array, raw: boolean, options: DicomDecodeOptions): Promise<DecodedDicom> {
  const { image, index } = openChecked(bytes, raw, options);
  const { pixel } = image;
  let samples: FrameSamples;
  try {
    samples = await frameSamples(image, index);
  } catch (err) {
    if (err instanceof DicomError) throw err;
    throw new DicomError(`frame ${index + 1} cannot be read (${describeSyntax(pixel.transferSyntax)})`);
  }
  const rendered = renderFrame(samples, pixel, image.presentation, options.window);
  return { data: rendered.rgb, width: pixel.columns, height: pixel.rows, facts: factsOf(pixel, index, rendered) };
}
