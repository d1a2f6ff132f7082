// Each score run against the one before it: the previous run (its snapshot) and the last runs of
// the cell come from the cache, the comparison goes into the new result, and the new run's
// snapshot is stored in its place.
import { RunHistory } from '../cache/runHistory';
import type { RunSummary, ScoreChanges } from '../protocol/changes';
import { compareSnapshots, sameInputs, summarizeRun, type StoredScore } from './changes';
import { snapshotCodec, snapshotOf, type RunSnapshot } from './runSnapshot';

/** Runs of one score cell kept for its history view. */
export const HISTORY_RUNS = 10;

export async function recordScoreRun(
  cacheDir: string,
  notebookPath: string,
  current: StoredScore,
  seed: number,
): Promise<{ changes?: ScoreChanges; history: RunSummary[] }> {
  const runs = new RunHistory<RunSnapshot, RunSummary>(cacheDir, snapshotCodec);
  const key = RunHistory.key(notebookPath, current.name);
  const stored = await runs.load(key);
  const snapshot = snapshotOf(current);
  const changes = stored.previous ? compareSnapshots(stored.previous, snapshot, seed) : undefined;
  const summary = summarizeRun(current);
  const last = stored.history[stored.history.length - 1];
  // A re-run with the same inputs replaces its entry instead of filling the history with copies.
  const kept = last && sameInputs(last, summary) ? stored.history.slice(0, -1) : stored.history;
  const history = [...kept, summary].slice(-HISTORY_RUNS);
  // Without its ids: the next run names flipped images by its own (same images, same order).
  const { ids: _ids, ...previous } = snapshot;
  void _ids;
  await runs.save(key, { previous, history });
  return { ...(changes ? { changes } : {}), history };
}
