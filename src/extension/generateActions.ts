// The extension's side of the generate renderer's "Insert as descriptors cell" action: a new
// YAML cell with the generated descriptors goes right below the generate cell it came from.
import * as vscode from 'vscode';
import { isInsertDescriptorsCellMessage } from '../protocol/messages';
import { MIME } from '../protocol/mime';
import { readCellHeader } from '../kernel/cellHeader';

/** Far above any real descriptor set; a bigger message is not from our renderer. */
const MAX_YAML_CHARS = 200_000;

/** Handles the message on the generate renderer's channel until the extension deactivates. */
export function registerGenerateActions(
  context: vscode.ExtensionContext,
  messaging: vscode.NotebookRendererMessaging,
): void {
  context.subscriptions.push(
    messaging.onDidReceiveMessage(({ editor, message }) => {
      if (!isInsertDescriptorsCellMessage(message)) return;
      void insertDescriptorsCell(editor, message.yaml, message.name).catch((e) =>
        vscode.window.showErrorMessage(
          `Symptom Lens: could not insert the descriptors cell: ${e instanceof Error ? e.message : String(e)}`,
        ),
      );
    }),
  );
}

/** Insert `yaml` below the generate cell named `name`; returns the new cell's index. */
export async function insertDescriptorsCell(
  editor: vscode.NotebookEditor,
  yaml: string,
  name: string,
): Promise<number | undefined> {
  // A renderer is page code fed by outputs: insert only what is a descriptors cell.
  if (yaml.length > MAX_YAML_CHARS || readCellHeader(yaml)?.step !== 'descriptors') return undefined;
  const notebook = editor.notebook;
  const source = findSourceCell(notebook, yaml, name);
  const index = source === undefined ? notebook.cellCount : source.index + 1;
  const edit = new vscode.WorkspaceEdit();
  edit.set(notebook.uri, [
    vscode.NotebookEdit.insertCells(index, [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, yaml, 'yaml')]),
  ]);
  if (!(await vscode.workspace.applyEdit(edit))) return undefined;
  const range = new vscode.NotebookRange(index, index + 1);
  editor.selection = range;
  editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  return index;
}

/** The cell whose generate output carries exactly this YAML, else the cell "generate: NAME". */
function findSourceCell(
  notebook: vscode.NotebookDocument,
  yaml: string,
  name: string,
): vscode.NotebookCell | undefined {
  const cells = notebook.getCells();
  const decoder = new TextDecoder();
  const byOutput = cells.find((cell) =>
    cell.outputs.some((o) =>
      o.items.some((item) => {
        if (item.mime !== MIME.generate) return false;
        try {
          return (JSON.parse(decoder.decode(item.data)) as { yaml?: unknown }).yaml === yaml;
        } catch {
          return false;
        }
      }),
    ),
  );
  return (
    byOutput ??
    cells.find((cell) => {
      if (cell.kind !== vscode.NotebookCellKind.Code) return false;
      const header = readCellHeader(cell.document.getText());
      return header?.step === 'generate' && header.name === name;
    })
  );
}
