// Export from score outputs and the palette: a score's predictions and metrics as the CLI's CSVs
// or as JSON through a save dialog, tables copied to the clipboard, charts saved as PNG/SVG. The
// renderer only names the score; its data is read from the notebook's own output, never taken
// from the message.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  decodeImageUrl,
  isCopyTextRequest,
  isExportScoreRequest,
  isSaveImageRequest,
  SCORE_EXPORTS,
  type ScoreExport,
} from '../protocol/export';
import { MIME } from '../protocol/mime';
import type { ScoreResult } from '../protocol/results';
import { metricsCsv, predictionsCsv, scoreJson } from '../report/scoreCsv';
import { loadPerImage, withEveryRow } from '../scoring/perImageStore';
import { NOTEBOOK_TYPE } from './controller';

const SCORE_RENDERER = 'symptom-lens.score';

/** What each export writes, as the CLI names its files (`<cell>.predictions.csv`, `<cell>.metrics.csv`). */
const WRITERS: Record<ScoreExport, { label: string; suffix: string; filter: string; write(s: ScoreResult): string }> = {
  'predictions.csv': { label: 'Predictions (CSV)', suffix: '.predictions.csv', filter: 'CSV', write: predictionsCsv },
  'metrics.csv': { label: 'Metrics (CSV)', suffix: '.metrics.csv', filter: 'CSV', write: metricsCsv },
  json: { label: 'Predictions and metrics (JSON)', suffix: '.score.json', filter: 'JSON', write: scoreJson },
};

/** Options the palette command takes from tests and keybindings: skip the pickers and the dialog. */
export interface ExportOptions {
  score?: string;
  format?: ScoreExport;
  /** Where to write; without it a save dialog asks. */
  uri?: vscode.Uri;
}

/** Every score output of the notebook, in cell order (the newest output of each cell). */
export function scoreOutputs(notebook: vscode.NotebookDocument): { cell: vscode.NotebookCell; score: ScoreResult }[] {
  const decoder = new TextDecoder();
  const found: { cell: vscode.NotebookCell; score: ScoreResult }[] = [];
  for (const cell of notebook.getCells()) {
    for (const output of cell.outputs) {
      for (const item of output.items) {
        if (item.mime !== MIME.score) continue;
        try {
          const score = JSON.parse(decoder.decode(item.data)) as ScoreResult;
          if (typeof score?.name === 'string' && Array.isArray(score.variants)) found.push({ cell, score });
        } catch {
          // An output that is not JSON is not a score to export.
        }
      }
    }
  }
  return found;
}

/** Writes one export of the score named `name`; returns the file, or undefined when cancelled. */
/** Where a notebook's cache is (LensController.cacheOf). */
export type CacheOf = (notebook: vscode.NotebookDocument) => { notebookPath: string; cacheDir: string };

export async function exportScore(
  cacheOf: CacheOf,
  notebook: vscode.NotebookDocument,
  name: string,
  format: ScoreExport,
  uri?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  let score = scoreOutputs(notebook).find((o) => o.score.name === name)?.score;
  if (!score) throw new Error(`No output of score "${name}" in this notebook: run the score cell first.`);
  // A paged output keeps a few rows: the per-image exports read every row from its file.
  if (score.perImage && format !== 'metrics.csv') {
    const { cacheDir, notebookPath } = cacheOf(notebook);
    const file = await loadPerImage(cacheDir, notebookPath, score.name, score.perImage.run);
    if (!file)
      throw new Error(
        `The per-image rows of score "${name}" are not in the cache any more: re-run the score cell to export every image.`,
      );
    score = withEveryRow(score, file);
  }
  const writer = WRITERS[format];
  const target =
    uri ??
    (await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(notebookFolder(notebook), `${safeName(name)}${writer.suffix}`),
      filters: { [writer.filter]: [format === 'json' ? 'json' : 'csv'] },
      title: `Export ${writer.label.toLowerCase()} of score "${name}"`,
    }));
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(writer.write(score)));
  return target;
}

/** The palette command: pick a score (when there are several) and a format, then where to save. */
export async function exportScoreCommand(
  cacheOf: CacheOf,
  options: ExportOptions = {},
): Promise<vscode.Uri | undefined> {
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  if (!notebook || notebook.notebookType !== NOTEBOOK_TYPE) {
    void vscode.window.showErrorMessage('Symptom Lens: open a notebook with a score output to export it.');
    return undefined;
  }
  const names = [...new Set(scoreOutputs(notebook).map((o) => o.score.name))];
  if (names.length === 0) {
    void vscode.window.showErrorMessage('Symptom Lens: this notebook has no score output yet: run a score cell first.');
    return undefined;
  }
  const name =
    options.score ??
    (names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { title: 'Export which score?' }));
  if (!name) return undefined;
  const format =
    options.format ??
    (
      await vscode.window.showQuickPick(
        SCORE_EXPORTS.map((f) => ({ label: WRITERS[f].label, format: f })),
        { title: `Export score "${name}" as` },
      )
    )?.format;
  if (!format) return undefined;
  return report(exportScore(cacheOf, notebook, name, format, options.uri));
}

async function report(saving: Promise<vscode.Uri | undefined>): Promise<vscode.Uri | undefined> {
  try {
    const file = await saving;
    if (file) void vscode.window.showInformationMessage(`Symptom Lens: saved ${vscode.workspace.asRelativePath(file)}`);
    return file;
  } catch (e) {
    void vscode.window.showErrorMessage(`Symptom Lens: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

/** The export buttons of every renderer, and the palette command. */
export function registerExports(
  context: vscode.ExtensionContext,
  channels: Map<string, vscode.NotebookRendererMessaging>,
  cacheOf: CacheOf,
): void {
  for (const [id, messaging] of channels) {
    context.subscriptions.push(
      messaging.onDidReceiveMessage(({ editor, message }) => {
        if (isCopyTextRequest(message)) {
          void vscode.env.clipboard
            .writeText(message.text)
            .then(() => vscode.window.setStatusBarMessage(`Copied the ${message.what}`, 4000));
        } else if (isSaveImageRequest(message)) {
          void report(saveImage(editor.notebook, message.name, message.dataUrl));
        } else if (id === SCORE_RENDERER && isExportScoreRequest(message)) {
          void report(exportScore(cacheOf, editor.notebook, message.score, message.format));
        }
      }),
    );
  }
  context.subscriptions.push(
    vscode.commands.registerCommand('symptomLens.exportScore', (options?: ExportOptions) =>
      exportScoreCommand(cacheOf, options),
    ),
  );
}

async function saveImage(notebook: vscode.NotebookDocument, name: string, dataUrl: string, uri?: vscode.Uri) {
  const image = decodeImageUrl(dataUrl);
  if (!image) throw new Error('the chart image is not a PNG or SVG data URL');
  const target =
    uri ??
    (await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(notebookFolder(notebook), `${safeName(name)}.${image.extension}`),
      filters: { [image.extension.toUpperCase()]: [image.extension] },
      title: `Save ${name} as ${image.extension.toUpperCase()}`,
    }));
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, image.bytes);
  return target;
}

function notebookFolder(notebook: vscode.NotebookDocument): vscode.Uri {
  if (notebook.uri.scheme === 'file') return vscode.Uri.file(path.dirname(notebook.uri.fsPath));
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd());
}

/** A file name from a cell or chart name: path separators and odd characters become "-". */
function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '') || 'score';
}
