// The notebook controller: runs YAML cells of `symptom-lens` notebooks on one Kernel per open
// notebook. It owns the run queue, cancellation, progress lines and output conversion; what a
// cell means is entirely the Kernel's business (the CLI runs the same Kernel).
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Kernel, type CellOutcome } from '../kernel/kernel';
import type { SecretProvider } from '../kernel/steps/step';
import type { StepOutput } from '../protocol/mime';
import { readCacheDirSetting, readKernelSettings, SECTION } from './settings';

export const NOTEBOOK_TYPE = 'symptom-lens';
export const CONTROLLER_ID = 'symptom-lens-kernel';

/** What the rest of the extension hears after each cell (status bar, stale marks). */
export interface CellRunEvent {
  notebook: vscode.NotebookDocument;
  cell: vscode.NotebookCell;
  outcome: CellOutcome;
}

/** How often a progress line is rewritten: often enough to look alive, rarely enough to be cheap. */
const PROGRESS_INTERVAL_MS = 250;

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
      try {
        return [this.notebookController.createNotebookCellExecution(cell)];
      } catch (e) {
        this.log.warn(`cell ${cell.index + 1} is already executing: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      }
    });
    const run = state.queue.then(() => this.runInOrder(state, notebook, executions));
    state.queue = run.catch((e) => this.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    return state.queue;
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
        exec.end(undefined);
        continue;
      }
      const outcome = await this.runCell(state, exec);
      if (!outcome.ok) stopped = true;
      this.didRunCell.fire({ notebook, cell: exec.cell, outcome });
    }
  }

  private async runCell(state: NotebookState, exec: vscode.NotebookCellExecution): Promise<CellOutcome> {
    exec.executionOrder = ++state.executionOrder;
    exec.start(Date.now());
    await exec.clearOutput();
    if (!vscode.workspace.isTrusted) {
      await exec.replaceOutput([errorOutput(UNTRUSTED_MESSAGE)]);
      exec.end(false, Date.now());
      return { ok: false, outputs: [], error: UNTRUSTED_MESSAGE, durationMs: 0 };
    }
    const abort = new AbortController();
    const onCancel = exec.token.onCancellationRequested(() => abort.abort());
    const progress = new ProgressLine(exec);
    let outcome: CellOutcome;
    try {
      outcome = await state.kernel.runCell(cellId(exec.cell), exec.cell.document.getText(), {
        signal: abort.signal,
        progress: (message, fraction) => progress.update(message, fraction),
      });
    } finally {
      onCancel.dispose();
      await progress.close();
    }
    if (outcome.ok) {
      await exec.replaceOutput(outcome.outputs.map(successOutput));
      exec.end(true, Date.now());
    } else if (outcome.cancelled) {
      await exec.replaceOutput([
        new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(outcome.error ?? 'Cancelled.')]),
      ]);
      exec.end(undefined, Date.now());
    } else {
      await exec.replaceOutput([
        errorOutput(outcome.error ?? 'The cell failed.', outcome.errorLine, outcome.errorField),
      ]);
      exec.end(false, Date.now());
    }
    return outcome;
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

/** The renderer's rich item, then the markdown fallback for anything that cannot show it. */
function successOutput(o: StepOutput): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([
    vscode.NotebookCellOutputItem.json(o.data, o.mime),
    vscode.NotebookCellOutputItem.text(o.markdown, 'text/markdown'),
  ]);
}

/** VS Code's own error output, with no stack: the message already says where and what to do. */
function errorOutput(message: string, line?: number, field?: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    [vscode.NotebookCellOutputItem.error({ name: 'Symptom Lens', message })],
    line !== undefined ? { line, field } : undefined,
  );
}

/**
 * The cell's progress as one output line, rewritten at most every PROGRESS_INTERVAL_MS. Writes
 * are chained so the final outputs never race a late progress write.
 */
class ProgressLine {
  private pending: Promise<unknown> = Promise.resolve();
  private lastWrite = 0;
  private latest?: string;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly exec: vscode.NotebookCellExecution) {}

  update(message: string, fraction?: number): void {
    if (this.closed) return;
    this.latest = fraction === undefined ? message : `${message} (${Math.round(fraction * 100)} %)`;
    const wait = this.lastWrite + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.closed || this.latest === undefined) return;
    const text = `⏳ ${this.latest}`;
    this.lastWrite = Date.now();
    this.pending = this.pending
      .then(() => this.exec.replaceOutput([new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text)])]))
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pending;
  }
}
