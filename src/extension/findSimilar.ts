// The extension's side of the score renderer's cell actions: "Find similar" (a search cell with
// `like:` the card's image) and "Explain this image" (an explain cell for the image and variant).
// Either goes right below the score cell, and runs.
import { Document } from 'yaml';
import * as vscode from 'vscode';
import {
  isExplainImageRequest,
  isFindSimilarRequest,
  type ExplainImageRequest,
  type FindSimilarRequest,
} from '../protocol/messages';
import { MIME } from '../protocol/mime';

/** How many neighbours the inserted cell asks for. */
const NEIGHBOURS = 12;

export function registerFindSimilar(
  context: vscode.ExtensionContext,
  messaging: vscode.NotebookRendererMessaging,
): void {
  context.subscriptions.push(
    messaging.onDidReceiveMessage(({ editor, message }) => {
      const action = isFindSimilarRequest(message)
        ? { what: 'search', run: insertSimilarSearch(editor, message) }
        : isExplainImageRequest(message)
          ? { what: 'explain', run: insertExplainCell(editor, message) }
          : undefined;
      void action?.run.catch((e) =>
        vscode.window.showErrorMessage(
          `Symptom Lens: could not insert the ${action.what} cell: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }),
  );
}

/** The search cell for `request`: every value goes through the YAML writer (a renderer message is untrusted). */
export function similarSearchCell(request: FindSimilarRequest): string {
  const doc = new Document({
    search: `like-${imageStem(request.image)}`,
    images: request.images,
    model: request.model,
    like: request.image,
    k: NEIGHBOURS,
  });
  doc.commentBefore = ` the images nearest to a failure of score "${request.score.replace(/\s+/g, ' ')}"`;
  return doc.toString({ lineWidth: 0 });
}

/** A name for a cell about `image`: its file name without the extension, as a YAML-safe word. */
function imageStem(image: string): string {
  const stem = (image.split(/[\\/]/).pop() ?? 'image').replace(/\.[^.]*$/, '');
  return stem.replace(/[^\w.-]+/g, '-');
}

/** The explain cell for `request`, written through the YAML writer (a renderer message is untrusted). */
export function explainCell(request: ExplainImageRequest): string {
  const doc = new Document({
    explain: `why-${imageStem(request.image)}`,
    score: request.score,
    variant: request.variant,
    image: request.image,
  });
  doc.commentBefore = ` why score "${request.score.replace(/\s+/g, ' ')}" classified this image as it did`;
  return doc.toString({ lineWidth: 0 });
}

export function insertSimilarSearch(editor: vscode.NotebookEditor, request: FindSimilarRequest) {
  return insertBelowScoreAndRun(editor, request.score, similarSearchCell(request));
}

export function insertExplainCell(editor: vscode.NotebookEditor, request: ExplainImageRequest) {
  return insertBelowScoreAndRun(editor, request.score, explainCell(request));
}

/** Inserts `cellSource` below the score cell (else at the end), runs it; returns its index. */
async function insertBelowScoreAndRun(
  editor: vscode.NotebookEditor,
  scoreName: string,
  cellSource: string,
): Promise<number | undefined> {
  const notebook = editor.notebook;
  const source = scoreCell(notebook, scoreName);
  const index = source === undefined ? notebook.cellCount : source.index + 1;
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [
    vscode.NotebookEdit.insertCells(index, [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, cellSource, 'yaml'),
    ]),
  ]);
  if (!(await vscode.workspace.applyEdit(edit))) return undefined;
  const range = new vscode.NotebookRange(index, index + 1);
  editor.selection = range;
  editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  await vscode.commands.executeCommand('notebook.cell.execute', {
    ranges: [{ start: index, end: index + 1 }],
    document: notebook.uri,
  });
  return index;
}

/** The cell whose score output is named `name`. */
function scoreCell(notebook: vscode.NotebookDocument, name: string): vscode.NotebookCell | undefined {
  const decoder = new TextDecoder();
  return notebook.getCells().find((cell) =>
    cell.outputs.some((o) =>
      o.items.some((item) => {
        if (item.mime !== MIME.score) return false;
        try {
          return (JSON.parse(decoder.decode(item.data)) as { name?: unknown }).name === name;
        } catch {
          return false;
        }
      }),
    ),
  );
}
