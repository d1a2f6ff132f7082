import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseNotebook, serializeNotebook, NotebookFormatError, toLines } from '../../src/kernel/nbformat';

const sample = {
  cells: [
    { cell_type: 'markdown', id: 'intro', metadata: { tags: ['doc'] }, source: ['# Title\n', '\n', 'Some *text*.'] },
    {
      cell_type: 'code',
      id: 'c1',
      execution_count: 3,
      metadata: { custom: { a: 1 } },
      source: ['descriptors: v1\n', 'classes:\n', '  normal: [clear lungs]'],
      outputs: [
        {
          output_type: 'display_data',
          metadata: {},
          data: {
            'application/vnd.symptom-lens.descriptors+json': { name: 'v1', classes: { normal: ['clear lungs'] } },
            'text/markdown': ['**descriptors: v1**\n', '- normal'],
          },
        },
      ],
    },
    { cell_type: 'code', execution_count: null, metadata: {}, source: [], outputs: [] },
  ],
  metadata: {
    kernelspec: { name: 'symptom-lens', display_name: 'Symptom Lens', language: 'yaml' },
    language_info: { name: 'yaml' },
    extra: { keep: true },
  },
  nbformat: 4,
  nbformat_minor: 5,
};

test('round trip is exact: cells, markdown, metadata and outputs', () => {
  const text = `${JSON.stringify(sample, null, 1)}\n`;
  const model = parseNotebook(text);
  assert.equal(model.cells.length, 3);
  assert.equal(model.cells[1].source, 'descriptors: v1\nclasses:\n  normal: [clear lungs]');
  assert.deepEqual(model.cells[1].outputs[0].items[0].data, { name: 'v1', classes: { normal: ['clear lungs'] } });
  assert.equal(model.cells[1].outputs[0].items[1].data, '**descriptors: v1**\n- normal');
  const again = serializeNotebook(model);
  assert.deepEqual(JSON.parse(again), sample);
  assert.equal(serializeNotebook(parseNotebook(again)), again);
});

test('sources are stored as line arrays so edits diff line by line', () => {
  assert.deepEqual(toLines('a\nb\n'), ['a\n', 'b\n']);
  assert.deepEqual(toLines('a\nb'), ['a\n', 'b']);
  assert.deepEqual(toLines(''), []);
});

test('an empty file is an empty notebook', () => {
  assert.equal(parseNotebook('').cells.length, 0);
});

test('malformed files give clear errors, never an empty notebook', () => {
  assert.throws(
    () => parseNotebook('{"cells": [', 'broken.lensnb'),
    (e: unknown) => e instanceof NotebookFormatError && /broken\.lensnb.*not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseNotebook('{\n"cells": [],\n"nbformat": 4,,\n}', 'x.lensnb'),
    (e: unknown) => e instanceof NotebookFormatError && e.line === 3,
  );
  assert.throws(() => parseNotebook('{"cells": [], "nbformat": 3}'), /nbformat.*must be 4/);
  assert.throws(() => parseNotebook('{"cells": {}, "nbformat": 4}'), /"cells" must be a list/);
  assert.throws(() => parseNotebook('{"cells": [{"cell_type": "widget"}], "nbformat": 4}'), /cell 1: "cell_type"/);
  assert.throws(() => parseNotebook('[1,2]'), /top level must be a JSON object/);
});

test('the example notebook round-trips', async () => {
  const file = path.resolve(__dirname, '../../examples/demo.lensnb');
  const text = await fs.readFile(file, 'utf8');
  assert.equal(serializeNotebook(parseNotebook(text)), text);
});
