// The active model and its execution provider (CUDA / WebGPU / CPU) in the window's status bar,
// taken from the last model cell that ran in the notebook in front; the tooltip says why, and
// why each provider `auto` passed over was skipped.
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE, type LensController } from './controller';
import { PROVIDER_LABEL, type Provider } from '../clip/types';

/** The part of a model cell's result the status bar shows. */
interface ModelInfo {
  name: string;
  path: string;
  provider: string;
  providerReason: string;
  providersSkipped: { provider: string; reason: string }[];
}

const label = (provider: string) => PROVIDER_LABEL[provider as Provider] ?? provider.toUpperCase();

function modelInfo(result: unknown): ModelInfo | undefined {
  const r = result as Partial<ModelInfo> | undefined;
  if (!r || typeof r.provider !== 'string' || typeof r.name !== 'string') return undefined;
  return {
    name: r.name,
    path: String(r.path ?? ''),
    provider: r.provider,
    providerReason: String(r.providerReason ?? ''),
    providersSkipped: Array.isArray(r.providersSkipped) ? r.providersSkipped : [],
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
      item.text = `$(symbol-class) ${info.name} · ${label(info.provider)}`;
      const tooltip = new vscode.MarkdownString();
      const skipped = info.providersSkipped.map((s) => `${label(s.provider)} skipped: ${s.reason}\n`).join('');
      const how = info.providersSkipped.length > 0 ? 'picked by device: auto' : info.providerReason;
      tooltip.appendText(
        `Model "${info.name}": ${info.path}\nExecution provider: ${label(info.provider)} (${how})\n${skipped}`,
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
