// The notebook's dependency graph and the kernel's view of each cell: what must run before a
// cell, what an edit or a re-run makes stale, and that a no-op re-run marks nothing stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { NotebookGraph } from '../../src/kernel/graph';
import { EmbeddingCache } from '../../src/cache/embeddingCache';

const ROOT = path.resolve(__dirname, '../..');
const DATA = path.join(ROOT, 'examples/data/labels.csv');
const MODEL = path.join(ROOT, 'models/demo');
const CLASSES = ['cardiomegaly', 'effusion', 'nodule', 'normal', 'pneumothorax'];

const cells = {
  images: `images: ph\nfrom: ${JSON.stringify(DATA)}\nlimit: 10\n`,
  model: `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`,
  names: `descriptors: names\nclasses: {${CLASSES.map((c) => `${c}: []`).join(', ')}}\n`,
  v2: (normal = 'clear lung fields') =>
    `descriptors: v2\nclasses: {${CLASSES.map((c) => `${c}: [${c === 'normal' ? normal : `${c} sign`}]`).join(', ')}}\n`,
  score: 'score: cmp\nimages: ph\nmodel: demo\ndescriptors: [names, v2]\n',
  explain: 'explain: one\nscore: cmp\nimage: 0\n',
};

function notebook(v2 = cells.v2()) {
  return [
    { id: 'images', source: cells.images },
    { id: 'model', source: cells.model },
    { id: 'names', source: cells.names },
    { id: 'v2', source: v2 },
    { id: 'score', source: cells.score },
    { id: 'explain', source: cells.explain },
  ];
}

async function newKernel(): Promise<Kernel> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-deps-'));
  EmbeddingCache.clearMemory();
  return new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
}

async function runAll(kernel: Kernel, nb: { id: string; source: string }[]) {
  for (const c of nb) {
    const out = await kernel.runCell(c.id, c.source);
    assert.ok(out.ok, `${c.id}: ${out.error}`);
  }
}

test('the graph reads what each cell defines and uses from its YAML', () => {
  const graph = new NotebookGraph(notebook());
  assert.deepEqual(
    graph.ancestors('score').map((n) => n.label),
    ['images: ph', 'model: demo', 'descriptors: names', 'descriptors: v2'],
  );
  assert.deepEqual(
    graph.ancestors('explain').map((n) => n.id),
    ['images', 'model', 'names', 'v2', 'score'],
  );
  assert.deepEqual(
    graph.descendants('v2').map((n) => n.id),
    ['score', 'explain'],
  );
  assert.deepEqual(graph.ancestors('images'), []);
  // An unparsable cell defines nothing and is named by its first line.
  const broken = new NotebookGraph([{ id: 'x', source: 'images: [\n' }]);
  assert.equal(broken.node('x')?.label, 'images: [');
});

test('upstream cells not run in this session, or edited since, must run first, in order', async () => {
  const kernel = await newKernel();
  try {
    assert.deepEqual(
      kernel.pendingUpstream(notebook(), 'score').map((p) => `${p.id}:${p.reason}`),
      ['images:not-run', 'model:not-run', 'names:not-run', 'v2:not-run'],
    );
    await runAll(kernel, notebook());
    assert.deepEqual(kernel.pendingUpstream(notebook(), 'score'), []);
    const edited = notebook(cells.v2('silhouette sign'));
    assert.equal(kernel.cellState('v2', edited[3].source), 'edited');
    assert.equal(kernel.cellState('score', cells.score), 'fresh');
    assert.deepEqual(
      kernel.pendingUpstream(edited, 'explain').map((p) => `${p.id}:${p.reason}`),
      ['v2:edited'],
    );
    // Running the edited cell makes its readers stale; the score is then pending for explain.
    assert.ok((await kernel.runCell('v2', edited[3].source)).ok);
    assert.equal(kernel.cellState('score', cells.score), 'stale');
    assert.deepEqual(kernel.staleCells().sort(), ['explain', 'score']);
    assert.deepEqual(
      kernel.pendingUpstream(edited, 'explain').map((p) => `${p.id}:${p.reason}`),
      ['score:stale'],
    );
    // A failed run leaves no record: readers cannot go on with its old definition.
    assert.equal((await kernel.runCell('v2', 'descriptors: v2\nclasses: 3\n')).ok, false);
    assert.equal(kernel.cellState('v2', 'descriptors: v2\nclasses: 3\n'), 'not-run');
  } finally {
    await kernel.dispose();
  }
});

test('a no-op re-run (same source, same inputs) marks nothing stale', async () => {
  const kernel = await newKernel();
  try {
    await runAll(kernel, notebook());
    // Upstream cells alone, unchanged: their readers are not re-run, and must not go stale.
    for (const c of notebook().slice(0, 4)) assert.ok((await kernel.runCell(c.id, c.source)).ok);
    assert.ok((await kernel.runCell('score', cells.score)).ok);
    assert.deepEqual(kernel.staleCells(), []);
    // A real change does.
    assert.ok((await kernel.runCell('v2', cells.v2('silhouette sign'))).ok);
    assert.deepEqual(kernel.staleCells().sort(), ['explain', 'score']);
  } finally {
    await kernel.dispose();
  }
});
