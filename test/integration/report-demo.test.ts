// The report of the demo run, as a reader opens it: offline from file://, a table of contents
// that links every section and code cell, each code cell's YAML shown, and no markdown escape
// ("\.", "\_") left visible anywhere, in the page or inside the renderers' shadow roots.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { parseNotebook } from '../../src/kernel/nbformat';
import { escapeHtml, markdownHeadings } from '../../src/report/markdown';
import { chromiumSkipReason, launchChromium, watchPage } from '../helpers/chromium';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'examples/demo.lensnb');

test(
  'the demo report: contents, every cell’s YAML, no literal markdown escapes, offline',
  { skip: chromiumSkipReason() },
  async (t) => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-report-demo-'));
    t.after(() => fs.rm(tmp, { recursive: true, force: true }));
    const out = path.join(tmp, 'out');
    await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'bin/symptom-lens.js'),
        'run',
        DEMO,
        '--out',
        out,
        '--cache',
        path.join(tmp, 'cache'),
        '--device',
        'auto',
        '--quiet',
      ],
      { cwd: ROOT, maxBuffer: 64 << 20 },
    );
    const file = path.join(out, 'report.html');
    const html = await fs.readFile(file, 'utf8');
    const notebook = parseNotebook(await fs.readFile(DEMO, 'utf8'), DEMO);
    const code = notebook.cells.flatMap((c, i) => (c.kind === 'code' ? [{ index: i, source: c.source }] : []));
    const headings = notebook.cells.flatMap((c, i) =>
      c.kind === 'markdown' ? markdownHeadings(c.source).map((h) => ({ index: i, ...h })) : [],
    );
    assert.ok(code.length >= 8 && headings.length >= 3);

    // Every code cell shows its YAML, open, exactly as written.
    for (const c of code) {
      const section = html.slice(
        html.indexOf(`id="cell-${c.index + 1}"`),
        html.indexOf('</section>', html.indexOf(`id="cell-${c.index + 1}"`)),
      );
      assert.ok(
        section.includes(
          `<details class="source" open><summary>YAML</summary><pre><code>${escapeHtml(c.source)}</code></pre></details>`,
        ),
        `cell ${c.index + 1}'s YAML`,
      );
    }

    const browser = await launchChromium();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, offline: true });
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const problems = watchPage(page, [url]);
    await page.goto(url);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });

    // The contents: each heading of the markdown cells and each code cell, linked to its cell.
    const links = await page
      .locator('nav.toc a')
      .evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
    for (const h of headings.filter((x) => x.level <= 3))
      assert.ok(
        links.some(([href, text]) => href === `#cell-${h.index + 1}` && text === h.text),
        `contents: ${h.text}`,
      );
    for (const c of code) {
      const first = c.source.split('\n').find((l) => /^\w+:/.test(l))!;
      assert.ok(
        links.some(
          ([href, text]) =>
            href === `#cell-${c.index + 1}` && text === first.replace(/\s*#.*$/, '').replace(/:\s+/, ': '),
        ),
        `contents: ${first}`,
      );
    }
    const target = code[code.length - 1].index + 1;
    await page.locator(`nav.toc a[href="#cell-${target}"]`).click();
    // The link scrolls the page down to the cell.
    await page.waitForFunction((id) => {
      const top = document.getElementById(id)!.getBoundingClientRect().top;
      return window.scrollY > 0 && top >= -1 && top < window.innerHeight;
    }, `cell-${target}`);

    // Visible text everywhere, shadow roots included: no backslash before punctuation.
    // (A string: tsx would name the walker with a helper the page does not have.)
    const text = (await page.evaluate(`(() => {
    const parts = [];
    const stack = [document.body];
    while (stack.length) {
      const node = stack.pop();
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent);
      if (node instanceof HTMLScriptElement || node instanceof HTMLStyleElement) continue;
      if (node.shadowRoot) stack.push(node.shadowRoot);
      stack.push(...node.childNodes);
    }
    return parts.join('\\n');
  })()`)) as string;

    const escapes = [...text.matchAll(/.{0,30}\\[.\-_()!#*`[\]{}|+<>].{0,30}/g)].map((m) => m[0]);
    assert.deepEqual(escapes, [], 'markdown escapes shown literally');
    assert.ok(text.includes('../models/demo'), 'the model folder as written');

    assert.deepEqual(problems.errors, [], 'no script errors and no CSP violations');
    assert.deepEqual(problems.requests, [], 'nothing fetched');
    await context.close();
  },
);
