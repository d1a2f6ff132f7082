// "$(warning) stale: re-run" in the status bar of cells whose inputs were redefined after they
// ran (the kernel tracks that; docs/methods.md, "Caches and staleness": stale, never silently wrong).
import * as vscode from 'vscode';
import { cellId, NOTEBOOK_TYPE, type LensController } from './controller';

export function registerStaleCellMarks(controller: LensController): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.NotebookCellStatusBarItemProvider = {
    onDidChangeCellStatusBarItems: changed.event,
    provideCellStatusBarItems(cell) {
      const kernel = controller.kernelFor(cell.notebook);
      if (!kernel || !kernel.staleCells().includes(cellId(cell))) return [];
      const item = new vscode.NotebookCellStatusBarItem(
        '$(warning) stale: re-run',
        vscode.NotebookCellStatusBarAlignment.Left,
      );
      item.tooltip =
        'A cell this one reads from was re-run after it. Run this cell again to bring its output up to date.';
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
  );
}
