// The renderer of a fewshot cell (application/vnd.symptom-lens.fewshot+json): the learning curve
// (metric against shots, mean and band over repeats, zero-shot as a line), a table of every point,
// and the descriptor weights that descriptor-weights learned, per class.
import type { FewshotResult } from '../../protocol/fewshot';
import { h, section } from '../_shared/dom';
import { dropdown } from '../_shared/elements';
import { decimal, duration, percent, plural, signed } from '../_shared/format';
import { themedPlot } from '../_shared/plotly';
import { imageButtons } from '../_shared/plotExport';
import { createRenderer, DataError, expectArray, expectObject, expectString } from '../_shared/renderer';
import { curveFigure, METRIC_NAMES, type CurveMetric } from './curveFigure';

const CSS = `
.sl-curve { width: 100%; min-height: 320px; }
.sl-weights td.sl-w { min-width: 56px; background: color-mix(in srgb, var(--sl-w-colour) calc(var(--sl-w) * 70%), transparent); }
.sl-weights tr.sl-own td:first-child { font-weight: 600; }
.sl-weights .sl-group td { text-align: left; color: var(--sl-muted); border-bottom: none; padding-top: 8px; }
.sl-metric-choice { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.sl-export { display: inline-flex; gap: 6px; margin-left: auto; }
`;

export const activate = createRenderer<FewshotResult>({
  kind: 'few-shot output',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'fewshot result');
    expectString(r.name, 'name');
    expectArray(r.classes, 'classes');
    expectArray(r.methods, 'methods');
    expectArray(r.points, 'points').forEach((p, i) => {
      const point = expectObject(p, `points[${i}]`);
      expectString(point.shots, `points[${i}].shots`);
      expectObject(point.balancedAccuracy, `points[${i}].balancedAccuracy`);
    });
    expectObject(r.zeroShot, 'zeroShot');
    if (!(r.metric === 'accuracy' || r.metric === 'balancedAccuracy' || r.metric === 'macroAuroc'))
      throw new DataError('`metric` should be accuracy, balancedAccuracy or macroAuroc.');
    return r as unknown as FewshotResult;
  },
  async render({ data, container, root, ctx, onDispose }) {
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Few-shot · ${data.name}`),
        h(
          'p',
          { class: 'sl-subtitle' },
          `${data.split.pool} training, ${data.split.test} test images (${data.split.method}) · model "${data.model}" · ${plural(data.repeats, 'repeat')} · C ${data.C}, zero-shot-init C ${data.cInit} · ${duration(data.run.durationMs)}`,
        ),
      ),
    );
    let metric: CurveMetric = data.metric;
    const chart = h('div', { class: 'sl-curve', testid: 'fewshot-curve' });
    const choice = h(
      'div',
      { class: 'sl-metric-choice' },
      h('span', { class: 'sl-muted' }, 'metric'),
      dropdown(
        (Object.keys(METRIC_NAMES) as CurveMetric[]).map((m) => ({ value: m, label: METRIC_NAMES[m] })),
        metric,
        (value) => {
          metric = value as CurveMetric;
          void plot.redraw();
        },
        'Metric of the learning curve',
      ),
      imageButtons(`fewshot-${data.name}`, () => chart, ctx.postMessage?.bind(ctx), 'fewshot-image'),
    );
    container.append(
      section(
        'sl-curve-section',
        'Learning curve',
        `Mean over repeats with the 2.5–97.5 % band of the repeats; dashed: the descriptors' zero-shot result ("${data.descriptors}").`,
        choice,
        chart,
      ),
      pointsTable(data),
    );
    if (data.descriptorWeights) container.append(weightsTable(data.descriptorWeights, data.classes));
    const plot = await themedPlot(root, chart, (theme) => curveFigure(data, metric, theme), onDispose);
  },
});

function pointsTable(data: FewshotResult): HTMLElement {
  const zero = data.zeroShot;
  const cell = (x: { mean: number; sd: number } | null, asPercent: boolean, against: number | null) =>
    h(
      'td',
      { title: x && against !== null ? `${signed(x.mean - against)} against zero-shot` : undefined },
      x ? `${asPercent ? percent(x.mean) : decimal(x.mean)} ± ${asPercent ? percent(x.sd) : decimal(x.sd)}` : '—',
    );
  return section(
    'sl-points',
    'Every point',
    'mean ± standard deviation over the repeats, on the test images',
    h(
      'div',
      { class: 'sl-scroll' },
      h(
        'table',
        { testid: 'fewshot-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['method', 'shots per class', 'accuracy', 'balanced accuracy', 'macro AUROC'].map((t) =>
              h('th', null, t),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          h(
            'tr',
            { attrs: { 'data-method': 'zero-shot' } },
            h('td', null, 'zero-shot'),
            h('td', null, '0'),
            h('td', null, percent(zero.accuracy)),
            h('td', null, percent(zero.balancedAccuracy)),
            h('td', null, decimal(zero.macroAuroc)),
          ),
          ...data.points.map((p) =>
            h(
              'tr',
              { attrs: { 'data-method': p.method, 'data-shots': p.shots } },
              h('td', null, p.method),
              h('td', { title: p.perClass.join(' / ') }, p.shots),
              cell(p.accuracy, true, zero.accuracy),
              cell(p.balancedAccuracy, true, zero.balancedAccuracy),
              cell(p.macroAuroc, false, zero.macroAuroc),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Descriptors (rows, grouped by the class that lists them) × classes (columns): the learned weights. */
function weightsTable(w: NonNullable<FewshotResult['descriptorWeights']>, classes: string[]): HTMLElement {
  const max = Math.max(1e-9, ...w.weights.flat().map(Math.abs));
  const rows: HTMLElement[] = [];
  w.descriptors.forEach((d, k) => {
    if (k === 0 || w.descriptors[k - 1].class !== d.class)
      rows.push(
        h('tr', { class: 'sl-group' }, h('td', { attrs: { colspan: classes.length + 1 } }, `listed for ${d.class}`)),
      );
    rows.push(
      h(
        'tr',
        { attrs: { 'data-descriptor': d.text, 'data-class': d.class } },
        h('td', { title: d.text }, d.text),
        ...classes.map((c, ci) => {
          const value = w.weights[ci][k];
          return h(
            'td',
            {
              class: `sl-w${c === d.class ? ' sl-own' : ''}`,
              attrs: { 'data-weight-class': c },
              style: {
                '--sl-w': String(Math.abs(value) / max),
                '--sl-w-colour': value >= 0 ? 'var(--sl-good)' : 'var(--sl-bad)',
              },
            },
            signed(value, 2),
          );
        }),
      ),
    );
  });
  return section(
    'sl-weights',
    'What the data says matters: descriptor weights',
    `descriptor-weights at ${w.shots} shots per class, averaged over the repeats: each descriptor's weight in each class's score (standardised similarity). Positive (green) argues for the class.`,
    h(
      'div',
      { class: 'sl-scroll' },
      h(
        'table',
        { testid: 'fewshot-weights' },
        h('thead', null, h('tr', null, h('th', null, 'descriptor'), ...classes.map((c) => h('th', null, c)))),
        h('tbody', null, ...rows),
      ),
    ),
  );
}
