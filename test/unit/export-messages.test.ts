// The export messages a renderer sends are untrusted: the guards accept only the shapes the
// extension acts on, and image data URLs decode only as PNG or SVG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeImageUrl,
  isCopyTextRequest,
  isExportScoreRequest,
  isSaveImageRequest,
  toMarkdownTable,
  toTsv,
} from '../../src/protocol/export';

test('guards: a known format, a non-empty name, PNG/SVG data URLs only', () => {
  assert.ok(isExportScoreRequest({ type: 'exportScore', score: 'cmp', format: 'metrics.csv' }));
  assert.ok(!isExportScoreRequest({ type: 'exportScore', score: 'cmp', format: 'xlsx' }));
  assert.ok(!isExportScoreRequest({ type: 'exportScore', score: '', format: 'json' }));
  assert.ok(isCopyTextRequest({ type: 'copyText', text: 'a\tb\n', what: 'table' }));
  assert.ok(!isCopyTextRequest({ type: 'copyText', text: 42, what: 'table' }));
  assert.ok(isSaveImageRequest({ type: 'saveImage', name: 'h', dataUrl: 'data:image/png;base64,iVBO' }));
  assert.ok(isSaveImageRequest({ type: 'saveImage', name: 'h', dataUrl: 'data:image/svg+xml,%3Csvg%3E' }));
  assert.ok(!isSaveImageRequest({ type: 'saveImage', name: 'h', dataUrl: 'data:text/html,<script>' }));
  assert.ok(!isSaveImageRequest({ type: 'saveImage', name: 'h', dataUrl: 'file:///etc/passwd' }));
});

test('image data URLs decode to their bytes', () => {
  const png = decodeImageUrl(`data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64')}`)!;
  assert.equal(png.extension, 'png');
  assert.deepEqual([...png.bytes], [0x89, 0x50, 0x4e, 0x47]);
  const svg = decodeImageUrl('data:image/svg+xml;charset=utf-8,%3Csvg%20a%3D%221%22%3E%C3%A9')!;
  assert.equal(svg.extension, 'svg');
  assert.equal(new TextDecoder().decode(svg.bytes), '<svg a="1">é');
  assert.equal(decodeImageUrl('data:image/gif;base64,R0lG'), undefined);
});

test('TSV and Markdown: separators inside cells cannot split a row or a column', () => {
  assert.equal(toTsv(['a', 'b'], [['x\ty', 'line\nbreak']]), 'a\tb\nx y\tline break\n');
  assert.equal(
    toMarkdownTable(['name', 'AUROC'], [['a|b\\c', '0.900']], [false, true]),
    '| name | AUROC |\n| --- | ---: |\n| a\\|b\\\\c | 0.900 |\n',
  );
});
