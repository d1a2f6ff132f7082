/// <reference types="mocha" />
// Extension API tests, run inside a real extension host (code-server or test-electron) on the
// real demo model and real chest X-rays (the Kermany subset in test/fixtures).
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SymptomLensApi } from '../../src/extension/main';
import { MIME } from '../../src/protocol/mime';
import { markIdentifyingFields, PRIVACY_NEEDLES, rewriteDicom } from '../helpers/dicomWrite';
import { startOpenAIServer } from '../helpers/openaiServer';
import {
  activateExtension,
  closeEverything,
  CONTROLLER_ID,
  DEMO_MODEL,
  describe,
  errorMessage,
  EXTENSION_ID,
  imagesCell,
  json,
  KERMANY_CSV,
  mimes,
  modelCell,
  namesCell,
  openNotebook,
  REPO,
  runAll,
  scoreCell,
  v1Cell,
  waitFor,
  yamlLines,
  writeNotebook,
  type ScoreData,
} from './helpers';

const DICOM_FIXTURES = path.join(REPO, 'test', 'fixtures', 'dicom');

let api: SymptomLensApi;
let workspace: string;

suite('Symptom Lens in the extension host', () => {
  suiteSetup(async () => {
    ({ api, workspace } = await activateExtension());
  });

  teardown(closeEverything);

  test('the serializer opens a .lensnb file through workspace.openNotebookDocument', async () => {
    const uri = await writeNotebook('serializer.lensnb', [
      { markdown: '# Title\nsome *text*' },
      imagesCell(4),
      modelCell,
    ]);
    const notebook = await vscode.workspace.openNotebookDocument(uri);
    assert.equal(notebook.notebookType, 'symptom-lens');
    assert.equal(notebook.cellCount, 3);
    assert.deepEqual(
      notebook.getCells().map((c) => c.kind),
      [vscode.NotebookCellKind.Markup, vscode.NotebookCellKind.Code, vscode.NotebookCellKind.Code],
    );
    assert.deepEqual(
      notebook.getCells().map((c) => c.document.languageId),
      ['markdown', 'yaml', 'yaml'],
    );
    assert.equal(notebook.cellAt(0).document.getText(), '# Title\nsome *text*');
    assert.equal(notebook.cellAt(2).document.getText(), modelCell);
  });

  test('the serializer writes back exactly what it read, outputs and metadata included', async () => {
    const file = path.join(workspace, 'roundtrip.lensnb');
    const original = `${JSON.stringify(
      {
        cells: [
          { id: 'intro', cell_type: 'markdown', metadata: { tags: ['intro'] }, source: ['# Demo\n', 'two lines'] },
          {
            id: 'c1',
            cell_type: 'code',
            metadata: { collapsed: true },
            source: ['images: cxr\n', 'from: data/labels.csv'],
            execution_count: 3,
            outputs: [
              {
                output_type: 'display_data',
                data: {
                  [MIME.images]: { name: 'cxr', count: 2, nested: { a: [1, 2.5, null] } },
                  'text/markdown': ['**cxr**: 2 images'],
                },
                metadata: { origin: 'test' },
              },
            ],
          },
        ],
        metadata: {
          kernelspec: { name: 'symptom-lens', display_name: 'Symptom Lens', language: 'yaml' },
          custom: { keep: 1 },
        },
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    )}\n`;
    await fs.writeFile(file, original);
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    assert.deepEqual(mimes(notebook.cellAt(1)), [[MIME.images, 'text/markdown']]);
    assert.equal(notebook.cellAt(1).executionSummary?.executionOrder, 3);
    // A change that leaves the content as it was, so that saving runs the serializer.
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata })]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await notebook.save(), 'save failed');
    assert.equal(await fs.readFile(file, 'utf8'), original);
  });

  test('a malformed file is refused with a message naming the problem, not opened empty', async () => {
    const file = path.join(workspace, 'broken.lensnb');
    await fs.writeFile(file, '{\n "cells": [\n  {"cell_type": "code",\n');
    await assert.rejects(
      async () => vscode.workspace.openNotebookDocument(vscode.Uri.file(file)),
      (e: Error) => {
        assert.match(e.message, /not valid JSON/);
        return true;
      },
    );
    await fs.writeFile(file, '{"cells": [], "nbformat": 3}');
    await assert.rejects(
      async () => vscode.workspace.openNotebookDocument(vscode.Uri.file(file)),
      /"nbformat" must be 4/,
    );
  });

  test('the controller serves symptom-lens notebooks and YAML cells', () => {
    const controller = api.controller.notebookController;
    assert.equal(controller.id, CONTROLLER_ID);
    assert.equal(controller.notebookType, 'symptom-lens');
    assert.deepEqual(controller.supportedLanguages, ['yaml']);
    assert.equal(controller.supportsExecutionOrder, true);
  });

  test('notebook.execute runs every cell in order, with custom MIME + markdown outputs', async () => {
    // A cache folder of its own: "a fresh cache encodes every image" must not depend on which
    // suites ran before this one (the Export suite scores the same images).
    const config = vscode.workspace.getConfiguration('symptomLens');
    await config.update('cacheDir', path.join(workspace, 'run-all-cache'), vscode.ConfigurationTarget.Global);
    try {
      await runAllOnAFreshCache();
    } finally {
      await config.update('cacheDir', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  async function runAllOnAFreshCache(): Promise<void> {
    const uri = await writeNotebook('run-all.lensnb', [
      { markdown: 'intro' },
      imagesCell(8),
      modelCell,
      namesCell,
      v1Cell,
      scoreCell,
    ]);
    const notebook = await openNotebook(uri);
    const code = await runAll(notebook);
    for (const cell of code) {
      assert.equal(
        cell.executionSummary?.success,
        true,
        `cell ${cell.index + 1} did not succeed:\n${describe(notebook)}`,
      );
    }
    const orders = code.map((c) => c.executionSummary!.executionOrder!);
    assert.deepEqual(
      orders,
      [...orders].sort((a, b) => a - b),
      `execution order ${orders}`,
    );
    assert.equal(new Set(orders).size, orders.length);
    assert.deepEqual(mimes(code[0]), [[MIME.images, 'text/markdown']]);
    assert.deepEqual(mimes(code[1]), [[MIME.model, 'text/markdown']]);
    assert.deepEqual(mimes(code[2]), [[MIME.descriptors, 'text/markdown']]);
    assert.deepEqual(mimes(code[4]), [[MIME.score, 'text/markdown']]);
    const score = json<ScoreData>(code[4], MIME.score);
    assert.deepEqual(
      score.variants.map((v) => v.name),
      ['names', 'v1'],
    );
    assert.equal(score.run.encoded.images, 8, 'a fresh cache encodes every image');
    const markdown = new TextDecoder().decode(code[4].outputs[0].items[1].data);
    assert.ok(markdown.length > 0, 'the markdown fallback is empty');
  }

  test('notebook.cell.execute re-runs one cell; cells downstream are marked stale; the image cache holds', async () => {
    const uri = await writeNotebook('one-cell.lensnb', [imagesCell(8), modelCell, namesCell, v1Cell, scoreCell]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    assert.equal(notebook.cellAt(4).executionSummary?.success, true);
    const kernel = api.controller.kernelFor(notebook)!;
    assert.deepEqual(kernel.staleCells(), []);
    const firstOrder = notebook.cellAt(4).executionSummary!.executionOrder!;

    // Edit one descriptor, re-run that cell alone: the score cell that read it is now stale.
    const v1 = notebook.cellAt(3).document;
    const edit = new vscode.WorkspaceEdit();
    const at = v1.getText().indexOf('air bronchograms');
    edit.replace(
      v1.uri,
      new vscode.Range(v1.positionAt(at), v1.positionAt(at + 'air bronchograms'.length)),
      'lobar consolidation',
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: 3, end: 4 }],
      document: notebook.uri,
    });
    assert.equal(notebook.cellAt(3).executionSummary?.success, true);
    assert.deepEqual(kernel.staleCells(), [notebook.cellAt(4).document.uri.toString()]);

    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: 4, end: 5 }],
      document: notebook.uri,
    });
    const cell = notebook.cellAt(4);
    assert.equal(cell.executionSummary?.success, true);
    assert.ok(cell.executionSummary!.executionOrder! > firstOrder);
    const score = json<ScoreData>(cell, MIME.score);
    assert.deepEqual(score.run.encoded, { images: 0, texts: 1 }, 'only the edited descriptor should be encoded');
    assert.deepEqual(kernel.staleCells(), []);
  });

  test('a failing cell names its YAML line and the cells after it do not run', async () => {
    const uri = await writeNotebook('failing.lensnb', [
      imagesCell(4),
      `model: demo\npath: ${DEMO_MODEL}\ndevice: gpu`,
      namesCell,
      'score: s\nimages: cxr\nmodel: demo\ndescriptors: names',
    ]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    assert.equal(notebook.cellAt(0).executionSummary?.success, true);
    assert.equal(notebook.cellAt(1).executionSummary?.success, false);
    const message = errorMessage(notebook.cellAt(1));
    assert.match(message, /^line 3, field `device`/);
    assert.equal(notebook.cellAt(1).outputs[0].metadata?.line, 3);
    for (const i of [2, 3]) {
      assert.equal(notebook.cellAt(i).executionSummary?.success, undefined, `cell ${i + 1} should not have run`);
      assert.equal(notebook.cellAt(i).outputs.length, 0, `cell ${i + 1} should have no output`);
    }
  });

  test('an unknown name in a cell is an error on its line', async () => {
    const uri = await writeNotebook('unknown.lensnb', [
      namesCell,
      'score: s\nimages: nowhere\nmodel: demo\ndescriptors: names',
    ]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    assert.equal(notebook.cellAt(1).executionSummary?.success, false);
    assert.match(errorMessage(notebook.cellAt(1)), /^line 2, field `images`: No images named "nowhere"/);
  });

  test('an interrupt cancels the running cell and the queued ones', async () => {
    const config = vscode.workspace.getConfiguration('symptomLens');
    await config.update('batchSize', 1, vscode.ConfigurationTarget.Global);
    try {
      // A cache folder of its own, so the images really go through the model.
      await config.update('cacheDir', path.join(workspace, 'interrupt-cache'), vscode.ConfigurationTarget.Global);
      const uri = await writeNotebook('interrupt.lensnb', [
        imagesCell(),
        modelCell,
        namesCell,
        scoreCell.replace('[names, v1]', 'names'),
      ]);
      const notebook = await openNotebook(uri);
      const running = vscode.commands.executeCommand('notebook.execute', notebook.uri);
      await waitFor(
        'the score cell to show progress',
        () => notebook.cellAt(3).outputs.some((o) => o.items.some((i) => i.mime === 'text/plain')),
        120_000,
        notebook,
      );
      await vscode.commands.executeCommand('notebook.cancelExecution');
      await running;
      await waitFor(
        'the score cell to end',
        () => notebook.cellAt(3).outputs.some((o) => /Cancelled/.test(new TextDecoder().decode(o.items[0].data))),
        60_000,
      );
      assert.notEqual(notebook.cellAt(3).executionSummary?.success, true);
      // The earlier cells are untouched.
      assert.equal(notebook.cellAt(0).executionSummary?.success, true);
    } finally {
      await config.update('batchSize', undefined, vscode.ConfigurationTarget.Global);
      await config.update('cacheDir', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('search, fewshot and ask run in the host with their outputs; Find similar inserts and runs a search', async () => {
    const server = await startOpenAIServer({ reply: () => 'The "clear lung fields" descriptor matches best.' });
    try {
      const uri = await writeNotebook('research.lensnb', [
        imagesCell(12),
        modelCell,
        namesCell,
        v1Cell,
        scoreCell,
        'search: s\nimages: cxr\nmodel: demo\nk: 4\nqueries:\n  - {text: clear lung fields, relevant: normal}\n  - {text: patchy consolidation, relevant: pneumonia}',
        'fewshot: f\nimages: cxr\nmodel: demo\ndescriptors: v1\nshots: [1, 2]\nrepeats: 2',
        `ask: a\nscore: cmp\nimage: 0\nquestion: Why?\nllm: {model: local}\nendpoint: ${server.baseUrl}`,
      ]);
      const notebook = await openNotebook(uri);
      const code = await runAll(notebook, 120_000);
      for (const cell of code) assert.equal(cell.executionSummary?.success, true, describe(notebook));
      assert.deepEqual(mimes(code[5]), [[MIME.search, 'text/markdown']]);
      assert.deepEqual(mimes(code[6]), [[MIME.fewshot, 'text/markdown']]);
      assert.deepEqual(mimes(code[7]), [[MIME.ask, 'text/markdown']]);
      const search = json<{ queries: { hits: unknown[]; ndcgAtK: number | null }[] }>(code[5], MIME.search);
      assert.equal(search.queries[0].hits.length, 4);
      const ask = json<{ answers: { mentioned: string[] }[] }>(code[7], MIME.ask);
      assert.deepEqual(ask.answers[0].mentioned, ['clear lung fields']);
      assert.equal(server.chatCount(), 1);

      const score = json<{ variants: { predictions: { image: string }[] }[] }>(code[4], MIME.score);
      const image = score.variants[0].predictions[0].image;
      const editor = vscode.window.activeNotebookEditor!;
      const index = await api.findSimilar(editor, {
        type: 'findSimilar',
        image,
        score: 'cmp',
        images: 'cxr',
        model: 'demo',
      });
      assert.equal(index, 5, 'the search cell goes right below the score cell');
      const inserted = notebook.cellAt(5);
      const lines = yamlLines(inserted);
      assert.match(lines[0], /^search: like-/);
      assert.deepEqual(lines.slice(1, 5), ['images: cxr', 'model: demo', `like: ${image}`, 'k: 12']);
      await waitFor(
        'the inserted search to run',
        () => inserted.executionSummary?.success !== undefined,
        60_000,
        notebook,
      );
      assert.equal(inserted.executionSummary?.success, true, describe(notebook));
      const similar = json<{ queries: { kind: string; hits: { image: string }[] }[] }>(inserted, MIME.search);
      assert.equal(similar.queries[0].kind, 'image');
      assert.ok(!similar.queries[0].hits.some((h) => h.image === image), 'the image itself is not its own neighbour');
    } finally {
      await server.close();
    }
  });

  test('"Explain this image" inserts an explain cell for the image and variant below the score cell and runs it', async () => {
    const uri = await writeNotebook('explain-click.lensnb', [
      imagesCell(6),
      modelCell,
      namesCell,
      v1Cell,
      scoreCell,
      { markdown: 'after the score' },
    ]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const scoreCellOf = notebook.cellAt(4);
    await waitFor('the score', () => scoreCellOf.executionSummary?.success, 120_000, notebook);
    const score = json<{ variants: { name: string; predictions: { image: string }[] }[] }>(scoreCellOf, MIME.score);
    const image = score.variants[1].predictions[2].image;
    const index = await api.explainImage(vscode.window.activeNotebookEditor!, {
      type: 'explainImage',
      image,
      score: 'cmp',
      variant: 'v1',
    });
    assert.equal(index, 5, 'the explain cell goes right below the score cell');
    const inserted = notebook.cellAt(5);
    const lines = yamlLines(inserted);
    assert.match(lines[0], /^explain: why-/);
    assert.deepEqual(lines.slice(1), ['score: cmp', 'variant: v1', `image: ${image}`]);
    await waitFor('the explain cell to run', () => inserted.executionSummary?.success !== undefined, 120_000, notebook);
    assert.equal(inserted.executionSummary?.success, true, describe(notebook));
    const explained = json<{ image: string; variant: string; score: string }>(inserted, MIME.explain);
    assert.deepEqual([explained.image, explained.variant, explained.score], [image, 'v1', 'cmp']);
    assert.equal(notebook.cellAt(6).kind, vscode.NotebookCellKind.Markup, 'the cells below stay where they were');
  });

  test('renderers get thumbnails only of images the kernel loaded', async () => {
    const uri = await writeNotebook('thumbs.lensnb', [imagesCell(4)]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const set = json<{ samples: { image: string }[] }>(notebook.cellAt(0), MIME.images);
    const image = set.samples[0].image;
    assert.ok(api.imageForRenderer(notebook, image), `${image} is in the set`);
    assert.equal(api.imageForRenderer(notebook, '../../../../etc/passwd'), undefined);
    assert.equal(api.imageForRenderer(notebook, KERMANY_CSV), undefined);
  });

  test("completions offer step names and the options of the cell's step", async () => {
    const uri = await writeNotebook('complete.lensnb', ['sc', 'score: s\n']);
    const notebook = await openNotebook(uri);
    const steps = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      notebook.cellAt(0).document.uri,
      new vscode.Position(0, 2),
    );
    const stepLabels = steps.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const s of ['images', 'model', 'descriptors', 'score'])
      assert.ok(stepLabels.includes(s), `step ${s} missing from ${stepLabels}`);
    const options = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      notebook.cellAt(1).document.uri,
      new vscode.Position(1, 0),
    );
    const optionLabels = options.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const o of ['images', 'model', 'descriptors', 'method'])
      assert.ok(optionLabels.includes(o), `option ${o} missing from ${optionLabels}`);
  });

  test("diagnostics come from the kernel's own parser, on the right line", async () => {
    const uri = await writeNotebook('diagnose.lensnb', ['images: x\nfrom: a.csv\nlimt: 3']);
    const notebook = await openNotebook(uri);
    const cellUri = notebook.cellAt(0).document.uri;
    const diagnostics = await waitFor(
      'diagnostics',
      () => {
        const d = vscode.languages.getDiagnostics(cellUri);
        return d.length > 0 ? d : undefined;
      },
      10_000,
    );
    assert.equal(diagnostics[0].range.start.line, 2);
    assert.match(diagnostics[0].message, /"limt" is not an option of the images step\. Did you mean "limit"\?/);
  });

  test('completions list files after from:/path: relative to the notebook, and defined names in block lists', async () => {
    const folder = path.join(workspace, 'paths');
    await fs.mkdir(path.join(folder, 'data', 'normal'), { recursive: true });
    await fs.writeFile(path.join(folder, 'data', 'labels.csv'), 'path,label\n');
    const uri = await writeNotebook(path.join('paths', 'paths.lensnb'), [
      'images: x\nfrom: da',
      'images: y\nfrom: data/',
      'descriptors: names\nclasses:\n  a: []',
      'score: s\nimages: x\nmodel: m\ndescriptors:\n  - ',
    ]);
    const notebook = await openNotebook(uri);
    const labelsAt = async (cell: number, line: number, character: number) => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        notebook.cellAt(cell).document.uri,
        new vscode.Position(line, character),
      );
      return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    };
    const top = await labelsAt(0, 1, 8);
    assert.ok(top.includes('data/') && !top.includes('labels.csv'), `${top}`);
    const inside = await labelsAt(1, 1, 11);
    assert.ok(inside.includes('labels.csv') && inside.includes('normal/'), `${inside}`);
    assert.ok(!inside.includes('data/'), 'lists the typed folder, not the notebook folder');
    const names = await labelsAt(3, 4, 4);
    assert.ok(names.includes('names'), `${names}`);
  });

  test('"Did you mean" diagnostics have a quick fix that replaces the misspelt word', async () => {
    const uri = await writeNotebook('fix.lensnb', [
      `images: x\nfrom: ${KERMANY_CSV}\nlimt: 3`,
      'descriptors: names\nclasses:\n  normal: []',
      'score: s\nimages: x\nmodel: m\ndescriptors: [nmes]\nmethd: mean',
    ]);
    const notebook = await openNotebook(uri);
    const fix = async (cell: vscode.NotebookCell, pattern: RegExp) => {
      const diagnostic = await waitFor(
        `a diagnostic matching ${pattern}`,
        () => vscode.languages.getDiagnostics(cell.document.uri).find((d) => pattern.test(d.message)),
        10_000,
      );
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        cell.document.uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const action = actions.find((a) => /^Change to/.test(a.title));
      assert.ok(action?.edit, `a quick fix for ${diagnostic.message}: ${actions.map((a) => a.title)}`);
      assert.ok(await vscode.workspace.applyEdit(action.edit));
      return action.title;
    };
    assert.equal(await fix(notebook.cellAt(0), /"limt" is not an option/), 'Change to "limit"');
    assert.equal(notebook.cellAt(0).document.lineAt(2).text, 'limit: 3');
    // The option error comes first; after its fix, the unknown name's warning.
    assert.equal(await fix(notebook.cellAt(2), /"methd"/), 'Change to "method"');
    assert.equal(
      await fix(notebook.cellAt(2), /defines descriptors "nmes"\. Did you mean "names"\?/),
      'Change to "names"',
    );
    assert.equal(
      notebook.cellAt(2).document.getText(),
      'score: s\nimages: x\nmodel: m\ndescriptors: [names]\nmethod: mean',
    );
  });

  test('missing files and model folders are warned about while editing, on the line of the field', async () => {
    const uri = await writeNotebook('missing.lensnb', [
      'images: x\nlimit: 2\nfrom: not-there.csv',
      `model: m\npath: ${path.dirname(KERMANY_CSV)}`,
      `model: ok\npath: ${DEMO_MODEL}`,
    ]);
    const notebook = await openNotebook(uri);
    const warning = (cell: number, pattern: RegExp) =>
      waitFor(
        `a warning matching ${pattern}`,
        () => vscode.languages.getDiagnostics(notebook.cellAt(cell).document.uri).find((d) => pattern.test(d.message)),
        10_000,
      );
    const missing = await warning(0, /"not-there\.csv" does not exist/);
    assert.equal(missing.range.start.line, 2);
    assert.equal(missing.severity, vscode.DiagnosticSeverity.Warning);
    const notModel = await warning(1, /is not a model folder: config\.json, .*onnx\/vision_model\.onnx/);
    assert.equal(notModel.range.start.line, 1);
    assert.deepEqual(vscode.languages.getDiagnostics(notebook.cellAt(2).document.uri), []);
    // Pointing the field at a file that exists clears the warning (after the debounce).
    const edit = new vscode.WorkspaceEdit();
    edit.replace(notebook.cellAt(0).document.uri, new vscode.Range(2, 6, 2, 19), KERMANY_CSV);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'the warning to go',
      () => vscode.languages.getDiagnostics(notebook.cellAt(0).document.uri).length === 0,
      10_000,
    );
  });

  test('Select Model sets the default model folder that model cells without path use', async () => {
    const config = vscode.workspace.getConfiguration('symptomLens');
    try {
      assert.equal(
        await vscode.commands.executeCommand('symptomLens.selectModel', vscode.Uri.file(DEMO_MODEL)),
        DEMO_MODEL,
      );
      assert.equal(vscode.workspace.getConfiguration('symptomLens').get('modelPath'), DEMO_MODEL);
      const uri = await writeNotebook('default-model.lensnb', ['model: m']);
      const notebook = await openNotebook(uri);
      await vscode.commands.executeCommand('notebook.execute', notebook.uri);
      assert.equal(notebook.cellAt(0).executionSummary?.success, true);
      assert.equal(
        await vscode.commands.executeCommand('symptomLens.selectModel', vscode.Uri.file(workspace)),
        undefined,
        'a folder without a model is refused',
      );
    } finally {
      await config.update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('modelPath', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('Clear Embedding Cache makes the next run encode every image again', async () => {
    const uri = await writeNotebook('clear.lensnb', [
      imagesCell(6),
      modelCell,
      namesCell,
      scoreCell.replace('[names, v1]', 'names'),
    ]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    assert.equal(notebook.cellAt(3).executionSummary?.success, true);
    const cleared = await vscode.commands.executeCommand<string>('symptomLens.clearCache', notebook.uri, {
      confirmed: true,
    });
    assert.ok(cleared && !existsSync(cleared), `cache folder ${cleared} still exists`);
    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: 3, end: 4 }],
      document: notebook.uri,
    });
    assert.equal(json<ScoreData>(notebook.cellAt(3), MIME.score).run.encoded.images, 6);
  });

  test('Open Report writes report.html from the notebook outputs', async () => {
    const uri = await writeNotebook('report.lensnb', [
      { markdown: '# Report test' },
      imagesCell(4),
      modelCell,
      namesCell,
      scoreCell.replace('[names, v1]', 'names'),
    ]);
    const notebook = await openNotebook(uri);
    await vscode.commands.executeCommand('notebook.execute', notebook.uri);
    const report = await vscode.commands.executeCommand<string>('symptomLens.openReport', notebook.uri);
    assert.equal(report, path.join(workspace, 'out', 'report.html'));
    const html = await fs.readFile(report, 'utf8');
    assert.match(html, /<html/i);
    assert.ok(html.includes('Report test'), 'the markdown cell is in the report');
    // Each code cell's YAML, and the contents linking it.
    assert.ok(html.includes(`<pre><code>descriptors: names\nclasses:`), 'the YAML of the descriptors cell');
    assert.ok(html.includes('<a href="#cell-5"><code>score: cmp</code></a>'), 'the contents link the score cell');
  });

  test('DICOM: no header value reaches the outputs, the saved notebook, the cache or the report', async () => {
    // Copies of the committed DICOM fixtures with markers in their identifying fields, and one
    // marked file whose codestream is cut (its skip reason is shown and saved too).
    const dir = path.join(workspace, 'dicom-privacy');
    const names = [
      'pydicom__CT_small.dcm',
      'pydicom__693_J2KI.dcm',
      'pydicom__JPGExtended.dcm',
      'pydicom__MR_small_jpeg_ls_lossless.dcm',
      'pydicom__SC_rgb_rle.dcm',
      'pydicom-data__emri_small_RLE.dcm',
    ];
    for (const [i, name] of names.entries()) {
      await fs.mkdir(path.join(dir, i % 2 ? 'b' : 'a'), { recursive: true });
      rewriteDicom(path.join(DICOM_FIXTURES, name), path.join(dir, i % 2 ? 'b' : 'a', name), markIdentifyingFields);
    }
    rewriteDicom(path.join(DICOM_FIXTURES, 'pydicom__693_J2KI.dcm'), path.join(dir, 'a', 'broken.dcm'), (d) => {
      markIdentifyingFields(d);
      const codestream = new Uint8Array(d.dict['7FE00010'].Value[0] as ArrayBuffer);
      d.dict['7FE00010'].Value = [codestream.slice(0, 400).buffer];
    });
    const uri = await writeNotebook('dicom-privacy.lensnb', [
      'images: scans\nfrom: dicom-privacy',
      modelCell,
      'descriptors: names\nclasses: { a: [], b: [] }',
      'score: s\nimages: scans\nmodel: demo\ndescriptors: names',
      'explain: e\nscore: s\nvariant: names\nimage: dicom-privacy/a/pydicom__CT_small.dcm\npatch: 64\nstride: 64',
    ]);
    const notebook = await openNotebook(uri);
    const code = await runAll(notebook, 120_000);
    for (const cell of code)
      assert.equal(cell.executionSummary?.success, true, `cell ${cell.index + 1} failed:\n${describe(notebook)}`);
    const set = json<{ count: number; skipped: { id: string }[]; dicom: { files: number } }>(code[0], MIME.images);
    // The images cell reads headers only: the cut codestream is listed there and skipped by name
    // where its pixels are decoded (the score cell), so the score has one image fewer.
    assert.deepEqual([set.count, set.dicom.files, set.skipped.map((s) => s.id)], [7, 7, []]);
    const scored = json<{ variants: { predictions: unknown[] }[] }>(code[3], MIME.score);
    assert.equal(scored.variants[0].predictions.length, 6, 'the broken file is not scored');
    await vscode.commands.executeCommand('workbench.action.files.saveAll');
    const report = await vscode.commands.executeCommand<string>('symptomLens.openReport', notebook.uri);
    const written = [uri.fsPath, report];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else written.push(path.join(d, e.name));
      }
    };
    await walk(path.join(workspace, '.symptom-lens'));
    assert.ok(written.length > 2, 'the embedding cache was written');
    const outputs = code.flatMap((c) => c.outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data))));
    for (const needle of PRIVACY_NEEDLES) {
      for (const file of written)
        assert.ok(!(await fs.readFile(file, 'latin1')).includes(needle), `${needle} in ${file}`);
      assert.ok(!outputs.some((o) => o.includes(needle)), `${needle} in an output`);
    }
    const input = await fs.readFile(path.join(dir, 'a', names[0]), 'latin1');
    assert.ok(input.includes('Zyxmarker'), 'the markers are in the inputs');
  });

  test('New Tutorial Notebook copies the tutorial, its images and the demo model next to it, and runs', async () => {
    const parent = path.join(workspace, 'tutorial-parent');
    await fs.mkdir(parent, { recursive: true });
    const first = await vscode.commands.executeCommand<vscode.NotebookEditor>(
      'symptomLens.newNotebook',
      vscode.Uri.file(parent),
    );
    const notebook = first.notebook;
    try {
      assert.equal(notebook.isUntitled, false);
      assert.equal(notebook.uri.fsPath, path.join(parent, 'symptom-lens-tutorial', 'tutorial.lensnb'));
      const folder = path.dirname(notebook.uri.fsPath);
      const cells = notebook.getCells();
      const sources = cells.map((c) => c.document.getText());
      assert.ok(sources.includes('model: demo\npath: models/demo'), sources.join('\n---\n'));
      assert.ok(existsSync(path.join(folder, 'models', 'demo', 'onnx', 'vision_model.onnx')));
      assert.ok(existsSync(path.join(folder, 'data', 'labels.csv')));
      assert.ok(existsSync(path.join(folder, 'data', 'dicom', 'labels.csv')));
      // No path in the notebook leaves its folder: an extension update cannot break it.
      for (const s of sources) assert.doesNotMatch(s, /(from|path|labels): (\/|\.\.)/);
      await vscode.commands.executeCommand('notebook.selectKernel', { id: CONTROLLER_ID, extension: EXTENSION_ID });
      await vscode.commands.executeCommand('notebook.execute', notebook.uri);
      for (const cell of cells.filter((c) => c.kind === vscode.NotebookCellKind.Code)) {
        assert.equal(
          cell.executionSummary?.success,
          true,
          `tutorial cell ${cell.index + 1} did not succeed:\n${describe(notebook)}`,
        );
      }
      const explain = cells.find((c) => /^explain:/.test(c.document.getText()));
      assert.ok(explain && mimes(explain).flat().includes(MIME.explain), describe(notebook));
      // A second tutorial never overwrites the first one (which the user may have edited).
      const second = await vscode.commands.executeCommand<vscode.NotebookEditor>(
        'symptomLens.newNotebook',
        vscode.Uri.file(parent),
      );
      assert.equal(second.notebook.uri.fsPath, path.join(parent, 'symptom-lens-tutorial-2', 'tutorial.lensnb'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('New Empty Notebook and an empty .lensnb file open the skeleton cells, which parse without errors', async () => {
    const packageJson = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
      contributes: { menus: Record<string, { command: string }[]> };
    };
    assert.ok(packageJson.contributes.menus['file/newFile'].some((m) => m.command === 'symptomLens.newEmptyNotebook'));
    const editor = await vscode.commands.executeCommand<vscode.NotebookEditor>('symptomLens.newEmptyNotebook');
    const skeleton = editor.notebook.getCells().map((c) => c.document.getText());
    try {
      assert.equal(editor.notebook.isUntitled, true);
      assert.equal(editor.notebook.notebookType, 'symptom-lens');
      const steps = editor.notebook
        .getCells()
        .filter((c) => c.kind === vscode.NotebookCellKind.Code)
        .map((c) => /^(\w+):/.exec(c.document.getText())?.[1]);
      assert.deepEqual(steps, ['images', 'model', 'descriptors', 'descriptors', 'score']);
    } finally {
      // Untitled: discard it, or the teardown's save would ask where to save it.
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    const empty = path.join(workspace, 'empty.lensnb');
    await fs.writeFile(empty, '');
    const opened = await openNotebook(vscode.Uri.file(empty));
    assert.deepEqual(
      opened.getCells().map((c) => c.document.getText()),
      skeleton,
    );
    // No cell of the skeleton has a parse error (its data file is still to be named).
    await new Promise((r) => setTimeout(r, 1500));
    for (const cell of opened.getCells()) {
      for (const d of vscode.languages.getDiagnostics(cell.document.uri))
        assert.notEqual(d.severity, vscode.DiagnosticSeverity.Error, `${d.message} in ${cell.document.getText()}`);
    }
  });
});
