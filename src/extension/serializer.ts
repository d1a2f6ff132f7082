// The vscode face of nbformat.ts: .lensnb bytes <-> vscode.NotebookData. All format knowledge
// lives in nbformat.ts (the CLI reads the same files); this file only maps shapes.
import * as vscode from 'vscode';
import {
  parseNotebook,
  serializeNotebook,
  NotebookFormatError,
  type NotebookCellModel,
  type NotebookModel,
  type NotebookOutput,
} from '../kernel/nbformat';
import { skeletonNotebook } from '../kernel/starterNotebooks';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Metadata keys the serializer keeps beside the user's own, so a round trip is exact. */
const NBFORMAT_MINOR = 'nbformatMinor';
const CELL_ID = 'id';

function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || mime.endsWith('+json');
}

function toOutputItem(mime: string, data: unknown): vscode.NotebookCellOutputItem {
  if (isJsonMime(mime)) return vscode.NotebookCellOutputItem.json(data, mime);
  return new vscode.NotebookCellOutputItem(
    encoder.encode(typeof data === 'string' ? data : JSON.stringify(data)),
    mime,
  );
}

function fromOutputItem(item: vscode.NotebookCellOutputItem): { mime: string; data: unknown } {
  const text = decoder.decode(item.data);
  if (isJsonMime(item.mime)) {
    try {
      return { mime: item.mime, data: JSON.parse(text) };
    } catch {
      return { mime: item.mime, data: text };
    }
  }
  return { mime: item.mime, data: text };
}

export class LensSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    const text = decoder.decode(content);
    let model;
    try {
      // An empty file (touch x.lensnb, or a new file from the explorer) opens as the skeleton to fill in.
      model = text.trim() === '' ? skeletonNotebook() : parseNotebook(text, 'This notebook');
    } catch (e) {
      // Throwing makes VS Code show the message and refuse to open, instead of an empty notebook
      // that a save would write over the user's file.
      if (e instanceof NotebookFormatError) throw new Error(e.message);
      throw e;
    }
    const cells = model.cells.map((c) => {
      const cell = new vscode.NotebookCellData(
        c.kind === 'code' ? vscode.NotebookCellKind.Code : vscode.NotebookCellKind.Markup,
        c.source,
        c.kind === 'code' ? c.language : 'markdown',
      );
      cell.metadata = c.id !== undefined ? { ...c.metadata, [CELL_ID]: c.id } : { ...c.metadata };
      cell.outputs = c.outputs.map(
        (o) =>
          new vscode.NotebookCellOutput(
            o.items.map((i) => toOutputItem(i.mime, i.data)),
            o.metadata,
          ),
      );
      if (c.kind === 'code' && typeof c.executionCount === 'number') {
        cell.executionSummary = { executionOrder: c.executionCount };
      }
      return cell;
    });
    const data = new vscode.NotebookData(cells);
    data.metadata = { ...model.metadata, [NBFORMAT_MINOR]: model.nbformatMinor };
    return data;
  }

  /** The NotebookData of a parsed model, as a file holding it would open. */
  static toNotebookData(model: NotebookModel): vscode.NotebookData {
    return new LensSerializer().deserializeNotebook(encoder.encode(serializeNotebook(model)));
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const { [NBFORMAT_MINOR]: minor, ...metadata } = data.metadata ?? {};
    const cells = data.cells.map((c): NotebookCellModel => {
      const { [CELL_ID]: id, ...cellMetadata } = c.metadata ?? {};
      const outputs: NotebookOutput[] = (c.outputs ?? []).map((o) => ({
        items: o.items.map(fromOutputItem),
        metadata: o.metadata && Object.keys(o.metadata).length > 0 ? o.metadata : undefined,
      }));
      const code = c.kind === vscode.NotebookCellKind.Code;
      return {
        kind: code ? 'code' : 'markdown',
        source: c.value,
        language: code ? c.languageId : 'markdown',
        metadata: cellMetadata,
        outputs: code ? outputs : [],
        executionCount: code ? (c.executionSummary?.executionOrder ?? null) : undefined,
        id: typeof id === 'string' ? id : undefined,
      };
    });
    return encoder.encode(serializeNotebook({ cells, metadata, nbformatMinor: typeof minor === 'number' ? minor : 5 }));
  }
}

export function registerSerializer(): vscode.Disposable {
  return vscode.workspace.registerNotebookSerializer('symptom-lens', new LensSerializer(), {
    // Outputs are part of the file (small by design), so output changes make the notebook dirty.
    transientOutputs: false,
  });
}
