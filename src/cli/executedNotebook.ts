// The executed notebook the CLI writes into --out (as papermill and `jupyter nbconvert --execute`
// do): the input notebook with each run cell's outputs and execution count, in the same
// nbformat-4 layout the extension saves (kernel/nbformat.ts), so a headless run opens in VS Code
// as if it had run there. The outputs are the ones extension/cellOutputs.ts writes: per step
// output its custom-MIME item and the markdown fallback; for a failure VS Code's error item
// (NotebookCellOutputItem.error: the tab-indented JSON of {name, message}) with the line and
// field; for a cancelled cell its message as plain text.
import * as path from 'node:path';
import { redact, redactSource } from '../common/secrets';
import type { CellOutcome } from '../kernel/kernel';
import { serializeNotebook, type NotebookModel, type NotebookOutput } from '../kernel/nbformat';

/** VS Code's error output MIME (what the controller writes for a failed cell). */
export const ERROR_MIME = 'application/vnd.code.notebook.error';

/** The outputs the VS Code controller would give a cell with this outcome. */
export function outcomeOutputs(outcome: CellOutcome): NotebookOutput[] {
  if (outcome.ok) {
    return outcome.outputs.map((o) => ({
      items: [
        { mime: o.mime, data: o.data },
        { mime: 'text/markdown', data: o.markdown },
      ],
    }));
  }
  const message = outcome.error ?? (outcome.cancelled ? 'Cancelled.' : 'The cell failed.');
  if (outcome.cancelled) return [{ items: [{ mime: 'text/plain', data: message }] }];
  // Byte for byte what NotebookCellOutputItem.error({ name, message }) encodes (no stack).
  const error = JSON.stringify({ name: 'Symptom Lens', message, stack: undefined }, undefined, '\t');
  return [
    {
      items: [{ mime: ERROR_MIME, data: error }],
      ...(outcome.errorLine !== undefined
        ? { metadata: { line: outcome.errorLine, ...(outcome.errorField ? { field: outcome.errorField } : {}) } }
        : {}),
    },
  ];
}

/**
 * The .lensnb text of `model` with the outcomes of the cells that ran (by cell index, in run
 * order: their execution counts are 1, 2, …). Cells that did not run keep no outputs and no
 * execution count, so nothing from an earlier run is passed off as this run's. Secrets (the
 * given keys and anything shaped like a key or token) are masked in sources and outputs, as in
 * the report.
 */
export function executedNotebookText(
  model: NotebookModel,
  outcomes: ReadonlyMap<number, CellOutcome>,
  secrets: readonly (string | undefined)[],
): string {
  let executionCount = 0;
  const executed: NotebookModel = {
    ...model,
    cells: model.cells.map((cell, index) => {
      if (cell.kind !== 'code') return cell;
      const outcome = outcomes.get(index);
      return {
        ...cell,
        source: redactSource(cell.source, secrets),
        outputs: outcome ? outcomeOutputs(outcome) : [],
        executionCount: outcome ? ++executionCount : null,
      };
    }),
  };
  const text = serializeNotebook(executed);
  // One pass over the whole text finds nothing to mask in the usual case; masking string by
  // string (never across JSON syntax) only when it does.
  if (redact(text, secrets) === text) return text;
  return serializeNotebook({
    ...executed,
    cells: executed.cells.map((c) => ({ ...c, outputs: redactDeep(c.outputs, secrets) as NotebookOutput[] })),
  });
}

/** Where the executed notebook goes: NAME.lensnb in --out, NAME.executed.lensnb when --out is the notebook's own folder. */
export function executedNotebookPath(notebookPath: string, outDir: string): string {
  const name = path.basename(notebookPath);
  const target = path.resolve(outDir, name);
  if (target !== path.resolve(notebookPath)) return target;
  const ext = path.extname(name);
  return path.resolve(outDir, `${name.slice(0, name.length - ext.length)}.executed${ext}`);
}

function redactDeep(value: unknown, secrets: readonly (string | undefined)[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets)]));
  }
  return value;
}
