// Writing DICOM copies for tests with dcmjs: change header values, drop elements, swap the pixel
// data, as a real file would have them. dcmjs only, so the extension-host suite can bundle it.
import { readFileSync, writeFileSync } from 'node:fs';
import * as dcmjs from 'dcmjs';

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

// Tag -> [VR, marker]. The birth date must stay a valid DA, so its marker is a date no test
// file or output would hold by chance.
const MARKERS: Record<string, [string, string]> = {
  '00100010': ['PN', 'Zyxmarker^PatientName'],
  '00100020': ['LO', 'ZYXMARK-PATIENT-ID-4417'],
  '00100030': ['DA', '17760704'],
  '00080050': ['SH', 'ZYXACC9931'],
  '00080080': ['LO', 'Zyxmarker Institution'],
  '00080090': ['PN', 'Zyxmarker^Referring'],
  '00081030': ['LO', 'Zyxmarker study description'],
};
/** What must never appear in anything written or printed (the markers, and the date as ISO). */
export const PRIVACY_NEEDLES = ['Zyxmarker', 'ZYXMARK', '17760704', '1776-07-04', 'ZYXACC9931'];

/** Write a unique marker into each identifying field that PS3.15 de-identification removes. */
export function markIdentifyingFields(d: Editable): void {
  for (const [tag, [vr, value]] of Object.entries(MARKERS))
    d.dict[tag] = { vr, Value: [vr === 'PN' ? { Alphabetic: value } : value] };
}
