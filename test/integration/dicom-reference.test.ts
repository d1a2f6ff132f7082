import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWithReference, referenceUnavailable } from '../helpers/dicomReference';

// Files the project skips on purpose, with the reason it must give.
const EXPECTED_SKIPS: Record<string, RegExp> = {
  // A JPEG 2000 codestream cut short (GDCM warns "opj_decode failed" and pydicom still returns an array).
  'pylibjpeg-data__966.dcm': /JPEG 2000 Lossless \(1\.2\.840\.10008\.1\.2\.4\.90\) codestream is corrupt/,
  // A data set without pixel data.
  'pydicom__no_meta.dcm': /no pixel data/,
};

describe('DICOM decoding against pydicom + GDCM, file by file (../shared)', () => {
  const unavailable = referenceUnavailable();
  it(
    'matches within one grey level on ≥ 99.9 % of samples, or skips with the expected reason',
    { skip: unavailable },
    async () => {
      const outcomes = await compareWithReference();
      assert.ok(outcomes.length >= 60, `${outcomes.length} files`);
      for (const o of outcomes) {
        const skip = EXPECTED_SKIPS[o.file];
        if (skip) {
          assert.match(o.ours ?? 'decoded', skip, o.file);
        } else if (o.reference === undefined) {
          assert.equal(o.ours, undefined, `${o.file}: ${o.ours}`);
          assert.ok(o.match! >= 0.999, `${o.file}: ${(o.match! * 100).toFixed(3)} % within one level`);
        } else {
          // The reference cannot decode it (HTJ2K, an empty LUT Descriptor): ours must, uncompared.
          assert.equal(o.ours, undefined, `${o.file}: ${o.ours}`);
        }
      }
    },
  );
});
