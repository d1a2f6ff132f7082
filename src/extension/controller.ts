// The notebook controller: runs YAML cells of `symptom-lens` notebooks on one Kernel per open
// notebook. It owns the run queue, cancellation, progress lines and output conversion; what a
// cell means is entirely the Kernel's business (the CLI runs the same Kernel).
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CANCELLED_MESSAGE, defaultCacheDir, Kernel, type CellOutcome, type PendingUpstream } from '../kernel/kernel';
import type { SecretProvider } from '../kernel/steps/step';
import {
  errorOutput,
  isResultOutput,
  markOutputs,
  outputMark,
  resultOutputs,
  successOutput,
  textOutput,
} from './cellOutputs';
import { CellStatusLine } from './cellStatusLine';
import { readCacheDirSetting, readKernelSettings, readRunUpstream, SECTION } from './settings';

export const NOTEBOOK_TYPE = 'symptom-lens';
export const CONTROLLER_ID = 'symptom-lens-kernel';

/** What the rest of the extension hears after each cell (status bar, stale marks). */
export interface CellRunEvent {
  notebook: vscode.NotebookDocument;
  cell: vscode.NotebookCell;
  outcome: CellOutcome;
}

const UPSTREAM_REASON: Record<PendingUpstream['reason'], string> = {
  'not-run': 'has not run in this session',
  edited: 'was edited since it ran',
  stale: 'is stale (a cell it reads from changed)',
};

const UNTRUSTED_MESSAGE =
  'Symptom Lens runs cells only in trusted workspaces: a cell reads files and loads model code from disk. Trust this folder (Manage Workspace Trust) and run the cell again.';

interface NotebookState {
  kernel: Kernel;
  executionOrder: number;
  /** The tail of this notebook's run queue: each run request waits for the one before it. */
  queue: Promise<void>;
}

export class LensController implements vscode.Disposable {
  readonly notebookController: vscode.NotebookController;
  private readonly notebooks = new Map<string, NotebookState>();
  /** Cells with an execution of ours that has not ended (queued or running). */
  private readonly active = new Set<string>();
  private readonly didRunCell = new vscode.EventEmitter<CellRunEvent>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Fires after every executed cell, whatever its outcome. */
  readonly onDidRunCell = this.didRunCell.event;

  constructor(
    private readonly secrets: SecretProvider,
    private readonly log: vscode.LogOutputChannel,
    /** For the cache of notebooks that have no folder (untitled, no workspace). */
    private readonly globalStorage: vscode.Uri,
  ) {
    this.notebookController = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'Symptom Lens');
    this.notebookController.supportedLanguages = ['yaml'];
    this.notebookController.supportsExecutionOrder = true;
    this.notebookController.description = 'CLIP zero-shot scoring (onnxruntime-node)';
    // No interruptHandler: VS Code then cancels each cell's execution token, which lets a queued
    // cell be cancelled on its own and the running one be aborted through its AbortSignal.
    this.notebookController.executeHandler = (cells, notebook) => this.enqueue(cells, notebook);
    this.disposables.push(
      this.notebookController,
      this.didRunCell,
      vscode.workspace.onDidCloseNotebookDocument((nb) => void this.closeNotebook(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        const state = this.notebooks.get(e.notebook.uri.toString());
        for (const change of e.contentChanges) {
          for (const cell of change.removedCells) state?.kernel.forgetCell(cellId(cell));
        }
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        // Settings apply from the next cell on; the cache folder is fixed when a notebook opens.
        for (const [uri, state] of this.notebooks) {
          Object.assign(state.kernel.settings, readKernelSettings(vscode.Uri.parse(uri)));
        }
      }),
    );
  }

  /** The kernel of an open notebook, if any cell of it has run. */
  kernelFor(notebook: vscode.NotebookDocument): Kernel | undefined {
    return this.notebooks.get(notebook.uri.toString())?.kernel;
  }

  /** The notebook's cache folder as its kernel has it (or would, before any cell ran): where saved outputs' per-image files are. */
  cacheOf(notebook: vscode.NotebookDocument): { notebookPath: string; cacheDir: string } {
    const kernel = this.kernelFor(notebook);
    if (kernel) return { notebookPath: path.resolve(kernel.options.notebookPath), cacheDir: kernel.cacheDir };
    const { notebookPath, cacheDir } = this.locate(notebook);
    const resolved = path.resolve(notebookPath);
    return { notebookPath: resolved, cacheDir: path.resolve(cacheDir ?? defaultCacheDir(resolved)) };
  }

  private stateFor(notebook: vscode.NotebookDocument): NotebookState {
    const key = notebook.uri.toString();
    let state = this.notebooks.get(key);
    if (!state) {
      const { notebookPath, cacheDir } = this.locate(notebook);
      const kernel = new Kernel({
        notebookPath,
        cacheDir,
        settings: readKernelSettings(notebook.uri),
        secrets: this.secrets,
        log: (m) => this.log.info(m),
      });
      state = { kernel, executionOrder: 0, queue: Promise.resolve() };
      this.notebooks.set(key, state);
    }
    return state;
  }

  /** Where relative paths in cells resolve, and where the embedding cache lives. */
  private locate(notebook: vscode.NotebookDocument): { notebookPath: string; cacheDir?: string } {
    const configured = readCacheDirSetting(notebook.uri);
    if (notebook.uri.scheme === 'file') return { notebookPath: notebook.uri.fsPath, cacheDir: configured };
    // Untitled: paths resolve against the workspace folder (the New Notebook template uses
    // absolute paths); without a folder there is no "beside the notebook", so use global storage.
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const notebookPath = path.join(folder ?? os.homedir(), path.basename(notebook.uri.path) || 'Untitled.lensnb');
    return {
      notebookPath,
      cacheDir: configured ?? (folder ? undefined : vscode.Uri.joinPath(this.globalStorage, 'cache').fsPath),
    };
  }

  private async closeNotebook(notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const state = this.notebooks.get(key);
    if (!state) return;
    this.notebooks.delete(key);
    await state.queue;
    await state.kernel.dispose();
  }

  private enqueue(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    const state = this.stateFor(notebook);
    // Create every execution now so the queued cells show as pending at once.
    const executions = cells.flatMap((cell) => {
      const exec = this.createExecution(cell);
      return exec ? [exec] : [];
    });
    const run = state.queue.then(() => this.runInOrder(state, notebook, executions));
    state.queue = run.catch((e) => this.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    return state.queue;
  }

  /** An execution, unless the cell is queued or running already (then `quiet` skips the log line). */
  private createExecution(cell: vscode.NotebookCell, quiet = false): vscode.NotebookCellExecution | undefined {
    // VS Code does not always refuse a second execution of a cell that is queued or running, and
    // the second would take the first one's place (its interrupt included).
    if (this.active.has(cellId(cell))) return undefined;
    try {
      const exec = this.notebookController.createNotebookCellExecution(cell);
      this.active.add(cellId(cell));
      return exec;
    } catch (e) {
      if (!quiet)
        this.log.warn(`cell ${cell.index + 1} is already executing: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  /** One run request: cells one after another; a failure or an interrupt skips the rest. */
  private async runInOrder(
    state: NotebookState,
    notebook: vscode.NotebookDocument,
    executions: vscode.NotebookCellExecution[],
  ): Promise<void> {
    let stopped = false;
    for (const exec of executions) {
      if (stopped || exec.token.isCancellationRequested) {
        // Ended without start and without success: VS Code shows it as not run.
        this.end(exec, undefined);
        continue;
      }
      const outcome = await this.runCell(state, notebook, exec);
      if (!outcome.ok) stopped = true;
    }
  }

  /**
   * Run one cell, after the upstream cells it needs (not run in this session, edited since, or
   * stale themselves), each in its own execution so that its output is updated too. With
   * symptomLens.runUpstream off, the cell refuses instead and names the cell to run.
   */
  private async runCell(
    state: NotebookState,
    notebook: vscode.NotebookDocument,
    exec: vscode.NotebookCellExecution,
    upstreamOf?: AbortSignal,
  ): Promise<CellOutcome> {
    exec.executionOrder = ++state.executionOrder;
    exec.start(Date.now());
    const previous = resultOutputs(exec.cell);
    const status = new CellStatusLine(exec);
    await status.begin(previous);
    const abort = new AbortController();
    const onCancel = exec.token.onCancellationRequested(() => abort.abort());
    const onParent = () => abort.abort();
    upstreamOf?.addEventListener('abort', onParent);
    let outcome: CellOutcome;
    try {
      if (!vscode.workspace.isTrusted) {
        outcome = { ok: false, outputs: [], error: UNTRUSTED_MESSAGE, durationMs: 0 };
      } else {
        outcome =
          (upstreamOf ? undefined : await this.runUpstream(state, notebook, exec, abort.signal, status)) ??
          (await state.kernel.runCell(cellId(exec.cell), exec.cell.document.getText(), {
            signal: abort.signal,
            progress: (message, fraction) => status.update(message, fraction),
          }));
      }
    } finally {
      onCancel.dispose();
      upstreamOf?.removeEventListener('abort', onParent);
      await status.close();
    }
    if (outcome.ok) {
      await exec.replaceOutput(outcome.outputs.map(successOutput));
      this.end(exec, true, Date.now());
    } else {
      // The message, and beside it the last good result, marked as such: nothing is lost.
      const message = outcome.cancelled
        ? textOutput(outcome.error ?? 'Cancelled.')
        : errorOutput(outcome.error ?? 'The cell failed.', outcome.errorLine, outcome.errorField);
      await exec.replaceOutput([message, ...markOutputs(previous, 'previous-run')]);
      this.end(exec, outcome.cancelled ? undefined : false, Date.now());
    }
    this.didRunCell.fire({ notebook, cell: exec.cell, outcome });
    // Within the run request: a cell run right after this one must not find a mark being written.
    await this.markStaleOutputs(state, notebook);
    return outcome;
  }

  /** Put the stale mark on the results of every stale cell that does not carry it yet. */
  private async markStaleOutputs(state: NotebookState, notebook: vscode.NotebookDocument): Promise<void> {
    const stale = new Set(state.kernel.staleCells());
    for (const cell of notebook.getCells()) {
      if (!stale.has(cellId(cell))) continue;
      const results = cell.outputs.filter(isResultOutput);
      if (results.length === 0 || results.every((o) => outputMark(o) === 'stale')) continue;
      await this.rewriteOutputs(cell, markOutputs(resultOutputs(cell), 'stale'));
    }
  }

  /** Runs what `exec`'s cell needs first; returns the cell's failure if that did not work out. */
  private async runUpstream(
    state: NotebookState,
    notebook: vscode.NotebookDocument,
    exec: vscode.NotebookCellExecution,
    signal: AbortSignal,
    status: CellStatusLine,
  ): Promise<CellOutcome | undefined> {
    const id = cellId(exec.cell);
    const started = Date.now();
    const fail = (error: string, cancelled = false): CellOutcome => ({
      ok: false,
      cancelled,
      outputs: [],
      error,
      durationMs: Date.now() - started,
    });
    const tried = new Set<string>();
    for (;;) {
      const cells = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
      const pending = state.kernel.pendingUpstream(
        cells.map((c) => ({ id: cellId(c), source: c.document.getText() })),
        id,
      );
      if (pending.length === 0) return undefined;
      const first = pending[0];
      const cell = cells.find((c) => cellId(c) === first.id)!;
      const named = `cell ${cell.index + 1} (${first.label})`;
      if (!readRunUpstream(notebook.uri)) {
        return fail(
          `${named} ${UPSTREAM_REASON[first.reason]}, and this cell reads from it. Run ${named} first, or turn on the setting symptomLens.runUpstream to have it run automatically.`,
        );
      }
      if (signal.aborted) return fail(CANCELLED_MESSAGE, true);
      if (tried.has(first.id)) return fail(`${named} did not bring itself up to date; run it on its own first.`);
      tried.add(first.id);
      status.update(`running ${pending.map((p) => p.label).join(', ')} first`);
      const upstream = this.createExecution(cell);
      if (!upstream) return fail(`${named} is queued or running; run this cell again when it is done.`);
      const outcome = await this.runCell(state, notebook, upstream, signal);
      if (outcome.cancelled || signal.aborted) return fail(CANCELLED_MESSAGE, true);
      if (!outcome.ok) return fail(`${named} failed, and this cell reads from it: ${outcome.error ?? ''}`.trim());
    }
  }

  /**
   * Rewrite a cell's outputs without running it (the stale mark), keeping its execution order,
   * time and success; skipped while the cell is queued or running.
   */
  private async rewriteOutputs(cell: vscode.NotebookCell, outputs: vscode.NotebookCellOutput[]): Promise<void> {
    const summary = cell.executionSummary;
    const exec = this.createExecution(cell, true);
    if (!exec) return;
    exec.executionOrder = summary?.executionOrder;
    exec.start(summary?.timing?.startTime ?? Date.now());
    try {
      await exec.replaceOutput(outputs);
    } finally {
      this.end(exec, summary?.success, summary?.timing?.endTime ?? Date.now());
    }
  }

  private end(exec: vscode.NotebookCellExecution, success: boolean | undefined, endTime?: number): void {
    this.active.delete(cellId(exec.cell));
    exec.end(success, endTime);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const state of this.notebooks.values()) void state.kernel.dispose();
    this.notebooks.clear();
  }
}

/** A stable id for a cell across edits and moves: its document URI. */
export function cellId(cell: vscode.NotebookCell): string {
  return cell.document.uri.toString();
}
