// The renderer of an explain cell (application/vnd.symptom-lens.explain+json): the image with its
// heatmaps (figure.ts: a target select, an opacity slider, the peak outlined), the prediction and
// its margin, and the descriptor bars per class. Every text goes in through the DOM, never as HTML.
import { classesText, classList, sameClasses } from '../../protocol/classes';
import { MARGIN_DEFINITION, MULTI_LABEL_MARGIN_DEFINITION } from '../../protocol/margin';
import { BARS_CSS, descriptorBars, type BarGroup } from '../_shared/bars';
import { h, section } from '../_shared/dom';
import { basename, decimal } from '../_shared/format';
import { createRenderer, DataError, expectArray, expectClasses, expectObject, expectString } from '../_shared/renderer';
import { FIGURE_CSS, figures, type ExplainData } from './figure';

const CSS = `
${BARS_CSS}
${FIGURE_CSS}
.sl-explain { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.sl-evidence { flex: 1 1 360px; min-width: 280px; display: flex; flex-direction: column; gap: 12px; }
.sl-margin { font-variant-numeric: tabular-nums; }
`;

export const activate = createRenderer<ExplainData>({
  kind: 'explanation',
  css: CSS,
  parse(json) {
    const r = expectObject(json, 'explanation');
    expectString(r.name, 'name');
    expectString(r.image, 'image');
    expectClasses(r.predicted, 'predicted', r.multiLabel === true);
    if (r.label !== undefined) expectClasses(r.label, 'label', r.multiLabel === true);
    for (const [i, c] of expectArray(r.classes, 'classes').entries()) {
      const cls = expectObject(c, `classes[${i}]`);
      expectString(cls.class, `classes[${i}].class`);
      expectArray(cls.descriptors, `classes[${i}].descriptors`);
    }
    const occ = expectObject(r.occlusion, 'occlusion');
    expectGrid(occ.heatmap, 'occlusion.heatmap');
    for (const field of ['inputSize', 'stride', 'patch'] as const) {
      if (typeof occ[field] !== 'number' || !((occ[field] as number) > 0))
        throw new DataError(`\`occlusion.${field}\` should be a positive number.`);
    }
    const peak = expectObject(occ.peak, 'occlusion.peak');
    expectBox(peak.box, 'occlusion.peak.box');
    expectBox(occ.inputBox, 'occlusion.inputBox');
    expectObject(occ.target, 'occlusion.target');
    for (const [i, m] of (r.maps === undefined ? [] : expectArray(r.maps, 'maps')).entries()) {
      const map = expectObject(m, `maps[${i}]`);
      if (map.method !== 'occlusion' && map.method !== 'patch-tokens')
        throw new DataError(`\`maps[${i}].method\` should be "occlusion" or "patch-tokens".`);
      expectObject(map.target, `maps[${i}].target`);
      expectGrid(map.heatmap, `maps[${i}].heatmap`);
      if (typeof map.cell !== 'number' || !(map.cell > 0))
        throw new DataError(`\`maps[${i}].cell\` should be a positive number.`);
      expectBox(expectObject(map.peak, `maps[${i}].peak`).box, `maps[${i}].peak.box`);
    }
    const size = expectObject(r.imageSize, 'imageSize');
    if (typeof size.width !== 'number' || typeof size.height !== 'number')
      throw new DataError('`imageSize` should have a width and a height.');
    return r as unknown as ExplainData;
  },
  render({ data, container, ctx, onDispose }) {
    container.append(
      h(
        'div',
        { class: 'sl-header' },
        h('h2', null, `Explanation · ${data.name}`),
        h(
          'p',
          { class: 'sl-subtitle', title: data.image },
          `${basename(data.image)} · image ${data.index} of score “${data.score}”, variant “${data.variant}”`,
        ),
      ),
      h('div', { class: 'sl-explain' }, figures(data, onDispose, ctx.postMessage?.bind(ctx)), evidence(data)),
    );
  },
});

function evidence(data: ExplainData): HTMLElement {
  const predicted = new Set(classList(data.predicted));
  const truth = new Set(data.label === undefined ? [] : classList(data.label));
  const groups: BarGroup[] = data.classes.map((c) => ({
    label: c.class,
    score: c.score,
    role: predicted.has(c.class) ? (truth.has(c.class) ? 'both' : 'predicted') : truth.has(c.class) ? 'true' : 'other',
    items: c.descriptors.map((d) => ({ text: d.text, value: d.similarity })),
  }));
  const definition = (data.multiLabel ? MULTI_LABEL_MARGIN_DEFINITION : MARGIN_DEFINITION).replace('margin = ', '');
  const correct = data.label === undefined ? undefined : sameClasses(data.label, data.predicted);
  return h(
    'div',
    { class: 'sl-evidence' },
    h(
      'dl',
      { class: 'sl-kv', testid: 'explain-summary' },
      h(
        'div',
        null,
        h('dt', null, 'predicted'),
        h(
          'dd',
          { class: correct === undefined ? '' : correct ? 'sl-good-text' : 'sl-bad-text' },
          classesText(data.predicted),
        ),
      ),
      data.label !== undefined
        ? h('div', null, h('dt', null, 'true class'), h('dd', null, classesText(data.label)))
        : null,
      data.runnerUp !== null
        ? h(
            'div',
            null,
            h('dt', null, 'runner-up'),
            h(
              'dd',
              { testid: 'explain-runner-up' },
              `${data.runnerUp} (−${decimal(data.classes[0].score - data.classes[1].score, 4)})`,
            ),
          )
        : null,
      data.margin !== null
        ? h(
            'div',
            null,
            h('dt', null, 'margin', h('span', { class: 'sl-muted' }, ` (${definition})`)),
            h('dd', { class: 'sl-margin', testid: 'explain-margin' }, decimal(data.margin, 4)),
          )
        : null,
    ),
    section(
      'sl-class-bars',
      'Descriptor similarities per class',
      'Cosine of the image with each descriptor, highest first; classes by score.',
      h('div', { testid: 'explain-bars' }, descriptorBars(groups)),
    ),
  );
}

function expectBox(value: unknown, field: string): void {
  if (!Array.isArray(value) || value.length !== 4 || value.some((v) => typeof v !== 'number'))
    throw new DataError(`\`${field}\` should be four numbers [x0, y0, x1, y1].`);
}

function expectGrid(value: unknown, field: string): void {
  const grid = expectArray(value, field);
  if (grid.length === 0 || grid.some((row) => !Array.isArray(row) || row.length !== grid.length))
    throw new DataError(`\`${field}\` should be a square grid of numbers.`);
}
