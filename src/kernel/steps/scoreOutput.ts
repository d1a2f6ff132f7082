// The data of a score cell's output: the whole result up to the inline budget, else the paged
// result (scoring/pagedScore.ts) whose every row is stored in the cache under a new run id.
import { newRunId } from '../../cache/perImageFiles';
import type { ScoreResult } from '../../protocol/results';
import { needsPaging, pagedScore } from '../../scoring/pagedScore';
import { storePerImage } from '../../scoring/perImageStore';
import type { StepContext } from './step';

export async function scoreOutputData(ctx: StepContext, result: ScoreResult): Promise<ScoreResult> {
  if (!needsPaging(result)) return result;
  const run = newRunId();
  try {
    await storePerImage(ctx.cacheDir, ctx.notebookPath, result, run);
  } catch (e) {
    // The output stays bounded all the same; its per-image views will say they need a re-run.
    ctx.log(`score ${result.name}: cannot store the per-image file (${e instanceof Error ? e.message : String(e)})`);
  }
  return pagedScore(result, run);
}
