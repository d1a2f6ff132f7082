// The file-by-file comparison of the project's DICOM decoding with the pydicom + GDCM reference
// (test/fixtures/dicom/reference.py): used by the reference test and by the docs table script.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeImage } from '../../src/images/decode';
import { DICOM_FIXTURES, referenceRgb, withinOneLevel } from './dicom';

export const SHARED_DICOM = path.resolve(__dirname, '../../../shared/data/dicom/files');
const PYTHON = '/usr/bin/python3';

export interface Outcome {
  file: string;
  transferSyntax?: string;
  photometric?: string;
  voi?: string;
  /** Share of samples within one grey level of the reference, when both decoded. */
  match?: number;
  ours?: string;
  reference?: string;
}

/** Why the comparison cannot run here, or undefined when it can. */
export function referenceUnavailable(): string | undefined {
  if (!existsSync(SHARED_DICOM)) return `${SHARED_DICOM} is absent`;
  try {
    execFileSync(PYTHON, ['-c', 'import pydicom, gdcm, PIL, numpy'], { stdio: 'ignore' });
  } catch {
    return `${PYTHON} lacks pydicom, gdcm, PIL or numpy (Debian: python3-pydicom python3-gdcm python3-pil)`;
  }
  return undefined;
}

export async function compareWithReference(dir = SHARED_DICOM): Promise<Outcome[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort();
  const out = mkdtempSync(path.join(os.tmpdir(), 'dicom-ref-'));
  try {
    const lines = execFileSync(
      PYTHON,
      [path.join(DICOM_FIXTURES, 'reference.py'), out, ...files.map((f) => path.join(dir, f))],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 1 << 24,
      },
    );
    const reference = new Map(
      lines
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { file: string; ok: boolean; reason?: string })
        .map((r) => [r.file, r]),
    );
    const outcomes: Outcome[] = [];
    for (const file of files) {
      const outcome: Outcome = { file };
      const ref = reference.get(file);
      if (!ref?.ok) outcome.reference = ref?.reason ?? 'no output';
      try {
        const ours = await decodeImage(path.join(dir, file));
        Object.assign(outcome, {
          transferSyntax: ours.dicom?.transferSyntax,
          photometric: ours.dicom?.photometric,
          voi: ours.dicom?.voi,
        });
        if (ref?.ok)
          outcome.match = withinOneLevel(ours.data, (await referenceRgb(path.join(out, `${file}.png`))).data);
      } catch (e) {
        outcome.ours = (e as Error).message.replace(`${path.join(dir, file)}: `, '');
      }
      outcomes.push(outcome);
    }
    return outcomes;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
