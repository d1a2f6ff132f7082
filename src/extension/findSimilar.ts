// The extension's side of the score renderer's "Find similar" action: a search cell with `like:`
// the failure card's image goes right below the score cell, and runs.
import { Document } from 'yaml';
import * as vscode from 'vscode';
import { isFindSimilarRequest, type FindSimilarRequest } from '../protocol/messages';
import { MIME } from '../protocol/mime';

/** How many neighbours the inserted cell asks for. */
const NEIGHBOURS = 12;

export function registerFindSimilar(
  context: vscode.ExtensionContext,
  messaging: vscode.NotebookRendererMessaging,
): void {
  context.subscriptions.push(
    messaging.onDidReceiveMessage(({ editor, message }) => {
      if (!isFindSimilarRequest(message)) return;
      void insertSimilarSearch(editor, message).catch((e) =>
        vscode.window.showErrorMessage(
          `Symptom Lens: could not insert the search cell: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }),
  );
}

/** The search cell for `request`: every value goes through the YAML writer (a renderer message is untrusted). */
export function similarSearchCell(request: FindSimilarRequest): string {
  const stem = (request.image.split(/[\\/]/).pop() ?? 'image').replace(/\.[^.]*$/, '');
  const doc = new Document({
    search: `like-${stem.replace(/[^\w.-]+/g, '-')}`,
    images: request.images,
    model: request.model,
    like: request.image,
    k: NEIGHBOURS,
  });
  doc.commentBefore = ` the images nearest to a failure of score "${request.score.replace(/\s+/g, ' ')}"`;
  return doc.toString({ lineWidth: 0 });
}

/** Inserts the cell below the score cell (else at the end), runs it; returns its index. */
export async function insertSimilarSearch(
  editor: vscode.NotebookEditor,
  request: FindSimilarRequest,
): Promise<number | undefined> {
  const notebook = editor.notebook;
  const source = scoreCell(notebook, request.score);
  const index = source === undefined ? notebook.cellCount : source.index + 1;
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [
    vscode.NotebookEdit.insertCells(index, [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, similarSearchCell(request), 'yaml'),
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
