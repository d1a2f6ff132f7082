// The markdown fallback's code spans: backslash escapes show literally inside a code span, so
// names go in verbatim, fenced with more backticks than they hold.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import MarkdownIt from 'markdown-it';
import { mdCode } from '../../src/kernel/steps/common';

const render = (markdown: string) => new MarkdownIt().renderInline(markdown);

test('a code span shows a folder name exactly, dots and backticks included', () => {
  for (const name of ['exports/v1.2', 'a`b', '``x', 'end`', 'plain']) {
    const html = render(mdCode(name));
    const code = /^<code>(.*)<\/code>$/.exec(html)?.[1];
    assert.ok(code !== undefined, `${name}: one code span, got ${html}`);
    assert.equal(code.replaceAll('&quot;', '"'), name);
  }
});
