// Writing DICOM copies for tests with dcmjs: change header values, drop elements, swap the pixel
// data, as a real file would have them.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as dcmjs from 'dcmjs';

export const DICOM_FIXTURES = path.resolve(__dirname, '../fixtures/dicom');
export const fixture = (name: string) => path.join(DICOM_FIXTURES, name);

type Element = { vr: string; Value: unknown[] };
export interface Editable {
  meta: Record<string, Element>;
  dict: Record<string, Element>;
}

/** Read `src`, let `edit` change its denaturalized meta/dict (tag-keyed), write `dst`. */
export function rewriteDicom(src: string, dst: string, edit: (d: Editable) => void): string {
  const bytes = readFileSync(src);
  const message = dcmjs.data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  ) as unknown as Editable & { write(): ArrayBuffer };
  edit(message);
  writeFileSync(dst, Buffer.from(message.write()));
  return dst;
}

/** The 8-bit RGB reference rendering of a fixture file (computed by reference.py). */
export async function referenceRgb(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Share of samples within one grey level of the reference. */
export function withinOneLevel(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return 0;
  let ok = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) <= 1) ok++;
  return ok / a.length;
}
