// The first line of a cell, "step: name", read the one way the kernel, the editor and the
// generate actions all use: the first key of the cell's YAML mapping and its scalar value.
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { SourcePosition } from '../common/errors';

export interface CellHeader {
  /** The first key: the step as written (parseCell checks that it is one). */
  step: string;
  /** The first key's value, trimmed; undefined when it is empty or not a scalar. */
  name: string | undefined;
  /** Where the first key sits (1-based line and column). */
  position: SourcePosition;
}

/** The header of a parsed cell; undefined when the cell is not a mapping with at least one key. */
export function headerOf(doc: Document, lineCounter: LineCounter): CellHeader | undefined {
  const root = doc.contents;
  if (!root || !isMap(root) || root.items.length === 0) return undefined;
  const first = root.items[0];
  const offset = (first.key as YamlNode | null)?.range?.[0];
  const at = offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
  const value = first.value;
  const name = isScalar(value) && value.value !== null ? String(value.value).trim() : '';
  return {
    step: isScalar(first.key) ? String(first.key.value) : '',
    name: name === '' ? undefined : name,
    position: { line: at.line, column: at.col },
  };
}

/** The header of a cell's text, also while the lines below it are still being typed. */
export function readCellHeader(source: string): CellHeader | undefined {
  const lineCounter = new LineCounter();
  return headerOf(parseDocument(source, { lineCounter }), lineCounter);
}
