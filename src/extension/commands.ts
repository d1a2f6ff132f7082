// The palette commands: Select Model, Clear Embedding Cache, Open Report.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EmbeddingCache } from '../cache/embeddingCache';
import { NOTEBOOK_TYPE, type LensController } from './controller';
import { defaultCacheDir } from '../kernel/kernel';
import type { StepOutput } from '../protocol/mime';
import { writeReport } from '../report/report';
import { readCacheDirSetting, SECTION } from './settings';

/** The embedding cache's folder inside a cache directory (LLM completions live beside it and stay). */
/** VS Code's error output (what the controller writes for a failed cell). */
const ERROR_MIME = 'application/vnd.code.notebook.error';

export function registerCommands(context: vscode.ExtensionContext, controller: LensController): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('symptomLens.selectModel', (folder?: vscode.Uri) =>
      selectModel(context.extensionUri, folder),
    ),
    vscode.commands.registerCommand('symptomLens.clearCache', (target?: NotebookTarget, options?: ClearOptions) =>
      clearCache(controller, target, options),
    ),
    vscode.commands.registerCommand('symptomLens.openReport', (target?: NotebookTarget) => openReport(target)),
  );
}

/**
 * What a command is called with: a notebook URI (palette, tests), the NotebookDocument (VS Code
 * hands the notebook toolbar's context to extensions as one), a notebook editor context
 * (`{ notebookEditor: { notebookUri } }`), or nothing (the active notebook).
 */
export type NotebookTarget =
  vscode.Uri | vscode.NotebookDocument | { notebookEditor?: { notebookUri?: vscode.Uri }; notebookUri?: vscode.Uri };

function targetUri(target: NotebookTarget | undefined): vscode.Uri | undefined {
  if (!target || typeof target !== 'object') return undefined;
  if (target instanceof vscode.Uri) return target;
  if ('notebookType' in target && target.uri instanceof vscode.Uri) return target.uri;
  const context = target as { notebookEditor?: { notebookUri?: vscode.Uri }; notebookUri?: vscode.Uri };
  const uri = context.notebookEditor?.notebookUri ?? context.notebookUri;
  // A context that crossed a process boundary may carry a plain URI object.
  return uri ? vscode.Uri.from(uri) : undefined;
}

function targetNotebook(target?: NotebookTarget): vscode.NotebookDocument | undefined {
  const uri = targetUri(target);
  const found = uri
    ? vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString())
    : vscode.window.activeNotebookEditor?.notebook;
  return found?.notebookType === NOTEBOOK_TYPE ? found : undefined;
}

/** The demo model that ships inside the extension. */
const DEMO_MODEL = ['models', 'demo'];

/**
 * Choose the default model folder (symptomLens.modelPath), used by model cells without `path:`:
 * the bundled demo model or a folder picked on disk.
 */
export async function selectModel(extensionUri: vscode.Uri, folder?: vscode.Uri): Promise<string | undefined> {
  if (!folder) {
    const demo = vscode.Uri.joinPath(extensionUri, ...DEMO_MODEL);
    const choice = await vscode.window.showQuickPick(
      [
        { label: 'Bundled demo model', description: 'tiny, random weights: for trying the notebook', folder: demo },
        { label: 'Browse for a model folder…', description: 'Hugging Face / transformers.js ONNX layout' },
      ],
      { title: 'Symptom Lens: Select Model' },
    );
    if (!choice) return undefined;
    folder = 'folder' in choice ? choice.folder : undefined;
  }
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use this model',
      title: 'Select a model folder (config.json, tokenizer.json, onnx/vision_model.onnx, onnx/text_model.onnx)',
    });
    folder = picked?.[0];
    if (!folder) return undefined;
  }
  const dir = folder.fsPath;
  const missing: string[] = [];
  for (const f of [
    'config.json',
    'preprocessor_config.json',
    'tokenizer.json',
    'onnx/vision_model.onnx',
    'onnx/text_model.onnx',
  ]) {
    if (!(await fs.stat(path.join(dir, f)).catch(() => undefined))) missing.push(f);
  }
  if (missing.length > 0) {
    void vscode.window.showErrorMessage(
      `${dir} is not a model folder: ${missing.join(', ')} missing. Pick a folder in the Hugging Face / transformers.js ONNX layout.`,
    );
    return undefined;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration(SECTION).update('modelPath', dir, target);
  void vscode.window.showInformationMessage(`Symptom Lens: model cells without "path:" now use ${dir}.`);
  return dir;
}

/** The cache folder the notebook's kernel uses (or would use). */
function cacheDirOf(controller: LensController, notebook: vscode.NotebookDocument | undefined): string | undefined {
  const kernel = notebook && controller.kernelFor(notebook);
  if (kernel) return kernel.cacheDir;
  const configured = readCacheDirSetting(notebook?.uri);
  if (configured) return configured;
  return notebook?.uri.scheme === 'file' ? defaultCacheDir(notebook.uri.fsPath) : undefined;
}

/** `confirmed` skips the question (callers that already asked, tests). */
export interface ClearOptions {
  confirmed?: boolean;
}

/**
 * Delete the notebook's cached embeddings after a modal question that says how many there are:
 * recomputing them can take an hour at 10k images on a full-size model.
 */
export async function clearCache(
  controller: LensController,
  target?: NotebookTarget,
  options: ClearOptions = {},
): Promise<string | undefined> {
  const cacheDir = cacheDirOf(controller, targetNotebook(target));
  if (!cacheDir) {
    EmbeddingCache.clearMemory();
    void vscode.window.showInformationMessage(
      'Symptom Lens: cleared the in-memory embeddings. Open a notebook to clear its cache folder too.',
    );
    return undefined;
  }
  const cache = new EmbeddingCache(cacheDir);
  const folder = cache.folder;
  const { entries, bytes } = await cache.stored();
  const size = `${entries} embedding${entries === 1 ? '' : 's'} (${(bytes / 2 ** 20).toFixed(1)} MiB)`;
  if (!options.confirmed) {
    const answer = await vscode.window.showWarningMessage(
      `Delete ${size} in ${folder}?`,
      {
        modal: true,
        detail:
          'The next run encodes every image and descriptor again, which can take an hour for thousands of images on a full-size model. LLM completions are kept.',
      },
      'Delete',
    );
    if (answer !== 'Delete') return undefined;
  }
  EmbeddingCache.clearMemory();
  await cache.clear();
  void vscode.window.showInformationMessage(
    `Symptom Lens: deleted ${size} from ${folder}. The next run encodes every image again.`,
  );
  return folder;
}

/** The kernel's output of a saved cell: its custom-MIME item and its markdown fallback. */
function stepOutputs(cell: vscode.NotebookCell): { outputs: StepOutput[]; error?: string } {
  const outputs: StepOutput[] = [];
  let error: string | undefined;
  const decoder = new TextDecoder();
  for (const output of cell.outputs) {
    const custom = output.items.find((i) => i.mime.startsWith('application/vnd.symptom-lens.'));
    const markdown = output.items.find((i) => i.mime === 'text/markdown');
    const failure = output.items.find((i) => i.mime === ERROR_MIME);
    if (custom) {
      outputs.push({
        mime: custom.mime,
        data: JSON.parse(decoder.decode(custom.data)),
        markdown: markdown ? decoder.decode(markdown.data) : '',
      });
    } else if (failure) {
      error = (JSON.parse(decoder.decode(failure.data)) as { message?: string }).message;
    }
  }
  return { outputs, error };
}

/**
 * Write report.html from the notebook's last outputs with the CLI's report writer (same
 * renderers, works offline) and show it. A notebook that was never run opens its existing
 * report, if the CLI wrote one.
 */
export async function openReport(target?: NotebookTarget): Promise<string | undefined> {
  const notebook = targetNotebook(target);
  if (!notebook) {
    void vscode.window.showErrorMessage(
      'Symptom Lens: open a .lensnb notebook first; its report is written from its outputs.',
    );
    return undefined;
  }
  if (notebook.isUntitled || notebook.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      'Symptom Lens: save the notebook first; the report goes into an "out" folder beside it.',
    );
    return undefined;
  }
  const notebookPath = notebook.uri.fsPath;
  const outDir = path.join(path.dirname(notebookPath), 'out');
  let reportPath = path.join(outDir, 'report.html');
  const code = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
  if (code.some((c) => c.outputs.length > 0)) {
    const cells = notebook.getCells().map((cell, index) => {
      if (cell.kind === vscode.NotebookCellKind.Markup) {
        return { index, step: null, name: null, ok: true, outputs: [], markdown: cell.document.getText() };
      }
      const { outputs, error } = stepOutputs(cell);
      const first = /^\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$/m.exec(cell.document.getText());
      return {
        index,
        step: first?.[1] ?? null,
        name: first?.[2] || null,
        ok: cell.executionSummary?.success === true,
        ...(error ? { error } : {}),
        outputs,
        source: cell.document.getText(),
      };
    });
    reportPath = await writeReport(outDir, { notebookPath, cells });
  } else if (!(await fs.stat(reportPath).catch(() => undefined))) {
    void vscode.window.showErrorMessage(
      `Symptom Lens: run the notebook first; there are no outputs and no ${reportPath} yet.`,
    );
    return undefined;
  }
  showReport(`Report: ${path.basename(notebookPath)}`, reportPath, await fs.readFile(reportPath, 'utf8'));
  return reportPath;
}

function showReport(title: string, reportPath: string, html: string): void {
  const panel = vscode.window.createWebviewPanel('symptomLens.report', title, vscode.ViewColumn.Beside, {
    // The report is self-contained (inline renderers, data: thumbnails): it needs scripts, no files.
    enableScripts: true,
    localResourceRoots: [],
  });
  panel.webview.html = html;
  void vscode.window
    .showInformationMessage(`Symptom Lens: report written to ${reportPath}`, 'Open in Browser')
    .then((choice) => {
      if (choice) void vscode.env.openExternal(vscode.Uri.file(reportPath));
    });
}
