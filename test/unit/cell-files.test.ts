import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance, suggestionIn } from '../../src/common/closest';
import { neededPaths, typedPath } from '../../src/kernel/cellFiles';
import { formatCellError, parseCell } from '../../src/kernel/parse';
import { CellError } from '../../src/common/errors';

test('typedPath splits what is typed after a path option into folder and partial name', () => {
  assert.deepEqual(typedPath('images', 'from: data/lab'), {
    option: 'from',
    kind: 'file-or-folder',
    folder: 'data/',
    partial: 'lab',
  });
  assert.deepEqual(typedPath('model', 'path: "../mod'), {
    option: 'path',
    kind: 'model-folder',
    folder: '../',
    partial: 'mod',
  });
  assert.equal(typedPath('images', 'limit: 3')?.option, undefined);
  // `path:` is a path only in model cells; `from:` nowhere else.
  assert.equal(typedPath('score', 'path: x'), undefined);
  assert.equal(typedPath('explain', 'image: data/e')?.folder, 'data/');
  // A comment ends the value: nothing to complete.
  assert.equal(typedPath('images', 'from: x # a'), undefined);
});

test('neededPaths lists the files a cell needs, where their values are, and leaves globs and created folders out', () => {
  const images = neededPaths(parseCell('images: x\nfrom: data/labels.csv\nlabels: more.csv'));
  assert.deepEqual(
    images.map((n) => [n.option, n.kind, n.value, n.position?.line, n.position?.column]),
    [
      ['from', 'file-or-folder', 'data/labels.csv', 2, 7],
      ['labels', 'file', 'more.csv', 3, 9],
    ],
  );
  assert.deepEqual(neededPaths(parseCell('images: x\nfrom: "data/**/*.png"')), []);
  assert.deepEqual(
    neededPaths(parseCell('images: x\nfrom: a.csv\nembeddings: emb')).map((n) => n.option),
    ['from', 'embeddings'],
  );
  assert.deepEqual(neededPaths(parseCell('export: e\nscore: s\nto: out/e')), []);
  assert.equal(typedPath('export', 'to: exp')?.kind, 'created');
  assert.deepEqual(
    neededPaths(parseCell('model: m\npath: ../models/demo')).map((n) => n.kind),
    ['model-folder'],
  );
  assert.deepEqual(neededPaths(parseCell('model: m\nhub: org/name')), []);
  // An explain image given as an index is no file.
  assert.deepEqual(neededPaths(parseCell('explain: e\nscore: s\nimage: 3')), []);
});

test('closest suggests the nearest known word within two edits, and messages carry it for quick fixes', () => {
  assert.equal(editDistance('limt', 'limit'), 1);
  assert.equal(closest('meen', ['mean', 'max', 'embed-mean']), 'mean');
  assert.equal(closest('zzzzzz', ['mean', 'max']), undefined);
  assert.equal(suggestionIn('"limt" is not an option. Did you mean "limit"?'), 'limit');
  const errorOf = (source: string) => {
    try {
      parseCell(source);
    } catch (e) {
      if (e instanceof CellError) return formatCellError(e);
    }
    throw new Error('no CellError');
  };
  assert.match(
    errorOf('scor: s\nimages: x\nmodel: m\ndescriptors: [a]'),
    /Unknown step "scor"\. Did you mean "score"\?/,
  );
  assert.match(
    errorOf('score: s\nimages: x\nmodel: m\ndescriptors: [a]\nmethod: meen'),
    /line 5, field `method`: "method" must be one of .*; got "meen"\. Did you mean "mean"\?/,
  );
});
