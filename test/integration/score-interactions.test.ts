// The score output's clicks in Chromium keep what they change on screen: a confusion cell reveals
// and marks the gallery it filters, a heatmap row opens the image's evidence beside that row and
// Escape closes it, the detail panel shows names in full, a disagreement row opens both variants'
// evidence side by side, and at the width of an output beside VS Code's side bar the comparison
// columns of the Variants table stay in view.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { chromiumSkipReason } from '../helpers/chromium';
import { openRendererPage, type RendererPage } from '../helpers/rendererPage';
import { REPO, scoreFixture } from '../fixtures/renderer-fixture';

const SHOTS = path.join(REPO, 'test-results');
const LONG_NAME = 'images/PATIENT-000123_follow-up_portable_AP_supine_film_after_line_placement_2024-03-17.jpeg';

/** A score whose first failure of the first variant has a long file name, as real datasets do. */
async function score(classNames: Record<string, string> = {}): Promise<ScoreResult> {
  let s: ScoreResult = await scoreFixture({ perClass: 10, thumbnails: 'none' });
  // Renamed wherever a class is a whole JSON string (keys and values), not inside descriptor texts.
  let json = JSON.stringify(s);
  for (const [from, to] of Object.entries(classNames)) json = json.replaceAll(JSON.stringify(from), JSON.stringify(to));
  s = JSON.parse(json);
  const failure = s.variants[0].predictions.find((p) => p.label !== p.predicted)!.image;
  for (const v of s.variants) for (const p of v.predictions) if (p.image === failure) p.image = LONG_NAME;
  return s;
}

// One browser page for all the tests; each renders the score afresh at its output width.
let shared: RendererPage;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  if (!chromiumSkipReason())
    shared = await openRendererPage({ after: (fn) => closers.push(fn) }, 'score/index', MIME.score);
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function open(width: number, classNames?: Record<string, string>) {
  const view = shared;
  view.problems.errors.length = 0;
  await view.page.setViewportSize({ width: 1400, height: 900 });
  await view.page.evaluate((w) => {
    document.getElementById('out')!.style.width = `${w}px`;
    scrollTo(0, 0);
  }, width);
  await view.render(await score(classNames));
  const root = view.page.locator('.symptom-lens-output');
  await root.locator('.sl-heatmap .main-svg').first().waitFor();
  return { ...view, root };
}

/** The element's box lies wholly inside the window. */
async function inViewport(page: Page, el: Locator): Promise<boolean> {
  const box = (await el.boundingBox())!;
  const { w, h } = await page.evaluate(() => ({ w: innerWidth, h: innerHeight }));
  return box.y >= 0 && box.y + box.height <= h && box.x >= 0 && box.x + box.width <= w;
}

const flashing = (el: Locator) => el.evaluate((e) => e.classList.contains('sl-flash'));

test(
  'score output: clicks reveal and mark their target; Escape closes the detail panel',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { page, root, problems } = await open(1400);

    // Confusion cell, clicked with the matrix at the top of the window: the filtered gallery below
    // it comes into view, marked.
    const cell = root.locator('.sl-confusion-cell.sl-off:not([data-count="0"])').first();
    await cell.evaluate((e) => e.scrollIntoView({ block: 'end' }));
    assert.equal(await inViewport(page, root.locator('.sl-gallery-area h3')), false, 'the gallery starts off screen');
    const before = await page.evaluate(() => scrollY);
    await cell.click();
    await page.waitForTimeout(100);
    const gallery = root.locator('.sl-gallery-area');
    assert.ok(await flashing(gallery), 'the gallery is marked');
    assert.ok(await inViewport(page, root.locator('.sl-gallery-area h3')), 'its heading is on screen');
    assert.ok(
      await inViewport(page, root.locator('.sl-card').last()),
      `and so are its cards ${JSON.stringify([await root.locator('.sl-card').last().boundingBox(), await gallery.boundingBox(), await root.locator('.sl-card').count()])}`,
    );
    assert.ok((await page.evaluate(() => scrollY)) > before, 'the page scrolled to it');
    // Short: gone within a few seconds (polled: a busy machine runs the page's timer late).
    for (let i = 0; i < 50 && (await flashing(gallery)); i++) await page.waitForTimeout(100);
    assert.equal(await flashing(gallery), false, 'the mark is short');
    await cell.click(); // all failures again

    // Heatmap: a click on the last row opens that image's evidence beside the row.
    const heatmap = root.locator('.sl-heatmap');
    const rowAt = await heatmap.evaluate((el: any) => {
      const layout = el._fullLayout;
      const rows = el.data[0].z.length;
      return { x: layout._size.l + layout._size.w / 2, y: layout._size.t + layout.yaxis.l2p(rows - 1), rows };
    });
    await heatmap.evaluate((e, y) => scrollTo(0, e.getBoundingClientRect().top + scrollY + y - 600), rowAt.y);
    const box = (await heatmap.boundingBox())!;
    // Plotly makes a click of the hover it computed on a (throttled) mouse move: on a busy machine
    // a click straight away can land before it, so hover first, as a hand does.
    await page.mouse.move(box.x + rowAt.x, box.y + rowAt.y);
    for (let i = 0; i < 100 && !(await heatmap.evaluate((el: any) => (el._hoverdata ?? []).length > 0)); i++) {
      await page.mouse.move(box.x + rowAt.x + (i % 2), box.y + rowAt.y);
      await page.waitForTimeout(100);
    }
    await page.mouse.click(box.x + rowAt.x, box.y + rowAt.y);
    const detail = root.locator('.sl-heatmap-detail .sl-detail');
    await detail.waitFor();
    const imageAtRow = await heatmap.evaluate((el: any, r) => el.data[0].text[r][0].split('<br>')[0], rowAt.rows - 1);
    assert.equal(await detail.getAttribute('data-image'), imageAtRow.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
    assert.ok(await inViewport(page, detail), 'the detail panel is on screen');
    assert.ok(await flashing(detail), 'and marked');
    const clickY = box.y + rowAt.y;
    const panelBox = (await detail.boundingBox())!;
    assert.ok(
      panelBox.y <= clickY && clickY <= panelBox.y + panelBox.height,
      `opened beside the clicked row (${JSON.stringify(panelBox)}, row at ${clickY})`,
    );
    assert.ok(
      await detail.evaluate(
        (e) => e.getRootNode() instanceof ShadowRoot && (e.getRootNode() as ShadowRoot).activeElement === e,
      ),
    );

    await page.keyboard.press('Escape');
    assert.equal(await root.locator('.sl-detail').count(), 0, 'Escape closes it');
    assert.equal(await root.locator('.sl-heatmap-detail').isVisible(), false);

    // A card's detail panel beside the gallery closes on Escape too.
    await root.locator('.sl-card').first().click();
    await root.locator('.sl-gallery-body .sl-detail').waitFor();
    await page.keyboard.press('Escape');
    assert.equal(await root.locator('.sl-detail').count(), 0);
    assert.deepEqual(problems.errors, []);
  },
);

test(
  'score output: the detail panel shows image and class names in full at a 1400 px page',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { page, root, problems } = await open(1400);
    await root.locator(`.sl-card[data-image="${LONG_NAME}"]`).click();
    const detail = root.locator('.sl-gallery-body .sl-detail');
    await detail.waitFor();
    assert.ok((await detail.boundingBox())!.width >= 380, 'the panel is at least 380 px wide');
    const cut = await detail.evaluate((d) =>
      [
        ...d.querySelectorAll<HTMLElement>(
          '.sl-card-name, .sl-detail-path, .sl-label-row > span, .sl-bar-group h4 > span',
        ),
      ]
        .filter((e) => e.scrollWidth > e.clientWidth)
        .map((e) => `${e.className}: ${e.textContent}`),
    );
    assert.deepEqual(cut, [], 'nothing is cut off');
    const shown = await detail.evaluate((d) =>
      [...d.querySelectorAll('.sl-card-name, .sl-detail-path')].map((e) => e.textContent),
    );
    assert.deepEqual(shown, [path.basename(LONG_NAME), LONG_NAME], 'the names are whole, not shortened');
    const classes = await detail.locator('.sl-label-row').allTextContents();
    assert.ok(classes.some((c) => /^true\s*\S/.test(c)) && classes.some((c) => /^pred\./.test(c)));
    mkdirSync(SHOTS, { recursive: true });
    await detail.screenshot({ path: path.join(SHOTS, 'renderer-score-detail-1400.png') });
    assert.deepEqual(problems.errors, []);
  },
);

test(
  'score output: a disagreement row opens both variants’ evidence side by side',
  { skip: chromiumSkipReason() },
  async (t) => {
    const { root, problems } = await open(1400);
    const s = await score();
    const [a, b] = s.variants;
    const row = root.locator('[data-testid="disagreements-table"] tbody tr.sl-disagreement').first();
    const image = (await row.getAttribute('data-image'))!;
    await row.click();
    const evidence = root.locator('[data-testid="disagreement-evidence"]');
    assert.equal(await evidence.count(), 1);
    assert.equal(await evidence.getAttribute('data-image'), image);
    assert.equal(await row.getAttribute('aria-expanded'), 'true');
    const sides = evidence.locator('.sl-evidence-side');
    assert.deepEqual(await sides.evaluateAll((els) => els.map((e) => e.getAttribute('data-variant'))), [
      a.name,
      b.name,
    ]);
    const [boxA, boxB] = [(await sides.nth(0).boundingBox())!, (await sides.nth(1).boundingBox())!];
    assert.ok(Math.abs(boxA.y - boxB.y) < 2 && boxB.x >= boxA.x + boxA.width, 'next to each other');
    for (const [k, v] of [a, b].entries()) {
      assert.equal(await sides.nth(k).locator('.sl-bar-group').count(), s.classes.length);
      assert.equal(await sides.nth(k).locator('.sl-bar').count(), v.columns.length);
      // The bars are this image's similarities under that variant.
      const i = v.predictions.findIndex((p) => p.image === image);
      const shown = (await sides.nth(k).locator('.sl-bar-value').allTextContents()).map(Number).sort((x, y) => x - y);
      const expected = v.similarity[i].map((x) => Number(x.toFixed(3))).sort((x, y) => x - y);
      assert.deepEqual(shown, expected);
    }
    await row.click();
    assert.equal(await evidence.count(), 0, 'a second click closes it');
    assert.deepEqual(problems.errors, []);
  },
);

for (const width of [1000, 700]) {
  test(
    `score output: at a ${width} px output the Variants table keeps Δ mean AUROC and McNemar in view`,
    { skip: chromiumSkipReason() },
    async () => {
      // Class names as a real dataset has them: the metric columns are wider than the output.
      const { root, problems } = await open(width, {
        bacterial: 'bacterial pneumonia',
        viral: 'viral pneumonia',
        normal: 'no finding',
      });
      const scroller = root.locator('.sl-comparison .sl-scroll');
      const frame = (await scroller.boundingBox())!;
      assert.ok(frame.width <= width, `the table's box fits the output (${frame.width})`);
      // Three classes fit 1000 px; at 700 px they overflow as five do at 1000 px (the demo's).
      if (width === 700)
        assert.ok(await scroller.evaluate((e) => e.scrollWidth > e.clientWidth), 'the metric columns overflow');
      const pinned = root.locator(
        '.sl-comparison-table [data-testid="paired-auroc"], .sl-comparison-table [data-testid="mcnemar"], .sl-comparison-table th.sl-paired',
      );
      assert.equal(await pinned.count(), 3 * 2 + 2);
      for (const cell of await pinned.all()) {
        const box = (await cell.boundingBox())!;
        assert.ok(
          box.x >= frame.x - 0.5 && box.x + box.width <= frame.x + frame.width + 0.5,
          `${await cell.textContent()} is in view: ${JSON.stringify(box)} in ${JSON.stringify(frame)}`,
        );
      }
      const delta = (await root.locator('tbody [data-testid="paired-auroc"]').first().boundingBox())!;
      const mcnemar = (await root.locator('tbody [data-testid="mcnemar"]').first().boundingBox())!;
      assert.ok(delta.x + delta.width <= mcnemar.x + 1, 'Δ mean AUROC sits left of McNemar, not under it');
      // The variant's name stays at the left edge.
      const name = (await root.locator('.sl-comparison-table tbody td:first-child').first().boundingBox())!;
      assert.ok(Math.abs(name.x - frame.x) < 1);
      mkdirSync(SHOTS, { recursive: true });
      const shot = await root
        .locator('.sl-comparison')
        .screenshot({ path: path.join(SHOTS, `renderer-score-variants-${width}.png`) });
      assert.ok(shot.length > 5000, 'the screenshot shows the table');
      assert.ok((await root.locator('.sl-comparison').boundingBox())!.width <= width);
      assert.deepEqual(problems.errors, []);
    },
  );
}
