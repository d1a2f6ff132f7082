// The score and images renderers in a real browser (Debian's Chromium): the bundles esbuild
// makes, activated through the notebook renderer API as VS Code does, on realistic results.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { classList, singleClass, type Classes } from '../../src/protocol/classes';
import { MIME } from '../../src/protocol/mime';
import { OUTPUT_MARK_KEY } from '../../src/protocol/outputMark';
import { compareRuns, summarizeRun } from '../../src/scoring/changes';
import { paletteCss } from '../../src/report/palette';
import {
  chromiumSkipReason,
  launchChromium,
  serveFiles,
  watchPage,
  type PageProblems,
  type StaticServer,
} from '../helpers/chromium';
import {
  REPO,
  XSS,
  buildRenderers,
  imagesFixture,
  multiLabelScoreFixture,
  scoreFixture,
} from '../fixtures/renderer-fixture';

const SHOTS = path.join(REPO, 'test-results');
const skip = chromiumSkipReason();

// Written out here rather than imported from the renderer, so the test checks its formatting.
const signed = (x: number) => {
  const text = Math.abs(x).toFixed(3);
  return text === '0.000' ? text : `${x > 0 ? '+' : '\u2212'}${text}`;
};
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);
const classSet = (list: Classes) => classList(list).slice().sort().join('|');

// The page stands in for VS Code's output webview: theme variables on <body>, and a renderer
// context whose postMessage answers thumbnail requests from `replies`.
const HARNESS = `<!doctype html>
<html><head><meta charset="utf-8"><title>renderer harness</title><link rel="icon" href="data:,">
<style>${paletteCss()}
body { margin: 0; padding: 16px 20px; background: var(--vscode-editor-background); }
.output { max-width: 1040px; margin-bottom: 24px; }
</style></head>
<body class="vscode-light"><div id="outputs"></div>
<script type="module">
let count = 0;
window.posted = [];
window.replies = {};
window.apis = {};
window.renderOutput = async (bundle, mime, data, options = {}) => {
  const mod = await import('/' + bundle + '.js');
  const listeners = [];
  const ctx = { workspace: { isTrusted: true }, setState() {}, getState() {}, getRenderer: async () => undefined };
  if (options.messaging) {
    ctx.postMessage = (m) => {
      window.posted.push(m);
      if (m.type === 'thumbnail' && m.image in window.replies) {
        setTimeout(() => listeners.forEach((l) => l({ type: 'thumbnail', image: m.image, dataUri: window.replies[m.image] })), 20);
      }
    };
    ctx.onDidReceiveMessage = (l) => { listeners.push(l); return { dispose() {} }; };
  }
  const api = await mod.activate(ctx);
  const id = 'output-' + (++count);
  const el = document.createElement('div');
  el.className = 'output';
  el.id = id;
  document.getElementById('outputs').appendChild(el);
  const text = JSON.stringify(data);
  await api.renderOutputItem({ id, mime, metadata: options.metadata ?? {}, json: () => data, text: () => text, data: () => new TextEncoder().encode(text), blob: () => new Blob([text]) }, el, new AbortController().signal);
  window.apis[id] = api;
  return id;
};
</script></body></html>`;

describe('renderers in Chromium', { skip }, () => {
  let dir: string;
  let server: StaticServer;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sl-renderers-'));
    await buildRenderers(dir, ['score', 'images']);
    server = await serveFiles({
      '/harness.html': { body: HARNESS, type: 'text/html' },
      '/score.js': { body: readFileSync(path.join(dir, 'score.js')), type: 'text/javascript' },
      '/images.js': { body: readFileSync(path.join(dir, 'images.js')), type: 'text/javascript' },
    });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; problems: PageProblems }> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems = watchPage(page, [server.url]);
    await page.goto(`${server.url}/harness.html`);
    await page.waitForFunction(() => 'renderOutput' in window);
    return { page, problems };
  }

  function render(
    page: Page,
    bundle: string,
    mime: string,
    data: unknown,
    options: { messaging?: boolean; metadata?: Record<string, unknown> } = {},
  ): Promise<string> {
    return page.evaluate(([b, m, d, o]) => (window as any).renderOutput(b, m, d, o), [
      bundle,
      mime,
      data,
      options,
    ] as const);
  }

  test('score output: many sanity flags stay collapsed, grouped with counts, above the Variants table', async () => {
    const score = await scoreFixture();
    const belowChance = Array.from({ length: 10 }, (_, i) => ({
      severity: 'warning' as const,
      kind: 'below-chance' as const,
      variant: `v${i}`,
      message: `AUROC of "${score.classes[0]}" with "v${i}" is 0.400, below chance (0.5).`,
    }));
    const repeats = ['v1', 'v2'].map((variant) => ({
      severity: 'warning' as const,
      kind: 'repeats-class-name' as const,
      variant,
      message: `Descriptor "signs of pneumonia" in "${variant}" repeats the class name.`,
    }));
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1400, height: 900 });
    const id = await render(page, 'score', MIME.score, { ...score, flags: [...belowChance, ...repeats] });
    const out = page.locator(`#${id}`);
    const flags = out.locator('[data-testid="flags"]');
    await flags.waitFor();
    assert.equal(await flags.evaluate((el) => (el as HTMLDetailsElement).open), false, 'collapsed by default');
    assert.match(
      (await flags.locator('summary').textContent()) ?? '',
      /12 sanity flags · AUROC below chance 10 · Descriptors repeating the class name 2/,
    );
    const table = out.locator('.sl-comparison-table');
    const top = await table.evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(top < 400, `the Variants table starts at ${top}px, above the fold`);
    await flags.locator('summary').click();
    assert.deepEqual(
      await out
        .locator('.sl-flag-group')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-kind'), e.querySelectorAll('.sl-flag').length])),
      [
        ['below-chance', 10],
        ['repeats-class-name', 2],
      ],
    );
    assert.ok((await table.evaluate((el) => el.getBoundingClientRect().top)) > top + 200, 'opening shows the flags');
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
    await page.close();
  });

  test('score output: what changed since the previous run, the run history, and the stale mark', async () => {
    const current = await scoreFixture();
    // The previous run: one descriptor of the second variant read differently, three images predicted otherwise.
    const previous = structuredClone(current);
    const edited = previous.variants[1];
    const [cls] = Object.keys(edited.descriptors).filter((c) => edited.descriptors[c].length > 0);
    const newText = edited.descriptors[cls][0];
    edited.descriptors[cls][0] = 'an older descriptor';
    edited.columns = edited.columns.map((c) =>
      c.class === cls && c.text === newText ? { ...c, text: 'an older descriptor' } : c,
    );
    for (const p of edited.predictions.slice(0, 3)) p.predicted = current.classes.find((c) => c !== p.predicted)!;
    edited.metrics = { ...edited.metrics, accuracy: (edited.metrics.accuracy ?? 0) - 0.1 };
    const changes = compareRuns(previous, current, 0);
    const data = { ...current, changes, history: [summarizeRun(previous), summarizeRun(current)] };
    const { page, problems } = await open();
    const id = await render(page, 'score', MIME.score, data, { metadata: { [OUTPUT_MARK_KEY]: 'stale' } });
    const out = page.locator(`#${id}`);
    const section = out.locator('.sl-changes');
    await section.waitFor();
    const variant = section.locator(`[data-testid="variant-changes"][data-variant="${current.variants[1].name}"]`);
    assert.deepEqual(await variant.locator('[data-testid="descriptor-diff"] li').allTextContents(), [
      `\u2212 ${cls}: an older descriptor`,
      `+ ${cls}: ${newText}`,
    ]);
    const accuracy = variant.locator('tr[data-metric="accuracy"]');
    assert.equal(await accuracy.locator('td').nth(3).textContent(), signed(0.1));
    assert.match((await accuracy.locator('td').nth(4).textContent()) ?? '', /to/, 'the paired CI of the difference');
    const flips = variant.locator('[data-testid="flipped"] .sl-flip');
    assert.equal(await flips.count(), changes.variants[1].flipped.length);
    assert.ok((await flips.count()) >= 3);
    assert.equal(await section.locator('[data-testid="variant-changes"]').count(), current.variants.length);
    assert.equal(await out.locator('[data-testid="history"] tbody tr').count(), 2);
    // The stale mark: a banner inside the output, the output dimmed under it.
    assert.match((await out.locator('.sl-mark-stale').textContent()) ?? '', /^Stale: /);
    assert.equal(await out.locator('.sl-root').evaluate((el) => getComputedStyle(el).opacity), '0.55');
    await page.screenshot({ path: path.join(SHOTS, 'renderer-score-changes.png'), fullPage: true });
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
    await page.close();
  });

  test('score output with DeLong AUROC intervals says which method produced each interval', async () => {
    const score = await scoreFixture({ auroc: 'delong' });
    const { page, problems } = await open();
    const id = await render(page, 'score', MIME.score, score);
    const table = page.locator(`#${id} .sl-comparison-table`);
    await table.waitFor();
    const methodOf = async (column: number) =>
      table.locator(`tbody tr:first-child td:nth-child(${column}) .sl-ci`).getAttribute('data-method');
    // Variant, accuracy, balanced accuracy, macro-F1, then one AUROC column per class.
    assert.equal(await methodOf(2), 'bootstrap');
    assert.equal(await methodOf(5), 'delong');
    assert.match(
      (await table.locator('tbody tr:first-child td:nth-child(5) .sl-ci').getAttribute('title')) ?? '',
      /DeLong interval \(normal, from 30 images\)/,
    );
    assert.equal(await table.locator('[data-testid="paired-auroc"][data-method="delong"]').count(), 2);
    assert.match(
      (await page.locator(`#${id} .sl-comparison .sl-help`).textContent()) ?? '',
      /Intervals: AUROC by DeLong; accuracy, balanced accuracy and macro-F1 by percentile bootstrap\./,
    );
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('score output: table, heatmap, gallery, detail panel, linked confusion matrix, disagreements', async () => {
    const score = await scoreFixture();
    const { page, problems } = await open();
    const id = await render(page, 'score', MIME.score, score);
    const out = page.locator(`#${id}`);
    await out.locator('.sl-heatmap .main-svg').first().waitFor();

    // Comparison table: one row per variant, the best value marked, bootstrap intervals shown.
    assert.equal(await out.locator('.sl-comparison-table tbody tr').count(), 3);
    assert.ok(
      (await out.locator('.sl-comparison-table td.sl-best').count()) >= 6,
      'each metric column marks its best variant',
    );
    assert.deepEqual(await out.locator('.sl-comparison-table .sl-th-detail').allTextContents(), [
      ...score.classes,
      'vs names',
      'vs names',
    ]);
    assert.ok((await out.locator('.sl-comparison-table .sl-ci').count()) >= 3 * 6, 'intervals under the values');
    // Each interval says what produced it; this fixture bootstraps everything.
    assert.deepEqual(
      [
        ...new Set(
          await out
            .locator('.sl-comparison-table [data-method]')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-method'))),
        ),
      ],
      ['bootstrap'],
    );
    assert.match(
      (await out.locator('.sl-comparison-table .sl-ci').first().getAttribute('title')) ?? '',
      /percentile bootstrap interval \(200 resamples\)/,
    );
    assert.equal(await out.locator('.sl-flag').count(), 2);
    // Flags are collapsed and grouped; one saved without a kind falls under its severity.
    assert.equal(await out.locator('[data-testid="flags"]').evaluate((el) => (el as HTMLDetailsElement).open), false);
    assert.deepEqual(
      await out.locator('.sl-flag-group').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))),
      ['below-chance', 'info'],
    );
    const encoded = out.locator('[data-testid="encoded"]');
    assert.equal(await encoded.getAttribute('data-images'), '30');
    assert.match((await encoded.textContent()) ?? '', /30 images/);

    // Heatmap: plotly's data on the graph div, one row per image, one column per descriptor.
    const first = score.variants[0];
    const heat = await out
      .locator('.sl-heatmap')
      .evaluate((el: any) => ({ rows: el.data[0].z.length, cols: el.data[0].z[0].length, type: el.data[0].type }));
    assert.deepEqual(heat, { rows: 30, cols: first.columns.length, type: 'heatmap' });

    // Gallery: one card per misclassified image, with its thumbnail and the driving descriptors.
    const wrong = first.predictions.filter((p) => p.label !== p.predicted);
    assert.ok(wrong.length > 0, 'the fixture has failures');
    assert.equal(await out.locator('.sl-gallery .sl-card').count(), wrong.length);
    assert.equal(await out.locator('.sl-gallery').getAttribute('data-total'), String(wrong.length));
    assert.match(
      (await out.locator('.sl-card .sl-thumb').first().getAttribute('src')) ?? '',
      /^data:image\/jpeg;base64,/,
    );

    // A card click opens that image's descriptor scores: one bar group per class, one bar per column.
    const card = out.locator('.sl-card').first();
    const image = await card.getAttribute('data-image');
    await card.click();
    const detail = out.locator('.sl-detail');
    await detail.waitFor();
    assert.equal(await detail.getAttribute('data-image'), image);
    assert.equal(await detail.locator('.sl-bar-group').count(), 3);
    assert.equal(await detail.locator('.sl-bar').count(), first.columns.length);
    assert.ok(await card.evaluate((el) => el.classList.contains('sl-selected')));

    // A confusion cell filters the gallery to its true/predicted pair; a second click clears it.
    const cell = out.locator('.sl-confusion-cell.sl-off:not([data-count="0"])').first();
    const [t, p, n] = await Promise.all([
      cell.getAttribute('data-true'),
      cell.getAttribute('data-predicted'),
      cell.getAttribute('data-count'),
    ]);
    await cell.click();
    assert.equal(await out.locator('.sl-card').count(), Number(n));
    for (const c of await out.locator('.sl-card').all()) {
      assert.equal(await c.getAttribute('data-true'), t);
      assert.equal(await c.getAttribute('data-predicted'), p);
    }
    assert.equal(await out.locator('.sl-gallery').getAttribute('data-filter-true'), t);
    await cell.click();
    assert.equal(await out.locator('.sl-card').count(), wrong.length);
    // A diagonal cell lists that class's correct images.
    const diagonal = out.locator('.sl-confusion-cell.sl-diagonal').first();
    await diagonal.click();
    assert.equal(await out.locator('.sl-card').count(), Number(await diagonal.getAttribute('data-count')));
    await diagonal.click();

    // Sorting by margin puts the most negative margin (true class score − best other) on top.
    const margins = first.predictions.map(
      (q) =>
        q.scores[singleClass(q.label)] -
        Math.max(...score.classes.filter((c) => c !== q.label).map((c) => q.scores[c])),
    );
    const worst = margins.indexOf(Math.min(...margins));
    await out
      .locator('vscode-single-select')
      .first()
      .evaluate((el: any) => {
        el.value = 'margin';
        el.dispatchEvent(new Event('change'));
      });
    await page.waitForTimeout(200);
    const topRow = await out.locator('.sl-heatmap').evaluate((el: any) => el.data[0].z[0]);
    assert.deepEqual(topRow, first.similarity[worst]);

    await page.screenshot({ path: path.join(SHOTS, 'renderer-score-light.png'), fullPage: true });

    // Another variant through its tab: the heatmap and gallery follow.
    await out.locator('vscode-tab-header').nth(2).click();
    await page.waitForTimeout(300);
    const v2 = score.variants[2];
    const heat2 = await out
      .locator('.sl-heatmap')
      .evaluate((el: any) => ({ rows: el.data[0].z.length, cols: el.data[0].z[0].length }));
    assert.deepEqual(heat2, { rows: 30, cols: v2.columns.length });
    assert.equal(await out.locator('.sl-card').count(), v2.predictions.filter((q) => q.label !== q.predicted).length);
    assert.equal(await out.locator('.sl-comparison-table tr.sl-current').getAttribute('data-variant'), 'v2');

    // Disagreements between the first two variants, side by side.
    const byImage = new Map(score.variants[1].predictions.map((q) => [q.image, q.predicted]));
    const differ = first.predictions.filter((q) => byImage.get(q.image) !== q.predicted).length;
    assert.equal(await out.locator('[data-testid="disagreements-table"] tbody tr').count(), differ);

    // Dark theme: VS Code swaps the body class; plotly redraws in the new foreground colour.
    await page.evaluate(() => document.body.classList.replace('vscode-light', 'vscode-dark'));
    await page.waitForFunction((sel) => {
      const host = document.querySelector(sel)!.querySelector('.symptom-lens-output')!;
      const el = host.shadowRoot!.querySelector('.sl-heatmap') as any;
      return el.layout.font.color === '#cccccc';
    }, `#${id}`);
    await out.locator('.sl-card').first().click();
    await page.screenshot({ path: path.join(SHOTS, 'renderer-score-dark.png'), fullPage: true });

    // disposeOutputItem purges plotly and removes the output.
    await page.evaluate((outputId) => {
      const host = document.getElementById(outputId)!.querySelector('.symptom-lens-output')!;
      (window as any).heatmapEl = host.shadowRoot!.querySelector('.sl-heatmap');
      (window as any).apis[outputId].disposeOutputItem(outputId);
    }, id);
    assert.equal(await out.locator('.symptom-lens-output').count(), 0);
    assert.equal(await page.evaluate(() => (window as any).heatmapEl._fullLayout), undefined, 'plotly purged');

    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
    await page.close();
  });

  test('score output: paired comparison with the first variant and a marked control', async () => {
    const score = await scoreFixture({ variants: ['names', 'v1', 'v2', 'random-words'], thumbnails: 'none' });
    const { page, problems } = await open();
    const id = await render(page, 'score', MIME.score, score);
    const out = page.locator(`#${id}`);
    await out.locator('.sl-heatmap .main-svg').first().waitFor();
    const table = out.locator('.sl-comparison-table');
    const rows = table.locator('tbody tr');
    assert.equal(await rows.count(), 4);
    assert.deepEqual(await table.locator('th.sl-paired .sl-th-detail').allTextContents(), ['vs names', 'vs names']);

    // The first variant is the baseline; every other row shows its comparison's numbers.
    assert.deepEqual(await rows.nth(0).locator('td.sl-paired').allTextContents(), ['baseline', 'baseline']);
    let excludesZero = 0;
    for (let k = 1; k < score.variants.length; k++) {
      const { auroc, mcnemar } = score.variants[k].comparison!;
      const d = auroc.mean!;
      const row = rows.nth(k);
      const delta = row.locator('[data-testid="paired-auroc"]');
      assert.equal(await delta.locator('.sl-value').textContent(), `${signed(d.difference)}${pText(d.p)}`);
      assert.equal(await delta.locator('.sl-ci').textContent(), `${signed(d.low)} – ${signed(d.high)}`);
      const bold = d.low > 0 || d.high < 0;
      excludesZero += Number(bold);
      assert.equal(
        await delta.evaluate((el) => el.classList.contains('sl-excludes-zero')),
        bold,
        `${score.variants[k].name}: bold only when the interval excludes 0`,
      );
      const m = row.locator('[data-testid="mcnemar"]');
      assert.equal(await m.locator('.sl-value').textContent(), pText(mcnemar!.p));
      assert.equal(await m.locator('.sl-ci').textContent(), `b ${mcnemar!.baselineOnly} / c ${mcnemar!.variantOnly}`);
      assert.match(
        (await m.getAttribute('title')) ?? '',
        new RegExp(`${mcnemar!.baselineOnly} images? only names got right`),
      );
      // Per-class differences sit in the AUROC cells' tooltips.
      const perClass = auroc.perClass[score.classes[0]]!;
      assert.match(
        (await row.locator('td').nth(4).getAttribute('title')) ?? '',
        new RegExp(`Δ vs names ${signed(perClass.difference).replace('+', '\\+')} `),
      );
    }
    assert.ok(excludesZero >= 1 && excludesZero < 3, 'the fixture has intervals on both sides of 0');
    assert.ok(
      score.variants.some((v) => v.comparison?.mcnemar && v.comparison.mcnemar.p < 0.001),
      'the fixture exercises "p < 0.001"',
    );
    assert.ok(!((await table.textContent()) ?? '').includes('*'), 'no significance stars');

    // The control: one row, badge and italic name, what it tests on hover, and separated from the rest.
    const control = table.locator('tr.sl-control');
    assert.equal(await control.count(), 1);
    assert.equal(await control.getAttribute('data-variant'), 'control: random-words');
    assert.equal(await control.locator('[data-testid="control-badge"]').textContent(), 'control');
    assert.equal(await control.locator('.sl-control-name').textContent(), 'random-words');
    assert.equal(await control.locator('.sl-control-name').evaluate((el) => getComputedStyle(el).fontStyle), 'italic');
    assert.match((await control.locator('.sl-control-label').getAttribute('title')) ?? '', /WaffleCLIP/);
    assert.equal(await table.locator('[data-testid="control-badge"]').count(), 1, 'descriptor variants carry no badge');
    assert.match(
      (await out.locator('.sl-comparison .sl-help').textContent()) ?? '',
      /Controls \(badge\).*McNemar b \/ c = images only names \/ only this variant got right/,
    );

    // Clicking the control's row shows its panel.
    await control.click();
    await page.waitForTimeout(300);
    assert.equal(await out.locator('.sl-variant-panel').getAttribute('data-variant'), 'control: random-words');
    assert.equal(await out.locator('.sl-heatmap').evaluate((el: any) => el.data[0].z.length), 30);

    await out.locator('.sl-comparison').screenshot({ path: path.join(SHOTS, 'renderer-score-comparison-light.png') });
    await page.evaluate(() => document.body.classList.replace('vscode-light', 'vscode-dark'));
    await page.waitForTimeout(200);
    await out.locator('.sl-comparison').screenshot({ path: path.join(SHOTS, 'renderer-score-comparison-dark.png') });
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('multi-label score: mean and per-class AUROC with intervals, no confusion matrix, label mismatches as failures', async () => {
    const score = await multiLabelScoreFixture();
    const { page, problems } = await open();
    const id = await render(page, 'score', MIME.score, score);
    const out = page.locator(`#${id}`);
    await out.locator('.sl-heatmap .main-svg').first().waitFor();
    const table = out.locator('.sl-comparison-table');

    // Only AUROC columns: mean, then one per class, then the paired difference (no McNemar).
    const heads = await table.locator('thead th').allTextContents();
    assert.deepEqual(heads, [
      'Variant',
      'Mean AUROC',
      ...score.classes.map((c) => `AUROC${c}`),
      'Δ mean AUROCvs names',
    ]);
    assert.equal(await table.locator('[data-testid="mcnemar"]').count(), 0);
    for (const [vi, v] of score.variants.entries()) {
      const cells = table.locator('tbody tr').nth(vi).locator('td');
      const show = async (k: number) => [
        await cells.nth(k).locator('.sl-value').textContent(),
        await cells.nth(k).locator('.sl-ci').textContent(),
      ];
      const ci = v.metrics.ci!;
      assert.deepEqual(await show(1), [
        v.metrics.meanAuroc!.toFixed(3),
        `${ci.meanAuroc!.low.toFixed(3)} – ${ci.meanAuroc!.high.toFixed(3)}`,
      ]);
      for (const [k, c] of score.classes.entries()) {
        assert.deepEqual(
          await show(2 + k),
          [v.metrics.auroc[c]!.toFixed(3), `${ci.auroc[c]!.low.toFixed(3)} – ${ci.auroc[c]!.high.toFixed(3)}`],
          `${v.name} ${c}`,
        );
      }
    }
    const d = score.variants[1].comparison!.auroc.mean!;
    assert.equal(
      await table.locator('tbody tr').nth(1).locator('[data-testid="paired-auroc"] .sl-ci').textContent(),
      `${signed(d.low)} – ${signed(d.high)}`,
    );

    // No confusion matrix, and one line that says why.
    assert.equal(await out.locator('.sl-confusion').count(), 0);
    assert.match(
      (await out.locator('[data-testid="no-confusion"]').textContent()) ?? '',
      /multi-label set each class is its own yes\/no question/,
    );

    // Heatmap rows grouped by first labelled class, images without one last as "(none)".
    const first = score.variants[0];
    const heat = await out
      .locator('.sl-heatmap')
      .evaluate((el: any) => ({ rows: el.data[0].z.length, groups: el.layout.annotations.map((a: any) => a.text) }));
    assert.equal(heat.rows, 30);
    assert.deepEqual(heat.groups.slice(score.classes.length), [
      '<b>consolidation</b>',
      '<b>interstitial opacity</b>',
      '<b>(none)</b>',
    ]);

    // Gallery: the images whose predicted set differs from the label set, most classes wrong first.
    const mismatched = first.predictions.filter((p) => classSet(p.label) !== classSet(p.predicted));
    assert.ok(mismatched.length > 0 && mismatched.length < first.predictions.length);
    const cards = out.locator('.sl-card');
    assert.equal(await cards.count(), mismatched.length);
    assert.match(
      (await out.locator('.sl-gallery-area h3').textContent()) ?? '',
      new RegExp(`Label mismatches \\(${mismatched.length} of 30 images`),
    );
    const wrongClasses = (p: { label: string; predicted: string }) => {
      const a = classSet(p.label).split('|').filter(Boolean);
      const b = classSet(p.predicted).split('|').filter(Boolean);
      return a.filter((c) => !b.includes(c)).length + b.filter((c) => !a.includes(c)).length;
    };
    const shown = await cards.evaluateAll((els) =>
      els.map((e) => ({ label: e.getAttribute('data-true')!, predicted: e.getAttribute('data-predicted')! })),
    );
    const counts = shown.map(wrongClasses);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );

    // A card's detail: every class's bars, the predicted and labelled classes marked, no runner-up.
    const card = cards.first();
    await card.click();
    const detail = out.locator('.sl-detail');
    await detail.waitFor();
    const p = first.predictions[Number(await card.getAttribute('data-index'))];
    assert.equal(await detail.getAttribute('data-image'), p.image);
    assert.equal(await detail.locator('.sl-bar-group').count(), 3);
    const predicted = classSet(p.predicted).split('|').filter(Boolean);
    assert.equal(await detail.locator('.sl-bar-group.sl-predicted, .sl-bar-group.sl-both').count(), predicted.length);
    assert.ok(!((await detail.textContent()) ?? '').includes('runner-up'));

    // Sorting by margin copes with images whose margin is undefined (no class labelled).
    await out
      .locator('vscode-single-select')
      .first()
      .evaluate((el: any) => {
        el.value = 'margin';
        el.dispatchEvent(new Event('change'));
      });
    await page.waitForTimeout(200);
    assert.equal(await out.locator('.sl-heatmap').evaluate((el: any) => el.data[0].z.length), 30);

    // Disagreements compare predicted sets.
    const byImage = new Map(score.variants[1].predictions.map((q) => [q.image, q.predicted]));
    const differ = first.predictions.filter((q) => classSet(byImage.get(q.image)!) !== classSet(q.predicted)).length;
    assert.equal(await out.locator('[data-testid="disagreements-table"] tbody tr').count(), differ);

    await page.screenshot({ path: path.join(SHOTS, 'renderer-score-multilabel-light.png'), fullPage: true });
    await page.evaluate(() => document.body.classList.replace('vscode-light', 'vscode-dark'));
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'renderer-score-multilabel-dark.png'), fullPage: true });
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('score output: thumbnails left out of the output load lazily through renderer messaging', async () => {
    const score = await scoreFixture({ thumbnails: 2 });
    const full = await scoreFixture({ thumbnails: 'all' });
    const { page, problems } = await open();
    await page.evaluate((replies) => Object.assign((window as any).replies, replies), full.thumbnails);
    const id = await render(page, 'score', MIME.score, score, { messaging: true });
    const out = page.locator(`#${id}`);
    const cards = out.locator('.sl-card');
    const n = await cards.count();
    const missing = (await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-image')!))).filter(
      (image) => !(image in score.thumbnails),
    );
    assert.ok(missing.length > 2);
    // Nothing is asked for before its card comes near the viewport...
    const askedAtFirst = ((await page.evaluate(() => (window as any).posted)) as unknown[]).length;
    assert.ok(askedAtFirst < missing.length, `only visible cards ask (${askedAtFirst} of ${missing.length})`);
    // ...and every card scrolled to ends with an <img> showing the reply for its own image.
    for (const card of await cards.all()) {
      await card.scrollIntoViewIfNeeded();
      const image = (await card.getAttribute('data-image'))!;
      const img = card.locator('img.sl-thumb');
      await img.waitFor();
      assert.equal(await img.getAttribute('src'), full.thumbnails[image]);
    }
    const posted = (await page.evaluate(() => (window as any).posted)) as { type: string; image: string }[];
    const asked = posted.filter((m) => m.type === 'thumbnail').map((m) => m.image);
    // (The disagreements table below the gallery may ask for a few more as it comes into view.)
    assert.ok(
      missing.every((image) => asked.includes(image)),
      'asked for every card without a saved thumbnail',
    );
    assert.ok(n > missing.length, 'some cards had theirs saved');
    assert.ok(
      asked.every((image) => !(image in score.thumbnails)),
      'never asked for a saved one',
    );
    assert.equal(new Set(asked).size, asked.length, 'each image asked once');
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('score output: the heatmap keeps its height and stays above what follows when the output narrows', async () => {
    // 27 images per class: more rows than get a label each, as in the demo notebook.
    const score = await scoreFixture({ perClass: 27, thumbnails: 'none' });
    const { page, problems } = await open();
    await page.setViewportSize({ width: 1300, height: 900 });
    const id = await render(page, 'score', MIME.score, score);
    const out = page.locator(`#${id}`);
    const heatmap = out.locator('.sl-heatmap');
    // The gallery sits above the heatmap; the disagreements follow it.
    const next = out.locator('.sl-disagreements');
    await heatmap.locator('.main-svg').first().waitFor();
    const measure = async () => {
      const [plot, gallery, svg] = await Promise.all([
        heatmap.boundingBox(),
        next.boundingBox(),
        heatmap.locator('.main-svg').first().boundingBox(),
      ]);
      return { plot: plot!, gallery: gallery!, svg: svg! };
    };
    const wide = await measure();
    const rows = score.variants[0].predictions.length;
    assert.ok(wide.plot.height >= 400, `a ${rows}-row heatmap is tall enough to read (${wide.plot.height}px)`);
    await out.locator('.sl-heatmap-section').screenshot({ path: path.join(SHOTS, 'renderer-score-heatmap-wide.png') });

    // Narrowing (an editor opened beside the notebook) fires plotly's resize after its 100 ms
    // debounce, and a second one if the first changed the div's height; look several times over
    // that span, then widen again, as when that editor closes.
    for (const width of [520, 1300]) {
      await page.setViewportSize({ width, height: 900 });
      for (let look = 0; look < 6; look++) {
        await page.waitForTimeout(120);
        const now = await measure();
        const at = `${width}px wide, look ${look}`;
        assert.ok(
          Math.abs(now.plot.height - wide.plot.height) <= 1,
          `${at}: the heatmap keeps its height: ${now.plot.height} (was ${wide.plot.height})`,
        );
        assert.ok(
          now.plot.y + now.plot.height <= now.gallery.y + 0.5,
          `${at}: the heatmap ends above the disagreements`,
        );
        assert.ok(
          now.svg.y + now.svg.height <= now.gallery.y + 0.5,
          `${at}: the drawing ends (${now.svg.y + now.svg.height}) above the disagreements (${now.gallery.y})`,
        );
      }
      await out
        .locator('.sl-heatmap-section')
        .screenshot({ path: path.join(SHOTS, `renderer-score-heatmap-${width}.png`) });
      const now = await measure();
      assert.ok(
        now.svg.width <= width - 40 && Math.abs(now.svg.width - now.plot.width) <= 1,
        `the drawing follows the width (${now.svg.width}px at ${width})`,
      );
    }
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('data that looks like HTML is shown as text and runs nothing', async () => {
    const score = await scoreFixture({ xss: true });
    const images = await imagesFixture({ xss: true });
    const { page, problems } = await open();
    const scoreId = await render(page, 'score', MIME.score, score);
    const imagesId = await render(page, 'images', MIME.images, images);
    const out = page.locator(`#${scoreId}`);
    await out.locator('.sl-heatmap .main-svg').first().waitFor();
    await out.locator('.sl-card').first().click();
    await out.locator('.sl-heatmap .hoverlayer').first().waitFor({ state: 'attached' });
    await page.waitForTimeout(300);

    assert.equal(
      await out.locator('.sl-comparison-table .sl-th-detail').nth(2).textContent(),
      XSS,
      'class name as text in the table',
    );
    assert.ok(
      ((await out.locator('.sl-confusion').textContent()) ?? '').includes('<img src=x'),
      'in the confusion matrix',
    );
    // Plotly's own markup in hover text is escaped: the hostile file name reads as typed.
    const hover = await out.locator('.sl-heatmap').evaluate((el: any) => JSON.stringify(el.data[0].text));
    assert.ok(hover.includes('images/&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;.jpeg'));
    const annotations = await out.locator('.sl-heatmap .annotation-text').allTextContents();
    assert.ok(
      annotations.some((a) => a.startsWith('<img src=x onerror=')),
      `plotly shows the label as typed: ${annotations.join(' | ')}`,
    );
    const counts = await page.locator(`#${imagesId} .sl-counts`).textContent();
    assert.ok(counts?.includes(XSS));
    assert.ok(((await page.locator(`#${imagesId} .sl-skipped`).textContent()) ?? '').includes(`images/${XSS}.png`));
    // No element was made from the data: every <img> in the outputs is one of our thumbnails.
    const stray = await page.evaluate(() =>
      [...document.querySelectorAll('.symptom-lens-output')].flatMap((host) =>
        [...host.shadowRoot!.querySelectorAll('img:not(.sl-thumb), script, b[onmouseover]')].map((e) => e.outerHTML),
      ),
    );
    assert.deepEqual(stray, []);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.requests, [], 'no request for src=x');
    await page.close();
  });

  test('images output: class counts, skipped files with reasons, thumbnails per class', async () => {
    const images = {
      ...(await imagesFixture()),
      dicom: { files: 7, voiLut: 1, window: 4, minmax: 1, colour: 1, inverted: 2 },
    };
    const { page, problems } = await open();
    const id = await render(page, 'images', MIME.images, images);
    const out = page.locator(`#${id}`);
    assert.deepEqual(
      await out
        .locator('.sl-count-n')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-class'), Number(e.getAttribute('data-count'))])),
      images.classes.map((c) => [c, images.counts[c]]),
    );
    assert.match(
      (await out.locator('.sl-count-n[data-class="viral"]').textContent()) ?? '',
      /⚠/,
      'a class under 10 images is marked',
    );
    assert.equal(await out.locator('.sl-skipped li').count(), 2);
    assert.match((await out.locator('.sl-skipped').textContent()) ?? '', /truncated\.jpeg — JPEG data ends early/);
    assert.equal(
      await out.locator('[data-testid="dicom"]').textContent(),
      'DICOM: 7 files — VOI LUT 1, window 4, min–max 1, colour 1; inverted 2.',
    );
    assert.equal(await out.locator('.sl-sample-row').count(), 3);
    assert.equal(await out.locator('.sl-sample img.sl-thumb').count(), images.samples.length);
    await page.screenshot({ path: path.join(SHOTS, 'renderer-images-light.png'), fullPage: true });
    await page.evaluate(() => document.body.classList.replace('vscode-light', 'vscode-dark'));
    await page.screenshot({ path: path.join(SHOTS, 'renderer-images-dark.png'), fullPage: true });
    assert.deepEqual(problems.errors, []);
    await page.close();
  });

  test('a malformed output names the field instead of failing silently', async () => {
    const { page } = await open();
    const score = await scoreFixture({ thumbnails: 'none' });
    const broken = {
      ...score,
      variants: [{ ...score.variants[0], predictions: [{ image: 'a.png', label: 'normal' }] }],
    };
    const id = await render(page, 'score', MIME.score, broken);
    assert.match(
      (await page.locator(`#${id} .sl-notice.sl-error`).textContent()) ?? '',
      /variants\[0\]\.predictions\[0\]\.predicted/,
    );
    const short = { ...score, variants: [{ ...score.variants[0], similarity: score.variants[0].similarity.slice(1) }] };
    const id2 = await render(page, 'score', MIME.score, short);
    assert.match(
      (await page.locator(`#${id2} .sl-heatmap-section .sl-notice`).textContent()) ?? '',
      /29 rows but there are 30 predictions/,
    );
    assert.equal(
      await page.locator(`#${id2} .sl-card`).count(),
      score.variants[0].predictions.filter((q) => q.label !== q.predicted).length,
      'the rest still renders',
    );
    await page.close();
  });
});
