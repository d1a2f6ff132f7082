// The running cell's status as one text output above the cell's earlier results: "re-running"
// with the progress, which is rewritten in place (only that output's items) and coalesced: one
// write in flight and the newest line wins, so the line never lags behind the work and an
// interrupt never waits behind a queue of stale progress writes.
import * as vscode from 'vscode';
import { LatestWins } from '../common/coalesce';
import { markOutputs } from './cellOutputs';

/** Least time between two progress writes: often enough to look alive, rarely enough to be cheap. */
const PROGRESS_INTERVAL_MS = 200;

export class CellStatusLine {
  private readonly output = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text('⏳ starting')]);
  private prefix = '';
  private readonly writes = new LatestWins<string>(
    (text) => this.exec.replaceOutputItems([vscode.NotebookCellOutputItem.text(text)], this.output),
    PROGRESS_INTERVAL_MS,
  );

  constructor(private readonly exec: vscode.NotebookCellExecution) {}

  /** Show the status line, and the previous results below it marked "re-running". */
  async begin(previous: vscode.NotebookCellOutput[]): Promise<void> {
    this.prefix = previous.length > 0 ? 're-running: ' : '';
    this.output.items[0] = vscode.NotebookCellOutputItem.text(`⏳ ${this.prefix}starting`);
    await this.exec.replaceOutput([this.output, ...markOutputs(previous, 're-running')]);
  }

  update(message: string, fraction?: number): void {
    const pct = fraction === undefined ? '' : ` (${Math.round(fraction * 100)} %)`;
    this.writes.push(`⏳ ${this.prefix}${message}${pct}`);
  }

  close(): Promise<void> {
    return this.writes.close();
  }
}
