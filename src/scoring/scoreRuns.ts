// Each score run against the one before it: the previous result and the last runs of the cell
// come from the cache, the comparison goes into the new result, and the new run is stored.
import { RunHistory } from '../cache/runHistory';
import type { RunSummary, ScoreChanges } from '../protocol/changes';
import { compareRuns, sameInputs, summarizeRun, type StoredScore } from './changes';

/** Runs of one score cell kept for its history view. */
export const HISTORY_RUNS = 10;

export async function recordScoreRun(
  cacheDir: string,
  notebookPath: string,
  current: StoredScore,
  seed: number,
): Promise<{ changes?: ScoreChanges; history: RunSummary[] }> {
  const runs = new RunHistory<StoredScore, RunSummary>(cacheDir);
  const key = RunHistory.key(notebookPath, current.name);
  const stored = await runs.load(key);
  const changes = stored.previous ? compareRuns(stored.previous, current, seed) : undefined;
  const summary = summarizeRun(current);
  const last = stored.history[stored.history.length - 1];
  // A re-run with the same inputs replaces its entry instead of filling the history with copies.
  const kept = last && sameInputs(last, summary) ? stored.history.slice(0, -1) : stored.history;
  const history = [...kept, summary].slice(-HISTORY_RUNS);
  await runs.save(key, { previous: current, history });
  return { ...(changes ? { changes } : {}), history };
}
