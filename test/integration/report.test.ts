// The standalone report: safe inlining (scripts, JSON, markdown), and the written report.html
// opened from file:// in Chromium with the network off: the same renderers draw the same things,
// nothing is fetched, nothing from the data runs, and the strict CSP lets every script run.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { MIME } from '../../src/protocol/mime';
import { type StepOutput } from '../../src/protocol/mime';
import { renderMarkdown } from '../../src/report/markdown';
import {
  findPackageDir,
  inlineScript,
  jsonForScript,
  registeringModule,
  writeReport,
  type ReportCell,
} from '../../src/report/report';
import { chromiumSkipReason, launchChromium, watchPage } from '../helpers/chromium';
import { REPO, XSS, buildPackage, imagesFixture, scoreFixture } from '../fixtures/renderer-fixture';

const SHOTS = path.join(REPO, 'test-results');

describe('report building blocks', () => {
  test('JSON inlined in a script element cannot close it or open a comment, and parses back', () => {
    const value = {
      a: '</script><script>alert(1)</script>',
      b: '<!-- x -->',
      c: 'line\u2028sep\u2029para',
      d: 'a & b > c',
    };
    const text = jsonForScript(value);
    assert.ok(!/<\/script|<!--|[\u2028\u2029<>&]/i.test(text), text);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('inlined script text avoids </script and <!-- but means the same', () => {
    const code =
      'globalThis.out = ["</script>", "</SCRIPT >", /<!--x/.test("<!--x"), `<!--${1}`, /a<\\/script/i.source];';
    const safe = inlineScript(code);
    assert.ok(!/<\/script|<!--/i.test(safe));
    const run = (src: string) => {
      const ctx: { out?: unknown } = {};
      vm.runInNewContext(src.replace('globalThis.out', 'out'), ctx);
      return JSON.stringify(ctx.out);
    };
    assert.deepEqual(run(safe), run(code));
  });

  test('a bundle’s final export becomes a registration; anything else is refused by name', () => {
    const registered = registeringModule(
      'const x=1;function Q(){return"hi"}export{Q as activate};\n/*! license */\n',
      'symptom-lens.score',
    );
    const sandbox: Record<string, any> = {};
    vm.runInNewContext(registered.replace(/globalThis/g, 'self'), { self: sandbox });
    assert.equal(sandbox.__symptomLensRenderers['symptom-lens.score'].activate(), 'hi');
    assert.throws(
      () => registeringModule('function Q(){}', 'symptom-lens.images'),
      /symptom-lens\.images: its bundle does not end with an export of activate/,
    );
    assert.throws(() => registeringModule('export{Q as activate};doSomething()', 'r'), /does not end with an export/);
  });

  test('markdown: a safe subset; HTML and script links stay text', () => {
    const html = renderMarkdown(
      [
        '# Title <img src=x onerror=alert(1)>',
        '',
        'Some **bold**, *italic*, `code <b>` and [a link](https://example.org/?a=1&b=2) and [bad](javascript:alert(1)).',
        '',
        '- one',
        '- two',
        '',
        '| variant | accuracy |',
        '| --- | ---: |',
        '| names | 62.5 % |',
        '',
        '```yaml',
        'images: cxr # <script>',
        '```',
      ].join('\n'),
    );
    assert.match(html, /<h1>Title &lt;img src=x onerror=alert\(1\)&gt;<\/h1>/);
    assert.match(html, /<strong>bold<\/strong>, <em>italic<\/em>, <code>code &lt;b&gt;<\/code>/);
    assert.match(html, /<a href="https:\/\/example\.org\/\?a=1&amp;b=2" rel="noopener noreferrer">a link<\/a>/);
    assert.ok(!html.includes('javascript:alert(1)"') && !html.includes('href="javascript'), 'no script link');
    assert.match(html, /<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    assert.match(html, /<td class="align-right">62\.5 %<\/td>/);
    assert.match(html, /<pre><code class="language-yaml">images: cxr # &lt;script&gt;\n<\/code><\/pre>/);
    assert.ok(!/<(img|script)/i.test(html));
  });

  test('the package folder is found from the code (dist/ or src/report)', () => {
    assert.equal(findPackageDir(), REPO);
    assert.equal(findPackageDir(path.join(REPO, 'dist')), REPO);
  });
});

describe('report.html in Chromium, offline', { skip: chromiumSkipReason() }, () => {
  let pkg: string;
  let out: string;
  let browser: Browser;

  before(async () => {
    pkg = mkdtempSync(path.join(os.tmpdir(), 'sl-report-pkg-'));
    out = mkdtempSync(path.join(os.tmpdir(), 'sl-report-out-'));
    await buildPackage(pkg, ['score', 'images']);
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    rmSync(pkg, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  test('renders every cell kind with the same renderers, no network, nothing from the data runs', async () => {
    const score = await scoreFixture();
    const hostile = await scoreFixture({ xss: true, variants: ['names', 'v1'], thumbnails: 'none' });
    hostile.name = `hostile </script><script>alert(9)</script><!-- ${XSS}`;
    const images = await imagesFixture();
    const wrong = score.variants[0].predictions.filter((p) => p.label !== p.predicted).length;
    const error =
      'line 3, field `path`: Model folder ../models/nowhere does not exist. Give the folder that holds config.json.';
    const cells: ReportCell[] = [
      {
        index: 0,
        step: null,
        name: null,
        ok: true,
        outputs: [],
        markdown: `# Demo: descriptors vs class names\n\nScores **30** Kermany images. ${XSS}\n\n- names: the baseline\n- v1, v2: descriptors`,
      },
      {
        index: 1,
        step: 'images',
        name: 'cxr',
        ok: true,
        outputs: [{ mime: MIME.images, data: images, markdown: '**images: cxr** — 28 images' }],
        source: 'images: cxr\nfrom: data/labels.csv',
      },
      {
        index: 2,
        step: 'model',
        name: 'demo',
        ok: true,
        outputs: [{ mime: MIME.model, data: {}, markdown: '| model | provider |\n| --- | --- |\n| demo | cpu |' }],
      },
      {
        index: 3,
        step: 'score',
        name: score.name,
        ok: true,
        outputs: [{ mime: MIME.score, data: score, markdown: '**score** fallback' }],
      },
      {
        index: 4,
        step: 'score',
        name: 'hostile',
        ok: true,
        outputs: [{ mime: MIME.score, data: hostile, markdown: `fallback ${XSS}` }],
      },
      {
        index: 5,
        step: 'model',
        name: 'broken',
        ok: false,
        error,
        outputs: [
          {
            mime: MIME.error,
            data: { message: error, line: 3, field: 'path' },
            markdown: `**Error:** ${error}`,
          } as StepOutput,
        ],
      },
      { index: 6, step: null, name: null, ok: false, error: 'not run: cell 6 failed before it', outputs: [] },
    ];
    const file = await writeReport(
      out,
      { notebookPath: path.join(REPO, 'examples', 'demo.lensnb'), cells },
      { packageDir: pkg },
    );
    assert.equal(file, path.join(out, 'report.html'));
    const html = readFileSync(file, 'utf8');
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+' 'sha256-[^']+';/,
    );
    assert.ok(!/<script[^>]+src=/i.test(html), 'no external scripts');
    assert.equal(
      (html.match(/<script type="module">/g) ?? []).length,
      3,
      'score + images bundles and the page script, each once',
    );
    assert.ok(!html.includes('symptom-lens.explain'), 'only the renderers the outputs need');

    const context = await browser.newContext({ viewport: { width: 1180, height: 900 }, offline: true });
    const page = await context.newPage();
    const url = pathToFileURL(file).href;
    const problems = watchPage(page, [url]);
    await page.goto(url);
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });

    const first = page.locator('#cell-4');
    assert.equal(await first.locator('.sl-comparison-table tbody tr').count(), 3);
    assert.equal(await first.locator('.sl-heatmap').evaluate((el: any) => el.data[0].z.length), 30);
    assert.equal(await first.locator('.sl-card').count(), wrong);
    await first.locator('.sl-card').first().click();
    await first.locator('.sl-detail .sl-bar-group').first().waitFor();
    const cell = first.locator('.sl-confusion-cell.sl-off:not([data-count="0"])').first();
    await cell.click();
    assert.equal(await first.locator('.sl-card').count(), Number(await cell.getAttribute('data-count')));
    assert.match((await first.locator('[data-testid="encoded"]').textContent()) ?? '', /30 images · 14 texts/);
    assert.equal(await first.locator('.sl-fallback').isHidden(), true, 'fallback hidden once drawn');

    assert.equal(await page.locator('#cell-2 .sl-count-n').count(), 3);
    assert.equal(await page.locator('#cell-3 .markdown-output table td').first().textContent(), 'demo');
    assert.equal(await page.locator('#cell-1 h1').textContent(), 'Demo: descriptors vs class names');
    assert.ok(((await page.locator('#cell-1').textContent()) ?? '').includes(XSS));
    assert.ok(
      ((await page.locator('#cell-5 h2').textContent()) ?? '').includes('</script><script>alert(9)</script><!--'),
      'hostile name shown as text',
    );
    assert.equal(await page.locator('#cell-6.failed .cell-error').count(), 1);
    assert.match((await page.locator('#cell-6 .cell-error').textContent()) ?? '', /line 3, field `path`/);
    assert.equal(await page.locator('#cell-7.not-run').count(), 1);
    assert.match((await page.locator('.banner').textContent()) ?? '', /Cell 6 failed; the cells after it did not run/);
    assert.deepEqual(
      await page.evaluate(() => [...document.querySelectorAll('main img:not(.sl-thumb), main script')].length),
      0,
    );
    await first.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'report-light.png'), fullPage: true });

    await page.locator('.theme-switch button[data-theme="dark"]').click();
    await page.waitForFunction(() => {
      const host = document.querySelector('#cell-4 .symptom-lens-output') as HTMLElement;
      return (host.shadowRoot!.querySelector('.sl-heatmap') as any).layout.font.color === '#cccccc';
    });
    await page.screenshot({ path: path.join(SHOTS, 'report-dark.png'), fullPage: true });

    // Inside a VS Code webview ("Open Report") the editor's theme replaces the report's palette.
    await page.evaluate(() => document.body.setAttribute('data-vscode-theme-kind', 'vscode-dark'));
    await page.waitForFunction(
      () => !document.querySelector('.theme-switch') && !/sl-theme-/.test(document.body.className),
    );

    assert.deepEqual(problems.errors, [], 'no script errors and no CSP violations');
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.requests, [], 'nothing fetched');
    await context.close();
  });
});
