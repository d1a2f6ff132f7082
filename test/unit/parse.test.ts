import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCell, formatCellError } from '../../src/kernel/parse';
import { CellError } from '../../src/common/errors';

function errorOf(source: string): CellError {
  try {
    parseCell(source);
  } catch (e) {
    assert.ok(e instanceof CellError, `expected a CellError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the cell to be rejected');
}

test('a valid score cell parses with positions', () => {
  const cell = parseCell('score: cmp\nimages: cxr\nmodel: demo\ndescriptors: [names, v1]\nmethod: max\n');
  assert.equal(cell.step, 'score');
  assert.equal(cell.name, 'cmp');
  assert.deepEqual(cell.options.descriptors, ['names', 'v1']);
  assert.equal(cell.positions.method.line, 5);
  assert.equal(cell.nestedPositions['descriptors.1'].line, 4);
});

test('nested descriptor positions point at the class key', () => {
  const cell = parseCell(
    'descriptors: v1\nclasses:\n  normal: [clear lungs]\n  pneumonia:\n    - patchy consolidation\n    - air bronchograms\n',
  );
  assert.equal(cell.nestedPositions['classes.pneumonia'].line, 4);
  assert.equal(cell.nestedPositions['classes.pneumonia.1'].line, 6);
});

test('malformed YAML is located', () => {
  const e = errorOf('descriptors: v1\nclasses:\n  normal: [clear lungs\n  pneumonia: []\n');
  assert.match(e.message, /not valid YAML/);
  assert.ok(e.position && e.position.line >= 3, `line ${e.position?.line}`);
});

test('an unknown step names the steps', () => {
  const e = errorOf('imgs: cxr\nfrom: data\n');
  assert.equal(e.position?.line, 1);
  assert.match(formatCellError(e), /line 1, field `imgs`: Unknown step "imgs"\. .*images/);
});

test('an unknown option suggests the close one', () => {
  const e = errorOf('images: cxr\nfrom: data\nlimt: 10\n');
  assert.equal(e.position?.line, 3);
  assert.equal(e.field, 'limt');
  assert.match(e.hint ?? '', /Did you mean "limit"/);
});

test('a wrong type names the field and line', () => {
  const e = errorOf('images: cxr\nfrom: data\nlimit: lots\n');
  assert.equal(e.position?.line, 3);
  assert.match(e.message, /"limit" must be a whole number/);
});

test('an enum option lists its values', () => {
  const e = errorOf('score: s\nimages: a\nmodel: m\ndescriptors: v\nmethod: median\n');
  assert.equal(e.position?.line, 5);
  assert.match(e.message, /mean, max, embed-mean/);
});

test('a missing required option is reported', () => {
  const e = errorOf('images: cxr\nlimit: 3\n');
  assert.equal(e.field, 'from');
  assert.match(formatCellError(e), /needs "from"/);
});

test('a step without a name is rejected', () => {
  const e = errorOf('images:\nfrom: data\n');
  assert.equal(e.position?.line, 1);
  assert.match(e.message, /needs a value/);
});

test('empty and non-mapping cells are rejected', () => {
  assert.match(errorOf('').message, /empty or not a YAML mapping/);
  assert.match(errorOf('- a\n- b\n').message, /empty or not a YAML mapping/);
});

test('duplicate keys are located', () => {
  const e = errorOf('images: cxr\nfrom: a\nfrom: b\n');
  assert.equal(e.position?.line, 3);
});
