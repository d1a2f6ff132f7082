// Prints the docs/dicom.md outcome table: every DICOM file in ../shared/data/dicom/files compared
// with the pydicom + GDCM reference. Run: node --import tsx scripts/dicom-table.ts
import { compareWithReference, referenceUnavailable } from '../test/helpers/dicomReference';

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

async function main(): Promise<void> {
  const unavailable = referenceUnavailable();
  if (unavailable) throw new Error(unavailable);
  const rows = (await compareWithReference()).map((o) => {
    const outcome =
      o.match !== undefined
        ? `matched (${(o.match * 100).toFixed(3)} % within 1 level)`
        : o.ours
          ? `skipped: ${cell(o.ours)}`
          : 'decoded; not compared (the reference cannot decode it)';
    return `| ${o.file} | ${o.transferSyntax ?? ''} | ${o.photometric ?? ''} | ${o.voi ?? ''} | ${outcome} | ${cell(o.reference) || 'decoded'} |`;
  });
  console.log(
    [
      '| file | transfer syntax | photometric | grey levels from | Symptom Lens | pydicom + GDCM |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  );
}

void main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
