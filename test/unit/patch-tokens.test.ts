// Patch-token maps on tokens small enough to check by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchGrid, patchTokenMaps } from '../../src/scoring/patchTokens';

test('patchGrid: g² tokens, or g² + 1 with a class token first, else none', () => {
  assert.deepEqual(patchGrid(64), { side: 8, skip: 0 });
  assert.deepEqual(patchGrid(50), { side: 7, skip: 1 });
  assert.deepEqual(patchGrid(197), { side: 14, skip: 1 });
  assert.equal(patchGrid(12), undefined);
});

test('patchTokenMaps: each cell is its token·target, the peak box is that cell in input pixels', () => {
  // A 2×2 grid over a 32-px input (16-px cells), with a class token first that must be skipped.
  const s = Math.SQRT1_2;
  const tokens = [
    [1, 0], // class token
    [1, 0],
    [0, 1],
    [s, s],
    [-1, 0],
  ];
  const { side, cell, maps } = patchTokenMaps(tokens, 32, [
    [1, 0],
    [0, 1],
  ]);
  assert.deepEqual([side, cell], [2, 16]);
  assert.deepEqual(maps[0].heatmap, [
    [1, 0],
    [s, -1],
  ]);
  assert.deepEqual([maps[0].peak.row, maps[0].peak.col, maps[0].peak.box], [0, 0, [0, 0, 16, 16]]);
  assert.deepEqual(maps[1].heatmap, [
    [0, 1],
    [s, 0],
  ]);
  assert.deepEqual([maps[1].peak.row, maps[1].peak.col, maps[1].peak.box], [0, 1, [16, 0, 32, 16]]);
  assert.throws(() => patchTokenMaps(tokens.slice(0, 3), 32, [[1, 0]]), /3 patch tokens make no square grid/);
});
