// The data of a score cell's output: the whole result up to the inline budget, else the paged
// result (scoring/pagedScore.ts) whose every row is stored in the cache under a new run id. The
// file is written in the background (scoring/perImageWriter.ts): the output does not need it, and
// whatever reads it waits for the write.
import { newRunId } from '../../cache/perImageFiles';
import type { ScoreResult } from '../../protocol/results';
import { needsPaging, pagedScore } from '../../scoring/pagedScore';
import { writePerImageInBackground } from '../../scoring/perImageWriter';
import type { StepContext } from './step';

export function scoreOutputData(ctx: StepContext, result: ScoreResult): ScoreResult {
  if (!needsPaging(result)) return result;
  const run = newRunId();
  void writePerImageInBackground(ctx.cacheDir, ctx.notebookPath, result, run, (m) => ctx.log(m)).catch((e: unknown) =>
    // The output stays bounded all the same; its per-image views will say they need a re-run.
    ctx.log(`score ${result.name}: cannot store the per-image file (${e instanceof Error ? e.message : String(e)})`),
  );
  return pagedScore(result, run);
}
