// What image-set discovery needs to know about DICOM: which files are DICOM whatever their
// extension, and how many files used each way of choosing grey levels.

import type { promises as fs } from 'node:fs';
import type { DicomSummary } from '../../protocol/dataset';
import { openRegularFile } from '../limits';
import { hasDicomPreamble, type DicomFacts } from './index';

/**
 * True when the file's bytes 128–131 spell "DICM" (the Part 10 preamble). Unreadable or not a
 * regular file (a FIFO would never answer): false.
 */
export async function isDicomFile(file: string): Promise<boolean> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await openRegularFile(file);
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return bytesRead === 132 && hasDicomPreamble(head);
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

export function countDicom(): { summary: DicomSummary; add(facts: DicomFacts | undefined): void } {
  const summary: DicomSummary = { files: 0, voiLut: 0, window: 0, minmax: 0, colour: 0, inverted: 0 };
  return {
    summary,
    add(facts) {
      if (!facts) return;
      summary.files++;
      if (facts.voi === 'voi-lut') summary.voiLut++;
      else if (facts.voi === 'window') summary.window++;
      else if (facts.voi === 'minmax') summary.minmax++;
      else summary.colour++;
      if (facts.inverted) summary.inverted++;
    },
  };
}
