// Runs cells against one Session. Both front doors use this class: the VS Code controller
// (controller.ts) and the headless runner (src/cli). It knows nothing of vscode.
import * as path from 'node:path';
import { parseCell, formatCellError } from './parse';
import { pathsRelativeTo } from './relativePaths';
import { NotebookGraph, type NotebookCellRef } from './graph';
import { canonicalJson, hashKey } from '../cache/hash';
import { Session } from './session';
import { STEPS } from './steps';
import type { StepDefinition } from './steps/step';
import type { KernelSettings, SecretProvider } from './steps/step';
import { CancelledError, CellError } from '../common/errors';
import { MIME } from '../protocol/mime';
import { type StepKind } from './types';
import type { StepOutput } from '../protocol/mime';
import type { PhaseSink } from './phases';

export interface KernelOptions {
  /** Absolute path of the notebook file: relative paths in cells resolve against its folder. */
  notebookPath: string;
  /** Default: `.symptom-lens/cache` beside the notebook. */
  cacheDir?: string;
  settings?: Partial<KernelSettings>;
  secrets?: SecretProvider;
  /** Lines for an output channel / stderr. */
  log?: (message: string) => void;
}

export interface RunCellOptions {
  signal?: AbortSignal;
  progress?: (message: string, fraction?: number) => void;
  /** Receives the step's time per phase (kernel/phases.ts), where the step measures them. */
  timing?: PhaseSink;
}

export interface CellOutcome {
  ok: boolean;
  cancelled?: boolean;
  step?: StepKind;
  name?: string;
  result?: unknown;
  /** Custom-MIME items plus markdown fallbacks; on error, one error item. */
  outputs: StepOutput[];
  /** User-facing message: "line N, field `x`: what is wrong. What to do." */
  error?: string;
  errorLine?: number;
  errorField?: string;
  durationMs: number;
}

export const CANCELLED_MESSAGE = 'Cancelled: the cell was interrupted. Earlier outputs and caches are kept.';

export const DEFAULT_SETTINGS: KernelSettings = {
  device: 'auto',
  llmTimeoutMs: 60_000,
};

export function defaultCacheDir(notebookPath: string): string {
  return path.join(path.dirname(notebookPath), '.symptom-lens', 'cache');
}

interface CellRecord {
  /** The source of the last successful run: a different source now means "edited, not run". */
  source: string;
  defines?: string;
  /** session key -> version read when the cell ran */
  reads: Map<string, number>;
}

/** Where a cell stands against the kernel's session (the status bar and the run plan read it). */
export type CellState = 'not-run' | 'edited' | 'stale' | 'fresh';

/** An upstream cell that must run before another one, and why. */
export interface PendingUpstream {
  id: string;
  index: number;
  label: string;
  reason: 'not-run' | 'edited' | 'stale';
}

export class Kernel {
  readonly session = new Session();
  readonly notebookDir: string;
  readonly cacheDir: string;
  readonly settings: KernelSettings;
  private readonly records = new Map<string, CellRecord>();
  private readonly secrets: SecretProvider;
  private readonly log: (message: string) => void;
  /** Error messages name files relative to the notebook, as its cells do. */
  private readonly relative: (text: string) => string;

  constructor(readonly options: KernelOptions) {
    this.notebookDir = path.dirname(path.resolve(options.notebookPath));
    this.relative = pathsRelativeTo(this.notebookDir);
    this.cacheDir = path.resolve(options.cacheDir ?? defaultCacheDir(path.resolve(options.notebookPath)));
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.secrets = options.secrets ?? { getApiKey: async () => process.env.OPENAI_API_KEY };
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Run one cell. `cellId` identifies the cell across edits and moves (a notebook cell URI, or
   * the index in the CLI); it is what stale marking reports.
   */
  async runCell(cellId: string, source: string, options: RunCellOptions = {}): Promise<CellOutcome> {
    const started = Date.now();
    const signal = options.signal ?? new AbortController().signal;
    let step: StepKind | undefined;
    let name: string | undefined;
    try {
      const cell = parseCell(source);
      step = cell.step;
      name = cell.name;
      // parseCell checked the options against this very step's schema.
      const def = STEPS[cell.step] as StepDefinition;
      const run = await def.run({
        session: this.session,
        cell,
        signal,
        progress: options.progress ?? (() => undefined),
        log: this.log,
        timing: options.timing,
        settings: this.settings,
        secrets: this.secrets,
        resolvePath: (p) => path.resolve(this.notebookDir, p),
        notebookPath: path.resolve(this.options.notebookPath),
        cacheDir: this.cacheDir,
      });
      const reads = new Map(run.dependsOn.map((k) => [k, this.session.version(k)] as const));
      // Same source, same inputs, same content: a no-op re-run, so nothing downstream goes stale.
      if (run.defines) this.session.define(run.defines, definitionHash(source, reads, run.result));
      this.records.set(cellId, { source, defines: run.defines, reads });
      return { ok: true, step, name, result: run.result, outputs: run.outputs, durationMs: Date.now() - started };
    } catch (err) {
      // Its last good run no longer describes the cell: cells reading it must not go on as if.
      this.records.delete(cellId);
      return this.failure(err, step, name, started, signal);
    }
  }

  private failure(
    err: unknown,
    step: StepKind | undefined,
    name: string | undefined,
    started: number,
    signal: AbortSignal,
  ): CellOutcome {
    const durationMs = Date.now() - started;
    if (err instanceof CancelledError || (signal.aborted && !(err instanceof CellError))) {
      const message = CANCELLED_MESSAGE;
      return { ok: false, cancelled: true, step, name, outputs: [errorOutput(message)], error: message, durationMs };
    }
    if (err instanceof CellError) {
      const message = this.relative(formatCellError(err));
      return {
        ok: false,
        step,
        name,
        outputs: [errorOutput(message, err.position?.line, err.field)],
        error: message,
        errorLine: err.position?.line,
        errorField: err.field,
        durationMs,
      };
    }
    // An unexpected failure: still one clear line for the user; the stack goes to the log only.
    const message = this.relative(
      `Internal error${step ? ` in the ${step} step` : ''}: ${err instanceof Error ? err.message : String(err)}`,
    );
    this.log(err instanceof Error && err.stack ? err.stack : String(err));
    return { ok: false, step, name, outputs: [errorOutput(message)], error: message, durationMs };
  }

  /** Cells whose inputs were redefined after they ran (their outputs may no longer hold). */
  staleCells(): string[] {
    return [...this.records.keys()].filter((id) => this.inputsChanged(id));
  }

  private inputsChanged(cellId: string): boolean {
    const rec = this.records.get(cellId);
    return !!rec && [...rec.reads].some(([key, v]) => this.session.version(key) !== v);
  }

  /** The state of one cell whose current source is `source`. */
  cellState(cellId: string, source: string): CellState {
    const rec = this.records.get(cellId);
    if (!rec) return 'not-run';
    if (rec.source !== source) return 'edited';
    return this.inputsChanged(cellId) ? 'stale' : 'fresh';
  }

  /**
   * The upstream cells of `targetId` that must run before it, in notebook order: those not run
   * in this session, edited since they ran, or whose own inputs changed. Run the first, then ask
   * again: a re-run that changes nothing leaves the cells after it as they were.
   */
  pendingUpstream(cells: NotebookCellRef[], targetId: string): PendingUpstream[] {
    const graph = new NotebookGraph(cells);
    const sourceOf = new Map(cells.map((c) => [c.id, c.source]));
    return graph.ancestors(targetId).flatMap((node) => {
      const state = this.cellState(node.id, sourceOf.get(node.id) ?? '');
      return state === 'fresh' ? [] : [{ id: node.id, index: node.index, label: node.label, reason: state }];
    });
  }

  /** Forget a cell (deleted from the notebook). */
  forgetCell(cellId: string): void {
    this.records.delete(cellId);
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

/**
 * What a definition depends on: the cell's text, the versions it read and, where the result
 * carries one, the content hash of what it loaded (image files and model weights can change on
 * disk under an unchanged cell).
 */
function definitionHash(source: string, reads: Map<string, number>, result: unknown): string {
  const r = (result ?? {}) as { hash?: unknown; fingerprint?: unknown };
  const content = typeof r.hash === 'string' ? r.hash : typeof r.fingerprint === 'string' ? r.fingerprint : '';
  return hashKey(source, canonicalJson(Object.fromEntries(reads)), content);
}

function errorOutput(message: string, line?: number, field?: string): StepOutput {
  return { mime: MIME.error, data: { message, line, field }, markdown: `**Error:** ${message}` };
}
