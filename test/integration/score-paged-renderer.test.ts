// A paged score output (ScoreResult.perImage) in Chromium, with the extension's real answer to
// the renderer's page requests (scoring/perImageQuery.ts over a per-image file in a temporary
// cache): the gallery, a confusion cell and the heatmap page through every image; without the
// cache the per-image views say they need a re-run while every aggregate still shows; in the
// report (no messaging) they say where the other rows are.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { writePerImageFile } from '../../src/cache/perImageFiles';
import { MIME } from '../../src/protocol/mime';
import { listRows } from '../../src/protocol/rowOrder';
import { orderedRows, pagedScore } from '../../src/scoring/pagedScore';
import { answerScoreRows } from '../../src/scoring/perImageQuery';
import { perImageParquet } from '../../src/scoring/perImageStore';
import { chromiumSkipReason } from '../helpers/chromium';
import { openRendererPage } from '../helpers/rendererPage';
import { scoreFixture } from '../fixtures/renderer-fixture';

const RUN = '00112233445566aa';

test(
  'paged score output: pages come from the per-image file; gone, the views ask for a re-run',
  { skip: chromiumSkipReason() },
  async (t) => {
    const full = await scoreFixture({ perClass: 30, thumbnails: 'none', variants: ['names', 'v1'] });
    const n = full.variants[0].predictions.length;
    const paged = pagedScore(full, RUN, 20);
    assert.equal(paged.perImage!.shown, 20);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-paged-renderer-'));
    t.after(() => fs.rm(dir, { recursive: true, force: true }));
    const cacheDir = path.join(dir, 'cache');
    const notebook = path.join(dir, 'nb.lensnb');
    await writePerImageFile(cacheDir, notebook, full.name, RUN, perImageParquet(full));
    const view = await openRendererPage(t, 'score/index', MIME.score, '', async (m) =>
      (m as { type?: string }).type === 'scoreRows' ? answerScoreRows(cacheDir, notebook, m) : undefined,
    );
    await view.render(paged);
    const out = view.page.locator('.symptom-lens-output').first();
    assert.equal(await out.locator('[data-testid="per-image-note"]').getAttribute('data-images'), String(n));

    // The gallery: every failure, worst first, though the output kept only 20 rows.
    const failures = listRows(orderedRows(full.variants[0], full.classes), undefined, false);
    const expected = failures.slice(0, 60).map((r) => r.prediction.image);
    assert.ok(expected.length > paged.perImage!.failuresKept[0], 'the fixture has failures the output left out');
    const cards = out.locator('[data-testid="gallery"] [data-testid="card"]');
    await view.page.waitForFunction(
      (count) =>
        document.querySelector('.symptom-lens-output')?.shadowRoot?.querySelectorAll('[data-testid="card"]').length ===
        count,
      expected.length,
    );
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-image'))), expected);

    // A confusion cell lists its images among all images, in image order.
    const [t0, p0] = [full.classes[1], full.classes[0]];
    const inCell = full.variants[0].predictions.filter((p) => p.label === t0 && p.predicted === p0).map((p) => p.image);
    assert.ok(inCell.length > 0);
    await out.locator(`.sl-confusion-cell[data-true="${t0}"][data-predicted="${p0}"]`).click();
    await view.page.waitForFunction(
      (count) =>
        document
          .querySelector('.symptom-lens-output')
          ?.shadowRoot?.querySelector('[data-testid="gallery"][data-filter-true]')
          ?.querySelectorAll('[data-testid="card"]').length === count,
      inCell.length,
    );
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-image'))), inCell);

    // The heatmap: the kept rows, then a page of every image.
    const range = out.locator('[data-testid="heatmap-range"]');
    assert.match((await range.textContent()) ?? '', new RegExp(`Showing the 20 of ${n} images`));
    await out.locator('[data-testid="heatmap-next"]').click();
    await view.page.waitForFunction(
      (text) =>
        document
          .querySelector('.symptom-lens-output')
          ?.shadowRoot?.querySelector('[data-testid="heatmap-range"]')
          ?.textContent?.includes(text),
      `Rows 1–${n} of ${n}`,
    );
    const heatmapRows = await out
      .locator('[data-testid="heatmap"]')
      .evaluate((el) => (el as unknown as { data?: { z: unknown[] }[] }).data?.[0]?.z.length);
    assert.equal(heatmapRows, n);

    // Reopened without the cache: the aggregates show, the per-image views ask for a re-run.
    await fs.rm(cacheDir, { recursive: true, force: true });
    await view.render({ ...paged, perImage: { ...paged.perImage!, run: 'ffeeddccbbaa9988' } });
    const reopened = view.page.locator('.symptom-lens-output').first();
    await reopened.locator('[data-testid="rows-note"]', { hasText: 'need a re-run of this cell' }).waitFor();
    // The heatmap says so before any click, and offers no page.
    await reopened.locator('[data-testid="heatmap-note"]', { hasText: 'need a re-run of this cell' }).waitFor();
    assert.equal(await reopened.locator('[data-testid="heatmap-next"]').count(), 0);
    assert.equal(await reopened.locator('.sl-comparison tbody tr').count(), full.variants.length);
    assert.equal(await reopened.locator('.sl-confusion-cell').count(), full.classes.length ** 2);

    // The report: no messaging, the rows are in results' Parquet file.
    await view.render(
      { ...paged, perImage: { ...paged.perImage!, file: 's.per-image.parquet' } },
      { messaging: false },
    );
    const report = view.page.locator('.symptom-lens-output').first();
    assert.match((await report.locator('[data-testid="per-image-note"]').textContent()) ?? '', /s\.per-image\.parquet/);
    assert.match((await report.locator('[data-testid="rows-note"]').textContent()) ?? '', /beside results\.json/);
    assert.deepEqual(view.problems.errors, []);
  },
);
