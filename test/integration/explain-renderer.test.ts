// The explain renderer in headless Chromium, fed by a real explain cell's output (the demo model
// on a held-out phantom): the picture with the heatmap and the peak outlined on a canvas, bars per
// class, the margin; data shown as text only; colours following the theme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { ExplainResult } from '../../src/protocol/results';
import { MIME } from '../../src/protocol/mime';
import { chromiumSkipReason } from '../helpers/chromium';
import { openRendererPage } from '../helpers/rendererPage';
import { DESCRIPTORS, lesions, MODEL, PHANTOMS, ROOT } from '../fixtures/explain-fixture';

const RESULTS = path.join(ROOT, 'test-results');
const HOSTILE = '<img src=x onerror=alert(1)>';

type ExplainData = ExplainResult & { thumbnail: string };

/** RGBA of the output canvas at (x, y) in original image pixels (page script). */
const PIXEL = `window.pixel = (x, y, imageSide) => {
  const canvas = document.querySelector('.symptom-lens-output').shadowRoot.querySelector('canvas');
  const s = canvas.width / imageSide;
  return Array.from(canvas.getContext('2d').getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data);
};`;

let once: Promise<ExplainData> | undefined;
/** One explain run for every test here; each gets its own copy to edit. */
const explained = async () => structuredClone(await (once ??= explainNodule()));

async function explainNodule(): Promise<ExplainData> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sl-explain-render-'));
  const kernel = new Kernel({ notebookPath: path.join(PHANTOMS, 'nb.lensnb'), cacheDir: path.join(dir, 'cache') });
  try {
    const nodule = lesions().find((l) => l.label === 'nodule')!;
    for (const [id, source] of [
      ['images', 'images: held-out\nfrom: labels.csv\n'],
      ['model', `model: demo\npath: ${JSON.stringify(MODEL)}\ndevice: cpu\n`],
      ['v1', DESCRIPTORS],
      ['score', 'score: s\nimages: held-out\nmodel: demo\ndescriptors: v1\n'],
      ['explain', `explain: nodule-case\nscore: s\nimage: ${nodule.path}\ntarget: nodule\npatch: 24\nstride: 8\n`],
    ]) {
      const out = await kernel.runCell(id, source);
      assert.ok(out.ok, out.error);
      if (id === 'explain') return out.outputs[0].data as ExplainData;
    }
    throw new Error('unreachable');
  } finally {
    await kernel.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const openPage = (t: { after: (fn: () => Promise<void>) => void }) =>
  openRendererPage(t, 'explain/index', MIME.explain, PIXEL);

test(
  'explain renderer: heatmap over the picture, peak outlined, bars, margin, theme, text only',
  { skip: chromiumSkipReason() },
  async (t) => {
    const data = await explained();
    // Untrusted strings (a file name, a descriptor) must stay text.
    data.image = `phantoms/${HOSTILE}.png`;
    data.classes[data.classes.length - 1].descriptors[0].text = HOSTILE;
    // Bars are anchored at zero: a cosine of 0 and a negative one draw no bar.
    const last = data.classes[data.classes.length - 1].descriptors;
    last.push({ text: 'a zero cosine', similarity: 0 }, { text: 'a negative cosine', similarity: -0.05 });
    const { page, problems, render, posted } = await openPage(t);
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(0, 255, 0)'));
    await render(data);
    const root = page.locator('.symptom-lens-output');
    const canvas = root.locator('[data-testid="explain-canvas"]');
    await canvas.waitFor();
    // The picture loads asynchronously: wait until the canvas is no longer blank.
    const side = data.imageSize.width;
    const peak = data.occlusion.peak.box;
    const centre = [(peak[0] + peak[2]) / 2, (peak[1] + peak[3]) / 2];
    type Pixel = (x: number, y: number, side: number) => number[];
    await page.waitForFunction(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s)[3] > 0,
      [centre[0], centre[1], side],
    );
    assert.equal(await canvas.getAttribute('width'), '320');
    assert.match(
      (await canvas.getAttribute('aria-label')) ?? '',
      /occlusion heatmap for nodule; the peak is at x \d+–\d+, y \d+–\d+/,
    );

    // The peak's outline is drawn in the theme's accent colour.
    const edge = await page.evaluate(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s),
      [centre[0], peak[1], side],
    );
    assert.deepEqual(edge.slice(0, 3), [0, 255, 0], `outline pixel ${edge}`);
    // The hottest cell is tinted: switching the heatmap off changes it.
    const inside = [centre[0] - 1, centre[1] - 1];
    const tinted = await page.evaluate(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s),
      [inside[0], inside[1], side],
    );
    await root.locator('[data-testid="heatmap-toggle"]').click();
    const plain = await page.evaluate(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s),
      [inside[0], inside[1], side],
    );
    assert.notDeepEqual(tinted, plain, 'the heatmap colours the peak cell');
    // A phantom is grey: without the heatmap its pixels have R = G = B (JPEG may wobble by a little).
    assert.ok(Math.max(...plain.slice(0, 3)) - Math.min(...plain.slice(0, 3)) <= 6, `plain pixel ${plain}`);
    assert.ok(Math.max(...tinted.slice(0, 3)) - Math.min(...tinted.slice(0, 3)) > 20, `tinted pixel ${tinted}`);
    await root.locator('[data-testid="heatmap-toggle"]').click();

    // A theme change redraws the outline in the new colour.
    await page.evaluate(() => document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(255, 0, 255)'));
    await page.waitForFunction(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s)[1] === 0,
      [centre[0], peak[1], side],
    );

    // PNG of the overlay: the canvas as drawn, sent to the extension to save.
    await root.locator('[data-testid="explain-png"]').click();
    const [saved] = (await posted()) as {
      type: string;
      name: string;
      dataUrl: string;
    }[];
    assert.equal(saved.type, 'saveImage');
    assert.equal(saved.name, `explain-${data.name}`);
    const png = Buffer.from(saved.dataUrl.replace('data:image/png;base64,', ''), 'base64');
    assert.equal(png.toString('latin1', 1, 4), 'PNG');
    assert.equal(png.readUInt32BE(16), Number(await canvas.getAttribute('width')), 'the canvas width');

    // Bars: one group per class in score order, each sorted; the margin names the runner-up.
    const groups = root.locator('.sl-bar-group');
    assert.deepEqual(
      await groups.evaluateAll((els) => els.map((e) => e.getAttribute('data-class'))),
      data.classes.map((c) => c.class),
    );
    for (let i = 0; i < data.classes.length; i++) {
      const values = (await groups.nth(i).locator('.sl-bar-value').allTextContents()).map(Number);
      assert.deepEqual(
        values,
        [...values].sort((a, b) => b - a),
      );
    }
    assert.equal(await root.locator('[data-testid="explain-margin"]').textContent(), data.margin!.toFixed(4));
    assert.match(
      (await root.locator('[data-testid="explain-summary"]').textContent()) ?? '',
      /margin \(true class − best other class\)/,
    );
    assert.equal(
      await root.locator('[data-testid="explain-runner-up"]').textContent(),
      `${data.runnerUp} (−${(data.classes[0].score - data.classes[1].score).toFixed(4)})`,
    );
    const fills = await root
      .locator('.sl-bar')
      .evaluateAll((els) =>
        els.map((e) => [
          e.querySelector('.sl-bar-text')!.textContent,
          Number(e.querySelector('.sl-bar-value')!.textContent),
          e.querySelector('.sl-bar-fill')!.getBoundingClientRect().width /
            e.querySelector('.sl-bar-track')!.getBoundingClientRect().width,
        ]),
      );
    const widest = Math.max(...fills.map((f) => f[1] as number));
    for (const [text, value, ratio] of fills) {
      const want = Math.max(0, value as number) / widest;
      assert.ok(Math.abs((ratio as number) - want) < 0.03, `${text}: bar ${ratio} of the track for cosine ${value}`);
    }
    assert.ok(
      fills.some((f) => f[0] === 'a zero cosine' && (f[2] as number) < 0.01),
      'cos 0 draws no bar',
    );
    assert.ok((await root.locator('.sl-bar-text').allTextContents()).includes(HOSTILE));
    assert.match((await root.locator('.sl-subtitle').textContent()) ?? '', /<img src=x onerror=alert\(1\)>\.png/);
    assert.equal(await root.locator('img').count(), 0, 'no element made from data');

    await fs.mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'explain-renderer.png'), fullPage: true });

    // A malformed output says what is wrong instead of drawing nonsense.
    await render({ ...data, occlusion: { ...data.occlusion, heatmap: [[1, 2]] } });
    assert.match((await root.locator('.sl-notice').textContent()) ?? '', /occlusion\.heatmap.*square grid/);

    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.requests, []);
  },
);

test(
  'explain renderer: switching the target redraws its map; the opacity slider fades the overlay',
  { skip: chromiumSkipReason() },
  async (t) => {
    const data = await explained();
    const normal = data.maps!.find((m) => m.target.kind === 'class' && m.target.class === 'normal')!;
    const nodule = data.maps!.find((m) => m.target.kind === 'class' && m.target.class === 'nodule')!;
    // A descriptor's name is data too: it becomes an option's text, never markup.
    const renamed = data.maps!.find((m) => m.target.kind === 'descriptor')!.target.text;
    for (const m of data.maps!) if (m.target.text === renamed) m.target.text = HOSTILE;
    const { page, problems, render } = await openPage(t);
    await render(data);
    const root = page.locator('.symptom-lens-output');
    const canvas = root.locator('[data-testid="explain-canvas"]');
    const select = root.locator('[data-testid="explain-target"]');
    const slider = root.locator('[data-testid="heatmap-opacity"]');
    const side = data.imageSize.width;
    type Pixel = (x: number, y: number, side: number) => number[];
    const centre = (box: number[]) => [(box[0] + box[2]) / 2 - 1, (box[1] + box[3]) / 2 - 1];
    const pixel = ([x, y]: number[]) =>
      page.evaluate(([px, py, s]) => (window as unknown as { pixel: Pixel }).pixel(px, py, s), [x, y, side]);
    const spread = (p: number[]) => Math.max(...p.slice(0, 3)) - Math.min(...p.slice(0, 3));
    await page.waitForFunction(() =>
      document.querySelector('.symptom-lens-output')?.shadowRoot?.querySelector('canvas'),
    );
    await page.waitForFunction(
      ([x, y, s]) => (window as unknown as { pixel: Pixel }).pixel(x, y, s)[3] > 0,
      [...centre(nodule.peak.box), side],
    );

    // Every class and descriptor is offered, grouped by class; the written target is selected.
    const occlusionMaps = data.maps!.filter((m) => m.method === 'occlusion');
    assert.equal(await select.locator('option').count(), occlusionMaps.length);
    assert.equal(await select.locator('option:checked').textContent(), 'nodule (class)');
    assert.ok((await select.locator('option').allTextContents()).includes(HOSTILE));
    assert.equal(await root.locator('img').count(), 0, 'no element made from data');
    const noduleLabel = await canvas.getAttribute('aria-label');
    const noduleRange = await root.locator('[data-testid="heatmap-range"]').textContent();
    const onNodulePeak = await pixel(centre(nodule.peak.box));
    assert.ok(spread(onNodulePeak) > 20, `the nodule map tints its peak: ${onNodulePeak}`);

    // Switch to "normal": the overlay, its peak outline, caption and range follow that map.
    await select.selectOption({ label: 'normal (class)' });
    const [x0, y0, x1, y1] = normal.peak.box.map(Math.round);
    assert.match(
      (await canvas.getAttribute('aria-label')) ?? '',
      new RegExp(`heatmap for normal; the peak is at x ${x0}–${x1}, y ${y0}–${y1}$`),
    );
    assert.notEqual(await canvas.getAttribute('aria-label'), noduleLabel);
    const normalMax = Math.max(0, ...normal.heatmap.flat());
    assert.equal(await root.locator('[data-testid="heatmap-range"]').textContent(), `0 – ${normalMax.toFixed(4)} drop`);
    assert.notEqual(await root.locator('[data-testid="heatmap-range"]').textContent(), noduleRange);
    assert.notDeepEqual(await pixel(centre(nodule.peak.box)), onNodulePeak, 'the nodule peak is redrawn');

    // Back to nodule, then the slider: 0 % shows the plain grey picture, 100 % tints more than 60 %.
    await select.selectOption({ label: 'nodule (class)' });
    assert.deepEqual(await pixel(centre(nodule.peak.box)), onNodulePeak);
    await slider.fill('0');
    const plain = await pixel(centre(nodule.peak.box));
    assert.ok(spread(plain) <= 6, `no overlay at 0 %: ${plain}`);
    await slider.fill('100');
    const full = await pixel(centre(nodule.peak.box));
    assert.ok(spread(full) > spread(onNodulePeak), `100 % ${full} is more saturated than 60 % ${onNodulePeak}`);
    assert.match((await root.locator('.sl-map-controls').textContent()) ?? '', /100 %/);
    await fs.mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'explain-renderer-switch.png'), fullPage: true });

    // The patch-token map beside it follows the same select.
    const patchCanvas = root.locator('[data-testid="explain-canvas-patch-tokens"]');
    const patchNodule = data.maps!.find((m) => m.method === 'patch-tokens' && m.target.text === 'nodule')!;
    const [p0, q0, p1, q1] = patchNodule.peak.box.map(Math.round);
    assert.match(
      (await patchCanvas.getAttribute('aria-label')) ?? '',
      new RegExp(`patch-token similarity heatmap for nodule; the peak is at x ${p0}–${p1}, y ${q0}–${q1}$`),
    );
    await select.selectOption({ label: 'normal (class)' });
    assert.match((await patchCanvas.getAttribute('aria-label')) ?? '', /heatmap for normal;/);
    assert.match(
      (await root.locator('[data-testid="heatmap-range-patch-tokens"]').textContent()) ?? '',
      /^-?\d\.\d{4} – -?\d\.\d{4} cos$/,
    );
    // A model without patch tokens: occlusion alone, and the output says why.
    await render({
      ...data,
      maps: data.maps!.filter((m) => m.method === 'occlusion'),
      patchTokens: { available: false, reason: 'The vision graph exports only the pooled image embedding.' },
    });
    assert.equal(await root.locator('[data-testid="explain-canvas-patch-tokens"]').count(), 0);
    assert.equal(
      await root.locator('[data-testid="patch-tokens-reason"]').textContent(),
      'The vision graph exports only the pooled image embedding.',
    );
    // An output saved before maps were listed still draws its one target.
    await render({ ...data, maps: undefined });
    assert.equal(await root.locator('[data-testid="explain-target"] option').count(), 1);
    assert.deepEqual(problems.dialogs, []);
    assert.deepEqual(problems.errors, []);
  },
);
