// Scoring an image set read with `embeddings:` (images/importedSet.ts) is only valid with the
// model that made the vectors. A different dimension is an error at the cell's `model:` field; a
// file that records its model's fingerprint (the export step writes it) is verified against the
// model cell, and one that does not is scored with a warning flag in the output.
import type { ClipModel } from '../../clip/types';
import type { ImageSet } from '../../protocol/dataset';
import type { RunRecord } from '../../protocol/results';
import type { SanityFlag } from '../../protocol/statistics';
import { fieldError } from './common';
import type { StepContext } from './step';

const HINT =
  'Use the model that computed the embeddings file (its name and fingerprint are in the images cell output when the file records them), or compute the embeddings again with this model.';

export function checkImportedDimension(ctx: StepContext, model: ClipModel, dim: number): void {
  if (dim !== model.embedDim)
    throw fieldError(
      ctx,
      'model',
      `The imported image embeddings have ${dim} dimensions, but model "${String(ctx.cell.options.model)}" makes ${model.embedDim}-dimensional embeddings: they come from another model.`,
      HINT,
    );
}

/**
 * Check the model against each imported set (throws a located error on a mismatch) and return
 * the run record's account of it and the flags to show; nothing for sets that were not imported.
 */
export function checkImportedModel(
  ctx: StepContext,
  sets: readonly ImageSet[],
  model: ClipModel,
): { flags: SanityFlag[]; embeddings?: RunRecord['embeddings'] } {
  const flags: SanityFlag[] = [];
  const records: NonNullable<RunRecord['embeddings']> = [];
  for (const set of sets) {
    const imported = set.imported;
    if (!imported) continue;
    checkImportedDimension(ctx, model, imported.dim);
    const name = String(ctx.cell.options.model);
    if (imported.modelFingerprint !== undefined && imported.modelFingerprint !== model.fingerprint)
      throw fieldError(
        ctx,
        'model',
        `${imported.source} was made by a model with fingerprint ${imported.modelFingerprint.slice(0, 12)}…${imported.model ? ` ("${imported.model}")` : ''}, but model "${name}" has fingerprint ${model.fingerprint.slice(0, 12)}….`,
        HINT,
      );
    if (imported.preprocessKey !== undefined && imported.preprocessKey !== model.preprocessKey)
      throw fieldError(
        ctx,
        'model',
        `${imported.source} was made with other image preprocessing than model "${name}" uses (preprocessing key ${imported.preprocessKey.slice(0, 12)}… vs ${model.preprocessKey.slice(0, 12)}…).`,
        'Use the same model folder and preprocessing options as the run that wrote the file.',
      );
    const verified = imported.modelFingerprint !== undefined;
    if (!verified)
      flags.push({
        severity: 'warning',
        kind: 'embeddings',
        message: `Image set "${set.name}" uses embeddings from ${imported.source}, which do not record the model that made them: the dimension (${imported.dim}) matches model "${name}", but the scores are only valid if that model made them.`,
      });
    records.push({ images: set.name, source: imported.source, format: imported.format, modelVerified: verified });
  }
  return { flags, ...(records.length ? { embeddings: records } : {}) };
}
