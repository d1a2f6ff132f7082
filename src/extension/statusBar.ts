// The active model and its execution provider (CUDA / CPU) in the window's status bar, taken
// from the last model cell that ran in the notebook in front.
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE, type LensController } from './controller';

/** The part of a model cell's result the status bar shows. */
interface ModelInfo {
  name: string;
  path: string;
  provider: string;
  providerReason: string;
}

function modelInfo(result: unknown): ModelInfo | undefined {
  const r = result as Partial<ModelInfo> | undefined;
  if (!r || typeof r.provider !== 'string' || typeof r.name !== 'string') return undefined;
  return {
    name: r.name,
    path: String(r.path ?? ''),
    provider: r.provider,
    providerReason: String(r.providerReason ?? ''),
  };
}

export function registerModelStatus(controller: LensController): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('symptomLens.model', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Symptom Lens model';
  item.command = 'symptomLens.selectModel';
  const models = new Map<string, ModelInfo>();

  const refresh = () => {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    if (!notebook || notebook.notebookType !== NOTEBOOK_TYPE) {
      item.hide();
      return;
    }
    const info = models.get(notebook.uri.toString());
    if (info) {
      item.text = `$(symbol-class) ${info.name} · ${info.provider.toUpperCase()}`;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendText(
        `Model "${info.name}": ${info.path}\nExecution provider: ${info.provider.toUpperCase()} (${info.providerReason})\n`,
      );
      tooltip.appendMarkdown('\nClick to choose the default model folder.');
      item.tooltip = tooltip;
    } else {
      item.text = '$(symbol-class) no model';
      item.tooltip = 'No model cell has run in this notebook yet. Click to choose the default model folder.';
    }
    item.show();
  };

  refresh();
  return vscode.Disposable.from(
    item,
    controller.onDidRunCell(({ notebook, outcome }) => {
      const info = outcome.ok && outcome.step === 'model' ? modelInfo(outcome.result) : undefined;
      if (info) {
        models.set(notebook.uri.toString(), info);
        refresh();
      }
    }),
    vscode.window.onDidChangeActiveNotebookEditor(refresh),
    vscode.workspace.onDidCloseNotebookDocument((nb) => {
      models.delete(nb.uri.toString());
      refresh();
    }),
  );
}
