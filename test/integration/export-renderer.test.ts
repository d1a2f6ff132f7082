// The export buttons of the score and few-shot outputs in Chromium: what each posts to the
// extension (the score to export, the table text, the chart image), checked against values the
// test computes itself from the data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { chromiumSkipReason } from '../helpers/chromium';
import { openRendererPage, type RendererPage } from '../helpers/rendererPage';
import { scoreFixture } from '../fixtures/renderer-fixture';

type Posted = { type: string; [k: string]: unknown };

// Written out here rather than imported from the renderer, so the test checks the formatting.
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const dec = (x: number) => x.toFixed(3);

async function nextPosted(view: RendererPage, type: string, seen: number): Promise<Posted> {
  await view.page.waitForFunction(
    ([t, n]) => (window as unknown as { posted: Posted[] }).posted.slice(n as number).some((m) => m.type === t),
    [type, seen],
  );
  return ((await view.posted()) as Posted[]).slice(seen).find((m) => m.type === type)!;
}

test(
  'score output: export buttons post the score, the Variants table as TSV and Markdown, charts as PNG and SVG',
  { skip: chromiumSkipReason() },
  async (t) => {
    const score: ScoreResult = await scoreFixture({ perClass: 4, thumbnails: 'none', variants: ['names', 'v1'] });
    score.variants[1].name = 'v1 | tab\there'; // a pipe and a tab must not break either table
    score.variants[1].comparison!.against = 'names';
    const view = await openRendererPage(t, 'score/index', MIME.score);
    await view.render(score);
    const root = view.page.locator('.symptom-lens-output');

    for (const format of ['predictions.csv', 'metrics.csv', 'json']) {
      const seen = (await view.posted()).length;
      await root.locator(`[data-testid="export-${format}"]`).click();
      assert.deepEqual(await nextPosted(view, 'exportScore', seen), { type: 'exportScore', score: score.name, format });
    }

    const [names, v1] = score.variants;
    const meanAuroc = (v: typeof names) => {
      const xs = Object.values(v.metrics.auroc) as number[];
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const row = (v: typeof names, shown: string) => [
      shown,
      pct(v.metrics.accuracy!),
      pct(v.metrics.balancedAccuracy!),
      dec(v.metrics.macroF1!),
      dec(meanAuroc(v)),
      ...score.classes.map((c) => dec(v.metrics.auroc[c]!)),
    ];
    const copies = root.locator('[data-testid="copy-variants"] vscode-button');
    let seen = (await view.posted()).length;
    await copies.nth(0).click();
    const tsv = await nextPosted(view, 'copyText', seen);
    const tsvLines = String(tsv.text).trimEnd().split('\n');
    assert.equal(tsvLines.length, 3);
    assert.deepEqual(tsvLines[0].split('\t').slice(0, 5), [
      'variant',
      'accuracy',
      'balanced accuracy',
      'macro-F1',
      'mean AUROC',
    ]);
    assert.deepEqual(tsvLines[1].split('\t').slice(0, 5 + score.classes.length), row(names, 'names'));
    assert.deepEqual(tsvLines[2].split('\t').slice(0, 5 + score.classes.length), row(v1, 'v1 | tab here'));
    assert.equal(tsvLines[1].split('\t').at(-1), '—', 'the first variant has no comparison');
    assert.match(tsvLines[2].split('\t').at(-1)!, /^p [=<] 0\.\d{3}$/, 'McNemar p of the second');
    assert.equal(tsv.what, 'Variants table as TSV');

    seen = (await view.posted()).length;
    await copies.nth(1).click();
    const markdown = String((await nextPosted(view, 'copyText', seen)).text)
      .trimEnd()
      .split('\n');
    assert.equal(markdown.length, 4);
    assert.match(markdown[1], /^\| --- \| ---: \| ---: \|/);
    assert.ok(markdown[3].startsWith('| v1 \\| tab here | '), markdown[3]);
    assert.equal(markdown[3].split(/(?<!\\)\|/).length - 2, tsvLines[0].split('\t').length, 'one cell per column');

    // Charts: Plotly's own export of the drawn heatmap and of the confusion matrix figure.
    await root.locator('[data-testid="heatmap"] .main-svg').first().waitFor();
    for (const [testid, text] of [
      ['heatmap-image', names.columns[0].text],
      ['confusion-image', 'Confusion matrix'],
    ]) {
      const buttons = root.locator(`[data-testid="${testid}"] vscode-button`);
      seen = (await view.posted()).length;
      await buttons.nth(0).click();
      const png = await nextPosted(view, 'saveImage', seen);
      const [, b64] = String(png.dataUrl).split('data:image/png;base64,');
      const bytes = Buffer.from(b64, 'base64');
      assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')], `${testid}: a PNG`);
      assert.ok(
        bytes.readUInt32BE(16) >= 600,
        `${testid}: drawn at twice the screen size (${bytes.readUInt32BE(16)} px)`,
      );
      seen = (await view.posted()).length;
      await buttons.nth(1).click();
      const svg = await nextPosted(view, 'saveImage', seen);
      const url = String(svg.dataUrl);
      assert.match(url, /^data:image\/svg\+xml/);
      const body = decodeURIComponent(url.slice(url.indexOf(',') + 1));
      assert.match(body, /^<svg/);
      assert.ok(body.includes(text), `${testid}: the SVG carries "${text}"`);
      assert.equal(svg.name, `${testid === 'heatmap-image' ? 'heatmap' : 'confusion'}-names`);
    }
    if (score.classes.length) {
      // The confusion figure shows the counts the predictions give.
      const seenNow = (await view.posted()).length;
      await root.locator('[data-testid="confusion-image"] vscode-button').nth(1).click();
      const svg = decodeURIComponent(String((await nextPosted(view, 'saveImage', seenNow)).dataUrl).split(',')[1]);
      const diagonal = score.classes.map(
        (c) => names.predictions.filter((p) => p.label === c && p.predicted === c).length,
      );
      for (const n of diagonal) assert.ok(svg.includes(`>${n}</text>`), `count ${n} in the SVG`);
    }
    assert.deepEqual(view.problems.errors, []);
  },
);
