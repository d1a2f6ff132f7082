/// <reference types="mocha" />
// The edit → re-run → see-what-changed loop in the real extension host: upstream cells run first
// (or the cell refuses), stale outputs are marked inside the output, a no-op re-run marks
// nothing, a reopened notebook runs its last cell from the caches, an interrupt stops within 2 s
// (mid-batch) and keeps the previous output, and Open Report takes what the toolbar passes.
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SymptomLensApi } from '../../src/extension/main';
import { MIME } from '../../src/protocol/mime';
import { OUTPUT_MARK_KEY } from '../../src/protocol/outputMark';
import {
  activateExtension,
  closeEverything,
  DEMO_MODEL,
  describe,
  errorMessage,
  imagesCell,
  json,
  namesCell,
  openNotebook,
  REPO,
  waitFor,
  writeNotebook,
  type ScoreData,
} from './helpers';
import { canBuildSlowModel, slowModel } from '../helpers/slowModel';

let api: SymptomLensApi;

/**
 * The interrupt and reopen timings mean most on a full-size model: SL_BENCH_MODEL names one (the
 * benchmark's CLIP ViT-B/32); without it the demo model stands in.
 */
const TIMED_MODEL = process.env.SL_BENCH_MODEL || DEMO_MODEL;
/**
 * Layers of the slow vision graph the interrupt test builds where there is no benchmark model:
 * about 4–5 s per batch of 16 on two idle cores (200 layers took 1.3 s on an idle CI machine, too
 * fast to tell a prompt interrupt from one that waits for the batch), so a kernel that waited for
 * the batch to end would miss the 2 s bound.
 */
const SLOW_LAYERS = 700;

/** The benchmark model; else the demo model with a slow vision tower (needs python3-onnx); else none. */
function interruptModel(workspace: string): string | undefined {
  if (process.env.SL_BENCH_MODEL) return process.env.SL_BENCH_MODEL;
  if (!canBuildSlowModel()) return undefined;
  const dir = path.join(workspace, 'slow-vision-model');
  return existsSync(dir) ? dir : slowModel(dir, SLOW_LAYERS, REPO);
}
const modelCellFor = (dir: string) => `model: demo\npath: ${dir}`;
const v2Cell = (heart = 'blurred heart border') =>
  `descriptors: v2\nclasses:\n  normal: [clear lung fields]\n  pneumonia: [patchy consolidation, ${heart}]`;
const scoreCell = 'score: cmp\nimages: cxr\nmodel: demo\ndescriptors: [names, v2]';

/** The loop's notebook: images, model, two descriptor sets, and the score comparing them. */
const loopCells = (images: number, model = DEMO_MODEL) => [
  imagesCell(images),
  modelCellFor(model),
  namesCell,
  v2Cell(),
  scoreCell,
];

/** Written into the workspace, opened and run in full; its last cell must succeed. */
async function openAndRunAll(name: string, cells: string[]): Promise<vscode.NotebookDocument> {
  const notebook = await openNotebook(await writeNotebook(name, cells));
  await vscode.commands.executeCommand('notebook.execute', notebook.uri);
  assert.equal(notebook.cellAt(cells.length - 1).executionSummary?.success, true, describe(notebook));
  return notebook;
}

async function runCell(notebook: vscode.NotebookDocument, index: number): Promise<void> {
  await vscode.commands.executeCommand('notebook.cell.execute', {
    ranges: [{ start: index, end: index + 1 }],
    document: notebook.uri,
  });
}

async function replaceInCell(cell: vscode.NotebookCell, from: string, to: string): Promise<void> {
  const doc = cell.document;
  const at = doc.getText().indexOf(from);
  assert.ok(at >= 0, `"${from}" is not in cell ${cell.index + 1}`);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + from.length)), to);
  assert.ok(await vscode.workspace.applyEdit(edit));
}

function markOf(cell: vscode.NotebookCell, mime: string): unknown {
  return cell.outputs.find((o) => o.items.some((i) => i.mime === mime))?.metadata?.[OUTPUT_MARK_KEY];
}

/** The cell's outputs, their MIME types and metadata, for failure messages. */
function outputsOf(cell: vscode.NotebookCell): string {
  return JSON.stringify(cell.outputs.map((o) => ({ mimes: o.items.map((i) => i.mime), metadata: o.metadata })));
}

function texts(cell: vscode.NotebookCell): string[] {
  return cell.outputs.flatMap((o) =>
    o.items.filter((i) => i.mime === 'text/plain').map((i) => new TextDecoder().decode(i.data)),
  );
}

/** Every status line a cell showed while the returned function was not yet called. */
function recordStatusLines(cell: vscode.NotebookCell): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const sub = vscode.workspace.onDidChangeNotebookDocument((e) => {
    if (e.notebook !== cell.notebook) return;
    for (const c of e.cellChanges) if (c.cell === cell && c.outputs) lines.push(...texts(cell));
  });
  return { lines, stop: () => sub.dispose() };
}

function hasVariantText(score: ScoreData, text: string): boolean {
  return score.variants.some((v) => Object.values(v.descriptors ?? {}).some((d) => d.includes(text)));
}

suite('The edit, re-run, see-what-changed loop', () => {
  suiteSetup(async () => {
    ({ api } = await activateExtension());
  });

  teardown(closeEverything);

  test('edit a descriptor, run only the score: the edited cell runs first and the score uses the new text', async () => {
    const notebook = await openAndRunAll('edit-score.lensnb', loopCells(8));
    const v2Order = notebook.cellAt(3).executionSummary!.executionOrder!;

    await replaceInCell(notebook.cellAt(3), 'blurred heart border', 'silhouette sign');
    const status = recordStatusLines(notebook.cellAt(4));
    await runCell(notebook, 4);
    status.stop();

    assert.equal(notebook.cellAt(4).executionSummary?.success, true, describe(notebook));
    assert.ok(notebook.cellAt(3).executionSummary!.executionOrder! > v2Order, 'the edited cell ran again');
    const score = json<ScoreData>(notebook.cellAt(4), MIME.score);
    assert.ok(hasVariantText(score, 'silhouette sign'), 'the score used the edited descriptor');
    assert.ok(!hasVariantText(score, 'blurred heart border'), 'the score used no stale text');
    assert.equal(score.run.encoded.images, 0, 'the images came from the cache');
    // What changed since the previous run: the descriptor diff, and per metric the paired difference.
    const v2 = score.changes?.variants.find((v) => v.variant === 'v2');
    assert.deepEqual(v2?.descriptors, [
      { class: 'pneumonia', added: ['silhouette sign'], removed: ['blurred heart border'] },
    ]);
    assert.ok(
      v2.metrics.every((m) => m.ci === null || (m.ci && m.ci.low <= m.difference! && m.difference! <= m.ci.high)),
    );
    assert.equal(score.history?.length, 2);
    assert.ok(
      status.lines.some((l) => l.includes('running descriptors: v2 first')),
      `progress said what ran first: ${JSON.stringify(status.lines)}`,
    );
    const kernel = api.controller.kernelFor(notebook)!;
    assert.equal(
      kernel.cellState(notebook.cellAt(3).document.uri.toString(), notebook.cellAt(3).document.getText()),
      'fresh',
    );
  });

  test('with symptomLens.runUpstream off, the cell refuses and names the upstream cell to run', async () => {
    const config = vscode.workspace.getConfiguration('symptomLens');
    await config.update('runUpstream', false, vscode.ConfigurationTarget.Global);
    try {
      const notebook = await openAndRunAll('refuse.lensnb', loopCells(8));
      await replaceInCell(notebook.cellAt(3), 'blurred heart border', 'silhouette sign');
      await runCell(notebook, 4);
      assert.equal(notebook.cellAt(4).executionSummary?.success, false);
      assert.match(errorMessage(notebook.cellAt(4)), /cell 4 \(descriptors: v2\) was edited since it ran/);
      // The last good result stays, marked as from the previous run.
      assert.equal(markOf(notebook.cellAt(4), MIME.score), 'previous-run', outputsOf(notebook.cellAt(4)));
    } finally {
      await config.update('runUpstream', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a re-run that changes nothing marks nothing stale; a real change dims the reader under a stale banner', async () => {
    const notebook = await openAndRunAll('noop.lensnb', loopCells(8));
    const kernel = api.controller.kernelFor(notebook)!;
    for (const i of [0, 1, 3]) await runCell(notebook, i);
    assert.deepEqual(kernel.staleCells(), [], 'a no-op re-run marked cells stale');
    assert.equal(markOf(notebook.cellAt(4), MIME.score), undefined);

    await replaceInCell(notebook.cellAt(3), 'blurred heart border', 'silhouette sign');
    await runCell(notebook, 3);
    assert.deepEqual(kernel.staleCells(), [notebook.cellAt(4).document.uri.toString()]);
    await waitFor(
      'the stale mark in the score output',
      () => markOf(notebook.cellAt(4), MIME.score) === 'stale',
      10_000,
      notebook,
    );
    assert.equal(notebook.cellAt(4).executionSummary?.success, true, 'marking kept the run status');
  });

  test('reopen a saved notebook and run only its last cell: upstream runs from the caches, nothing is re-encoded', async () => {
    const { uri } = await openAndRunAll('reopen.lensnb', loopCells(64, TIMED_MODEL));
    await closeEverything();
    // VS Code keeps a closed notebook's document (and so its kernel) alive for a while; the
    // saved file under a second name is the same notebook as reopened later: a new session, the
    // saved outputs, the same cache folder beside it.
    const reopened = vscode.Uri.file(uri.fsPath.replace(/\.lensnb$/, '-reopened.lensnb'));
    await fs.copyFile(uri.fsPath, reopened.fsPath);
    const notebook = await openNotebook(reopened);
    assert.equal(api.controller.kernelFor(notebook), undefined, 'a new session');
    assert.ok(notebook.cellAt(4).outputs.length > 0, 'the saved output is back');
    const started = Date.now();
    await runCell(notebook, 4);
    const ms = Date.now() - started;
    console.log(`reopen-and-run-last-cell: ${ms} ms (model ${path.basename(TIMED_MODEL)})`);
    assert.equal(notebook.cellAt(4).executionSummary?.success, true, describe(notebook));
    for (let i = 0; i < 4; i++)
      assert.equal(notebook.cellAt(i).executionSummary?.success, true, `cell ${i + 1} ran first`);
    const score = json<ScoreData>(notebook.cellAt(4), MIME.score);
    assert.deepEqual(score.run.encoded, { images: 0, texts: 0 }, 'everything came from the caches');
  });

  test('an interrupt stops the cell within 2 s, mid-batch, and keeps the previous output, marked', async function () {
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // Batch 16 on a model whose batch takes seconds; without python3-onnx only the demo model is
    // left, so fast that single images leave time to click (the bound then proves little).
    const slow = interruptModel(workspace);
    const model = slow ?? DEMO_MODEL;
    const config = vscode.workspace.getConfiguration('symptomLens');
    await config.update('batchSize', slow ? 16 : 1, vscode.ConfigurationTarget.Global);
    await config.update('cacheDir', path.join(workspace, 'interrupt-batch-cache'), vscode.ConfigurationTarget.Global);
    try {
      const notebook = await openAndRunAll('interrupt-batch.lensnb', [
        imagesCell(16),
        modelCellFor(model),
        namesCell,
        'score: s\nimages: cxr\nmodel: demo\ndescriptors: names',
      ]);
      const cell = notebook.cellAt(3);

      // More images: only the score cell is run; the edited images cell runs first.
      await replaceInCell(notebook.cellAt(0), 'limit: 16', 'limit: 600');
      const batches: number[] = [];
      const sub = vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (
          e.cellChanges.some((c) => c.cell === cell && texts(cell).some((t) => /Embedding images [1-9]\d*\//.test(t)))
        )
          batches.push(Date.now());
      });
      const running = runCell(notebook, 3);
      // Two progress lines give one batch's time, and the click lands at the start of the next
      // batch: a kernel that waits for the batch to end would take about that long to stop.
      const lines = slow ? 2 : 1;
      await waitFor('a batch of the score to finish', () => batches.length >= lines, 150_000, notebook);
      assert.equal(
        markOf(cell, MIME.score),
        're-running',
        `the previous output shows while re-running: ${outputsOf(cell)}`,
      );
      const batchMs = lines === 2 ? batches[batches.length - 1] - batches[batches.length - 2] : 0;
      const clicked = Date.now();
      await vscode.commands.executeCommand('notebook.cancelExecution');
      await waitFor('the cell to stop', () => texts(cell).some((t) => /Cancelled/.test(t)), 60_000, notebook);
      const stopMs = Date.now() - clicked;
      sub.dispose();
      await running;
      console.log(
        `interrupt: ${stopMs} ms from the click to a stopped cell (one batch of ${slow ? 16 : 1} took about ${batchMs} ms; model ${path.basename(model)})`,
      );
      if (slow && batchMs <= 2000)
        console.log('note: a batch took under 2 s here, so the bound proves less than it should');
      assert.ok(stopMs <= 2000, `the interrupt took ${stopMs} ms; one batch takes ${batchMs} ms`);
      assert.notEqual(cell.executionSummary?.success, true);
      assert.equal(markOf(cell, MIME.score), 'previous-run', `the previous result is kept: ${outputsOf(cell)}`);
      assert.equal(json<ScoreData>(cell, MIME.score).variants.length, 1);
    } finally {
      await config.update('batchSize', undefined, vscode.ConfigurationTarget.Global);
      await config.update('cacheDir', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('Open Report takes the NotebookDocument the toolbar passes; an untitled notebook is asked to be saved', async () => {
    const notebook = await openAndRunAll('toolbar-report.lensnb', [imagesCell(4), modelCellFor(DEMO_MODEL), namesCell]);
    const report = await vscode.commands.executeCommand<string>('symptomLens.openReport', notebook);
    assert.ok(report && existsSync(report), `no report from a NotebookDocument argument (${report})`);
    const fromContext = await vscode.commands.executeCommand<string>('symptomLens.openReport', {
      notebookEditor: { notebookUri: notebook.uri },
    });
    assert.equal(fromContext, report);
    const untitled = await vscode.workspace.openNotebookDocument('symptom-lens', new vscode.NotebookData([]));
    await vscode.window.showNotebookDocument(untitled);
    try {
      assert.equal(await vscode.commands.executeCommand('symptomLens.openReport', untitled), undefined);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});
