// DICOM parsing with dcmjs: the pixel module's attributes and each frame's bytes, never any
// other header value. What leaves this file is the decoding facts (transfer syntax, photometric
// interpretation, bits) and the LUT/window attributes the pixel pipeline needs.

import * as dcmjs from 'dcmjs';
import { pixelDataTruncated } from './truncation';

/** A DICOM file that cannot become pixels. The message never quotes a header value. */
export class DicomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomError';
  }
}

// dcmjs logs parser warnings to the console; nothing of a DICOM header may reach a log.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

export const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (12-bit)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.4.201': 'HTJ2K Lossless',
  '1.2.840.10008.1.2.4.202': 'HTJ2K Lossless RPCL',
  '1.2.840.10008.1.2.4.203': 'HTJ2K',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

const NATIVE_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

export function describeSyntax(uid: string): string {
  const name = TRANSFER_SYNTAX_NAMES[uid];
  return name ? `${name} (${uid})` : uid;
}

/** The Image Pixel module, as the decoders and the pipeline need it. */
export interface PixelModule {
  transferSyntax: string;
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  photometric: string;
}

/** A LUT from a Modality/VOI LUT Sequence item or a palette: descriptor and entries. */
export interface Lut {
  entries: number;
  firstMapped: number;
  bits: number;
  data: ArrayLike<number>;
}

/** The attributes the pixel pipeline reads (PS3.3 C.11): no identifying value is kept. */
export interface Presentation {
  rescale?: { slope: number; intercept: number };
  modalityLut?: Lut;
  voiLut?: Lut;
  window?: { center: number; width: number; fn: string };
  presentationLutShape?: string;
  palette?: { red: Lut; green: Lut; blue: Lut };
}

export interface DicomImage {
  pixel: PixelModule;
  presentation: Presentation;
  /** The bytes of frame `index`: native samples (little-endian) or one compressed codestream. */
  frame(index: number): Uint8Array;
  /** Native data: true; encapsulated: false. */
  native: boolean;
}

type Naturalized = Record<string, unknown>;

/**
 * Parse a DICOM file: Part 10 (preamble, "DICM", meta header) or, when `raw` is set, a bare
 * data set without meta header, whose transfer syntax is guessed as pydicom does (explicit VR
 * when the fifth and sixth bytes spell a VR, else implicit; little endian).
 */
export function parseDicom(bytes: Uint8Array, raw: boolean): DicomImage {
  const part10 = raw ? withMetaHeader(bytes) : bytes;
  let meta: Naturalized;
  let dataset: Naturalized;
  try {
    const buffer = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer;
    const message = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true });
    meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.meta) as Naturalized;
    dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(message.dict) as Naturalized;
  } catch {
    // dcmjs's message may quote header bytes: it is not passed on.
    throw new DicomError('the DICOM header cannot be parsed: the file is truncated or is not DICOM');
  }
  const transferSyntax = String(meta.TransferSyntaxUID ?? '')
    .replace(/\0/g, '')
    .trim();
  if (!transferSyntax) throw new DicomError('the DICOM meta header has no transfer syntax');
  const pixelData = dataset.PixelData;
  const bigEndian = transferSyntax === '1.2.840.10008.1.2.2';
  // Deflated data sets cannot be checked byte-wise: inflating them is dcmjs's job and fails loudly.
  const checkable = transferSyntax !== '1.2.840.10008.1.2.1.99';
  const truncated = new DicomError('the file is truncated: its pixel data ends before the element does');
  if (pixelData === undefined) {
    if (checkable && pixelDataTruncated(part10, !bigEndian, 'any')) throw truncated;
    const other = dataset.FloatPixelData ?? dataset.DoubleFloatPixelData;
    throw new DicomError(
      other !== undefined
        ? 'the file holds float pixel data (a parametric map), which is not read; export it as an image'
        : 'the file has no pixel data (a structured report, presentation state or other non-image object, or a file cut off before its pixel data); list only image files',
    );
  }
  const pixel = pixelModule(dataset, transferSyntax);
  const native = NATIVE_SYNTAXES.has(transferSyntax);
  if (checkable && pixelDataTruncated(part10, !bigEndian, native ? nativeByteLength(pixel) : undefined))
    throw truncated;
  const frame = native ? nativeFrames(pixelData, pixel, bigEndian) : encapsulatedFrames(pixelData, pixel);
  return { pixel, presentation: presentation(dataset), frame, native };
}

function withMetaHeader(bytes: Uint8Array): Uint8Array {
  const vr = String.fromCharCode(bytes[4] ?? 0, bytes[5] ?? 0);
  const syntax = /^[A-Z]{2}$/.test(vr) ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2';
  const uid = Buffer.from(syntax.length % 2 ? `${syntax}\0` : syntax, 'latin1');
  // (0002,0000) UL group length, then (0002,0010) UI transfer syntax, explicit VR little endian.
  const tsElement = Buffer.concat([Buffer.from([0x02, 0, 0x10, 0, 0x55, 0x49, uid.length, 0]), uid]);
  const groupLength = Buffer.from([0x02, 0, 0, 0, 0x55, 0x4c, 4, 0, tsElement.length, 0, 0, 0]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, tsElement, bytes]);
}

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

function integer(dataset: Naturalized, key: string, fallback?: number): number {
  const value = Number(first(dataset[key]) ?? fallback);
  if (!Number.isInteger(value)) throw new DicomError(`the image pixel module has no valid ${key}`);
  return value;
}

function pixelModule(dataset: Naturalized, transferSyntax: string): PixelModule {
  const pixel: PixelModule = {
    transferSyntax,
    rows: integer(dataset, 'Rows'),
    columns: integer(dataset, 'Columns'),
    frames: integer(dataset, 'NumberOfFrames', 1) || 1,
    samplesPerPixel: integer(dataset, 'SamplesPerPixel', 1),
    bitsAllocated: integer(dataset, 'BitsAllocated'),
    bitsStored: integer(dataset, 'BitsStored', integer(dataset, 'BitsAllocated')),
    pixelRepresentation: integer(dataset, 'PixelRepresentation', 0) === 1 ? 1 : 0,
    planarConfiguration: integer(dataset, 'PlanarConfiguration', 0) === 1 ? 1 : 0,
    photometric: String(first(dataset.PhotometricInterpretation) ?? '')
      .replace(/\0/g, '')
      .trim()
      .toUpperCase(),
  };
  if (pixel.rows < 1 || pixel.columns < 1) throw new DicomError('the image has no rows or columns');
  if (![1, 8, 16, 32].includes(pixel.bitsAllocated))
    throw new DicomError(`Bits Allocated ${pixel.bitsAllocated} is not supported (1, 8, 16 or 32 are)`);
  if (![1, 3].includes(pixel.samplesPerPixel))
    throw new DicomError(`Samples per Pixel ${pixel.samplesPerPixel} is not supported (1 or 3 are)`);
  if (pixel.bitsStored < 1 || pixel.bitsStored > pixel.bitsAllocated) pixel.bitsStored = pixel.bitsAllocated;
  return pixel;
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

function nativeByteLength(pixel: PixelModule): number {
  return Math.ceil((frameBitsOf(pixel) * pixel.frames) / 8);
}

function frameBitsOf(pixel: PixelModule): number {
  // Native YBR_FULL_422 keeps two samples per pixel (Y1 Y2 Cb Cr per pair of pixels).
  const samples = pixel.photometric === 'YBR_FULL_422' ? 2 : pixel.samplesPerPixel;
  return pixel.rows * pixel.columns * samples * pixel.bitsAllocated;
}

function nativeFrames(pixelData: unknown, pixel: PixelModule, bigEndian: boolean): (index: number) => Uint8Array {
  const parts = (Array.isArray(pixelData) ? pixelData : [pixelData]).map(bytesOf);
  if (parts.some((p) => p === undefined)) throw new DicomError('the pixel data element cannot be read');
  let all = parts.length === 1 ? parts[0]! : Buffer.concat(parts as Uint8Array[]);
  // dcmjs leaves OW pixel data in the file's byte order: the pipeline reads little endian.
  if (bigEndian && pixel.bitsAllocated > 8) {
    const copy = Buffer.from(all);
    all = pixel.bitsAllocated === 16 ? copy.swap16() : copy.swap32();
  }
  const frameBits = frameBitsOf(pixel);
  const needed = nativeByteLength(pixel);
  if (all.byteLength < needed) {
    throw new DicomError(
      `the pixel data is truncated (${all.byteLength} bytes for ${pixel.frames} frame(s) of ${pixel.rows}×${pixel.columns} that need ${needed})`,
    );
  }
  return (index) => {
    // 1-bit frames need not start on a byte: the pipeline unpacks from a bit offset, so hand it
    // the whole buffer and let it index. Other depths are byte-aligned.
    if (pixel.bitsAllocated === 1) return all;
    const size = frameBits / 8;
    return all.subarray(index * size, (index + 1) * size);
  };
}

// The first bytes of a frame's codestream: JPEG (SOI), JPEG 2000 (SOC, or a JP2 box), RLE header.
function startsFrame(fragment: Uint8Array, syntax: string): boolean {
  if (syntax === '1.2.840.10008.1.2.5') return true;
  if (fragment[0] === 0xff && (fragment[1] === 0xd8 || fragment[1] === 0x4f)) return true;
  return fragment[4] === 0x6a && fragment[5] === 0x50; // 'jP' signature box
}

function encapsulatedFrames(pixelData: unknown, pixel: PixelModule): (index: number) => Uint8Array {
  const items = (Array.isArray(pixelData) ? pixelData : [pixelData]).map(bytesOf);
  if (items.length === 0 || items.some((p) => p === undefined))
    throw new DicomError('the encapsulated pixel data has no fragments');
  const fragments = items as Uint8Array[];
  let frames: Uint8Array[][];
  if (pixel.frames === 1) frames = [fragments];
  else if (fragments.length === pixel.frames) frames = fragments.map((f) => [f]);
  else {
    // No offset table and several fragments per frame: a fragment that opens a codestream
    // starts a new frame (pydicom does the same).
    frames = [];
    for (const f of fragments) {
      if (frames.length === 0 || startsFrame(f, pixel.transferSyntax)) frames.push([f]);
      else frames[frames.length - 1].push(f);
    }
  }
  return (index) => {
    const parts = frames[index];
    if (!parts)
      throw new DicomError(`frame ${index + 1} of ${pixel.frames} is missing from the encapsulated pixel data`);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  };
}

function numbers(value: unknown): number[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(Number);
  if (typeof value === 'string') return value.split('\\').map(Number);
  return [Number(value)];
}

/** LUT Data: a US/SS value list, or OW bytes read as 16-bit (or 8-bit when the length says so). */
function lutFrom(descriptorValue: unknown, dataValue: unknown, where: string): Lut | undefined {
  const descriptor = numbers(descriptorValue);
  // An empty or partial descriptor: the LUT is treated as absent (pydicom does so for VOI LUTs).
  if (descriptor.length < 3 || descriptor.some((v) => !Number.isFinite(v))) return undefined;
  const entries = descriptor[0] || 65536;
  let data: ArrayLike<number> | undefined;
  const bytes = bytesOf(Array.isArray(dataValue) && dataValue.length === 1 ? dataValue[0] : dataValue);
  if (bytes) {
    const bits = bytes.byteLength === entries ? 8 : 16;
    data =
      bits === 8
        ? bytes
        : new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + entries * 2) as ArrayBuffer);
  } else {
    data = numbers(dataValue);
  }
  if (data.length < entries) throw new DicomError(`the ${where} LUT Data is shorter than its descriptor says`);
  return { entries, firstMapped: descriptor[1], bits: descriptor[2], data };
}

/**
 * Expand a segmented palette LUT (PS3.3 C.7.9.2): discrete (0), linear (1) and indirect (2)
 * segments, as pydicom's _expand_segmented_lut does.
 */
function expandSegmented(descriptorValue: unknown, dataValue: unknown): Lut | undefined {
  const descriptor = numbers(descriptorValue);
  if (descriptor.length < 3) return undefined;
  const bytes = bytesOf(Array.isArray(dataValue) && dataValue.length === 1 ? dataValue[0] : dataValue);
  const words: ArrayLike<number> = bytes
    ? descriptor[2] === 8
      ? bytes
      : new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)) as ArrayBuffer)
    : numbers(dataValue);
  const out: number[] = [];
  for (let i = 0; i < words.length;) {
    const type = words[i];
    const length = words[i + 1];
    if (type === 0) {
      for (let k = 0; k < length; k++) out.push(words[i + 2 + k]);
      i += 2 + length;
    } else if (type === 1) {
      if (out.length === 0) throw new DicomError('a segmented palette LUT starts with a linear segment');
      const y0 = out[out.length - 1];
      const y1 = words[i + 2];
      const step = (y1 - y0) / length;
      for (let k = 1; k <= length; k++) out.push(Math.round(y0 + step * k));
      i += 3;
    } else if (type === 2) {
      const offset = words[i + 2] | (words[i + 3] << 16);
      throw new DicomError(`indirect segments in a segmented palette LUT (offset ${offset}) are not supported`);
    } else {
      throw new DicomError('a segmented palette LUT has an unknown segment type');
    }
  }
  return { entries: out.length, firstMapped: descriptor[1], bits: descriptor[2], data: out };
}

function presentation(dataset: Naturalized): Presentation {
  const out: Presentation = {};
  const slope = numbers(dataset.RescaleSlope)[0];
  const intercept = numbers(dataset.RescaleIntercept)[0];
  if (Number.isFinite(slope) && Number.isFinite(intercept)) out.rescale = { slope, intercept };
  const modality = first(dataset.ModalityLUTSequence) as Naturalized | undefined;
  if (modality?.LUTDescriptor !== undefined && modality.LUTData !== undefined)
    out.modalityLut = lutFrom(modality.LUTDescriptor, modality.LUTData, 'Modality');
  const voi = first(dataset.VOILUTSequence) as Naturalized | undefined;
  if (voi?.LUTDescriptor !== undefined && voi.LUTData !== undefined)
    out.voiLut = lutFrom(voi.LUTDescriptor, voi.LUTData, 'VOI');
  const center = numbers(dataset.WindowCenter)[0];
  const width = numbers(dataset.WindowWidth)[0];
  if (Number.isFinite(center) && Number.isFinite(width)) {
    const fn = String(first(dataset.VOILUTFunction) ?? 'LINEAR')
      .trim()
      .toUpperCase();
    out.window = { center, width, fn };
  }
  const shape = first(dataset.PresentationLUTShape);
  if (shape !== undefined) out.presentationLutShape = String(shape).trim().toUpperCase();
  if (dataset.RedPaletteColorLookupTableData !== undefined) {
    const lut = (c: string) =>
      lutFrom(dataset[`${c}PaletteColorLookupTableDescriptor`], dataset[`${c}PaletteColorLookupTableData`], 'palette');
    const [red, green, blue] = [lut('Red'), lut('Green'), lut('Blue')];
    if (red && green && blue) out.palette = { red, green, blue };
  } else if (dataset.SegmentedRedPaletteColorLookupTableData !== undefined) {
    const lut = (c: string) =>
      expandSegmented(
        dataset[`${c}PaletteColorLookupTableDescriptor`],
        dataset[`Segmented${c}PaletteColorLookupTableData`],
      );
    const [red, green, blue] = [lut('Red'), lut('Green'), lut('Blue')];
    if (red && green && blue) out.palette = { red, green, blue };
  }
  return out;
}
