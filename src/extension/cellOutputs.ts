// The outputs the controller writes: a step's results (custom MIME + markdown fallback), VS
// Code's error output, the status line, and earlier results kept beside a new run with a mark
// the renderers show as a banner ("re-running", "from the previous run", "stale").
import * as vscode from 'vscode';
import type { StepOutput } from '../protocol/mime';
import { OUTPUT_MARK_BANNER, OUTPUT_MARK_KEY, type OutputMark } from '../protocol/outputMark';

const RESULT_MIME_PREFIX = 'application/vnd.symptom-lens.';

/** The renderer's rich item, then the markdown fallback for anything that cannot show it. */
export function successOutput(o: StepOutput): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([
    vscode.NotebookCellOutputItem.json(o.data, o.mime),
    vscode.NotebookCellOutputItem.text(o.markdown, 'text/markdown'),
  ]);
}

/** VS Code's own error output, with no stack: the message already says where and what to do. */
export function errorOutput(message: string, line?: number, field?: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    [vscode.NotebookCellOutputItem.error({ name: 'Symptom Lens', message })],
    line !== undefined ? { line, field } : undefined,
  );
}

export function textOutput(text: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text)]);
}

/** A step's result (custom MIME), as opposed to a status line or an error. */
export function isResultOutput(output: vscode.NotebookCellOutput): boolean {
  return output.items.some((i) => i.mime.startsWith(RESULT_MIME_PREFIX));
}

/** The results a cell shows now (its custom-MIME outputs), without the marks of an earlier run. */
export function resultOutputs(cell: vscode.NotebookCell): vscode.NotebookCellOutput[] {
  return cell.outputs.filter(isResultOutput).map((o) => {
    const { [OUTPUT_MARK_KEY]: mark, ...metadata } = o.metadata ?? {};
    const items = mark ? o.items.map((i) => withMarkdown(i, (text) => text.slice(text.indexOf('\n\n') + 2))) : o.items;
    return new vscode.NotebookCellOutput(items, metadata);
  });
}

/**
 * The same results with a mark (the renderers show its banner). The markdown fallback says it
 * too; that also matters to VS Code, which keeps an output whose items did not change when it
 * replaces several at once, whatever its metadata.
 */
export function markOutputs(outputs: vscode.NotebookCellOutput[], mark: OutputMark): vscode.NotebookCellOutput[] {
  return outputs.map(
    (o) =>
      new vscode.NotebookCellOutput(
        o.items.map((i) => withMarkdown(i, (text) => `> **${OUTPUT_MARK_BANNER[mark]}**\n\n${text}`)),
        { ...o.metadata, [OUTPUT_MARK_KEY]: mark },
      ),
  );
}

function withMarkdown(
  item: vscode.NotebookCellOutputItem,
  edit: (text: string) => string,
): vscode.NotebookCellOutputItem {
  if (item.mime !== 'text/markdown') return item;
  return vscode.NotebookCellOutputItem.text(edit(new TextDecoder().decode(item.data)), 'text/markdown');
}

export function outputMark(output: vscode.NotebookCellOutput): OutputMark | undefined {
  return output.metadata?.[OUTPUT_MARK_KEY] as OutputMark | undefined;
}
