// The executed notebook the CLI writes into --out (cli/executedNotebook.ts): read back with the
// project's nbformat logic (what the extension's serializer wraps), every run code cell holds the
// outputs VS Code's controller would have written, re-serialising gives the same bytes, and no
// machine path or secret is in it. A failed run still writes it, with the outputs up to the
// failure and VS Code's error output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseNotebook, serializeNotebook, type NotebookModel } from '../../src/kernel/nbformat';
import { ERROR_MIME } from '../../src/cli/executedNotebook';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/symptom-lens.js');
const DEMO = path.join(ROOT, 'examples/demo.lensnb');
/** Shaped like a Hugging Face token, so it is masked even where it is not known as a secret. */
const TOKEN = 'hf_Qx7Zr2Kp9Vw4Ty8Jm3Lb6';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const env = { ...process.env, HF_TOKEN: TOKEN };
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

interface CellJson {
  index: number;
  step: string | null;
  name: string | null;
  ok: boolean;
  error?: string;
  result?: Record<string, unknown>;
}

async function readBack(file: string, machinePaths: string[]): Promise<NotebookModel> {
  const text = await fs.readFile(file, 'utf8');
  for (const p of machinePaths) assert.ok(!text.includes(p), `no machine path (${p}) in the notebook`);
  assert.ok(!text.includes(TOKEN) && !text.includes(TOKEN.slice(3)), 'no secret in the notebook');
  const model = parseNotebook(text, path.basename(file));
  assert.equal(serializeNotebook(model), text, 'the serializer writes the same bytes back (nbformat-4 .lensnb)');
  const leftovers = (await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.partial'));
  assert.deepEqual(leftovers, [], 'atomic write: no temporary file left');
  return model;
}

test('the CLI writes the executed demo notebook into --out with every code cell’s outputs', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-cli-nb-'));
  const out = path.join(tmp, 'out');
  const res = await cli(['run', DEMO, '--out', out, '--cache', path.join(tmp, 'cache'), '--device', 'cpu', '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  const file = path.join(out, 'demo.lensnb');
  assert.match(res.stdout, /Notebook: .*demo\.lensnb/);
  const model = await readBack(file, [ROOT, tmp, os.homedir()]);
  const input = parseNotebook(await fs.readFile(DEMO, 'utf8'));
  const results = JSON.parse(await fs.readFile(path.join(out, 'results.json'), 'utf8')) as { cells: CellJson[] };

  assert.equal(model.cells.length, input.cells.length);
  let order = 0;
  model.cells.forEach((cell, i) => {
    assert.equal(cell.source, input.cells[i].source, `cell ${i + 1}: the source as written`);
    assert.deepEqual(cell.metadata, input.cells[i].metadata);
    if (cell.kind !== 'code') return;
    const entry = results.cells.find((c) => c.index === i)!;
    assert.ok(entry.ok, `cell ${i + 1} ran`);
    assert.equal(cell.executionCount, ++order, `cell ${i + 1}: execution count in run order`);
    assert.ok(cell.outputs.length > 0, `cell ${i + 1} has outputs`);
    for (const output of cell.outputs) {
      // VS Code's successOutput: the renderer's item, then the markdown fallback.
      assert.deepEqual(
        output.items.map((item) => (item.mime.startsWith('application/vnd.symptom-lens.') ? 'result' : item.mime)),
        ['result', 'text/markdown'],
      );
      assert.ok(typeof output.items[1].data === 'string' && output.items[1].data.length > 0);
    }
    // The step's data holds what results.json records for the cell (outputs add inline thumbnails).
    const data = cell.outputs[0].items[0].data as Record<string, unknown>;
    for (const [key, value] of Object.entries(entry.result!)) {
      assert.deepEqual(data[key], value, `cell ${i + 1}: output field ${key} = results.json`);
    }
  });
  assert.ok(order >= 6, 'the demo runs several code cells');
});

test('a failed run writes the notebook with the outputs up to the failure and the error output', async () => {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-cli-nb-'));
  const nb = JSON.parse(await fs.readFile(DEMO, 'utf8'));
  const modelCell = nb.cells.findIndex((c: any) => c.cell_type === 'code' && c.source.join('').startsWith('model:'));
  nb.cells[modelCell].source = ['model: demo\n', 'path: ../models/nowhere\n'];
  // Outputs saved by an earlier run must not pass for this run's.
  for (const c of nb.cells)
    if (c.cell_type === 'code')
      c.outputs = [{ output_type: 'display_data', data: { 'text/plain': ['old'] }, metadata: {} }];
  const file = path.join(tmp, 'broken.lensnb');
  await fs.cp(path.join(ROOT, 'examples/data'), path.join(tmp, 'data'), { recursive: true });
  const inputText = JSON.stringify(nb);
  await fs.writeFile(file, inputText);
  // --out is the notebook's own folder: the executed copy gets its own name, the input stays.
  const res = await cli(['run', file, '--out', tmp, '--cache', path.join(tmp, 'cache'), '--quiet']);
  assert.equal(res.code, 1);
  assert.equal(await fs.readFile(file, 'utf8'), inputText, 'the input notebook is untouched');
  const model = await readBack(path.join(tmp, 'broken.executed.lensnb'), [ROOT, tmp, os.homedir()]);

  const code = model.cells.map((c, i) => ({ c, i })).filter(({ c }) => c.kind === 'code');
  for (const { c, i } of code) {
    if (i < modelCell) {
      assert.ok(
        c.outputs.length > 0 && c.outputs.every((o) => o.items[0].mime.startsWith('application/vnd.symptom-lens.')),
        `cell ${i + 1}: this run's outputs`,
      );
      assert.equal(typeof c.executionCount, 'number');
    } else if (i === modelCell) {
      assert.equal(c.outputs.length, 1);
      const [item] = c.outputs[0].items;
      assert.equal(item.mime, ERROR_MIME);
      // What NotebookCellOutputItem.error writes: tab-indented JSON of name and message.
      const error = JSON.parse(item.data as string) as { name: string; message: string };
      assert.equal(item.data, JSON.stringify(error, undefined, '\t'));
      assert.equal(error.name, 'Symptom Lens');
      assert.match(error.message, /line 2, field `path`: .*does not exist/);
      assert.deepEqual(c.outputs[0].metadata, { line: 2, field: 'path' });
    } else {
      assert.deepEqual(c.outputs, [], `cell ${i + 1} did not run: no outputs`);
      assert.equal(c.executionCount, null);
    }
  }
});
