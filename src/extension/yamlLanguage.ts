// Editor help inside notebook cells: completions, hovers and diagnostics for step names and
// options. Everything comes from the kernel's own schema (allSchemas) and parser (parseCell),
// so the editor can never accept what the kernel rejects, or the other way round.
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE } from './controller';
import { readCellHeader } from '../kernel/cellHeader';
import { parseCell } from '../kernel/parse';
import type { OptionSchema, StepSchema } from '../kernel/schema';
import { allSchemas, schemaFor } from '../kernel/steps';
import { CellError } from '../common/errors';
import { closest, suggestionIn } from '../common/closest';

const SELECTOR: vscode.DocumentSelector = { notebookType: NOTEBOOK_TYPE, language: 'yaml' };
const DIAGNOSTIC_DELAY_MS = 300;
/** Steps whose cells define an object that `refersTo` of that kind can name. */
const DEFINERS: Record<string, string[]> = {
  images: ['images'],
  model: ['model'],
  descriptors: ['descriptors', 'generate'],
  score: ['score'],
};

const TOP_KEY = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/;

function notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
  return vscode.workspace.notebookDocuments.find(
    (nb) => nb.notebookType === NOTEBOOK_TYPE && nb.getCells().some((c) => c.document === doc),
  );
}

/** A cell's step and name as the kernel reads them, with the 0-based line of the step. */
function firstKey(text: string): { key: string; value: string | undefined; line: number } | undefined {
  const header = readCellHeader(text);
  return header && { key: header.step, value: header.name, line: header.position.line - 1 };
}

/** kind -> names that cells of this notebook define (from their first lines). */
function definedNames(notebook: vscode.NotebookDocument): Map<string, Set<string>> {
  const names = new Map<string, Set<string>>();
  for (const cell of notebook.getCells()) {
    if (cell.kind !== vscode.NotebookCellKind.Code) continue;
    const first = firstKey(cell.document.getText());
    if (!first || !first.value) continue;
    const set = names.get(first.key) ?? new Set<string>();
    set.add(first.value);
    names.set(first.key, set);
  }
  return names;
}

function namesFor(kind: string, notebook: vscode.NotebookDocument | undefined): string[] {
  if (!notebook) return [];
  const defined = definedNames(notebook);
  return (DEFINERS[kind] ?? [kind]).flatMap((k) => [...(defined.get(k) ?? [])]);
}

function optionDoc(opt: OptionSchema): vscode.MarkdownString {
  const doc = new vscode.MarkdownString();
  doc.appendText(opt.description);
  const extras = [
    opt.required ? 'required' : undefined,
    opt.enum ? `one of: ${opt.enum.join(', ')}` : undefined,
    opt.default !== undefined ? `default: ${JSON.stringify(opt.default)}` : undefined,
  ].filter(Boolean);
  if (extras.length) doc.appendText(`\n\n${extras.join(' · ')}`);
  return doc;
}

function stepDoc(schema: StepSchema): vscode.MarkdownString {
  const doc = new vscode.MarkdownString();
  doc.appendText(`${schema.summary}.\n\n${schema.step}: ${schema.nameDescription}`);
  const options = Object.keys(schema.options);
  if (options.length) doc.appendText(`\n\nOptions: ${options.join(', ')}`);
  return doc;
}

/** For "  - na" under "descriptors:", the key the list belongs to (as the value regex's match). */
function listParent(doc: vscode.TextDocument, line: number, before: string): [string, string] | undefined {
  if (!/^\s+-\s*[^\s:]*$/.test(before)) return undefined;
  for (let l = line - 1; l >= 0; l--) {
    const text = doc.lineAt(l).text;
    const key = /^([A-Za-z_][\w-]*)\s*:\s*$/.exec(text);
    if (key) return [text, key[1]];
    if (!/^\s+-/.test(text)) return undefined;
  }
  return undefined;
}

class CellCompletions implements vscode.CompletionItemProvider {
  provideCompletionItems(doc: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    const before = doc.lineAt(position.line).text.slice(0, position.character);
    const first = firstKey(doc.getText());
    const isStepLine = !first || first.line >= position.line;
    // A key being typed at the start of a line.
    if (/^[A-Za-z_-]*$/.test(before)) {
      if (isStepLine) return allSchemas().map((s) => this.stepItem(s));
      const schema = schemaFor(first.key);
      if (!schema) return [];
      const present = new Set(
        doc
          .getText()
          .split('\n')
          .map((l) => TOP_KEY.exec(l)?.[1])
          .filter((k): k is string => !!k),
      );
      return Object.entries(schema.options)
        .filter(([key]) => !present.has(key))
        .map(([key, opt]) => {
          const item = new vscode.CompletionItem(key, vscode.CompletionItemKind.Property);
          item.insertText = `${key}: `;
          item.detail = `${opt.type}${opt.required ? ' (required)' : ''}`;
          item.documentation = optionDoc(opt);
          item.sortText = `${opt.required ? 0 : 1}${key}`;
          item.command = { title: 'Suggest', command: 'editor.action.triggerSuggest' };
          return item;
        });
    }
    // A value after "key:" on a top-level line, or an item of a block list below "key:".
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(before) ?? listParent(doc, position.line, before);
    if (!m || !first || isStepLine) return [];
    const opt = schemaFor(first.key)?.options[m[1]];
    if (!opt) return [];
    const values = opt.enum
      ? [...opt.enum]
      : opt.type === 'boolean'
        ? ['true', 'false']
        : opt.refersTo
          ? namesFor(opt.refersTo, notebookOf(doc))
          : [];
    return values.map((v) => {
      const item = new vscode.CompletionItem(
        v,
        opt.refersTo ? vscode.CompletionItemKind.Reference : vscode.CompletionItemKind.EnumMember,
      );
      item.detail = opt.refersTo ? `${opt.refersTo} defined in this notebook` : m[1];
      return item;
    });
  }

  private stepItem(schema: StepSchema): vscode.CompletionItem {
    const item = new vscode.CompletionItem(schema.step, vscode.CompletionItemKind.Keyword);
    const required = Object.entries(schema.options).filter(([, o]) => o.required);
    let n = 1;
    const lines = [`${schema.step}: \${${n++}:name}`, ...required.map(([k]) => `${k}: \${${n++}}`)];
    item.insertText = new vscode.SnippetString(lines.join('\n'));
    item.detail = schema.summary;
    item.documentation = stepDoc(schema);
    return item;
  }
}

class CellHovers implements vscode.HoverProvider {
  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const line = doc.lineAt(position.line).text;
    const m = TOP_KEY.exec(line);
    if (!m || position.character > m[1].length) return undefined;
    const range = new vscode.Range(position.line, 0, position.line, m[1].length);
    const first = firstKey(doc.getText());
    if (first && first.line === position.line) {
      const schema = schemaFor(m[1]);
      return schema ? new vscode.Hover(stepDoc(schema), range) : undefined;
    }
    const opt = first ? schemaFor(first.key)?.options[m[1]] : undefined;
    return opt ? new vscode.Hover(optionDoc(opt), range) : undefined;
  }
}

/** Parse errors from the kernel's own parser, plus names no cell of the notebook defines. */
function diagnose(doc: vscode.TextDocument, notebook: vscode.NotebookDocument): vscode.Diagnostic[] {
  const text = doc.getText();
  if (text.trim() === '') return [];
  try {
    const cell = parseCell(text);
    const schema = schemaFor(cell.step);
    const options: Record<string, unknown> = cell.options;
    const out: vscode.Diagnostic[] = [];
    for (const [key, opt] of Object.entries(schema?.options ?? {})) {
      if (!opt.refersTo || !(key in cell.positions)) continue;
      const known = new Set(namesFor(opt.refersTo, notebook));
      const value = options[key];
      const refs = Array.isArray(value) ? value : [value];
      refs.forEach((ref, i) => {
        if (typeof ref !== 'string' && typeof ref !== 'number') return;
        if (known.has(String(ref))) return;
        const pos = cell.nestedPositions[Array.isArray(value) ? `${key}.${i}` : key] ?? cell.positions[key];
        const range = pos
          ? new vscode.Range(pos.line - 1, pos.column - 1, pos.line - 1, pos.column - 1 + String(ref).length)
          : new vscode.Range(0, 0, 0, 0);
        const close = closest(String(ref), known);
        const d = new vscode.Diagnostic(
          range,
          `No cell in this notebook defines ${opt.refersTo} "${ref}".${close ? ` Did you mean "${close}"?` : ''}`,
          vscode.DiagnosticSeverity.Warning,
        );
        d.source = 'Symptom Lens';
        out.push(d);
      });
    }
    return out;
  } catch (e) {
    if (!(e instanceof CellError)) return [];
    const line = Math.max(0, Math.min((e.position?.line ?? 1) - 1, doc.lineCount - 1));
    const textLine = doc.lineAt(line);
    const start = Math.min(Math.max(0, (e.position?.column ?? 1) - 1), textLine.text.length);
    // With a suggestion, the range is the misspelt word alone: the quick fix replaces exactly it.
    const word = e.hint && suggestionIn(e.hint) ? /^[^\s,[\]{}:#"']+/.exec(textLine.text.slice(start))?.[0] : undefined;
    const end = word ? start + word.length : Math.max(start + 1, textLine.text.length);
    const d = new vscode.Diagnostic(
      new vscode.Range(line, start, line, end),
      `${e.message}${e.hint ? ` ${e.hint}` : ''}`,
      vscode.DiagnosticSeverity.Error,
    );
    d.source = 'Symptom Lens';
    return [d];
  }
}

export function registerCellLanguageFeatures(): vscode.Disposable {
  const diagnostics = vscode.languages.createDiagnosticCollection('symptom-lens');
  const timers = new Map<string, NodeJS.Timeout>();

  const checkNotebook = (notebook: vscode.NotebookDocument) => {
    if (notebook.notebookType !== NOTEBOOK_TYPE) return;
    // References cross cells, so one cell's edit can change another cell's warnings.
    for (const cell of notebook.getCells()) {
      if (cell.kind === vscode.NotebookCellKind.Code && cell.document.languageId === 'yaml') {
        diagnostics.set(cell.document.uri, diagnose(cell.document, notebook));
      }
    }
  };
  const schedule = (notebook: vscode.NotebookDocument) => {
    const key = notebook.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        checkNotebook(notebook);
      }, DIAGNOSTIC_DELAY_MS),
    );
  };

  vscode.workspace.notebookDocuments.forEach(checkNotebook);
  return vscode.Disposable.from(
    diagnostics,
    vscode.languages.registerCompletionItemProvider(SELECTOR, new CellCompletions(), ':', ' ', '[', ','),
    vscode.languages.registerHoverProvider(SELECTOR, new CellHovers()),
    vscode.workspace.onDidOpenNotebookDocument(checkNotebook),
    vscode.workspace.onDidChangeNotebookDocument((e) => {
      for (const change of e.contentChanges)
        for (const cell of change.removedCells) diagnostics.delete(cell.document.uri);
      schedule(e.notebook);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.scheme !== 'vscode-notebook-cell') return;
      const notebook = notebookOf(e.document);
      if (notebook) schedule(notebook);
    }),
    vscode.workspace.onDidCloseNotebookDocument((nb) => {
      for (const cell of nb.getCells()) diagnostics.delete(cell.document.uri);
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
}
