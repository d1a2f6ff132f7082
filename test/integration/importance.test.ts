// Descriptor importance end to end: a score cell on the demo model and the held-out phantoms
// carries one importance row per descriptor, and the score renderer in Chromium shows it as a
// table sorted by leave-one-out change that re-sorts on a heading click.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIME } from '../../src/protocol/mime';
import type { ScoreResult } from '../../src/protocol/results';
import { chromiumSkipReason } from '../helpers/chromium';
import { demoKernel } from '../helpers/demoKernel';
import { openRendererPage } from '../helpers/rendererPage';

const HOSTILE = '<img src=x onerror=alert(1)>';
// Demo-grammar descriptors, two of them filed under the wrong class (they describe pneumothorax
// and cardiomegaly, listed for normal), so that some descriptors rank their class badly. The
// template keeps the class name out of the embedded text.
const MIXED = `descriptors: v1
template: "{descriptor}"
classes:
  normal: [clear lung fields, visible pleural line, enlarged heart shadow]
  effusion: [blunted costophrenic angle, fluid meniscus at the lung base]
  cardiomegaly: [wide cardiac silhouette, ${JSON.stringify(HOSTILE)}]
  nodule: [round opacity, small round density in the lung]
  pneumothorax: [lucent rim without lung markings]
`;
const NAMES =
  'descriptors: names\nclasses: { normal: [], effusion: [], cardiomegaly: [], nodule: [], pneumothorax: [] }\n';

test('a score cell: importance per descriptor, sortable in the renderer', { skip: chromiumSkipReason() }, async (t) => {
  const { must } = await demoKernel(t);
  await must(NAMES);
  await must(MIXED);
  const out = await must(
    'score: s\nimages: held-out\nmodel: demo\ndescriptors: [names, v1]\ncontrols: shuffled\nmethod: mean\n',
  );
  const score = out.outputs[0].data as ScoreResult;
  const [names, v1, control] = score.variants;
  assert.equal(control.importance, undefined, 'controls have none');
  for (const v of [names, v1]) {
    assert.equal(v.importance!.metric, 'balancedAccuracy');
    assert.deepEqual(
      v.importance!.descriptors.map((d) => [d.class, d.descriptor]),
      v.columns.map((c) => [c.class, c.text]),
    );
    // The base of the leave-one-out change is the variant's own balanced accuracy.
    assert.ok(Math.abs(v.importance!.full! - v.metrics.balancedAccuracy!) < 1e-6);
  }
  assert.ok(
    names.importance!.descriptors.every((d) => d.leaveOneOut === null),
    'a class name is its only text',
  );
  const rows = v1.importance!.descriptors;
  const row = (text: string) => rows.find((d) => d.descriptor === text)!;
  // A descriptor of its own class separates it; one of another class ranks it below chance and
  // sits below the other images on average. Cardiomegaly without its one real descriptor is left
  // with the junk text, and the metric drops.
  assert.ok(row('clear lung fields').auroc! > 0.9 && row('clear lung fields').gap! > 0);
  assert.ok(row('visible pleural line').auroc! < 0.5 && row('visible pleural line').gap! < 0);
  assert.ok(row(HOSTILE).auroc! < 0.5);
  assert.ok(row('wide cardiac silhouette').leaveOneOut! < -0.05, JSON.stringify(row('wide cardiac silhouette')));
  assert.equal(row('lucent rim without lung markings').leaveOneOut, null, "its class's only descriptor");

  const view = await openRendererPage(t, 'score/index', MIME.score);
  await view.render(score);
  const root = view.page.locator('.symptom-lens-output');
  const table = root.locator('[data-testid="importance"]');
  assert.equal(await table.getAttribute('data-variant'), 'names');
  await root.locator('vscode-tab-header').nth(1).click();
  await root.locator('[data-testid="importance"][data-variant="v1"]').waitFor();
  const column = async (i: number) => table.locator(`tbody tr td:nth-child(${i})`).allTextContents();
  const number = (s: string) => Number(s.replace('\u2212', '-'));
  const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
  assert.equal(await table.locator('tbody tr').count(), rows.length);
  const loo = await column(5);
  assert.equal(loo.at(-1), '—', 'no change (null) sorts last');
  assert.ok(ascending(loo.slice(0, -1).map(number)), 'leave-one-out, most useful first');
  assert.equal(await table.locator('th[data-key="leaveOneOut"]').getAttribute('aria-sort'), 'ascending');
  await table.locator('th[data-key="auroc"] button').click();
  assert.ok(ascending((await column(3)).map(number).reverse()), 'AUROC high to low');
  await table.locator('th[data-key="auroc"] button').click();
  assert.ok(ascending((await column(3)).map(number)), 'a second click reverses');
  assert.equal(await table.locator('th[data-key="auroc"]').getAttribute('aria-sort'), 'ascending');
  assert.ok((await column(2)).includes(HOSTILE), 'the descriptor is shown as text');
  assert.equal(await root.locator('img[src="x"]').count(), 0);
  assert.deepEqual(view.problems.dialogs, []);
  assert.deepEqual(view.problems.errors, []);
});
