// dcmjs reads a Pixel Data element that runs past the end of the file without complaint (it
// hands back a zero-filled buffer of the declared length, or drops the element). This finds the
// element in the raw bytes and checks that it fits, so a truncated file is named as truncated.

const PLAUSIBLE_VRS = new Set(['OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN']);
const UNDEFINED = 0xffffffff;

interface PixelDataHeader {
  /** First byte of the value. */
  start: number;
  length: number;
}

function readU16(bytes: Uint8Array, at: number, little: boolean): number {
  return little ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1];
}

function readU32(bytes: Uint8Array, at: number, little: boolean): number {
  return little
    ? (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0
    : ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/**
 * The last (7FE0,0010) header whose length is undefined (encapsulated) or the native size the
 * header promises: a chance match of those 8–12 bytes inside other data is negligible.
 */
function findPixelData(
  bytes: Uint8Array,
  little: boolean,
  nativeBytes: number | undefined | 'any',
): PixelDataHeader | undefined {
  for (let i = bytes.length - 8; i >= 0; i--) {
    if (readU16(bytes, i, little) !== 0x7fe0 || readU16(bytes, i + 2, little) !== 0x0010) continue;
    const vr = String.fromCharCode(bytes[i + 4], bytes[i + 5]);
    const explicit = PLAUSIBLE_VRS.has(vr) && bytes[i + 6] === 0 && bytes[i + 7] === 0;
    const header = explicit
      ? { start: i + 12, length: readU32(bytes, i + 8, little) }
      : { start: i + 8, length: readU32(bytes, i + 4, little) };
    if (nativeBytes === 'any') {
      if (explicit) return header;
      continue;
    }
    const expected = nativeBytes === undefined ? UNDEFINED : nativeBytes + (nativeBytes % 2);
    if (header.length === expected) return header;
  }
  return undefined;
}

/**
 * True when the pixel data element is cut off by the end of the file. `nativeBytes`: the size the
 * header promises for native data; undefined for encapsulated; 'any' when dcmjs found no pixel
 * data (an explicit-VR header of any length then counts).
 */
export function pixelDataTruncated(
  bytes: Uint8Array,
  little: boolean,
  nativeBytes: number | undefined | 'any',
): boolean {
  const header = findPixelData(bytes, little, nativeBytes);
  if (!header) return false;
  if (header.length !== UNDEFINED) return header.start + header.length > bytes.length;
  // Encapsulated: items (FFFE,E000) until the sequence delimiter (FFFE,E0DD).
  for (let at = header.start; ;) {
    if (at + 8 > bytes.length) return true;
    const group = readU16(bytes, at, little);
    const element = readU16(bytes, at + 2, little);
    const length = readU32(bytes, at + 4, little);
    if (group !== 0xfffe) return false;
    if (element === 0xe0dd) return false;
    at += 8 + length;
    if (at > bytes.length) return true;
  }
}
