import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { NotebookGraph } from '../../src/kernel/graph';
import { parseNotebook } from '../../src/kernel/nbformat';
import { parseCell } from '../../src/kernel/parse';
import { relocateNotebook, skeletonNotebook } from '../../src/kernel/starterNotebooks';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

test('the skeleton is a valid notebook: every code cell parses, and the score reads what the others define', () => {
  const model = skeletonNotebook();
  const code = model.cells.filter((c) => c.kind === 'code');
  assert.deepEqual(
    code.map((c) => parseCell(c.source).step),
    ['images', 'model', 'descriptors', 'descriptors', 'score'],
  );
  for (const c of code) assert.match(c.source, /\n#/, `a comment saying what to fill in:\n${c.source}`);
  const graph = new NotebookGraph(code.map((c, i) => ({ id: String(i), source: c.source })));
  const score = graph.nodes[graph.nodes.length - 1];
  assert.deepEqual(
    graph.parents(score.id).map((n) => n.label),
    ['images: my-images', 'model: my-model', 'descriptors: names', 'descriptors: mine'],
  );
});

test('relocating the tutorial rewrites path options into the copies, relative to the new notebook', () => {
  const model = parseNotebook(readFileSync(path.join(EXAMPLES, 'tutorial.lensnb'), 'utf8'));
  const root = path.resolve(EXAMPLES, '..');
  const target = '/study/symptom-lens-tutorial';
  const moved = relocateNotebook(model, EXAMPLES, target, [
    { from: path.join(EXAMPLES, 'data'), to: `${target}/data` },
    { from: path.join(root, 'models', 'demo'), to: `${target}/models/demo` },
  ]);
  const sources = moved.cells.filter((c) => c.kind === 'code').map((c) => c.source);
  assert.ok(sources.includes('model: demo\npath: models/demo'), sources.join('\n---\n'));
  assert.ok(sources.some((s) => s.startsWith('images: phantoms\nfrom: data/labels.csv')));
  assert.ok(sources.some((s) => s.includes('from: data/dicom/labels.csv')));
  // The explain cell's image moved with the data, to the same place relative to the notebook.
  assert.ok(sources.some((s) => s.includes('image: data/effusion/effusion-000.png')));
});

test('a path outside every copy becomes absolute, so it still names the same file', () => {
  const model = skeletonNotebook();
  model.cells[2].source = 'model: m\npath: ../elsewhere/model # kept comment';
  const moved = relocateNotebook(model, '/a/b', '/c', [{ from: '/a/b/data', to: '/c/data' }]);
  assert.equal(moved.cells[2].source, 'model: m\npath: /a/elsewhere/model # kept comment');
  assert.equal(moved.cells[1].source.split('\n').pop(), 'from: data/labels.csv');
});

test('the tutorial has an explain cell on its score, and a control that shows the descriptors carry the signal', () => {
  const model = parseNotebook(readFileSync(path.join(EXAMPLES, 'tutorial.lensnb'), 'utf8'));
  const cells = model.cells.filter((c) => c.kind === 'code').map((c) => parseCell(c.source));
  const explain = cells.find((c) => c.step === 'explain');
  assert.ok(explain && explain.options.score === 'tutorial');
  const score = cells.find((c) => c.step === 'score' && c.name === 'tutorial');
  assert.ok(score?.step === 'score');
  assert.deepEqual(score.options.controls, ['shuffled']);
});
