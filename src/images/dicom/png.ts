// A PNG of a DICOM file's decoded (windowed) pixels, for viewers that cannot read DICOM.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { DicomDecodeOptions } from '../../protocol/dataset';
import { decodeImage } from '../decode';
import { isDicomFile } from './discovery';

/**
 * Write `outDir/<hash>.png` for a DICOM file and return its path; undefined for other formats.
 * The name hashes the path and options, never a header value; the PNG carries no metadata.
 */
export async function pngRendering(
  file: string,
  decode: DicomDecodeOptions | undefined,
  outDir: string,
): Promise<string | undefined> {
  if (!/\.(dcm|dicom)$/i.test(file) && !(await isDicomFile(file))) return undefined;
  const image = await decodeImage(file, decode);
  if (!image.dicom) return undefined;
  const name = createHash('sha256')
    .update(`${file}\0${JSON.stringify(decode ?? null)}`)
    .digest('hex')
    .slice(0, 24);
  await fs.mkdir(outDir, { recursive: true });
  const out = path.join(outDir, `${name}.png`);
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toFile(out);
  return out;
}
