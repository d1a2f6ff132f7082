// What the cell status bar and the outputs say about cells that no longer match the session
// (docs/methods.md, "Caches and staleness": stale, never silently wrong): "edited, not run" on a cell whose text changed since
// it ran, and "stale" on a cell whose inputs were redefined after it ran. (The controller also
// marks a stale cell's results in the output itself, where the renderers dim them under a banner.)
import * as vscode from 'vscode';
import { cellId, NOTEBOOK_TYPE, type LensController } from './controller';

/** Typing re-checks the status bar after a pause, not on every key. */
const EDIT_DELAY_MS = 300;

export function registerStaleCellMarks(controller: LensController): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  let timer: NodeJS.Timeout | undefined;
  const provider: vscode.NotebookCellStatusBarItemProvider = {
    onDidChangeCellStatusBarItems: changed.event,
    provideCellStatusBarItems(cell) {
      const state = controller.kernelFor(cell.notebook)?.cellState(cellId(cell), cell.document.getText());
      if (state !== 'edited' && state !== 'stale') return [];
      const item = new vscode.NotebookCellStatusBarItem(
        state === 'edited' ? '$(edit) edited, not run' : '$(warning) stale: re-run',
        vscode.NotebookCellStatusBarAlignment.Left,
      );
      item.tooltip =
        state === 'edited'
          ? 'This cell was edited after it ran: its output and the cells that read from it still use the old text. Run it (or a cell below that reads from it) to bring them up to date.'
          : 'A cell this one reads from was re-run with a different result after it. Run this cell again to bring its output up to date.';
      item.command = {
        title: 'Run cell',
        command: 'notebook.cell.execute',
        arguments: [{ ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri }],
      };
      return [item];
    },
  };
  return vscode.Disposable.from(
    changed,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, provider),
    controller.onDidRunCell(() => changed.fire()),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme !== 'vscode-notebook-cell' || e.contentChanges.length === 0) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => changed.fire(), EDIT_DELAY_MS);
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
