// Which cell options name files relative to the notebook, and what the editor can say about them
// before a run: the path being typed (for completions) and the files a cell needs (for the
// edit-time "missing file" warnings). The steps read the same options when they run.
import type { SourcePosition } from '../common/errors';
import type { AnyParsedCell } from './parse';

/** What an option's path must be for the cell to run. */
export type PathKind =
  | 'file' // must exist as a file
  | 'file-or-folder' // a file, a folder or a glob
  | 'model-folder' // a folder in the model layout
  | 'created'; // a folder the step creates when missing (completion only)

/** Per step, the options whose values are paths relative to the notebook. */
const PATH_OPTIONS: Record<string, Record<string, PathKind>> = {
  images: { from: 'file-or-folder', labels: 'file', embeddings: 'file-or-folder' },
  model: { path: 'model-folder' },
  generate: { cache: 'created' },
  ask: { cache: 'created', image: 'file' },
  explain: { image: 'file' },
  search: { like: 'file' },
  export: { to: 'created' },
};

/** Every option name that holds a path in some step. */
export const PATH_OPTION_NAMES: ReadonlySet<string> = new Set(
  Object.values(PATH_OPTIONS).flatMap((options) => Object.keys(options)),
);

export function pathKind(step: string, option: string): PathKind | undefined {
  return PATH_OPTIONS[step]?.[option];
}

/** A path being typed after `option:` on a top-level line. */
export interface TypedPath {
  option: string;
  kind: PathKind;
  /** The folder part typed so far ("data/" of "data/lab"), '' for none. */
  folder: string;
  /** What is typed after the folder part ("lab"). */
  partial: string;
}

/** The path being typed at the end of `lineBefore` in a cell of `step`, if the line holds one. */
export function typedPath(step: string, lineBefore: string): TypedPath | undefined {
  const m = /^([A-Za-z_][\w-]*)\s*:\s*(["']?)([^"'#]*)$/.exec(lineBefore);
  if (!m) return undefined;
  const kind = pathKind(step, m[1]);
  if (!kind) return undefined;
  const typed = m[3];
  const slash = typed.lastIndexOf('/');
  return { option: m[1], kind, folder: typed.slice(0, slash + 1), partial: typed.slice(slash + 1) };
}

/** A path a parsed cell needs before it can run, where its value sits. */
export interface NeededPath {
  option: string;
  kind: Exclude<PathKind, 'created'>;
  value: string;
  position: SourcePosition | undefined;
}

const GLOB = /[*?[\]{}]/;

/** The paths to check for a parsed cell: globs and URLs are left to the run. */
export function neededPaths(cell: AnyParsedCell): NeededPath[] {
  const options: Record<string, unknown> = cell.options;
  const out: NeededPath[] = [];
  for (const [option, kind] of Object.entries(PATH_OPTIONS[cell.step] ?? {})) {
    const value = options[option];
    if (kind === 'created' || typeof value !== 'string' || value.trim() === '') continue;
    if (GLOB.test(value) || /^[a-z][\w+.-]*:\/\//i.test(value)) continue;
    out.push({ option, kind, value, position: cell.nestedPositions[option] ?? cell.positions[option] });
  }
  return out;
}
