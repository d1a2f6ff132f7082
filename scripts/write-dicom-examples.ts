// Writes examples/data/dicom/: two phantoms per class as DICOM files, as a scanner export would
// hold them (12-bit MONOCHROME1 with a window, JPEG 2000 lossless), so the tutorial shows a
// DICOM image set. The window and inversion give back the PNG's grey levels exactly, so the
// DICOM set scores as the PNG set does. No patient data: every identifying field is left out.
// Run: node --import tsx scripts/write-dicom-examples.ts
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as dcmjs from 'dcmjs';
import { NativeCodecs, Transcoder, constants } from 'dcmjs-codecs';

const EXAMPLES = path.resolve(__dirname, '../examples/data');
const OUT = path.join(EXAMPLES, 'dicom');
const PER_CLASS = 2;
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** A UID under the 2.25 (UUID-derived) root, fixed by `seed`. */
const uid = (seed: string) => `2.25.${BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 30)}`)}`;

async function main(): Promise<void> {
  await NativeCodecs.initializeAsync();
  const rows = readFileSync(path.join(EXAMPLES, 'labels.csv'), 'utf8').trim().split('\n').slice(1);
  const taken = new Map<string, number>();
  const lines = ['path,label'];
  for (const row of rows) {
    const [file, label] = row.split(',');
    if ((taken.get(label) ?? 0) >= PER_CLASS) continue;
    taken.set(label, (taken.get(label) ?? 0) + 1);
    const { data, info } = await sharp(path.join(EXAMPLES, file))
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    // MONOCHROME1 stores white as 0: stored = (255 - grey) × 16, 12 bits. The LINEAR window
    // (2040.5, 4081) maps it to (255 - grey) and the inversion back to grey.
    const stored = new Uint16Array(info.width * info.height);
    for (let i = 0; i < stored.length; i++) stored[i] = (255 - data[i]) * 16;
    const instance = uid(`symptom-lens example ${file}`);
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: SECONDARY_CAPTURE,
      MediaStorageSOPInstanceUID: instance,
      TransferSyntaxUID: constants.TransferSyntax.ExplicitVRLittleEndian,
      ImplementationClassUID: uid('symptom-lens'),
    };
    const dataset = {
      SOPClassUID: SECONDARY_CAPTURE,
      SOPInstanceUID: instance,
      Modality: 'OT',
      ConversionType: 'SYN',
      Rows: info.height,
      Columns: info.width,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME1',
      BitsAllocated: 16,
      BitsStored: 12,
      HighBit: 11,
      PixelRepresentation: 0,
      WindowCenter: 2040.5,
      WindowWidth: 4081,
      PixelData: [stored.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
    const transcoder = new Transcoder(dict.write());
    transcoder.transcode(constants.TransferSyntax.Jpeg2000Lossless);
    const rel = path.join(label, path.basename(file).replace(/\.png$/, '.dcm'));
    mkdirSync(path.join(OUT, label), { recursive: true });
    writeFileSync(path.join(OUT, rel), Buffer.from(transcoder.getDicomPart10()));
    lines.push(`${rel.split(path.sep).join('/')},${label}`);
  }
  writeFileSync(path.join(OUT, 'labels.csv'), `${lines.join('\n')}\n`);
}

void main();
