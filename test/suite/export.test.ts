/// <reference types="mocha" />
// Export in the real extension host: the palette command writes a score's predictions and
// metrics as CSV and JSON, with the content the command-line runner writes for the same notebook.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { MIME } from '../../src/protocol/mime';
import {
  activateExtension,
  closeEverything,
  describe,
  imagesCell,
  json,
  modelCell,
  namesCell,
  openNotebook,
  REPO,
  scoreCell,
  v1Cell,
  waitFor,
  writeNotebook,
} from './helpers';

let workspace: string;

suite('Export', () => {
  suiteSetup(async () => {
    ({ workspace } = await activateExtension());
  });
  teardown(closeEverything);

  test('Export Score Results writes the CLI’s predictions and metrics CSVs and the score as JSON', async () => {
    const uri = await writeNotebook('export.lensnb', [imagesCell(8), modelCell, namesCell, v1Cell, scoreCell]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const scoreCellOf = () => notebook.cellAt(4);
    await waitFor('the score cell', () => scoreCellOf().executionSummary?.success === true, 120_000, notebook);
    const shown = json<{ name: string; variants: { name: string }[] }>(scoreCellOf(), MIME.score);

    const out = path.join(workspace, 'export-out');
    await fs.mkdir(out, { recursive: true });
    const written: Record<string, string> = {};
    for (const format of ['predictions.csv', 'metrics.csv', 'json']) {
      const target = vscode.Uri.file(path.join(out, `exported.${format}`));
      const file = await vscode.commands.executeCommand<vscode.Uri>('symptomLens.exportScore', {
        score: 'cmp',
        format,
        uri: target,
      });
      assert.equal(file?.fsPath, target.fsPath, `${format}: the command returns the file it wrote`);
      written[format] = await fs.readFile(target.fsPath, 'utf8');
    }

    // The command-line runner on the same notebook, as a user runs it.
    const cliOut = path.join(workspace, 'export-cli');
    await promisify(execFile)(
      process.execPath,
      [path.join(REPO, 'bin', 'symptom-lens.js'), 'run', uri.fsPath, '--out', cliOut, '--device', 'cpu', '--quiet'],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: 120_000 },
    );
    for (const format of ['predictions.csv', 'metrics.csv']) {
      assert.equal(
        written[format],
        await fs.readFile(path.join(cliOut, `cmp.${format}`), 'utf8'),
        `${format}: the same bytes as the CLI's`,
      );
    }
    const lines = written['predictions.csv'].trimEnd().split('\r\n');
    assert.equal(lines.length, 1 + 8 * 2, 'one row per image and variant');

    // JSON: the score as results.json holds it (the run's timing aside).
    const exported = JSON.parse(written.json) as { name: string; thumbnails?: unknown; variants: unknown[] };
    const results = JSON.parse(await fs.readFile(path.join(cliOut, 'results.json'), 'utf8')) as {
      cells: { step: string; result?: { variants: unknown[] } }[];
    };
    const fromCli = results.cells.find((c) => c.step === 'score')!.result!;
    assert.equal(exported.name, shown.name);
    assert.equal(exported.thumbnails, undefined, 'no inline thumbnails');
    assert.deepEqual(
      exported.variants,
      fromCli.variants,
      `the variants as results.json has them\n${describe(notebook)}`,
    );
  });
});
