// .lensnb files are nbformat-4 JSON. This module converts between the file text and a plain
// notebook model; serializer.ts adapts it to vscode.NotebookData and the CLI reads it directly.
// Sources are stored as line arrays so that a descriptor edit diffs as one changed line.

export interface NotebookOutputItem {
  mime: string;
  /** Parsed JSON for +json MIME types, a string for text types. */
  data: unknown;
}

export interface NotebookOutput {
  items: NotebookOutputItem[];
  metadata?: Record<string, unknown>;
}

export interface NotebookCellModel {
  kind: 'code' | 'markdown';
  source: string;
  /** Language of code cells (always yaml today), kept for round trips. */
  language: string;
  metadata: Record<string, unknown>;
  outputs: NotebookOutput[];
  executionCount?: number | null;
  /** nbformat 4.5 cell id, kept when present. */
  id?: string;
}

export interface NotebookModel {
  cells: NotebookCellModel[];
  metadata: Record<string, unknown>;
  nbformatMinor: number;
}

export class NotebookFormatError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'NotebookFormatError';
  }
}

export const DEFAULT_NOTEBOOK_METADATA = {
  kernelspec: { name: 'symptom-lens', display_name: 'Symptom Lens', language: 'yaml' },
  language_info: { name: 'yaml' },
};

/** Split into nbformat's line array: every line keeps its "\n" except the last. */
export function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l) => `${l}\n`);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, -1);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function fromLines(source: unknown, where: string): string {
  if (typeof source === 'string') return source;
  if (Array.isArray(source) && source.every((s) => typeof s === 'string')) return source.join('');
  throw new NotebookFormatError(`${where}: "source" must be a string or a list of strings.`);
}

function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || mime.endsWith('+json');
}

export function parseNotebook(text: string, fileName = 'notebook'): NotebookModel {
  if (text.trim() === '') {
    return { cells: [], metadata: { ...DEFAULT_NOTEBOOK_METADATA }, nbformatMinor: 5 };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new NotebookFormatError(
      `${fileName}${line ? `, line ${line}` : ''}: not valid JSON (${msg}). A .lensnb file is nbformat-4 JSON; fix the file in a text editor or restore it from version control.`,
      line,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NotebookFormatError(`${fileName}: the top level must be a JSON object with "cells" and "nbformat".`);
  }
  const nb = raw as Record<string, unknown>;
  if (nb.nbformat !== 4) {
    throw new NotebookFormatError(`${fileName}: "nbformat" must be 4 (got ${JSON.stringify(nb.nbformat)}).`);
  }
  if (!Array.isArray(nb.cells)) {
    throw new NotebookFormatError(`${fileName}: "cells" must be a list.`);
  }
  const cells = nb.cells.map((c, i): NotebookCellModel => {
    const where = `${fileName}: cell ${i + 1}`;
    if (typeof c !== 'object' || c === null) throw new NotebookFormatError(`${where} is not an object.`);
    const cell = c as Record<string, unknown>;
    const type = cell.cell_type;
    if (type !== 'code' && type !== 'markdown' && type !== 'raw') {
      throw new NotebookFormatError(
        `${where}: "cell_type" must be "code" or "markdown" (got ${JSON.stringify(type)}).`,
      );
    }
    const metadata = (typeof cell.metadata === 'object' && cell.metadata !== null ? cell.metadata : {}) as Record<
      string,
      unknown
    >;
    const outputs = Array.isArray(cell.outputs)
      ? cell.outputs.map((o, j) => parseOutput(o, `${where}, output ${j + 1}`))
      : [];
    return {
      kind: type === 'code' ? 'code' : 'markdown',
      source: fromLines(cell.source ?? '', where),
      language: type === 'code' ? String((metadata.language as string | undefined) ?? 'yaml') : 'markdown',
      metadata,
      outputs,
      executionCount: type === 'code' ? ((cell.execution_count as number | null | undefined) ?? null) : undefined,
      id: typeof cell.id === 'string' ? cell.id : undefined,
    };
  });
  return {
    cells,
    metadata: (typeof nb.metadata === 'object' && nb.metadata !== null ? nb.metadata : {}) as Record<string, unknown>,
    nbformatMinor: typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 5,
  };
}

function parseOutput(o: unknown, where: string): NotebookOutput {
  if (typeof o !== 'object' || o === null) throw new NotebookFormatError(`${where} is not an object.`);
  const out = o as Record<string, unknown>;
  const data = (out.data ?? {}) as Record<string, unknown>;
  const items = Object.entries(data).map(([mime, value]) => ({
    mime,
    data: isJsonMime(mime) ? value : Array.isArray(value) ? value.join('') : value,
  }));
  if (out.output_type === 'stream') {
    items.push({
      mime: out.name === 'stderr' ? 'application/vnd.code.notebook.stderr' : 'application/vnd.code.notebook.stdout',
      data: fromLines(out.text ?? '', where),
    });
  }
  const metadata = (out.metadata ?? undefined) as Record<string, unknown> | undefined;
  return { items, metadata: metadata && Object.keys(metadata).length > 0 ? metadata : undefined };
}

export function serializeNotebook(model: NotebookModel): string {
  const cells = model.cells.map((c) => {
    const base: Record<string, unknown> = {};
    if (c.id !== undefined) base.id = c.id;
    base.cell_type = c.kind;
    const metadata = { ...c.metadata };
    if (c.kind === 'code' && c.language !== 'yaml') metadata.language = c.language;
    base.metadata = metadata;
    base.source = toLines(c.source);
    if (c.kind === 'code') {
      base.execution_count = c.executionCount ?? null;
      base.outputs = c.outputs.map(serializeOutput);
    }
    return base;
  });
  const nb = {
    cells,
    metadata: Object.keys(model.metadata).length > 0 ? model.metadata : { ...DEFAULT_NOTEBOOK_METADATA },
    nbformat: 4,
    nbformat_minor: model.nbformatMinor,
  };
  return `${JSON.stringify(nb, null, 1)}\n`;
}

function serializeOutput(o: NotebookOutput): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const item of o.items) {
    data[item.mime] = isJsonMime(item.mime)
      ? item.data
      : typeof item.data === 'string'
        ? toLines(item.data)
        : item.data;
  }
  return { output_type: 'display_data', data, metadata: o.metadata ?? {} };
}
