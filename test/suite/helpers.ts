/// <reference types="mocha" />
// What the extension API tests share: the extension's API, notebooks written into the test
// workspace, waiting for cells, and reading their outputs.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SymptomLensApi } from '../../src/extension/main';
import { serializeNotebook, type NotebookCellModel } from '../../src/kernel/nbformat';
import type { ScoreChanges } from '../../src/protocol/changes';

// Bundled to out/test/suite/: the repository is three folders up.
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const DEMO_MODEL = path.join(REPO, 'models', 'demo');
export const KERMANY_CSV = path.join(REPO, 'test', 'fixtures', 'kermany', 'labels.csv');
export const EXTENSION_ID = 'symptom-lens.symptom-lens';
export const CONTROLLER_ID = 'symptom-lens-kernel';
export const ERROR_MIME = 'application/vnd.code.notebook.error';

let workspace = '';

export type CellSpec = string | { markdown: string };

export async function writeNotebook(name: string, cells: CellSpec[]): Promise<vscode.Uri> {
  const models: NotebookCellModel[] = cells.map((c) =>
    typeof c === 'string'
      ? { kind: 'code', source: c, language: 'yaml', metadata: {}, outputs: [], executionCount: null }
      : { kind: 'markdown', source: c.markdown, language: 'markdown', metadata: {}, outputs: [] },
  );
  const file = path.join(workspace, name);
  await fs.writeFile(file, serializeNotebook({ cells: models, metadata: {}, nbformatMinor: 5 }));
  return vscode.Uri.file(file);
}

export async function openNotebook(uri: vscode.Uri): Promise<vscode.NotebookDocument> {
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  const editor = await vscode.window.showNotebookDocument(notebook);
  await vscode.commands.executeCommand('notebook.selectKernel', { editor, id: CONTROLLER_ID, extension: EXTENSION_ID });
  return notebook;
}

/** Each cell's state, for failure messages. */
export function describe(notebook: vscode.NotebookDocument): string {
  return notebook
    .getCells()
    .map((c) => {
      const outputs = c.outputs.flatMap((o) =>
        o.items.map((i) =>
          i.mime.startsWith('text/') || i.mime === ERROR_MIME ? new TextDecoder().decode(i.data).slice(0, 200) : i.mime,
        ),
      );
      return `  cell ${c.index + 1}: success=${c.executionSummary?.success} order=${c.executionSummary?.executionOrder} outputs=${JSON.stringify(outputs)}`;
    })
    .join('\n');
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 60_000,
  notebook?: vscode.NotebookDocument,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${notebook ? `\n${describe(notebook)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Run every cell, wait until each code cell has finished (either way), and return the code cells. */
export async function runAll(notebook: vscode.NotebookDocument, timeoutMs = 60_000): Promise<vscode.NotebookCell[]> {
  await vscode.commands.executeCommand('notebook.execute', notebook.uri);
  const code = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
  await waitFor(
    'all cells to finish',
    () => code.every((c) => c.executionSummary?.success !== undefined),
    timeoutMs,
    notebook,
  );
  return code;
}

/** A cell's YAML lines, without blank lines and comments. */
export function yamlLines(cell: vscode.NotebookCell): string[] {
  return cell.document
    .getText()
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
}

export function mimes(cell: vscode.NotebookCell): string[][] {
  return cell.outputs.map((o) => o.items.map((i) => i.mime));
}

export function json<T>(cell: vscode.NotebookCell, mime: string): T {
  const item = cell.outputs.flatMap((o) => o.items).find((i) => i.mime === mime);
  assert.ok(item, `cell ${cell.index + 1} has no ${mime} output (has ${JSON.stringify(mimes(cell))})`);
  return JSON.parse(new TextDecoder().decode(item.data)) as T;
}

export function errorMessage(cell: vscode.NotebookCell): string {
  return json<{ message: string }>(cell, ERROR_MIME).message;
}

export interface ScoreData {
  variants: { name: string; metrics: { accuracy: number }; descriptors?: Record<string, string[]> }[];
  run: { encoded: { images: number; texts: number }; provider: string };
  changes?: ScoreChanges;
  history?: unknown[];
}

export const imagesCell = (limit?: number) => `images: cxr\nfrom: ${KERMANY_CSV}${limit ? `\nlimit: ${limit}` : ''}`;
export const modelCell = `model: demo\npath: ${DEMO_MODEL}`;
export const namesCell = 'descriptors: names\nclasses:\n  normal: []\n  pneumonia: []';
export const v1Cell =
  'descriptors: v1\nclasses:\n  normal: [clear lung fields, sharp costophrenic angles]\n  pneumonia: [patchy consolidation, air bronchograms]';
export const scoreCell = 'score: cmp\nimages: cxr\nmodel: demo\ndescriptors: [names, v1]\nmethod: mean';

/** Activate the extension; every suite calls this in its suiteSetup. */
export async function activateExtension(): Promise<{ api: SymptomLensApi; workspace: string }> {
  const ext = vscode.extensions.getExtension<SymptomLensApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed in this host`);
  const api = await ext.activate();
  workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
  return { api, workspace };
}

/** Saved first: closing a notebook with unsaved outputs waits on a "save changes?" prompt. */
export async function closeEverything(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.files.saveAll');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
