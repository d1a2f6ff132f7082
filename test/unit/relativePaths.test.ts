import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathsRelativeTo } from '../../src/kernel/relativePaths';

test('paths under the notebook folder or its parents are written relative to the notebook', () => {
  const relative = pathsRelativeTo('/home/ann/study/nb');
  assert.equal(relative('/home/ann/study/nb/data/x.png: the file is empty'), 'data/x.png: the file is empty');
  assert.equal(relative('not found (looked for /home/ann/study/models/demo)'), 'not found (looked for ../models/demo)');
  assert.equal(relative('/home/ann/other/x and /home/ann/study/nb/y'), '../../other/x and y');
  // A sibling whose name starts like the notebook's folder is not inside it.
  assert.equal(relative('/home/ann/study/nb2/x.png'), '../nb2/x.png');
  // The root and top-level folders are shared with every path: those stay as they are.
  assert.equal(relative('/usr/lib/libx.so and /home/bob/y'), '/usr/lib/libx.so and /home/bob/y');
});
