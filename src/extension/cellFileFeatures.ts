// Files in cells, while editing: completions of paths after `from:`, `path:`, `image:`… (listing
// the folder typed so far, relative to the notebook), warnings for files and model folders that
// are not there (a stat or a folder listing, debounced, on the value's line), and quick fixes for
// every "Did you mean …?" diagnostic.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { suggestionIn } from '../common/closest';
import { layoutGaps } from '../clip/modelFolder';
import { NOTEBOOK_TYPE } from './controller';
import { readCellHeader } from '../kernel/cellHeader';
import { neededPaths, typedPath, type NeededPath } from '../kernel/cellFiles';
import { parseCell } from '../kernel/parse';

const SELECTOR: vscode.DocumentSelector = { notebookType: NOTEBOOK_TYPE, language: 'yaml' };
const CHECK_DELAY_MS = 500;
const SOURCE = 'Symptom Lens';

function notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
  return vscode.workspace.notebookDocuments.find(
    (nb) => nb.notebookType === NOTEBOOK_TYPE && nb.getCells().some((c) => c.document === doc),
  );
}

/** The folder relative paths resolve against, as the kernel resolves them. */
function notebookFolder(notebook: vscode.NotebookDocument | undefined): vscode.Uri | undefined {
  if (notebook?.uri.scheme === 'file') return vscode.Uri.file(path.dirname(notebook.uri.fsPath));
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

function resolve(base: vscode.Uri | undefined, value: string): vscode.Uri | undefined {
  if (path.isAbsolute(value)) return vscode.Uri.file(value);
  return base && vscode.Uri.joinPath(base, value);
}

const statOf = (uri: vscode.Uri) => vscode.workspace.fs.stat(uri).then(undefined, () => undefined);

class PathCompletions implements vscode.CompletionItemProvider {
  async provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const header = readCellHeader(doc.getText());
    if (!header || header.position.line - 1 >= position.line) return [];
    const typed = typedPath(header.step, doc.lineAt(position.line).text.slice(0, position.character));
    if (!typed) return [];
    const folder = resolve(notebookFolder(notebookOf(doc)), typed.folder || '.');
    if (!folder) return [];
    const entries = await vscode.workspace.fs.readDirectory(folder).then(undefined, () => []);
    const range = new vscode.Range(position.translate(0, -typed.partial.length), position);
    return entries
      .filter(([name]) => !name.startsWith('.') || typed.partial.startsWith('.'))
      .map(([name, type]) => {
        const isFolder = (type & vscode.FileType.Directory) !== 0;
        const item = new vscode.CompletionItem(
          isFolder ? `${name}/` : name,
          isFolder ? vscode.CompletionItemKind.Folder : vscode.CompletionItemKind.File,
        );
        item.range = range;
        item.detail = `${typed.folder}${name}${isFolder ? '/' : ''} (relative to the notebook)`;
        // Folders first; opening one lists what is inside.
        item.sortText = `${isFolder ? 0 : 1}${name}`;
        if (isFolder) item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
        return item;
      });
  }
}

/** Why `needed` cannot be used as written, or undefined when it can. */
async function problemWith(base: vscode.Uri | undefined, needed: NeededPath): Promise<string | undefined> {
  const uri = resolve(base, needed.value);
  if (!uri) return undefined; // an untitled notebook without a folder: relative paths are checked on run
  const stat = await statOf(uri);
  if (!stat) return `"${needed.value}" does not exist (looked in ${path.dirname(uri.fsPath)}).`;
  if (needed.kind === 'file' && stat.type & vscode.FileType.Directory)
    return `"${needed.value}" is a folder; ${needed.option}: takes a file.`;
  if (needed.kind !== 'model-folder') return undefined;
  if (!(stat.type & vscode.FileType.Directory)) return `"${needed.value}" is a file; path: takes a model folder.`;
  const files = new Set<string>();
  for (const sub of ['', 'onnx']) {
    const entries = await vscode.workspace.fs
      .readDirectory(sub ? vscode.Uri.joinPath(uri, sub) : uri)
      .then(undefined, () => []);
    for (const [name] of entries) files.add(sub ? `${sub}/${name}` : name);
  }
  const gaps = layoutGaps(files);
  return gaps.length > 0
    ? `"${needed.value}" is not a model folder: ${gaps.join(', ')} missing (Hugging Face / transformers.js ONNX layout).`
    : undefined;
}

async function fileDiagnostics(
  doc: vscode.TextDocument,
  notebook: vscode.NotebookDocument,
): Promise<vscode.Diagnostic[]> {
  let cell;
  try {
    cell = parseCell(doc.getText());
  } catch {
    return []; // the parser's own diagnostic says what is wrong first
  }
  const base = notebookFolder(notebook);
  const out: vscode.Diagnostic[] = [];
  for (const needed of neededPaths(cell)) {
    const problem = await problemWith(base, needed);
    if (!problem) continue;
    const line = (needed.position?.line ?? 1) - 1;
    const start = (needed.position?.column ?? 1) - 1;
    const d = new vscode.Diagnostic(
      new vscode.Range(line, start, line, doc.lineAt(Math.min(line, doc.lineCount - 1)).text.length),
      problem,
      vscode.DiagnosticSeverity.Warning,
    );
    d.source = SOURCE;
    out.push(d);
  }
  return out;
}

/** Replaces the word a "Did you mean …?" diagnostic covers with its suggestion. */
class DidYouMeanFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext) {
    return context.diagnostics.flatMap((d) => {
      const suggestion = d.source === SOURCE ? suggestionIn(d.message) : undefined;
      if (!suggestion || d.range.isEmpty || d.range.isSingleLine === false) return [];
      const action = new vscode.CodeAction(`Change to "${suggestion}"`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, d.range, suggestion);
      action.diagnostics = [d];
      action.isPreferred = true;
      return [action];
    });
  }
}

export function registerCellFileFeatures(): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('symptom-lens-files');
  const timers = new Map<string, NodeJS.Timeout>();
  const check = async (doc: vscode.TextDocument) => {
    const notebook = notebookOf(doc);
    if (!notebook || doc.languageId !== 'yaml') return;
    const version = doc.version;
    const found = await fileDiagnostics(doc, notebook);
    // An edit made while the files were being looked at gets its own check.
    if (doc.version === version && !doc.isClosed) diagnostics.set(doc.uri, found);
  };
  const schedule = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        void check(doc);
      }, CHECK_DELAY_MS),
    );
  };
  const checkNotebook = (notebook: vscode.NotebookDocument) => {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    for (const cell of notebook.getCells()) if (cell.kind === vscode.NotebookCellKind.Code) schedule(cell.document);
  };
  vscode.workspace.notebookDocuments.forEach(checkNotebook);
  return vscode.Disposable.from(
    diagnostics,
    vscode.languages.registerCompletionItemProvider(SELECTOR, new PathCompletions(), '/', ':', ' '),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new DidYouMeanFixes(), {
      providedCodeActionKinds: DidYouMeanFixes.kinds,
    }),
    vscode.workspace.onDidOpenNotebookDocument(checkNotebook),
    // A saved notebook moves its folder: every relative path is checked again.
    vscode.workspace.onDidSaveNotebookDocument(checkNotebook),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme === 'vscode-notebook-cell') schedule(e.document);
    }),
    vscode.workspace.onDidChangeNotebookDocument((e) => {
      for (const change of e.contentChanges) {
        for (const cell of change.removedCells) diagnostics.delete(cell.document.uri);
        for (const cell of change.addedCells) schedule(cell.document);
      }
    }),
    vscode.workspace.onDidCloseNotebookDocument((nb) => {
      for (const cell of nb.getCells()) diagnostics.delete(cell.document.uri);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
}
