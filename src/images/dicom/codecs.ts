// Compressed frames through dcmjs-codecs' WebAssembly build (DCMTK's IJG JPEG 8/12/16-bit,
// CharLS, OpenJPEG, OpenJPH and RLE). The .wasm file ships beside the bundle (esbuild copies it
// to dist/), so decoding works offline from the VSIX and the CLI.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Context, log as codecLog, NativeCodecs } from 'dcmjs-codecs';
import { DicomError, describeSyntax, type PixelModule } from './dataset';

codecLog.setLevel('silent');

const WASM_FILE = 'dcmjs-native-codecs.wasm';
// Past this much WebAssembly memory (it only grows) the instance is dropped and made anew.
const MAX_WASM_BYTES = 1 << 30;

type Decoder = (context: Context, parameters?: Record<string, unknown>) => Context;

const DECODERS: Record<string, { decode: Decoder; parameters?: Record<string, unknown> }> = {
  '1.2.840.10008.1.2.5': { decode: (c, p) => NativeCodecs.decodeRle(c, p) },
  // convertColorspaceToRgb: the JPEG decoder turns YBR_FULL(_422) into RGB, as Pillow and GDCM do.
  '1.2.840.10008.1.2.4.50': {
    decode: (c, p) => NativeCodecs.decodeJpeg(c, p),
    parameters: { convertColorspaceToRgb: true },
  },
  '1.2.840.10008.1.2.4.51': {
    decode: (c, p) => NativeCodecs.decodeJpeg(c, p),
    parameters: { convertColorspaceToRgb: true },
  },
  '1.2.840.10008.1.2.4.57': { decode: (c, p) => NativeCodecs.decodeJpeg(c, p) },
  '1.2.840.10008.1.2.4.70': { decode: (c, p) => NativeCodecs.decodeJpeg(c, p) },
  '1.2.840.10008.1.2.4.80': { decode: (c, p) => NativeCodecs.decodeJpegLs(c, p) },
  '1.2.840.10008.1.2.4.81': { decode: (c, p) => NativeCodecs.decodeJpegLs(c, p) },
  '1.2.840.10008.1.2.4.90': { decode: (c, p) => NativeCodecs.decodeJpeg2000(c, p) },
  '1.2.840.10008.1.2.4.91': { decode: (c, p) => NativeCodecs.decodeJpeg2000(c, p) },
  '1.2.840.10008.1.2.4.201': { decode: (c, p) => NativeCodecs.decodeHtJpeg2000(c, p) },
  '1.2.840.10008.1.2.4.202': { decode: (c, p) => NativeCodecs.decodeHtJpeg2000(c, p) },
  '1.2.840.10008.1.2.4.203': { decode: (c, p) => NativeCodecs.decodeHtJpeg2000(c, p) },
};

/** Where the .wasm is: beside the bundle (dist/), else (running from source) in node_modules. */
function wasmPath(): string {
  const bundled = path.join(__dirname, WASM_FILE);
  if (existsSync(bundled)) return bundled;
  return path.join(__dirname, '..', '..', '..', 'node_modules', 'dcmjs-codecs', 'build', WASM_FILE);
}

let loading: Promise<void> | undefined;

function load(): Promise<void> {
  loading ??= NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: wasmPath() }).catch((err: unknown) => {
    loading = undefined;
    throw new DicomError(`the DICOM decoders (WebAssembly) cannot be loaded: ${(err as Error).message}`);
  });
  return loading;
}

/** Drop the instance; the next decode makes a fresh one from the same file. */
function discardInstance(): void {
  NativeCodecs.release();
  loading = undefined;
}

/** The codecs' WebAssembly memory now, in bytes (0 before the first compressed decode). */
export function wasmBytes(): number {
  const api = (NativeCodecs as unknown as { wasmApi?: { wasmMemory?: { buffer: ArrayBufferLike } } }).wasmApi;
  return api?.wasmMemory?.buffer.byteLength ?? 0;
}

export interface DecodedFrame {
  data: Uint8Array;
  /** What the decoder says the samples are: RGB after a colour transform, else as the header said. */
  photometric: string;
  bitsAllocated: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
}

/** Refuse, by its UID, a transfer syntax that no decoder here reads. */
export function checkDecoder(pixel: PixelModule): void {
  if (!(pixel.transferSyntax in DECODERS))
    throw new DicomError(
      `transfer syntax ${describeSyntax(pixel.transferSyntax)} has no decoder here; convert the file to an uncompressed or JPEG 2000 transfer syntax (e.g. with dcmtk's dcmconv or gdcmconv)`,
    );
}

export async function decodeCompressedFrame(encoded: Uint8Array, pixel: PixelModule): Promise<DecodedFrame> {
  checkDecoder(pixel);
  const codec = DECODERS[pixel.transferSyntax];
  while (!NativeCodecs.isInitialized()) await load();
  const context = new Context({
    width: pixel.columns,
    height: pixel.rows,
    bitsAllocated: pixel.bitsAllocated,
    bitsStored: pixel.bitsStored,
    samplesPerPixel: pixel.samplesPerPixel,
    pixelRepresentation: pixel.pixelRepresentation,
    planarConfiguration: pixel.planarConfiguration,
    photometricInterpretation: pixel.photometric,
    encodedBuffer: encoded,
  });
  let out: Context;
  try {
    out = codec.decode(context, codec.parameters);
  } catch (err) {
    // A codec error is thrown out of the WebAssembly stack without its clean-up running: the
    // buffers of that decode leak, and the heap can be left inconsistent (a later, valid JPEG 2000
    // then fails with "memory access out of bounds"). So every failure gets a fresh instance.
    discardInstance();
    const detail = String((err as Error)?.message ?? err)
      .replace(/\s+/g, ' ')
      .trim();
    throw new DicomError(
      `the ${describeSyntax(pixel.transferSyntax)} codestream is corrupt and cannot be decoded (${detail}); re-export the image from its source`,
    );
  }
  if (wasmBytes() > MAX_WASM_BYTES) discardInstance();
  const data = out.getDecodedBuffer();
  const expected = (pixel.rows * pixel.columns * pixel.samplesPerPixel * pixel.bitsAllocated) / 8;
  if (!data || data.byteLength < expected || out.getWidth() !== pixel.columns || out.getHeight() !== pixel.rows) {
    throw new DicomError(
      `the ${describeSyntax(pixel.transferSyntax)} codestream does not match the header (decoded ${out.getWidth()}×${out.getHeight()}, ${data?.byteLength ?? 0} bytes; header says ${pixel.columns}×${pixel.rows})`,
    );
  }
  return {
    data,
    photometric: (out.getPhotometricInterpretation() ?? pixel.photometric).toUpperCase(),
    bitsAllocated: out.getBitsAllocated() ?? pixel.bitsAllocated,
    // The header decides signedness: a JPEG 2000 codestream that calls signed samples unsigned
    // (pydicom's J2K_pixelrep_mismatch) is read as the header says, as pydicom and GDCM do.
    pixelRepresentation: pixel.pixelRepresentation,
    planarConfiguration: out.getPlanarConfiguration() === 1 ? 1 : 0,
  };
}
