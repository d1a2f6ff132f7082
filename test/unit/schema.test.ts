// The schema is the single source of truth: parseCell applies its defaults and hands the steps
// typed options, the STEPS table lists every step, one reader gives a cell's step and name, and a
// descriptor set's template may leave {class} out (raw prompts, as CheXzero writes them).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CellError } from '../../src/common/errors';
import { readCellHeader } from '../../src/kernel/cellHeader';
import { Kernel } from '../../src/kernel/kernel';
import { parseCell } from '../../src/kernel/parse';
import { allSchemas, schemaFor, STEPS } from '../../src/kernel/steps';
import type { RecipeName } from '../../src/scoring/recipes';
import { planTexts } from '../../src/scoring/recipes';

function errorOf(source: string): CellError {
  try {
    parseCell(source);
  } catch (e) {
    assert.ok(e instanceof CellError, `expected a CellError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the cell to be rejected');
}

test('parseCell fills in the defaults of options the cell leaves out, typed by the schema', () => {
  const cell = parseCell('score: s\nimages: a\nmodel: m\ndescriptors: v\n');
  assert.equal(cell.step, 'score');
  if (cell.step !== 'score') return;
  // Typed: `method` is a RecipeName and `seed` a number without any cast in the step.
  const method: RecipeName = cell.options.method;
  const seed: number = cell.options.seed;
  assert.equal(method, 'mean');
  assert.equal(seed, 0);
  assert.equal(cell.options.controls, undefined);
  assert.equal('method' in cell.positions, false, 'a default has no position: the cell did not write it');

  const generate = parseCell('generate: g\nclasses: [a]\n');
  assert.ok(generate.step === 'generate');
  assert.equal(generate.options.prompt, 'medical');
  assert.equal(generate.options.refresh, false);
});

test('a text written as a number reads as text, and an option left empty counts as not set', () => {
  const cell = parseCell('images: cxr\nfrom: 2024\nlabels:\nlimit: 5\n');
  assert.ok(cell.step === 'images');
  assert.equal(cell.options.from, '2024');
  assert.equal(cell.options.limit, 5);
  assert.equal('labels' in cell.options, false);
  assert.equal(cell.options.seed, 0);
});

test('every item of a listed enum option is checked, and the wrong one is located', () => {
  const e = errorOf('score: s\nimages: a\nmodel: m\ndescriptors: v\ncontrols:\n  - shuffled\n  - random-wrds\n');
  assert.equal(e.field, 'controls.1');
  assert.equal(e.position?.line, 7);
  assert.match(e.message, /class-names, random-words, shuffled; got "random-wrds"/);
});

test('the STEPS table lists each step under the name its schema gives, and nothing else', () => {
  for (const [kind, def] of Object.entries(STEPS)) assert.equal(def.schema.step, kind);
  assert.deepEqual(
    allSchemas().map((s) => s.step),
    Object.keys(STEPS),
  );
  assert.equal(schemaFor('score'), STEPS.score.schema);
  assert.equal(schemaFor('toString'), undefined, 'object built-ins are not steps');
  assert.match(errorOf('constructor: x\n').message, /Unknown step "constructor"/);
});

test("a cell's step and name are read the same way by the kernel and the editor's reader", () => {
  const sources = [
    'descriptors: "v1"   # quoted, with a comment\nclasses: {a: []}\n',
    "# a comment first\n\ngenerate: 'gen'\nclasses: [a]\n",
    'images:   spaced  \nfrom: data\n',
  ];
  for (const source of sources) {
    const cell = parseCell(source);
    const header = readCellHeader(source);
    assert.deepEqual([header?.step, header?.name], [cell.step, cell.name], source);
    assert.equal(header?.position.line, cell.positions[cell.step].line);
  }
  // While the cell is still being typed, the header is already there.
  assert.deepEqual(readCellHeader('score: cmp\nimag')?.name, 'cmp');
  assert.equal(readCellHeader('sco'), undefined);
  assert.equal(readCellHeader('images:\n')?.name, undefined);
});

test('a descriptor template may leave out {class}: raw CheXzero prompts score as written', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-schema-'));
  try {
    const kernel = new Kernel({ notebookPath: path.join(dir, 'nb.lensnb') });
    const out = await kernel.runCell(
      'raw',
      [
        'descriptors: chexzero',
        'template: "{descriptor}"',
        'classes:',
        '  effusion: [pleural effusion]',
        '  normal: [no acute cardiopulmonary process]',
        'negatives:',
        '  effusion: [no pleural effusion]',
        '',
      ].join('\n'),
    );
    assert.ok(out.ok, out.error);
    const set = kernel.session.descriptorSets.get('chexzero')!;
    const plan = planTexts(set, 'chexzero');
    assert.deepEqual(
      plan.perClass.map((c) => [c.columns.map((col) => col.text), c.negatives]),
      [
        [['pleural effusion'], ['no pleural effusion']],
        [['no acute cardiopulmonary process'], ['no normal']],
      ],
    );

    const typo = await kernel.runCell('typo', 'descriptors: t\ntemplate: "{clas}: {descriptor}"\nclasses: {a: [b]}\n');
    assert.equal(typo.ok, false);
    assert.equal(typo.errorField, 'template');
    assert.match(typo.error ?? '', /placeholder \{clas\}.*\{class\} and \{descriptor\}/);

    const noDescriptor = await kernel.runCell('none', 'descriptors: t\ntemplate: "{class}"\nclasses: {a: [b]}\n');
    assert.match(noDescriptor.error ?? '', /line 2, field `template`: "template" must contain \{descriptor\}/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
