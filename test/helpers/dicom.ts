// Test helpers for DICOM: fixtures and their reference renderings.
import path from 'node:path';
import sharp from 'sharp';
export { rewriteDicom, type Editable } from './dicomWrite';

export const DICOM_FIXTURES = path.resolve(__dirname, '../fixtures/dicom');
export const fixture = (name: string) => path.join(DICOM_FIXTURES, name);

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
