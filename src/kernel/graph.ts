// The notebook's dependency graph, read statically from the cells' YAML: each cell defines at
// most one session name (its first key and value) and uses the names its options refer to
// (`refersTo` in the step schemas). Like a reactive notebook (marimo, Observable), the kernel
// decides from this graph which cells must run before another one, and which outputs no longer
// hold, instead of trusting the order in which the user happened to run cells.
import { parseCell } from './parse';
import { schemaFor } from './steps';
import { Session, type SessionKind } from './session';
import type { ParsedCell } from './types';

/** One code cell as the front end sees it now. */
export interface NotebookCellRef {
  id: string;
  source: string;
}

export interface CellNode {
  id: string;
  index: number;
  /** "descriptors: v2": how messages name the cell. */
  label: string;
  /** Session key this cell defines (`kind:name`), if it parses. */
  defines?: string;
  /** Session keys this cell reads. */
  uses: string[];
}

/** The session kind a step's cells define (generate cells define descriptor sets). */
const DEFINED_KIND: Partial<Record<string, SessionKind>> = {
  images: 'images',
  model: 'model',
  descriptors: 'descriptors',
  generate: 'descriptors',
  score: 'score',
};

function parsed(source: string): ParsedCell | undefined {
  try {
    return parseCell(source);
  } catch {
    return undefined;
  }
}

/** What one cell defines and uses; an unparsable cell defines and uses nothing (it fails when run). */
export function cellNode(ref: NotebookCellRef, index: number): CellNode {
  const cell = parsed(ref.source);
  const firstLine = ref.source.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (!cell) return { id: ref.id, index, label: (firstLine ?? '').trim() || `cell ${index + 1}`, uses: [] };
  const kind = DEFINED_KIND[cell.step];
  const uses: string[] = [];
  for (const [option, schema] of Object.entries(schemaFor(cell.step)?.options ?? {})) {
    const value = cell.options[option];
    if (!schema.refersTo || value === undefined || value === null) continue;
    for (const name of Array.isArray(value) ? value : [value]) uses.push(Session.key(schema.refersTo, String(name)));
  }
  return {
    id: ref.id,
    index,
    label: `${cell.step}: ${cell.name}`,
    defines: kind ? Session.key(kind, cell.name) : undefined,
    uses,
  };
}

export class NotebookGraph {
  readonly nodes: CellNode[];
  private readonly byId: Map<string, CellNode>;

  constructor(cells: NotebookCellRef[]) {
    this.nodes = cells.map(cellNode);
    this.byId = new Map(this.nodes.map((n) => [n.id, n]));
  }

  node(id: string): CellNode | undefined {
    return this.byId.get(id);
  }

  /**
   * The cell that defines `key` for a reader at `index`: the last definer above it (cells run
   * top to bottom, so that is what Run All would give it), else the first one below.
   */
  definer(key: string, index: number): CellNode | undefined {
    const definers = this.nodes.filter((n) => n.defines === key && n.index !== index);
    return definers.filter((n) => n.index < index).pop() ?? definers.find((n) => n.index > index);
  }

  /** The cells `id` reads from, directly. */
  parents(id: string): CellNode[] {
    const node = this.byId.get(id);
    if (!node) return [];
    const found = new Map<string, CellNode>();
    for (const key of node.uses) {
      const d = this.definer(key, node.index);
      if (d) found.set(d.id, d);
    }
    return [...found.values()];
  }

  /** Every cell `id` reads from, directly or not, in notebook order. */
  ancestors(id: string): CellNode[] {
    const seen = new Map<string, CellNode>();
    const visit = (n: string) => {
      for (const p of this.parents(n)) {
        if (seen.has(p.id) || p.id === id) continue;
        seen.set(p.id, p);
        visit(p.id);
      }
    };
    visit(id);
    return [...seen.values()].sort((a, b) => a.index - b.index);
  }

  /** Every cell that reads from `id`, directly or not. */
  descendants(id: string): CellNode[] {
    return this.nodes.filter((n) => n.id !== id && this.ancestors(n.id).some((a) => a.id === id));
  }
}
