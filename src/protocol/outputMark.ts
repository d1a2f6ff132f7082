// A mark in a cell output's metadata: the result shown is not the current one. Renderers dim the
// output and show the banner; the controller sets it.
export const OUTPUT_MARK_KEY = 'symptomLensMark';

export type OutputMark = 're-running' | 'previous-run' | 'stale';

export const OUTPUT_MARK_BANNER: Record<OutputMark, string> = {
  're-running': 'Re-running: this is the result of the previous run, until the new one replaces it.',
  'previous-run': 'From the previous run: the last run did not finish (see the message above).',
  stale: 'Stale: a cell this one reads from changed after it ran. Re-run this cell to bring it up to date.',
};

export function outputMarkOf(metadata: unknown): OutputMark | undefined {
  const mark = (metadata as Record<string, unknown> | undefined)?.[OUTPUT_MARK_KEY];
  return typeof mark === 'string' && mark in OUTPUT_MARK_BANNER ? (mark as OutputMark) : undefined;
}
