// The fewshot step on the demo model: the learning curve rises with shots, zero-shot-init is not
// worse than zero-shot at one shot (the demo figures), percentages of the pool, the event loop
// stays free while it fits, interrupt, located errors; the curve figure and the renderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MIME } from '../../src/protocol/mime';
import type { FewshotResult } from '../../src/protocol/fewshot';
import { curveFigure } from '../../src/renderers/fewshot/curveFigure';
import { shotsPerClass, stratifiedSplit } from '../../src/scoring/fewshot';
import { chromiumSkipReason } from '../helpers/chromium';
import { DEMO_DESCRIPTORS, demoKernel, EXAMPLES } from '../helpers/demoKernel';
import { openRendererPage } from '../helpers/rendererPage';

const DEMO_SET = path.join(EXAMPLES, 'data');
const CURVE = `fewshot: curve\nimages: held-out\nmodel: demo\ndescriptors: v1\nshots: [1, 2, 4, 8]\nrepeats: 6\n`;
const THEME = {
  fg: '#111',
  muted: '#777',
  border: '#ccc',
  accent: '#06f',
  good: '#0a0',
  bad: '#a00',
  bg: '#fff',
  font: 'sans',
  size: 13,
  dark: false,
};

const point = (r: FewshotResult, method: string, shots: string) =>
  r.points.find((p) => p.method === method && p.shots === shots)!;

test('demo figures: the curve rises with shots, and zero-shot-init is not worse than zero-shot at one shot', async (t) => {
  const { must } = await demoKernel(t, { folder: DEMO_SET });
  await must(DEMO_DESCRIPTORS);
  const out = await must(CURVE);
  const r = out.result as FewshotResult;
  const figure = Object.fromEntries(
    r.methods.map((m) => [m, ['1', '2', '4', '8'].map((s) => point(r, m, s).balancedAccuracy.mean)]),
  );
  console.log(
    `few-shot balanced accuracy at 1/2/4/8 shots on examples/data: ${JSON.stringify(figure)}; zero-shot ${r.zeroShot.balancedAccuracy}`,
  );
  assert.equal(r.split.pool + r.split.test, 80);
  assert.deepEqual(point(r, 'linear-probe', '8').perClass, [8, 8, 8, 8, 8]);
  for (const method of ['linear-probe', 'descriptor-weights']) {
    const curve = figure[method];
    assert.ok(curve[3] > curve[0] + 0.01, `${method} rises from 1 to 8 shots: ${curve}`);
    assert.ok(curve[2] >= curve[0] && curve[3] >= curve[1], `${method} never falls back below fewer shots: ${curve}`);
  }
  assert.ok(
    point(r, 'zero-shot-init', '1').balancedAccuracy.mean >= r.zeroShot.balancedAccuracy,
    `zero-shot-init at 1 shot ${point(r, 'zero-shot-init', '1').balancedAccuracy.mean} vs zero-shot ${r.zeroShot.balancedAccuracy}`,
  );
  // Every point: repeats summarised, band inside the range of the values, all fits converged.
  for (const p of r.points) {
    assert.equal(p.balancedAccuracy.values.length, 6);
    assert.ok(p.balancedAccuracy.low <= p.balancedAccuracy.mean && p.balancedAccuracy.mean <= p.balancedAccuracy.high);
    assert.equal(p.converged, 6);
  }
  // The learned merge: every class weighs its own descriptors above the others' on average.
  const w = r.descriptorWeights!;
  assert.equal(w.shots, '8');
  r.classes.forEach((c, ci) => {
    const own = w.weights[ci].filter((_, k) => w.descriptors[k].class === c);
    const other = w.weights[ci].filter((_, k) => w.descriptors[k].class !== c);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(own) > mean(other), `${c}: own ${mean(own)} vs other ${mean(other)}`);
  });
  assert.equal(out.outputs[0].mime, MIME.fewshot);
  assert.match(r.run.solver, /L-BFGS/);

  // The same seed gives the same curve; another seed other draws.
  const again = (await must(CURVE)).result as FewshotResult;
  assert.deepEqual(again.points, r.points);
  const other = (await must(`${CURVE}seed: 5\n`)).result as FewshotResult;
  assert.notDeepEqual(other.points, r.points);
});

test('shots as a share of the pool; a separate test set; the split is stratified and seeded', async (t) => {
  const { must } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS);
  await must(`images: examples\nfrom: ${JSON.stringify(path.join(DEMO_SET, 'labels.csv'))}\n`);
  const r = (
    await must(
      'fewshot: pct\nimages: examples\ntest: held-out\nmodel: demo\ndescriptors: v1\nshots: [25%, 2]\nrepeats: 2\nmethods: linear-probe\n',
    )
  ).result as FewshotResult;
  assert.deepEqual(r.split, { method: 'all of "examples" for training, "held-out" for testing', pool: 80, test: 100 });
  assert.deepEqual(point(r, 'linear-probe', '25%').perClass, [4, 4, 4, 4, 4]);
  assert.deepEqual(r.methods, ['linear-probe']);
  assert.equal(r.descriptorWeights, null);
  assert.deepEqual(shotsPerClass({ label: '1%', percent: 1 }, [16, 300]), [1, 3]);
  const split = stratifiedSplit([0, 0, 0, 0, 1, 1, 1, 1, 1, 1], 2, 0.5, 3);
  assert.equal(split.test.length, 5);
  assert.deepEqual(split, stratifiedSplit([0, 0, 0, 0, 1, 1, 1, 1, 1, 1], 2, 0.5, 3));
});

test('fitting yields to the event loop, and an interrupt stops it between fits', async (t) => {
  const { kernel, must } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS);
  let last = Date.now();
  let longest = 0;
  const timer = setInterval(() => {
    longest = Math.max(longest, Date.now() - last);
    last = Date.now();
  }, 5);
  const controller = new AbortController();
  let fits = 0;
  try {
    const out = await kernel.runCell(
      'fs',
      'fewshot: long\nimages: held-out\nmodel: demo\ndescriptors: v1\nshots: [1, 4, 10]\nrepeats: 40\n',
      {
        signal: controller.signal,
        progress: (message) => {
          if (message.startsWith('Fitted')) fits++;
          if (fits === 30) controller.abort();
        },
      },
    );
    assert.equal(out.cancelled, true, out.error);
  } finally {
    clearInterval(timer);
  }
  assert.ok(fits >= 30 && fits <= 31, `stopped after ${fits} fits`);
  // A fit on 50 images takes milliseconds; the timer is never held up for long.
  assert.ok(longest < 400, `the event loop was blocked for ${longest} ms`);
});

test('fewshot errors name the line and field and say what to do', async (t) => {
  const { must, fails } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS);
  const base = 'fewshot: f\nimages: held-out\nmodel: demo\ndescriptors: v1\n';
  assert.match(
    (await fails(`${base}shots: [1, 40]\n`)).error!,
    /^line 5, field `shots\.1`: 40 shots per class is more than class ".*" has for training \(10\)\. Use at most 10/,
  );
  assert.match(
    (await fails(`${base}shots: [1, lots]\n`)).error!,
    /^line 5, field `shots\.1`: "lots" is neither a number .* e\.g\. shots: \[1, 4, 16, 10%\]/,
  );
  assert.match(
    (await fails(`${base}methods: [linear-probe, vip]\n`)).error!,
    /^line 5, field `methods\.1`: .*must be one of linear-probe, descriptor-weights, zero-shot-init; got "vip"/,
  );
  assert.match(
    (await fails(`${base}test: held-out\n`)).error!,
    /^line 5, field `test`: 100 images of "held-out" are also in "held-out"/,
  );
  assert.match((await fails(`${base}split: 1.5\n`)).error!, /^line 5, field `split`: split must lie between 0 and 1/);
  await must('descriptors: partial\nclasses: {normal: [clear lungs]}\n');
  assert.match(
    (await fails('fewshot: f\nimages: held-out\nmodel: demo\ndescriptors: partial\n')).error!,
    /^line 4, field `descriptors`: Descriptor set "partial" has no entry for classes/,
  );
});

test('the curve figure: a band and a mean line per method, zero-shot dashed across', () => {
  const summary = (mean: number) => ({ mean, sd: 0.01, low: mean - 0.02, high: mean + 0.02, values: [mean] });
  const points = ['1', '4'].flatMap((shots, i) =>
    (['linear-probe', 'zero-shot-init'] as const).map((method) => ({
      method,
      shots,
      perClass: [Number(shots)],
      accuracy: summary(0.6 + 0.1 * i),
      balancedAccuracy: summary(0.5 + 0.1 * i),
      macroAuroc: null,
      converged: 1,
    })),
  );
  const zeroShot = { accuracy: 0.7, balancedAccuracy: 0.65, macroAuroc: 0.8 };
  const fig = curveFigure({ points, methods: ['linear-probe', 'zero-shot-init'], zeroShot }, 'balancedAccuracy', THEME);
  assert.equal(fig.data.length, 5);
  const [band, mean] = fig.data;
  assert.deepEqual(band.x, ['1', '4', '4', '1']);
  assert.deepEqual(band.y, [0.52, 0.62, 0.58, 0.48]);
  assert.deepEqual(mean.y, [0.5, 0.6]);
  const zero = fig.data[4];
  assert.deepEqual(zero.y, [0.65, 0.65]);
  assert.equal((zero.line as { dash?: string }).dash, 'dash');
  // macroAuroc is undefined here: the methods draw nothing, the zero-shot line still shows.
  const auroc = curveFigure({ points, methods: ['linear-probe', 'zero-shot-init'], zeroShot }, 'macroAuroc', THEME);
  assert.deepEqual(auroc.data[1].y, []);
  assert.deepEqual(auroc.data[4].y, [0.8, 0.8]);
});

const HOSTILE = '<img src=x onerror=alert(1)>';

test('fewshot renderer: curve, table, descriptor weights, text only', { skip: chromiumSkipReason() }, async (t) => {
  const { must } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS.replace('visible pleural line', JSON.stringify(HOSTILE)));
  const out = await must('fewshot: shown\nimages: held-out\nmodel: demo\ndescriptors: v1\nshots: [1, 4]\nrepeats: 3\n');
  const data = out.outputs[0].data as FewshotResult;
  const view = await openRendererPage(t, 'fewshot/index', MIME.fewshot);
  await view.render(data);
  const root = view.page.locator('.symptom-lens-output');
  await root.locator('[data-testid="fewshot-curve"] .main-svg').first().waitFor();
  // 3 methods × (band + mean) + the zero-shot line.
  assert.equal(await root.locator('[data-testid="fewshot-curve"] .scatterlayer .trace').count(), 7);
  assert.equal(await root.locator('[data-testid="fewshot-table"] tbody tr').count(), 1 + 6);
  const weights = root.locator('[data-testid="fewshot-weights"]');
  assert.equal(await weights.locator(`tr[data-descriptor]`).count(), data.descriptorWeights!.descriptors.length);
  assert.ok((await weights.locator('td').allTextContents()).includes(HOSTILE));
  assert.equal(await root.locator('img').count(), 0);
  // The curve's SVG export (Plotly's own) carries the zero-shot line's name.
  await root.locator('[data-testid="fewshot-image"] vscode-button').nth(1).click();
  await view.page.waitForFunction(() =>
    (window as unknown as { posted: { type: string }[] }).posted.some((m) => m.type === 'saveImage'),
  );
  const saved = ((await view.posted()) as { type: string; name: string; dataUrl: string }[]).find(
    (m) => m.type === 'saveImage',
  )!;
  assert.equal(saved.name, 'fewshot-shown');
  assert.match(decodeURIComponent(saved.dataUrl.split(',')[1]), /^<svg[\s\S]*zero-shot/);
  await view.render({ ...data, metric: 'f1' });
  assert.match((await root.locator('.sl-notice').textContent()) ?? '', /`metric`/);
  assert.deepEqual(view.problems.dialogs, []);
  assert.deepEqual(view.problems.errors, []);
  assert.deepEqual(view.problems.requests, []);
});

test('re-running what a research cell read marks it stale', async (t) => {
  const { kernel, must } = await demoKernel(t);
  await must(DEMO_DESCRIPTORS, 'v1');
  await must('fewshot: f\nimages: held-out\nmodel: demo\ndescriptors: v1\nshots: [1]\nrepeats: 1\n', 'fs');
  await must('search: s\nimages: held-out\nmodel: demo\nqueries: [round opacity]\n', 'search');
  assert.deepEqual(kernel.staleCells(), []);
  await must(DEMO_DESCRIPTORS.replace('clear lung fields', 'clear lungs'), 'v1');
  assert.deepEqual(kernel.staleCells(), ['fs'], 'the descriptors feed the curve, not the search');
});
