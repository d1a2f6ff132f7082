// The two ways to start: New Empty Notebook (the skeleton, also on File > New File) and New
// Tutorial Notebook (the tutorial with its own copy of the demo images and model).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE } from './controller';
import { parseNotebook, serializeNotebook } from '../kernel/nbformat';
import { relocateNotebook, skeletonNotebook } from '../kernel/starterNotebooks';
import { LensSerializer } from './serializer';

/** The tutorial and what it names, inside the extension. */
const TUTORIAL = ['examples', 'tutorial.lensnb'];
const DEMO_DATA = ['examples', 'data'];
const DEMO_MODEL = ['models', 'demo'];
/** The folder the tutorial is copied into (a number is added when it exists). */
const TUTORIAL_FOLDER = 'symptom-lens-tutorial';

export function registerStarterCommands(context: vscode.ExtensionContext): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('symptomLens.newEmptyNotebook', () => newEmptyNotebook()),
    vscode.commands.registerCommand('symptomLens.newNotebook', (parent?: vscode.Uri) =>
      newTutorialNotebook(context.extensionUri, parent),
    ),
  );
}

/** An untitled notebook holding the skeleton cells. */
export async function newEmptyNotebook(): Promise<vscode.NotebookEditor> {
  const notebook = await vscode.workspace.openNotebookDocument(
    NOTEBOOK_TYPE,
    LensSerializer.toNotebookData(skeletonNotebook()),
  );
  return vscode.window.showNotebookDocument(notebook);
}

const exists = (uri: vscode.Uri) =>
  vscode.workspace.fs.stat(uri).then(
    () => true,
    () => false,
  );

/**
 * Copies the tutorial, the demo images and the demo model into a new folder under `parent` (the
 * first workspace folder, else a folder the user picks) and opens the copy: its paths are
 * relative to itself, so it keeps working when the extension is updated, and its outputs and
 * edits are the user's own file. Returns undefined when the user picks no folder.
 */
export async function newTutorialNotebook(
  extensionUri: vscode.Uri,
  parent?: vscode.Uri,
): Promise<vscode.NotebookEditor | undefined> {
  parent ??= vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!parent) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Put the tutorial here',
      title: `Symptom Lens: where should the tutorial go? A "${TUTORIAL_FOLDER}" folder with its images and the demo model (5 MB) is created there.`,
    });
    parent = picked?.[0];
    if (!parent) return undefined;
  }
  let target = vscode.Uri.joinPath(parent, TUTORIAL_FOLDER);
  for (let n = 2; await exists(target); n++) target = vscode.Uri.joinPath(parent, `${TUTORIAL_FOLDER}-${n}`);

  const template = vscode.Uri.joinPath(extensionUri, ...TUTORIAL);
  const model = parseNotebook(
    new TextDecoder().decode(await vscode.workspace.fs.readFile(template)),
    'tutorial.lensnb',
  );
  const copies = [
    { from: vscode.Uri.joinPath(extensionUri, ...DEMO_DATA), to: vscode.Uri.joinPath(target, 'data') },
    { from: vscode.Uri.joinPath(extensionUri, ...DEMO_MODEL), to: vscode.Uri.joinPath(target, ...DEMO_MODEL) },
  ];
  for (const { from, to } of copies) await vscode.workspace.fs.copy(from, to);
  const relocated = relocateNotebook(
    model,
    path.dirname(template.fsPath),
    target.fsPath,
    copies.map(({ from, to }) => ({ from: from.fsPath, to: to.fsPath })),
  );
  const file = vscode.Uri.joinPath(target, path.basename(template.fsPath));
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(serializeNotebook(relocated)));
  const editor = await vscode.window.showNotebookDocument(await vscode.workspace.openNotebookDocument(file));
  void vscode.window.showInformationMessage(
    `Symptom Lens: the tutorial, its images and the demo model are in ${target.fsPath}.`,
  );
  return editor;
}
